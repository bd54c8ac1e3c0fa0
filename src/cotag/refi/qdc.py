"""REFI-QDA codebooks (.qdc): export, read, import.

The code tree itself (the packed Description layout, reading keys from names) is in
:mod:`cotag.refi.codes`; merging codes into a project in :mod:`cotag.refi.code_merge`; the YAML
codebook journal in :mod:`cotag.refi.journal`. Their names are re-exported here, where importers
have always found them.

The codebook's title and version, for which REFI has no field, travel in a
``<?cotag {...}?>`` processing instruction that other tools skip.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cotag.refi import (
    KNOWN_NAMESPACE_VERSIONS,
    NS_CODEBOOK,
    PI_TARGET,
    RefiError,
    guid_key,
    local_name,
    namespace_of,
    parse_xml,
    xml_safe,
)
from cotag.refi.code_merge import CodeMerge as CodeMerge
from cotag.refi.code_merge import _code_values, file_shortcuts, merge_codes
from cotag.refi.code_merge import update_project_codebook as update_project_codebook
from cotag.refi.codes import CYRILLIC_TO_LATIN as CYRILLIC_TO_LATIN
from cotag.refi.codes import MAX_CODE_DEPTH as MAX_CODE_DEPTH
from cotag.refi.codes import MAX_CODES as MAX_CODES
from cotag.refi.codes import TOOL_USER_GUIDS as TOOL_USER_GUIDS
from cotag.refi.codes import CodeFields, RefiCode, _parents_first, assign_keys, build_code_elements, read_code_tree
from cotag.refi.codes import Packed as Packed
from cotag.refi.codes import codebook_to_fields as codebook_to_fields
from cotag.refi.codes import colour_attribute as colour_attribute
from cotag.refi.codes import fields_from_db as fields_from_db
from cotag.refi.codes import pack_description as pack_description
from cotag.refi.codes import slugify as slugify
from cotag.refi.codes import unpack_description as unpack_description
from cotag.refi.journal import CodebookJournal as CodebookJournal
from cotag.refi.journal import _alive as _alive
from cotag.refi.journal import journalled_session
from cotag.refi.journal import recover_codebook_journal as recover_codebook_journal

__all__ = [
    "CodeFields",
    "Packed",
    "QdcReport",
    "RefiCode",
    "build_code_elements",
    "codebook_to_fields",
    "export_qdc",
    "fields_from_db",
    "import_qdc",
    "merge_codes",
    "pack_description",
    "read_code_tree",
    "read_qdc",
    "slugify",
    "unpack_description",
]

#: Largest .qdc read (a codebook of MAX_CODES codes is a few megabytes).
MAX_QDC_BYTES = 64 * 2**20


# ---------------------------------------------------------------- .qdc files

def _write_pi(root, data: dict[str, Any]) -> None:
    from lxml import etree

    # JSON inside a processing instruction; "?>" would end it early, so it is escaped.
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("?>", "?\\u003e")
    root.addprevious(etree.PI(PI_TARGET, xml_safe(payload)))


def read_pi(root) -> dict[str, Any]:
    node = root.getprevious()
    while node is not None:
        if getattr(node, "target", None) == PI_TARGET:
            try:
                data = json.loads(node.text or "{}")
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        node = node.getprevious()
    return {}


def export_qdc(path: Path | str, *, codes: list[CodeFields], title: str, version: int,
               namespace: uuid.UUID) -> dict[str, Any]:
    """Write a .qdc codebook; it is checked against the Codebook XSD before it replaces ``path``."""
    from lxml import etree

    from cotag import __version__
    from cotag.refi.qdpx_export import write_atomically
    from cotag.refi.validate import validate_codebook_bytes

    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK}, origin=f"cotag {__version__}")
    codes_element = etree.SubElement(root, f"{{{NS_CODEBOOK}}}Codes")
    if not codes:
        raise RefiError("the codebook has no codes; a REFI-QDA codebook needs at least one")
    build_code_elements(codes_element, _parents_first(codes), namespace=namespace, ns=NS_CODEBOOK)
    _write_pi(root, {"codebook": title, "version": version})
    data = etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8", pretty_print=True)
    problems = validate_codebook_bytes(data)
    if problems:
        raise RefiError("the codebook export does not validate (nothing written):\n" + "\n".join(problems))
    write_atomically(Path(path), data)
    return {"file": str(path), "codes": len(codes), "title": title, "version": version}


@dataclass
class QdcReport:
    file: str
    origin: str = ""
    title: str = ""
    version: int = 0
    codes: int = 0
    warnings: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    codebook_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_qdc(path: Path | str) -> tuple[list[RefiCode], QdcReport]:
    """Parse a .qdc leniently: schema problems (Taguette's empty <Sets/>) are warnings."""
    from cotag.refi.validate import validate_codebook_bytes

    path = Path(path)
    report = QdcReport(file=str(path))
    try:
        if not path.is_file():
            raise RefiError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_QDC_BYTES + 1)
    except OSError as exc:
        raise RefiError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_QDC_BYTES:
        raise RefiError(f"{path}: larger than {MAX_QDC_BYTES} bytes (MAX_QDC_BYTES), more than any codebook; refused")
    root = parse_xml(data, str(path))
    kind = local_name(root.tag)
    if kind == "Project":
        raise RefiError(f"{path}: this is a REFI-QDA project, not a codebook; use `cotag import qdpx`")
    if kind != "CodeBook":
        raise RefiError(f"{path}: not a REFI-QDA codebook (the root element is <{kind}>, not <CodeBook>)")
    ns = namespace_of(root.tag)
    if ns != NS_CODEBOOK:
        known = not ns or (ns.startswith("urn:QDA-XML:codebook:")
                           and ns.split("codebook:", 1)[1] in KNOWN_NAMESPACE_VERSIONS)
        report.warnings.append(f"namespace {ns or '(none)'} read as {NS_CODEBOOK}"
                               + ("" if known else " (not a namespace REFI-QDA tools are known to write)"))
    report.origin = root.get("origin") or ""
    for problem in validate_codebook_bytes(data, lenient_namespace=True):
        report.warnings.append(f"schema: {problem} (read anyway)")
    codes_element = next((c for c in root if local_name(c.tag) == "Codes"), None)
    if codes_element is None:
        raise RefiError(f"{path}: the codebook has no <Codes> element")
    codes = read_code_tree(codes_element, origin=report.origin, warnings=report.warnings, where=str(path))
    if not codes:
        raise RefiError(f"{path}: the codebook has no codes")
    _check_guids(codes, str(path))
    for element in root:
        if local_name(element.tag) == "Sets":
            sets = [s for s in element if local_name(s.tag) == "Set"]
            if not sets:
                report.warnings.append("empty <Sets/> (Taguette writes one; REFI-QDA needs at least one Set): "
                                       "ignored")
            if sets:
                report.not_carried.append(f"{len(sets)} code set(s) (code groups): "
                                          + ", ".join(repr(s.get("name") or "") for s in sets[:10])
                                          + (" ..." if len(sets) > 10 else ""))
    synthetic = [c.name for c in codes if c.synthetic]
    if synthetic:
        report.warnings.append(f"{len(synthetic)} parent code(s) made for flattened 'A::B' names: "
                               + ", ".join(synthetic[:10]))
    folders = sum(1 for c in codes if not c.codable and not c.synthetic)
    if folders:
        report.warnings.append(f"{folders} code(s) marked isCodable=\"false\" (folders) imported as ordinary "
                               f"parent codes")
    meta = read_pi(root)
    report.title = str(meta.get("codebook") or path.stem)
    try:
        report.version = max(int(meta.get("version", 0)), 0)
    except (TypeError, ValueError):
        report.version = 0
    assign_keys(codes)
    report.codes = len(codes)
    return codes, report


def _check_guids(codes: list[RefiCode], where: str) -> None:
    seen: dict[str, str] = {}
    for code in codes:
        if code.synthetic:
            continue
        key = guid_key(code.guid)
        if not key:
            raise RefiError(f"{where}: code {code.name!r} has no guid")
        if key in seen:
            raise RefiError(f"{where}: GUID {code.guid} is used by two codes ({seen[key]!r} and {code.name!r})")
        seen[key] = code.name


def codes_to_codebook(codes: list[RefiCode], *, title: str, version: int, warnings: list[str]):
    """A YAML Codebook from a file's codes (invalid shortcuts and empty items dropped, with a warning)."""
    from cotag.codebook import Codebook, CodeSpec
    from cotag.keys import RESERVED_KEYS

    specs = []
    shortcuts: set[str] = set()
    for position, code in enumerate(codes):
        values = _code_values(code)
        shortcut = code.packed.shortcut
        if shortcut and (len(shortcut) != 1 or shortcut in RESERVED_KEYS or shortcut in shortcuts
                         or not shortcut.isprintable() or shortcut.isspace()):
            warnings.append(f"code {code.key}: shortcut {shortcut!r} cannot be used; dropped")
            shortcut = None
        if shortcut:
            shortcuts.add(shortcut)
        lists: dict[str, Any] = {}
        for name in ("include", "exclude", "examples", "keywords"):
            items = [item.strip() for item in values[name]]
            if any(not item for item in items):
                warnings.append(f"code {code.key}: empty {name} item dropped")
            lists[name] = [item for item in items if item]
        colour = values["colour"]
        specs.append(CodeSpec(key=code.key, name=code.name.strip() or code.key, parent=code.parent_key,
                              description=values["description"].strip(), colour=colour, shortcut=shortcut,
                              status="retired" if values["status"] in ("retired", "merged") else "active",
                              position=position, **lists))
    return Codebook(title=title, version=version, codes=specs)


def import_qdc(path: Path | str, *, project=None, into: Path | str | None = None) -> QdcReport:
    """Import a codebook: into a YAML file (``into``), else into the project (database and its YAML file)."""
    from cotag.codebook import save_codebook

    codes, report = read_qdc(path)
    if into is not None:
        into = Path(into)
        codebook = codes_to_codebook(codes, title=report.title, version=report.version, warnings=report.warnings)
        if not into.exists():
            # save_codebook writes version + 1 to a new file: start one lower so the version survives.
            codebook.version = max(report.version - 1, 0)
        try:
            saved = save_codebook(codebook, into)
        except OSError as exc:  # a missing or read-only folder: say so, not a traceback
            raise RefiError(f"{into}: cannot write: {exc.strerror}") from None
        report.added = [c.key for c in codebook.codes]
        report.codebook_file = f"{into}: {len(codebook.codes)} code(s), version {saved.version}"
        return report
    if project is None:
        raise RefiError("no project to import the codebook into (give --into FILE.yaml to write a YAML codebook)")
    from cotag.store.events import log_event

    with journalled_session(project) as (session, journal):
        merge = merge_codes(session, codes, update=True, taken_shortcuts=file_shortcuts(project))
        report.added, report.updated, report.matched = merge.added, merge.updated, merge.matched
        report.warnings.extend(merge.warnings)
        line = journal.stage(project, session, merge.added + merge.updated)
        report.codebook_file = line or ("the project names no codebook file ([codebook] path in cotag.toml): "
                                        "the codes are in the database only")
        log_event(session, kind="import.qdc", payload={"file": str(path), "added": len(merge.added),
                                                       "updated": len(merge.updated),
                                                       "matched": len(merge.matched), **journal.payload})
    return report
