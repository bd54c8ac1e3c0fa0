"""Words of a passage selected with the word-mode keys, as on the coding screen, for the dialogs that put a
span on words (the reconcile screen's ruling editor, the revisions screen's span editor).

The dialog names the passage, where the selection starts, and draws it in `_show()`; the keys, the moves and
which words are selected live here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cotag.spans import word_spans


class WordSelection:
    text: str
    passage: tuple[int, int]
    words: list[tuple[int, int]]
    pivot: int  # the word the selection was started from (shift+arrows extend away from it)
    caret: int  # the word the keys move

    def select_words(self, text: str, passage: tuple[int, int], start: tuple[int, int] | None, *,
                     whole: bool) -> None:
        """Start on the words of `start` in the passage, else on the whole passage (`whole`) or its first word."""
        self.text, self.passage = text, passage
        self.words = word_spans(text, *passage) or [passage]
        first, last = 0, (len(self.words) - 1 if whole else 0)
        if start is not None:
            inside = [i for i, (s, e) in enumerate(self.words) if s < start[1] and e > start[0]]
            if inside:
                first, last = inside[0], inside[-1]
        self.pivot, self.caret = first, last

    @property
    def word_range(self) -> tuple[int, int]:
        """The first and last selected word."""
        lo, hi = sorted((self.pivot, self.caret))
        return lo, hi

    if TYPE_CHECKING:  # each dialog draws its selection (declared for the type checker)
        def _show(self) -> None: ...

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
