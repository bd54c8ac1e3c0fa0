"""The alignment behind `cotag revise` (cotag.revision.align): examples and a property test."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cotag.revision.align import STATUSES, align, words_of


def carry(old: str, new: str, words: str):
    start = old.index(words)
    alignment = align(old, new)
    carried = alignment.carry(start, start + len(words))
    return carried, (None if carried.start is None else new[carried.start:carried.end])


def test_unchanged_words_keep_their_offsets_or_move():
    old = "A: one two three. Four five six."
    assert carry(old, old, "Four five")[0].status == "kept"
    carried, text = carry(old, "A: zero one two three. Four five six.", "Four five")
    assert (carried.status, text) == ("moved", "Four five")


def test_a_typo_fix_inside_a_coding_is_changed_and_snapped_to_whole_words():
    carried, text = carry("He said teh truth today.", "He said the truth today.", "teh truth")
    assert (carried.status, text) == ("changed", "the truth")
    carried, text = carry("He recieved it.", "He received it.", "recieved it")
    assert (carried.status, text) == ("changed", "received it")


def test_deleted_words_are_orphaned_even_if_their_full_stop_survives():
    carried, text = carry("First one. Then we moved. Last one.", "First one. Honestly it is. Last one.",
                          "Then we moved.")
    assert carried.status == "orphaned" and text is None


def test_rewrapped_lines_leave_the_words_the_same():
    old = "R: I came to the city in\n2010 and stayed."
    carried, text = carry(old, "R: I came to the city in 2010 and stayed.", "I came to the city in\n2010")
    assert (carried.status, text) == ("moved", "I came to the city in 2010")


# Distinct words: an edit cannot make a coded word's text appear twice, which would make "the same words"
# ambiguous for any aligner. Three letters at least: a match of fewer characters between two edits is treated as
# part of the edit (align.SMALL_MATCH).
WORDS = st.lists(st.text(alphabet="abcdefghijklmnop", min_size=3, max_size=7), min_size=4, max_size=40, unique=True)


@st.composite
def edited_texts(draw):
    words = draw(WORDS)
    pool = [w.upper() for w in draw(WORDS)]  # inserted words: never equal to an old one
    seps = [draw(st.sampled_from([" ", " ", ", ", ". ", "\n", "\n\n"])) for _ in words]
    first = draw(st.integers(0, len(words) - 1))
    last = draw(st.integers(first, min(len(words) - 1, first + 6)))
    tokens = [(w, s, first <= i <= last) for i, (w, s) in enumerate(zip(words, seps))]
    new = list(tokens)
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "separator"]))
        where = draw(st.integers(0, len(new)))
        coded_positions = [i for i, t in enumerate(new) if t[2]]
        lo, hi = coded_positions[0], coded_positions[-1]
        if kind == "insert" and not lo < where <= hi and pool:
            new.insert(where, (pool.pop(), " ", False))
        elif kind == "delete" and where < len(new) and not new[where][2] and not (where == lo - 1):
            del new[where]
        elif kind == "replace" and where < len(new) and not new[where][2] and pool:
            new[where] = (pool.pop(), new[where][1], False)
        elif kind == "separator" and where < len(new) and not lo <= where < hi:
            new[where] = (new[where][0], draw(st.sampled_from([" ", "\n", " - "])), new[where][2])

    def render(toks):
        text, span = "", [None, None]
        for word, sep, coded in toks:
            if coded and span[0] is None:
                span[0] = len(text)
            text += word
            if coded:
                span[1] = len(text)
            text += sep
        return text, tuple(span)

    old_text, old_span = render(tokens)
    new_text, new_span = render(new)
    return old_text, old_span, new_text, new_span


@settings(max_examples=300, deadline=None)
@given(edited_texts())
def test_edits_that_spare_a_codings_words_leave_it_on_exactly_those_words(case):
    old, (start, end), new, truth = case
    carried = align(old, new).carry(start, end)
    assert carried.status in STATUSES  # every coding is accounted for, in exactly one class
    assert carried.status in ("kept", "moved"), (carried, old[start:end], new)
    assert (carried.start, carried.end) == truth
    assert new[carried.start:carried.end] == old[start:end]
    assert (carried.status == "kept") == ((start, end) == truth)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200), st.text(max_size=200), st.data())
def test_any_span_of_any_texts_gets_one_class_and_a_span_inside_the_new_text(old, new, data):
    start = data.draw(st.integers(0, len(old) - 1))
    end = data.draw(st.integers(start + 1, len(old)))
    carried = align(old, new).carry(start, end)
    assert carried.status in STATUSES
    if carried.status == "orphaned":
        assert carried.start is None
    else:
        assert 0 <= carried.start < carried.end <= len(new)
        if carried.status in ("kept", "moved"):
            assert words_of(new[carried.start:carried.end]) == words_of(old[start:end])
