"""Coding a transcript: apply, toggle, remove and memo codings for one coder, with undo, permissions and progress."""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from cotag.errors import CotagError, ImportRefused, NotFound, PermissionDenied

# Event kinds written to the audit log; the reliability and reconcile stages read them back.
APPLY = "coding.apply"
REMOVE = "coding.remove"
MEMO = "coding.memo"
UNDO = "coding.undo"
REDO = "coding.redo"
IMPORT = "coding.import"
DONE = "progress.done"
REOPEN = "progress.reopen"

# A word is letters and digits, with inner apostrophes and hyphens ("don't", "well-paid"):
# a selection that grows word by word then never starts or ends on punctuation.
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


class UnitSpan(NamedTuple):
    """A unit as the coding screen needs it: where it is in the text and who spoke it."""

    index: int
    start: int
    end: int
    turn: int
    speaker: str
    is_interviewer: bool


@dataclass(frozen=True)
class Change:
    """One committed change to a coding; undo and redo replay it backwards and forwards."""

    kind: str  # APPLY, REMOVE or MEMO
    coding_id: int
    document_id: int
    document: str  # external id
    code: str  # code key
    start: int
    end: int
    memo: str = ""
    previous_memo: str = ""

    def describe(self) -> str:
        verb = {APPLY: "applied", REMOVE: "removed", MEMO: "memo on"}[self.kind]
        return f"{verb} {self.code} ({self.start}–{self.end})"

    def payload(self, owner: str) -> dict[str, Any]:
        data: dict[str, Any] = {"coding": self.coding_id, "document": self.document, "code": self.code,
                                "coder": owner, "start": self.start, "end": self.end}
        if self.kind == MEMO:
            data.update(memo=self.memo, previous_memo=self.previous_memo)
        return data


# ---------------------------------------------------------------- spans and units

def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The words of text[start:end] as absolute (start, end) offsets into text."""
    end = len(text) if end is None else end
    return [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]


def covered_units(units: Sequence[UnitSpan], spans: Iterable[tuple[int, int]]) -> set[int]:
    """Indices of the units that at least one span overlaps (a shared character is enough)."""
    starts = [u.start for u in units]
    covered: set[int] = set()
    for start, end in spans:
        # The first unit that could overlap is the one starting at or before `start`.
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(units) and units[i].start < end:
            if units[i].end > start:
                covered.add(units[i].index)
            i += 1
    return covered


def units_overlapping(units: Sequence[UnitSpan], start: int, end: int) -> range:
    """Positions in `units` of the units that overlap [start, end)."""
    starts = [u.start for u in units]
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    if first < len(units) and units[first].end <= start:
        first += 1
    last = bisect.bisect_left(starts, end)
    return range(first, max(first, last))


def next_uncoded(units: Sequence[UnitSpan], spans: Iterable[tuple[int, int]], *, after: int) -> int | None:
    """Position of the next respondent unit after `after` that no span covers, wrapping round; None when all are."""
    covered = covered_units(units, spans)
    order = list(range(after + 1, len(units))) + list(range(0, min(after + 1, len(units))))
    for position in order:
        unit = units[position]
        if not unit.is_interviewer and unit.index not in covered:
            return position
    return None


def check_span(start: int, end: int, length: int, document: str) -> None:
    if not (0 <= start < end <= length):
        raise CotagError(f"span {start}–{end} is not inside document {document} (0–{length}): "
                         "start must be before end, both within the text")


# ---------------------------------------------------------------- one coder at work

class CodingSession:
    """One coder at work on the project: each change is its own committed, logged transaction, undoable here.

    ``coder`` is the person at the keyboard; ``owner`` is whose codings they
    write, which is themselves, or the consensus coder when ``lead`` is set.
    """

    def __init__(self, project, *, coder: str, lead: bool = False, owner: str | None = None, history: int = 1000):
        from cotag.store import coders as coder_store
        from cotag.store.models import CONSENSUS_CODER, ROLE_CODER

        self.project = project
        self.lead = lead
        self._history_limit = history
        with project.session() as session:
            # --lead never promotes a plain coder: that coder could then rule on their own disagreements
            actor = (coder_store.require_lead(session, name=coder) if lead
                     else coder_store.get_or_create_coder(session, name=coder, role=ROLE_CODER))
            if owner is None or owner == actor.name:
                target = actor
            elif owner == CONSENSUS_CODER:
                if not lead:
                    raise PermissionDenied(f"{actor.name} cannot write the consensus coding: only a lead can "
                                           "(open with --lead)")
                target = coder_store.consensus_coder(session)
            else:
                raise PermissionDenied(f"{actor.name} cannot write {owner}'s codings: a coder writes only their own")
        self.actor, self.actor_id = actor.name, actor.id
        self.owner, self.owner_id = target.name, target.id
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        self._documents: dict[int, tuple[str, int]] = {}

    # -- history

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def _remember(self, change: Change) -> None:
        self._undo.append(change)
        del self._undo[:-self._history_limit]
        self._redo.clear()

    # -- lookups

    def _document(self, session, document_id: int) -> tuple[str, int]:
        if document_id not in self._documents:
            from sqlalchemy import func
            from sqlmodel import select

            from cotag.store.models import Document

            row = session.exec(select(Document.external_id, func.length(Document.text))
                               .where(Document.id == document_id)).first()
            if row is None:
                raise NotFound(f"no document with database id {document_id}")
            self._documents[document_id] = (row[0], row[1])
        return self._documents[document_id]

    def _coding(self, session, coding_id: int):
        from cotag.store import codings as coding_store

        coding = coding_store.get_coding(session, coding_id=coding_id)
        if coding is None:
            raise NotFound(f"no coding with id {coding_id}")
        if coding.coder_id != self.owner_id:
            raise PermissionDenied(f"coding {coding_id} is not {self.owner}'s: a coder changes only their own codings")
        return coding

    def _log(self, session, kind: str, change: Change, **extra: Any) -> None:
        from cotag.store.events import log_event

        log_event(session, kind=kind, actor=self.actor, payload={**change.payload(self.owner), **extra})

    # -- changes

    def apply(self, *, document_id: int, code: str, start: int, end: int, memo: str = "",
              cursor: int | None = None, source: str | None = None) -> Change:
        """Put `code` on text[start:end]; a retired or merged code is refused by name.

        `cursor` (a unit position) is saved in the same transaction: where the coder
        coded last is where a killed session resumes. `source` records where the coding
        came from (an accepted suggestion); it is logged with the change.
        """
        from cotag.store import codings as coding_store

        with self.project.session() as session:
            external_id, length = self._document(session, document_id)
            check_span(start, end, length, external_id)
            code_row = active_code(session, key=code)
            if coding_store.find_live(session, document_id=document_id, code_id=code_row.id, coder_id=self.owner_id,
                                      start=start, end=end):
                raise CotagError(f"{code_row.key} is already on {external_id} {start}–{end}")
            coding = coding_store.add_coding(session, document_id=document_id, code_id=code_row.id,
                                             coder_id=self.owner_id, start=start, end=end, memo=memo,
                                             source=source)
            change = Change(APPLY, coding.id, document_id, external_id, code_row.key, start, end, memo)
            self._log(session, APPLY, change, **({"source": source} if source is not None else {}))
            self._touch_cursor(session, document_id, cursor)
        self._remember(change)
        return change

    def toggle(self, *, document_id: int, code: str, start: int, end: int, cursor: int | None = None) -> Change:
        """Apply `code` to the span, or remove it when this coder already has exactly that coding."""
        from cotag.store import codings as coding_store
        from cotag.store.codes import require_code

        with self.project.session() as session:
            code_row = require_code(session, key=code)
            existing = coding_store.find_live(session, document_id=document_id, code_id=code_row.id,
                                              coder_id=self.owner_id, start=start, end=end)
        if existing is not None:
            return self.remove(coding_id=existing.id, cursor=cursor)
        return self.apply(document_id=document_id, code=code, start=start, end=end, cursor=cursor)

    def remove(self, *, coding_id: int, cursor: int | None = None) -> Change:
        from cotag.store import codings as coding_store

        with self.project.session() as session:
            coding = self._coding(session, coding_id)
            if coding.deleted_at is not None:
                raise CotagError(f"coding {coding_id} was already removed")
            external_id, _ = self._document(session, coding.document_id)
            change = Change(REMOVE, coding.id, coding.document_id, external_id, _code_key(session, coding.code_id),
                            coding.start, coding.end, coding.memo)
            coding_store.soft_delete(session, coding=coding)
            self._log(session, REMOVE, change)
            self._touch_cursor(session, coding.document_id, cursor)
        self._remember(change)
        return change

    def _touch_cursor(self, session, document_id: int, cursor: int | None) -> None:
        if cursor is not None:
            from cotag.store import progress as progress_store

            progress_store.touch(session, coder_id=self.owner_id, document_id=document_id, cursor=cursor)

    def set_memo(self, *, coding_id: int, memo: str) -> Change | None:
        """Replace a coding's memo; None when the text did not change (nothing to undo)."""
        with self.project.session() as session:
            coding = self._coding(session, coding_id)
            if coding.deleted_at is not None:
                raise CotagError(f"coding {coding_id} was removed; restore it (undo) before writing its memo")
            if coding.memo == memo:
                return None
            external_id, _ = self._document(session, coding.document_id)
            change = Change(MEMO, coding.id, coding.document_id, external_id, _code_key(session, coding.code_id),
                            coding.start, coding.end, memo, coding.memo)
            coding.memo = memo
            session.add(coding)
            self._log(session, MEMO, change)
        self._remember(change)
        return change

    def undo(self) -> Change | None:
        """Take back the last change; returns it, or None when there is nothing to undo."""
        if not self._undo:
            return None
        change = self._undo.pop()
        self._replay(change, backwards=True)
        self._redo.append(change)
        return change

    def redo(self) -> Change | None:
        if not self._redo:
            return None
        change = self._redo.pop()
        self._replay(change, backwards=False)
        self._undo.append(change)
        return change

    def _replay(self, change: Change, *, backwards: bool) -> None:
        # A change that can no longer be replayed (someone removed the row meanwhile)
        # is dropped from the history: raising keeps the user told, not stuck.
        from cotag.store import codings as coding_store

        with self.project.session() as session:
            coding = self._coding(session, change.coding_id)
            live = coding.deleted_at is None
            if change.kind == MEMO:
                coding.memo = change.previous_memo if backwards else change.memo
                session.add(coding)
            else:
                make_live = (change.kind == REMOVE) == backwards
                if make_live and not live:
                    if coding_store.find_live(session, document_id=coding.document_id, code_id=coding.code_id,
                                              coder_id=coding.coder_id, start=coding.start, end=coding.end):
                        raise CotagError(f"cannot restore {change.code} on {change.document} "
                                         f"{change.start}–{change.end}: the same coding is there again")
                    coding_store.restore(session, coding=coding)
                elif not make_live and live:
                    coding_store.soft_delete(session, coding=coding)
            self._log(session, UNDO if backwards else REDO, change, action=change.kind)

    # -- progress

    def save_cursor(self, *, document_id: int, unit: int) -> None:
        """Remember the unit the coder is on, so reopening returns there."""
        from cotag.store import progress as progress_store

        with self.project.session() as session:
            progress_store.touch(session, coder_id=self.owner_id, document_id=document_id, cursor=unit)

    def mark_done(self, *, document_id: int, done: bool = True) -> None:
        from cotag.store import progress as progress_store
        from cotag.store.events import log_event
        from cotag.store.models import PROGRESS_ASSIGNED, PROGRESS_DONE

        with self.project.session() as session:
            external_id, _ = self._document(session, document_id)
            progress_store.touch(session, coder_id=self.owner_id, document_id=document_id,
                                 status=PROGRESS_DONE if done else PROGRESS_ASSIGNED)
            log_event(session, kind=DONE if done else REOPEN, actor=self.actor,
                      payload={"document": external_id, "coder": self.owner})

    def resume_point(self) -> tuple[int, int] | None:
        """(document id, unit) where this coder last was, or None for a first visit."""
        from cotag.store import progress as progress_store

        with self.project.session() as session:
            row = progress_store.latest_for_coder(session, coder_id=self.owner_id)
            return (row.document_id, row.cursor) if row else None

    def marks(self, *, document_id: int, coder_ids: Iterable[int] | None = None) -> list:
        """Live codings in a document: this coder's own unless other (read-only) coders are asked for."""
        from cotag.store.codings import live_marks

        with self.project.session() as session:
            return live_marks(session, document_id=document_id, coder_ids=list(coder_ids or [self.owner_id]))


def _code_key(session, code_id: int) -> str:
    from cotag.store.models import Code

    code = session.get(Code, code_id)
    return code.key if code else str(code_id)


def active_code(session, *, key: str):
    """The code with this key, refusing one that may no longer be applied."""
    from cotag.store.codes import require_code
    from cotag.store.models import STATUS_MERGED, STATUS_RETIRED, Code

    code = require_code(session, key=key)
    if code.status == STATUS_RETIRED:
        raise CotagError(f"code {code.key!r} ({code.name}) is retired and cannot be applied; "
                         "choose an active code")
    if code.status == STATUS_MERGED:
        target = session.get(Code, code.merged_into_id) if code.merged_into_id else None
        into = f" into {target.key!r}" if target else ""
        raise CotagError(f"code {code.key!r} ({code.name}) was merged{into} and cannot be applied")
    return code


# ---------------------------------------------------------------- what the coding screen loads

@dataclass
class Transcript:
    """A document opened for coding: its text, units, the visible codings and where the coder was."""

    document_id: int
    external_id: str
    group: str
    attributes: dict[str, Any]
    text: str
    units: list[UnitSpan]
    marks: list
    cursor: int = 0
    done: bool = False
    visited: bool = False  # the coder has been here before (the cursor is where they left)


def open_transcript(project, *, document_id: int, coder_ids: Iterable[int], progress_coder_id: int) -> Transcript:
    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store.models import PROGRESS_DONE, Document

    with project.session() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(f"no document with database id {document_id}")
        units = [UnitSpan(*row) for row in coding_store.unit_spans(session, document_id=document_id)]
        marks = coding_store.live_marks(session, document_id=document_id, coder_ids=list(coder_ids))
        progress = progress_store.get_progress(session, coder_id=progress_coder_id, document_id=document_id)
        return Transcript(document_id=document.id, external_id=document.external_id, group=document.group,
                          attributes=dict(document.attributes or {}), text=document.text, units=units, marks=marks,
                          cursor=min(progress.cursor, max(len(units) - 1, 0)) if progress else 0,
                          done=bool(progress and progress.status == PROGRESS_DONE), visited=progress is not None)


@dataclass
class LibraryRow:
    """One document in the coder's library, with their progress on it."""

    document_id: int
    external_id: str
    group: str
    attributes: dict[str, Any]
    words: int
    units: int
    codable: int  # respondent units
    coded: int  # respondent units this coder has covered
    done: bool
    started: bool


def library(project, *, coder_id: int) -> list[LibraryRow]:
    """Every document in reading order (group, id) with this coder's progress."""
    from sqlmodel import select

    from cotag.store import documents as doc_store
    from cotag.store import progress as progress_store
    from cotag.store.models import PROGRESS_DONE, Document

    with project.session() as session:
        # Columns, not Document objects: the library must not load every transcript's text.
        documents = session.exec(select(Document.id, Document.external_id, Document.group, Document.attributes,
                                        Document.words).order_by(Document.group, Document.external_id)).all()
        units = doc_store.unit_counts(session)
        codable = progress_store.codable_unit_counts(session)
        coded = progress_store.coded_unit_counts(session, coder_id=coder_id)
        progress = progress_store.for_coder(session, coder_id=coder_id)
    return [LibraryRow(document_id=doc_id, external_id=ext, group=group or "", attributes=dict(attrs or {}),
                       words=words or 0, units=units.get(doc_id, 0), codable=codable.get(doc_id, 0),
                       coded=coded.get(doc_id, 0),
                       done=doc_id in progress and progress[doc_id].status == PROGRESS_DONE,
                       started=doc_id in progress)
            for doc_id, ext, group, attrs, words in documents]


def document_texts(project) -> dict[int, str]:
    """document id -> text, for filtering the library by what was said."""
    from sqlmodel import select

    from cotag.store.models import Document

    with project.session() as session:
        return dict(session.exec(select(Document.id, Document.text)).all())


def codebook(project, *, include_retired: bool = False) -> list:
    """The project's codes in codebook order (detached rows, safe to keep in a UI)."""
    from cotag.store.codes import list_codes

    with project.session() as session:
        return list_codes(session, include_retired=include_retired)


@dataclass(frozen=True)
class CoderInfo:
    id: int
    name: str
    role: str
    codings: int


def coders(project, *, document_id: int | None = None) -> list[CoderInfo]:
    """Every coder with their live codings (in one document, or overall)."""
    from cotag.store.coders import list_coders
    from cotag.store.codings import coders_with_codings

    with project.session() as session:
        counts = coders_with_codings(session, document_id=document_id)
        return [CoderInfo(c.id, c.name, c.role, counts.get(c.id, 0)) for c in list_coders(session)]


# ---------------------------------------------------------------- scripting: list and import

def codings_table(project, *, coders: Iterable[str] | None = None, documents: Iterable[str] | None = None,
                  codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Live codings with the coded text: document, code, coder, start, end, text, memo."""
    from cotag.store import codings as coding_store
    from cotag.store.coders import require_coder
    from cotag.store.codes import require_code
    from cotag.store.documents import require_document
    from cotag.store.models import Document

    with project.session() as session:
        # Unknown names are errors, not empty output: a typo must not look like "no codings".
        for name in coders or ():
            require_coder(session, name=name)
        for external_id in documents or ():
            require_document(session, external_id=external_id)
        for key in codes or ():
            require_code(session, key=key)
        rows = coding_store.list_codings(session, coders=coders, documents=documents, codes=codes)
        texts = {doc_id: session.get(Document, doc_id).text for doc_id in {row.document_id for row in rows}}
        return [{"document": row.document, "code": row.code, "coder": row.coder, "start": row.start, "end": row.end,
                 "text": texts[row.document_id][row.start:row.end], "memo": row.memo} for row in rows]


@dataclass
class CodingsImport:
    """What `cotag codings import` did."""

    path: str
    rows: int = 0
    added: int = 0
    already_present: int = 0
    coders_created: list[str] = field(default_factory=list)
    by_coder: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "added": self.added, "already_present": self.already_present,
                "coders_created": self.coders_created, "by_coder": self.by_coder}


_POSITION_COLUMNS = (("start", "end"), ("unit",), ("unit_start", "unit_end"))


def import_codings(project, *, path: Path | str, lead: str | None = None) -> CodingsImport:
    """Add codings from a CSV table; every row is checked first and a file with any bad row adds nothing.

    Columns: document, coder, code, then start,end (character offsets) or unit
    or unit_start,unit_end (unit numbers, from 1), and an optional memo. Coders are
    created on first use; rows for the consensus coder need `lead`.
    """
    from cotag.store import codings as coding_store
    from cotag.store import coders as coder_store
    from cotag.store.database import begin_write
    from cotag.store.events import log_event
    from cotag.store.models import CONSENSUS_CODER

    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CotagError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in ("document", "coder", "code") if name not in header]
        if missing:
            raise ImportRefused(f"{path}: line 1: missing column(s) {', '.join(missing)} "
                                f"(found: {', '.join(header) or 'nothing'})")
        if not any(all(c in header for c in cols) for cols in _POSITION_COLUMNS):
            raise ImportRefused(f"{path}: line 1: needs start,end (offsets) or unit or unit_start,unit_end columns")
        reader.fieldnames = header
        records: list[tuple[int, dict[str, str]]] = []
        line = 2
        for record in reader:
            records.append((line, {k: (v or "").strip() for k, v in record.items() if k is not None}))
            line = reader.line_num + 1

    report = CodingsImport(path=str(path), rows=len(records))
    errors: list[str] = []
    with project.session() as session:
        # One import at a time: a second run of the same file waits, then finds every row already present.
        begin_write(session)
        lead_row = coder_store.require_lead(session, name=lead) if lead else None
        documents: dict[str, Any] = {}
        codes: dict[str, Any] = {}
        wanted: list[tuple[int, dict[str, Any], str]] = []
        for line, record in records:
            problems: list[str] = []
            document = _import_document(session, documents, record.get("document", ""), problems)
            code = _import_code(session, codes, record.get("code", ""), problems)
            coder = record.get("coder", "")
            if not coder:
                problems.append("coder is empty")
            elif coder == CONSENSUS_CODER and lead_row is None:
                problems.append(f"rows for the {CONSENSUS_CODER!r} coder need --lead NAME")
            span = _import_span(record, document, problems) if document else None
            if problems:
                errors.append(f"line {line}: " + "; ".join(problems))
                continue
            wanted.append((line, {"document_id": document["id"], "code_id": code.id, "start": span[0],
                                  "end": span[1], "memo": record.get("memo", "")}, coder))
        if errors:
            raise ImportRefused(f"{path}: {len(errors)} bad row(s) of {len(records)}, nothing imported:\n  "
                                + "\n  ".join(errors))

        coder_ids: dict[str, int] = {}
        for _, _, name in wanted:
            if name in coder_ids:
                continue
            existing = coder_store.get_coder(session, name=name)
            if existing is None:
                role = "consensus" if name == CONSENSUS_CODER else "coder"
                existing = coder_store.get_or_create_coder(session, name=name, role=role)
                report.coders_created.append(name)
            coder_ids[name] = existing.id
        seen: set[tuple] = set()
        rows: list[dict[str, Any]] = []
        for _, values, name in wanted:
            values = {**values, "coder_id": coder_ids[name]}
            key = (values["document_id"], values["code_id"], values["coder_id"], values["start"], values["end"])
            if key in seen or coding_store.find_live(session, document_id=key[0], code_id=key[1], coder_id=key[2],
                                                     start=key[3], end=key[4]):
                report.already_present += 1
                continue
            seen.add(key)
            rows.append(values)
            report.by_coder[name] = report.by_coder.get(name, 0) + 1
        report.added = coding_store.add_codings(session, rows=rows)
        log_event(session, kind=IMPORT, actor=lead_row.name if lead_row else "", payload=report.as_dict())
    return report


def _import_document(session, cache: dict[str, Any], external_id: str, problems: list[str]) -> dict | None:
    from cotag.store.documents import get_document

    if not external_id:
        problems.append("document is empty")
        return None
    if external_id not in cache:
        document = get_document(session, external_id=external_id)
        if document is None:
            cache[external_id] = None
        else:
            from cotag.store.codings import unit_spans

            cache[external_id] = {"id": document.id, "length": len(document.text),
                                  "units": unit_spans(session, document_id=document.id)}
    if cache[external_id] is None:
        problems.append(f"no document {external_id!r} in the project")
    return cache[external_id]


def _import_code(session, cache: dict[str, Any], key: str, problems: list[str]):
    if not key:
        problems.append("code is empty")
        return None
    if key not in cache:
        try:
            cache[key] = active_code(session, key=key)
        except CotagError as exc:
            cache[key] = exc
    if isinstance(cache[key], CotagError):
        problems.append(str(cache[key]))
        return None
    return cache[key]


def _import_span(record: dict[str, str], document: dict, problems: list[str]) -> tuple[int, int] | None:
    def number(name: str) -> int | None:
        try:
            return int(record[name])
        except ValueError:
            problems.append(f"{name} {record[name]!r} is not a whole number")
            return None

    before = len(problems)
    units = {row[0]: (row[1], row[2]) for row in document["units"]}
    if record.get("start") or record.get("end"):
        start = number("start") if record.get("start") else None
        end = number("end") if record.get("end") else None
        if start is None or end is None:
            if len(problems) == before:
                problems.append("start and end must both be given")
            return None
        if not (0 <= start < end <= document["length"]):
            problems.append(f"span {start}–{end} is not inside the document (0–{document['length']}, start < end)")
            return None
        return start, end
    if record.get("unit"):
        first = last = number("unit")
    elif record.get("unit_start") or record.get("unit_end"):
        first = number("unit_start") if record.get("unit_start") else None
        last = number("unit_end") if record.get("unit_end") else None
        if (first is None or last is None) and len(problems) == before:
            problems.append("unit_start and unit_end must both be given")
    else:
        problems.append("no position: give start,end or unit or unit_start,unit_end")
        return None
    if first is None or last is None:
        return None
    # People number units from 1 (the transcript screen, exports); Unit.index counts from 0.
    if first == 0 or last == 0:
        problems.append("unit 0: units are numbered from 1 (the first sentence is unit 1; changed in this "
                        "version, when units were numbered from 0)")
        return None
    if first - 1 not in units or last - 1 not in units or first > last:
        problems.append(f"unit {first}" + (f"–{last}" if last != first else "")
                        + f" is not in the document (units 1–{len(units)}, first ≤ last)")
        return None
    return units[first - 1][0], units[last - 1][1]
