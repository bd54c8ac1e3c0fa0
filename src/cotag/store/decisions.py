"""Queries on decisions: a lead's rulings on disagreements, superseded (never erased) when revisited."""

from __future__ import annotations

from typing import Iterable

from sqlmodel import Session, col, select

from cotag.store.models import Decision, utcnow


def add_decision(session: Session, *, disagreement: str, document_id: int, code_id: int, lead_id: int, ruling: str,
                 start: int | None = None, end: int | None = None, note: str = "") -> Decision:
    decision = Decision(disagreement=disagreement, document_id=document_id, code_id=code_id, lead_id=lead_id,
                        ruling=ruling, start=start, end=end, note=note)
    session.add(decision)
    session.flush()
    return decision


def live_decision(session: Session, *, disagreement: str) -> Decision | None:
    """The ruling that stands on one disagreement (the newest not superseded)."""
    return session.exec(select(Decision).where(col(Decision.disagreement) == disagreement,
                                               col(Decision.superseded_at).is_(None))
                        .order_by(col(Decision.id).desc())).first()


def live_decisions(session: Session, *, document_ids: Iterable[int] | None = None) -> dict[str, Decision]:
    """disagreement id -> the ruling that stands, for the whole project or some documents, in one query."""
    query = select(Decision).where(col(Decision.superseded_at).is_(None))
    if document_ids is not None:
        query = query.where(col(Decision.document_id).in_(list(document_ids)))
    return {decision.disagreement: decision for decision in session.exec(query.order_by(col(Decision.id)))}


def supersede(session: Session, *, decision: Decision) -> None:
    decision.superseded_at = utcnow()
    session.add(decision)


def history(session: Session, *, disagreement: str) -> list[Decision]:
    """Every ruling on one disagreement, oldest first, superseded ones included."""
    query = select(Decision).where(col(Decision.disagreement) == disagreement).order_by(col(Decision.id))
    return list(session.exec(query))
