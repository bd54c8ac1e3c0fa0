"""Selection offsets in REFI-QDA files: which way a file counts, and re-anchoring onto our text.

The spec counts Unicode code points, 0-based, over the plain-text file; selections are
half-open ``[start, end)``. Real files disagree (docs/refi-qda.md, "Offsets"): NVivo for
Windows counts UTF-16 code units over the text as written (CR of CRLF counted, BOM not);
ATLAS.ti is said to count CRLF as one character. So a file's offsets can be read four ways:

==========  ==================================================================
``cp``        code points over the text as written (the spec)
``utf16``     UTF-16 code units over the text as written
``cp-lf``     code points, each CRLF counted as one character
``utf16-lf``  UTF-16 code units, each CRLF counted as one
==========  ==================================================================

We store every document with BOM removed and CRLF / CR turned into LF (as the transcript
importer does), and keep offsets as code points into that text. :class:`PositionMap`
converts a position in any reading to that text; :func:`detect_reading` picks the reading
that puts a file's selections on their quoted text (when names hold quotes), else on word
boundaries, with the exporting tool as the tie-break.
"""

from __future__ import annotations

import codecs
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from cotag.refi import RefiError

__all__ = [
    "READINGS",
    "READING_LABELS",
    "Detection",
    "PositionMap",
    "ReadingScore",
    "Selection",
    "SourceText",
    "at_word_boundaries",
    "decode_source",
    "detect_reading",
    "normalise_for_export",
    "quote_matches",
    "source_text",
]

READINGS = ("cp", "utf16", "cp-lf", "utf16-lf")
READING_LABELS = {
    "cp": "Unicode code points over the text as written (the REFI-QDA rule)",
    "utf16": "UTF-16 code units over the text as written, CR counted (NVivo for Windows)",
    "cp-lf": "code points with each CRLF counted as one character (ATLAS.ti)",
    "utf16-lf": "UTF-16 code units with each CRLF counted as one",
}
# Tie-break when the evidence is even: the spec's reading first.
_PREFERENCE = {"cp": 3, "cp-lf": 2, "utf16": 1, "utf16-lf": 0}


@dataclass
class SourceText:
    """A source's text as the file has it (``raw``, BOM removed) and as we store it (``text``)."""

    raw: str
    text: str
    had_bom: bool = False
    crlf: list[int] = field(default_factory=list)  # raw index of the CR of each CRLF
    astral: list[int] = field(default_factory=list)  # raw index of each character above U+FFFF
    lone_cr: int = 0

    @property
    def has_crlf(self) -> bool:
        return bool(self.crlf)

    @property
    def has_astral(self) -> bool:
        return bool(self.astral)


def source_text(raw: str, *, had_bom: bool = False) -> SourceText:
    """Index a decoded text (BOM already removed) and derive the stored form."""
    crlf: list[int] = []
    lone_cr = 0
    start = 0
    while True:
        i = raw.find("\r", start)
        if i < 0:
            break
        if raw.startswith("\n", i + 1):
            crlf.append(i)
        else:
            lone_cr += 1
        start = i + 1
    # Only scan for astral characters when there are any: encoding is much faster than a loop.
    astral: list[int] = []
    if len(raw.encode("utf-16-le")) != 2 * len(raw):
        astral = [i for i, ch in enumerate(raw) if ord(ch) > 0xFFFF]
    text = raw.replace("\r\n", "\n").replace("\r", "\n") if (crlf or lone_cr) else raw
    return SourceText(raw=raw, text=text, had_bom=had_bom, crlf=crlf, astral=astral, lone_cr=lone_cr)


def decode_source(data: bytes, where: str) -> SourceText:
    """Bytes of a source file as text: BOM stripped (never counted), line endings left as they are."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, body, bom = "utf-8", data[len(codecs.BOM_UTF8):], True
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body, bom = "utf-16", data, True
    else:
        encoding, body, bom = "utf-8", data, False
    try:
        raw = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise RefiError(f"{where}: not UTF-8 text (byte {exc.start}: {exc.reason}); REFI-QDA plain text "
                        f"must be UTF-8") from None
    if encoding == "utf-16":
        raw = raw.removeprefix("\ufeff")
    return source_text(raw, had_bom=bom)


class PositionMap:
    """Converts positions between the four readings of one source and our stored text."""

    def __init__(self, source: SourceText):
        self.source = source
        crlf, astral = source.crlf, source.astral
        # Where each CRLF's LF sits once CRLFs count as one (also: its index in the stored text).
        self._crlf_collapsed = [c - j for j, c in enumerate(crlf)]
        # UTF-16 start of each astral character, over the raw and over the collapsed text.
        self._astral_u16 = [a + k for k, a in enumerate(astral)]
        self._astral_u16_lf = [a - bisect_left(crlf, a) + k for k, a in enumerate(astral)]
        n = len(source.raw)
        self.lengths = {
            "cp": n,
            "utf16": n + len(astral),
            "cp-lf": n - len(crlf),
            "utf16-lf": n - len(crlf) + len(astral),
        }

    @staticmethod
    def _units_to_points(pos: int, starts: list[int]) -> int | None:
        k = bisect_right(starts, pos - 2)  # astral characters wholly before pos
        if k < len(starts) and starts[k] == pos - 1:
            return None  # between the two halves of a surrogate pair
        return pos - k

    def to_text(self, reading: str, pos: int) -> int | None:
        """The stored-text index of ``pos`` read as ``reading``; None if it is no position in the text."""
        if pos < 0 or pos > self.lengths[reading]:
            return None
        raw: int | None
        if reading == "cp":
            raw = pos
        elif reading == "utf16":
            raw = self._units_to_points(pos, self._astral_u16)
        elif reading == "cp-lf":
            raw = pos + bisect_left(self._crlf_collapsed, pos)
        elif reading == "utf16-lf":
            collapsed = self._units_to_points(pos, self._astral_u16_lf)
            raw = None if collapsed is None else collapsed + bisect_left(self._crlf_collapsed, collapsed)
        else:
            raise ValueError(f"unknown offset reading {reading!r}")
        if raw is None:
            return None
        # A position between CR and LF lands on the newline in the stored text.
        return raw - bisect_left(self.source.crlf, raw)

    def from_text(self, reading: str, index: int) -> int:
        """The inverse: a stored-text index as a position in ``reading`` (used to build test files)."""
        raw = index + bisect_left(self._crlf_collapsed, index)
        if reading == "cp":
            return raw
        if reading == "utf16":
            return raw + bisect_left(self.source.astral, raw)
        collapsed = raw - bisect_left(self.source.crlf, raw)
        if reading == "cp-lf":
            return collapsed
        if reading == "utf16-lf":
            return collapsed + bisect_left(self.source.astral, raw)
        raise ValueError(f"unknown offset reading {reading!r}")


@dataclass
class Selection:
    """A selection as the file gives it: positions in the file's (unknown) reading, and its name."""

    start: int
    end: int
    name: str | None = None


@dataclass
class ReadingScore:
    reading: str
    total: int = 0
    in_range: int = 0
    quoted: int = 0  # selections whose name matches their text under this reading
    boundaries: int = 0  # selections that start and end on a word boundary

    def as_dict(self) -> dict:
        return {"reading": self.reading, "selections": self.total, "in_range": self.in_range,
                "match_quote": self.quoted, "word_boundaries": self.boundaries}


@dataclass
class Detection:
    reading: str
    scores: dict[str, ReadingScore]
    reason: str
    forced: bool = False

    @property
    def label(self) -> str:
        return READING_LABELS[self.reading]

    def as_dict(self) -> dict:
        return {"reading": self.reading, "meaning": self.label, "reason": self.reason, "forced": self.forced,
                "scores": {name: score.as_dict() for name, score in self.scores.items()}}


def _norm_quote(text: str) -> str:
    return " ".join(text.split())


def quote_matches(name: str | None, quoted: str) -> bool:
    """Does a selection's name hold its text (whole, or cut short with an ellipsis as ATLAS.ti does)?"""
    if not name or not name.strip():
        return False
    want = _norm_quote(name)
    have = _norm_quote(quoted)
    for tail in ("…", "..."):
        if want.endswith(tail):
            prefix = want[: -len(tail)].rstrip()
            return bool(prefix) and have.startswith(prefix)
    return want == have


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def at_word_boundaries(text: str, start: int, end: int) -> bool:
    """Neither end of [start, end) cuts through a word."""
    def boundary(i: int) -> bool:
        return i <= 0 or i >= len(text) or not (_word_char(text[i - 1]) and _word_char(text[i]))

    return boundary(start) and boundary(end)


def origin_reading(origin: str) -> str | None:
    """What the exporting tool is known to write (docs/refi-qda.md): the tie-break, never the first rule.

    None for a tool we know nothing about (the spec's reading then applies, but not as knowledge)."""
    low = (origin or "").lower()
    if low.startswith("nvivo") and "mac" not in low:
        return "utf16"
    if low.startswith("atlas.ti"):
        return "cp-lf"
    if low.startswith(("cotag", "qualcoder", "qc ")):
        return "cp"
    return None


def anchor(positions: PositionMap, reading: str, selection: Selection) -> tuple[int, int] | None:
    """The selection as [start, end) in the stored text, or None when it does not fit."""
    start = positions.to_text(reading, selection.start)
    end = positions.to_text(reading, selection.end)
    if start is None or end is None or start > end:
        return None
    return start, end


def candidate_readings(sources: Iterable[PositionMap]) -> list[str]:
    """Readings that can differ for these texts: no CRLF and no emoji means only one reading exists."""
    maps = list(sources)
    crlf = any(m.source.has_crlf for m in maps)
    astral = any(m.source.has_astral for m in maps)
    out = ["cp"]
    if astral:
        out.append("utf16")
    if crlf:
        out.append("cp-lf")
    if crlf and astral:
        out.append("utf16-lf")
    return out


def detect_reading(sources: list[tuple[PositionMap, list[Selection]]], *, origin: str = "",
                   forced: str | None = None) -> Detection:
    """Choose one reading for the whole file (a tool counts the same way in every source).

    In order: most selections inside their text; then most names matching the selected text;
    then most selections on word boundaries; then what the exporting tool is known to write;
    then the spec's reading.
    """
    readings = candidate_readings(m for m, _ in sources)
    if forced is not None:
        if forced not in READINGS:
            raise RefiError(f"unknown offset reading {forced!r} (choose from {', '.join(READINGS)})")
        if forced not in readings:
            readings.append(forced)
    scores = {reading: ReadingScore(reading) for reading in readings}
    # Where each reading puts the selections: readings that agree on every one are no rival.
    placed: dict[str, list] = {reading: [] for reading in readings}
    for positions, selections in sources:
        text = positions.source.text
        for reading in readings:
            score = scores[reading]
            for selection in selections:
                score.total += 1
                span = anchor(positions, reading, selection)
                placed[reading].append(span)
                if span is None:
                    continue
                score.in_range += 1
                if quote_matches(selection.name, text[span[0]:span[1]]):
                    score.quoted += 1
                if at_word_boundaries(text, *span):
                    score.boundaries += 1
    if forced is not None:
        return Detection(forced, scores, "chosen with --offsets", forced=True)
    preferred = origin_reading(origin)
    if not sources:
        return Detection("cp", scores, "no text of the file could be read (its texts are missing), so there are no "
                                       "selections to place; the REFI-QDA rule applies")
    if len(readings) == 1:
        return Detection("cp", scores, "the texts have no CRLF and no characters above U+FFFF, so every "
                                       "reading gives the same offsets")

    def rank(reading: str) -> tuple:
        s = scores[reading]
        return (s.in_range, s.quoted, s.boundaries, reading == preferred, _PREFERENCE[reading])

    ordered = sorted(readings, key=rank, reverse=True)
    best = scores[ordered[0]]
    same = [r for r in ordered[1:] if placed[r] == placed[best.reading]]
    rivals = [r for r in ordered[1:] if r not in same]
    also = f"; {', '.join(same)} place{'s' if len(same) == 1 else ''} every selection the same way" if same else ""
    if not rivals:
        return Detection(best.reading, scores, "every reading places these selections the same way (no CRLF or "
                                               "character above U+FFFF comes before any of them)")
    runner = scores[rivals[0]]
    if best.in_range > runner.in_range:
        why = f"{best.in_range}/{best.total} selections fit the text ({runner.reading}: {runner.in_range})"
    elif best.quoted > runner.quoted:
        why = f"{best.quoted}/{best.total} selections match their quoted names ({runner.reading}: {runner.quoted})"
    elif best.boundaries > runner.boundaries:
        why = (f"{best.boundaries}/{best.total} selections start and end on word boundaries "
               f"({runner.reading}: {runner.boundaries})")
    elif best.reading == preferred:
        why = f"the evidence is even ({runner.reading} scores the same); {origin} is known to count this way"
    else:
        why = f"the evidence is even ({runner.reading} scores the same); the REFI-QDA rule applies"
    return Detection(best.reading, scores, why + also)


def normalise_for_export(text: str) -> tuple[str, PositionMap | None, bool]:
    """The text we write to sources/ (no BOM, LF only) and, when it differs, how to move offsets.

    Returns ``(clean_text, positions, had_bom)``: when ``positions`` is not None, an offset ``o``
    into ``text`` becomes ``positions.to_text("cp", o - had_bom)`` in ``clean_text``.
    """
    had_bom = text.startswith("\ufeff")
    body = text[1:] if had_bom else text
    if "\r" not in body:
        return body, None, had_bom
    indexed = source_text(body)
    return indexed.text, PositionMap(indexed), had_bom
