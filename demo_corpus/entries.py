"""Bank entries: who may say a sentence, which codes it carries, and the parsed banks.

An entry's syntax (tags, slots, alternatives, runs, code marks) is described at
the top of banks/coded.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from demo_corpus import phrases

#: The codebook's leaf codes, in its order: the keys of the coded banks.
CODE_KEYS: tuple[str, ...] = tuple(phrases.CODED)


@dataclass(frozen=True)
class Entry:
    """One bank entry: who may say it, and its sentences as (codes, template)."""

    bank: str
    index: int
    tags: frozenset[str]
    parts: tuple[tuple[tuple[str, ...], str], ...]
    needs: frozenset[str]

    @property
    def codes(self) -> tuple[str, ...]:
        out: list[str] = []
        for codes, _ in self.parts:
            out.extend(c for c in codes if c not in out)
        return tuple(out)


TAGS = re.compile(r"^((?:@[A-Z])+) ")
MARK = re.compile(r"^\[([a-z0-9*,_-]*)\] ")
SLOT = re.compile(r"\{(\w+)\}")
ALTERNATIVE = re.compile(r"\{([^{}]*\|[^{}]*)\}")

# Slots a respondent can fill only when they carry a tag.
SLOT_NEEDS: dict[str, str] = {
    "spouse": "M", "child": "P", "child_age": "P", "kids_desc": "P", "parent": "R",
    "degree_country": "G", "degree_city": "G", "degree": "G", "years_abroad": "G",
    "residence": "A", "residence_city": "A", "own_field": "G", "thesis_topic": "G", "marriage_years": "M",
}


def parse_entry(text: str, bank: str, index: int, code: str | None = None) -> Entry:
    """One entry of a bank; ``code`` is the bank's code, which a single unmarked sentence carries."""
    if not isinstance(text, str):
        # An unquoted YAML entry such as `- No` reads as a boolean, `- 2018` as a number.
        raise ValueError(f"{bank}[{index}]: {text!r} is not a sentence (put it in double quotes)")
    tags: frozenset[str] = frozenset()
    m = TAGS.match(text)
    if m:
        tags = frozenset(m.group(1)[1::2])
        text = text[m.end():]
    raw_parts = text.split(" || ")
    parts = []
    for raw in raw_parts:
        codes: tuple[str, ...] = ()
        mark = MARK.match(raw)
        if mark:
            raw = raw[mark.end():]
            names = [c for c in mark.group(1).split(",") if c]
            codes = tuple(code if c == "*" else c for c in names)
        elif code is not None and len(raw_parts) == 1:
            codes = (code,)
        unknown = [c for c in codes if c not in phrases.CODED]
        if unknown or len(codes) > 2:
            raise ValueError(f"{bank}[{index}]: bad codes {codes}")
        parts.append((codes, raw))
    needs = set()
    for _, raw in parts:
        for slot in SLOT.findall(raw):
            base = slot.removesuffix("_cap")
            if base in SLOT_NEEDS:
                needs.add(SLOT_NEEDS[base])
    return Entry(bank, index, tags, tuple(parts), frozenset(needs))


@cache
def banks() -> dict[str, tuple[Entry, ...]]:
    """Every bank parsed once: ``code:<key>``, ``pairs``, ``talk:<topic>``, ``work:<family>``, ..."""
    out: dict[str, tuple[Entry, ...]] = {}
    for key, texts in phrases.CODED.items():
        out["code:" + key] = tuple(parse_entry(t, "code:" + key, i, key) for i, t in enumerate(texts))
    out["pairs"] = tuple(parse_entry(t, "pairs", i) for i, t in enumerate(phrases.PAIRS))
    simple = {"openers": phrases.OPENERS, "hedges": phrases.HEDGES, "second": phrases.SECOND_THOUGHTS,
              "fillers": phrases.FILLERS}
    for name, texts in simple.items():
        out[name] = tuple(parse_entry(t, name, i) for i, t in enumerate(texts))
    for prefix, table in (("talk:", phrases.TOPIC_TALK), ("work:", phrases.WORK_TALK), ("city:", phrases.CITY_TALK)):
        for key, texts in table.items():
            out[prefix + key] = tuple(parse_entry(t, prefix + key, i) for i, t in enumerate(texts))
    return out


def tags_ok(text: str, tags: frozenset[str]) -> bool:
    m = TAGS.match(text)
    return not m or frozenset(m.group(1)[1::2]) <= tags


def strip_tags(text: str) -> str:
    m = TAGS.match(text)
    return text[m.end():] if m else text
