"""Queries on training: which documents a trainee practises on, and the clause that leaves practice out.

A (trainee, document) pair in `training` makes the trainee's codings and progress on that document practice.
Every query that gathers codings for agreement, reconciling, the consensus, exports or the suggester adds
`not_practice(...)` (or drops `practice_pairs`), so practice never counts as study data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from cotag.store.models import CONSENSUS_CODER, Code, Coder, Coding, Document, Training, utcnow
from cotag.store.session import Session


def not_practice(coder_id: Any, document_id: Any) -> ColumnElement[bool]:
    """True where (coder_id, document_id) is not a trainee's practice: for the WHERE of a coding or progress query."""
    return ~exists().where(col(Training.coder_id) == coder_id, col(Training.document_id) == document_id)


def practice_pairs(session: Session) -> set[tuple[int, int]]:
    """Every (coder id, document id) that is practice."""
    return {(c, d) for c, d in session.execute(select(col(Training.coder_id), col(Training.document_id))).all()}


def practice_by_name(session: Session) -> set[tuple[str, str]]:
    """Every (coder name, document external id) that is practice."""
    rows = session.execute(select(col(Coder.name), col(Document.external_id))
                           .join(Training, col(Training.coder_id) == col(Coder.id))
                           .join(Document, col(Document.id) == col(Training.document_id))).all()
    return {(name, document) for name, document in rows}


def for_coder(session: Session, *, coder_id: int) -> list[dict[str, Any]]:
    """The trainee's practice documents, in the order they were given."""
    rows = session.execute(select(col(Document.id), col(Document.external_id), col(Training.assigned_by), col(Training.created_at))
                           .join(Document, col(Document.id) == col(Training.document_id))
                           .where(col(Training.coder_id) == coder_id)
                           .order_by(col(Training.created_at), col(Document.external_id))).all()
    return [{"document_id": i, "document": e, "assigned_by": by, "created_at": at} for i, e, by, at in rows]


def add(session: Session, *, coder_id: int, document_ids: Iterable[int], lead: str,
        at: datetime | None = None) -> list[int]:
    """Give the trainee these documents (those they practise on already are skipped); returns the new ones."""
    have = {d for (d,) in session.execute(select(col(Training.document_id)).where(col(Training.coder_id) == coder_id)).all()}
    now = at or utcnow()
    added = []
    for document_id in document_ids:
        if document_id in have:
            continue
        session.add(Training(coder_id=coder_id, document_id=document_id, assigned_by=lead, created_at=now))
        have.add(document_id)
        added.append(document_id)
    session.flush()
    return added


def consensus_documents(session: Session, *, document_ids: Iterable[int]) -> set[int]:
    """Those of the documents that have a consensus: at least one live coding of the consensus coder."""
    ids = list(document_ids)
    if not ids:
        return set()
    return {d for (d,) in session.execute(
        select(col(Coding.document_id)).join(Coder, col(Coder.id) == col(Coding.coder_id))
        .where(col(Coder.name) == CONSENSUS_CODER, col(Coding.deleted_at).is_(None), col(Coding.document_id).in_(ids))
        .distinct()).all()}


def coded_by(session: Session, *, coder_id: int, document_ids: Iterable[int]) -> set[int]:
    """Those of the documents where the coder has live codings that are not practice (their study work)."""
    ids = list(document_ids)
    if not ids:
        return set()
    return {d for (d,) in session.execute(
        select(col(Coding.document_id)).where(col(Coding.coder_id) == coder_id, col(Coding.deleted_at).is_(None),
                                         col(Coding.document_id).in_(ids),
                                         not_practice(col(Coding.coder_id), col(Coding.document_id))).distinct()).all()}


def spans(session: Session, *, coder_id: int, document_ids: Iterable[int]) -> list[tuple[int, int, int, int]]:
    """(document id, code id, start, end) of the coder's live codings in these documents."""
    ids = list(document_ids)
    if not ids:
        return []
    return [tuple(r) for r in session.execute(
        select(col(Coding.document_id), col(Coding.code_id), col(Coding.start), col(Coding.end))
        .where(col(Coding.coder_id) == coder_id, col(Coding.deleted_at).is_(None), col(Coding.document_id).in_(ids))
        .order_by(col(Coding.document_id), col(Coding.start))).all()]


def study_coding_counts(session: Session) -> dict[int, int]:
    """coder id -> live codings that are not practice (who has study work to compare)."""
    rows = session.execute(select(col(Coding.coder_id), func.count())
                           .where(col(Coding.deleted_at).is_(None), not_practice(col(Coding.coder_id), col(Coding.document_id)))
                           .group_by(col(Coding.coder_id))).all()
    return {c: n for c, n in rows}


def codes_by_id(session: Session) -> dict[int, Code]:
    return {c.id: c for c in session.exec(select(Code)) if c.id is not None}


def units(session: Session, *, document_ids: Iterable[int]) -> list[tuple[int, int, int, int, bool]]:
    """(document id, start, end, turn, is_interviewer) of every unit of these documents."""
    from cotag.store.models import Unit

    ids = list(document_ids)
    if not ids:
        return []
    import sqlalchemy

    return [(d, s, e, t, bool(i)) for d, s, e, t, i in session.execute(
        sqlalchemy.select(col(Unit.document_id), col(Unit.start), col(Unit.end), col(Unit.turn), col(Unit.is_interviewer))
        .where(col(Unit.document_id).in_(ids))).all()]
