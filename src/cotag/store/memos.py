"""Queries on free-standing memos (on a document, a code, or the project); coding memos live on Coding.memo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select as core_select
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


def add_memo(session: Session, *, coder_id: int, text: str, title: str = "", document_id: int | None = None,
             code_id: int | None = None, created_at: datetime | None = None,
             updated_at: datetime | None = None) -> Memo:
    created = created_at or utcnow()
    memo = Memo(coder_id=coder_id, document_id=document_id, code_id=code_id, title=title, text=text,
                created_at=created, updated_at=updated_at or created)
    session.add(memo)
    session.flush()
    return memo


def list_memos(session: Session, *, coders: Iterable[str] | None = None) -> list[MemoRow]:
    """Memos in creation order, optionally only those written by the named coders."""
    query = (
        core_select(col(Memo.id), col(Coder.name), col(Document.external_id), col(Code.key), col(Memo.title),
                    col(Memo.text), col(Memo.created_at), col(Memo.updated_at))
        .join(Coder, col(Coder.id) == col(Memo.coder_id))
        .join(Document, col(Document.id) == col(Memo.document_id), isouter=True)
        .join(Code, col(Code.id) == col(Memo.code_id), isouter=True)
    )
    if coders is not None:
        query = query.where(col(Coder.name).in_(list(coders)))
    query = query.order_by(col(Memo.created_at), col(Memo.id))
    return [MemoRow(*row) for row in session.execute(query)]


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
