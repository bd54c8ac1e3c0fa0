"""Find speaker turns ("Interviewer: ...", "R: ...", "ASEL: ...", "[Name]") in plain transcript text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Turn:
    """One speaker's turn: ``text[start:end]`` is its content, without the label."""

    start: int
    end: int
    speaker: str
    is_interviewer: bool


# Keys are casefolded, without a trailing "." or number ("Respondent 2", "R1", "Int.").
# Value: True when the label marks the interviewer's side.
KNOWN_LABELS: dict[str, bool] = {
    # English
    "interviewer": True,
    "moderator": True,
    "facilitator": True,
    "question": True,
    "int": True,
    "i": True,
    "q": True,
    "respondent": False,
    "interviewee": False,
    "participant": False,
    "informant": False,
    "speaker": False,
    "answer": False,
    "resp": False,
    "r": False,
    "a": False,
    # Russian
    "интервьюер": True,
    "модератор": True,
    "ведущий": True,
    "вопрос": True,
    "и": True,
    "в": True,
    "респондент": False,
    "респондентка": False,
    "информант": False,
    "участник": False,
    "участница": False,
    "собеседник": False,
    "ответ": False,
    "р": False,
    "о": False,
    # Kazakh
    "сұхбат алушы": True,
    "сұрақ": True,
    "сұхбат беруші": False,
    "жауап": False,
}

# Words that look like labels in ALL CAPS or brackets but are transcription notes.
NOT_LABELS = frozenset(
    {
        "note", "notes", "nb", "ps", "p.s", "todo", "ok", "okay", "url", "http", "https",
        "inaudible", "unclear", "laughs", "laughter", "laughing", "pause", "silence",
        "crosstalk", "cross-talk", "applause", "music", "noise", "cough", "coughs",
        "sighs", "sigh", "interruption", "overlap", "overlapping", "redacted", "name",
        "смеется", "смеётся", "смех", "пауза", "неразборчиво", "тишина", "шум",
    }
)

_TIMESTAMP = r"(?:[ \t]*[\[(][ \t]*\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?[ \t]*[\])])?"

# A time before the label, as transcription services write it: "[00:01:02] Interviewer: ...".
_LEADING_TIME = r"(?:[\[(]?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?[\])]?[ \t]+)?"

# One candidate label at a line start. Which candidates are real labels is decided in
# Python (_label_kind) so the rules stay readable and front matter can add names.
_LABEL_LINE = re.compile(
    r"^[ \t]*" + _LEADING_TIME + r"(?:"
    r"\*\*(?P<bold>[^*\n:]{1,60}?)[ \t]*(?::[ \t]*\*\*|\*\*[ \t]*:)"  # **Label:** / **Label**:
    r"|__(?P<under>[^_\n:]{1,60}?)[ \t]*(?::[ \t]*__|__[ \t]*:)"  # __Label:__ / __Label__:
    r"|\[(?P<bracket>[^\]\n:]{1,60})\](?:[ \t]*:)?"  # [Name] / [Name]:
    r"|(?P<plain>[^\s:\[\]*#>|][^:\n\[\]()]{0,59}?)" + _TIMESTAMP + r"[ \t]*:"  # Label:
    r")(?=\s|$)",  # any space after the label, the no-break spaces Word and web pages put there too
    re.MULTILINE,
)

_TRAILING_NUMBER = re.compile(r"[ \t]*#?\d{1,3}$")
_CAPS_LABEL = re.compile(r"^[^\W\d_][\w.'’\-]*(?:[ \t]+[\w.'’\-]+){0,3}$")
_NAME_WORD = re.compile(r"^[^\W\d_][\w.'’\-]*$")
_BLOCK = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


def _key(label: str) -> str:
    key = " ".join(label.split()).casefold()
    key = _TRAILING_NUMBER.sub("", key)
    return key.rstrip(".").strip()


def _names(value: Any) -> set[str]:
    """Front matter names as match keys: a string, a list of strings, or a mapping's keys."""
    if value is None:
        return set()
    if isinstance(value, str):
        items: Iterable[Any] = [value]
    elif isinstance(value, Mapping):
        items = value.keys()
    elif isinstance(value, Iterable):
        items = value
    else:
        items = [value]
    return {" ".join(str(v).split()).casefold() for v in items if str(v).strip()}


def _is_caps_name(label: str) -> bool:
    if not _CAPS_LABEL.match(label):
        return False
    letters = [c for c in label if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _is_capitalised_name(label: str, max_words: int = 4) -> bool:
    words = label.split()
    if not words or len(words) > max_words:
        return False
    return all(_NAME_WORD.match(w) and w[0].isupper() for w in words)


class SpeakerRules:
    """Decides which label candidates are speakers and which speakers are the interviewer."""

    def __init__(self, metadata: Mapping[str, Any] | None = None):
        metadata = metadata or {}
        self.interviewers = _names(metadata.get("interviewer")) | _names(metadata.get("interviewers"))
        self.speakers = _names(metadata.get("speakers")) | self.interviewers

    def accepts(self, label: str, form: str, loose: bool = False) -> bool:
        """Is ``label`` a speaker label? ``form`` is bold, under, bracket or plain."""
        label = label.strip()
        if not label:
            return False
        full = " ".join(label.split()).casefold()
        if full in self.speakers:
            return True
        key = _key(label)
        if key in NOT_LABELS or full in NOT_LABELS:
            return False
        if key in KNOWN_LABELS:
            # "a: ..." or "i: ..." in lower case is far more often prose than a label.
            return len(key) > 1 or label[0].isupper()
        if _is_caps_name(label):
            return True
        if form in ("bold", "under", "bracket") or loose:
            return _is_capitalised_name(label, 4 if form != "plain" else 3)
        return False

    def is_interviewer(self, label: str) -> bool:
        full = " ".join(label.split()).casefold()
        if full in self.interviewers:
            return True
        return KNOWN_LABELS.get(_key(label), False)


def is_interviewer_label(label: str, interviewers: Iterable[str] = ()) -> bool:
    """True when ``label`` (e.g. "Interviewer", "Q", "Интервьюер", or a listed name) is the interviewer."""
    return SpeakerRules({"interviewer": list(interviewers)}).is_interviewer(label)


def match_label(line: str, rules: SpeakerRules | None = None, loose: bool = False) -> tuple[str, int] | None:
    """If ``line`` starts with a speaker label, return (speaker, offset where the content starts)."""
    rules = rules or SpeakerRules()
    m = _LABEL_LINE.match(line)
    if not m:
        return None
    form = m.lastgroup or "plain"
    label = m.group(form).strip()
    if not rules.accepts(label, form, loose=loose):
        return None
    pos = m.end()
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return label, pos


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraph_turns(text: str) -> list[Turn]:
    """Each blank-line separated paragraph as an unlabelled turn."""
    turns = []
    for m in _BLOCK.finditer(text):
        start, end = _trimmed(text, m.start(), m.end())
        if end > start:
            turns.append(Turn(start, end, "", False))
    return turns


def find_turns(text: str, metadata: Mapping[str, Any] | None = None) -> list[Turn]:
    """Speaker turns of ``text`` in order.

    A line that starts with a recognised label opens a turn; lines without one continue it.
    Text before the first label is one unlabelled turn. Without any label, each paragraph
    is an unlabelled turn. Turns whose content is empty are dropped.
    """
    rules = SpeakerRules(metadata)
    # A transcript repeats its few labels hundreds of times: each is judged once.
    accepted: dict[tuple[str, str], bool] = {}
    interviewer: dict[str, bool] = {}
    labels: list[tuple[int, int, str]] = []  # (line start, content start, speaker)
    for m in _LABEL_LINE.finditer(text):
        form = m.lastgroup or "plain"
        label = m.group(form).strip()
        verdict = accepted.get((label, form))
        if verdict is None:
            verdict = accepted[label, form] = rules.accepts(label, form)
        if verdict:
            labels.append((m.start(), m.end(), label))
    if not labels:
        return paragraph_turns(text)

    turns: list[Turn] = []
    start, end = _trimmed(text, 0, labels[0][0])
    if end > start:
        turns.append(Turn(start, end, "", False))
    for i, (_, content_start, speaker) in enumerate(labels):
        region_end = labels[i + 1][0] if i + 1 < len(labels) else len(text)
        start, end = _trimmed(text, content_start, region_end)
        if end > start:
            if speaker not in interviewer:
                interviewer[speaker] = rules.is_interviewer(speaker)
            turns.append(Turn(start, end, speaker, interviewer[speaker]))
    return turns
