"""Where to write what the analysis screen shows; the file's suffix picks the format."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.base import CotagModal


class ExportDialog(CotagModal[str | None]):
    """Returns the path typed, or None when cancelled."""

    BINDINGS = bindings_for(DIALOG, only={"cancel"})

    def __init__(self, title: str, path: Path) -> None:
        super().__init__()
        self.title_text, self.path = title, path

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="export"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(str(self.path), id="an-export-path")
            yield Label(".csv .xlsx .md or .docx (the suffix picks the format) · enter write · esc cancel",
                        classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
