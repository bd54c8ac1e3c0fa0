"""Snapshots of every screen and dialog at 80x24 and 120x40 (and a few wider): what a coder and a lead see."""

from __future__ import annotations

import pytest
from tui_helpers import settle

from cotag.coding import CodingSession
from cotag.tui.app import make_app


def code_some(study) -> None:
    alice = CodingSession(study.project, coder="alice")
    units = study.units
    alice.apply(document_id=study.e001, code="wages", start=units[1].start, end=units[1].end, memo="pay as push")
    alice.apply(document_id=study.e001, code="network", start=units[2].start, end=units[2].end)
    alice.apply(document_id=study.e001, code="corruption", start=units[3].start + 9, end=units[3].start + 36)


def test_library_screen(study, snap_compare):
    code_some(study)
    app = make_app(study.project, coder="alice", resume=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_transcript_screen(study, snap_compare):
    code_some(study)
    app = make_app(study.project, coder="alice", document="E001", unit=1)

    async def select_words(pilot):
        await settle(pilot)
        await pilot.press("j", "j", "w", "l", "shift+right")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=select_words)


def test_help_screen(study, snap_compare):
    app = make_app(study.project, coder="alice", resume=False)

    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_help)


def test_lead_side_by_side_on_a_wide_terminal(study, snap_compare):
    code_some(study)
    bob = CodingSession(study.project, coder="bob")
    bob.apply(document_id=study.e001, code="corruption", start=study.units[3].start, end=study.units[3].end)
    app = make_app(study.project, coder="lena", lead=True, document="E001", unit=3)

    async def side_by_side(pilot):
        await settle(pilot)
        await pilot.press("o", "o")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(130, 30), run_before=side_by_side)


def test_library_on_a_wide_terminal(study, snap_compare):
    code_some(study)
    app = make_app(study.project, coder="alice", resume=False)
    assert snap_compare(app, terminal_size=(130, 30), run_before=settle)


def test_code_picker(study, snap_compare):
    app = make_app(study.project, coder="alice", document="E001", unit=1)

    async def pick(pilot):
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"corup")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=pick)


# ---------------------------------------------------------------- every screen and dialog, at 80x24 and 120x40
#
# On a small team study: alice and bob coded both documents and marked them done, lena leads. Nothing
# drawn depends on the clock (the audit log's times are set before it is read) or on a temporary path.

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])

TEAM_CODINGS = [("alice", "wages", "E001", 1), ("bob", "wages", "E001", 1), ("alice", "network", "E001", 2),
                ("bob", "corruption", "E001", 3), ("alice", "corruption", "E001", 3),
                ("alice", "wages", "G002", 1), ("bob", "network", "G002", 2)]


@pytest.fixture
def team(study):
    from sqlmodel import select

    from cotag.services import coding
    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import PROGRESS_DONE, Code

    project = study.project
    units = {"E001": study.units,
             "G002": coding.open_transcript(project, document_id=study.g002, coder_ids=[], progress_coder_id=0).units}
    doc_ids = {"E001": study.e001, "G002": study.g002}
    with project.session() as session:
        codes = {c.key: c.id for c in session.exec(select(Code))}
        coders = {name: get_or_create_coder(session, name=name).id for name in ("alice", "bob")}
        get_or_create_coder(session, name="lena", role="lead")
        for coder, code, doc, index in TEAM_CODINGS:
            unit = units[doc][index]
            coding_store.add_coding(session, document_id=doc_ids[doc], code_id=codes[code], coder_id=coders[coder],
                                    start=unit.start, end=unit.end, memo="pay" if coder == "alice" and index == 1 else "")
        for coder_id in coders.values():
            for doc_id in doc_ids.values():
                progress_store.touch(session, coder_id=coder_id, document_id=doc_id, status=PROGRESS_DONE)
    return study


def fixed_clock(project) -> None:
    """Every event at a fixed time, a minute apart: the audit log draws the same on every run."""
    from datetime import datetime, timedelta

    from sqlmodel import select

    from cotag.store.models import Event

    with project.session() as session:
        for i, event in enumerate(session.exec(select(Event).order_by(Event.id)).all()):
            event.at = datetime(2026, 1, 5, 9, 30) + timedelta(minutes=i)
            session.add(event)


async def steady(pilot) -> None:
    """A text cursor that does not blink: a slow run would otherwise catch it in the other phase."""
    from textual.widgets import Input, TextArea

    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await settle(pilot)


def steps(*presses: str, before=None):
    """A run_before: settle, optionally do something, press the keys one at a time (settling), settle."""
    async def run(pilot):
        await settle(pilot)
        if before is not None:
            before(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)
        await steady(pilot)

    return run


def lead_app(study, **kwargs):
    return make_app(study.project, coder="lena", lead=True, resume=False, **kwargs)


@SIZES
def test_snapshot_library(team, snap_compare, size):
    assert snap_compare(make_app(team.project, coder="alice", resume=False), terminal_size=size,
                        run_before=steps())


@SIZES
def test_snapshot_transcript(team, snap_compare, size):
    app = make_app(team.project, coder="alice", document="E001", unit=1)
    assert snap_compare(app, terminal_size=size, run_before=steps("j", "w", "l", "shift+right"))


@SIZES
def test_snapshot_transcript_lead_overlay(team, snap_compare, size):
    app = make_app(team.project, coder="lena", lead=True, document="E001", unit=3)
    assert snap_compare(app, terminal_size=size, run_before=steps("o"))


@SIZES
def test_snapshot_help(team, snap_compare, size):
    assert snap_compare(make_app(team.project, coder="alice", resume=False), terminal_size=size,
                        run_before=steps("question_mark"))


@SIZES
def test_snapshot_code_picker(team, snap_compare, size):
    app = make_app(team.project, coder="alice", document="E001", unit=1)
    assert snap_compare(app, terminal_size=size, run_before=steps("c", *"wag"))


@SIZES
def test_snapshot_memo_editor(team, snap_compare, size):
    app = make_app(team.project, coder="alice", document="E001", unit=1)
    assert snap_compare(app, terminal_size=size, run_before=steps("m"))


@SIZES
def test_snapshot_search(team, snap_compare, size):
    app = make_app(team.project, coder="alice", resume=False)
    assert snap_compare(app, terminal_size=size, run_before=steps("slash", *"wages"))


@SIZES
def test_snapshot_coder_chooser(team, snap_compare, size):
    app = make_app(team.project, coder="lena", lead=True, document="E001", unit=3)
    assert snap_compare(app, terminal_size=size, run_before=steps("v"))


@SIZES
def test_snapshot_command_palette(team, snap_compare, size):
    app = make_app(team.project, coder="alice", document="E001", unit=1)
    assert snap_compare(app, terminal_size=size, run_before=steps("ctrl+p", *"memo"))


def reconcile_app(study):
    from cotag.tui.app import Reconcile

    return lead_app(study, reconcile=Reconcile(coders=["alice", "bob"]))


@SIZES
def test_snapshot_reconcile(team, snap_compare, size):
    assert snap_compare(reconcile_app(team), terminal_size=size, run_before=steps())


@SIZES
def test_snapshot_reconcile_help(team, snap_compare, size):
    assert snap_compare(reconcile_app(team), terminal_size=size, run_before=steps("question_mark"))


@SIZES
def test_snapshot_reconcile_ruling_editor(team, snap_compare, size):
    # e on the first disagreement: the ruling editor, its words selected as the coding screen selects them.
    assert snap_compare(reconcile_app(team), terminal_size=size, run_before=steps("e", "w", "shift+right"))


@SIZES
def test_snapshot_reconcile_note_prompt(team, snap_compare, size):
    assert snap_compare(reconcile_app(team), terminal_size=size, run_before=steps("n", *"clear"))


@SIZES
def test_snapshot_agreed_spans(team, snap_compare, size):
    assert snap_compare(reconcile_app(team), terminal_size=size, run_before=steps("A"))


@SIZES
def test_snapshot_audit_log(team, snap_compare, size):
    alice = CodingSession(team.project, coder="alice")
    unit = team.units[5]
    alice.apply(document_id=team.e001, code="network", start=unit.start, end=unit.end, memo="family ties")
    coding = next(m for m in alice.marks(document_id=team.e001) if m.memo == "family ties")
    alice.set_memo(coding_id=coding.id, memo="family ties, and the weekly call")
    alice.mark_done(document_id=team.e001, done=False)
    assert snap_compare(lead_app(team), terminal_size=size,
                        run_before=steps("ctrl+l", before=lambda pilot: fixed_clock(team.project)))


@SIZES
def test_snapshot_codebook(team, snap_compare, size):
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+e", "down"))


@SIZES
def test_snapshot_codebook_confirm(team, snap_compare, size):
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+e", "down", "M", *"corr", "enter"))


@SIZES
def test_snapshot_agreement(team, snap_compare, size):
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+a"))


@SIZES
def test_snapshot_agreement_coders(team, snap_compare, size):
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+a", "c"))


@SIZES
@pytest.mark.parametrize("tab", ["1", "2", "3"], ids=["themes", "cooccurrence", "quotes"])
def test_snapshot_analysis(team, snap_compare, size, tab):
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+t", tab))


@SIZES
def test_snapshot_analysis_export(team, snap_compare, size):
    async def run(pilot):
        await steps("ctrl+t", "e")(pilot)
        # The suggested path is under the test's temporary project: a fixed one instead.
        pilot.app.screen.query_one("#an-export-path").value = "exports/codes-by-group.xlsx"
        await steady(pilot)

    assert snap_compare(lead_app(team), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_transcript_with_suggestions(study, snap_compare, size):
    from test_suggestions_tui import train

    train(study.project)
    alice = CodingSession(study.project, coder="alice")
    alice.apply(document_id=study.e001, code="network", start=study.units[2].start, end=study.units[2].end)
    app = make_app(study.project, coder="alice", document="E001", unit=1)

    async def suggestions_on(pilot):
        await settle(pilot)
        await pilot.press("ctrl+g", "j", "j")  # on the corruption sentence: its ghost label, reason in the side panel
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=suggestions_on)

# ---------------------------------------------------------------- memos everywhere, attributes, saved queries


def journal_entries(project) -> None:
    """Two journal entries at fixed times (the journal shows when each was written)."""
    from datetime import datetime

    from sqlalchemy import text

    from cotag.services.memos import add_memo

    add_memo(project, coder="lena", journal=True, text="Codebook v2 agreed with alice and bob.", title="Week 1")
    add_memo(project, coder="lena", journal=True, text="Wages and corruption keep meeting: query both.")
    with project.session() as session:
        session.execute(text("UPDATE memo SET created_at = :t, updated_at = :t WHERE id = 1"),
                        {"t": datetime(2026, 1, 5, 9, 30)})
        session.execute(text("UPDATE memo SET created_at = :t, updated_at = :t WHERE id = 2"),
                        {"t": datetime(2026, 1, 12, 16, 5)})


@SIZES
def test_snapshot_passage_memo(team, snap_compare, size):
    app = make_app(team.project, coder="alice", document="E001", unit=1)
    assert snap_compare(app, terminal_size=size, run_before=steps("w", "l", "shift+right", "ctrl+n"))


@SIZES
def test_snapshot_memo_discard_confirm(team, snap_compare, size):
    app = make_app(team.project, coder="alice", document="E001", unit=1)
    assert snap_compare(app, terminal_size=size, run_before=steps("ctrl+d", *"half", "escape"))


@SIZES
def test_snapshot_journal(team, snap_compare, size):
    journal_entries(team.project)
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+o"))


@SIZES
def test_snapshot_attribute_editor(team, snap_compare, size):
    assert snap_compare(make_app(team.project, coder="alice", resume=False), terminal_size=size,
                        run_before=steps("e"))


@SIZES
def test_snapshot_analysis_queries(team, snap_compare, size):
    from cotag.query import save_query

    save_query(team.project, "pay-and-bribes", "wages AND corruption", options={"all_coders": True})
    save_query(team.project, "networks", "network NEAR/1 wages", options={"coder": ["alice"]})
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+t", "4"))


@SIZES
def test_snapshot_analysis_cell_quotes(team, snap_compare, size):
    async def run(pilot):
        await steps("ctrl+t", "down", "right", "enter")(pilot)

    assert snap_compare(lead_app(team), terminal_size=size, run_before=run)


def with_pseudonyms(project) -> None:
    """Proposals found in the study, one accepted and one added by hand (as the CLI or the screen would)."""
    from cotag.services import privacy as decisions

    found = decisions.suggest(project, decisions.suggest_inputs(project), nlp=None)
    almaty = next(p for p in found.open if p.real == "Almaty")
    decisions.accept(project, [almaty.id])
    decisions.add(project, "Respondent", "[speaker R]", "other")


@SIZES
def test_snapshot_pseudonyms(team, snap_compare, size):
    with_pseudonyms(team.project)
    assert snap_compare(lead_app(team), terminal_size=size, run_before=steps("ctrl+k", "down", "down"))


@SIZES
def test_snapshot_transcript_pseudonymised(team, snap_compare, size):
    with_pseudonyms(team.project)
    app = make_app(team.project, coder="alice", document="E001", unit=4)
    assert snap_compare(app, terminal_size=size, run_before=steps("ctrl+x"))


@SIZES
def test_snapshot_codebook_pseudonymised(team, snap_compare, size):
    """The Networks code's coding excerpt (the Berlin sentence) through the pseudonymised view."""
    from cotag.services import privacy as decisions

    decisions.add(team.project, "Berlin", "[city B]", "place")
    assert snap_compare(lead_app(team), terminal_size=size,
                        run_before=steps("ctrl+e", "down", "down", "down", "down", "ctrl+x"))
