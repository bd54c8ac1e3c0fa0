"""The pseudonym layer: every entry's real string (any case, its inflected forms) read as its pseudonym, with the
map from the stored text's offsets to the pseudonymised text's.

The stored text and every coding offset stay as they are. `Pseudonymiser.apply(text)` gives the pseudonymised
text and a map from original offsets to pseudonymised ones, so a coding [start, end) is shown or exported as the
span of the pseudonymised text that covers the same words. The table these entries come from is pseudonyms.py;
what proposes them, suggestions.py.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Mapping

from cotag.errors import CotagError

KINDS = ("person", "place", "organisation", "other")

# Russian and Kazakh case endings: "Караганда" is also "Караганды", "Караганде", "Карагандой"; "Иванов" is also
# "Иванова", "Ивановым"; Kazakh adds "Алматыда", "Алматыдан", "Астанаға". A Cyrillic entry matches its stem
# (the word less a final vowel, й or ь) followed by one of these. Longest first: the regex takes the first that fits.
_CYRILLIC_ENDINGS = sorted({
    # Russian
    "а", "я", "ы", "и", "у", "ю", "е", "о", "ь", "й", "ой", "ей", "ою", "ею", "ом", "ем", "ым", "им", "ов", "ев",
    "ах", "ях", "ам", "ям", "ами", "ями", "ий", "ый", "ая", "яя", "ое", "ее", "ую", "юю", "ых", "их", "ого", "его",
    "ому", "ему", "ыми", "ими", "на", "не",
    # Kazakh
    "да", "де", "та", "те", "дан", "ден", "тан", "тен", "нан", "нен", "ға", "ге", "қа", "ке", "ның", "нің", "дың",
    "дің", "тың", "тің", "ны", "ні", "ды", "ді", "ты", "ті", "ын", "ін", "н", "мен", "бен", "пен", "дағы", "дегі",
    "тағы", "тегі"}, key=len, reverse=True)
# A Latin-script name transliterated from Russian declines too ("Marat" -> "Marata", "Maratom"; "Ivanov" ->
# "Ivanova"); English adds the plural. The possessive ("Marat's") needs nothing: the name ends at the apostrophe.
_LATIN_PERSON_ENDINGS = sorted({"ovoy", "ovym", "ovu", "ova", "oy", "oj", "oi", "om", "ym", "ov", "a", "u", "e", "y",
                                "i", "s"}, key=len, reverse=True)
_STEM_VOWELS = set("аяоеыийьуәіөүұ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass
class Entry:
    """One accepted row of the table: every occurrence of `real` (any case, its inflected forms) reads `pseudonym`."""

    real: str
    pseudonym: str
    kind: str = "other"


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CotagError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
    return kind


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


NAME_WITHHELD = "[name withheld]"  # what a pseudonymised export or view prints for a name the table misses
# Front-matter attributes whose values are people's names (an export withholds them when the table does not
# cover them; suggestions propose them).
PERSON_ATTRIBUTES = {"name", "respondent", "respondent_name", "full_name", "first_name", "last_name", "surname",
                     "patronymic", "nickname", "interviewer", "interviewer_name", "interviewee"}


@dataclass(frozen=True)
class Replacement:
    start: int  # in the original text
    end: int
    new_start: int  # in the pseudonymised text
    new_end: int
    entry: Entry


@dataclass
class Layered:
    """A text and its pseudonymised reading, with the offset map between them."""

    original: str
    text: str
    replacements: list[Replacement]

    @cached_property
    def _starts(self) -> list[int]:
        return [r.start for r in self.replacements]

    def map_start(self, position: int) -> int:
        i = bisect.bisect_right(self._starts, position) - 1
        if i < 0:
            return position
        r = self.replacements[i]
        if position < r.end:  # inside a replaced string: from the start of its pseudonym
            return r.new_start
        return position + r.new_end - r.end

    def map_end(self, position: int) -> int:
        i = bisect.bisect_left(self._starts, position) - 1
        if i < 0:
            return position
        r = self.replacements[i]
        if position <= r.end:  # ends inside a replaced string: through the end of its pseudonym
            return r.new_end
        return position + r.new_end - r.end

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        new_start = self.map_start(start)
        return new_start, max(new_start, self.map_end(end))

    def span(self, start: int, end: int) -> str:
        """The pseudonymised text of the original span [start, end)."""
        new_start, new_end = self.map_span(start, end)
        return self.text[new_start:new_end]


def _word_pattern(entry: Entry) -> str:
    words = entry.real.split()
    escaped = [re.escape(w) for w in words]
    last = words[-1]
    inflect = entry.kind in ("person", "place", "organisation")
    if inflect and _CYRILLIC.search(last) and len(last) >= 4:
        stem = last[:-1] if last[-1].lower() in _STEM_VOWELS else last
        endings = "|".join(re.escape(e) for e in sorted({*_CYRILLIC_ENDINGS, last[len(stem):]} - {""},
                                                        key=len, reverse=True))
        # The bare stem is another word ("Дан" is not "Дана"): an ending is required where one was cut off.
        escaped[-1] = f"{re.escape(stem)}(?:{endings}){'' if stem != last else '?'}"
    elif entry.kind == "person" and last.isalpha() and len(last) >= 3:
        stem = last[:-1] if len(last) >= 4 and last[-1].lower() in "aeiouy" else last
        latin = sorted({*_LATIN_PERSON_ENDINGS, last[len(stem):]} - {""}, key=len, reverse=True)
        escaped[-1] = f"{re.escape(stem)}(?:{'|'.join(latin)}){'' if stem != last else '?'}"
    return r"\s+".join(escaped)


_WORD_START = re.compile(r"(?<!\w)\w")


def _prefix(real: str) -> str:
    """The index key of a string: its first two letters, or one when its first word is one letter long."""
    first = real.split()[0]
    return (first[:2] if len(first) >= 2 else first[:1]).lower()


class Pseudonymiser:
    """Replaces every entry's real string (case-insensitive, whole words, inflected forms) by its pseudonym."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = [e for e in entries if re.search(r"\w", e.real)]
        # One alternation of every entry is slow (each position of a transcript tries them all): entries are
        # indexed by how their first word begins, and only the few that begin so are tried at a word's start.
        self._by_prefix: dict[str, list[tuple[re.Pattern, Entry]]] = {}
        for entry in self.entries:
            matchable = Entry(re.sub(r"^\W+", "", entry.real), entry.pseudonym, entry.kind)
            pattern = re.compile(_word_pattern(matchable) + r"(?!\w)", re.IGNORECASE)
            self._by_prefix.setdefault(_prefix(matchable.real), []).append((pattern, entry))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def find(self, text: str) -> list[tuple[int, int, Entry]]:
        """Every occurrence, left to right, as (start, end, entry); where several fit, the longest."""
        found: list[tuple[int, int, Entry]] = []
        if not self.entries or not text:
            return found
        by_prefix = self._by_prefix
        position = 0
        while True:
            word = _WORD_START.search(text, position)
            if word is None:
                return found
            start = word.start()
            best: tuple[int, int, Entry] | None = None
            for key in {text[start:start + 2].lower(), text[start].lower()}:
                for pattern, entry in by_prefix.get(key, ()):
                    match = pattern.match(text, start)
                    if match and (best is None or match.end() > best[1]):
                        best = (start, match.end(), entry)
            if best is not None:
                found.append(best)
                position = best[1]
            else:
                position = start + 1

    def apply(self, text: str) -> Layered:
        parts: list[str] = []
        replacements: list[Replacement] = []
        at = new_at = 0
        for start, end, entry in self.find(text):
            parts.append(text[at:start])
            new_at += start - at
            parts.append(entry.pseudonym)
            replacements.append(Replacement(start, end, new_at, new_at + len(entry.pseudonym), entry))
            new_at += len(entry.pseudonym)
            at = end
        parts.append(text[at:])
        return Layered(text, "".join(parts), replacements)

    def attributes(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A respondent's attributes for an export: values pseudonymised, and a name attribute (name, surname,
        interviewer, ...) the table does not cover withheld, since it is a name whatever the table says."""
        out = {}
        for key, value in values.items():
            shown = self(value)
            if self._withheld(key, value, shown):
                shown = NAME_WITHHELD
            out[key] = shown
        return out

    def withhold_names(self, text: str, attributes: Mapping[str, Any]) -> str:
        """An attribution already rendered (by any template) through the layer, and with each name attribute's
        value that the table does not cover withheld, as `attributes` withholds it before rendering."""
        shown = self(text)
        for key, value in attributes.items():
            if self._withheld(key, value, self(value)):  # the whole name, not "Ali" inside "Alibek"
                shown = re.sub(rf"(?<!\w){re.escape(value.strip())}(?!\w)", NAME_WITHHELD, shown)
        return shown

    @staticmethod
    def _withheld(key: str, value: Any, shown: Any) -> bool:
        """A name attribute's value that the pseudonyms leave as it is: a name whatever the table says."""
        return key.casefold() in PERSON_ATTRIBUTES and isinstance(value, str) and bool(value.strip()) \
            and shown == value

    def __call__(self, value: Any) -> Any:
        """Pseudonymise a value of any shape an export writes (text, lists, mappings); other values pass through."""
        if isinstance(value, str):
            return self.apply(value).text if self.entries else value
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value
