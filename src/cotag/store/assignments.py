"""Queries on assignments: the live plan (removed_at IS NULL) and its history."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select as select_columns
from sqlalchemy import update
from sqlmodel import Session, col, select

from cotag.store.models import Assignment, Coder, Document, utcnow


def live(session: Session, *, round_name: Optional[str] = None,
         documents: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """Every live assignment the session may see (on PostgreSQL a coder's role sees only their own)."""
    # Five columns: SQLAlchemy's select (sqlmodel's typed one takes four), through execute.
    query = (select_columns(col(Document.external_id), col(Coder.name), col(Assignment.round_name),
                            col(Assignment.overlap), col(Assignment.document_id))
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
        select(Document.external_id, Document.id).where(col(Document.external_id).in_(list(plan)))).all()}
    now = utcnow()
    result: Any = session.execute(
        update(Assignment)
        .where(col(Assignment.document_id).in_(list(ids.values())), col(Assignment.round_name) == round_name,
               col(Assignment.removed_at).is_(None))
        .values(removed_at=now))
    replaced = int(result.rowcount or 0)
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
    return {external_id: (grp, dict(attrs or {})) for external_id, grp, attrs in session.exec(query)}


def known_documents(session: Session, external_ids: list[str]) -> set[str]:
    """Those of `external_ids` the project has."""
    if not external_ids:
        return set()
    return set(session.exec(select(Document.external_id).where(col(Document.external_id).in_(external_ids))))


def work_in(session: Session, document_ids: list[int]) -> tuple[dict[tuple[str, int], int], set[tuple[str, int]]]:
    """In these documents, per (coder name, document id): live codings; and the pairs marked done."""
    from sqlalchemy import func

    from cotag.store.models import PROGRESS_DONE, Coding, Progress

    codings: dict[tuple[str, int], int] = {}
    done: set[tuple[str, int]] = set()
    if not document_ids:
        return codings, done
    names: dict[Any, str] = dict(session.execute(select(Coder.id, Coder.name)).all())
    for coder_id, document_id, count in session.execute(
            select(Coding.coder_id, Coding.document_id, func.count())
            .where(col(Coding.deleted_at).is_(None), col(Coding.document_id).in_(document_ids))
            .group_by(col(Coding.coder_id), col(Coding.document_id))).all():
        codings[(names.get(coder_id, ""), document_id)] = count
    for coder_id, document_id in session.execute(
            select(Progress.coder_id, Progress.document_id)
            .where(Progress.status == PROGRESS_DONE, col(Progress.document_id).in_(document_ids))).all():
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

    return list(session.exec(select(Round).order_by(col(Round.started_at), col(Round.id))))


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


def document_ids_for_coder(session: Session, *, coder_id: int) -> set[int]:
    """The documents this coder is assigned now (any round)."""
    return set(session.exec(select(col(Assignment.document_id)).where(col(Assignment.coder_id) == coder_id,
                                                                 col(Assignment.removed_at).is_(None))).all())


def document_and_coder_ids(session: Session, *, documents: list[str],
                           coders: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """The ids of these documents and coders (by external id and name; unknown ones left out)."""
    docs = dict(session.execute(select(Document.external_id, col(Document.id))
                                .where(col(Document.external_id).in_(documents or [""]))).all())
    people = dict(session.execute(select(Coder.name, col(Coder.id)).where(col(Coder.name).in_(coders or [""]))).all())
    return docs, people
