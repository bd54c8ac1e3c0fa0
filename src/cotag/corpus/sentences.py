"""Split speaker turns into sentence units with spaCy's rule-based sentencizer."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cotag.corpus.formats import ParsedTranscript

__all__ = ["sentence_spans", "split_sentences"]

# Besides spaCy's defaults: the ellipsis character and the dotted ellipsis as tokens.
_EXTRA_PUNCT = ["…", "..", "...", "....", "?..", "!..", "?!", "!?", "?!.."]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# The patterns below are searched only in a unit's last characters (_TAIL), so the
# lookbehind "(?<![^\s(«\"“])" stands for "at the text start or after a space or quote".
_TAIL = 24
# Abbreviations after which a capitalised word does not start a new sentence.
_TITLE = re.compile(
    r"(?<![^\s(«\"“])(?:Dr|Mr|Mrs|Ms|Mx|Prof|St|Mt|Jr|Sr|Gen|Col|Capt|Sgt|Rev|Hon|"
    r"проф|акад|доц|им|ул|пр-т|просп|обл|р-н|д|тов|г-н|г-жа|e\.g|i\.e|vs|cf|viz|т\.\s?е|т\.\s?к|напр"
    # the last: an initial, as in "A. S. Pushkin", "Н. Назарбаев"; not "I", which ends
    # "...and so had I." far more often than it abbreviates a name.
    r"|[A-HJ-ZА-ЯЁӘҒҚҢӨҰҮҺІ])\.$"
)
# Abbreviations after which a lower-case word continues the sentence.
_ABBREVIATION = re.compile(
    r"(?<![^\s(«\"“])(?:(?:[^\W\d_]{1,3}\.[ ]?)+[^\W\d_]{1,3}|etc|vs|approx|cf|incl|esp|ca|viz|"
    r"напр|др|пр|см|гг|г|т|тыс|млн|млрд|руб|тг|долл|мин|ч|стр|ср)\.$"
)
_ELLIPSIS = re.compile(r"(?:\.\.\.?|…)[\"”»’)]*$")
_LIST_MARKER = re.compile(r"(?:\d{1,3}|[a-zа-я])[.)]")
_OPENING = frozenset("\"«“„‘([")
_DANGLING_OPEN = re.compile(r"(\s+)([\"«“„‘(\[]+)$")


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """A blank multilingual pipeline with the sentencizer; built once, on first use."""
    import spacy
    from spacy.pipeline import Sentencizer

    nlp = spacy.blank("xx")
    punct = sorted(set(Sentencizer.default_punct_chars) | set(_EXTRA_PUNCT))
    nlp.add_pipe("sentencizer", config={"punct_chars": punct})
    # The tokenizer keeps "I." whole, as if an initial, so "...so had I. I still..." never split.
    from spacy.symbols import ORTH

    nlp.tokenizer.add_special_case("I.", [{ORTH: "I"}, {ORTH: "."}])
    nlp.max_length = 50_000_000  # one unbroken turn can be long; the sentencizer needs no memory per char
    return nlp


def _sentence_chars(doc: Any) -> list[tuple[int, int]]:
    """Sentence character spans read with numpy from the token array, without a Python Span per sentence."""
    from spacy.attrs import IDX, SENT_START

    if len(doc) == 0:
        return []
    array = doc.to_array([IDX, SENT_START])
    starts = array[array[:, 1] == 1, 0].tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = starts[1:] + [len(doc.text)]
    # A sentence runs to where the next begins; _refine trims the whitespace between them.
    return list(zip(starts, ends))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _continues(text: str, previous: list[int], following: int) -> bool:
    """Should the unit starting at ``following`` be glued to ``previous`` (a split made too eagerly)?"""
    start, end = previous
    last = text[end - 1]
    if last not in ".)…\"”»’":
        return False
    tail = max(start, end - _TAIL)
    if end - start <= 4 and _LIST_MARKER.fullmatch(text, start, end):
        return True
    if _TITLE.search(text, tail, end):
        return True
    if text[following].islower():
        return bool(_ELLIPSIS.search(text, tail, end) or _ABBREVIATION.search(text, tail, end))
    return False


def _refine(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Trim, move an opening quote left behind to the sentence it opens, glue abbreviation splits."""
    units: list[list[int]] = []
    for start, end in spans:
        start, end = _trim(text, start, end)
        if end > start:
            units.append([start, end])
    for i in range(len(units) - 1):
        start, end = units[i]
        if text[end - 1] in _OPENING:
            m = _DANGLING_OPEN.search(text, max(start, end - _TAIL), end)
            if m and m.start() > start:
                units[i][1] = m.start()
                units[i + 1][0] = m.start(2)
    merged: list[list[int]] = []
    for unit in units:
        if merged and _continues(text, merged[-1], unit[0]):
            merged[-1][1] = unit[1]
        else:
            merged.append(unit)
    return [(s, e) for s, e in merged]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A turn's paragraphs (blank-line separated), so no unit spans a paragraph break."""
    pieces = []
    pos = start
    for m in _PARAGRAPH_BREAK.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in pieces) if e > s]


def sentence_spans(
    transcripts: list[ParsedTranscript], batch_size: int = 512
) -> list[list[tuple[int, int, int]]]:
    """For each transcript, its sentence units as (turn index, start, end) offsets into its text.

    Units are whitespace-trimmed, never empty, never cross a turn (or a blank line inside a
    turn), and come in document order. All turns of all transcripts go through spaCy in one
    ``nlp.pipe`` call.
    """
    owners: list[tuple[int, int, int]] = []  # (transcript, turn, offset of the piece)
    texts: list[str] = []
    for t_index, transcript in enumerate(transcripts):
        text = transcript.text
        for turn_index, turn in enumerate(transcript.turns):
            for start, end in _pieces(text, turn.start, turn.end):
                owners.append((t_index, turn_index, start))
                texts.append(text[start:end])
    result: list[list[tuple[int, int, int]]] = [[] for _ in transcripts]
    if not texts:
        return result
    nlp = _nlp()
    for (t_index, turn_index, base), doc in zip(owners, nlp.pipe(texts, batch_size=batch_size)):
        spans = _sentence_chars(doc)
        units = result[t_index]
        for start, end in _refine(doc.text, spans):
            units.append((turn_index, base + start, base + end))
    return result


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in one piece of text; for callers outside the import flow."""
    pieces = _pieces(text, 0, len(text))
    if not pieces:
        return []
    out = []
    for (base, _), doc in zip(pieces, _nlp().pipe([text[s:e] for s, e in pieces])):
        spans = _sentence_chars(doc)
        out.extend((base + s, base + e) for s, e in _refine(doc.text, spans))
    return out
