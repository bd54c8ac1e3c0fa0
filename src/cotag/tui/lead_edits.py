"""What the lead's editing screens (the codebook, the pseudonym table) share: a refused change said on the
screen's status line and as a notification, and a one-line question before a change.

Each screen queues its changes on the app's writer; a refusal comes back as WriteFailed and is shown here,
so the two screens say a refusal the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from rich.markup import escape
from rich.text import Text
from textual.widgets import Static

from cotag.tui.modals.prompt import TextPrompt
from cotag.tui.writer import WriteFailed


class LeadEdits:
    """Mixed into a CotagScreen whose status line is the Static with id STATUS_ID."""

    STATUS_ID = ""
    message: str

    if TYPE_CHECKING:
        app: Any

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...

    def on_write_failed(self, message: WriteFailed) -> None:
        message.stop()
        self._failed(message.error)

    def _failed(self, message: str) -> None:
        self.message = message
        self.query_one(f"#{self.STATUS_ID}", Static).update(Text(message, style="bold red", no_wrap=True,
                                                                 overflow="ellipsis"))
        self.notify(escape(message), severity="error", timeout=6)

    def _ask(self, title: str, hint: str, value: str, then: Callable[[str], None]) -> None:
        """A text prompt; `then` runs with a non-empty answer (Esc or an empty answer changes nothing)."""
        def chosen(answer: str | None) -> None:
            if answer:
                then(answer)

        self.app.push_screen(TextPrompt(title, hint, value), chosen)
