"""Span geometry: words, units and the spans that cover them, in code points into a document's text.

Pure functions over offsets (no database): the coding screen grows selections word by word with them, finds the
next uncoded unit, and the write path checks a span lies inside its document."""

from __future__ import annotations

import bisect
import re
from typing import Iterable, NamedTuple, Sequence

from cotag.errors import CotagError

# A word is letters and digits, with inner apostrophes and hyphens ("don't", "well-paid"):
# a selection that grows word by word then never starts or ends on punctuation.
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


class UnitSpan(NamedTuple):
    """A unit as the coding screen needs it: where it is in the text and who spoke it."""

    index: int  # type: ignore[assignment]  # the unit's position; shadows tuple.index, which nothing calls
    start: int
    end: int
    turn: int
    speaker: str
    is_interviewer: bool


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The words of text[start:end] as absolute (start, end) offsets into text."""
    end = len(text) if end is None else end
    return [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]


def covered_units(units: Sequence[UnitSpan], spans: Iterable[tuple[int, int]]) -> set[int]:
    """Indices of the units that at least one span overlaps (a shared character is enough)."""
    starts = [u.start for u in units]
    covered: set[int] = set()
    for start, end in spans:
        # The first unit that could overlap is the one starting at or before `start`.
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(units) and units[i].start < end:
            if units[i].end > start:
                covered.add(units[i].index)
            i += 1
    return covered


def units_overlapping(units: Sequence[UnitSpan], start: int, end: int) -> range:
    """Positions in `units` of the units that overlap [start, end)."""
    starts = [u.start for u in units]
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    if first < len(units) and units[first].end <= start:
        first += 1
    last = bisect.bisect_left(starts, end)
    return range(first, max(first, last))


def next_uncoded(units: Sequence[UnitSpan], spans: Iterable[tuple[int, int]], *, after: int) -> int | None:
    """Position of the next respondent unit after `after` that no span covers, wrapping round; None when all are."""
    covered = covered_units(units, spans)
    order = list(range(after + 1, len(units))) + list(range(0, min(after + 1, len(units))))
    for position in order:
        unit = units[position]
        if not unit.is_interviewer and unit.index not in covered:
            return position
    return None


def check_span(start: int, end: int, length: int, document: str) -> None:
    if not (0 <= start < end <= length):
        raise CotagError(f"span {start}–{end} is not inside document {document} (0–{length}): "
                         "start must be before end, both within the text")
