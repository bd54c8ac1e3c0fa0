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


_REFERENCE_CHECKS = {"CodeRef": ("Code", "code-ref", "no code"), "MemberCode": ("Code", "member-ref", "no code"),
                     "NoteRef": ("Note", "note-ref", "no note"), "MemberNote": ("Note", "note-ref", "no note"),
                     "SourceRef": ("Source", "source-ref", "no source"),
                     "MemberSource": ("Source", "source-ref", "no source"),
                     "SelectionRef": ("Selection", "selection-ref", "no selection"),
                     "VariableRef": ("Variable", "variable-ref", "no variable")}
_KIND_TAGS = {"Code": ("Code",), "User": ("User",), "Note": ("Note",), "Source": SOURCE_TAGS,
              "Selection": SELECTION_TAGS, "Variable": ("Variable",)}
_USER_ATTRIBUTES = ("creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID")
_PATH_ATTRIBUTES = ("plainTextPath", "richTextPath", "path")


def semantic_problems(root, *, has_file: Callable[[str], bool] | None = None,
                      text_length: Callable[[object], int | None] | None = None) -> list[Problem]:
    """What the schema cannot see. ``has_file(path)`` says whether an internal:// file exists;
    ``text_length(text_source_element)`` gives a source's length in code points (None = unknown).

    Large projects have hundreds of thousands of elements: each rule is first checked on the bare
    values (GUIDs, user references), and only a rule that fails walks the elements again to describe
    each problem (the messages and their order are those of that walk)."""
    from lxml import etree

    problems: list[Problem] = []
    kind_of = {tag: kind for kind, tags in _KIND_TAGS.items() for tag in tags}
    by_kind: dict[str, set[str]] = {kind: set() for kind in _KIND_TAGS}
    for element in root.iter(*(f"{{*}}{tag}" for tag in kind_of)):  # lxml filters by tag in C
        guid = element.get("guid")
        if guid is not None:
            by_kind[kind_of[local_name(element.tag)]].add(guid_key(guid))
    # One pass over every element for GUIDs and user references (XPath over attributes is slower: it
    # makes a string object that knows its parent for each value).
    guids: list[str] = []
    user_values: list[str] = []
    for element in root.iter(etree.Element):
        guid = element.get("guid")
        if guid is not None:
            guids.append(guid_key(guid))
        user = element.get("creatingUser")
        if user is not None:
            user_values.append(user)
        for attribute in _USER_ATTRIBUTES[1:]:
            value = element.get(attribute)
            if value is not None:
                user_values.append(value)
    all_guids = set(guids)
    if len(all_guids) < len(guids):
        problems += _duplicate_guids(root)
    if not _references_resolve(root, by_kind):
        problems += _reference_problems(root, by_kind)
    users = by_kind["User"]
    if any(guid_key(v) not in users for v in user_values):
        for element in root.xpath("//*[" + " or ".join(f"@{a}" for a in _USER_ATTRIBUTES) + "]"):
            for attribute in _USER_ATTRIBUTES:
                value = element.get(attribute)
                if value is not None and guid_key(value) not in users:
                    problems.append(Problem("user-ref", f"{_describe(element)}: {attribute}={value} is no user in "
                                                        f"the file"))
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
        paths = root.xpath(" | ".join(f"//@{a}" for a in _PATH_ATTRIBUTES))
        if not all(has_file(v) for v in paths if v and v.lower().startswith("internal://")):
            problems += _missing_files(root, has_file)
    if text_length is not None:
        problems += _offset_problems(root, text_length)
    return problems


def _duplicate_guids(root) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, object] = {}
    for element in root.xpath("//*[@guid]"):
        guid = element.get("guid")
        key = guid_key(guid)
        if key in first:
            problems.append(Problem("duplicate-guid", f"GUID {guid} is used twice: {_describe(first[key])} and "
                                                      f"{_describe(element)}"))
        else:
            first[key] = element
    return problems


def _references_resolve(root, by_kind: dict[str, set[str]]) -> bool:
    for tag, (kind, _problem_kind, _what) in _REFERENCE_CHECKS.items():
        known = by_kind[kind]
        for element in root.iter(f"{{*}}{tag}"):
            if guid_key(element.get("targetGUID") or element.get("guid")) not in known:
                return False
    return True


def _reference_problems(root, by_kind: dict[str, set[str]]) -> list[Problem]:
    problems: list[Problem] = []
    # lxml filters by tag in C: only the reference elements are walked.
    for element in root.iter(*(f"{{*}}{tag}" for tag in _REFERENCE_CHECKS)):
        tag = local_name(element.tag)
        kind, problem_kind, what = _REFERENCE_CHECKS[tag]
        target = element.get("targetGUID") or element.get("guid")
        if guid_key(target) not in by_kind[kind]:
            owner = element.getparent()
            if problem_kind == "code-ref" and local_name(owner.tag) != "Coding":
                problem_kind = "member-ref"  # a Case's CodeRef: nothing is coded with it
            where = _describe(owner.getparent()) + " > " if local_name(owner.tag) == "Coding" else ""
            problems.append(Problem(problem_kind, f"{where}{_describe(owner)}: <{tag}> points at {target}, "
                                                  f"which is {what} in the file"))
    return problems


def _missing_files(root, has_file: Callable[[str], bool]) -> list[Problem]:
    problems: list[Problem] = []
    for element in root.xpath("//*[" + " or ".join(f"@{a}" for a in _PATH_ATTRIBUTES) + "]"):
        for attribute in _PATH_ATTRIBUTES:
            value = element.get(attribute)
            if value and value.lower().startswith("internal://") and not has_file(value):
                problems.append(Problem("missing-file", f"{_describe(element)}: {attribute}={value} is not in "
                                                        f"the archive's sources/"))
    return problems


def _offset_problems(root, text_length: Callable[[object], int | None]) -> list[Problem]:
    problems: list[Problem] = []
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
