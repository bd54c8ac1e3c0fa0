"""What an import plans to write (documents, codings, memos, users), its report, and the small XML readers
the planner shares. Nothing here touches the database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from cotag.refi import (
    guid_key,
    local_name,
)
from cotag.refi.offsets import (
    PositionMap,
    Selection,
    SourceText,
)
from cotag.refi.qdc import RefiCode

_DOCUMENT_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".pdf", ".odt", ".md")
_OTHER_SOURCES = {"PictureSource": ("picture", "PictureSelection"), "PDFSource": ("PDF", "PDFSelection"),
                  "AudioSource": ("audio", "AudioSelection"), "VideoSource": ("video", "VideoSelection")}
FALLBACK_CODER = "refi-import"
_MAX_ERRORS = 25


@dataclass
class ImportReport:
    file: str
    origin: str = ""
    project_name: str = ""
    namespace: str = ""
    project: str = ""  # folder of the project imported into
    found: dict[str, int] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)
    offsets: dict[str, Any] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    codebook_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)



# ---------------------------------------------------------------- the plan

@dataclass
class PlannedCoding:
    code_guid: str
    user_guid: str | None
    start: int
    end: int
    memo: str = ""
    created_at: datetime | None = None


@dataclass
class PlannedDocument:
    guid: str
    name: str
    text: str
    source_path: str
    attributes: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    codings: list[PlannedCoding] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass
class PlannedMemo:
    user_guid: str | None
    title: str
    text: str
    document_guid: str | None = None
    code_guid: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    guid: str | None = None  # the Note's GUID, written again on export


@dataclass
class PlannedUser:
    guid: str
    name: str
    role: str = "coder"


@dataclass
class ImportPlan:
    report: ImportReport
    users: dict[str, PlannedUser]  # guid_key -> user
    default_user: str | None  # guid_key of the user for things that name none
    codes: list[RefiCode]
    documents: list[PlannedDocument]
    memos: list[PlannedMemo]
    # Title and version of the exporting project's YAML codebook (cotag files only), for a new codebook.yaml.
    codebook_title: str | None = None
    codebook_version: int = 0
    # Sentence units a cotag export carried, by source guid_key (refi/carried_units.py); {} from other tools.
    carried_units: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Source:
    element: Any
    guid: str
    name: str
    text: SourceText
    positions: PositionMap
    where: str
    stored: tuple[str, Any]  # the text as stored, and where a position in source.text.text lands in it
    selections: list[tuple[Any, Selection]] = field(default_factory=list)


def stored_text(text: str) -> tuple[str, Any]:
    """``text`` as the transcript importer stores text, and a function moving positions into it.

    The transcript importer's normalisation (:func:`cotag.corpus.formats._normalise`) drops NUL
    and other control characters (PostgreSQL refuses NUL) and turns form feeds and Unicode line
    separators into newlines. It works character by character here, so each selection can be
    moved by what was dropped or widened before it."""
    from bisect import bisect_left

    from cotag.corpus.formats import _normalise

    if _normalise(text) == text:
        return text, lambda position: position
    replaced = {ch: _normalise(ch) for ch in set(text)}
    replaced = {ch: new for ch, new in replaced.items() if new != ch}
    pattern = re.compile("[" + "".join(re.escape(ch) for ch in replaced) + "]")
    starts: list[int] = []  # position of each changed character
    shifts: list[int] = []  # total change in length up to and including it
    shift = 0
    for match in pattern.finditer(text):
        shift += len(replaced[match.group()]) - 1
        starts.append(match.start())
        shifts.append(shift)

    def moved(position: int) -> int:
        before = bisect_left(starts, position)  # changed characters before the position
        return position + (shifts[before - 1] if before else 0)

    return pattern.sub(lambda m: replaced[m.group()], text), moved


def _children(element, tag: str) -> list:
    # lxml filters by tag in C; "{*}" matches any namespace (1.0, 1:0, 0:4) and none.
    return list(element.iterchildren(f"{{*}}{tag}"))


def _child(element, tag: str):
    return next(element.iterchildren(f"{{*}}{tag}"), None)


def _text_of(element) -> str:
    return element.text or "" if element is not None else ""


def _describe(element) -> str:
    name = element.get("name")
    return f"{local_name(element.tag)} {name!r}" if name else f"{local_name(element.tag)} {element.get('guid')}"


def _document_name(element, reference: str, origin: str) -> str:
    name = (element.get("name") or "").strip()
    if not name:
        leaf = PurePosixPath((reference.partition("://")[2] or reference).replace("\\", "/")).name
        name = PurePosixPath(leaf).stem or element.get("guid") or "document"
    elif not origin.lower().startswith("cotag"):
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in _DOCUMENT_SUFFIXES and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


_TEXT_KEPT = "cotag:text"


def _variable_value(holder, variables: dict[str, tuple[str, str, bool]], warnings: list[str]) -> tuple[str, Any] | None:
    import json

    ref = _child(holder, "VariableRef")
    if ref is None:
        return None
    info = variables.get(guid_key(ref.get("targetGUID")))
    if info is None:
        warnings.append(f"a VariableValue points at {ref.get('targetGUID')}, which is no variable; skipped")
        return None
    name, _type, as_json = info
    for element in holder:
        tag = local_name(element.tag)
        if tag == "VariableRef":
            continue
        text = element.text or ""
        if _type == _TEXT_KEPT:
            return name, text
        if as_json and tag == "TextValue":
            try:
                return name, json.loads(text)
            except ValueError:
                return name, text
        if tag == "BooleanValue":
            return name, text.strip().lower() in ("true", "1")
        if tag == "IntegerValue":
            try:
                return name, int(text.strip())
            except ValueError:
                return name, text
        if tag == "FloatValue":
            try:
                return name, float(text.strip())
            except ValueError:
                return name, text
        return name, text  # TextValue, DateValue, DateTimeValue: kept as written
    return name, None


