"""Queries on codings: one coder's code on one span of a document (soft-deleted, never erased)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, NamedTuple, cast

from sqlalchemy import Column, CursorResult, Table, and_, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from cotag.errors import CotagError
from cotag.store.models import Code, Coder, Coding, Document, utcnow
# The column-wise reads below answer through store/plain_reads.py (no model classes: report start-up, #14).
from cotag.store import plain_reads
from cotag.store.rows import driver_rows, sorted_ids, table

C = table(Coding)


@dataclass(frozen=True)
class CodingRow:
    """A live coding joined with the names researchers use."""

    id: int
    document: str  # external id
    document_id: int
    code: str  # code key
    code_id: int
    coder: str
    coder_id: int
    start: int
    end: int
    memo: str
    created_at: datetime


def insert_ignoring_duplicates(session: Session, into: Table, rows: list[dict[str, Any]], *,
                               returning: Column[Any] | None = None) -> list[Any]:
    """INSERT ... ON CONFLICT DO NOTHING on either back end: a row a unique index already holds is skipped.

    Concurrent writers (two merges, two imports, two copies of the app) rely on this rather than on looking
    first: between the look and the insert another process may have written the same row.
    With `returning`, the inserted rows' values of that column (skipped rows give nothing).
    """
    if not rows:
        return []
    session.flush()  # pending ORM changes first (a coding soft-deleted just before must not count as live)
    stmt: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(into).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(into).on_conflict_do_nothing()
    if returning is None:
        session.execute(stmt, rows)
        return []
    return list(session.execute(stmt.returning(returning), rows).scalars())


class DuplicateCoding(CotagError):
    """The same coder already has this code live on this span (perhaps written a moment ago by another process)."""


def add_coding(session: Session, *, document_id: int, code_id: int, coder_id: int, start: int, end: int,
               memo: str = "", source: str | None = None) -> Coding:
    """One new live coding; DuplicateCoding when the coder already has it (the database's unique index decides).

    source: where it came from (Coding.source), None for a coding its coder made.
    """
    row = {"document_id": document_id, "code_id": code_id, "coder_id": coder_id, "start": start, "end": end,
           "memo": memo, "created_at": utcnow(), "deleted_at": None}
    if source is not None:
        row["source"] = source
    ids = insert_ignoring_duplicates(session, C, [row], returning=C.c.id)
    coding = session.get(Coding, ids[0]) if ids else None
    if coding is None:
        raise DuplicateCoding(f"this coding is already there (document {document_id}, code {code_id}, "
                              f"span {start}–{end})")
    return coding


def add_codings(session: Session, *, rows: list[dict]) -> int:
    """Bulk insert (imports, simulations, merges): rows with document_id, code_id, coder_id, start, end[, memo].

    A live coding already stored (the same coder, code and span) is skipped, not an error: returns how many
    were added, so a second run of the same import, or two at once, add each coding exactly once.
    """
    if not rows:
        return 0
    now = utcnow()
    full = [{"memo": "", "created_at": now, "deleted_at": None, **row} for row in rows]
    return len(insert_ignoring_duplicates(session, C, full, returning=C.c.id))


def get_coding(session: Session, *, coding_id: int) -> Coding | None:
    return session.get(Coding, coding_id)


def find_live(session: Session, *, document_id: int, code_id: int, coder_id: int, start: int,
              end: int) -> Coding | None:
    return session.exec(select(Coding).where(
        col(Coding.document_id) == document_id, col(Coding.code_id) == code_id, col(Coding.coder_id) == coder_id,
        col(Coding.start) == start, col(Coding.end) == end, col(Coding.deleted_at).is_(None))).first()


def soft_delete(session: Session, *, coding: Coding) -> None:
    coding.deleted_at = utcnow()
    session.add(coding)


def set_memo(session: Session, *, coding: Coding, memo: str) -> None:
    coding.memo = memo
    session.add(coding)


def restore(session: Session, *, coding: Coding) -> None:
    coding.deleted_at = None
    session.add(coding)


def live_for_document(session: Session, *, document_id: int, coder_ids: Iterable[int] | None = None) -> list[Coding]:
    query = select(Coding).where(col(Coding.document_id) == document_id, col(Coding.deleted_at).is_(None))
    if coder_ids is not None:
        query = query.where(col(Coding.coder_id).in_(list(coder_ids)))
    return list(session.exec(query.order_by(col(Coding.start), col(Coding.end), col(Coding.id))))


def list_codings(session: Session, *, coders: Iterable[str] | None = None, documents: Iterable[str] | None = None,
                 codes: Iterable[str] | None = None, groups: Iterable[str] | None = None) -> list[CodingRow]:
    """Live codings with document id, code key and coder name, filtered by names (None = all)."""
    query = (
        core_select(col(Coding.id), col(Document.external_id), col(Coding.document_id), col(Code.key),
                    col(Coding.code_id), col(Coder.name), col(Coding.coder_id), col(Coding.start), col(Coding.end),
                    col(Coding.memo), col(Coding.created_at))
        .join(Document, col(Document.id) == col(Coding.document_id))
        .join(Code, col(Code.id) == col(Coding.code_id))
        .join(Coder, col(Coder.id) == col(Coding.coder_id))
        .where(col(Coding.deleted_at).is_(None))
    )
    if coders is not None:
        query = query.where(col(Coder.name).in_(list(coders)))
    if documents is not None:
        query = query.where(col(Document.external_id).in_(list(documents)))
    if codes is not None:
        query = query.where(col(Code.key).in_(list(codes)))
    if groups is not None:
        query = query.where(col(Document.group).in_(list(groups)))
    query = query.order_by(col(Document.external_id), col(Coding.start), col(Coding.end), col(Code.key),
                           col(Coder.name), col(Coding.id))
    return [CodingRow(*row) for row in session.execute(query)]


def count_live(session: Session, *, coder_id: int | None = None) -> int:
    query = select(func.count()).select_from(Coding).where(col(Coding.deleted_at).is_(None))
    if coder_id is not None:
        query = query.where(col(Coding.coder_id) == coder_id)
    return session.exec(query).one()


def reassign_code(session: Session, *, from_code_id: int, to_code_id: int,
                  coding_ids: Iterable[int] | None = None) -> int:
    """Move codings to another code in one statement (merge, split, recode); how many moved."""
    return move_codings(session, from_code_id=from_code_id, to_code_id=to_code_id, coding_ids=coding_ids)[0]


def move_codings(session: Session, *, from_code_id: int, to_code_id: int,
                 coding_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Move live codings to another code; (moved, twins removed).

    Where the coder already has the target code live on the same span, the two would be one coding twice,
    which the database refuses (uq_coding_live): the newer of the pair is soft-deleted first, set-based.
    """
    ids = None if coding_ids is None else list(coding_ids)
    moving = aliased(Coding)
    target = aliased(Coding)
    pairs = (select(col(moving.id), col(target.id))
             .join(target, and_(col(target.document_id) == moving.document_id, col(target.coder_id) == moving.coder_id,
                                col(target.start) == moving.start, col(target.end) == moving.end))
             .where(col(moving.code_id) == from_code_id, col(moving.deleted_at).is_(None),
                    col(target.code_id) == to_code_id, col(target.deleted_at).is_(None)))
    if ids is not None:
        pairs = pairs.where(col(moving.id).in_(ids))
    newer = [max(a or 0, b or 0) for a, b in session.exec(pairs).all()]
    now = utcnow()
    if newer:
        session.execute(update(Coding).where(col(Coding.id).in_(newer)).values(deleted_at=now))
    stmt = update(Coding).where(col(Coding.code_id) == from_code_id,
                                (col(Coding.deleted_at).is_(None)) | (col(Coding.id).in_(newer or [-1])))
    if ids is not None:
        stmt = stmt.where(col(Coding.id).in_(ids))
    result = cast(CursorResult[Any], session.execute(stmt.values(code_id=to_code_id)))
    return result.rowcount or 0, len(newer)


@dataclass(frozen=True)
class Mark:
    """A live coding as the coding screen draws it: no ORM object, so a long transcript loads fast."""

    id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    memo: str


def live_marks(session: Session, *, document_id: int, coder_ids: Iterable[int]) -> list[Mark]:
    """The live codings of these coders in one document, in reading order."""
    query = (core_select(col(Coding.id), col(Coding.code_id), col(Coding.coder_id), col(Coding.start),
                         col(Coding.end), col(Coding.memo))
             .where(col(Coding.document_id) == document_id, col(Coding.deleted_at).is_(None),
                    col(Coding.coder_id).in_(list(coder_ids)))
             .order_by(col(Coding.start), col(Coding.end), col(Coding.id)))
    return [Mark(*row) for row in session.execute(query)]


def live_spans(session: Session, *, coder_id: int, document_id: int | None = None) -> list[tuple[int, int, int]]:
    """(document_id, start, end) of a coder's live codings: enough to tell which units they covered."""
    query = select(col(Coding.document_id), col(Coding.start), col(Coding.end)).where(
        col(Coding.coder_id) == coder_id, col(Coding.deleted_at).is_(None))
    if document_id is not None:
        query = query.where(col(Coding.document_id) == document_id)
    return [(d, s, e) for d, s, e in session.exec(query)]


def coders_with_codings(session: Session, *, document_id: int | None = None) -> dict[int, int]:
    """coder id -> live codings (in one document, or in the project)."""
    query = select(col(Coding.coder_id), func.count()).where(col(Coding.deleted_at).is_(None))
    if document_id is not None:
        query = query.where(col(Coding.document_id) == document_id)
    return dict(session.exec(query.group_by(col(Coding.coder_id))).all())


def unit_spans(session: Session, *, document_id: int) -> list[tuple[int, int, int, int, str, bool]]:
    """(index, start, end, turn, speaker, is_interviewer) for every unit of a document, as plain tuples.

    The coding screen loads a whole transcript at once; tuples instead of ORM
    objects keep a 20,000-unit document well inside the time budget for opening.
    """
    from cotag.store.models import Unit

    query = (core_select(col(Unit.index), col(Unit.start), col(Unit.end), col(Unit.turn), col(Unit.speaker),
                         col(Unit.is_interviewer))
             .where(col(Unit.document_id) == document_id).order_by(col(Unit.index)))
    # Through the connection, not the ORM session: plain rows, about twice as fast for 20,000 units.
    return [(i, s, e, t, sp, iv) for i, s, e, t, sp, iv in session.connection().execute(query)]


def suggestion_spans(session: Session, *, coder_ids: Iterable[int],
                     document_ids: Iterable[int]) -> list[tuple[int, int, int, int, int, int]]:
    """(id, coder_id, code_id, document_id, start, end) of the live codings these coders made by accepting a suggestion.

    `cotag agreement --suggestions` takes them out of the coders' work (or counts them); a coding's source is
    written once (migration 0008), so these are exactly the codings that came from the suggester.
    """
    from sqlalchemy import select as core_select
    from sqlmodel import col

    from cotag.store.models import SOURCE_SUGGESTION

    coders, out = list(coder_ids), []
    documents = list(document_ids)
    for i in range(0, len(documents), 500):  # bounded IN lists for both back ends
        # SQLAlchemy's select: sqlmodel's typed overloads stop at four columns
        query = (core_select(col(Coding.id), col(Coding.coder_id), col(Coding.code_id), col(Coding.document_id),
                             col(Coding.start), col(Coding.end))
                 .where(col(Coding.deleted_at).is_(None), col(Coding.coder_id).in_(coders),
                        col(Coding.document_id).in_(documents[i:i + 500]),
                        col(Coding.source).like(f"{SOURCE_SUGGESTION}%")))
        out += [(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in session.execute(query)]
    return out


def coding_source(session: Session, *, coding_id: int) -> str | None:
    """Where one coding came from (None: its coder made it)."""
    from sqlmodel import col

    return session.exec(select(col(Coding.source)).where(col(Coding.id) == coding_id)).first()


def coding_sources(session: Session, *, coder_ids: Iterable[int]) -> dict[tuple, str]:
    """(document_id, code_id, coder_id, start, end, created_at) -> source, for these coders' codings with a source.

    What coder files and merges carry along (a coding keeps where it came from). A database from before
    migration 0008 has no such column: then nothing.
    """
    from sqlalchemy import inspect
    from sqlalchemy import select as core_select
    from sqlmodel import col

    if "source" not in {c["name"] for c in inspect(session.connection()).get_columns("coding")}:
        return {}
    coders, out = list(coder_ids), {}
    for i in range(0, len(coders), 500):
        query = (core_select(col(Coding.document_id), col(Coding.code_id), col(Coding.coder_id), col(Coding.start),
                             col(Coding.end), col(Coding.created_at), col(Coding.source))
                 .where(col(Coding.coder_id).in_(coders[i:i + 500]), col(Coding.source).is_not(None)))
        out.update({tuple(r[:6]): str(r[6]) for r in session.execute(query)})
    return out


# --------------------------------------------------------------------------- column-wise bulk loaders
# Shared by reliability, reconcile, export, merge and the coder file: plain tuples, never ORM objects.


# (id, document id, code id, coder id, start, end, memo), by document, start, end and id.
LiveCoding = tuple[int, int, int, int, int, int, str]


def live_coding_columns(session: Session, *, coder_ids: Iterable[int] | None = None,
                        document_ids: Iterable[int] | None = None,
                        code_ids: Iterable[int] | None = None) -> list[LiveCoding]:
    """Live codings of these coders, documents and codes (None: all), as driver rows: study work only, a
    trainee's practice (store/training.py) left out, as every reader of them (agreement, reconcile, exports)
    needs.

    A long list of documents is filtered here rather than in SQL: an IN list of every document id
    would be longer than the table it filters.
    """
    return plain_reads.live_coding_columns(session, coder_ids=coder_ids, document_ids=document_ids, code_ids=code_ids)


def coded_pairs(session: Session, *, coder_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """(coder id, document id) wherever the coder has a live coding (None: any coder); practice left out."""
    return plain_reads.coded_pairs(session, coder_ids=coder_ids)


def used_code_ids(session: Session, *, coder_ids: Iterable[int]) -> set[int]:
    """Codes that carry a live coding of one of these coders."""
    return plain_reads.used_code_ids(session, coder_ids=coder_ids)


def live_positions(session: Session, *, coder_id: int) -> set[tuple[int, int, int, int]]:
    """(document id, code id, start, end) of a coder's live codings: what the consensus already holds."""
    query = core_select(C.c.document_id, C.c.code_id, C.c.start, C.c.end).where(
        C.c.coder_id == coder_id, C.c.deleted_at.is_(None))
    return {(int(d), int(k), int(s), int(e)) for d, k, s, e in driver_rows(session, query)}


class CodingHistory(NamedTuple):
    """A coding, live or removed, with its timestamps: what a merge or a coder file carries."""

    id: int
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    memo: str
    created_at: datetime
    deleted_at: datetime | None


def coding_history(session: Session, *, coder_ids: Iterable[int],
                   document_ids: Iterable[int] | None = None) -> list[CodingHistory]:
    """Every coding of these coders (removed ones too), in the order they were made."""
    # Through SQLAlchemy, not driver rows: timestamps come back as text from SQLite's driver.
    query = (core_select(C.c.id, C.c.document_id, C.c.code_id, C.c.coder_id, C.c.start, C.c.end, C.c.memo,
                         C.c.created_at, C.c.deleted_at)
             .where(C.c.coder_id.in_(sorted_ids(coder_ids) or [-1])).order_by(C.c.id))
    if document_ids is not None:
        query = query.where(C.c.document_id.in_(sorted_ids(document_ids) or [-1]))
    return [CodingHistory(*row) for row in session.connection().execute(query)]


def update_coding(session: Session, *, coding_id: int, values: dict[str, object]) -> None:
    """Set columns of one coding (a merge bringing a removal, a restore or a memo edit up to date)."""
    session.execute(update(Coding).where(C.c.id == coding_id).values(**values))
