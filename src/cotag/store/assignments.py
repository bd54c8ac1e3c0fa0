"""Queries on assignments: the live plan (removed_at IS NULL) and its history."""

from __future__ import annotations

from typing import Any, Optional, cast

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col, select

from cotag.store.session import Session

from cotag.store.models import Assignment, Coder, Document, utcnow


def live(session: Session, *, round_name: Optional[str] = None,
         documents: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """Every live assignment the session may see (on PostgreSQL a coder's role sees only their own)."""
    query = (sa_select(col(Document.external_id), col(Coder.name), col(Assignment.round_name), col(Assignment.overlap),
                       col(Assignment.document_id))
             .join(Document, col(Document.id) == col(Assignment.document_id))
             .join(Coder, col(Coder.id) == col(Assignment.coder_id))
             .where(col(Assignment.removed_at).is_(None)))
    if round_name is not None:
        query = query.where(col(Assignment.round_name) == round_name)
    if documents is not None:
        query = query.where(col(Document.external_id).in_(documents))
    return [{"document": d, "coder": c, "round": r, "overlap": bool(o), "document_id": i}
            for d, c, r, o, i in session.execute(query.order_by(col(Document.external_id), col(Coder.name))).all()]


def live_for_document(session: Session, *, document: str, round_name: Optional[str] = None) -> list[dict[str, Any]]:
    return live(session, round_name=round_name, documents=[document])


def replace(session: Session, *, plan: dict[str, list[int]], overlap: set[str], round_name: str, lead: str) -> int:
    """Store plan (document id -> coder ids) for the round; returns how many live rows it replaced."""
    ids = {external_id: document_id for external_id, document_id in session.execute(
        select(col(Document.external_id), col(Document.id)).where(col(Document.external_id).in_(list(plan)))).all()}
    now = utcnow()
    replaced = cast(Any, session.execute(
        update(Assignment)
        .where(col(Assignment.document_id).in_(list(ids.values())), col(Assignment.round_name) == round_name,
               col(Assignment.removed_at).is_(None))
        .values(removed_at=now))).rowcount or 0
    for document, coder_ids in plan.items():
        for coder_id in coder_ids:
            session.add(Assignment(document_id=ids[document], coder_id=coder_id, round_name=round_name,
                                   overlap=document in overlap, assigned_by=lead, created_at=now))
    session.flush()
    return replaced


def document_ids_for_coder(session: Session, *, coder_id: int) -> set[int]:
    """The documents this coder is assigned now (any round)."""
    return set(session.exec(select(col(Assignment.document_id)).where(col(Assignment.coder_id) == coder_id,
                                                                 col(Assignment.removed_at).is_(None))).all())
