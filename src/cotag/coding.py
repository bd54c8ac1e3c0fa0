"""Coding a transcript: apply, toggle, remove and memo codings for one coder, with undo, permissions and progress.

CodingSession is the coder's write path and the one use case below services/ that opens its own sessions:
each change is one transaction, committed before the next is taken, and its undo history holds only
committed changes (docs/architecture.md says why it stays here). Span geometry is cotag.spans; what the
coding screen reads is cotag.coding_views; `codings import` is cotag.codings_import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from cotag.errors import CotagError, NotFound, PermissionDenied
from cotag.spans import check_span
from cotag.store.rows import row_id

if TYPE_CHECKING:
    from cotag.store.session import Session

# Event kinds written to the audit log; the reliability and reconcile stages read them back.
APPLY = "coding.apply"
REMOVE = "coding.remove"
MEMO = "coding.memo"
UNDO = "coding.undo"
REDO = "coding.redo"
IMPORT = "coding.import"
DONE = "progress.done"
REOPEN = "progress.reopen"

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
        self.actor, self.actor_id = actor.name, row_id(actor)
        self.owner, self.owner_id = target.name, row_id(target)
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

    def _document(self, session: Session, document_id: int) -> tuple[str, int]:
        if document_id not in self._documents:
            from cotag.store.documents import name_and_length

            row = name_and_length(session, document_id=document_id)
            if row is None:
                raise NotFound(f"no document with database id {document_id}")
            self._documents[document_id] = row
        return self._documents[document_id]

    def _coding(self, session: Session, coding_id: int):
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
            if coding_store.find_live(session, document_id=document_id, code_id=row_id(code_row),
                                      coder_id=self.owner_id, start=start, end=end):
                raise CotagError(f"{code_row.key} is already on {external_id} {start}–{end}")
            coding = coding_store.add_coding(session, document_id=document_id, code_id=row_id(code_row),
                                             coder_id=self.owner_id, start=start, end=end, memo=memo,
                                             source=source)
            change = Change(APPLY, row_id(coding), document_id, external_id, code_row.key, start, end, memo)
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
            existing = coding_store.find_live(session, document_id=document_id, code_id=row_id(code_row),
                                              coder_id=self.owner_id, start=start, end=end)
        if existing is not None:
            return self.remove(coding_id=row_id(existing), cursor=cursor)
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
        from cotag.store import codings as coding_store

        with self.project.session() as session:
            coding = self._coding(session, coding_id)
            if coding.deleted_at is not None:
                raise CotagError(f"coding {coding_id} was removed; restore it (undo) before writing its memo")
            if coding.memo == memo:
                return None
            external_id, _ = self._document(session, coding.document_id)
            change = Change(MEMO, coding.id, coding.document_id, external_id, _code_key(session, coding.code_id),
                            coding.start, coding.end, memo, coding.memo)
            coding_store.set_memo(session, coding=coding, memo=memo)
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
                coding_store.set_memo(session, coding=coding,
                                      memo=change.previous_memo if backwards else change.memo)
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


def _code_key(session: Session, code_id: int) -> str:
    from cotag.store.codes import get_code_by_id

    code = get_code_by_id(session, code_id=code_id)
    return code.key if code else str(code_id)


def active_code(session: Session, *, key: str):
    """The code with this key, refusing one that may no longer be applied."""
    from cotag.store.codes import get_code_by_id, require_code
    from cotag.store.models import STATUS_MERGED, STATUS_RETIRED

    code = require_code(session, key=key)
    if code.status == STATUS_RETIRED:
        raise CotagError(f"code {code.key!r} ({code.name}) is retired and cannot be applied; "
                         "choose an active code")
    if code.status == STATUS_MERGED:
        target = get_code_by_id(session, code_id=code.merged_into_id) if code.merged_into_id else None
        into = f" into {target.key!r}" if target else ""
        raise CotagError(f"code {code.key!r} ({code.name}) was merged{into} and cannot be applied")
    return code
