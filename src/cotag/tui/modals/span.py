"""Put a flagged coding on other words of a revised text: select them as on the coding screen (word mode)."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Label, Static

from cotag.keys import DIALOG, WORD_MODE
from cotag.tui.base import CotagModal
from cotag.tui.bindings import bindings_for
from cotag.tui.word_selection import WordSelection


_CLOSING = re.compile(r"[.!?…]+[\"”’»)]*")


class SpanEditor(WordSelection, CotagModal[tuple[int, int] | None]):
    """Returns the (start, end) of the words selected in the passage, or None when cancelled.

    The selection starts on the words the revision put the coding on (or the first word of the passage) and moves
    by words with the word-mode keys: h/l move, shift+←/→ extend, enter confirms.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*bindings_for(WORD_MODE),
                                              *bindings_for(DIALOG, only={"cancel", "submit", "compare"})]

    def __init__(self, *, text: str, passage: tuple[int, int], start: tuple[int, int] | None, title: str) -> None:
        super().__init__()
        self.title_text = title
        self.select_words(text, passage, start, whole=False)

    @property
    def span(self) -> tuple[int, int]:
        lo, hi = self.word_range
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

    def action_compare(self) -> None:
        """Enter: the dialogs' confirm key."""
        self.action_submit()

    def action_submit(self) -> None:
        self.dismiss(self.span)

    def action_cancel(self) -> None:
        self.dismiss(None)
