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


REPO = Path(__file__).resolve().parents[2]

# Texts where the sentencizer's state matters: runs of end marks, punctuation after them,
# quotes and brackets, a piece that starts or ends with an end mark, whitespace tokens.
TRICKY = [
    "Hello!!! World", "A. B. C... d", "?! ok", "«Привет!» — сказал он. Да… нет", "x. \n y", ".", "...", "a",
    "Wow?! (yes.) no", "1. 2. 3.", "!", "Он ушёл. «Зачем?» — спросила мать.", "End. ) Next", "Ok.\n\nDone",
    "Салем! Қалың қалай? Жақсы.", "I. I. I.", "Why?..  Because.", "«A.» «B.»", "e.g. this; and that. Then",
]


def test_vectorised_rule_gives_exactly_the_sentencizers_boundaries():
    # The importer tokenizes each transcript once and applies spaCy's Sentencizer rule to the
    # token arrays of each paragraph; that must agree, token for token, with the real pipe
    # component run on each paragraph's text alone, on real transcripts and on edge cases.
    from cotag.corpus.sentences import _nlp, _pieces, _segment_starts

    nlp = _nlp()
    texts = []
    for path in sorted((REPO / "transcripts").rglob("*.md"))[:40]:
        if path.name != "README.md":
            texts.append(read_transcript(path).text)
    texts.append("\n\n".join(TRICKY))
    texts.append("I: " + "\nR: ".join(TRICKY))
    segments = [_pieces(text, 0, len(text)) for text in texts]
    # Turn contents as pieces too: they start after a label, not at a line start.
    for text in texts[-1:]:
        tr = transcript(text)
        segments[-1] = [p for turn in tr.turns for p in _pieces(text, turn.start, turn.end)]
    pieces = [(text, start, end) for text, ranges in zip(texts, segments) for start, end in ranges]
    assert len(pieces) > 2000
    expected = [[start + token.idx for token in doc if token.is_sent_start]
                for (_, start, _), doc in zip(pieces, nlp.pipe([t[s:e] for t, s, e in pieces]))]
    got = _segment_starts(list(nlp.tokenizer.pipe(texts)), segments)
    mismatches = [(t[s:e], x, y) for (t, s, e), x, y in zip(pieces, expected, got) if x != y]
    assert len(got) == len(pieces) and mismatches == []
    assert _segment_starts([], []) == []
    assert _segment_starts([nlp.tokenizer("No segments here.")], [[]]) == []


def test_results_do_not_depend_on_the_batch_size():
    transcripts = [read_transcript(p) for p in sorted((REPO / "transcripts" / "graduates").glob("G00*.md"))]
    transcripts.append(transcript("I: " + " ".join(TRICKY)))
    assert sentence_spans(transcripts, batch_size=1) == sentence_spans(transcripts, batch_size=7) \
        == sentence_spans(transcripts)


def _corpus_sample():
    paths = sorted((REPO / "transcripts" / "experts").glob("E0[0-2]*.md"))
    return [read_transcript(p) for p in paths]




def test_a_turn_that_starts_inside_a_word_still_gets_its_own_tokens():
    from cotag.corpus.speakers import Turn

    text = "Resp#Hello there. Bye now.\n\nQn#Why?"
    tr = ParsedTranscript(Path("t.txt"), text, {}, [Turn(5, 26, "Resp", False), Turn(31, 35, "Qn", True)], "txt")
    [units] = sentence_spans([tr])
    assert unit_texts(tr, units) == [(0, "Hello there."), (0, "Bye now."), (1, "Why?")]
    # Mixed with an ordinary transcript in one batch, each keeps its own offsets.
    other = transcript("I: One. Two.\nR: Three.")
    assert sentence_spans([other, tr, other]) == [sentence_spans([other])[0], units, sentence_spans([other])[0]]
