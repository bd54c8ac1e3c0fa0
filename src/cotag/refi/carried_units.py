"""Sentence units carried from one cotag project to another inside cotag's own .qdpx files.

REFI-QDA has no place for cotag's sentence units, so an import splits every text into sentences again
with spaCy: on the demo project that was a third of the import (issue #14: import < 3 s). cotag's export
therefore writes each document's units into its processing instruction (which other tools skip), and
cotag's import uses them instead of splitting again, but only when it can tell they are the units it
would make itself:

- on export, only a document whose stored units lie in the speaker turns `find_turns` finds in its text
  (the turns the importer gives a source) is carried, with the SHA-256 of its text;
- on import, the text must have that hash, and the spans must be in order, inside the text and each
  inside one of `find_turns`' turns; the turn, speaker and interviewer flag come from those turns, as
  when the text is split. Anything else, and the document is split as before.

Spans are written as a flat list of (gap from the previous unit's end, length) pairs: small numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

#: The processing instruction's key for the units.
UNITS_KEY = "units"


def units_for_export(documents: Iterable[Any], unit_rows: Iterable[Sequence[Any]],
                     guid_of: dict[str, str]) -> dict[str, dict[str, Any]]:
    """source GUID -> {"sha256": hash of the text, "spans": [gap, length, ...]} for every document whose
    units can be carried. ``unit_rows``: (document id, index, start, end, turn, speaker, is_interviewer) in
    document and reading order (store/plain_reads.unit_columns); ``guid_of``: external id -> source GUID."""
    from cotag.corpus.importer import content_hash
    from cotag.corpus.speakers import find_turns

    by_document: dict[int, list[Sequence[Any]]] = {}
    for row in unit_rows:
        by_document.setdefault(int(row[0]), []).append(row)
    out: dict[str, dict[str, Any]] = {}
    for document in documents:
        units = by_document.get(int(document.id))
        if not units:
            continue
        turns = find_turns(document.text)
        spans: list[int] = []
        previous = 0
        for _, _, start, end, turn, speaker, interviewer in units:
            if not (0 <= turn < len(turns) and turns[turn].start <= start < end <= turns[turn].end
                    and start >= previous and (speaker or "") == (turns[turn].speaker or "")
                    and bool(interviewer) == bool(turns[turn].is_interviewer)):
                break  # units made from other turns (a subtitle file's cues, say): this one is split again
            spans += [start - previous, end - start]
            previous = end
        else:
            out[guid_of[document.external_id]] = {"sha256": content_hash(document.text), "spans": spans}
    return out


def carried(entry: Any, text: str) -> list[Any] | None:
    """The units (store.documents.UnitRow) an export carried for ``text``, or None when they cannot be used."""
    from cotag.corpus.importer import content_hash
    from cotag.corpus.speakers import find_turns
    from cotag.store.documents import UnitRow

    if not isinstance(entry, dict) or entry.get("sha256") != content_hash(text):
        return None
    spans = entry.get("spans")
    if not isinstance(spans, list) or not spans or len(spans) % 2 or not all(type(v) is int for v in spans):
        return None
    turns = find_turns(text)
    starts = [t.start for t in turns]
    units: list[Any] = []
    end = 0
    for i in range(0, len(spans), 2):
        gap, length = spans[i], spans[i + 1]
        start, end = end + gap, end + gap + length
        turn = bisect_right(starts, start) - 1
        if gap < 0 or length <= 0 or end > len(text) or turn < 0 or end > turns[turn].end:
            return None
        units.append(UnitRow(index=len(units), start=start, end=end, turn=turn, speaker=turns[turn].speaker,
                             is_interviewer=turns[turn].is_interviewer))
    return units
