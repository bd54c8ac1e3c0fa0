"""Queries on progress: which documents a coder was given, where they stopped, which they marked done."""

from __future__ import annotations

from sqlmodel import col, select

from cotag.store.session import Session

from cotag.store.models import PROGRESS_ASSIGNED, PROGRESS_DONE, Progress, utcnow


def get_progress(session: Session, *, coder_id: int, document_id: int) -> Progress | None:
    return session.exec(select(Progress).where(col(Progress.coder_id) == coder_id,
                                               col(Progress.document_id) == document_id)).first()


def touch(session: Session, *, coder_id: int, document_id: int, cursor: int | None = None,
          status: str | None = None) -> Progress:
    """Create or update a coder's row for a document (assigning it on first touch)."""
    row = get_progress(session, coder_id=coder_id, document_id=document_id)
    if row is None:
        row = Progress(coder_id=coder_id, document_id=document_id, status=status or PROGRESS_ASSIGNED,
                       cursor=cursor or 0)
    else:
        if cursor is not None:
            row.cursor = cursor
        if status is not None:
            row.status = status
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def for_coder(session: Session, *, coder_id: int) -> dict[int, Progress]:
    return {p.document_id: p for p in session.exec(select(Progress).where(col(Progress.coder_id) == coder_id))}


def done_documents(session: Session, *, coder_id: int) -> set[int]:
    return set(session.exec(select(col(Progress.document_id)).where(col(Progress.coder_id) == coder_id,
                                                               col(Progress.status) == PROGRESS_DONE)))


def latest_for_coder(session: Session, *, coder_id: int) -> Progress | None:
    """Where the coder was last: reopening the app returns there."""
    return session.exec(select(Progress).where(col(Progress.coder_id) == coder_id)
                        .order_by(col(Progress.updated_at).desc(), col(Progress.id).desc())).first()


def codable_unit_counts(session: Session) -> dict[int, int]:
    """document id -> respondent units (interviewer turns are not coded by default)."""
    from sqlalchemy import func

    from cotag.store.models import Unit

    rows = session.exec(select(col(Unit.document_id), func.count()).where(col(Unit.is_interviewer).is_(False))
                        .group_by(col(Unit.document_id)))
    return dict(rows.all())


def coded_unit_counts(session: Session, *, coder_id: int) -> dict[int, int]:
    """document id -> respondent units that at least one of this coder's live codings overlaps.

    Driven from the coder's codings (few) rather than from every unit (many): only
    the units of documents the coder has touched are read, and the overlap is
    counted in Python, which keeps the library fast on a 70,000-unit corpus.
    """
    import bisect

    from cotag.store.models import Coding, Unit

    spans: dict[int, list[tuple[int, int]]] = {}
    for document_id, start, end in session.exec(select(col(Coding.document_id), col(Coding.start), col(Coding.end)).where(
            col(Coding.coder_id) == coder_id, col(Coding.deleted_at).is_(None))):
        spans.setdefault(document_id, []).append((start, end))
    if not spans:
        return {}
    units: dict[int, list[tuple[int, int, bool]]] = {}
    for document_id, start, end, interviewer in session.exec(
            select(col(Unit.document_id), col(Unit.start), col(Unit.end), col(Unit.is_interviewer))
            .where(col(Unit.document_id).in_(list(spans))).order_by(col(Unit.document_id), col(Unit.start))):
        units.setdefault(document_id, []).append((start, end, interviewer))
    counts: dict[int, int] = {}
    for document_id, doc_units in units.items():
        starts = [u[0] for u in doc_units]
        covered: set[int] = set()
        for start, end in spans[document_id]:
            i = max(bisect.bisect_right(starts, start) - 1, 0)
            while i < len(doc_units) and doc_units[i][0] < end:
                if doc_units[i][1] > start and not doc_units[i][2]:
                    covered.add(i)
                i += 1
        if covered:
            counts[document_id] = len(covered)
    return counts


def action_times(session: Session, *, actors: list[str]) -> dict[str, list]:
    """actor -> the times of their recorded actions (codings, memos, done), oldest first."""
    from sqlmodel import col

    from cotag.store.models import Event

    out: dict[str, list] = {actor: [] for actor in actors}
    if not actors:
        return out
    for actor, at in session.exec(select(Event.actor, Event.at).where(col(Event.actor).in_(actors))
                                  .order_by(col(Event.at), col(Event.id))):
        out[actor].append(at)
    return out


def done_pairs(session: Session, *, document_ids: list[int]) -> set[tuple[str, int]]:
    """(coder name, document id) pairs marked done among these documents."""
    from sqlmodel import col

    from cotag.store.models import Coder

    if not document_ids:
        return set()
    return {(name, doc) for name, doc in session.exec(
        select(Coder.name, col(Progress.document_id)).join(Coder, col(Coder.id) == col(Progress.coder_id))
        .where(col(Progress.status) == PROGRESS_DONE, col(Progress.document_id).in_(document_ids))).all()}
