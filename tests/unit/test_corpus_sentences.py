"""Sentence units inside speaker turns: offsets, boundaries, languages."""

import os
import subprocess
import sys
from pathlib import Path

import cotag
from cotag.corpus.formats import ParsedTranscript, read_transcript
from cotag.corpus.sentences import sentence_spans, split_sentences
from cotag.corpus.speakers import find_turns


def transcript(text, metadata=None):
    return ParsedTranscript(Path("t.txt"), text, metadata or {}, find_turns(text, metadata), "txt")


def unit_texts(tr, units):
    return [(turn, tr.text[s:e]) for turn, s, e in units]


def assert_well_formed(tr, units):
    previous_end = -1
    for turn_index, start, end in units:
        turn = tr.turns[turn_index]
        assert turn.start <= start < end <= turn.end
        piece = tr.text[start:end]
        assert piece == piece.strip() and piece
        assert start >= previous_end
        previous_end = end


def test_english_sentences():
    tr = transcript("Interviewer: Why did you leave? Tell me.\n\nRespondent: The pay was low. I wanted more!")
    [units] = sentence_spans([tr])
    assert unit_texts(tr, units) == [
        (0, "Why did you leave?"),
        (0, "Tell me."),
        (1, "The pay was low."),
        (1, "I wanted more!"),
    ]
    assert_well_formed(tr, units)


def test_russian_sentences():
    tr = transcript("Р: Я уехал в 2019 году. Зарплата была низкой! Почему?")
    [units] = sentence_spans([tr])
    assert unit_texts(tr, units) == [
        (0, "Я уехал в 2019 году."),
        (0, "Зарплата была низкой!"),
        (0, "Почему?"),
    ]


def test_units_never_cross_a_turn_boundary():
    # No final punctuation at the end of the first turn: the next turn still starts a new unit.
    tr = transcript("I: So you left\nR: yes we left in 2019 and\nI: and then")
    [units] = sentence_spans([tr])
    assert unit_texts(tr, units) == [(0, "So you left"), (1, "yes we left in 2019 and"), (2, "and then")]
    assert_well_formed(tr, units)


def test_units_never_cross_a_blank_line_inside_a_turn():
    tr = transcript("R: First paragraph without a stop\n\nSecond paragraph. Two sentences.")
    [units] = sentence_spans([tr])
    assert unit_texts(tr, units) == [
        (0, "First paragraph without a stop"),
        (0, "Second paragraph."),
        (0, "Two sentences."),
    ]


def test_ellipsis_and_unicode_ellipsis():
    assert [t for t in _split("I waited... Then I left… Nobody called.")] == [
        "I waited...",
        "Then I left…",
        "Nobody called.",
    ]
    # Hesitation: an ellipsis followed by a lower-case word keeps the sentence together.
    assert _split("Well... maybe we stay.") == ["Well... maybe we stay."]


def test_abbreviations_initials_and_quotes():
    assert _split("Dr. Smith came. He said \"Go.\" Then he left.") == [
        "Dr. Smith came.",
        'He said "Go."',
        "Then he left.",
    ]
    assert _split("He said so. \"We left.\" Then.") == ["He said so.", '"We left."', "Then."]
    assert _split("Потом пришёл А. С. Иванов. Это т. е. важно.") == ["Потом пришёл А. С. Иванов.", "Это т. е. важно."]
    assert _split("We saw e.g. Germany. It was 2.5 times more.") == ["We saw e.g. Germany.", "It was 2.5 times more."]


def _split(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_many_transcripts_in_one_call_keep_their_own_offsets():
    a = transcript("I: One. Two.\nR: Three.")
    b = transcript("---not front matter here, just text. Second sentence.")
    empty = ParsedTranscript(Path("e.txt"), "", {}, [], "txt")
    result = sentence_spans([a, empty, b])
    assert len(result) == 3
    assert unit_texts(a, result[0]) == [(0, "One."), (0, "Two."), (1, "Three.")]
    assert result[1] == []
    assert unit_texts(b, result[2]) == [(0, "---not front matter here, just text."), (0, "Second sentence.")]
    assert sentence_spans([]) == []


def test_every_unit_inside_its_turn_on_a_mixed_file(tmp_path):
    path = tmp_path / "E001.md"
    path.write_text(
        "---\nid: E001\n---\n# Interview\n\n**Interviewer:** Where do you work?\n\n"
        "**Respondent:** At a university in Almaty.   I teach economics!\n\nMy salary... it is low.\n"
        "Interviewer: Would you leave?\nRespondent: Maybe. Моя семья здесь, поэтому я остаюсь.\n",
        encoding="utf-8",
    )
    tr = read_transcript(path)
    [units] = sentence_spans([tr])
    assert_well_formed(tr, units)
    assert [tr.text[s:e] for _, s, e in units] == [
        "# Interview",
        "Where do you work?",
        "At a university in Almaty.",
        "I teach economics!",
        "My salary... it is low.",
        "Would you leave?",
        "Maybe.",
        "Моя семья здесь, поэтому я остаюсь.",
    ]
    assert [turn for turn, _, _ in units] == [0, 1, 2, 2, 2, 3, 4, 4]


def test_importing_the_corpus_package_loads_no_heavy_or_ui_modules():
    code = (
        "import sys, cotag.corpus, cotag.corpus.formats, cotag.corpus.speakers, cotag.corpus.sentences;"
        "print(sorted(m for m in ('spacy', 'textual', 'docx') if m in sys.modules))"
    )
    src = str(Path(cotag.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"


def test_pronoun_i_ends_a_sentence_but_initials_do_not():
    text = "My brother left, and so had I. I still think about it. We met A. S. Pushkin there."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "My brother left, and so had I.", "I still think about it.", "We met A. S. Pushkin there."]
