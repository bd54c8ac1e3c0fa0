"""The memo editor: a coder's note on a coding, a passage, a document, a code, or a journal entry."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, TextArea

from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.base import CotagModal
from cotag.tui.modals.confirm import dismiss_or_ask

DISCARD_QUESTION = "Discard the memo you typed?"


class MemoEditor(CotagModal[str | None]):
    """Returns the new memo text (possibly empty, which clears a coding's memo), or None when cancelled.

    Esc with typed text asks first: a memo can be minutes of thinking, and Esc is also the key that clears a
    selection, pressed by habit."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings_for(DIALOG, only={"cancel", "submit"})]

    def __init__(self, memo: str, *, title: str, quote: str = "") -> None:
        super().__init__()
        self.memo = memo
        self.title_text = title
        self.quote = quote

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="memo"):
            yield Label(self.title_text, classes="dialog-title")
            quote = " ".join(self.quote.split())
            if quote:
                yield Label(f"“{quote[:150]}{'…' if len(quote) > 150 else ''}”", classes="dialog-subtitle")
            yield TextArea(self.memo, id="memo-text", soft_wrap=True, show_line_numbers=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", compact=True, id="memo-save")
                yield Button("Cancel", compact=True, id="memo-cancel")
            yield Label("ctrl+s save · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "memo-save":
            self.action_submit()
        else:
            self.action_cancel()

    @property
    def typed(self) -> bool:
        """Whether the text differs from what the dialog opened with."""
        return self.query_one(TextArea).text.strip() != self.memo.strip()

    def action_submit(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

    def action_cancel(self) -> None:
        dismiss_or_ask(self, typed=self.typed, question=DISCARD_QUESTION, refocus=self.query_one(TextArea))
