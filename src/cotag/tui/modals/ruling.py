"""The reconcile screen's edited ruling: select the words that stand, as on the coding screen, and the code."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from cotag.keys import DIALOG, WORD_MODE
from cotag.tui.bindings import bindings_for
from cotag.tui.codebook import Codebook
from cotag.tui.base import CotagModal
from cotag.tui.word_selection import WordSelection


class RulingEditor(WordSelection, CotagModal[tuple[tuple[int, int], str] | None]):
    """Returns ((start, end), code key) for the words selected, or None when cancelled.

    The passage is the disagreement's region; the selection starts on coder A's reading (or
    the whole region) and moves by words with the word-mode keys: h/l move, shift extends.
    """

    BINDINGS = [*bindings_for(WORD_MODE), *bindings_for(DIALOG, only={"cancel", "submit", "compare", "choose_code"})]

    def __init__(self, *, text: str, region: tuple[int, int], start: tuple[int, int] | None, code: str,
                 codebook: Codebook, title: str) -> None:
        super().__init__()
        self.code, self.codebook, self.title_text = code, codebook, title
        self.select_words(text, region, start, whole=True)

    @property
    def span(self) -> tuple[int, int]:
        lo, hi = self.word_range
        # From the first or to the last word means from the region's edge: its closing stop included.
        start = self.passage[0] if lo == 0 else self.words[lo][0]
        end = self.passage[1] if hi == len(self.words) - 1 else self.words[hi][1]
        return start, end

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="ruling"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(id="ruling-passage")
            yield Static(id="ruling-code")
            yield Label("h/l word · shift+←/→ extend · c code · enter rule · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        region_start, region_end = self.passage
        start, end = self.span
        passage = Text()
        passage.append(self.text[region_start:start])
        passage.append(self.text[start:end], style="reverse bold")
        passage.append(self.text[end:region_end])
        self.query_one("#ruling-passage", Static).update(passage)
        entry = self.codebook.by_key.get(self.code)
        name = entry.name if entry is not None else self.code
        self.query_one("#ruling-code", Static).update(Text(f"code: {name} ({self.code})", style="bold"))

    def action_choose_code(self) -> None:
        from cotag.tui.modals.code_picker import CodePicker

        def chosen(key: str | None) -> None:
            if key:
                self.code = key
                self._show()

        self.app.push_screen(CodePicker(self.codebook, title="The code that stands"), chosen)

    def action_compare(self) -> None:
        """Enter: the dialogs' confirm key (it compares coders in the agreement's chooser)."""
        self.action_submit()

    def action_submit(self) -> None:
        self.dismiss((self.span, self.code))

    def action_cancel(self) -> None:
        self.dismiss(None)
