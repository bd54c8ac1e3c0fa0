"""docs/keys.md documents every reserved key and every coding command; the app binds exactly KEYMAP."""

from __future__ import annotations

from pathlib import Path

from cotag.keys import APP, CODER, KEYMAP, LEAD, WORD_MODE, binding_key

DOC = Path(__file__).resolve().parents[2] / "docs" / "keys.md"


def test_every_keymap_key_is_documented():
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for spec in KEYMAP:
        key = spec.key.replace("|", "\\|")
        assert any(f"| `{key}` | `{spec.id}` | {spec.description} |" in row for row in rows), spec


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
    from cotag.tui.app import CotagApp
    from cotag.tui.screens.library import LibraryScreen
    from cotag.tui.screens.transcript import TranscriptScreen

    bound = {(b.key, b.id) for cls in (CotagApp, TranscriptScreen, LibraryScreen) for b in cls.BINDINGS}
    for spec in KEYMAP:
        assert (binding_key(spec.key), spec.id) in bound, spec
    assert {spec.context for spec in KEYMAP} == {APP, CODER, WORD_MODE, LEAD}
