"""Ticks and choices that read without colour: `[x]`/`[ ]` and `(*)`/`( )`.

Textual draws a ticked and an unticked box as the same character in two
colours, which a colour-blind coder, a monochrome terminal or a screenshot in
a report cannot tell apart; these draw the state itself.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import RadioButton, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "[x]", "[ ]"
CHOSEN, UNCHOSEN = "(*)", "( )"

Value = TypeVar("Value")


class TickList(SelectionList[Value]):
    """A SelectionList whose boxes show [x] or [ ] (three cells, as wide as Textual's own box)."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        if len(segments) < 4:
            return line
        # The first three segments are Textual's box; its inner one carries the click's meta.
        mark = TICKED if option.value in self._selected else UNTICKED
        return Strip([Segment(mark, segments[1].style), *segments[3:]])


class Choice(RadioButton):
    """A radio button that shows (*) when chosen and ( ) when not."""

    @property
    def _button(self) -> Content:
        return Content.assemble((CHOSEN if self.value else UNCHOSEN, self.get_visual_style("toggle--button")))
