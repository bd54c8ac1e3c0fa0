"""How the transcript view draws a unit: its speaker line, its text with the selection and the coder's codings
tinted in, other coders' codings inline or side by side, suggested codes as ghost labels, and the scrollbar.

TranscriptView (transcript_view.py) keeps the state (the transcript, cursor, selection, marks, overlay) and
decides what is on screen; this base class turns one unit into lines (Strips), cached per unit by what it
shows, and builds the visible frame from them. The layout constants live here, with the drawing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from cotag.coding_views import Transcript
    from cotag.privacy.pseudonyms import Layered
    from cotag.spans import UnitSpan
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


class UnitDrawing(Widget):
    """The drawing half of TranscriptView: what it reads of the view's state is declared here."""

    # The view's state (set in TranscriptView.__init__).
    transcript: Transcript | None
    units: Sequence[UnitSpan]
    codebook: Codebook
    cursor: int
    word_mode: bool
    word_cursor: int
    word_anchor: int
    top: int
    top_skip: int
    overlay: str
    coder_names: dict[int, str]
    side_coders: list[int]
    empty_message: str
    pseudonym_layer: Layered | None
    _words: list[tuple[int, int]]
    _own: dict[int, list]
    _other: dict[int, list]
    _ghosts: dict[int, tuple[str, ...]]
    _cache: dict[tuple, list[Strip]]
    _frame_owner: list[int]
    _styles: dict[str, Style]
    _tints: dict[str, Style]
    _speakers: Callable[[str], str] | None

    if TYPE_CHECKING:  # the view's geometry, which TranscriptView defines
        @property
        def selection(self) -> Any: ...
        def _text_width(self, width: int) -> int: ...
        def _side_width(self, width: int) -> int: ...
        def _shown(self, start: int, end: int, unit: UnitSpan) -> tuple[int, int]: ...

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
