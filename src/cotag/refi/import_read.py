"""Reading a REFI-QDA project file's parts for an import (:class:`_FileReader`); the planner
(:mod:`cotag.refi.import_plan`) turns them into documents, codings and memos."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from cotag.refi import (
    KNOWN_NAMESPACE_VERSIONS,
    NS_PROJECT,
    RefiError,
    guid_key,
    local_name,
    namespace_of,
    parse_datetime,
)
from cotag.refi.offsets import (
    PositionMap,
    Selection,
    SourceText,
    decode_source,
    source_text,
)
from cotag.refi.qdc import TOOL_USER_GUIDS, RefiCode, assign_keys, read_code_tree, read_pi
from cotag.refi.import_model import (
    _OTHER_SOURCES,
    _TEXT_KEPT,
    ImportReport,
    PlannedMemo,
    PlannedUser,
    _child,
    _children,
    _describe,
    _document_name,
    _Source,
    _text_of,
    _variable_value,
    stored_text,
)
from cotag.refi.package import MAX_SELECTIONS, MAX_TEXT_SOURCES, Package, _Refused



class _FileReader:
    """The parts of a project file read one by one: users, codes, notes, links, variables and cases, sets,
    and the text sources with their selections (before the offsets are decided).

    Errors are collected (every one is reported at the end, not only the first); warnings and what
    cannot be carried over go into the report."""

    def __init__(self, package: Package, offsets: str | None):
        self.package = package
        self.offsets = offsets
        self.root = root = package.root
        self.path = package.path
        self.report = ImportReport(file=str(self.path), origin=root.get("origin") or "",
                                   project_name=root.get("name") or "")
        self.origin = self.report.origin
        self.errors: list[str] = []
        self.warnings = self.report.warnings
        self.not_carried = self.report.not_carried
        self.meta: dict[str, Any] = {}
        self.users: dict[str, PlannedUser] = {}
        self.default_user: str | None = None
        self.codes: list[RefiCode] = []
        self.code_by_guid: dict[str, RefiCode] = {}
        self.notes: dict[str, dict[str, Any]] = {}
        self.memos: list[PlannedMemo] = []
        self.memo_of_note: dict[str, PlannedMemo] = {}
        self.link_notes: dict[str, list[str]] = defaultdict(list)
        self.other_links = 0
        self.variables: dict[str, tuple[str, str, bool]] = {}
        self.case_attributes: dict[str, dict[str, Any]] = defaultdict(dict)
        self.source_sets: dict[str, list[str]] = {}
        self.other_sets: list[str] = []
        self.group_of: dict[str, str] = {}
        self.text_sources: list[_Source] = []
        self.empty_selections = 0

    def check_file(self) -> None:
        """The namespace, the schema (read anyway) and the semantic rules (a CodeRef to no code is an error)."""
        from cotag.refi.validate import semantic_problems, validate_project_tree

        root = self.root
        ns = namespace_of(root.tag)
        self.report.namespace = ns or "(none)"
        if ns != NS_PROJECT:
            version = ns.split("project:", 1)[1] if ns.startswith("urn:QDA-XML:project:") else None
            known = version in KNOWN_NAMESPACE_VERSIONS or not ns
            self.warnings.append(f"namespace {ns or '(none)'} read as {NS_PROJECT}"
                                 + ("" if known else " (not a namespace REFI-QDA tools are known to write)"))
        for schema_problem in validate_project_tree(root, lenient_namespace=True):
            self.warnings.append(f"schema: {schema_problem} (read anyway)")
        for problem in semantic_problems(root):
            if problem.kind == "code-ref":
                self.errors.append(problem.message)
            elif problem.kind not in ("text-content",):
                self.warnings.append(problem.message)

    # -- users

    def read_users(self) -> None:
        users = self.users
        names_used: Counter = Counter()
        users_element = _child(self.root, "Users")
        for element in _children(users_element, "User") if users_element is not None else []:
            guid = element.get("guid") or ""
            name = ((element.get("name") or "").strip() or (element.get("id") or "").strip()
                    or f"user-{guid_key(guid)[:8]}")
            names_used[name] += 1
            users[guid_key(guid)] = PlannedUser(guid=guid, name=name)
        self.report.found["users"] = len(_children(users_element, "User")) if users_element is not None else 0
        for name, count in names_used.items():
            if count > 1:
                self.warnings.append(f"{count} users are named {name!r}: their work goes to one coder")
        self.meta = read_pi(self.root) if self.origin.lower().startswith("cotag") else {}
        roles = self.meta.get("roles")
        if isinstance(roles, dict):
            for user in users.values():
                if roles.get(user.name) in ("coder", "lead", "consensus"):
                    user.role = roles[user.name]
        for user in users.values():
            if user.name == "consensus":
                user.role = "consensus"
        creator = self.root.get("creatingUserGUID")
        project_user = guid_key(creator) if creator else None
        real_users = [k for k in users if k not in TOOL_USER_GUIDS]
        self.default_user = (project_user if project_user in users else
                             (real_users[0] if len(real_users) == 1 else None))

    def user_for(self, *candidates: str | None) -> str | None:
        """The key of the first user named; a user nobody lists becomes one (the reference was warned about)."""
        for candidate in candidates:
            if candidate:
                key = guid_key(candidate)
                if key not in self.users:
                    # A dangling user reference (already warned): keep the work under its own coder.
                    self.users[key] = PlannedUser(guid=candidate, name=f"user-{key[:8]}")
                return key
        return None

    def read_codes(self) -> None:
        codebook = _child(self.root, "CodeBook")
        codes_element = _child(codebook, "Codes") if codebook is not None else None
        codes = read_code_tree(codes_element, origin=self.origin, warnings=self.warnings, where=str(self.path)) \
            if codes_element is not None else []
        seen_guids: dict[str, str] = {}
        for code in codes:
            if code.synthetic:
                continue
            key = guid_key(code.guid)
            if key in seen_guids:
                self.errors.append(f"GUID {code.guid} is used by two codes ({seen_guids[key]!r} and {code.name!r})")
            seen_guids[key] = code.name
        assign_keys(codes)
        self.codes = codes
        self.code_by_guid = {guid_key(c.guid): c for c in codes}
        synthetic = [c.name for c in codes if c.synthetic]
        if synthetic:
            self.warnings.append(f"{len(synthetic)} parent code(s) created for flattened 'A::B' names: "
                                 + ", ".join(synthetic[:10]))
        folders = sum(1 for c in codes if not c.codable and not c.synthetic)
        if folders:
            self.warnings.append(f"{folders} code(s) marked isCodable=\"false\" (folders) imported as ordinary "
                                 f"parent codes")

    # -- notes (memos): text now, owner decided by whoever refers to them

    def read_notes(self) -> None:
        notes_element = _child(self.root, "Notes")
        for element in _children(notes_element, "Note") if notes_element is not None else []:
            text = self.note_body(element)
            description = _text_of(_child(element, "Description")).strip()
            if description:
                text = f"{description}\n\n{text}" if text else description
            self.notes[guid_key(element.get("guid"))] = {
                "title": element.get("name") or "", "text": text,
                "user": self.user_for(element.get("creatingUser")),
                "created": parse_datetime(element.get("creationDateTime")),
                "modified": parse_datetime(element.get("modifiedDateTime")), "used": False,
                # QualCoder writes a text annotation as a Note holding the annotated span.
                "spans": [s for s in _children(element, "PlainTextSelection")]}

    def note_body(self, element) -> str:
        """A Note's text: inline, or from its plain-text file."""
        content = _child(element, "PlainTextContent")
        if content is not None:
            return _text_of(content)
        if element.get("plainTextPath"):
            try:
                data, where, _internal = self.package.find(element.get("plainTextPath"))
            except _Refused as exc:
                self.errors.append(f"note {element.get('name')!r}: plainTextPath {exc}")
                return ""
            if data is None:
                if where is not None:
                    self.not_carried.append(f"note {element.get('name')!r}: its text file {where} is not in the "
                                            f"file")
                return ""
            try:
                return stored_text(decode_source(data, where).text)[0]
            except RefiError as exc:
                self.errors.append(str(exc))
                return ""
        if element.get("richTextPath"):
            self.not_carried.append(f"note {element.get('name')!r}: rich text only ({element.get('richTextPath')})")
        return ""

    def note_text(self, guid: str | None) -> str:
        note = self.notes.get(guid_key(guid))
        if note is None:
            return ""
        note["used"] = True
        return note["text"]

    def memo_from_note(self, guid: str, *, document: str | None = None, code: str | None = None) -> None:
        note = self.notes.get(guid_key(guid))
        if note is None:
            return
        note["used"] = True
        memo = self.memo_of_note.get(guid_key(guid))
        if memo is None:
            memo = PlannedMemo(user_guid=note["user"], title=note["title"], text=note["text"],
                               created_at=note["created"], updated_at=note["modified"], guid=guid)
            self.memo_of_note[guid_key(guid)] = memo
            self.memos.append(memo)
        # A memo has at most one document and one code; a note shared more widely keeps the first of each.
        for attribute, value in (("document_guid", document), ("code_guid", code)):
            current = getattr(memo, attribute)
            if value and current is None:
                setattr(memo, attribute, value)
            elif value and guid_key(current) != guid_key(value):
                self.warnings.append(f"note {note['title']!r} is attached to several "
                                     f"{'documents' if attribute == 'document_guid' else 'codes'}: kept on the first")

    def read_links(self) -> None:
        """NVivo ties annotations to selections with Links from a note: they become the selection's memo."""
        links_element = _child(self.root, "Links")
        for link in _children(links_element, "Link") if links_element is not None else []:
            origin_guid, target_guid = guid_key(link.get("originGUID")), guid_key(link.get("targetGUID"))
            if origin_guid in self.notes:
                self.link_notes[target_guid].append(origin_guid)
            elif target_guid in self.notes:
                self.link_notes[origin_guid].append(target_guid)
            else:
                self.other_links += 1

    def read_variables_and_cases(self) -> None:
        from cotag.refi.qdpx_export import JSON_VARIABLE

        # Attributes cotag keeps as text but exported typed (dates, numbers): read back as text.
        text_attributes = {n for n in (self.meta.get("text_attributes") or []) if isinstance(n, str)}
        variables_element = _child(self.root, "Variables")
        for element in _children(variables_element, "Variable") if variables_element is not None else []:
            as_json = _text_of(_child(element, "Description")).strip() == JSON_VARIABLE
            type_name = element.get("typeOfVariable") or "Text"
            if (element.get("name") or "") in text_attributes:
                type_name = _TEXT_KEPT
            self.variables[guid_key(element.get("guid"))] = (element.get("name") or "", type_name, as_json)
        cases_element = _child(self.root, "Cases")
        cases = _children(cases_element, "Case") if cases_element is not None else []
        case_refs = 0
        for case in cases:
            values = dict(v for v in (_variable_value(h, self.variables, self.warnings)
                                      for h in _children(case, "VariableValue")) if v is not None)
            case_refs += len(_children(case, "CodeRef")) + len(_children(case, "SelectionRef"))
            for ref in _children(case, "SourceRef"):
                attributes = self.case_attributes[guid_key(ref.get("targetGUID"))]
                if case.get("name"):
                    attributes.setdefault("__case__", case.get("name"))
                attributes.update(values)
        self.report.found["cases"] = len(cases)
        if case_refs:
            self.not_carried.append(f"{case_refs} code or selection reference(s) inside Cases (cases carry only "
                                    f"document attributes here)")

    def read_sets(self) -> None:
        """A set of sources only, holding a document no other such set holds, is that document's group."""
        set_names: dict[str, str] = {}
        sets_element = _child(self.root, "Sets")
        for element in _children(sets_element, "Set") if sets_element is not None else []:
            members = [guid_key(m.get("targetGUID") or m.get("guid")) for m in _children(element, "MemberSource")]
            if members and not _children(element, "MemberCode") and not _children(element, "MemberNote"):
                self.source_sets[guid_key(element.get("guid"))] = members
                set_names[guid_key(element.get("guid"))] = element.get("name") or ""
            else:
                self.other_sets.append(element.get("name") or "")
        membership: dict[str, list[str]] = defaultdict(list)
        for set_guid, members in self.source_sets.items():
            for member in members:
                membership[member].append(set_guid)
        self.group_of = {member: set_names[sets[0]] for member, sets in membership.items() if len(sets) == 1}
        unused_sets = [set_names[g] for g, members in self.source_sets.items()
                       if not all(m in self.group_of for m in members)]
        if self.other_sets:
            self.not_carried.append(f"{len(self.other_sets)} code set(s): "
                                    + ", ".join(repr(n) for n in self.other_sets[:10])
                                    + (" ..." if len(self.other_sets) > 10 else ""))
        if unused_sets:
            self.not_carried.append(f"{len(unused_sets)} document set(s) whose documents are in several sets (a "
                                    f"document has one group): " + ", ".join(repr(n) for n in unused_sets[:10])
                                    + (" ..." if len(unused_sets) > 10 else ""))

    # -- sources: their texts and selections, before the offsets are decided

    def read_sources(self) -> None:
        sources_element = _child(self.root, "Sources")
        counts: Counter = Counter()
        other_counts: dict[str, list[Any]] = defaultdict(list)
        for element in list(sources_element) if sources_element is not None else []:
            tag = local_name(element.tag)
            if tag in _OTHER_SOURCES:
                other_counts[tag].append(element)
            elif tag == "TextSource":
                self.read_text_source(element, counts)
        found = self.report.found
        found.update({"codes": sum(1 for c in self.codes if not c.synthetic), "text_sources": counts["text_sources"],
                      "selections": counts["selections"], "codings": counts["codings"], "notes": len(self.notes),
                      "variables": len(self.variables), "sets": len(self.source_sets) + len(self.other_sets)})
        # The order the report has always listed its counts in.
        self.report.found = {k: found[k] for k in ("users", "codes", "text_sources", "selections", "codings", "notes",
                                                   "variables", "cases", "sets")}
        for tag, elements in other_counts.items():
            kind, selection_tag = _OTHER_SOURCES[tag]
            n_sel = sum(len(list(e.iter(f"{{*}}{selection_tag}"))) + len(list(e.iter("{*}PlainTextSelection")))
                        for e in elements)
            n_cod = sum(len(list(e.iter("{*}Coding"))) for e in elements)
            names = ", ".join(repr(e.get("name") or e.get("guid")) for e in elements[:5])
            self.not_carried.append(f"{len(elements)} {kind} source(s) ({names}{' ...' if len(elements) > 5 else ''})"
                                    f" with {n_sel} selection(s) and {n_cod} coding(s): cotag codes text only")
            self.report.found[f"{kind.lower()}_sources"] = len(elements)
        if self.other_links:
            self.not_carried.append(f"{self.other_links} link(s) between objects (REFI Links other than note "
                                    f"annotations)")
        graphs = _child(self.root, "Graphs")
        if graphs is not None and len(_children(graphs, "Graph")):
            self.not_carried.append(f"{len(_children(graphs, 'Graph'))} graph(s) (network views)")

    def read_text_source(self, element, counts: Counter) -> None:
        counts["text_sources"] += 1
        selections = _children(element, "PlainTextSelection")
        counts["selections"] += len(selections)
        if counts["text_sources"] > MAX_TEXT_SOURCES or counts["selections"] > MAX_SELECTIONS:
            raise RefiError(f"{self.path}: more than {MAX_TEXT_SOURCES} text sources (MAX_TEXT_SOURCES) or "
                            f"{MAX_SELECTIONS} selections (MAX_SELECTIONS); cotag refuses a project this large")
        coded = sum(len(_children(s, "Coding")) for s in selections) + len(_children(element, "Coding"))
        counts["codings"] += coded
        label = _describe(element)
        lost = f"{len(selections)} selection(s), {coded} coding(s)"
        found = self.source_text_of(element, label, lost)
        if found is None:
            return
        text, where = found
        stored = stored_text(text.text)
        if not stored[0].strip():
            self.not_carried.append(f"{label}: its text is empty ({lost})")
            return
        reference = element.get("plainTextPath") or ""
        source = _Source(element=element, guid=element.get("guid") or "",
                         name=_document_name(element, reference, self.origin), text=text,
                         positions=PositionMap(text), where=where, stored=stored)
        for selection in selections:
            try:
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            except (TypeError, ValueError):
                self.errors.append(f"{label}: selection {selection.get('guid')} has positions that are not whole "
                                   f"numbers")
                continue
            source.selections.append((selection, Selection(start, end, selection.get("name"))))
        self.text_sources.append(source)

    def source_text_of(self, element, label: str, lost: str) -> tuple[SourceText, str] | None:
        """A text source's text (inline, or from its file) and where it came from; None when it has none."""
        content = _child(element, "PlainTextContent")
        reference = element.get("plainTextPath") or ""
        if content is not None:
            return source_text(_text_of(content)), f"{label} (PlainTextContent)"
        if not reference:
            rich = element.get("richTextPath")
            self.not_carried.append(f"{label}: {'rich text only (' + rich + ')' if rich else 'no text'}, no plain "
                                    f"text to anchor selections on ({lost})")
            return None
        try:
            data, where, internal = self.package.find(reference)
        except _Refused as exc:
            self.errors.append(f"{label}: plainTextPath {exc}")
            return None
        if data is None:
            if internal and self.package.archive is not None:
                self.errors.append(f"{label}: plainTextPath {reference} is not in the archive's sources/")
            else:
                self.not_carried.append(f"{label}: its text {where} is not in the file or beside it ({lost})")
            return None
        try:
            return decode_source(data, where), where
        except RefiError as exc:
            self.errors.append(str(exc))
            return None

    # -- documents, selections, codings
