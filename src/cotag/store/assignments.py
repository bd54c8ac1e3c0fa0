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


# ---------------------------------------------------------------- what planning and progress read

def documents_in_scope(session: Session, *, group: Optional[str] = None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Per document id (of one group, or all): its group and attributes."""
    query = select(Document.external_id, Document.group, Document.attributes)
    if group is not None:
        query = query.where(Document.group == group)
    return {external_id: (grp, attrs or {}) for external_id, grp, attrs in session.exec(query)}


def known_documents(session: Session, external_ids: list[str]) -> set[str]:
    """Those of `external_ids` the project has."""
    if not external_ids:
        return set()
    return set(session.exec(select(Document.external_id).where(Document.external_id.in_(external_ids))))  # type: ignore[attr-defined]


def work_in(session: Session, document_ids: list[int]) -> tuple[dict[tuple[str, int], int], set[tuple[str, int]]]:
    """In these documents, per (coder name, document id): live codings; and the pairs marked done."""
    from sqlalchemy import func

    from cotag.store.models import PROGRESS_DONE, Coding, Progress

    codings: dict[tuple[str, int], int] = {}
    done: set[tuple[str, int]] = set()
    if not document_ids:
        return codings, done
    names = dict(session.execute(select(Coder.id, Coder.name)).all())  # type: ignore[call-overload]
    for coder_id, document_id, count in session.execute(  # type: ignore[call-overload]
            select(Coding.coder_id, Coding.document_id, func.count())
            .where(Coding.deleted_at.is_(None), Coding.document_id.in_(document_ids))  # type: ignore[union-attr,attr-defined]
            .group_by(Coding.coder_id, Coding.document_id)).all():
        codings[(names.get(coder_id, ""), document_id)] = count
    for coder_id, document_id in session.execute(  # type: ignore[call-overload]
            select(Progress.coder_id, Progress.document_id)
            .where(Progress.status == PROGRESS_DONE, Progress.document_id.in_(document_ids))).all():  # type: ignore[attr-defined]
        done.add((names.get(coder_id, ""), document_id))
    return codings, done


# ---------------------------------------------------------------- rounds

def get_round(session: Session, name: str) -> Any:
    from cotag.store.models import Round

    return session.exec(select(Round).where(Round.name == name)).first()


def add_round(session: Session, *, name: str, documents: list[str], lead: str) -> Any:
    from cotag.store.models import Round

    row = Round(name=name, documents=documents, started_by=lead)
    session.add(row)
    session.flush()
    return row


def close_round(session: Session, row: Any, *, lead: str) -> None:
    row.closed_at = utcnow()
    row.closed_by = lead
    session.add(row)
    session.flush()


def all_rounds(session: Session) -> list[Any]:
    """Every round in the order it started."""
    from cotag.store.models import Round

    return list(session.exec(select(Round).order_by(Round.started_at, Round.id)))  # type: ignore[arg-type]


def coder_if_allowed(session: Session, name: str) -> Any:
    """The coder, created on first use; None when this database role may not add coder rows (PostgreSQL:
    a lead's role may not; the owner adds coders)."""
    from sqlalchemy.exc import DBAPIError

    from cotag.store.coders import get_coder, get_or_create_coder

    coder = get_coder(session, name=name)
    if coder is not None:
        return coder
    try:
        with session.begin_nested():
            return get_or_create_coder(session, name=name)
    except DBAPIError:
        return None
