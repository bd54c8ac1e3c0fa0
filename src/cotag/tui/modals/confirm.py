"""Yes or no, before an operation that cannot be undone from where it is asked (merge, retire)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label

from cotag.keys import CONFIRM
from cotag.tui.bindings import bindings_for
from cotag.tui.base import CotagModal


class Confirm(CotagModal[bool]):
    """Returns True for yes."""

    BINDINGS = bindings_for(CONFIRM)

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Label(self.question, classes="dialog-subtitle")
            yield Label("y / enter: yes · n / esc: no", classes="dialog-hint")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


def dismiss_or_ask(modal: CotagModal, *, typed: bool, question: str, refocus: Widget) -> None:
    """Cancel a dialog, asking first when something was typed in it.

    Esc is pressed by habit (it also clears a selection), and what a dialog holds can be minutes of work (a memo,
    a respondent's attributes): cancelled with nothing typed it closes at once, otherwise only on a yes, and a no
    puts the cursor back where the typing was."""
    if not typed:
        modal.dismiss(None)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            modal.dismiss(None)
        else:
            refocus.focus()

    modal.app.push_screen(Confirm(question), answered)
