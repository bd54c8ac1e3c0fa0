"""Queries on documents and their units (sentences inside speaker turns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from cotag.errors import NotFound
from cotag.store.models import Coding, Document, Unit


@dataclass
class UnitRow:
    index: int
    start: int
    end: int
    turn: int
    speaker: str
    is_interviewer: bool


def get_document(session: Session, *, external_id: str) -> Document | None:
    return session.exec(select(Document).where(Document.external_id == external_id)).first()


def require_document(session: Session, *, external_id: str) -> Document:
    document = get_document(session, external_id=external_id)
    if document is None:
        raise NotFound(f"no document with id {external_id!r} (see `cotag documents list`)")
    return document


def documents_by_hash(session: Session) -> dict[str, str]:
    return {h: ext for ext, h in session.exec(select(Document.external_id, Document.content_hash))}


def list_documents(session: Session, *, group: str | None = None) -> list[Document]:
    query = select(Document).order_by(Document.group, Document.external_id)
    if group:
        query = query.where(Document.group == group)
    return list(session.exec(query))


def unit_counts(session: Session) -> dict[int, int]:
    return dict(session.exec(select(Unit.document_id, func.count()).group_by(Unit.document_id)).all())


def list_units(session: Session, *, document_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.document_id == document_id).order_by(Unit.index)))


def add_document(session: Session, *, values: dict[str, Any], units: list[UnitRow] | None = None) -> Document:
    """A new document; pass units=None to insert them later in bulk with insert_units_of."""
    document = Document(**values)
    session.add(document)
    session.flush()
    if units is not None:
        insert_units(session, document_id=document.id, units=units)
    return document


def insert_units(session: Session, *, document_id: int, units: list[UnitRow]) -> None:
    insert_units_of(session, batches=[(document_id, units)])


def insert_units_of(session: Session, *, batches: list[tuple[int, list[UnitRow]]]) -> None:
    """Units of many documents in one Core executemany: the ORM's per-row bookkeeping cost more than spaCy."""
    rows = [
        {"document_id": document_id, "index": u.index, "start": u.start, "end": u.end, "turn": u.turn,
         "speaker": u.speaker, "is_interviewer": u.is_interviewer}
        for document_id, units in batches for u in units
    ]
    if rows:
        session.connection().execute(insert(Unit.__table__), rows)


def replace_document(session: Session, *, document: Document, values: dict[str, Any], units: list[UnitRow]) -> None:
    """Swap a document's text and units; only for documents that no coding points at."""
    for name, value in values.items():
        setattr(document, name, value)
    session.add(document)
    session.execute(delete(Unit).where(Unit.document_id == document.id))
    session.flush()
    insert_units(session, document_id=document.id, units=units)


def live_codings_count(session: Session, *, document_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Coding).where(Coding.document_id == document_id, Coding.deleted_at.is_(None))
    ).one()


def counts_by_group(session: Session) -> dict[str, int]:
    return dict(session.exec(select(Document.group, func.count()).group_by(Document.group).order_by(Document.group)).all())


def total_units(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Unit)).one()
