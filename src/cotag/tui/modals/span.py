"""Put a flagged coding on other words of a revised text: select them as on the coding screen (word mode)."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cotag.coding import word_spans
from cotag.keys import DIALOG, WORD_MODE
from cotag.tui.bindings import bindings_for


_CLOSING = re.compile(r"[.!?…]+[\"”’»)]*")


class SpanEditor(ModalScreen[tuple[int, int] | None]):
    """Returns the (start, end) of the words selected in the passage, or None when cancelled.

    The selection starts on the words the revision put the coding on (or the first word of the passage) and moves
    by words with the word-mode keys: h/l move, shift+←/→ extend, enter confirms.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*bindings_for(WORD_MODE),
                                              *bindings_for(DIALOG, only={"cancel", "submit", "compare"})]

    def __init__(self, *, text: str, passage: tuple[int, int], start: tuple[int, int] | None, title: str) -> None:
        super().__init__()
        self.text, self.title_text, self.passage = text, title, passage
        self.words = word_spans(text, *passage) or [passage]
        first = last = 0
        if start is not None:
            inside = [i for i, (s, e) in enumerate(self.words) if s < start[1] and e > start[0]]
            if inside:
                first, last = inside[0], inside[-1]
        self.pivot: int = first
        self.caret: int = last

    @property
    def span(self) -> tuple[int, int]:
        lo, hi = sorted((self.pivot, self.caret))
        end = self.words[hi][1]
        # A sentence's closing stop (and quote) goes with its last word, as a sentence unit ends with it.
        closing = _CLOSING.match(self.text, end, self.passage[1])
        return self.words[lo][0], closing.end() if closing else end

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="span-editor"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(id="span-passage")
            yield Label("h/l word · shift+←/→ extend · enter put it here · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        lo, hi = self.passage
        start, end = self.span
        passage = Text()
        passage.append(self.text[lo:start])
        passage.append(self.text[start:end], style="reverse bold")
        passage.append(self.text[end:hi])
        self.query_one("#span-passage", Static).update(passage)

    def _move(self, delta: int, *, extend: bool) -> None:
        self.caret = min(max(self.caret + delta, 0), len(self.words) - 1)
        if not extend:
            self.pivot = self.caret
        self._show()

    # ids from cotag.keys.KEYMAP (word mode, as on the coding screen)
    def action_previous_word(self) -> None:
        self._move(-1, extend=False)

    def action_next_word(self) -> None:
        self._move(1, extend=False)

    def action_extend_word_left(self) -> None:
        self._move(-1, extend=True)

    def action_extend_word_right(self) -> None:
        self._move(1, extend=True)

    def action_compare(self) -> None:
        """Enter: the dialogs' confirm key."""
        self.action_submit()

    def action_submit(self) -> None:
        self.dismiss(self.span)

    def action_cancel(self) -> None:
        self.dismiss(None)
