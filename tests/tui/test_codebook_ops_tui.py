"""The codebook screen driven with Pilot: each lead operation, refusals, and the way in from both apps; checked in the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select
from tui_helpers import settle as settle_coding_app

from cotag import services
from cotag.codebook import load_codebook
from cotag.errors import CotagError
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder
from cotag.store.documents import list_units
from cotag.store.models import Code, Coding, Event
from cotag.tui.app import make_app
from cotag.tui.modals.code_picker import CodePicker
from cotag.tui.app import Reconcile
from cotag.tui.modals.confirm import Confirm
from cotag.tui.modals.prompt import TextPrompt
from cotag.tui.screens.codebook_edit import CodebookScreen, parse_split_target
from cotag.tui.screens.reconcile import ReconcileScreen
from cotag.tui.screens.agreed import AgreedScreen
from cotag.tui.screens.log import LogScreen
from tests.factories import make_codes, make_document

SIZE = (130, 40)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def team(sqlite_project):
    """E001 coded by alice and bob under push > wages/jobs and pull > pay-abroad; lena leads."""
    project = sqlite_project
    with project.session() as session:
        doc = make_document(session, "E001", [("Anna", ["The pay was low.", "Jobs were scarce.", "Rent is high."]),
                                              ("Interviewer", ["And now?"]), ("Anna", ["I miss home."])])
        make_codes(session, [("push", "Push"), ("wages", "Wages", "push"), ("jobs", "Jobs", "push"),
                             ("pull", "Pull"), ("pay-abroad", "Pay abroad", "pull")])
        codes = {c.key: c for c in session.exec(select(Code))}
        alice, bob = get_or_create_coder(session, name="alice"), get_or_create_coder(session, name="bob")
        get_or_create_coder(session, name="lena", role="lead")
        units = [(u.start, u.end) for u in list_units(session, document_id=doc.id)]
        ids = {}
        for name, coder, code, unit, memo in (("a-wages", alice, "wages", 0, "pay is low"),
                                              ("b-jobs", bob, "jobs", 1, ""),
                                              ("a-abroad", alice, "pay-abroad", 2, "rent"),
                                              ("b-abroad", bob, "pay-abroad", 2, ""),
                                              ("b-wages", bob, "wages", 4, "")):
            ids[name] = coding_store.add_coding(session, document_id=doc.id, code_id=codes[code].id,
                                                coder_id=coder.id, start=units[unit][0], end=units[unit][1],
                                                memo=memo).id
    return project, ids


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.settle()  # the app's own wait: its writer worker never completes
    await pilot.pause()


def code_row(project, key):
    with project.session() as session:
        return session.exec(select(Code).where(Code.key == key)).first()


def coding_row(project, coding_id):
    with project.session() as session:
        return session.get(Coding, coding_id)


def events(project, prefix="codebook"):
    with project.session() as session:
        return [(e.kind, e.actor, e.payload) for e in session.exec(select(Event).order_by(Event.id))
                if e.kind.startswith(prefix)]


def state(project):
    """Everything a codebook operation could change: codes, codings, events."""
    with project.session() as session:
        codes = sorted((c.id, c.key, c.name, c.parent_id, c.status, c.merged_into_id) for c in session.exec(select(Code)))
        codings = sorted((c.id, c.code_id, c.coder_id, c.start, c.end, c.memo, c.deleted_at is None)
                         for c in session.exec(select(Coding)))
        count = len(session.exec(select(Event)).all())
    return codes, codings, count


async def open_codebook(pilot, key: str | None = None) -> CodebookScreen:
    """From the reconcile screen: C, then highlight `key`."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReconcileScreen)
    await pilot.press("C")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CodebookScreen)
    if key is not None:
        await highlight(pilot, screen, key)
    return screen


async def highlight(pilot, screen: CodebookScreen, key: str) -> None:
    screen.query_one("#cbe-codes").highlighted = [e.key for e in screen.shown].index(key)
    await settle(pilot)
    assert screen.current.key == key


async def answer(pilot, text: str) -> None:
    """Type into the one-line prompt (or the code picker's filter) and press enter."""
    field = pilot.app.screen.query_one("Input")
    field.value = text
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


def lead_app(project):
    return make_app(project, coder="lena", lead=True, reconcile=Reconcile(coders=["alice", "bob"]))


async def test_rename_and_new_key(team):
    project, ids = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "wages")
        assert "Wages definition" in str(screen.query_one("#cbe-detail").render())
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TextPrompt)
        await answer(pilot, "Pay at home")
        assert code_row(project, "wages").name == "Pay at home"
        await pilot.press("K")
        await settle(pilot)
        await answer(pilot, "home-pay")
        assert code_row(project, "wages") is None and code_row(project, "home-pay").name == "Pay at home"
        assert screen.current.key == "home-pay" and "home-pay" in screen.message
    # The coding follows its code (it points at the code, not the key).
    assert coding_row(project, ids["a-wages"]).code_id == code_row(project, "home-pay").id
    kinds = [(k, actor, p.get("name"), p.get("new_key")) for k, actor, p in events(project)]
    assert kinds == [("codebook.rename", "lena", "Pay at home", None), ("codebook.rename", "lena", None, "home-pay")]


async def test_rename_to_an_existing_key_is_refused_and_changes_nothing(team):
    project, _ = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "wages")
        before = state(project)
        await pilot.press("K")
        await settle(pilot)
        await answer(pilot, "jobs")
        assert "already exists" in screen.message
        assert state(project) == before
        assert isinstance(pilot.app.screen, CodebookScreen) and pilot.app.writer.pending == 0


async def test_move_under_a_parent_and_to_the_top(team):
    project, _ = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "jobs")
        await pilot.press("m")
        await settle(pilot)
        picker = pilot.app.screen
        assert isinstance(picker, CodePicker) and "jobs" not in [e.key for e in picker.entries]
        await answer(pilot, "pull")
        assert code_row(project, "jobs").parent_id == code_row(project, "pull").id
        await pilot.press("T")
        await settle(pilot)
        assert code_row(project, "jobs").parent_id is None
        # Moving a code under its own child is refused, whole.
        await highlight(pilot, screen, "push")
        before = state(project)
        await pilot.press("m")
        await settle(pilot)
        await answer(pilot, "wages")
        assert "loop" in screen.message and state(project) == before
    assert [p["parent"] for _, _, p in events(project)] == ["pull", None]


async def test_merge_moves_every_coders_codings_after_confirming(team):
    project, ids = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "pay-abroad")
        await pilot.press("M")
        await settle(pilot)
        await answer(pilot, "wages")
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        # alice's, bob's and the consensus copy the reconcile screen wrote for their agreed span.
        assert screen.current.key == "wages" and "3 coding(s) moved" in screen.message
    wages = code_row(project, "wages").id
    assert coding_row(project, ids["a-abroad"]).code_id == wages == coding_row(project, ids["b-abroad"]).code_id
    assert coding_row(project, ids["a-abroad"]).memo == "rent"
    merged = code_row(project, "pay-abroad")
    assert (merged.status, merged.merged_into_id) == ("merged", wages)
    (kind, actor, payload), = events(project)
    assert (kind, actor, payload["into"], payload["codings"]) == ("codebook.merge", "lena", "wages", 3)


async def test_merge_declined_or_into_itself_or_own_child_changes_nothing(team):
    project, _ = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "push")
        before = state(project)
        # Declined at the question.
        await pilot.press("M")
        await settle(pilot)
        await answer(pilot, "jobs")
        await pilot.press("n")
        await settle(pilot)
        assert state(project) == before and isinstance(pilot.app.screen, CodebookScreen)
        # Into its own child: the core refuses, the screen says why.
        await pilot.press("M")
        await settle(pilot)
        await answer(pilot, "wages")
        await pilot.press("y")
        await settle(pilot)
        assert "its own child" in screen.message and state(project) == before
        # Into itself is not even offered.
        await pilot.press("M")
        await settle(pilot)
        assert "push" not in [e.key for e in pilot.app.screen.entries]
        await pilot.press("escape")
        await settle(pilot)


async def test_split_ticked_codings_into_an_existing_and_a_new_code(team):
    project, ids = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "wages")
        listing = screen.query_one("#cbe-codings")
        assert [line.id for line in screen.codings] == [ids["a-wages"], ids["b-wages"]]
        # Nothing ticked: nothing to split, said so.
        await pilot.press("s")
        await settle(pilot)
        assert "tick the codings" in screen.message
        listing.focus()
        listing.highlighted = 1
        await pilot.press("space")
        await settle(pilot)
        assert list(listing.selected) == [ids["b-wages"]]
        await pilot.press("s")
        await settle(pilot)
        await answer(pilot, "jobs")
        assert coding_row(project, ids["b-wages"]).code_id == code_row(project, "jobs").id
        assert coding_row(project, ids["a-wages"]).code_id == code_row(project, "wages").id
        assert [line.id for line in screen.codings] == [ids["a-wages"]]
        # Now into a new code, named here.
        listing.focus()
        listing.highlighted = 0
        await pilot.press("space", "s")
        await settle(pilot)
        await answer(pilot, "low-pay Low pay")
    new = code_row(project, "low-pay")
    assert new.name == "Low pay" and new.parent_id == code_row(project, "push").id
    assert coding_row(project, ids["a-wages"]).code_id == new.id
    assert [(p["into"], p["created"], p["codings"]) for _, _, p in events(project)] == [
        ("jobs", False, [ids["b-wages"]]), ("low-pay", True, [ids["a-wages"]])]


async def test_recode_one_coding_keeps_its_memo(team):
    project, ids = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "wages")
        listing = screen.query_one("#cbe-codings")
        listing.focus()
        listing.highlighted = 0
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CodePicker)
        await answer(pilot, "jobs")
        assert "memo kept" in screen.message
    row = coding_row(project, ids["a-wages"])
    assert (row.code_id, row.memo, row.deleted_at) == (code_row(project, "jobs").id, "pay is low", None)
    (_, _, payload), = events(project)
    assert (payload["coding"], payload["coder"], payload["code"], payload["new_code"]) == (
        ids["a-wages"], "alice", "wages", "jobs")


async def test_retire_keeps_codings(team):
    project, ids = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "jobs")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "retired jobs (1 coding(s) kept)" in screen.message
        # Retiring again is refused by the core; nothing changes.
        before = state(project)
        await pilot.press("x", "y")
        await settle(pilot)
        assert "already retired" in screen.message and state(project) == before
    assert code_row(project, "jobs").status == "retired"
    assert coding_row(project, ids["b-jobs"]).deleted_at is None


async def test_save_writes_the_file_and_the_log_shows_codebook_changes(team, tmp_path):
    project, _ = team
    path = tmp_path / "migration.yaml"
    shutil.copy(REPO / "codebooks" / "migration.yaml", path)
    services.load_codebook_file(project, path=path)
    version = load_codebook(path).version
    async with lead_app(project).run_test(size=SIZE) as pilot:
        screen = await open_codebook(pilot, "wages")
        await pilot.press("r")
        await settle(pilot)
        await answer(pilot, "Pay at home")
        await pilot.press("w")
        await settle(pilot)
        await answer(pilot, str(path))
        assert f"(version {version + 1})" in screen.message
        await pilot.press("L")
        await settle(pilot)
        log = pilot.app.screen
        assert isinstance(log, LogScreen)
        assert [row["kind"] for row in log.rows][-2:] == ["codebook.rename", "codebook.save"]
        table = log.query_one("#log-table")
        assert table.row_count == len(log.rows) and table.cursor_row == len(log.rows) - 1
        assert str(table.get_row_at(len(log.rows) - 1)[2]) == "codebook.save"
        assert all(row["kind"].startswith("codebook") for row in log.rows)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
    saved = load_codebook(path)
    assert saved.version == version + 1 and saved.get("wages").name == "Pay at home"
    assert "#" in path.read_text()  # the file's comments are kept


async def test_reconcile_screen_compares_afresh_after_a_merge(team):
    project, _ = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        await settle(pilot)
        rc = pilot.app.screen
        assert sorted(d.code for d in rc.workspace.disagreements) == ["jobs", "wages", "wages"]
        screen = await open_codebook(pilot, "jobs")
        await pilot.press("M")
        await settle(pilot)
        await answer(pilot, "wages")
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is rc
        # bob's jobs coding is now wages: the disagreements follow the merged codebook.
        assert all(d.code != "jobs" for d in rc.workspace.disagreements)
        assert all(d.code != "jobs" for d in rc.items)  # and so does the list on screen
        del screen


async def test_agreed_spans_can_be_reviewed_on_screen(team):
    project, _ = team
    async with lead_app(project).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        agreed = pilot.app.screen
        assert isinstance(agreed, AgreedScreen)
        assert [(r["code"], r["in_consensus"], r["text"]) for r in agreed.rows] == [
            ("pay-abroad", True, "Rent is high.")]
        assert [str(c) for c in agreed.query_one("#agreed-table").get_row_at(0)][3:] == ["yes", "Rent is high."]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReconcileScreen)


async def test_coding_app_lead_opens_the_codebook_screen_and_the_log(study):
    project = study.project
    app = make_app(project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle_coding_app(pilot)
        await pilot.press("ctrl+e")
        await settle_coding_app(pilot)
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        await highlight(pilot, screen, "wages")
        await pilot.press("r")
        await settle_coding_app(pilot)
        await answer(pilot, "Pay")
        await settle_coding_app(pilot)
        assert code_row(project, "wages").name == "Pay"
        # The app's codebook (tree, picker, shortcuts) follows at once.
        assert app.codebook.by_key["wages"].name == "Pay"
        await pilot.press("escape")
        await settle_coding_app(pilot)
        await pilot.press("ctrl+l")
        await settle_coding_app(pilot)
        assert isinstance(app.screen, LogScreen)
        assert app.screen.rows[-1]["kind"] == "codebook.rename"


async def test_a_coder_has_neither_the_codebook_screen_nor_the_log(study):
    project = study.project
    app = make_app(project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle_coding_app(pilot)
        before = type(app.screen)
        await pilot.press("ctrl+e")
        await settle_coding_app(pilot)
        await pilot.press("ctrl+l")
        await settle_coding_app(pilot)
        assert type(app.screen) is before


async def test_a_coder_cannot_change_the_codebook_from_the_screen(team):
    project, _ = team
    app = make_app(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Even if the screen were reached in a coder's app, the core refuses and nothing changes.
        screen = CodebookScreen()
        await app.push_screen(screen)
        await settle(pilot)
        await highlight(pilot, screen, "jobs")
        before = state(project)
        await pilot.press("x", "y")
        await settle(pilot)
        assert "not a lead" in screen.message and state(project) == before


def test_parse_split_target():
    known = {"jobs", "wages"}
    assert parse_split_target("jobs", known) == {"target": "jobs"}
    assert parse_split_target("low-pay Low pay", known) == {"new_key": "low-pay", "new_name": "Low pay"}
    for bad, message in (("", "existing code"), ("nope", "no code 'nope'"), ("jobs Jobs again", "already exists")):
        with pytest.raises(CotagError, match=message):
            parse_split_target(bad, known)
