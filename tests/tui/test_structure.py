"""The TUI keeps one style: CSS only in app.tcss, workers that post messages, screens that do not import each other."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "src" / "cotag" / "tui"


def _modules():
    return sorted(p for p in TUI.rglob("*.py"))


def test_no_css_outside_app_tcss_and_no_widget_touched_from_a_thread():
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        assert "DEFAULT_CSS" not in text and "CSS =" not in text, path
        assert "call_from_thread" not in text, path  # a worker posts a message instead


def test_screens_do_not_import_each_other_at_module_level():
    """A screen opens another through the app or a local import: no cycle like codebook_edit <-> reconcile."""
    for path in sorted((TUI / "screens").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
        others = {m for m in imported if m.startswith("cotag.tui.screens.")} - {"cotag.tui.screens.table"}
        assert not others, (path.name, others)


def test_every_modal_says_what_it_returns():
    from textual.screen import ModalScreen

    import cotag.tui.modals as modals

    for path in sorted((TUI / "modals").glob("*.py")):
        if path.stem == "__init__":
            continue
        module = __import__(f"{modals.__name__}.{path.stem}", fromlist=["*"])
        dialogs = [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, ModalScreen)
                   and obj is not ModalScreen and obj.__module__ == module.__name__]
        assert dialogs, path
        for dialog in dialogs:
            bases = getattr(dialog, "__orig_bases__", ())
            # ModalScreen[T] or cotag's typed CotagModal[T]: either way the result type is named.
            assert any(isinstance(getattr(base, "__origin__", None), type) and issubclass(base.__origin__, ModalScreen)
                       for base in bases), dialog


def test_the_stylesheet_parses():
    """A rule left open in app.tcss (a merge can do it) fails here by name, not as every screen's test hanging."""
    from textual.app import App
    from textual.css.stylesheet import Stylesheet

    sheet = Stylesheet(variables=App().get_css_variables())  # the theme's $surface, $accent, ...
    sheet.read(TUI / "app.tcss")
    sheet.parse()
    assert sheet.rules, "app.tcss holds no rules"
