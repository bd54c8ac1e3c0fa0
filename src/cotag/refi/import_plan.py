"""Planning an import: the whole project file read and checked before the database is touched.

:func:`plan_import` returns an :class:`~cotag.refi.import_model.ImportPlan` or raises one RefiError
listing every error found. The steps (users, codes, notes, variables and cases, sets, sources, the
offset reading, documents with their selections and codings, project memos) are the methods of
:class:`_Planner`, in the order the parts of the file depend on each other.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cotag.refi import (
    RefiError,
    guid_key,
    parse_datetime,
)
from cotag.refi.carried_units import UNITS_KEY
from cotag.refi.offsets import (
    Selection,
    anchor,
    at_word_boundaries,
    detect_reading,
    quote_matches,
)
from cotag.refi.qdc import TOOL_USER_GUIDS
from cotag.refi.import_model import (
    _MAX_ERRORS,
    FALLBACK_CODER,
    ImportPlan,
    PlannedCoding,
    PlannedDocument,
    PlannedMemo,
    PlannedUser,
    _child,
    _children,
    _describe,
    _Source,
    _text_of,
    _variable_value,
)
from cotag.refi.package import Package


from cotag.refi.import_read import _FileReader


class _Planner(_FileReader):
    """One reading of a project file, step by step in the order the parts depend on each other."""

    def run(self) -> ImportPlan:
        self.check_file()
        self.read_users()
        self.read_codes()
        self.read_notes()
        for code in self.codes:
            for note_guid in code.note_guids:
                self.memo_from_note(note_guid, code=code.guid)
        self.read_links()
        self.read_variables_and_cases()
        self.read_sets()
        self.read_sources()
        # One offset reading for the whole file.
        detection = detect_reading([(s.positions, [sel for _, sel in s.selections]) for s in self.text_sources],
                                   origin=self.origin, forced=self.offsets)
        self.report.offsets = detection.as_dict()
        documents = self.plan_documents(detection.reading)
        self.project_memos()
        if self.errors:
            shown = self.errors[:_MAX_ERRORS] + ([f"... and {len(self.errors) - _MAX_ERRORS} more"]
                                                 if len(self.errors) > _MAX_ERRORS else [])
            raise RefiError(f"{self.path}: cannot import, nothing was imported:\n"
                            + "\n".join(f"  {e}" for e in shown))
        self.settle_users(documents)
        codebook_title = self.meta.get("codebook") if isinstance(self.meta.get("codebook"), str) else None
        try:
            codebook_version = max(int(self.meta.get("version") or 0), 0)
        except (TypeError, ValueError):
            codebook_version = 0
        units = self.meta.get(UNITS_KEY)
        return ImportPlan(report=self.report, users=self.users, default_user=self.default_user, codes=self.codes,
                          documents=documents, codebook_title=codebook_title, codebook_version=codebook_version,
                          memos=self.memos,
                          carried_units={guid_key(k): v for k, v in units.items()} if isinstance(units, dict) else {})

    # -- the file as a whole

    def settle_users(self, documents: list[PlannedDocument]) -> None:
        """The tool's own pseudo-user only when something is attributed to it; placeholders without work dropped."""
        users = self.users
        referenced = {c.user_guid for d in documents for c in d.codings} | {m.user_guid for m in self.memos}
        if self.default_user is None and (None in referenced):
            users[FALLBACK_CODER] = PlannedUser(guid=FALLBACK_CODER, name=FALLBACK_CODER)
            self.default_user = FALLBACK_CODER
            self.warnings.append(f"some codings or memos name no user: they are attributed to coder "
                                 f"{FALLBACK_CODER!r}")
        for key in list(users):
            if users[key].name == "default" and key not in referenced and key != self.default_user:
                # QualCoder lists its placeholder coder "default" whether or not anyone coded as it.
                self.warnings.append("user 'default' (QualCoder's placeholder coder) has no work: not made a coder")
                del users[key]
                continue
            if key in TOOL_USER_GUIDS and key not in referenced:
                self.warnings.append(f"user {users[key].name!r} is the exporting tool's own pseudo-user with no "
                                     f"work: not made a coder")
                del users[key]

    # -- codes

    def project_memos(self) -> None:
        """Notes nobody refers to are project memos; a project Description is one too."""
        for ref in _children(self.root, "NoteRef"):
            self.memo_from_note(ref.get("targetGUID"))
        for guid, note in self.notes.items():
            if not note["used"]:
                self.memo_from_note(guid)
        description = _text_of(_child(self.root, "Description")).strip()
        if description:
            self.memos.append(PlannedMemo(user_guid=self.user_for(self.root.get("creatingUserGUID")),
                                          title="Project description", text=description))

    # -- variables, cases and sets

    def plan_documents(self, reading: str) -> list[PlannedDocument]:
        documents: list[PlannedDocument] = []
        self.report.found["annotations"] = 0
        names_taken: Counter = Counter()
        for source in self.text_sources:
            name = source.name
            names_taken[name] += 1
            if names_taken[name] > 1:
                name = f"{name} ({names_taken[name]})"
                self.warnings.append(f"two sources are named {source.name!r}: the second is imported as {name!r}")
            documents.append(self.plan_document(source, name, reading))
        if self.empty_selections:
            self.warnings.append(f"{self.empty_selections} selection(s) with no coding and no comment: nothing to "
                                 f"import")
        rich = sum(1 for s in self.text_sources if s.element.get("richTextPath"))
        if rich:
            self.not_carried.append(f"{rich} rich-text version(s) of imported sources (.docx): formatting is not "
                                    f"carried over; the plain text, which selections address, is")
        return documents

    def document_attributes(self, source: _Source, name: str) -> dict[str, Any]:
        attributes = dict(self.case_attributes.get(guid_key(source.guid), {}))
        case_name = attributes.pop("__case__", None)
        if case_name and case_name != source.name and case_name != name:
            attributes.setdefault("case", case_name)
        for holder in _children(source.element, "VariableValue"):
            value = _variable_value(holder, self.variables, self.warnings)
            if value is not None:
                attributes[value[0]] = value[1]
        return attributes

    def plan_document(self, source: _Source, name: str, reading: str) -> PlannedDocument:
        document = PlannedDocument(guid=source.guid, name=name, text=source.stored[0],
                                   source_path=f"{self.path}#{source.where}" if self.package.archive else source.where,
                                   attributes=self.document_attributes(source, name),
                                   group=self.group_of.get(guid_key(source.guid), ""),
                                   created_at=parse_datetime(source.element.get("creationDateTime")))
        description = _text_of(_child(source.element, "Description")).strip()
        if description:
            self.memos.append(PlannedMemo(user_guid=self.user_for(source.element.get("creatingUser")),
                                          title="Source description", text=description, document_guid=source.guid))
        for ref in _children(source.element, "NoteRef"):
            note = self.notes.get(guid_key(ref.get("targetGUID")))
            if note is not None and note["spans"]:
                self.report.found["annotations"] += 1
                for span_element in note["spans"]:
                    memo = _annotation_memo(note, span_element, source, reading, self.errors)
                    if memo is not None:
                        memo.document_guid = source.guid
                        self.memos.append(memo)
                note["used"] = True
                continue
            self.memo_from_note(ref.get("targetGUID"), document=source.guid)
        quoted = matched = boundaries = 0
        for element, selection in source.selections:
            span = anchor(source.positions, reading, selection)
            if span is None:
                self.errors.append(f"{_describe(source.element)}: selection {element.get('guid')} "
                                   f"[{selection.start}, {selection.end}) is outside the text "
                                   f"({source.positions.lengths[reading]} positions when offsets are {reading})")
                continue
            boundaries += at_word_boundaries(source.text.text, *span)
            name_attr = (selection.name or "").strip()
            if name_attr and not name_attr.startswith("line:"):
                quoted += 1
                matched += quote_matches(name_attr, source.text.text[span[0]:span[1]])
            self.plan_selection(document, source, element, span)
        self.whole_source_codings(document, source)
        self.report.sources.append({"name": name, "selections": len(source.selections), "word_boundaries": boundaries,
                                    "named_with_quote": quoted, "quote_matches": matched,
                                    "crlf": len(source.text.crlf), "above_bmp": len(source.text.astral),
                                    "bom": source.text.had_bom})
        if quoted and matched < quoted:
            self.warnings.append(f"{name}: {quoted - matched} of {quoted} selection name(s) differ from the "
                                 f"selected text (a name can be a title rather than the quote)")
        return document

    def selection_comment(self, element) -> str:
        """A selection's Description, NoteRefs and linked notes: the memo of each of its codings."""
        description = _text_of(_child(element, "Description")).strip()
        # cotag (for QualCoder) writes its codings' memos into the Description as well: not twice.
        own_notes = [self.notes[guid_key(r.get("targetGUID"))]["text"] for c in _children(element, "Coding")
                     for r in _children(c, "NoteRef") if guid_key(r.get("targetGUID")) in self.notes]
        if description and description == "\n\n".join(dict.fromkeys(n.strip() for n in own_notes if n.strip())):
            description = ""
        comment_parts = [description]
        comment_parts += [self.note_text(ref.get("targetGUID")) for ref in _children(element, "NoteRef")]
        comment_parts += [self.note_text(g) for g in self.link_notes.get(guid_key(element.get("guid")), [])]
        return "\n\n".join(p for p in comment_parts if p)

    def plan_selection(self, document: PlannedDocument, source: _Source, element, span: tuple[int, int]) -> None:
        stored, moved = source.stored
        start, end = moved(span[0]), moved(span[1])
        comment = self.selection_comment(element)
        codings = _children(element, "Coding")
        if not codings:
            if comment:
                self.memos.append(PlannedMemo(
                    user_guid=self.user_for(element.get("creatingUser"), source.element.get("creatingUser")),
                    title=f"Comment at {start}-{end}", text=f"“{stored[start:end]}”\n\n{comment}",
                    document_guid=source.guid, created_at=parse_datetime(element.get("creationDateTime"))))
            else:
                self.empty_selections += 1
            return
        for coding in codings:
            ref = _child(coding, "CodeRef")
            target = ref.get("targetGUID") if ref is not None else None
            if target is None or guid_key(target) not in self.code_by_guid:
                if ref is None:
                    self.errors.append(f"{_describe(source.element)}: a coding in selection {element.get('guid')} "
                                       f"has no CodeRef")
                continue  # a CodeRef to no code is already an error from the semantic check
            memo_parts = [comment] + [self.note_text(r.get("targetGUID")) for r in _children(coding, "NoteRef")]
            document.codings.append(PlannedCoding(
                code_guid=target,
                user_guid=self.user_for(coding.get("creatingUser"), element.get("creatingUser"),
                                        source.element.get("creatingUser")) or self.default_user,
                start=start, end=end, memo="\n\n".join(p for p in memo_parts if p),
                created_at=parse_datetime(coding.get("creationDateTime"))))

    def whole_source_codings(self, document: PlannedDocument, source: _Source) -> None:
        """Codings on the source itself (no selection): the whole text."""
        for coding in _children(source.element, "Coding"):
            ref = _child(coding, "CodeRef")
            target = ref.get("targetGUID") if ref is not None else None
            if target is not None and guid_key(target) in self.code_by_guid:
                memo = "\n\n".join(self.note_text(r.get("targetGUID")) for r in _children(coding, "NoteRef"))
                document.codings.append(PlannedCoding(
                    code_guid=target, user_guid=self.user_for(coding.get("creatingUser"),
                                                              source.element.get("creatingUser")) or self.default_user,
                    start=0, end=len(source.stored[0]), memo=memo,
                    created_at=parse_datetime(coding.get("creationDateTime"))))


def plan_import(package: Package, *, offsets: str | None = None) -> ImportPlan:
    """Read and check everything; raise RefiError listing every error, or return what to write."""
    return _Planner(package, offsets).run()


def _annotation_memo(note: dict[str, Any], span_element, source: _Source, reading: str,
                     errors: list[str]) -> PlannedMemo | None:
    """A QualCoder text annotation (a Note holding a span of the source) as a memo on that span."""
    try:
        selection = Selection(int(span_element.get("startPosition")), int(span_element.get("endPosition")), None)
    except (TypeError, ValueError):
        errors.append(f"note {note['title']!r}: annotation span {span_element.get('guid')} has positions that are "
                      f"not whole numbers")
        return None
    span = anchor(source.positions, reading, selection)
    if span is None:
        errors.append(f"note {note['title']!r}: annotation [{selection.start}, {selection.end}) is outside the text "
                      f"of {_describe(source.element)}")
        return None
    stored, moved = source.stored
    start, end = moved(span[0]), moved(span[1])
    # A memo has no span of its own: the title names it and the text quotes it, as comments do.
    return PlannedMemo(user_guid=note["user"], title=note["title"] or f"Annotation at {start}-{end}",
                       text=f"“{stored[start:end]}”\n\n{note['text']}", created_at=note["created"] or note["modified"],
                       updated_at=note["modified"])


