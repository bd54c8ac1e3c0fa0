"""The phrase banks, read from banks/coded.yaml (coded sentences) and banks/talk.yaml (uncoded talk).

The files hold the text; the entry syntax they share (tags, slots, alternatives,
runs, code marks) is described at the top of coded.yaml and parsed by
:mod:`demo_corpus.entries`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

BANKS = Path(__file__).resolve().parent / "banks"


@cache
def load(name: str) -> Any:
    """The parsed contents of banks/<name>.yaml, read once."""
    with open(BANKS / f"{name}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


_coded = load("coded")
_talk = load("talk")

#: code key -> sentences carrying it, in the codebook's order.
CODED: dict[str, list[str]] = _coded["codes"]
#: Sentences that carry two themes at once.
PAIRS: list[str] = _coded["pairs"]

OPENERS: list[str] = _talk["openers"]
HEDGES: list[str] = _talk["hedges"]
SECOND_THOUGHTS: list[str] = _talk["second_thoughts"]
FILLERS: list[str] = _talk["fillers"]
TOPIC_TALK: dict[str, list[str]] = _talk["topic_talk"]
WORK_TALK: dict[str, list[str]] = _talk["work_talk"]
OCCUPATION_FAMILY: dict[str, str] = _talk["occupation_family"]
CITY_TALK: dict[str, list[str]] = _talk["city_talk"]

PREFIXES: tuple[str, ...] = tuple(_talk["discourse"]["prefixes"])
PERSONAL_PREFIXES: tuple[str, ...] = tuple(_talk["discourse"]["personal_prefixes"])
SUFFIXES: tuple[str, ...] = tuple(_talk["discourse"]["suffixes"])
PERSONAL_SUFFIXES: tuple[str, ...] = tuple(_talk["discourse"]["personal_suffixes"])
