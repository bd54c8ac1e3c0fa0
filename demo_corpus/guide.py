"""The interview guide the demo generator follows, read from banks/guide.yaml.

Each topic lists alternative wordings of its main question, follow-up
questions, the themes answers to it tend to touch (with weights), the bank of
uncoded talk it draws on, how often it is asked and how long answers run.
Questions use the entry syntax of banks/coded.yaml (tags, slots,
alternatives); they are never coded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from demo_corpus.phrases import load


@dataclass(frozen=True)
class Topic:
    key: str
    questions: tuple[str, ...]
    followups: tuple[str, ...] = ()
    codes: dict[str, float] = field(default_factory=dict)
    talk: str = ""
    probability: float = 1.0
    length: float = 1.0
    max_followups: int = 2


def _topic(entry: dict) -> Topic:
    return Topic(entry["key"], tuple(entry["questions"]), tuple(entry["followups"]), dict(entry["codes"]),
                 entry["talk"], float(entry["asked"]), float(entry["length"]), int(entry["max_followups"]))


_guide = load("guide")

ACKNOWLEDGEMENTS: tuple[str, ...] = tuple(_guide["acknowledgements"])
GENERIC_FOLLOWUPS: tuple[str, ...] = tuple(_guide["generic_followups"])
EXPERT_TOPICS: tuple[Topic, ...] = tuple(_topic(t) for t in _guide["expert_topics"])
GRADUATE_TOPICS: tuple[Topic, ...] = tuple(_topic(t) for t in _guide["graduate_topics"])
CLOSING_THANKS: tuple[str, ...] = tuple(_guide["closing_thanks"])
FINAL_REPLIES: tuple[str, ...] = tuple(_guide["final_replies"])
