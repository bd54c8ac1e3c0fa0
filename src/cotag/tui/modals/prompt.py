"""A one-line prompt: a note, a new name or key, a file path, an edited ruling."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.base import CotagModal


class TextPrompt(CotagModal[str | None]):
    """Returns the text typed (stripped), or None when cancelled."""

    BINDINGS = bindings_for(DIALOG, only={"cancel"})

    def __init__(self, title: str, hint: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.hint, self.value = title, hint, value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="prompt"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, id="prompt-input")
            yield Label(self.hint, classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
