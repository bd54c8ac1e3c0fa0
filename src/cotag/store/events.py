"""Queries on the append-only event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from cotag.store.models import Event


def log_event(session: Session, *, kind: str, actor: str = "", payload: dict[str, Any] | None = None) -> Event:
    event = Event(kind=kind, actor=actor, payload=payload or {})
    session.add(event)
    return event


def log_events(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Many events in one round trip (imports, bulk codebook operations)."""
    if rows:
        from sqlalchemy import insert

        from cotag.store.models import utcnow

        now = utcnow()
        session.execute(insert(Event), [{"at": now, "actor": "", "payload": {}, **row} for row in rows])


def list_events(session: Session, *, since: datetime | None = None, actor: str | None = None,
                kind: str | None = None, limit: int | None = None) -> list[Event]:
    query = select(Event)
    if since is not None:
        query = query.where(Event.at >= since)
    if actor:
        query = query.where(Event.actor == actor)
    if kind:
        query = query.where(Event.kind.startswith(kind))
    query = query.order_by(Event.at, Event.id)
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))
