"""Snapshots of the main screens at 80x24 (and the lead's side-by-side view wider): what a coder sees."""

from __future__ import annotations

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
