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
so exporting the same project twice gives the same GUIDs. The rules the XSD leaves out are kept while
the tree is built (:class:`_Guids`: unique GUIDs, references only to written objects, selections inside
their text); a breach stops the export before anything is written. The tests run the full validator
(:mod:`cotag.refi.validate`: XSD and semantic checks) on exports, so the builder's guarantee is tested
rather than re-checked on every export.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from cotag.refi.export_values import _attribute, _text, _value_element, _value_parts
from cotag.refi.export_values import variable_type as variable_type

if TYPE_CHECKING:
    from cotag.store.session import Session

__all__ = [
    "GROUP_SET",
    "JSON_VARIABLE",
    "QUOTE_LIMIT",
    "ExportReport",
    "read_export",
    "quote_name",
    "variable_type",
    "write_atomically",
    "write_qdpx",
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


_SOURCES_MARK = "cotag:sources"


class _Guids:
    """Every GUID the export writes, registered as the element is made.

    The REFI-QDA rules the schema leaves out (unique GUIDs, references that resolve, selections
    inside their text, ``internal://`` files present) hold by construction here: references are
    only ever taken from GUIDs registered below, files are added beside the element that names
    them, and offsets are checked as each selection is written. So the finished tree is not
    walked again (that re-check took longer than building it); tests run the full validator
    (:mod:`cotag.refi.validate`) on exports instead."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, str]] = {}

    def free(self, guid: str) -> bool:
        return guid_key(guid) not in self.seen

    def add(self, guid: str, kind: str, name: str) -> str:
        key = guid_key(guid)
        if key in self.seen:
            first = self.seen[key]
            raise RefiError(f"the export would write GUID {guid} twice ({first[0]} {first[1]!r} and {kind} "
                            f"{name!r}); nothing was written")
        self.seen[key] = (kind, name)
        return guid


@dataclass
class _Loaded:
    """What an export reads from the database, read in one session."""

    coders: list[Any]
    codes: list[Any]
    documents: list[Any]
    codings: list[Any]
    memos: list[Any]
    identity: Any
    code_ids: dict[str, int]
    units: list[Any] = field(default_factory=list)  # every unit, store/plain_reads.unit_columns
    practice: int = 0  # trainees' practice codings left out (cotag.training)


def read_export(session: Session, coders: list[str] | None) -> _Loaded:
    """Everything an export writes, read in `session` (services.refi's one read transaction); refuses an unknown
    coder by name."""
    from cotag.refi.identity import load_identity
    from cotag.refi.qdc import fields_from_db
    from cotag.store.coders import list_coders, require_coder
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import list_memos
    from cotag.store.plain_reads import unit_columns
    from cotag.store.refi_loads import code_ids_by_key

    from cotag.store.plain_reads import practice_pairs

    if coders is not None:
        for name in coders:
            require_coder(session, name=name)
    # A trainee's practice is never study data (cotag.training): another tool, or cotag importing the file, would
    # take it for a coder's work and count it in agreement.
    practice = practice_pairs(session)
    codings = list_codings(session, coders=coders)
    study = [c for c in codings if (c.coder_id, c.document_id) not in practice] if practice else codings
    return _Loaded(coders=[c for c in list_coders(session) if coders is None or c.name in coders],
                   codes=fields_from_db(session), documents=list_documents(session),
                   codings=study, memos=list_memos(session, coders=coders),
                   identity=load_identity(session), code_ids=code_ids_by_key(session),
                   units=unit_columns(session), practice=len(codings) - len(study))


class _ProjectWriter:
    """Builds the project.qde tree and the sources/ files of one export, in the order the schema wants."""

    def __init__(self, project, loaded: _Loaded, report: ExportReport, *, one_code_per_selection: bool) -> None:
        from lxml import etree

        from cotag import __version__

        self.etree = etree
        self.loaded = loaded
        self.report = report
        self.one_code_per_selection = one_code_per_selection
        self.space = project_namespace(project.name)
        self.guids = _Guids()
        self.files: dict[str, bytes] = {}
        self.notes: list[Any] = []
        self.code_notes: dict[str, list[str]] = defaultdict(list)
        self.doc_notes: dict[str, list[str]] = defaultdict(list)
        self.project_notes: list[str] = []
        self.variable_info: dict[str, tuple[str, bool, str]] = {}
        self.text_attributes: list[str] = []  # typed for other tools, text in cotag: the importer turns them back
        self._times: dict[datetime, str | None] = {}
        identity = loaded.identity
        self.user_guid = {c.name: self._kept_or_stable("coders", c.id, "coder", c.name) for c in loaded.coders}
        self.doc_guid = {d.external_id: self._kept_or_stable("documents", d.id, "document", d.external_id)
                         for d in loaded.documents}
        # Kept code GUIDs are taken before the memos' (in this order since before the register); the
        # stable ones are registered once build_code_elements has made them.
        self.code_keep: dict[str, str] = {}
        for code in loaded.codes:
            kept = identity.guid("codes", loaded.code_ids.get(code.key))
            if kept is not None and self.guids.free(kept):
                self.code_keep[code.key] = self.guids.add(kept, "code", code.key)
        self.root = etree.Element(self.q("Project"), nsmap={None: NS_PROJECT}, name=xml_safe(project.name),
                                  origin=f"cotag {__version__}",
                                  modifiedDateTime=format_datetime(datetime.now(timezone.utc)))

    @staticmethod
    def q(tag: str) -> str:
        return f"{{{NS_PROJECT}}}{tag}"

    def sub(self, parent, tag: str, **attributes: str):
        return self.etree.SubElement(parent, self.q(tag), **attributes)

    def time(self, value: datetime) -> str | None:
        # Bulk-added codings share one creation time: each distinct time is formatted once.
        written = self._times.get(value)
        if written is None:
            written = self._times[value] = format_datetime(value)
        return written

    def _chosen(self, kind: str, row_id: int | None, *identity_parts: Any) -> str:
        # GUIDs another tool gave these objects are written again (NVivo matches by GUID); one that
        # would be written twice (two imports naming the same GUID) falls back to our own.
        guid = self.loaded.identity.guid(kind, row_id)
        if guid is None or not self.guids.free(guid):
            guid = stable_guid(self.space, *identity_parts)
        return guid

    def _kept_or_stable(self, kind: str, row_id: int | None, *identity_parts: Any) -> str:
        return self.guids.add(self._chosen(kind, row_id, *identity_parts), kind, str(identity_parts[-1]))

    # -- the parts, in schema order

    def users(self) -> None:
        if not self.loaded.coders:
            return
        users = self.sub(self.root, "Users")
        for coder in self.loaded.coders:
            self.sub(users, "User", guid=self.user_guid[coder.name], name=xml_safe(coder.name))
        self.report.users = len(self.loaded.coders)

    def note(self, guid: str, title: str, text: str, coder: str, created: datetime | None,
             modified: datetime | None) -> str:
        """A Note, kept in memory until its place in the tree (codes, sources and codings point at it first)."""
        # The text both inline and as a file: QualCoder reads journals only from plainTextPath,
        # others (and the spec's examples) from PlainTextContent. The schema allows both.
        self.guids.add(guid, "note", title)
        self.files[f"sources/{guid}.txt"] = xml_safe(text).encode("utf-8")
        note = self.etree.Element(self.q("Note"), guid=guid, name=xml_safe(title),
                                  plainTextPath=f"internal://{guid}.txt")
        if coder in self.user_guid:
            note.set("creatingUser", self.user_guid[coder])
        if created is not None:
            note.set("creationDateTime", self.time(created))
        if modified is not None:
            note.set("modifiedDateTime", self.time(modified))
        self.sub(note, "PlainTextContent").text = xml_safe(text)
        self.notes.append(note)
        return guid

    def memos(self) -> None:
        codes = {c.key for c in self.loaded.codes}
        for memo in self.loaded.memos:
            guid = self._chosen("memos", memo.id, "memo", memo.id)  # registered by note()
            self.note(guid, memo.title, memo.text, memo.coder, memo.created_at, memo.updated_at)
            if memo.code and memo.code in codes:
                self.code_notes[memo.code].append(guid)
            if memo.document and memo.document in self.doc_guid:
                self.doc_notes[memo.document].append(guid)
            if not memo.code and not memo.document:
                self.project_notes.append(guid)

    def codebook(self) -> dict[str, str]:
        from cotag.refi.qdc import build_code_elements

        codebook = self.sub(self.root, "CodeBook")
        code_guid = build_code_elements(self.sub(codebook, "Codes"), self.loaded.codes, namespace=self.space,
                                        ns=NS_PROJECT, note_refs=self.code_notes, keep_guids=self.code_keep)
        for key, guid in code_guid.items():
            if key not in self.code_keep:
                self.guids.add(guid, "code", key)
        self.report.codes = len(self.loaded.codes)
        return code_guid

    def variables_and_cases(self) -> None:
        """Attributes -> Variables (one per attribute name) and one Case per document."""
        documents = self.loaded.documents
        attribute_names: list[str] = []
        for document in documents:
            for name in (document.attributes or {}):
                if name not in attribute_names:
                    attribute_names.append(name)
        if not attribute_names:
            return
        variables = self.sub(self.root, "Variables")
        for name in attribute_names:
            type_name, as_json = variable_type([(d.attributes or {}).get(name) for d in documents
                                                if name in (d.attributes or {})])
            guid = self.guids.add(stable_guid(self.space, "variable", name), "variable", name)
            variable = self.sub(variables, "Variable", guid=guid, name=xml_safe(name), typeOfVariable=type_name)
            if as_json:
                self.sub(variable, "Description").text = JSON_VARIABLE
            self.variable_info[name] = (type_name, as_json, guid)
            if type_name != "Text" and any(isinstance((d.attributes or {}).get(name), str) for d in documents):
                self.text_attributes.append(name)
        self.report.variables = len(attribute_names)
        cases = self.sub(self.root, "Cases")
        for document in documents:
            if not document.attributes:
                continue
            guid = self.guids.add(stable_guid(self.space, "case", document.external_id), "case",
                                  document.external_id)
            case = self.sub(cases, "Case", guid=guid, name=xml_safe(document.external_id))
            self.variable_values(case, document.attributes)
            self.sub(case, "SourceRef", targetGUID=self.doc_guid[document.external_id])
            self.report.cases += 1
        if not len(cases):
            self.root.remove(cases)

    def variable_values(self, parent, attributes: dict[str, Any]) -> None:
        for name, value in attributes.items():
            type_name, as_json, guid = self.variable_info[name]
            holder = self.sub(parent, "VariableValue")
            self.sub(holder, "VariableRef", targetGUID=guid)
            _value_element(holder, type_name, as_json, value, NS_PROJECT)

    def codings_by_document(self) -> dict[str, dict[tuple[int, int, str], dict[str, Any]]]:
        """Codings grouped per document, then per (span, coder); duplicates (same code too) merged."""
        by_document: dict[str, dict[tuple[int, int, str], dict[str, Any]]] = defaultdict(dict)
        duplicates = 0
        for row in self.loaded.codings:
            if row.coder not in self.user_guid:
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
            self.report.warnings.append(f"{duplicates} duplicate coding(s) (same document, span, code and coder) "
                                        f"written once")
        return by_document

    def sources(self, code_guid: dict[str, str]) -> str:
        """The <Sources> element as XML text.

        Written as text rather than as lxml elements: it holds almost every element of a large export
        (a selection, a coding and a code reference per coding), and making them one by one through
        lxml took most of the export's time. :meth:`build` puts the text in its place in the tree."""
        from cotag.refi.offsets import normalise_for_export

        by_document = self.codings_by_document()
        out: list[str] = []
        astral_docs: list[str] = []
        for document in self.loaded.documents:
            guid = self.doc_guid[document.external_id]
            text, positions, had_bom = normalise_for_export(document.text)
            if positions is not None or had_bom:
                self.report.warnings.append(f"{document.external_id}: stored text has a BOM or CR line endings; "
                                            f"written as LF without BOM and its offsets moved to match")
            if len(text.encode("utf-16-le")) != 2 * len(text):  # characters above U+FFFF take two units
                astral_docs.append(document.external_id)
            file_name = f"{guid}.txt"
            self.files[f"sources/{file_name}"] = text.encode("utf-8")
            created = self.loaded.identity.document_created.get(document.id) or document.imported_at
            out.append(f'<TextSource guid="{guid}" name="{_attribute(xml_safe(document.external_id))}" '
                       f'plainTextPath="internal://{file_name}"'
                       + (f' creationDateTime="{format_datetime(created)}"' if created is not None else "") + ">\n")
            for (start, end, coder), by_code in sorted(by_document.get(document.external_id, {}).items()):
                self.selections(out, document.external_id, text, (start, end, coder), by_code, code_guid,
                                (_moved(start, positions, had_bom), _moved(end, positions, had_bom)))
            for note_guid in self.doc_notes.get(document.external_id, []):
                out.append(f'<NoteRef targetGUID="{note_guid}"/>\n')
            # Also on the source itself (as MAXQDA writes them): QualCoder ignores a Case's SourceRef.
            for name, value in (document.attributes or {}).items():
                type_name, as_json, variable_guid = self.variable_info[name]
                parts = _value_parts(type_name, as_json, value)
                out.append(f'<VariableValue><VariableRef targetGUID="{variable_guid}"/>'
                           + (f"<{parts[0]}>{_text(parts[1])}</{parts[0]}>" if parts is not None else "")
                           + "</VariableValue>\n")
            out.append("</TextSource>\n")
        self.report.documents = len(self.loaded.documents)
        if astral_docs:
            self.report.warnings.append(
                f"{len(astral_docs)} document(s) contain characters above U+FFFF (emoji): tools that count UTF-16 "
                f"units (NVivo for Windows) will place selections after them off by one per character: "
                + ", ".join(astral_docs[:10]) + (" ..." if len(astral_docs) > 10 else ""))
        return f"<Sources>\n{''.join(out)}</Sources>\n" if out else ""

    def selections(self, out: list[str], document: str, text: str, span: tuple[int, int, str],
                   by_code: dict[str, Any], code_guid: dict[str, str], written: tuple[int, int]) -> None:
        """One selection per (span, coder) with a Coding per code, or one selection per code."""
        start, end, coder = span
        new_start, new_end = written
        if not 0 <= new_start <= new_end <= len(text):
            raise RefiError(f"{document}: {coder}'s coding [{start}, {end}) lies outside the text (length "
                            f"{len(text)}); nothing was written")
        user = self.user_guid[coder]
        keys = sorted(by_code)
        split = self.one_code_per_selection and len(keys) > 1
        for group_keys in ([[k] for k in keys] if split else [keys]):
            parts = ("selection", document, coder, start, end) + ((group_keys[0],) if split else ())
            guid = self.guids.add(stable_guid(self.space, *parts), "selection", document)
            rows = [by_code[k] for k in group_keys]
            first = min((r.created_at for r in rows if r.created_at), default=None)
            out.append(f'<PlainTextSelection guid="{guid}" '
                       f'name="{_attribute(xml_safe(quote_name(text[new_start:new_end])))}" '
                       f'startPosition="{new_start}" endPosition="{new_end}" creatingUser="{user}"'
                       + (f' creationDateTime="{self.time(first)}"' if first is not None else "") + ">\n")
            # QualCoder and ATLAS.ti read a coding's memo from the selection's Description; cotag
            # reads the Coding's NoteRef and skips a Description that only repeats those notes.
            memo_texts = list(dict.fromkeys(r.memo.strip() for r in rows if r.memo.strip()))
            if memo_texts:
                memo = _text(xml_safe("\n\n".join(memo_texts)))
                out.append(f"<Description>{memo}</Description>\n")
            self.report.selections += 1
            for code_key, row in zip(group_keys, rows):
                guid = self.guids.add(stable_guid(self.space, "coding", document, code_key, coder, start, end),
                                      "coding", document)
                out.append(f'<Coding guid="{guid}" creatingUser="{user}"'
                           + (f' creationDateTime="{self.time(row.created_at)}"' if row.created_at is not None
                              else "")
                           + f'>\n<CodeRef targetGUID="{code_guid[code_key]}"/>\n')
                if row.memo:
                    note_guid = self.note(
                        stable_guid(self.space, "coding-memo", document, code_key, coder, start, end),
                        f"Memo on {code_key} ({coder})", row.memo, coder, row.created_at, None)
                    out.append(f'<NoteRef targetGUID="{note_guid}"/>\n')
                out.append("</Coding>\n")
                self.report.codings += 1
            out.append("</PlainTextSelection>\n")

    def notes_and_sets(self) -> None:
        if self.notes:
            self.sub(self.root, "Notes").extend(self.notes)
            self.report.notes = len(self.notes)
        groups: dict[str, list[str]] = defaultdict(list)
        for document in self.loaded.documents:
            if document.group:
                groups[document.group].append(self.doc_guid[document.external_id])
        if groups:
            sets = self.sub(self.root, "Sets")
            for group_name in sorted(groups):
                guid = self.guids.add(stable_guid(self.space, "group", group_name), "set", group_name)
                member_set = self.sub(sets, "Set", guid=guid, name=xml_safe(group_name))
                self.sub(member_set, "Description").text = GROUP_SET
                for member in groups[group_name]:
                    self.sub(member_set, "MemberSource", targetGUID=member)
            self.report.sets = len(groups)
        for note_guid in self.project_notes:
            self.sub(self.root, "NoteRef", targetGUID=note_guid)

    def processing_instruction(self, project) -> None:
        """Roles, the YAML codebook's title and version and the sentence units have no place in REFI-QDA; the
        processing instruction carries them for cotag's importer (other tools skip it)."""
        meta: dict[str, Any] = {"roles": {c.name: c.role for c in self.loaded.coders}}
        if self.text_attributes:
            meta["text_attributes"] = self.text_attributes
        meta.update(_codebook_title(project, self.report))
        # the sentence units, so that cotag's import need not split the texts again (refi/carried_units.py)
        from cotag.refi.carried_units import UNITS_KEY, units_for_export

        units = units_for_export(self.loaded.documents, self.loaded.units, self.doc_guid)
        if units:
            meta[UNITS_KEY] = units
        self.root.addprevious(self.etree.PI(PI_TARGET, xml_safe(json.dumps(meta, ensure_ascii=False, sort_keys=True)
                                                                .replace("?>", "?\\u003e"))))

    def build(self, project) -> bytes:
        self.users()
        self.memos()
        code_guid = self.codebook()
        self.variables_and_cases()
        sources = self.sources(code_guid)
        # The sources' text takes the place of this comment once the rest is serialised. It is the last
        # comment in the file: everything after it is element text lxml escapes ("<" as "&lt;").
        self.root.append(self.etree.Comment(_SOURCES_MARK))
        self.notes_and_sets()
        self.processing_instruction(project)
        data = self.etree.tostring(self.root.getroottree(), xml_declaration=True, encoding="utf-8",
                                   pretty_print=True)
        mark = f"<!--{_SOURCES_MARK}-->".encode()
        at = data.rindex(mark)
        return data[:at] + sources.encode("utf-8") + data[at + len(mark):]


def write_qdpx(project, loaded: _Loaded, path: Path | str, *, pseudonymise: bool = False,
               one_code_per_selection: bool = False) -> ExportReport:
    """Write what `read_export` read (the project, or only the named coders' codings and memos) to ``path``; the
    project is passed for its name, codebook file and pseudonym table, never for a session.

    ``one_code_per_selection`` writes a selection per code (the span repeated, as NVivo does)
    for readers that keep only the first coding of a selection; ``pseudonymise`` writes texts,
    offsets, attributes and memos through the pseudonym layer (docs/privacy.md)."""
    path = Path(path)
    report = ExportReport(file=str(path))
    if loaded.practice:
        report.warnings.append(f"{loaded.practice} practice coding(s) of trainees left out (`cotag train`: "
                               "practice never counts as study data)")
    if pseudonymise:  # texts, offsets, attributes and memos through the pseudonym layer (docs/privacy.md)
        from cotag.privacy.pseudonyms import pseudonymise_export

        loaded.documents, loaded.codings, loaded.memos = pseudonymise_export(
            project, loaded.documents, loaded.codings, loaded.memos)
        # The units' offsets are the real texts': they would give away the real sentences' lengths and would
        # not fit the pseudonymised texts. The importer splits those texts itself.
        loaded.units = []
    if not loaded.codes:
        raise RefiError("the project has no codes; load a codebook first (`cotag codebook load`)")
    writer = _ProjectWriter(project, loaded, report, one_code_per_selection=one_code_per_selection)
    data = writer.build(project)
    _write_zip(path, data, writer.files)
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


#: Deflate level of the archive. Measured on the demo export (48 MB of XML and text): level 3 takes about
#: half the time of zlib's default 6 (0.65 s against 1.4 s on a busy 2-core machine) for an 11% larger
#: file (9.0 MB against 8.1 MB); levels 1 and 2 are no faster on this text and larger still.
ZIP_LEVEL = 3


def _write_zip(path: Path, qde: bytes, files: dict[str, bytes]) -> None:
    stamp = datetime.now().timetuple()[:6]

    def write(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
            for name, data in [("project.qde", qde), *sorted(files.items())]:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data, compresslevel=ZIP_LEVEL)

    _replace(path, write)
