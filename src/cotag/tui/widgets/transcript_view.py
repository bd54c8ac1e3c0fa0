"""The transcript: speaker turns and their units, drawn line by line so only what is on screen costs anything."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.events import Click, MouseScrollDown, MouseScrollUp
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from cotag.coding_views import Transcript
from cotag.spans import UnitSpan, word_spans
from cotag.privacy.pseudonyms import Layered
from cotag.tui.codebook import Codebook

GUTTER = 2  # selection bar + space
SCROLLBAR = 1
SIDE_WIDTH = 22  # one side-by-side column (a coder's codings) when the terminal has room
SIDE_WIDTHS = (SIDE_WIDTH, 18, 14, 10)  # narrower columns before giving up on side by side
MIN_TEXT_WIDTH = 24
COMFORTABLE_TEXT_WIDTH = 48

OVERLAY_OFF = "off"
OVERLAY_INLINE = "overlay"
OVERLAY_SIDE = "side by side"
OVERLAY_MODES = (OVERLAY_OFF, OVERLAY_INLINE, OVERLAY_SIDE)


@dataclass(frozen=True)
class Selection:
    """What a code would be applied to now: a character span and the unit positions it touches."""

    start: int
    end: int
    first: int
    last: int
    words: bool


class TranscriptView(Widget, can_focus=True):
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

    def _style(self, name: str) -> Style:
        """Only what the component sets, but with colours blended as CSS means them ($accent 30%, $text-muted)."""
        if name not in self._styles:
            component = f"transcript-view--{name}"
            partial = self.get_component_rich_style(component, partial=True)
            full = self.get_component_rich_style(component)
            self._styles[name] = partial + Style(color=full.color if partial.color else None,
                                                 bgcolor=full.bgcolor if partial.bgcolor else None)
        return self._styles[name]

    def _tint(self, colour: str) -> Style:
        if colour not in self._tints:
            background = self.rich_style.bgcolor
            base = Color.from_rich_color(background) if background else Color(0, 0, 0)
            code = Color.parse(colour)
            self._tints[colour] = Style(bgcolor=code.blend(base, 0.55).rich_color)
            self._tints["tag:" + colour] = Style(bgcolor=code.rich_color, color=code.get_contrast_text(1.0).rich_color,
                                                 bold=True)
            self._tints["ink:" + colour] = Style(color=code.rich_color, italic=True)
        return self._tints[colour]

    def _signature(self, position: int) -> tuple:
        selection = self.selection
        state = 0
        if selection is not None and selection.first <= position <= selection.last:
            state = 2 if position == self.cursor else 1
        words = (self.word_anchor, self.word_cursor) if self.word_mode and position == self.cursor else None
        own = tuple((m.id, m.code_id, m.start, m.end, bool(m.memo)) for m in self._own.get(position, ()))
        other = (tuple((m.id, m.code_id, m.coder_id, m.start, m.end) for m in self._other.get(position, ()))
                 if self.overlay != OVERLAY_OFF else ())
        return state, words, own, other, self._ghosts.get(position, ()), self.pseudonym_layer is not None

    def _block(self, position: int, width: int) -> list[Strip]:
        key = (position, width, self._signature(position))
        block = self._cache.get(key)
        if block is None:
            if len(self._cache) > 4000:
                self._cache.clear()
            block = self._cache[key] = self._draw_unit(position, width)
        return block

    def _draw_unit(self, position: int, width: int) -> list[Strip]:
        assert self.transcript is not None
        console = self.app.console
        unit = self.units[position]
        text_width = self._text_width(width)
        side_width = self._side_width(width)
        base = self.rich_style
        state, words, own, _, ghosts, _ = self._signature(position)
        line_style = self._style("cursor") if state == 2 else self._style("selection") if state == 1 else Style()
        gutter = Segment("▌ " if state else "  ", self._style("gutter") + line_style)

        columns = len(self.side_coders) or 1
        empty_sides = [Text() for _ in range(columns)] if side_width else None
        strips: list[Strip] = []
        if position == 0 or self.units[position - 1].turn != unit.turn:
            if position > 0:
                # The blank line between turns keeps the side columns' rules unbroken.
                strips.append(self._line(Segment("  "), Text(), text_width, empty_sides, side_width, Style(), base,
                                         width))
            style = self._style("interviewer" if unit.is_interviewer else "speaker")
            speaker = unit.speaker
            if self.pseudonym_layer is not None and self._speakers is not None and speaker:
                speaker = self._speakers(speaker)
            header = Text(speaker or "—", style=style, no_wrap=True, overflow="ellipsis")
            # Each side column is headed by its coder's name at every turn, so it is never a guess whose it is.
            side_headers = [Text(self.coder_names.get(coder, "?"), style=self._style("side") + Style(bold=True),
                                 no_wrap=True, overflow="ellipsis") for coder in self.side_coders] \
                if side_width and self.side_coders else empty_sides
            strips.append(self._line(Segment("  "), header, text_width, side_headers, side_width, Style(), base,
                                     width))

        shown = self.pseudonym_layer.span(unit.start, unit.end) if self.pseudonym_layer is not None \
            else self.transcript.text[unit.start:unit.end]
        text = Text(shown, style=self._style("interviewer") if unit.is_interviewer else "")
        seen_codes: list[tuple[int, bool]] = []
        for mark in self._own.get(position, ()):
            entry = self.codebook.by_id.get(mark.code_id)
            colour = (entry.colour if entry else None) or "#888888"
            text.stylize(self._tint(colour), *self._shown(mark.start, mark.end, unit))
            if mark.code_id not in [c for c, _ in seen_codes]:
                seen_codes.append((mark.code_id, bool(mark.memo)))
            elif mark.memo:
                seen_codes = [(c, m or c == mark.code_id) for c, m in seen_codes]
        others = self._other.get(position, ()) if self.overlay != OVERLAY_OFF else ()
        if self.overlay == OVERLAY_INLINE:
            for mark in others:
                text.stylize(Style(underline=True), *self._shown(mark.start, mark.end, unit))
        if words is not None and self._words:
            lo, hi = sorted(words)
            text.stylize(self._style("word"), *self._shown(self._words[lo][0], self._words[hi][1], unit))
        for code_id, has_memo in seen_codes:
            entry = self.codebook.by_id.get(code_id)
            label = entry.key if entry else str(code_id)
            colour = (entry.colour if entry else None) or "#888888"
            self._tint(colour)
            text.append(" ")
            text.append(f" {label}{' ✎' if has_memo else ''} ", self._tints["tag:" + colour])
        for key in ghosts:
            # A suggestion: the code's colour on no background, with a question mark, until accepted.
            entry = self.codebook.by_key.get(key)
            text.append(" ")
            text.append(f"{key}?", self._style("ghost") + Style(color=Color.parse((entry.colour if entry else None)
                                                                                   or "#888888").rich_color))
        side_texts = {coder: Text(style=self._style("side")) for coder in self.side_coders}
        for mark in self._dedupe(others):
            entry = self.codebook.by_id.get(mark.code_id)
            colour = (entry.colour if entry else None) or "#888888"
            self._tint(colour)
            key = entry.key if entry else str(mark.code_id)
            if side_width and mark.coder_id in side_texts:
                # In a coder's own column the code key is enough: the column is headed with their name.
                target = side_texts[mark.coder_id]
                if target.plain:
                    target.append(" ")
                target.append(key, self._tints["ink:" + colour])
            else:
                text.append(" ")
                text.append(f"{self.coder_names.get(mark.coder_id, '?')}:{key}", self._tints["ink:" + colour])

        lines = list(text.wrap(console, text_width, overflow="fold"))
        side_lines = [list(side_texts[coder].wrap(console, side_width, overflow="ellipsis"))
                      for coder in self.side_coders] if side_width else []
        height = max([len(lines), 1, *(len(column) for column in side_lines)])
        for i in range(height):
            line = lines[i] if i < len(lines) else Text()
            sides = None
            if side_width:
                sides = [column[i] if i < len(column) else Text() for column in side_lines] or [Text()]
            strips.append(self._line(gutter, line, text_width, sides, side_width, line_style, base, width))
        return strips

    @staticmethod
    def _dedupe(marks: Sequence) -> list:
        seen: set[tuple[int, int]] = set()
        result = []
        for mark in marks:
            if (mark.coder_id, mark.code_id) not in seen:
                seen.add((mark.coder_id, mark.code_id))
                result.append(mark)
        return result

    def _segments(self, line: Text) -> list[Segment]:
        # Text.render leaves out the Text's own base style (Rich adds it one level up): add it here.
        console = self.app.console
        style = line.style if isinstance(line.style, Style) else console.get_style(line.style or "")
        return list(Segment.apply_style(line.render(console), style))

    def _line(self, gutter: Segment, line: Text, text_width: int, sides: list[Text] | None, side_width: int,
              line_style: Style, base: Style, width: int) -> Strip:
        segments = [gutter]
        body = self._segments(line)
        used = Segment.get_line_length(body)
        segments.extend(body)
        if used < text_width:
            segments.append(Segment(" " * (text_width - used)))
        for side in (sides or []) if side_width else []:
            segments.append(Segment("│", self._style("scrollbar")))
            side_segments = list(Segment.adjust_line_length(self._segments(side), side_width))
            segments.extend(side_segments)
        strip = Strip(segments).crop_extend(0, width - SCROLLBAR, None)
        return strip.apply_style(line_style).apply_style(base)

    def _build_frame(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        base = self.rich_style
        rows: list[Strip] = []
        owners: list[int] = []
        if not self.units:
            message = "This document has no units." if self.transcript else self.empty_message
            line = Text(f"  {message}", style=self._style("empty"))
            rows.append(Strip(self._segments(line)).crop_extend(0, width, None).apply_style(base))
            owners.append(-1)
        position, skip = self.top, self.top_skip
        while self.units and len(rows) < height and position < len(self.units):
            block = self._block(position, width)
            for strip in block[skip:]:
                rows.append(strip)
                owners.append(position)
            skip = 0
            position += 1
        rows, owners = rows[:height], owners[:height]
        blank = Strip([Segment(" " * max(width - SCROLLBAR, 0))]).apply_style(base)
        while len(rows) < height:
            rows.append(blank)
            owners.append(-1)
        self._frame_owner = owners
        return self._with_scrollbar(rows, width, height)

    def _with_scrollbar(self, rows: list[Strip], width: int, height: int) -> list[Strip]:
        if not self.units or width <= SCROLLBAR:
            return [row.crop_extend(0, width, self.rich_style) for row in rows]
        total = len(self.units)
        shown = len({p for p in self._frame_owner if p >= 0}) or 1
        if shown >= total and self.top == 0 and self.top_skip == 0:
            # Everything fits: a scrollbar would only be noise.
            return [row.crop_extend(0, width, self.rich_style) for row in rows]
        thumb = max(1, min(height, round(height * shown / total)))
        start = min(height - thumb, round((height - thumb) * self.top / max(total - shown, 1)))
        track, knob = self._style("scrollbar"), self._style("thumb")
        result = []
        for y, row in enumerate(rows):
            mark = Segment("┃", self.rich_style + knob) if start <= y < start + thumb else Segment(
                "│", self.rich_style + track)
            result.append(Strip([*row, mark], width))
        return result

    def render_line(self, y: int) -> Strip:
        if self._frame is None or len(self._frame) != self.size.height:
            self._frame = self._build_frame()
        if 0 <= y < len(self._frame):
            return self._frame[y]
        return Strip.blank(self.size.width, self.rich_style)
