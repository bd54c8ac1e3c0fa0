"""The screens' codebook is the one code tree (cotag.codebook.Codebook from the code table) with depths and colours:
parents first, siblings by position, a code in a parent cycle left out, a missing colour taken from the palette."""

from __future__ import annotations

from cotag.store.code_tree import StoredCode, codebook_of
from cotag.store.models import Code
from cotag.tui.codebook import PALETTE, CodeEntry, Codebook


def rows() -> list[Code]:
    return [Code(id=1, key="push", name="Push", position=0, colour="#3366cc", shortcut="1"),
            Code(id=2, key="wages", name="Wages", parent_id=1, position=2, shortcut="2"),
            Code(id=3, key="war", name="War", parent_id=1, position=1, status="retired", shortcut="3"),
            Code(id=4, key="loop-a", name="A", parent_id=5, position=3),
            Code(id=5, key="loop-b", name="B", parent_id=4, position=4)]


def test_entries_follow_the_one_tree_with_depth_and_colour():
    book = Codebook.from_codes(rows())
    assert [(e.key, e.depth) for e in book.entries] == [("push", 0), ("war", 1), ("wages", 1)]
    assert all(isinstance(e, CodeEntry) and isinstance(e, StoredCode) for e in book.entries)
    wages = book.by_key["wages"]
    assert wages.parent == "push" and wages.parent_id == 1 and book.path(wages) == "Push › Wages"
    # The codebook's colour, normalised; none given: the palette's colour for its place in the list.
    assert (book.by_key["push"].colour or "").lower() == "#3366cc"
    assert wages.colour == PALETTE[2]
    # A retired code is shown but has no shortcut to apply it.
    assert set(book.by_shortcut) == {"1", "2"} and [e.key for e in book.active] == ["push", "wages"]


def test_the_same_tree_as_the_store_builds():
    tree = codebook_of(rows())
    book = Codebook.from_codebook(tree)
    assert [e.key for e in book.entries] == [c.key for c in tree.codes if not c.key.startswith("loop")]
