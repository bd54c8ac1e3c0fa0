"""The sentence units of revised texts, splitting again only the paragraphs a revision changed.

The importer splits each paragraph of a turn on its own (cotag.corpus.sentences: a paragraph's sentences depend on
its text alone). A correction pass touches a few paragraphs of a transcript, so a paragraph whose text is exactly
the text of a paragraph of the old version, whose old units lie wholly inside it, keeps those units (shifted);
only the others go through spaCy's tokenizer, all documents' together, as the importer would split them.
Splitting every paragraph again gives the same units; it only costs more (spaCy was a fifth of revising the demo
corpus).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

# The importer's own paragraph finder, so that pieces here are the pieces it splits.
from cotag.corpus.sentences import _pieces, sentence_spans
from cotag.corpus.speakers import find_turns

Span = tuple[int, int, int]  # (turn index, start, end)


def _pieces_of(text: str, turns: Sequence[Any]) -> list[Span]:
    return [(index, start, end) for index, turn in enumerate(turns) for start, end in _pieces(text, turn.start, turn.end)]


def _reusable(old_text: str, old_units: Sequence[Sequence[Any]], metadata: dict) -> dict[str, list[tuple[int, int]]]:
    """paragraph text -> its sentences (start, end relative to the paragraph), for old paragraphs whose units lie
    wholly inside them."""
    pieces = _pieces_of(old_text, find_turns(old_text, metadata))
    starts = [u[1] for u in old_units]
    out: dict[str, list[tuple[int, int]]] = {}
    for _, start, end in pieces:
        first = bisect.bisect_left(starts, start)
        last = first
        while last < len(old_units) and old_units[last][1] < end:
            last += 1
        inside = [(u[1], u[2]) for u in old_units[first:last]]
        if not inside or inside[-1][1] > end:
            continue
        # A unit that starts before this paragraph and reaches into it means the old split saw other pieces.
        if first > 0 and old_units[first - 1][2] > start:
            continue
        out.setdefault(old_text[start:end], [(s - start, e - start) for s, e in inside])
    return out


def resplit(revised: Sequence[tuple[Any, str, Sequence[Sequence[Any]]]]) -> list[list[Span]]:
    """For each (new transcript, old text, old units as (index, start, end, ...)): its sentence spans as
    cotag.corpus.sentences.sentence_spans gives them."""
    result: list[list[Span]] = []
    fresh: list[tuple[int, int, int, int]] = []  # (transcript, turn index, start, end) of pieces to split
    for n, (transcript, old_text, old_units) in enumerate(revised):
        known = _reusable(old_text, old_units, dict(transcript.metadata))
        spans: list[Span] = []
        for turn, start, end in _pieces_of(transcript.text, transcript.turns):
            reused = known.get(transcript.text[start:end])
            if reused is None:
                fresh.append((n, turn, start, end))
            else:
                spans.extend((turn, start + s, start + e) for s, e in reused)
        result.append(spans)
    if fresh:
        # Each document's changed paragraphs as one text, a blank line apart, each its own turn: the importer splits
        # each paragraph alone, so this gives each the sentences it would get in its own document.
        texts: dict[int, tuple[list[str], list[Any], list[tuple[int, int, int]]]] = {}
        for n, turn, start, end in fresh:
            parts, turns, places = texts.setdefault(n, ([], [], []))
            position = sum(len(p) + 2 for p in parts)
            parts.append(revised[n][0].text[start:end])
            turns.append(SimpleNamespace(start=position, end=position + end - start))
            places.append((turn, start, position))
        order = list(texts)
        combined = [SimpleNamespace(text="\n\n".join(texts[n][0]), turns=texts[n][1]) for n in order]
        for n, split in zip(order, sentence_spans(combined)):  # type: ignore[arg-type]
            places = texts[n][2]
            result[n].extend((places[piece][0], places[piece][1] + s - places[piece][2],
                              places[piece][1] + e - places[piece][2]) for piece, s, e in split)
    for spans in result:
        spans.sort(key=lambda span: span[1])
    return result
