"""Write a project as a REFI-QDA .qdpx archive (project.qde + sources/<GUID>.txt).

What goes where (docs/refi-qda.md has the full table and what is lost):

* documents -> ``TextSource`` with ``plainTextPath="internal://<GUID>.txt"``; the file is
  UTF-8, LF, no BOM, and offsets are code points into it (the REFI-QDA rule);
* codes -> nested ``Code`` with colour; our other fields packed into ``Description``
  (layout in :mod:`cotag.refi.qdc`);
* coders -> ``User`` (the consensus coding is the user "consensus");
* codings -> one ``PlainTextSelection`` per (span, coder), its name the quoted text, with
  one ``Coding`` per code (or one selection per code), ``creatingUser`` the coder; a
  coding's memo is the selection's ``Description`` and a ``Note`` referenced from the ``Coding``;
* memos -> ``Note`` (text inline and in ``sources/<GUID>.txt``) with ``NoteRef`` from the
  document, the code, or the project;
* document attributes -> typed ``Variable`` + ``VariableValue`` in each ``TextSource`` and
  in one ``Case`` per document; groups -> ``Set``.

GUIDs are lower case: those another tool gave the documents, codes, coders and memos
(:mod:`cotag.refi.identity`), else uuid5 of the project's name and each object's identity,
so exporting the same project twice gives the same GUIDs. Every export is checked against the Project XSD and
:func:`cotag.refi.validate.semantic_problems` before the file is written; a failing
export writes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from cotag.files import replace_atomically
from cotag.refi import (
    NS_PROJECT,
    PI_TARGET,
    RefiError,
    format_datetime,
    guid_key,
    project_namespace,
    stable_guid,
    xml_safe,
)

__all__ = [
    "GROUP_SET",
    "JSON_VARIABLE",
    "QUOTE_LIMIT",
    "ExportReport",
    "export_qdpx",
    "quote_name",
    "variable_type",
    "write_atomically",
]

#: Longest quote written into PlainTextSelection@name (ATLAS.ti cuts at about 100 as well).
QUOTE_LIMIT = 100
#: Variable Description marking values written as JSON (mixed types, lists, mappings).
JSON_VARIABLE = "cotag:json (each value is JSON text)"
#: Set Description marking a cotag document group.
GROUP_SET = "cotag document group"


@dataclass
class ExportReport:
    file: str
    documents: int = 0
    codes: int = 0
    users: int = 0
    selections: int = 0
    codings: int = 0
    notes: int = 0
    cases: int = 0
    variables: int = 0
    sets: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def quote_name(quoted: str) -> str:
    """The selection name: its text, cut with an ellipsis past QUOTE_LIMIT characters."""
    if len(quoted) <= QUOTE_LIMIT:
        return quoted
    return quoted[: QUOTE_LIMIT - 1] + "…"


def _replace(path: Path, write) -> None:
    """cotag's one atomic write (the file's mode kept), with a missing or unwritable folder a clean error."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise RefiError(f"{directory}: no such folder")
    try:
        replace_atomically(path, write)
    except OSError as exc:
        raise RefiError(f"{path}: cannot write: {exc.strerror or exc}") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` only once the whole file is written (a failed export leaves no half file)."""
    _replace(Path(path), lambda temp: temp.write_bytes(data))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _written_float(value: float) -> str:
    # xsd:decimal has no exponent; repr() round-trips through Decimal exactly.
    return format(Decimal(repr(value)), "f")


def _text_kind(value: str) -> str | None:
    """What a string attribute holds, when it is written exactly as REFI writes that type."""
    if value in ("true", "false"):
        return "Boolean"
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", value):
        return "Integer"
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", value):
        try:
            if _written_float(float(value)) == value:
                return "Float"
        except ValueError:
            return None
        return None
    if _ISO_DATE.match(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return None
        return "Date"
    return None


def variable_type(values: list[Any]) -> tuple[str, bool]:
    """(typeOfVariable, as_json) for one attribute across documents; JSON whenever a type would be lost.

    Text that every document writes as a date (2023-05-01), a whole number, a decimal or
    true/false gets that type, so other tools can sort and filter it (QualCoder, NVivo); an
    integer attribute with a decimal value somewhere is Float."""
    present = [v for v in values if v is not None]
    if not present:
        return "Text", False
    if all(isinstance(v, bool) for v in present):
        return "Boolean", False
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Integer", False
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in present):
        if all(isinstance(v, float) for v in present):
            return "Float", False
        return "Text", True  # 3 and 3.0 would come back alike
    if all(isinstance(v, str) for v in present):
        kinds = {_text_kind(v) for v in present}
        if kinds == {"Integer", "Float"}:
            return "Float", False
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop(), False
        return "Text", False
    return "Text", True


def _value_element(parent, type_name: str, as_json: bool, value: Any, ns: str) -> None:
    from lxml import etree

    if as_json:
        etree.SubElement(parent, f"{{{ns}}}TextValue").text = xml_safe(json.dumps(value, ensure_ascii=False))
        return
    if value is None:
        return  # a VariableValue with no value element: the attribute is present and empty (None)
    if isinstance(value, str) and type_name != "Text":
        # A typed text attribute: written as it is, which is already the type's lexical form.
        etree.SubElement(parent, f"{{{ns}}}{type_name}Value").text = value
    elif type_name == "Boolean":
        etree.SubElement(parent, f"{{{ns}}}BooleanValue").text = "true" if value else "false"
    elif type_name == "Integer":
        etree.SubElement(parent, f"{{{ns}}}IntegerValue").text = str(value)
    elif type_name == "Float":
        etree.SubElement(parent, f"{{{ns}}}FloatValue").text = _written_float(value)
    else:
        etree.SubElement(parent, f"{{{ns}}}TextValue").text = xml_safe(str(value))


def export_qdpx(project, path: Path | str, *, coders: list[str] | None = None,
                pseudonymise: bool = False, one_code_per_selection: bool = False) -> ExportReport:
    """Write the project (or only the named coders' codings and memos) to ``path``.

    ``one_code_per_selection`` writes a selection per code (the span repeated, as NVivo does)
    for readers that keep only the first coding of a selection; ``pseudonymise`` writes texts,
    offsets, attributes and memos through the pseudonym layer (docs/privacy.md)."""
    from lxml import etree
    from sqlmodel import select

    from cotag.refi.identity import load_identity
    from cotag.store.models import Code

    from cotag import __version__
    from cotag.refi.offsets import normalise_for_export
    from cotag.refi.qdc import build_code_elements, fields_from_db
    from cotag.refi.validate import semantic_problems, validate_project_tree
    from cotag.store.coders import list_coders, require_coder
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import list_memos

    path = Path(path)
    report = ExportReport(file=str(path))
    ns = NS_PROJECT
    space = project_namespace(project.name)

    def q(tag: str) -> str:
        return f"{{{ns}}}{tag}"

    with project.session() as session:
        if coders is not None:
            for name in coders:
                require_coder(session, name=name)
        all_coders = list_coders(session)
        chosen = [c for c in all_coders if coders is None or c.name in coders]
        codes = fields_from_db(session)
        documents = list_documents(session)
        codings = list_codings(session, coders=coders)
        memos = list_memos(session, coders=coders)
        identity = load_identity(session)
        code_ids = dict(session.exec(select(Code.key, Code.id)).all())
    if pseudonymise:  # texts, offsets, attributes and memos through the pseudonym layer (docs/privacy.md)
        from cotag.privacy.pseudonyms import pseudonymise_export

        documents, codings, memos = pseudonymise_export(project, documents, codings, memos)

    if not codes:
        raise RefiError("the project has no codes; load a codebook first (`cotag codebook load`)")
    # GUIDs another tool gave these objects are written again (NVivo matches by GUID); one that
    # would be written twice (two imports naming the same GUID) falls back to our own.
    taken: set[str] = set()

    def kept_or_stable(kind: str, row_id: int | None, *identity_parts: Any) -> str:
        guid = identity.guid(kind, row_id)
        if guid is None or guid in taken:
            guid = stable_guid(space, *identity_parts)
        taken.add(guid)
        return guid

    user_guid = {c.name: kept_or_stable("coders", c.id, "coder", c.name) for c in chosen}
    doc_guid = {d.external_id: kept_or_stable("documents", d.id, "document", d.external_id) for d in documents}
    code_keep = {key: kept_or_stable("codes", code_ids.get(key), "code", key) for key in (c.key for c in codes)}

    root = etree.Element(q("Project"), nsmap={None: ns}, name=xml_safe(project.name),
                         origin=f"cotag {__version__}", modifiedDateTime=format_datetime(datetime.now(timezone.utc)))
    users = etree.SubElement(root, q("Users"))
    for coder in chosen:
        etree.SubElement(users, q("User"), guid=user_guid[coder.name], name=xml_safe(coder.name))
    if not chosen:
        root.remove(users)
    report.users = len(chosen)

    # Notes first in memory (codes, sources and codings point at them), placed in order below.
    notes: list[Any] = []
    code_notes: dict[str, list[str]] = defaultdict(list)
    doc_notes: dict[str, list[str]] = defaultdict(list)
    project_notes: list[str] = []

    files: dict[str, bytes] = {}

    def make_note(guid: str, title: str, text: str, coder: str, created: datetime | None,
                  modified: datetime | None) -> None:
        # The text both inline and as a file: QualCoder reads journals only from plainTextPath,
        # others (and the spec's examples) from PlainTextContent. The schema allows both.
        files[f"sources/{guid}.txt"] = xml_safe(text).encode("utf-8")
        note = etree.Element(q("Note"), guid=guid, name=xml_safe(title), plainTextPath=f"internal://{guid}.txt")
        if coder in user_guid:
            note.set("creatingUser", user_guid[coder])
        if created is not None:
            note.set("creationDateTime", format_datetime(created))
        if modified is not None:
            note.set("modifiedDateTime", format_datetime(modified))
        etree.SubElement(note, q("PlainTextContent")).text = xml_safe(text)
        notes.append(note)

    for memo in memos:
        guid = kept_or_stable("memos", memo.id, "memo", memo.id)
        make_note(guid, memo.title, memo.text, memo.coder, memo.created_at, memo.updated_at)
        if memo.code:
            code_notes[memo.code].append(guid)
        if memo.document:
            doc_notes[memo.document].append(guid)
        if not memo.code and not memo.document:
            project_notes.append(guid)

    codebook = etree.SubElement(root, q("CodeBook"))
    code_guid = build_code_elements(etree.SubElement(codebook, q("Codes")), codes, namespace=space, ns=ns,
                                    note_refs=code_notes, keep_guids=code_keep)
    report.codes = len(codes)

    # Attributes -> Variables (one per attribute name) and one Case per document.
    attribute_names: list[str] = []
    for document in documents:
        for name in (document.attributes or {}):
            if name not in attribute_names:
                attribute_names.append(name)
    variable_info: dict[str, tuple[str, bool, str]] = {}
    text_attributes: list[str] = []  # typed for other tools, text in cotag: the importer turns them back
    if attribute_names:
        variables = etree.SubElement(root, q("Variables"))
        for name in attribute_names:
            type_name, as_json = variable_type([(d.attributes or {}).get(name) for d in documents
                                                if name in (d.attributes or {})])
            guid = stable_guid(space, "variable", name)
            variable = etree.SubElement(variables, q("Variable"), guid=guid, name=xml_safe(name),
                                        typeOfVariable=type_name)
            if as_json:
                etree.SubElement(variable, q("Description")).text = JSON_VARIABLE
            variable_info[name] = (type_name, as_json, guid)
            if type_name != "Text" and any(isinstance((d.attributes or {}).get(name), str) for d in documents):
                text_attributes.append(name)
        report.variables = len(attribute_names)
        cases = etree.SubElement(root, q("Cases"))
        for document in documents:
            if not document.attributes:
                continue
            case = etree.SubElement(cases, q("Case"), guid=stable_guid(space, "case", document.external_id),
                                    name=xml_safe(document.external_id))
            for name, value in document.attributes.items():
                type_name, as_json, guid = variable_info[name]
                holder = etree.SubElement(case, q("VariableValue"))
                etree.SubElement(holder, q("VariableRef"), targetGUID=guid)
                _value_element(holder, type_name, as_json, value, ns)
            etree.SubElement(case, q("SourceRef"), targetGUID=doc_guid[document.external_id])
            report.cases += 1
        if not len(cases):
            root.remove(cases)

    # Codings grouped per document, then per (span, coder); duplicates (same code too) merged.
    by_document: dict[str, dict[tuple[int, int, str], dict[str, Any]]] = defaultdict(dict)
    duplicates = 0
    for row in codings:
        if row.coder not in user_guid:
            continue
        group = by_document[row.document].setdefault((row.start, row.end, row.coder), {})
        if row.code in group:
            duplicates += 1
            kept = group[row.code]
            if row.memo and row.memo not in kept.memo:
                group[row.code] = dataclasses.replace(kept, memo=(kept.memo + "\n\n" + row.memo).strip())
            continue
        group[row.code] = row
    if duplicates:
        report.warnings.append(f"{duplicates} duplicate coding(s) (same document, span, code and coder) "
                               f"written once")

    sources = etree.SubElement(root, q("Sources"))
    lengths: dict[str, int] = {}
    astral_docs: list[str] = []
    for document in documents:
        guid = doc_guid[document.external_id]
        text, positions, had_bom = normalise_for_export(document.text)
        if positions is not None or had_bom:
            report.warnings.append(f"{document.external_id}: stored text has a BOM or CR line endings; written "
                                   f"as LF without BOM and its offsets moved to match")
        if len(text.encode("utf-16-le")) != 2 * len(text):  # characters above U+FFFF take two units
            astral_docs.append(document.external_id)
        file_name = f"{guid}.txt"
        files[f"sources/{file_name}"] = text.encode("utf-8")
        lengths[guid_key(guid)] = len(text)
        source = etree.SubElement(sources, q("TextSource"), guid=guid, name=xml_safe(document.external_id),
                                  plainTextPath=f"internal://{file_name}")
        created = identity.document_created.get(document.id) or document.imported_at
        if created is not None:
            source.set("creationDateTime", format_datetime(created))
        for (start, end, coder), by_code in sorted(by_document.get(document.external_id, {}).items()):
            new_start, new_end = _moved(start, positions, had_bom), _moved(end, positions, had_bom)
            keys = sorted(by_code)
            for group_keys in ([[k] for k in keys] if one_code_per_selection and len(keys) > 1 else [keys]):
                parts = ("selection", document.external_id, coder, start, end) + \
                    ((group_keys[0],) if one_code_per_selection and len(keys) > 1 else ())
                selection = etree.SubElement(
                    source, q("PlainTextSelection"), guid=stable_guid(space, *parts),
                    name=xml_safe(quote_name(text[new_start:new_end])), startPosition=str(new_start),
                    endPosition=str(new_end), creatingUser=user_guid[coder])
                rows = [by_code[k] for k in group_keys]
                first = min((r.created_at for r in rows if r.created_at), default=None)
                if first is not None:
                    selection.set("creationDateTime", format_datetime(first))
                # QualCoder and ATLAS.ti read a coding's memo from the selection's Description; cotag
                # reads the Coding's NoteRef and skips a Description that only repeats those notes.
                memo_texts = list(dict.fromkeys(r.memo.strip() for r in rows if r.memo.strip()))
                if memo_texts:
                    etree.SubElement(selection, q("Description")).text = xml_safe("\n\n".join(memo_texts))
                report.selections += 1
                for code_key, row in zip(group_keys, rows):
                    coding = etree.SubElement(selection, q("Coding"),
                                              guid=stable_guid(space, "coding", document.external_id, code_key,
                                                               coder, start, end),
                                              creatingUser=user_guid[coder])
                    if row.created_at is not None:
                        coding.set("creationDateTime", format_datetime(row.created_at))
                    etree.SubElement(coding, q("CodeRef"), targetGUID=code_guid[code_key])
                    if row.memo:
                        note_guid = stable_guid(space, "coding-memo", document.external_id, code_key, coder, start,
                                                end)
                        make_note(note_guid, f"Memo on {code_key} ({coder})", row.memo, coder, row.created_at,
                                  None)
                        etree.SubElement(coding, q("NoteRef"), targetGUID=note_guid)
                    report.codings += 1
        for note_guid in doc_notes.get(document.external_id, []):
            etree.SubElement(source, q("NoteRef"), targetGUID=note_guid)
        # Also on the source itself (as MAXQDA writes them): QualCoder ignores a Case's SourceRef.
        for name, value in (document.attributes or {}).items():
            type_name, as_json, guid = variable_info[name]
            holder = etree.SubElement(source, q("VariableValue"))
            etree.SubElement(holder, q("VariableRef"), targetGUID=guid)
            _value_element(holder, type_name, as_json, value, ns)
    report.documents = len(documents)
    if not len(sources):
        root.remove(sources)
    if astral_docs:
        report.warnings.append(
            f"{len(astral_docs)} document(s) contain characters above U+FFFF (emoji): tools that count UTF-16 "
            f"units (NVivo for Windows) will place selections after them off by one per character: "
            + ", ".join(astral_docs[:10]) + (" ..." if len(astral_docs) > 10 else ""))

    if notes:
        notes_element = etree.SubElement(root, q("Notes"))
        notes_element.extend(notes)
        report.notes = len(notes)
    groups: dict[str, list[str]] = defaultdict(list)
    for document in documents:
        if document.group:
            groups[document.group].append(doc_guid[document.external_id])
    if groups:
        sets = etree.SubElement(root, q("Sets"))
        for group_name in sorted(groups):
            member_set = etree.SubElement(sets, q("Set"), guid=stable_guid(space, "group", group_name),
                                          name=xml_safe(group_name))
            etree.SubElement(member_set, q("Description")).text = GROUP_SET
            for guid in groups[group_name]:
                etree.SubElement(member_set, q("MemberSource"), targetGUID=guid)
        report.sets = len(groups)
    for note_guid in project_notes:
        etree.SubElement(root, q("NoteRef"), targetGUID=note_guid)

    # Roles and the YAML codebook's title and version have no place in REFI-QDA; the processing
    # instruction carries them for cotag's importer (other tools skip it).
    meta: dict[str, Any] = {"roles": {c.name: c.role for c in chosen}}
    if text_attributes:
        meta["text_attributes"] = text_attributes
    meta.update(_codebook_title(project, report))
    root.addprevious(etree.PI(PI_TARGET, xml_safe(json.dumps(meta, ensure_ascii=False, sort_keys=True)
                                                  .replace("?>", "?\\u003e"))))
    data = etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8", pretty_print=True)
    problems = validate_project_tree(root)
    # A Note carries its text twice on purpose (see make_note); the XSD's comment asks for one of
    # the two, the schema itself allows both, and the two are the same text.
    problems += [str(p) for p in semantic_problems(
        root, has_file=lambda value: f"sources/{value.split('://', 1)[1]}" in files,
        text_length=lambda element: lengths.get(guid_key(element.get("guid"))))
        if not (p.kind == "text-content" and p.message.startswith("<Note "))]
    if problems:
        raise RefiError("the export does not validate, nothing was written:\n" + "\n".join(problems[:20]))
    _write_zip(path, data, files)
    return report


def _codebook_title(project, report: ExportReport) -> dict[str, Any]:
    """The project's YAML codebook title and version, when it has a readable one."""
    from cotag.codebook import load_codebook
    from cotag.errors import CotagError

    path = project.codebook_path
    if path is None or not path.is_file():
        return {}
    try:
        loaded = load_codebook(path)
    except (CotagError, OSError) as exc:
        # The database holds the codes that are exported; only the title is missing then.
        report.warnings.append(f"codebook file {path} cannot be read ({exc}); its title is not exported")
        return {}
    return {"codebook": loaded.title, "version": loaded.version}


def _moved(offset: int, positions, had_bom: bool) -> int:
    """An offset into the stored text as an offset into the text written to sources/."""
    offset = max(offset - had_bom, 0)
    return offset if positions is None else positions.to_text("cp", offset)


def _write_zip(path: Path, qde: bytes, files: dict[str, bytes]) -> None:
    stamp = datetime.now().timetuple()[:6]

    def write(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in [("project.qde", qde), *sorted(files.items())]:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)

    _replace(path, write)
