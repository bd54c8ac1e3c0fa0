"""The queries REFI-QDA import and export need beyond the per-table modules: key maps, presence checks, the
coding and memo keys an import must not add twice, and the import events a codebook journal is matched against."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import col, select

from cotag.store.models import Code, Coder, Coding, Event, Memo
from cotag.store.session import Session

__all__ = ["code_ids_by_key", "has_coders", "import_event_payloads", "insert_code", "live_coding_keys", "memo_keys",
           "update_code"]


def code_ids_by_key(session: Session) -> dict[str, int]:
    """Every code's id by its key (retired and merged codes too)."""
    return {key: code_id for key, code_id in session.exec(select(Code.key, col(Code.id))).all() if code_id is not None}


def has_coders(session: Session) -> bool:
    """Whether the project has any coder yet (a project without coders takes a file's users as they are)."""
    return session.exec(select(Coder.id).limit(1)).first() is not None


def live_coding_keys(session: Session, *, document_ids: Iterable[int]) -> set[tuple[int, int, int, int, int]]:
    """(document_id, code_id, coder_id, start, end) of the live codings on these documents."""
    ids = list(document_ids)
    if not ids:
        return set()
    # SQLAlchemy's select: sqlmodel's overloads stop at four columns.
    rows = session.execute(select_columns(col(Coding.document_id), col(Coding.code_id), col(Coding.coder_id),
                                          col(Coding.start), col(Coding.end))
                           .where(col(Coding.document_id).in_(ids), col(Coding.deleted_at).is_(None))).all()
    return {(r[0], r[1], r[2], r[3], r[4]) for r in rows}


def memo_keys(session: Session) -> Counter[tuple[int, int | None, int | None, str, str]]:
    """How many memos each (coder_id, document_id, code_id, title, text) has: an import adds no memo twice."""
    rows = session.execute(select_columns(col(Memo.coder_id), col(Memo.document_id), col(Memo.code_id),
                                          col(Memo.title), col(Memo.text))).all()
    return Counter((r[0], r[1], r[2], r[3], r[4]) for r in rows)


def import_event_payloads(session: Session, *, kinds: Iterable[str], limit: int = 500) -> list[Any]:
    """The payloads of the latest events of these kinds, newest first."""
    return list(session.exec(select(Event.payload).where(col(Event.kind).in_(list(kinds)))
                             .order_by(col(Event.id).desc()).limit(limit)).all())


def insert_code(session: Session, **values: Any) -> Code:
    """A new code row, flushed so it has its id (a child imported next names it as parent)."""
    row = Code(**values)
    session.add(row)
    session.flush()
    return row


def update_code(session: Session, code: Code, **values: Any) -> None:
    """Set these fields of a code row (written with the session's next flush)."""
    for name, value in values.items():
        setattr(code, name, value)
    session.add(code)
