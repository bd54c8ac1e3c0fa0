"""Re-splitting only the paragraphs a revision changed gives exactly the units a full split gives."""

from __future__ import annotations

from pathlib import Path

from cotag.corpus.formats import ParsedTranscript
from cotag.corpus.sentences import sentence_spans
from cotag.corpus.speakers import find_turns
from cotag.revision.units import resplit

OLD = ("Interviewer: Why did you leave?\n\n"
       "Respondent: The pay was low. Dr. Amanov said so too! We left in May.\n\n"
       "Interviewer: And then?\n\n"
       "Respondent: We found work. It was hard at first.\n\nMy sister came later.\n")


def transcript(text: str) -> ParsedTranscript:
    return ParsedTranscript(Path("E1.md"), text, {}, find_turns(text, {}), "md")


def units_of(text: str) -> list[tuple]:
    return [(i, s, e, turn) for i, (turn, s, e) in enumerate(sentence_spans([transcript(text)])[0])]


def test_changed_paragraphs_split_again_the_rest_reused_the_same_units_either_way():
    new = (OLD.replace("The pay was low.", "The pay was very low. Rents rose.")
           .replace("Interviewer: And then?\n\n", "")
           .replace("It was hard at first.\n\nMy sister came later.", "It was hard at first. My sister came later."))
    for before, after in ((OLD, new), (new, OLD), (OLD, OLD), (OLD, "Respondent: Nothing else.\n")):
        expected = sentence_spans([transcript(after)])[0]
        assert resplit([(transcript(after), before, units_of(before))]) == [expected], (before, after)


def test_old_units_that_do_not_tile_a_paragraph_are_not_reused():
    """Units stored from another split (here: one unit over two paragraphs) are never carried over."""
    odd = [(0, 0, len(OLD.rstrip()), 0)]
    assert resplit([(transcript(OLD), OLD, odd)]) == [sentence_spans([transcript(OLD)])[0]]
