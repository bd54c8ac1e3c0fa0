"""Queries on what a respondent's document carries besides its units: attributes, speakers, the sheet's history.

Used by the attributes spreadsheet (cotag.attributes) and, through it, the transcript importer.
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlmodel import Session, col, select

from cotag.store.models import Document, Event


def documents_with_attributes(session: Session) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, group, attributes) of every document, by group then id."""
    rows = session.connection().execute(select(Document.external_id, Document.group, Document.attributes)
                                        .order_by(Document.group, Document.external_id))
    return [(row[0], row[1] or "", dict(row[2] or {})) for row in rows]


def set_attributes(session: Session, values: Mapping[str, dict[str, Any]]) -> None:
    """Give documents (by id) new attribute dicts; each dict replaces the stored one whole."""
    if not values:
        return
    for document in session.exec(select(Document).where(col(Document.external_id).in_(list(values)))):
        document.attributes = dict(values[document.external_id])
        session.add(document)


def event_payloads(session: Session, *, kind: str) -> list[dict[str, Any]]:
    """The payloads of every event of one kind, oldest first."""
    rows = session.exec(select(Event.payload).where(Event.kind == kind).order_by(col(Event.at), col(Event.id)))
    return [dict(payload or {}) for payload in rows]
