"""Checks for REFI-QDA XML: the official schemas, and the rules the schemas do not express.

The XSDs (src/cotag/refi/schema/, copied from the REFI-QDA 1.0 release, MIT) check
structure and element order, never meaning: all four real project samples we hold are
XSD-valid, yet one of them lost its text in NVivo. :func:`semantic_problems` adds what
an importer needs: every reference resolves, GUIDs are unique, selections lie inside
their text, "internal://" files are in the archive, and a text source has either
``PlainTextContent`` or ``plainTextPath``.

Validation never fetches the ``xsi:schemaLocation`` URLs: the schemas are read from
the package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cotag.refi import NS_CODEBOOK, NS_PROJECT, guid_key, local_name, namespace_of, parse_xml

__all__ = [
    "SCHEMA_DIR",
    "Problem",
    "semantic_problems",
    "validate_codebook_bytes",
    "validate_project_bytes",
    "validate_project_tree",
]

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
_SCHEMA_FILES = {"Project": "Project-mrt2019.xsd", "CodeBook": "Codebook-mrt2019.xsd"}
_TARGET_NS = {"Project": NS_PROJECT, "CodeBook": NS_CODEBOOK}
_MAX_REPORTED = 20

SOURCE_TAGS = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")
SELECTION_TAGS = ("PlainTextSelection", "PictureSelection", "PDFSelection", "AudioSelection", "VideoSelection",
                  "TranscriptSelection")


@lru_cache(maxsize=2)
def _schema(kind: str):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / _SCHEMA_FILES[kind])))


def _with_namespace(root, ns: str):
    """A copy of the tree with every element in ``ns`` (for files written under 1:0, 0:4 or none)."""
    from copy import deepcopy

    copy = deepcopy(root)
    for element in copy.iter():
        if isinstance(element.tag, str):
            element.tag = f"{{{ns}}}{local_name(element.tag)}"
    from lxml import etree

    etree.cleanup_namespaces(copy)
    return copy


def _validate(data: bytes, kind: str, lenient_namespace: bool) -> list[str]:
    root = parse_xml(data, kind)
    found = local_name(root.tag)
    if found != kind:
        return [f"the root element is <{found}>, not <{kind}>"]
    ns = namespace_of(root.tag)
    if ns != _TARGET_NS[kind]:
        if not lenient_namespace:
            return [f"namespace {ns or '(none)'} is not {_TARGET_NS[kind]}"]
        root = _with_namespace(root, _TARGET_NS[kind])
    schema = _schema(kind)
    if schema.validate(root):
        return []
    problems = [f"line {error.line}: {error.message}" for error in schema.error_log]
    if len(problems) > _MAX_REPORTED:
        problems = problems[:_MAX_REPORTED] + [f"... and {len(problems) - _MAX_REPORTED} more"]
    return problems


def validate_project_tree(root, *, lenient_namespace: bool = False) -> list[str]:
    """Problems with a parsed Project tree (no second parse: large projects are large trees).

    With ``lenient_namespace`` a file in another namespace (1:0, 0:4, none) is checked as if it
    were in 1.0, on a copy."""
    ns = namespace_of(root.tag)
    if ns != NS_PROJECT:
        if not lenient_namespace:
            return [f"namespace {ns or '(none)'} is not {NS_PROJECT}"]
        root = _with_namespace(root, NS_PROJECT)
    schema = _schema("Project")
    if schema.validate(root):
        return []
    problems = [f"line {error.line}: {error.message}" for error in schema.error_log]
    return problems[:_MAX_REPORTED] + ([f"... and {len(problems) - _MAX_REPORTED} more"]
                                       if len(problems) > _MAX_REPORTED else [])


def validate_project_bytes(data: bytes, *, lenient_namespace: bool = False) -> list[str]:
    """Problems with a project.qde against the Project XSD ([] when valid)."""
    return _validate(data, "Project", lenient_namespace)


def validate_codebook_bytes(data: bytes, *, lenient_namespace: bool = False) -> list[str]:
    """Problems with a .qdc against the Codebook XSD ([] when valid)."""
    return _validate(data, "CodeBook", lenient_namespace)


@dataclass(frozen=True)
class Problem:
    """A semantic problem; ``kind`` lets the importer decide which ones are fatal."""

    kind: str  # duplicate-guid | code-ref (a Coding's) | member-ref | user-ref | note-ref | source-ref |
    #            selection-ref | variable-ref | link-ref | offset | missing-file | text-content
    message: str

    def __str__(self) -> str:
        return self.message


def _describe(element) -> str:
    name = element.get("name")
    label = local_name(element.tag)
    return f"<{label} guid={element.get('guid')!s}{f' name={name!r}' if name else ''}>"


def semantic_problems(root, *, has_file: Callable[[str], bool] | None = None,
                      text_length: Callable[[object], int | None] | None = None) -> list[Problem]:
    """What the schema cannot see. ``has_file(path)`` says whether an internal:// file exists;
    ``text_length(text_source_element)`` gives a source's length in code points (None = unknown)."""
    problems: list[Problem] = []
    by_kind: dict[str, set[str]] = {"Code": set(), "User": set(), "Note": set(), "Source": set(),
                                    "Selection": set(), "Variable": set()}
    all_guids: dict[str, object] = {}
    for element in root.xpath("//*[@guid]"):
        guid = element.get("guid")
        key = guid_key(guid)
        tag = local_name(element.tag)
        if key in all_guids:
            problems.append(Problem("duplicate-guid", f"GUID {guid} is used twice: {_describe(all_guids[key])} and "
                                                      f"{_describe(element)}"))
        else:
            all_guids[key] = element
        if tag == "Code":
            by_kind["Code"].add(key)
        elif tag == "User":
            by_kind["User"].add(key)
        elif tag == "Note":
            by_kind["Note"].add(key)
        elif tag in SOURCE_TAGS:
            by_kind["Source"].add(key)
        elif tag in SELECTION_TAGS:
            by_kind["Selection"].add(key)
        elif tag == "Variable":
            by_kind["Variable"].add(key)

    checks = {"CodeRef": ("Code", "code-ref", "no code"), "MemberCode": ("Code", "member-ref", "no code"),
              "NoteRef": ("Note", "note-ref", "no note"), "MemberNote": ("Note", "note-ref", "no note"),
              "SourceRef": ("Source", "source-ref", "no source"), "MemberSource": ("Source", "source-ref", "no source"),
              "SelectionRef": ("Selection", "selection-ref", "no selection"),
              "VariableRef": ("Variable", "variable-ref", "no variable")}
    # Each check walks only the elements it concerns (lxml filters by tag and XPath in C: large
    # exports have hundreds of thousands of elements).
    for element in root.iter(*(f"{{*}}{tag}" for tag in checks)):
        tag = local_name(element.tag)
        kind, problem_kind, what = checks[tag]
        target = element.get("targetGUID") or element.get("guid")
        if guid_key(target) not in by_kind[kind]:
            owner = element.getparent()
            if problem_kind == "code-ref" and local_name(owner.tag) != "Coding":
                problem_kind = "member-ref"  # a Case's CodeRef: nothing is coded with it
            where = _describe(owner.getparent()) + " > " if local_name(owner.tag) == "Coding" else ""
            problems.append(Problem(problem_kind, f"{where}{_describe(owner)}: <{tag}> points at {target}, "
                                                  f"which is {what} in the file"))
    users = by_kind["User"]
    for element in root.xpath("//*[@creatingUser or @modifyingUser or @creatingUserGUID or @modifyingUserGUID]"):
        for attribute in ("creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID"):
            value = element.get(attribute)
            if value is not None and guid_key(value) not in users:
                problems.append(Problem("user-ref", f"{_describe(element)}: {attribute}={value} is no user in the file"))
    for element in root.iter("{*}Link"):
        for attribute in ("originGUID", "targetGUID"):
            value = element.get(attribute)
            if value is not None and guid_key(value) not in all_guids:
                problems.append(Problem("link-ref", f"{_describe(element)}: {attribute}={value} points nowhere"))
    for element in root.iter("{*}TextSource", "{*}Note", "{*}Representation", "{*}TextDescription", "{*}Transcript"):
        tag = local_name(element.tag)
        content = any(local_name(c.tag) == "PlainTextContent" for c in element if isinstance(c.tag, str))
        path = element.get("plainTextPath")
        if content and path:
            problems.append(Problem("text-content", f"{_describe(element)}: has both PlainTextContent and "
                                                    f"plainTextPath"))
        elif tag == "TextSource" and not content and not path:
            problems.append(Problem("text-content", f"{_describe(element)}: has neither PlainTextContent nor "
                                                    f"plainTextPath"))
    if has_file is not None:
        for element in root.xpath("//*[@plainTextPath or @richTextPath or @path]"):
            for attribute in ("plainTextPath", "richTextPath", "path"):
                value = element.get(attribute)
                if value and value.lower().startswith("internal://") and not has_file(value):
                    problems.append(Problem("missing-file", f"{_describe(element)}: {attribute}={value} is not in "
                                                            f"the archive's sources/"))
    if text_length is not None:
        for element in root.iter("{*}TextSource"):
            length = text_length(element)
            if length is None:
                continue
            for selection in element.iterchildren("{*}PlainTextSelection"):
                try:
                    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                except (TypeError, ValueError):
                    problems.append(Problem("offset", f"{_describe(selection)}: positions are not integers"))
                    continue
                if not 0 <= start <= end <= length:
                    problems.append(Problem("offset", f"{_describe(selection)} in {_describe(element)}: "
                                                      f"[{start}, {end}) is outside the text (length {length})"))
    return problems
