"""Queries on assignments: the live plan (removed_at IS NULL) and its history."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import update
from sqlmodel import Session, select

from cotag.store.models import Assignment, Coder, Document, utcnow


def live(session: Session, *, round_name: Optional[str] = None,
         documents: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """Every live assignment the session may see (on PostgreSQL a coder's role sees only their own)."""
    query = (select(Document.external_id, Coder.name, Assignment.round_name, Assignment.overlap, Assignment.document_id)
             .join(Document, Document.id == Assignment.document_id)
             .join(Coder, Coder.id == Assignment.coder_id)
             .where(Assignment.removed_at.is_(None)))
    if round_name is not None:
        query = query.where(Assignment.round_name == round_name)
    if documents is not None:
        query = query.where(Document.external_id.in_(documents))
    return [{"document": d, "coder": c, "round": r, "overlap": bool(o), "document_id": i}
            for d, c, r, o, i in session.execute(query.order_by(Document.external_id, Coder.name)).all()]


def live_for_document(session: Session, *, document: str, round_name: Optional[str] = None) -> list[dict[str, Any]]:
    return live(session, round_name=round_name, documents=[document])


def replace(session: Session, *, plan: dict[str, list[int]], overlap: set[str], round_name: str, lead: str) -> int:
    """Store plan (document id -> coder ids) for the round; returns how many live rows it replaced."""
    ids = {external_id: document_id for external_id, document_id in session.execute(
        select(Document.external_id, Document.id).where(Document.external_id.in_(list(plan)))).all()}
    now = utcnow()
    replaced = session.execute(
        update(Assignment)
        .where(Assignment.document_id.in_(list(ids.values())), Assignment.round_name == round_name,
               Assignment.removed_at.is_(None))
        .values(removed_at=now)).rowcount or 0
    for document, coder_ids in plan.items():
        for coder_id in coder_ids:
            session.add(Assignment(document_id=ids[document], coder_id=coder_id, round_name=round_name,
                                   overlap=document in overlap, assigned_by=lead, created_at=now))
    session.flush()
    return replaced


def document_ids_for_coder(session: Session, *, coder_id: int) -> set[int]:
    """The documents this coder is assigned now (any round)."""
    return set(session.exec(select(Assignment.document_id).where(Assignment.coder_id == coder_id,
                                                                 Assignment.removed_at.is_(None))).all())
