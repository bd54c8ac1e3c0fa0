"""The team's process in the app: the library lists a coder's assigned documents first (`a`: only those),
asks before an unassigned one is opened, and the lead's dashboard (ctrl+u) shows progress and agreement."""

from __future__ import annotations

import json

from test_snapshots import SIZES, steps, team  # noqa: F401 - team: the snapshot tests' two coders
from tui_helpers import settle, search_and_pick
from typer.testing import CliRunner

from cotag.services import team as assignments
from cotag.cli import app as cli
from cotag.store.coders import get_coder
from cotag.store.progress import get_progress
from cotag.tui.app import make_app
from cotag.tui.modals.confirm import Confirm
from cotag.tui.screens.dashboard import DashboardScreen
from cotag.tui.screens.library import LibraryScreen
from cotag.tui.screens.transcript import TranscriptScreen


def assigned_g002(project) -> None:
    assignments.assign(project, coders=["alice"], lead="lena", documents=["G002"], round_name="pilot")


def progress_row(project, coder: str, document_id: int):
    with project.session() as session:
        row = get_coder(session, name=coder)
        return None if row is None else get_progress(session, coder_id=row.id, document_id=document_id)


def library_ids(app) -> list[str]:
    screen = app.screen
    assert isinstance(screen, LibraryScreen)
    return [row.external_id for row in screen.shown_rows]


async def test_assigned_first_filter_and_confirm_before_an_unassigned_document(study):
    project = study.project
    assigned_g002(project)
    app = make_app(project, coder="alice", resume=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert library_ids(app) == ["G002", "E001"]  # reading order would be E001 (expert) first
        await pilot.press("a")
        await settle(pilot)
        assert library_ids(app) == ["G002"]
        await pilot.press("a")
        await settle(pilot)
        assert library_ids(app) == ["G002", "E001"]
        await pilot.press("down", "enter")  # E001: not alice's
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert progress_row(project, "alice", study.e001) is None
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        await pilot.press("j", "1")  # code the first respondent sentence with wages
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("up", "enter")  # G002 is alice's: opened at once
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
    assert progress_row(project, "alice", study.e001) is not None
    from cotag.store.codings import list_codings

    with project.session() as session:
        assert [(r.document, r.code) for r in list_codings(session, coders=["alice"])] == [("E001", "wages")]


async def test_no_question_without_assignments(study):
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        await pilot.press("b", "a")  # nothing assigned: `a` says so and shows every document
        await settle(pilot)
        assert library_ids(app) == ["E001", "G002"]


def plan_the_team(team) -> None:
    project = team.project
    assignments.start_round(project, name="pilot", lead="lena", documents=["E001", "G002"])
    assignments.assign(project, coders=["alice", "bob"], lead="lena", documents=["E001", "G002"], overlap=0.5,
                       round_name="pilot", seed=3)


async def computed(pilot, screen) -> None:
    """Until the dashboard's worker has posted its figures (the header says computing until then)."""
    for _ in range(200):
        await settle(pilot)
        if screen.data is not None and "computing" not in str(screen.query_one("#db-header").render()):
            return
    raise AssertionError("the dashboard never showed its figures")


def progress_json(project) -> dict:
    """What `cotag progress --json` prints: the dashboard shows the same computation."""
    return json.loads(CliRunner().invoke(cli, ["--project", str(project.root), "progress", "--json"]).output)


async def open_dashboard(pilot):
    """The lead's ctrl+u, waiting until its worker has computed what the screen shows."""
    await settle(pilot)
    await pilot.press("ctrl+u")
    screen = pilot.app.screen
    await computed(pilot, screen)
    return screen


async def test_dashboard_shows_what_progress_and_agreement_compute(team):
    project = team.project
    plan_the_team(team)
    expected = progress_json(project)
    app = make_app(project, coder="lena", lead=True, resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(pilot)
        assert isinstance(screen, DashboardScreen) and screen.data is not None
        shown = {row["coder"]: row for row in screen.data["coders"]}
        for row in expected["coders"]:
            for key in ("assigned", "started", "done", "codings"):
                assert shown[row["coder"]][key] == row[key], (row["coder"], key)
        table = screen.query_one("#db-coders")
        assert table.row_count == len(expected["coders"])
        assert str(table.get_row("alice")[1]) == str(shown["alice"]["assigned"])
        [pilot_round] = screen.data["rounds"]
        assert pilot_round["round"] == "pilot" and pilot_round["assignments"] == 3 and pilot_round["left"] == 0
        header = str(screen.query_one("#db-header").render())
        assert ("alpha so far on the overlap sample" in header) == (expected["overlap"]["alpha"] is not None)
        # A coder marks a document as not done: `r` computes again.
        from cotag.coding import CodingSession

        CodingSession(project, coder="bob").mark_done(document_id=team.e001, done=False)
        await pilot.press("r")
        await computed(pilot, screen)
        assert screen.data["rounds"][0]["left"] == 1


async def test_a_coder_cannot_open_the_dashboard(team):
    app = make_app(team.project, coder="alice", resume=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+u")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)


@SIZES
def test_snapshot_dashboard(team, snap_compare, size):
    plan_the_team(team)
    app = make_app(team.project, coder="lena", lead=True, resume=False)
    assert snap_compare(app, terminal_size=size, run_before=steps("ctrl+u"))


@SIZES
def test_snapshot_library_assigned_first(study, snap_compare, size):
    assigned_g002(study.project)
    app = make_app(study.project, coder="alice", resume=False)
    assert snap_compare(app, terminal_size=size, run_before=steps())


@SIZES
def test_snapshot_library_confirm_unassigned(study, snap_compare, size):
    assigned_g002(study.project)
    app = make_app(study.project, coder="alice", resume=False)
    assert snap_compare(app, terminal_size=size, run_before=steps("down", "enter"))




async def test_next_document_asks_before_an_unassigned_one(study):
    """`]` from an assigned document to one the coder was not given asks first, as opening it from the library does."""
    project = study.project
    assigned_g002(project)
    app = make_app(project, coder="alice", resume=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # G002, alice's, first in her library
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TranscriptScreen) and screen.document_id == study.g002
        await pilot.press("]")  # E001 is next, and not hers
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and screen.document_id == study.g002
        await pilot.press("]")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and screen.document_id == study.e001
        await pilot.press("j", "1")  # and coding there works as usual
        await settle(pilot)
    from cotag.store.codings import list_codings

    with project.session() as session:
        assert [(r.document, r.code) for r in list_codings(session, coders=["alice"])] == [("E001", "wages")]


async def test_a_search_hit_in_an_unassigned_document_asks_first(study):
    """A coder given G002 searches and picks a hit in E001: the app asks before opening it, as the library does."""
    assigned_g002(study.project)
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search_and_pick(pilot, "brothr in berlin")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        await search_and_pick(pilot, "brothr in berlin")
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen) and app.screen.transcript.external_id == "E001"


async def test_dashboard_rounds_match_progress_with_a_row_for_work_outside_any_round(team):
    project = team.project
    plan_the_team(team)
    assignments.reassign(project, document="G002", coders=["alice", "bob"], lead="lena")
    assignments.assign(project, coders=["bob"], lead="lena", documents=["E001"])  # no round: a row of its own
    expected = progress_json(project)
    app = make_app(project, coder="lena", lead=True, resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(pilot)
        assert screen.data["rounds"] == expected["rounds"]
        table = screen.query_one("#db-rounds")
        assert [str(table.get_row(r["round"])[1]) for r in expected["rounds"]] == ["open", "-"]
        assert str(table.get_row("(no round)")[0]) == "(no round)"
        shown = {row["coder"]: row["alpha"] for row in screen.data["coders"]}
        assert shown == {row["coder"]: row["alpha"] for row in expected["coders"]}


async def test_a_trainee_sees_the_training_document_first_and_codes_it_blind(study):
    """tia is given G002 (which has a consensus) to train on: the library lists it first, marked, though reading
    order puts E001 first; it opens without a question; the transcript shows none of the consensus's codings (nor
    anyone else's)."""
    from cotag.services import training
    from cotag.store.codes import require_code
    from cotag.store.codings import add_coding
    from cotag.store.coders import consensus_coder, get_or_create_coder
    from cotag.store.documents import list_units
    from cotag.tui.widgets.transcript_view import TranscriptView

    project = study.project
    with project.session() as session:
        get_or_create_coder(session, name="lena", role="lead")
        units = list_units(session, document_id=study.g002)
        for coder in (consensus_coder(session), get_or_create_coder(session, name="bob")):
            add_coding(session, document_id=study.g002, code_id=require_code(session, key="wages").id,
                       coder_id=coder.id, start=units[1].start, end=units[1].end)
    training.train(project, coder="tia", documents=["G002"], lead="lena")
    app = make_app(project, coder="tia", resume=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert library_ids(app) == ["G002", "E001"]
        assert app.screen.plan == {study.g002: "training"}
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen) and app.screen.transcript.external_id == "G002"
        view = app.screen.query_one(TranscriptView)
        assert all(not view.marks_at(i) and not view.marks_at(i, others=True) for i in range(len(units)))
