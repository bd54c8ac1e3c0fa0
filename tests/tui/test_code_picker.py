"""The code picker's ranking: rapidfuzz over code names, keys and keywords; the shortcut itself picks its code."""

from __future__ import annotations

from cotag.tui.codebook import CodeEntry
from cotag.tui.modals.code_picker import rank_codes


def entry(id: int, key: str, name: str, shortcut: str | None = None, keywords: tuple[str, ...] = ()) -> CodeEntry:
    return CodeEntry(id=id, key=key, name=name, parent_id=None, depth=0, colour="#888888", shortcut=shortcut,
                     description="", include=(), exclude=(), examples=(), keywords=keywords, active=True,
                     status="active")


CODES = [entry(1, "wages", "Wages and income", "1", ("salary", "pay")),
         entry(2, "corruption", "Corruption and rule of law", "2", ("bribe", "connections")),
         entry(3, "family-ties", "Family ties", "r", ("parents", "children")),
         entry(4, "pull-wages", "Higher wages abroad", "9", ("salary abroad",))]


def keys(query: str) -> list[str]:
    return [e.key for e in rank_codes(CODES, query)]


def test_an_empty_query_lists_every_code_in_codebook_order():
    assert keys("") == ["wages", "corruption", "family-ties", "pull-wages"]


def test_names_with_a_typo():
    assert keys("corupton")[0] == "corruption"
    assert keys("famly")[0] == "family-ties"


def test_keys_and_keywords():
    assert keys("pull-wages")[0] == "pull-wages"
    assert keys("bribes")[0] == "corruption"  # only a keyword says so
    assert keys("parents")[0] == "family-ties"
    assert set(keys("salary")[:2]) == {"wages", "pull-wages"}


def test_typing_a_shortcut_picks_its_code_first():
    assert keys("9")[0] == "pull-wages"


def test_nothing_close_lists_nothing():
    assert keys("zzzzqqq") == []
