"""Align an old and a new version of a text and carry spans across: pure functions, no database.

The texts are compared word by word first (words, runs of spaces and single punctuation marks), which is fast
on a 40,000-character transcript and never pairs a letter of one word with a letter of an unrelated one; the
stretches that differ are then compared character by character, so a typo fixed inside a word still leaves the
rest of the word matched. A span keeps its exact offsets, shifted, when none of its characters changed; otherwise
it goes to the best span in the new text, its ends snapped to word boundaries where they were on one before.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import NamedTuple
from itertools import accumulate, compress
from operator import ne

from rapidfuzz.distance import Indel

from cotag.store.models import CARRY_CHANGED, CARRY_KEPT, CARRY_MOVED, CARRY_ORPHANED

# A word with the punctuation and spaces after it, or punctuation on its own: the spaces never decide what matches
# (a re-wrapped line or a doubled space is not an edit of the words), and a full stop belongs to its word, so the
# "." of "here." is never paired with the "." of a sentence inserted after it. Leading spaces are a token alone.
_TOKEN = re.compile(r"\w+[^\w\s]*\s*|[^\w\s]+\s*|\s+", re.UNICODE)
_WORDS = re.compile(r"\w+", re.UNICODE)
# A differing stretch longer than this (characters, either side) is not refined letter by letter: it is a
# rewritten passage, and a letter-level match inside it would pair unrelated words.
REFINE_LIMIT = 400
# Matches shorter than this (characters) between two edits count as part of the edit.
SMALL_MATCH = 3


def words_of(text: str) -> list[str]:
    return _WORDS.findall(text)


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True)
class Block:
    """old[a1:a2] became new[b1:b2]; equal blocks have the same length on both sides."""

    equal: bool
    a1: int
    a2: int
    b1: int
    b2: int


class Carried(NamedTuple):
    """Where one span went: its class and the new span (None when its words were all deleted). A tuple: a revision
    of a corpus makes some 70,000."""

    status: str
    start: int | None
    end: int | None

    @property
    def flagged(self) -> bool:
        return self.status in (CARRY_CHANGED, CARRY_ORPHANED)


def _tokens(text: str) -> tuple[list[str], list[int]]:
    pieces = _TOKEN.findall(text)
    starts = [0, *accumulate(map(len, pieces))]
    return pieces, starts


def _common_length(a: str, b: str, limit: int, part) -> int:
    """How many characters a and b have in common at the start (or, with the other `part`, at the end): a binary
    search on slices compared in C, not a Python loop over up to 40,000 characters."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if part(a, middle) == part(b, middle):
            low = middle
        else:
            high = middle - 1
    return low


def _opcodes(a, b) -> list[tuple[str, int, int, int, int]]:
    return [(op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end) for op in Indel.opcodes(a, b)]


def _token_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes between two token lists, compared without the spaces after each token, computed on strings with
    one character per distinct token (rapidfuzz is several times faster on a string than on a list of Python
    strings). The spaces are stripped once per distinct token, not once per token."""
    distinct = set(a).union(b)
    keys = {token: token.rstrip() or token for token in distinct}
    ids = {key: chr(0x100 + n) for n, key in enumerate(set(keys.values()))}
    char = {token: ids[key] for token, key in keys.items()}
    return _opcodes("".join(map(char.__getitem__, a)), "".join(map(char.__getitem__, b)))


class Alignment:
    """Old and new text with the blocks that map one onto the other, in text order, covering both texts."""

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        self.blocks = self._align(old, new)
        self._starts = [b.a1 for b in self.blocks]
        self.inserted = sum(b.b2 - b.b1 for b in self.blocks if not b.equal)
        self.deleted = sum(b.a2 - b.a1 for b in self.blocks if not b.equal)

    @staticmethod
    def _align(old: str, new: str) -> list[Block]:
        # The common head and tail first: most revisions touch a few places of a long text.
        limit = min(len(old), len(new))
        head = _common_length(old, new, limit, lambda text, n: text[:n])
        tail = _common_length(old, new, limit - head, lambda text, n: text[len(text) - n:])
        # Back to a token boundary, so the middle is tokenized as the whole text would be.
        while head > 0 and _is_word_char(old[head - 1]):
            head -= 1
        while tail > 0 and _is_word_char(old[len(old) - tail]):
            tail -= 1
        raw: list[tuple[bool, int, int, int, int]] = []
        if head:
            raw.append((True, 0, head, 0, head))
        a_mid, b_mid = old[head:len(old) - tail], new[head:len(new) - tail]
        a_tokens, a_starts = _tokens(a_mid)
        b_tokens, b_starts = _tokens(b_mid)
        pending: list[int] = []  # the differing stretch being gathered: [a1, a2, b1, b2]
        # Entries of raw that stand for two or more identical tokens in a row: such a run is never a tiny match
        # (token by token, each of its tokens had an unchanged neighbour).
        runs: set[int] = set()

        def flush() -> None:
            # Indel's opcodes are deletions and insertions, never replacements: a changed word is one of each,
            # gathered here into one stretch and then compared letter by letter.
            if not pending:
                return
            a1, a2, b1, b2 = pending
            pending.clear()
            if a1 == a2 or b1 == b2 or max(a2 - a1, b2 - b1) > REFINE_LIMIT:
                raw.append((False, a1, a2, b1, b2))
                return
            for tag2, k1, k2, l1, l2 in _opcodes(old[a1:a2], new[b1:b2]):
                raw.append((tag2 == "equal", a1 + k1, a1 + k2, b1 + l1, b1 + l2))

        for tag, i1, i2, j1, j2 in _token_opcodes(a_tokens, b_tokens):
            a1, a2 = head + a_starts[i1], head + a_starts[i2]
            b1, b2 = head + b_starts[j1], head + b_starts[j2]
            if tag != "equal":
                if pending:
                    pending[1], pending[3] = a2, b2
                else:
                    pending.extend((a1, a2, b1, b2))
                continue
            flush()
            if old[a1:a2] == new[b1:b2]:
                raw.append((True, a1, a2, b1, b2))
                continue
            # The same words; the spaces after some may differ (a line re-wrapped), which is a small edit. Only the
            # tokens that differ are looked at one by one (found by a comparison in C, not a loop over thousands of
            # tokens); each run of identical tokens between them is one entry.
            count = i2 - i1
            differing = list(compress(range(count), map(ne, a_tokens[i1:i2], b_tokens[j1:j2])))
            k = 0
            for d in (*differing, count):
                if d > k:
                    if d - k > 1:
                        runs.add(len(raw))
                    raw.append((True, head + a_starts[i1 + k], head + a_starts[i1 + d], head + b_starts[j1 + k],
                                head + b_starts[j1 + d]))
                if d == count:
                    break
                ta, tb = a_tokens[i1 + d], b_tokens[j1 + d]
                pa, pb = head + a_starts[i1 + d], head + b_starts[j1 + d]
                core = len(ta.rstrip()) or len(ta)
                raw.append((True, pa, pa + core, pb, pb + core))
                raw.append((False, pa + core, pa + len(ta), pb + core, pb + len(tb)))
                k = d + 1
        flush()
        if tail:
            raw.append((True, len(old) - tail, len(old), len(new) - tail, len(new)))
        # A tiny match between two edits (a space, a comma, two letters) is chance, not the same words: it joins
        # the edit around it, so a span in a rewritten passage is never taken for unchanged because of it.
        for n in range(1, len(raw) - 1):
            equal, a1, a2, b1, b2 = raw[n]
            if equal and n not in runs and not raw[n - 1][0] and not raw[n + 1][0] and (
                    a2 - a1 < SMALL_MATCH or not any(_is_word_char(ch) for ch in old[a1:a2])):
                raw[n] = (False, a1, a2, b1, b2)
        # Adjacent blocks of the same kind joined; differing stretches between equal ones made one block.
        joined: list[list] = []
        for equal, a1, a2, b1, b2 in raw:
            if a1 == a2 and b1 == b2:
                continue
            if joined and joined[-1][0] == equal:
                joined[-1][2], joined[-1][4] = a2, b2
            else:
                joined.append([equal, a1, a2, b1, b2])
        return [Block(*block) for block in joined]

    def _block_at(self, position: int) -> int:
        """Index of the block holding old character `position` (0 <= position < len(old)).

        The blocks cover the old text in order, so it is the last one starting at or before it; a pure insertion
        there starts at the same offset as the block after it, which bisect_right therefore picks."""
        return max(bisect.bisect_right(self._starts, position) - 1, 0)

    def carry(self, start: int, end: int) -> Carried:
        """Where old[start:end] is in the new text, and how it fared."""
        if not self.blocks:
            return Carried(CARRY_ORPHANED, None, None)
        first = self._block_at(start)
        last = self._block_at(end - 1)
        b_first, b_last = self.blocks[first], self.blocks[last]
        if first == last and b_first.equal:
            new_start = b_first.b1 + start - b_first.a1
            new_end = new_start + end - start
            return Carried(CARRY_KEPT if new_start == start else CARRY_MOVED, new_start, new_end)
        # Its words survive when some word character of it is unchanged; a full stop or a space left over from a
        # rewritten sentence does not make the new sentence the old one.
        if not any(b.equal and any(_is_word_char(ch) for ch in self.old[max(b.a1, start):min(b.a2, end)])
                   for b in self.blocks[first:last + 1]):
            return Carried(CARRY_ORPHANED, None, None)
        new_start = b_first.b1 + start - b_first.a1 if b_first.equal else b_first.b1
        new_end = b_last.b1 + end - b_last.a1 if b_last.equal else b_last.b2
        new_start, new_end = self._snap(start, end, new_start, new_end)
        if new_end <= new_start:
            return Carried(CARRY_ORPHANED, None, None)
        # Unflagged only when it is the very same text, whatever the spacing; an edited word or punctuation mark
        # inside it, or a span that lost or gained a character at an end, is for the lead to look at.
        if _squeezed(self.old[start:end]) != _squeezed(self.new[new_start:new_end]):
            status = CARRY_CHANGED
        else:
            # Kept means the very same characters at the same offsets; the same words re-spaced have moved.
            same_text = (new_start, new_end) == (start, end) and self.old[start:end] == self.new[new_start:new_end]
            status = CARRY_KEPT if same_text else CARRY_MOVED
        return Carried(status, new_start, new_end)

    def _snap(self, start: int, end: int, new_start: int, new_end: int) -> tuple[int, int]:
        """Ends that were on word boundaries stay on word boundaries (a typo fix must not leave half a word)."""
        old, new = self.old, self.new
        at_word_start = _is_word_char(old[start]) and (start == 0 or not _is_word_char(old[start - 1]))
        at_word_end = _is_word_char(old[end - 1]) and (end == len(old) or not _is_word_char(old[end]))
        if at_word_start:
            while new_start < new_end and not _is_word_char(new[new_start]):
                new_start += 1
            while 0 < new_start < len(new) and _is_word_char(new[new_start - 1]) and _is_word_char(new[new_start]):
                new_start -= 1
        if at_word_end:
            while new_end > new_start and not _is_word_char(new[new_end - 1]):
                new_end -= 1
            while new_start < new_end < len(new) and _is_word_char(new[new_end - 1]) and _is_word_char(new[new_end]):
                new_end += 1
        return new_start, new_end

    def position(self, old_position: int) -> int:
        """Where an old offset is in the new text (the start of what replaced it, when it was edited)."""
        if old_position >= len(self.old):
            return len(self.new)
        block = self.blocks[self._block_at(old_position)]
        if block.equal:
            return block.b1 + old_position - block.a1
        return block.b1

    def summary(self) -> dict[str, int]:
        return {"chars_inserted": self.inserted, "chars_deleted": self.deleted,
                "edits": sum(1 for b in self.blocks if not b.equal)}


def align(old: str, new: str) -> Alignment:
    return Alignment(old, new)


STATUSES = (CARRY_KEPT, CARRY_MOVED, CARRY_CHANGED, CARRY_ORPHANED)
