"""Queries on free-standing memos (on a passage, a document, a code, or the project: the journal).

Memos on codings live on Coding.memo (store/codings.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from cotag.store.models import Code, Coder, Document, Memo, utcnow


@dataclass(frozen=True)
class MemoRow:
    """A memo joined with the names researchers use."""

    id: int
    coder: str
    document: str | None  # external id
    code: str | None  # code key
    title: str
    text: str
    created_at: datetime
    updated_at: datetime
    start: int | None = None  # a passage memo's span
    end: int | None = None
    document_text: str | None = None  # only when list_memos(with_text=True)


def add_memo(session: Session, *, coder_id: int, text: str, title: str = "", document_id: int | None = None,
             code_id: int | None = None, start: int | None = None, end: int | None = None,
             created_at: datetime | None = None, updated_at: datetime | None = None) -> Memo:
    created = created_at or utcnow()
    memo = Memo(coder_id=coder_id, document_id=document_id, code_id=code_id, start=start, end=end, title=title,
                text=text, created_at=created, updated_at=updated_at or created)
    session.add(memo)
    session.flush()
    return memo


def get_memo(session: Session, *, memo_id: int) -> Memo | None:
    return session.get(Memo, memo_id)


def set_memo_text(session: Session, *, memo: Memo, text: str, title: str | None = None) -> Memo:
    """A memo's new words (coder roles may change only its title, text and time: migration 0003)."""
    memo.text = text
    if title is not None:
        memo.title = title
    memo.updated_at = utcnow()
    session.add(memo)
    session.flush()
    return memo


def find_memo(session: Session, *, coder_id: int, document_id: int | None, code_id: int | None,
              start: int | None = None, end: int | None = None) -> Memo | None:
    """The coder's newest memo on exactly this thing (a document, a code, a passage; all None: the journal)."""
    def same(column, value):
        return column.is_(None) if value is None else column == value

    query = (select(Memo).where(Memo.coder_id == coder_id, same(col(Memo.document_id), document_id),
                                same(col(Memo.code_id), code_id), same(col(Memo.start), start),
                                same(col(Memo.end), end))
             .order_by(col(Memo.created_at).desc(), col(Memo.id).desc()))
    return session.exec(query).first()


def list_memos(session: Session, *, coders: Iterable[str] | None = None, document_ids: Iterable[int] | None = None,
               code_ids: Iterable[int] | None = None, with_text: bool = False) -> list[MemoRow]:
    """Memos in creation order, optionally only those written by the named coders, or on these documents or
    codes; with_text, each row also carries its document's text (to quote a passage memo's words)."""
    columns: list[Any] = [Memo.id, Coder.name, Document.external_id, Code.key, Memo.title, Memo.text, Memo.created_at,
               Memo.updated_at, Memo.start, Memo.end]
    if with_text:
        columns.append(Document.text)
    query = (
        select(*columns)
        .join(Coder, col(Coder.id) == Memo.coder_id)
        .join(Document, col(Document.id) == Memo.document_id, isouter=True)
        .join(Code, col(Code.id) == Memo.code_id, isouter=True)
    )
    if coders is not None:
        query = query.where(col(Coder.name).in_(list(coders)))
    if document_ids is not None:
        query = query.where(col(Memo.document_id).in_(list(document_ids)))
    if code_ids is not None:
        query = query.where(col(Memo.code_id).in_(list(code_ids)))
    query = query.order_by(col(Memo.created_at), col(Memo.id))
    return [MemoRow(*row) for row in session.exec(query)]


def target_names(session: Session, *, document_id: int | None, code_id: int | None) -> tuple[str | None, str | None]:
    """The external id of a document and the key of a code, by database id (None for None)."""
    document = session.get(Document, document_id) if document_id is not None else None
    code = session.get(Code, code_id) if code_id is not None else None
    return (document.external_id if document else None), (code.key if code else None)


def memos_of(session: Session, *, coder_ids: Iterable[int], document_ids: Iterable[int] | None = None,
             with_unattached: bool = False) -> list[Memo]:
    """These coders' memos in the order they were written; with `document_ids`, only memos on those documents
    (and, `with_unattached`, memos on no document)."""
    query = select(Memo).where(col(Memo.coder_id).in_(sorted(set(coder_ids)) or [-1]))
    if document_ids is not None:
        on_documents = col(Memo.document_id).in_(sorted(set(document_ids)))
        query = query.where(or_(on_documents, col(Memo.document_id).is_(None)) if with_unattached
                            else on_documents)
    return list(session.exec(query.order_by(col(Memo.id))))


def update_memo(session: Session, *, memo: Memo, title: str, text: str, updated_at: datetime) -> None:
    memo.text, memo.title, memo.updated_at = text, title, updated_at
    session.add(memo)
