"""docs/keys.md and the help screen are the key map; every screen binds exactly its KEYMAP contexts."""

from __future__ import annotations

from pathlib import Path

from cotag.keys import APP, CODER, CONTEXTS, KEYMAP, LEAD, WORD_MODE, binding_key, markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "keys.md"


def _screens_and_dialogs():
    from cotag.tui.app import CotagApp
    from cotag.tui.modals.agreement_coders import AgreementCoders
    from cotag.tui.modals.code_picker import CodePicker
    from cotag.tui.modals.coders import CoderChooser
    from cotag.tui.modals.confirm import Confirm
    from cotag.tui.modals.export import ExportDialog
    from cotag.tui.modals.memo import MemoEditor
    from cotag.tui.modals.prompt import TextPrompt
    from cotag.tui.modals.ruling import RulingEditor
    from cotag.tui.modals.search import SearchModal
    from cotag.tui.screens.agreement import AgreementScreen
    from cotag.tui.screens.analysis import AnalysisScreen
    from cotag.tui.screens.codebook_edit import CodebookScreen
    from cotag.tui.screens.dashboard import DashboardScreen
    from cotag.tui.screens.help import HelpScreen
    from cotag.tui.screens.library import LibraryScreen
    from cotag.tui.screens.reconcile import ReconcileScreen
    from cotag.tui.screens.agreed import AgreedScreen
    from cotag.tui.screens.log import LogScreen
    from cotag.tui.screens.pseudonyms import PseudonymScreen
    from cotag.tui.screens.table import TableScreen
    from cotag.tui.screens.transcript import TranscriptScreen
    from cotag.tui.modals.attributes import AttributeEditor
    from cotag.tui.screens.journal import JournalScreen
    from cotag.tui.screens.quotes import QuotesScreen
    from cotag.tui.modals.span import SpanEditor
    from cotag.tui.screens.revisions import RevisionsScreen

    return (AttributeEditor, JournalScreen, QuotesScreen, CotagApp, TranscriptScreen, LibraryScreen, HelpScreen, ReconcileScreen, CodebookScreen, AgreementScreen,
            AnalysisScreen, TableScreen, LogScreen, AgreedScreen, CodePicker, CoderChooser, Confirm, ExportDialog,
            MemoEditor, TextPrompt, SearchModal, AgreementCoders, RulingEditor, RevisionsScreen, SpanEditor,
            DashboardScreen, PseudonymScreen)


def test_every_keymap_key_is_documented():
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for spec in KEYMAP:
        key = spec.key.replace("|", "\\|")
        assert any(f"| `{key}` | `{spec.id}` | {spec.description} |" in row for row in rows), spec


def test_each_context_is_documented_exactly_as_the_keymap_has_it():
    text = DOC.read_text(encoding="utf-8")
    for context in CONTEXTS:
        assert markdown_table(context) in text, f"docs/keys.md: the {context!r} table differs from KEYMAP"


def test_every_coding_command_is_documented():
    import typer.main

    from cotag.cli import app

    text = DOC.read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    assert "code" in group.commands
    assert "`cotag code --coder NAME [--lead] [--document ID]`" in text
    for name in group.commands["codings"].commands:
        assert f"`cotag codings {name}" in text, name
    for option in ("--coder", "--document", "--code", "--json", "--lead"):
        assert option in text


def test_the_app_binds_every_keymap_entry():
    bound = {(b.key, b.id) for cls in _screens_and_dialogs() for b in cls.BINDINGS}
    for spec in KEYMAP:
        assert (binding_key(spec.key), spec.id) in bound, spec
    assert {spec.context for spec in KEYMAP} == set(CONTEXTS)
    assert {APP, CODER, WORD_MODE, LEAD} <= set(CONTEXTS)


def test_no_screen_or_dialog_binds_a_key_outside_the_keymap():
    """Every binding is a KEYMAP entry, and its action is a method of the class that binds it (or of the app)."""
    from cotag.tui.app import CotagApp

    known = {(binding_key(spec.key), spec.id) for spec in KEYMAP}
    for cls in _screens_and_dialogs():
        for binding in cls.BINDINGS:
            assert (binding.key, binding.id) in known, (cls.__name__, binding)
            assert binding.action == binding.id, (cls.__name__, binding)
            assert hasattr(cls, f"action_{binding.action}") or hasattr(CotagApp, f"action_{binding.action}"), \
                (cls.__name__, binding)


def test_help_lists_every_key_of_each_screen():
    from rich.console import Console

    from cotag.tui.codebook import Codebook
    from cotag.tui.screens.help import help_tables, key_label

    console = Console(width=200, record=True)
    for context in CONTEXTS:
        console.print(help_tables(Codebook(), contexts=(context,), width=200))
        text = console.export_text()
        for spec in KEYMAP:
            if spec.context in (context, APP):
                assert key_label(spec.key) in text and spec.description in text, (context, spec)
