"""Corpus-wide fuzzy search over unit texts with rapidfuzz: which sentences say roughly this, and where.

The index is built from the session it is given; services.queries opens the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from cotag.store.session import Session

# Below this many characters a fuzzy score means little ("of" is 100% inside most
# sentences), so short queries must match exactly (case-insensitively).
MIN_FUZZY_QUERY = 4
DEFAULT_CUTOFF = 80.0
WORD_CUTOFF = 80.0  # each word of a phrase must match at least this well
# Words a phrase search does not insist on: they are in nearly every sentence.
STOPWORDS = frozenset("the and are was were for with that this but not you our from they have had has its".split())


@dataclass(frozen=True)
class SearchHit:
    """A unit that matches the query, with the matching stretch located inside its text."""

    document_id: int
    document: str  # external id
    unit: int  # unit index
    score: float
    text: str  # the unit's text
    match_start: int  # offsets of the match inside `text`
    match_end: int
    speaker: str = ""

    def context(self, width: int = 80) -> tuple[str, int, int]:
        """The unit text cut to about `width` characters around the match; (text, match start, match end)."""
        if len(self.text) <= width:
            return self.text, self.match_start, self.match_end
        room = max(width - (self.match_end - self.match_start), 10)
        left = max(0, self.match_start - room // 2)
        right = min(len(self.text), left + max(width, self.match_end - left))
        left = max(0, min(left, right - width))
        prefix = "…" if left > 0 else ""
        suffix = "…" if right < len(self.text) else ""
        snippet = prefix + self.text[left:right] + suffix
        shift = len(prefix) - left
        return snippet, self.match_start + shift, self.match_end + shift


@dataclass(frozen=True)
class SearchResult:
    """The hits listed, and how many units and documents match in all."""

    hits: list[SearchHit]
    total: int
    documents: int


class CorpusIndex:
    """Every unit's text, lower-cased once, so each search is one rapidfuzz pass over plain strings."""

    def __init__(self, rows: Iterable[tuple[int, str, int, str, str]]):
        # rows: (document id, external id, unit index, speaker, unit text)
        self._rows = list(rows)
        self._lower = [row[4].lower() for row in self._rows]

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    def build(cls, session: "Session", *, include_interviewer: bool = True) -> "CorpusIndex":
        from cotag.store import documents as doc_store

        rows: list[tuple[int, str, int, str, str]] = []
        texts = doc_store.texts(session)
        external = doc_store.external_ids(session)
        for doc_id, index, start, end, _, speaker, interviewer in doc_store.unit_columns(session):
            if interviewer and not include_interviewer:
                continue
            rows.append((doc_id, external[doc_id], index, speaker, texts[doc_id][start:end]))
        rows.sort(key=lambda row: (row[1], row[2]))
        return cls(rows)

    def search(self, query: str, *, limit: int | None = 200, cutoff: float = DEFAULT_CUTOFF,
               documents: Iterable[int] | None = None) -> list[SearchHit]:
        """Best matches first (ties in reading order); exact matches only for very short queries."""
        return self.search_counted(query, limit=limit, cutoff=cutoff, documents=documents).hits

    def search_counted(self, query: str, *, limit: int | None = 200, cutoff: float = DEFAULT_CUTOFF,
                       documents: Iterable[int] | None = None) -> "SearchResult":
        """Like `search`, and how many units and documents match in all, beyond the `limit` listed."""
        needle = " ".join(query.lower().split())
        found = self._scored(needle, cutoff=cutoff, documents=documents)
        total_documents = len({self._rows[i][0] for _, i in found})
        shown = found if limit is None else found[:limit]
        return SearchResult([self._hit(i, score, needle) for score, i in shown], len(found), total_documents)

    def _scored(self, needle: str, *, cutoff: float, documents: Iterable[int] | None) -> list[tuple[float, int]]:
        """(score, row) of every unit matching the normalised query, best first, ties in reading order."""
        from rapidfuzz import fuzz, process

        if not needle:
            return []
        only = set(documents) if documents is not None else None
        if len(needle) < MIN_FUZZY_QUERY:
            found = [(100.0, i) for i, text in enumerate(self._lower) if needle in text]
        else:
            # extract() runs in C over the whole list, ~50 ms for 45,000 sentences with a cutoff.
            scores = {i: score for _, score, i in process.extract(
                needle, self._lower, scorer=fuzz.partial_ratio, processor=None, limit=None, score_cutoff=cutoff)}
            words = sorted({word for word in needle.split()
                            if len(word) >= MIN_FUZZY_QUERY - 1 and word not in STOPWORDS}, key=len, reverse=True)
            if len(words) > 1:
                # The words of a phrase may stand apart ("brother ... in Berlin"): a unit that has
                # every word, each fuzzily, scores their mean. The longest word goes first and each
                # next word is only looked for in the units still in the running.
                candidates = list(range(len(self._lower)))
                totals: dict[int, float] = {}
                for word in words:
                    texts = [self._lower[i] for i in candidates]
                    matched = process.extract(word, texts, scorer=fuzz.partial_ratio, processor=None, limit=None,
                                              score_cutoff=WORD_CUTOFF)
                    candidates = [candidates[j] for _, _, j in matched]
                    totals = {candidates[k]: totals.get(candidates[k], 0.0) + score
                              for k, (_, score, _) in enumerate(matched)}
                    if not candidates:
                        break
                for i, total in totals.items():
                    mean = total / len(words)
                    if mean >= cutoff:
                        scores[i] = max(scores.get(i, 0.0), mean * 0.98)
            found = [(score, i) for i, score in scores.items()]
        if only is not None:
            found = [(score, i) for score, i in found if self._rows[i][0] in only]
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        return found

    def matching_documents(self, query: str, *, cutoff: float = 90.0) -> set[int]:
        """Documents with at least one unit matching `query` (the library's filter by what was said)."""
        # Only which documents: no hit is located inside its unit (that alignment is the costly part).
        needle = " ".join(query.lower().split())
        return {self._rows[i][0] for _, i in self._scored(needle, cutoff=cutoff, documents=None)}

    def _hit(self, i: int, score: float, needle: str) -> SearchHit:
        from rapidfuzz import fuzz

        doc_id, external_id, index, speaker, text = self._rows[i]
        lower = self._lower[i]
        at = lower.find(needle)
        if at >= 0:
            start, end = at, at + len(needle)
        else:
            alignment = fuzz.partial_ratio_alignment(needle, lower)
            start, end = (alignment.dest_start, alignment.dest_end) if alignment else (0, 0)
        # Widen the match to whole words: "broth" inside "brother" reads better highlighted as "brother".
        while start > 0 and lower[start - 1].isalnum():
            start -= 1
        while end < len(lower) and lower[end].isalnum():
            end += 1
        while start < end and lower[start].isspace():
            start += 1
        while end > start and lower[end - 1].isspace():
            end -= 1
        return SearchHit(document_id=doc_id, document=external_id, unit=index, score=round(float(score), 1),
                         text=text, match_start=start, match_end=end, speaker=speaker)


def search(session: "Session", query: str, *, limit: int | None = 200, cutoff: float = DEFAULT_CUTOFF) -> list[SearchHit]:
    """One-off search (builds the index each time; a screen keeps a CorpusIndex instead)."""
    return CorpusIndex.build(session).search(query, limit=limit, cutoff=cutoff)
