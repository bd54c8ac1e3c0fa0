"""Speaker labels: which line starts are turns, who is the interviewer, and exact offsets."""

import pytest

from cotag.corpus.speakers import Turn, find_turns, is_interviewer_label, match_label


def contents(text, turns):
    return [(t.speaker, t.is_interviewer, text[t.start : t.end]) for t in turns]


def test_basic_interview_turns_and_offsets():
    text = "Interviewer: Why did you leave?\n\nRespondent: The salary was low.\nAnd there was no career.\n"
    turns = find_turns(text)
    assert contents(text, turns) == [
        ("Interviewer", True, "Why did you leave?"),
        ("Respondent", False, "The salary was low.\nAnd there was no career."),
    ]
    assert turns[0].start == len("Interviewer: ")
    assert all(isinstance(t, Turn) for t in turns)


@pytest.mark.parametrize(
    "line, speaker, interviewer",
    [
        ("Interviewer: text", "Interviewer", True),
        ("interviewer: text", "interviewer", True),
        ("INTERVIEWER: text", "INTERVIEWER", True),
        ("Respondent: text", "Respondent", False),
        ("Interviewee: text", "Interviewee", False),
        ("Moderator: text", "Moderator", True),
        ("I: text", "I", True),
        ("R: text", "R", False),
        ("Q: text", "Q", True),
        ("A: text", "A", False),
        ("Int: text", "Int", True),
        ("Int.: text", "Int.", True),
        ("Resp: text", "Resp", False),
        ("Respondent 2: text", "Respondent 2", False),
        ("R1: text", "R1", False),
        ("Интервьюер: текст", "Интервьюер", True),
        ("Респондент: текст", "Респондент", False),
        ("Вопрос: текст", "Вопрос", True),
        ("Ответ: текст", "Ответ", False),
        ("И: текст", "И", True),
        ("Р: текст", "Р", False),
        ("Сұрақ: мәтін", "Сұрақ", True),
        ("Жауап: мәтін", "Жауап", False),
        ("**Interviewer:** text", "Interviewer", True),
        ("**Respondent**: text", "Respondent", False),
        ("__Q:__ text", "Q", True),
        ("ASEL: text", "ASEL", False),
        ("DR. SMITH: text", "DR. SMITH", False),
        ("АЙГУЛЬ: текст", "АЙГУЛЬ", False),
        ("[Asel] text", "Asel", False),
        ("[Interviewer]: text", "Interviewer", True),
        ("Interviewer [00:01:02]: text", "Interviewer", True),
        ("  R: indented", "R", False),
    ],
)
def test_recognised_labels(line, speaker, interviewer):
    text = "Preamble line.\n" + line + "\nR: next"
    turns = find_turns(text)
    assert turns[1].speaker == speaker
    assert turns[1].is_interviewer is interviewer
    content = text[turns[1].start : turns[1].end]
    assert content in ("text", "текст", "мәтін", "indented")


@pytest.mark.parametrize(
    "line",
    [
        "Well: that is how it was.",
        "Note: this is a remark inside an answer.",
        "NOTE: a transcriber's note.",
        "Айгуль: mixed-case names are not labels by default.",
        "So the time was 10:30 then.",
        "See http://example.org for details.",
        "[laughs] and then we left",
        "[Inaudible] words",
        "a: lower-case single letters are prose",
        "# Heading: not a label",
        "Some very long phrase that goes on and on here: not a label",
    ],
)
def test_lines_that_are_not_labels_continue_the_turn(line):
    text = f"R: First part.\n{line}\nEnd."
    turns = find_turns(text)
    assert len(turns) == 1
    assert text[turns[0].start : turns[0].end] == f"First part.\n{line}\nEnd."


def test_text_before_first_label_is_one_unlabelled_turn():
    text = "# Interview E001\n\nRecorded in Almaty.\n\nI: Hello?\nR: Hi."
    turns = find_turns(text)
    assert contents(text, turns) == [
        ("", False, "# Interview E001\n\nRecorded in Almaty."),
        ("I", True, "Hello?"),
        ("R", False, "Hi."),
    ]


def test_without_labels_each_paragraph_is_a_turn():
    text = "First paragraph\nwrapped here.\n\n  Second paragraph.  \n\n\n\nThird.\n"
    turns = find_turns(text)
    assert contents(text, turns) == [
        ("", False, "First paragraph\nwrapped here."),
        ("", False, "Second paragraph."),
        ("", False, "Third."),
    ]


def test_blank_text_has_no_turns():
    assert find_turns("") == []
    assert find_turns("  \n\n \t\n") == []


def test_label_with_content_on_the_next_line_and_empty_turn_dropped():
    text = "Interviewer:\nR:\n   The answer starts here.\n"
    turns = find_turns(text)
    assert contents(text, turns) == [("R", False, "The answer starts here.")]


def test_front_matter_speakers_and_interviewer_names():
    meta = {"speakers": ["Asel", "Dana Smith"], "interviewer": "Dana Smith"}
    text = "Dana Smith: Where did you study?\n\nAsel: In Germany.\nWell: I liked it."
    turns = find_turns(text, meta)
    assert contents(text, turns) == [
        ("Dana Smith", True, "Where did you study?"),
        ("Asel", False, "In Germany.\nWell: I liked it."),
    ]
    # Without the front matter the mixed-case names are not labels: two plain paragraphs.
    assert [t.speaker for t in find_turns(text)] == ["", ""]


def test_interviewer_list_in_front_matter():
    meta = {"interviewers": ["BOLAT", "Aigerim"]}
    text = "BOLAT: Question?\nASEL: Answer.\nAigerim: Another question?"
    assert [(t.speaker, t.is_interviewer) for t in find_turns(text, meta)] == [
        ("BOLAT", True),
        ("ASEL", False),
        ("Aigerim", True),
    ]


def test_every_turn_is_trimmed_and_inside_text():
    text = "\n\nI:   spaced question   \n\n\nR:\tanswer\t\n\n"
    for t in find_turns(text):
        content = text[t.start : t.end]
        assert content == content.strip() and content
        assert 0 <= t.start < t.end <= len(text)


def test_is_interviewer_label():
    assert is_interviewer_label("Interviewer")
    assert is_interviewer_label("MODERATOR")
    assert is_interviewer_label("Интервьюер")
    assert is_interviewer_label("Interviewer 2")
    assert not is_interviewer_label("Respondent")
    assert not is_interviewer_label("ASEL")
    assert is_interviewer_label("Dana", interviewers=["dana"])


def test_match_label_loose_accepts_capitalised_names():
    assert match_label("John Smith: Hello there") is None
    assert match_label("John Smith: Hello there", loose=True) == ("John Smith", len("John Smith: "))
    assert match_label("Interviewer: hi") == ("Interviewer", len("Interviewer: "))
    assert match_label("just text: here", loose=True) is None


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009"])
def test_no_break_space_after_the_colon_still_makes_a_label(space):
    text = f"Interviewer:{space}Why?\nРеспондент :{space}Зарплата.\nR:{space}Low."
    assert contents(text, find_turns(text)) == [
        ("Interviewer", True, "Why?"),
        ("Респондент", False, "Зарплата."),
        ("R", False, "Low."),
    ]


def test_a_time_before_the_label_as_transcription_services_write_it():
    text = "[00:00:12] Interviewer: Why?\n[00:00:15] Respondent: Pay.\n00:01:02 I: And?\n(1:05.5) R: Family.\n10:30 Note: x"
    assert contents(text, find_turns(text)) == [
        ("Interviewer", True, "Why?"),
        ("Respondent", False, "Pay."),
        ("I", True, "And?"),
        ("R", False, "Family.\n10:30 Note: x"),
    ]
