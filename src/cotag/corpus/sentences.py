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

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer", config={"punct_chars": _punct_chars()})
    # The tokenizer keeps "I." whole, as if an initial, so "...so had I. I still..." never split.
    from spacy.symbols import ORTH

    nlp.tokenizer.add_special_case("I.", [{ORTH: "I"}, {ORTH: "."}])  # type: ignore[union-attr]  # blank() always has a Tokenizer
    nlp.max_length = 50_000_000  # one unbroken turn can be long; the sentencizer needs no memory per char
    return nlp


def _punct_chars() -> list[str]:
    from spacy.pipeline import Sentencizer

    return sorted(set(Sentencizer.default_punct_chars) | set(_EXTRA_PUNCT))


@lru_cache(maxsize=1)
def _ends_sentence_flag() -> int:
    """A lexeme flag of _nlp()'s vocabulary, set on the sentencizer's sentence-final tokens (punct_chars).

    A flag is computed once per distinct word and read with the token's other attributes; matching
    every token's ORTH against the list instead cost a third of the sentence splitting's own time.
    """
    punct = frozenset(_punct_chars())
    return _nlp().vocab.add_flag(lambda string: string in punct)


def _segment_starts(docs: list[Any], segments: list[list[tuple[int, int]]]) -> list[list[int]]:
    """Where spaCy's Sentencizer, run on each segment's text alone, would start its sentences.

    ``segments[k]`` are the (start, end) character ranges of ``docs[k]`` to split: sorted,
    apart, and each with whitespace (or the text's edge) on both sides. spaCy's tokenizer
    splits at whitespace first, so the tokens of a whole text inside such a range are the
    tokens of that range on its own: a text is tokenized once, not once per paragraph (a Doc
    per paragraph cost more than the tokenizing). Returns one list per segment, all docs' in
    order, of absolute character offsets.

    The rule is ``Sentencizer.predict``'s: a segment's first token starts a sentence, and after
    a token in punct_chars the next token that is neither punctuation nor one of those chars
    starts the next. That method walks Python Token objects; here it is running maxima over
    the token arrays of a whole batch. A test checks that both agree on the demo corpus.
    """
    import numpy
    from spacy.attrs import IDX, IS_PUNCT

    ends_sentence_flag = _ends_sentence_flag()
    rows_of: list[Any] = []
    segment_of: list[Any] = []
    count = 0
    for doc, ranges in zip(docs, segments):
        if len(doc) and ranges:
            rows = doc.to_array([IDX, ends_sentence_flag, IS_PUNCT])
            idx = rows[:, 0].astype(numpy.int64)
            bounds = numpy.array(ranges, dtype=numpy.int64)
            which = numpy.searchsorted(bounds[:, 0], idx, side="right") - 1
            inside = (which >= 0) & (idx < bounds[numpy.maximum(which, 0), 1])
            rows_of.append(rows[inside])
            segment_of.append(which[inside] + count)
        count += len(ranges)
    result: list[list[int]] = [[] for _ in range(count)]
    if not rows_of:
        return result
    rows = numpy.concatenate(rows_of)
    segment = numpy.concatenate(segment_of)
    if not len(rows):
        return result
    n = len(rows)
    # Positions are doubled so that each segment's reset can sit just before its first token.
    position = 2 * numpy.arange(n, dtype=numpy.int64)
    first = numpy.ones(n, dtype=bool)
    first[1:] = segment[1:] != segment[:-1]
    ends_sentence = rows[:, 1] != 0
    word = ~ends_sentence & (rows[:, 2] == 0)
    last_word = numpy.maximum.accumulate(numpy.where(word, position, -2))
    last_reset = numpy.maximum.accumulate(numpy.where(first, position - 1, -2))
    last_end = numpy.maximum.accumulate(numpy.where(ends_sentence, position, -2))
    # Before each token: was there a sentence end since the last word (or the segment's start)?
    seen_end = numpy.empty(n, dtype=bool)
    seen_end[0] = False
    seen_end[1:] = last_end[:-1] > numpy.maximum(last_word[:-1], last_reset[1:])
    chosen = numpy.flatnonzero((word & seen_end) | first)
    for k, offset in zip(segment[chosen].tolist(), rows[chosen, 0].tolist()):
        result[k].append(offset)
    return result


def _sentence_chars(starts: list[int], length: int) -> list[tuple[int, int]]:
    """Sentence character spans of one piece of text (``length`` characters) from its sentence starts.

    The length comes from the text itself: ``doc.text`` would rebuild that string from a Python
    Token per token, which once cost more than the sentencizer.
    """
    if not starts:
        return []
    if starts[0] != 0:
        starts = [0, *starts]
    ends = starts[1:] + [length]
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


def sentence_spans(transcripts: list[ParsedTranscript], batch_size: int = 16) -> list[list[tuple[int, int, int]]]:
    """For each transcript, its sentence units as (turn index, start, end) offsets into its text.

    Units are whitespace-trimmed, never empty, never cross a turn (or a blank line inside a
    turn), and come in document order. Each transcript's text goes through spaCy's tokenizer
    once; the sentencizer's rule then runs on the token arrays of every turn's paragraphs.

    One process does it all. Splitting the batch between forked processes was tried and
    measured: on two idle cores it saved 0.03 s of 1.7 s on the demo corpus (spaCy's start-up
    dominates), and forking beside the progress bar's thread risks a deadlocked child.
    """
    return _spans(transcripts, batch_size)


def _on_whitespace(text: str, start: int, end: int) -> bool:
    """Does text[start:end] have whitespace (or the text's edge) on both sides?"""
    return (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace())


def _spans(transcripts: list[ParsedTranscript], batch_size: int) -> list[list[tuple[int, int, int]]]:
    """sentence_spans in this process, ``batch_size`` transcripts at a time (memory holds one batch's tokens)."""
    result: list[list[tuple[int, int, int]]] = [[] for _ in transcripts]
    tokenizer = _nlp().tokenizer
    for first in range(0, len(transcripts), batch_size):
        owners: list[tuple[int, int, int, int, int]] = []  # (transcript, turn, start, end, offset of its source)
        sources: list[tuple[str, list[tuple[int, int]]]] = []  # (text to tokenize, piece ranges in it)
        for t_index, transcript in enumerate(transcripts[first : first + batch_size], first):
            text = transcript.text
            pieces = [(turn_index, start, end) for turn_index, turn in enumerate(transcript.turns)
                      for start, end in _pieces(text, turn.start, turn.end)]
            if all(_on_whitespace(text, start, end) for _, start, end in pieces):
                sources.append((text, [(start, end) for _, start, end in pieces]))
                owners.extend((t_index, turn_index, start, end, 0) for turn_index, start, end in pieces)
            else:
                # A turn that starts or ends inside a word (find_turns never makes one): tokenizing
                # the whole text would not give that piece's own tokens, so each piece goes alone.
                for turn_index, start, end in pieces:
                    sources.append((text[start:end], [(0, end - start)]))
                    owners.append((t_index, turn_index, start, end, start))
        docs = list(tokenizer.pipe([text for text, _ in sources], batch_size=batch_size))
        for (t_index, turn_index, start, end, offset), starts in zip(
                owners, _segment_starts(docs, [ranges for _, ranges in sources])):
            piece = transcripts[t_index].text[start:end]
            units = result[t_index]
            relative = [offset + x - start for x in starts]
            for s, e in _refine(piece, _sentence_chars(relative, len(piece))):
                units.append((turn_index, start + s, start + e))
    return result


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in one piece of text; for callers outside the import flow."""
    pieces = _pieces(text, 0, len(text))
    if not pieces:
        return []
    out: list[tuple[int, int]] = []
    docs = [_nlp().tokenizer(text)]
    for (start, end), starts in zip(pieces, _segment_starts(docs, [pieces])):
        piece = text[start:end]
        spans = _sentence_chars([x - start for x in starts], len(piece))
        out.extend((start + s, start + e) for s, e in _refine(piece, spans))
    return out
