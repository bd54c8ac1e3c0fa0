"""Queries on the append-only event log."""

from __future__ import annotations

from datetime import datetime
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

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
        query = query.where(col(Event.at) >= since)
    if actor:
        query = query.where(col(Event.actor) == actor)
    if kind:
        query = query.where(col(Event.kind).startswith(kind))
    query = query.order_by(col(Event.at), col(Event.id))
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def latest_event(session: Session, *, kind: str) -> Event | None:
    """The most recent event of exactly this kind (a remembered choice is its latest event)."""
    query = select(Event).where(col(Event.kind) == kind).order_by(col(Event.at).desc(), col(Event.id).desc()).limit(1)
    return session.exec(query).first()


def summarize(kind: str, payload: dict[str, Any]) -> str:
    """One line a researcher can read: the payload's fields, short values first, long lists counted."""
    parts = []
    for key, value in payload.items():
        if isinstance(value, (list, dict)):
            if not value:
                continue
            value = f"[{len(value)}]" if len(str(value)) > 40 else value
        parts.append(f"{key}={value}")
    return " ".join(str(p) for p in parts)


def event_table(session: Session, *, since: datetime | None = None, actor: str | None = None,
                kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Events as plain rows (the audit trail's CLI and TUI view): id, at (ISO, UTC), actor, kind, payload, summary."""
    return [{"id": e.id, "at": e.at.isoformat(timespec="seconds"), "actor": e.actor, "kind": e.kind,
             "payload": e.payload, "summary": summarize(e.kind, e.payload)}
            for e in list_events(session, since=since, actor=actor, kind=kind, limit=limit)]


def events_of(session: Session, *, actors: Iterable[str]) -> list[tuple[datetime, str, str, Any]]:
    """(at, actor, kind, payload) of every event these actors caused, in the order they happened."""
    query = (select(col(Event.at), col(Event.actor), col(Event.kind), col(Event.payload))
             .where(col(Event.actor).in_(sorted(set(actors)) or [""]))
             .order_by(col(Event.at), col(Event.id)))
    return [(at, actor, kind, payload) for at, actor, kind, payload in session.exec(query)]
