"""The transcript: speaker turns and their units, drawn line by line so only what is on screen costs anything."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Sequence

from rich.style import Style
from textual.events import Click, MouseScrollDown, MouseScrollUp
from textual.message import Message
from textual.strip import Strip

from cotag.coding_views import Transcript
from cotag.spans import UnitSpan, word_spans
from cotag.privacy.pseudonyms import Layered
from cotag.tui.codebook import Codebook
# The layout constants live with the drawing; the view's importers (screens, modals, tests) take them from here.
from cotag.tui.widgets.unit_drawing import (COMFORTABLE_TEXT_WIDTH, GUTTER, MIN_TEXT_WIDTH, OVERLAY_INLINE,
                                           OVERLAY_MODES, OVERLAY_OFF, OVERLAY_SIDE, SCROLLBAR, SIDE_WIDTHS,
                                           UnitDrawing)

__all__ = ["OVERLAY_INLINE", "OVERLAY_MODES", "OVERLAY_OFF", "OVERLAY_SIDE", "Selection", "TranscriptView"]



@dataclass(frozen=True)
class Selection:
    """What a code would be applied to now: a character span and the unit positions it touches."""

    start: int
    end: int
    first: int
    last: int
    words: bool


class TranscriptView(UnitDrawing, can_focus=True):
    """A virtual list of units.

    Only the units on screen are wrapped and styled, and each wrapped unit is
    cached under a signature of everything that changes its look, so a
    20,000-unit transcript opens and repaints as fast as a short one. The view
    scrolls by unit (`top`) plus lines into that unit (`top_skip`), so it never
    needs the height of the whole document.
    """

    COMPONENT_CLASSES = {
        "transcript-view--cursor",
        "transcript-view--selection",
        "transcript-view--gutter",
        "transcript-view--speaker",
        "transcript-view--interviewer",
        "transcript-view--word",
        "transcript-view--scrollbar",
        "transcript-view--thumb",
        "transcript-view--side",
        "transcript-view--empty",
        "transcript-view--ghost",
    }  # styled in app.tcss

    class SelectionChanged(Message):
        """The cursor or the selection moved."""

        def __init__(self, view: "TranscriptView", selection: Selection | None) -> None:
            super().__init__()
            self.view = view
            self.selection = selection

        @property
        def control(self) -> "TranscriptView":
            return self.view

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.transcript: Transcript | None = None
        self.units: Sequence[UnitSpan] = ()
        self._starts: list[int] = []
        self.codebook = Codebook([])
        self.cursor = 0
        self.unit_anchor: int | None = None
        self.word_mode = False
        self._words: list[tuple[int, int]] = []
        self.word_cursor = 0
        self.word_anchor = 0
        self.top = 0
        self.top_skip = 0
        self.overlay = OVERLAY_OFF
        self.coder_names: dict[int, str] = {}
        self._own: dict[int, list] = {}
        self._other: dict[int, list] = {}
        self._ghosts: dict[int, tuple[str, ...]] = {}  # unit position -> code keys suggested there (not yet applied)
        self.side_coders: list[int] = []  # side by side: one column per coder, in this order
        self._cache: dict[tuple, list[Strip]] = {}
        self._frame: list[Strip] | None = None
        self._frame_owner: list[int] = []
        self._styles: dict[str, Style] = {}
        self._tints: dict[str, Style] = {}
        self.empty_message = "Open a document from the library (b)."
        # The pseudonymised reading of the transcript (ctrl+x), or None for the stored text. Only the drawing goes
        # through it: the cursor, the selection and every mark keep the stored offsets.
        self.pseudonym_layer: Layered | None = None
        self._speakers: Callable[[str], str] | None = None

    # ------------------------------------------------------------ content

    def show(self, transcript: Transcript, *, cursor: int = 0) -> None:
        self.transcript = transcript
        self.units = transcript.units
        self._starts = [u.start for u in self.units]
        self._cache.clear()
        self._ghosts = {}
        self.unit_anchor = None
        self.word_mode = False
        self.top = self.top_skip = 0
        self.pseudonym_layer = None
        self.set_marks(transcript.marks, [], refresh=False)
        self.go_to(cursor, center=True)

    def clear(self) -> None:
        """No document (shows `empty_message`) until the next `show`."""
        self.transcript = None
        self.units = ()
        self._starts = []
        self._own, self._other = {}, {}
        self._ghosts = {}
        self._cache.clear()
        self.cursor = self.top = self.top_skip = 0
        self.unit_anchor = None
        self.word_mode = False
        self._words = []
        self.pseudonym_layer = None
        self._invalidate()

    def set_layer(self, layer: Layered | None, speakers: Callable[[str], str] | None = None) -> None:
        """Show the text through the pseudonym layer (None: as stored). The words to select follow what is shown:
        a name replaced by one pseudonym is one word, so a selection never takes half of it. `speakers` reads a
        speaker label through the same table (a speaker called by name)."""
        if layer is not None and (self.transcript is None or layer.original != self.transcript.text):
            return  # made for another document, or before the text changed
        self.pseudonym_layer = layer
        self._speakers = speakers if layer is not None else None
        self._cache.clear()
        if self.units:
            anchor, cursor = self.word_anchor, self.word_cursor
            self._reset_words()
            if self.word_mode and self._words:
                self.word_anchor = min(anchor, len(self._words) - 1)
                self.word_cursor = min(cursor, len(self._words) - 1)
            self._changed()
        else:
            self._invalidate()

    def set_codebook(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._cache.clear()
        self._invalidate()

    def set_marks(self, own: Sequence, others: Sequence, *, refresh: bool = True) -> None:
        """This coder's codings, and (for a lead) other coders' read-only codings."""
        self._own = self._by_unit(own)
        self._other = self._by_unit(others)
        side = sorted({mark.coder_id for mark in others}, key=lambda c: (self.coder_names.get(c, "?"), c))
        if side != self.side_coders:
            self.side_coders = side
            self._cache.clear()
        if refresh:
            self._invalidate()

    def set_ghosts(self, position: int | None, codes: Sequence[str]) -> None:
        """Suggested codes shown as ghost labels after one unit (the current one); None or no codes: none."""
        ghosts = {position: tuple(codes)} if position is not None and codes else {}
        if ghosts != self._ghosts:
            self._ghosts = ghosts
            self._invalidate()

    @property
    def ghosts(self) -> dict[int, tuple[str, ...]]:
        return dict(self._ghosts)

    def set_overlay(self, mode: str, coder_names: dict[int, str] | None = None) -> None:
        self.overlay = mode
        if coder_names is not None:
            self.coder_names = coder_names
        self._cache.clear()
        self._invalidate()

    def _by_unit(self, marks: Sequence) -> dict[int, list]:
        found: dict[int, list] = {}
        for mark in marks:
            for position in self._positions(mark.start, mark.end):
                found.setdefault(position, []).append(mark)
        return found

    def _positions(self, start: int, end: int) -> range:
        first = max(bisect.bisect_right(self._starts, start) - 1, 0)
        if first < len(self.units) and self.units[first].end <= start:
            first += 1
        return range(first, max(first, bisect.bisect_left(self._starts, end)))

    def marks_at(self, position: int, *, others: bool = False) -> list:
        return list((self._other if others else self._own).get(position, ()))

    # ------------------------------------------------------------ selection

    @property
    def selection(self) -> Selection | None:
        if not self.units:
            return None
        unit = self.units[self.cursor]
        if self.word_mode and self._words:
            lo, hi = sorted((self.word_anchor, self.word_cursor))
            return Selection(self._words[lo][0], self._words[hi][1], self.cursor, self.cursor, True)
        first, last = sorted((self.unit_anchor if self.unit_anchor is not None else self.cursor, self.cursor))
        if first == last:
            return Selection(unit.start, unit.end, first, last, False)
        return Selection(self.units[first].start, self.units[last].end, first, last, False)

    @property
    def selected_text(self) -> str:
        """The selection as shown: pseudonymised while the layer is on."""
        selection = self.selection
        if not selection or not self.transcript:
            return ""
        if self.pseudonym_layer is not None:
            return self.pseudonym_layer.span(selection.start, selection.end)
        return self.transcript.text[selection.start:selection.end]

    def _changed(self, *, center: bool = False, target: int | None = None) -> None:
        self._reveal(self.cursor if target is None else target, center=center)
        self._invalidate()
        self.post_message(self.SelectionChanged(self, self.selection))

    def move(self, delta: int, *, extend: bool = False) -> None:
        if not self.units:
            return
        if extend:
            if self.unit_anchor is None:
                self.unit_anchor = self.cursor
            self._leave_word_mode()
        else:
            self.unit_anchor = None
        self.cursor = min(max(self.cursor + delta, 0), len(self.units) - 1)
        self._reset_words()
        self._changed()

    def page(self, direction: int) -> None:
        """Move the cursor by as many units as fill the view (at least one), like a reader turning a page."""
        if not self.units:
            return
        height = self.size.height or 20
        position, used = self.cursor, 0
        while 0 <= position + direction < len(self.units):
            used += self._height(position + direction)
            if used > height and position != self.cursor:
                break
            position += direction
        self.move(position - self.cursor)

    def go_to(self, position: int, *, center: bool = True) -> None:
        if not self.units:
            self._invalidate()
            return
        self.unit_anchor = None
        self.cursor = min(max(position, 0), len(self.units) - 1)
        self._reset_words()
        self._changed(center=center)

    def clear_selection(self) -> bool:
        """Word mode first, then a unit selection; False when there was nothing to clear."""
        if self.word_mode:
            self._leave_word_mode()
        elif self.unit_anchor is not None and self.unit_anchor != self.cursor:
            self.unit_anchor = None
        else:
            return False
        self._changed()
        return True

    def toggle_word_mode(self) -> bool:
        if self.word_mode:
            self._leave_word_mode()
        elif self.units:
            self.unit_anchor = None
            self.word_mode = True
            self._reset_words()
        self._changed()
        return self.word_mode

    def move_word(self, delta: int, *, extend: bool = False) -> None:
        if not self.word_mode or not self._words:
            return
        self.word_cursor = min(max(self.word_cursor + delta, 0), len(self._words) - 1)
        if not extend:
            self.word_anchor = self.word_cursor
        self._changed()

    def _leave_word_mode(self) -> None:
        self.word_mode = False

    def _reset_words(self) -> None:
        if self.units and self.transcript is not None:
            unit = self.units[self.cursor]
            self._words = word_spans(self.transcript.text, unit.start, unit.end)
            if self.pseudonym_layer is not None:
                self._words = self._shown_words(self._words)
        else:
            self._words = []
        self.word_cursor = self.word_anchor = 0

    def _shown_words(self, words: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Stored word spans merged where the layer shows them as one pseudonym ("Aigerim Bekova" -> one word)."""
        assert self.pseudonym_layer is not None
        merged: list[tuple[int, int]] = []
        shown: list[tuple[int, int]] = []
        for start, end in words:
            span = self.pseudonym_layer.map_span(start, end)
            if merged and span[0] < shown[-1][1]:  # inside the pseudonym the last word already shows
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                shown[-1] = (shown[-1][0], max(shown[-1][1], span[1]))
            else:
                merged.append((start, end))
                shown.append(span)
        return merged

    def _shown(self, start: int, end: int, unit: UnitSpan) -> tuple[int, int]:
        """A stored span within `unit` as offsets into the unit's shown text."""
        if self.pseudonym_layer is None:
            return max(start, unit.start) - unit.start, min(end, unit.end) - unit.start
        base = self.pseudonym_layer.map_start(unit.start)
        new_start, new_end = self.pseudonym_layer.map_span(max(start, unit.start), min(end, unit.end))
        return new_start - base, new_end - base

    # ------------------------------------------------------------ scrolling

    def _text_width(self, width: int) -> int:
        column = self._side_width(width)
        side = (column + 1) * max(len(self.side_coders), 1) if column else 0
        return max(width - GUTTER - SCROLLBAR - side, 8)

    def _side_width(self, width: int) -> int:
        """The width of each coder's side-by-side column; 0 when off or too narrow (labels go inline then)."""
        if self.overlay != OVERLAY_SIDE:
            return 0
        columns = max(len(self.side_coders), 1)
        room = width - GUTTER - SCROLLBAR
        # The widest columns that leave the transcript a comfortable measure; failing that, the
        # narrowest, as long as the transcript keeps its minimum.
        for column in SIDE_WIDTHS:
            if room - (column + 1) * columns >= COMFORTABLE_TEXT_WIDTH:
                return column
        narrowest = SIDE_WIDTHS[-1]
        return narrowest if room - (narrowest + 1) * columns >= MIN_TEXT_WIDTH else 0

    def _height(self, position: int) -> int:
        return len(self._block(position, self.size.width or 80))

    def _reveal(self, target: int, *, center: bool = False) -> None:
        height = self.size.height or 20
        if not self.units:
            return
        far = target < self.top - height or target > self.top + 4 * height
        if center or far:
            self.top, self.top_skip = target, 0
            room = height // 3
            while self.top > 0:
                above = self._height(self.top - 1)
                if above > room:
                    break
                room -= above
                self.top -= 1
            return
        if target < self.top or (target == self.top and self.top_skip):
            self.top, self.top_skip = target, 0
            return
        used = sum(self._height(p) for p in range(self.top, target + 1)) - self.top_skip
        if used > height:
            self._scroll_lines(used - height)
            if self.top > target or (self.top == target and self.top_skip):
                self.top, self.top_skip = target, 0

    def _scroll_lines(self, lines: int) -> None:
        if not self.units:
            return
        self.top_skip += lines
        while self.top_skip < 0 and self.top > 0:
            self.top -= 1
            self.top_skip += self._height(self.top)
        self.top_skip = max(self.top_skip, 0)
        while self.top < len(self.units) - 1 and self.top_skip >= self._height(self.top):
            self.top_skip -= self._height(self.top)
            self.top += 1
        self.top_skip = min(self.top_skip, self._height(self.top) - 1)

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self._scroll_lines(3)
        self._invalidate()

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self._scroll_lines(-3)
        self._invalidate()

    def on_click(self, event: Click) -> None:
        if 0 <= event.y < len(self._frame_owner) and self._frame_owner[event.y] >= 0:
            self.unit_anchor = None
            self.cursor = self._frame_owner[event.y]
            self._reset_words()
            self._changed()

    # ------------------------------------------------------------ drawing

    def _invalidate(self) -> None:
        self._frame = None
        self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        if self.units:
            self._reveal(self.cursor)
        self._invalidate()

    def notify_style_update(self) -> None:
        # A theme change alters every colour: styled lines must be rebuilt.
        super().notify_style_update()
        self._styles.clear()
        self._tints.clear()
        self._cache.clear()
        self._frame = None

    def on_focus(self) -> None:
        # The cursor is drawn brighter while the transcript has focus.
        self._styles.clear()
        self._cache.clear()
        self._invalidate()

    def on_blur(self) -> None:
        self._styles.clear()
        self._cache.clear()
        self._invalidate()

    def render_line(self, y: int) -> Strip:
        if self._frame is None or len(self._frame) != self.size.height:
            self._frame = self._build_frame()
        if 0 <= y < len(self._frame):
            return self._frame[y]
        return Strip.blank(self.size.width, self.rich_style)
