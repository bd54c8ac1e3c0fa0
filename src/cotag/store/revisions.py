"""Queries on revisions of documents' texts and the items (codings, passage memos, rulings) each one carried, and
the reads and writes a revision makes on the tables it carries (units, codings, memos, decisions, progress), as new
functions here so that cotag.revision holds no SQL. A revision reads all its documents' rows at once (the `*_of`
functions: one query per table, not per document).

A revision of the whole demo corpus writes some 60,000 codings and 70,000 items: those go to the driver in
multi-row statements (SQLite) or COPY (PostgreSQL), not through SQLAlchemy's per-row parameter handling, which
cost more than the database's own work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, update
from sqlalchemy import select as columns_of
from sqlmodel import col, func, select

from cotag.store.models import (
    CARRY_CHANGED,
    CARRY_ORPHANED,
    Code,
    Coder,
    Coding,
    Decision,
    Document,
    Event,
    Memo,
    Progress,
    Revision,
    RevisionItem,
    Unit,
)
from cotag.store.session import Session

FLAGGED = (CARRY_CHANGED, CARRY_ORPHANED)
# Rows per statement in the chunked IN (...) lists and multi-row inserts (well under SQLite's bound-value limit).
CHUNK = 500
# What a revision says of each item; ITEM_COLUMNS adds its place and the review (empty until the lead reviews).
ITEM_FIELDS = ("kind", "status", "old_id", "new_id", "coder", "code", "old_start", "old_end", "new_start", "new_end",
               "old_words", "new_words")
ITEM_COLUMNS = ("revision_id", "number", *ITEM_FIELDS, "review", "reviewed_by", "reviewed_at")
CODING_COLUMNS = ("document_id", "code_id", "coder_id", "start", "end", "memo", "created_at", "deleted_at", "source")


class LiveCoding(NamedTuple):
    """A live coding as a revision reads it: a plain tuple, fast to read (a revision reads tens of thousands)."""

    id: int
    document_id: int
    coder_id: int
    code_id: int
    start: int
    end: int
    memo: str
    created_at: datetime
    source: str | None  # an accepted suggestion stays one (migration 0008)


class PassageMemo(NamedTuple):
    """A memo on a span of a document's text, as a revision reads it."""

    id: int
    coder_id: int
    start: int
    end: int


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                 ignore_duplicates: bool = False) -> int | None:
    """Rows (sequences in `columns` order) straight to the driver; with ignore_duplicates, a row a unique index
    already holds is skipped (ON CONFLICT DO NOTHING), as store.codings.insert_ignoring_duplicates does. Returns how
    many rows were written where the driver says (SQLite), else None."""
    if not rows:
        return 0
    session.flush()  # pending ORM changes first (a coding soft-deleted just before must not count as live)
    connection = session.connection()
    dialect = connection.dialect
    # Values the driver does not bind as they are (a datetime is text on SQLite) go through the column's own
    # conversion, looked up once per column and applied only to the columns that have one.
    converting = [(n, p) for n, p in enumerate(table.c[name].type.bind_processor(dialect) for name in columns)
                  if p is not None]
    if converting:
        converted = []
        for row in rows:
            cells = list(row)
            for n, processor in converting:
                if cells[n] is not None:
                    cells[n] = processor(cells[n])
            converted.append(cells)
        rows = converted
    quote = dialect.identifier_preparer
    name = quote.format_table(table)
    names = ", ".join(quote.quote(c) for c in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
    if dialect.name == "postgresql" and dialect.driver == "psycopg" and not ignore_duplicates:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return None
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    values = f"({', '.join([marker] * len(columns))})"
    if dialect.name == "sqlite":
        # Many rows per statement: SQLite's per-statement work is most of an executemany's time.
        size = max(1, min(CHUNK, 32766 // len(columns)))
        written = 0
        for first in range(0, len(rows), size):
            chunk = rows[first:first + size]
            result = connection.exec_driver_sql(
                f"INSERT INTO {name} ({names}) VALUES {', '.join([values] * len(chunk))}{conflict}",
                tuple(chain.from_iterable(chunk)))
            written += result.rowcount
        return written
    connection.exec_driver_sql(f"INSERT INTO {name} ({names}) VALUES {values}{conflict}", [tuple(r) for r in rows])
    return None


# ---------------------------------------------------------------- revisions and their items

def add_revision(session: Session, **values: Any) -> Revision:
    revision = Revision(**values)
    session.add(revision)
    session.flush()
    return revision


def add_items(session: Session, *, revision_id: int, rows: Sequence[Sequence[Any]]) -> None:
    """A revision's items (sequences of ITEM_FIELDS' values), numbered 1, 2, ... in the order given, not reviewed
    yet."""
    _insert_rows(session, _table(RevisionItem), ITEM_COLUMNS,
                 [(revision_id, n, *row, "", "", None) for n, row in enumerate(rows, 1)])


def items_of(session: Session, *, revision_ids: Sequence[int], flagged_only: bool = False
             ) -> dict[int, list[RevisionItem]]:
    """revision id -> its items in number order (500 revisions per query)."""
    out: dict[int, list[RevisionItem]] = defaultdict(list)
    ids = list(revision_ids)
    for first in range(0, len(ids), CHUNK):
        query = select(RevisionItem).where(col(RevisionItem.revision_id).in_(ids[first:first + CHUNK]))
        if flagged_only:
            query = query.where(col(RevisionItem.status).in_(FLAGGED))
        for item in session.exec(query.order_by(col(RevisionItem.revision_id), col(RevisionItem.number))):
            out[item.revision_id].append(item)
    return out


def item(session: Session, *, revision_id: int, number: int) -> RevisionItem | None:
    return session.exec(select(RevisionItem).where(RevisionItem.revision_id == revision_id,
                                                   RevisionItem.number == number)).first()


def revisions_with_documents(session: Session, *, revision_id: int | None = None) -> list[tuple[Revision, str]]:
    """(revision, document's external id), newest first; one revision when revision_id is given."""
    query = select(Revision, Document.external_id).join(Document, col(Document.id) == col(Revision.document_id))
    if revision_id is not None:
        query = query.where(Revision.id == revision_id)
    return [(r, ext) for r, ext in session.exec(query.order_by(col(Revision.id).desc())).all()]


def later_standing(session: Session, *, revision: Revision) -> int | None:
    """The id of a revision of the same document after this one and not undone, if any."""
    return session.exec(select(Revision.id).where(Revision.document_id == revision.document_id,
                                                  col(Revision.id) > revision.id,
                                                  col(Revision.undone_at).is_(None))).first()


def standing_revisions(session: Session) -> list[Revision]:
    """Every revision not undone, oldest first."""
    return list(session.exec(select(Revision).where(col(Revision.undone_at).is_(None)).order_by(col(Revision.id))))


# ---------------------------------------------------------------- what a revision reads

def current_texts(session: Session) -> dict[str, tuple[int, str]]:
    """content hash -> (document id, text) of every document's current text."""
    return {h: (i, t) for i, h, t in session.exec(select(Document.id, Document.content_hash, Document.text))
            if i is not None}


def unit_rows(session: Session, *, document_id: int) -> list[tuple[Any, ...]]:
    """The document's units as (index, start, end, turn, speaker, is_interviewer), in order."""
    return [tuple(row) for row in session.connection().execute(
        columns_of(col(Unit.index), col(Unit.start), col(Unit.end), col(Unit.turn), col(Unit.speaker),
                   col(Unit.is_interviewer))
        .where(col(Unit.document_id) == document_id).order_by(col(Unit.index)))]


def unit_starts(session: Session, *, document_id: int) -> list[int]:
    return [row[0] for row in session.connection().execute(
        select(Unit.start).where(Unit.document_id == document_id).order_by(col(Unit.index)))]


def coder_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.exec(select(Coder.id, Coder.name)).all() if i is not None}


def code_keys(session: Session) -> dict[int, str]:
    return {i: k for i, k in session.exec(select(Code.id, Code.key)).all() if i is not None}


# The same reads for all the documents of one revision at once: one query per 500 documents, rows fetched all
# together (a revision of a corpus reads some 70,000 codings and units; a query per document cost more than them).

def _by_document(session: Session, query: Any, column: Any, document_ids: Sequence[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {i: [] for i in document_ids}
    ids = sorted(set(document_ids))
    for first in range(0, len(ids), CHUNK):
        for row in session.connection().execute(query.where(column.in_(ids[first:first + CHUNK]))).all():
            out[row[0]].append(row[1:])
    return out


def unit_rows_of(session: Session, *, document_ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
    """document id -> its units as unit_rows gives them."""
    query = columns_of(col(Unit.document_id), col(Unit.index), col(Unit.start), col(Unit.end), col(Unit.turn),
                       col(Unit.speaker), col(Unit.is_interviewer)).order_by(col(Unit.document_id), col(Unit.index))
    return {i: [tuple(row) for row in rows]
            for i, rows in _by_document(session, query, col(Unit.document_id), document_ids).items()}


def live_coding_rows_of(session: Session, *, document_ids: Sequence[int]) -> dict[int, list[LiveCoding]]:
    """document id -> its live codings in text order, as plain tuples: a long transcript has thousands, and
    nothing changes one in place."""
    query = (columns_of(col(Coding.document_id), col(Coding.id), col(Coding.document_id), col(Coding.coder_id),
                        col(Coding.code_id), col(Coding.start), col(Coding.end), col(Coding.memo),
                        col(Coding.created_at), col(Coding.source))
             .where(col(Coding.deleted_at).is_(None))
             .order_by(col(Coding.document_id), col(Coding.start), col(Coding.end), col(Coding.id)))
    make = LiveCoding._make
    return {i: [make(row) for row in rows]
            for i, rows in _by_document(session, query, col(Coding.document_id), document_ids).items()}


def passage_memo_rows_of(session: Session, *, document_ids: Sequence[int]
                         ) -> dict[int, tuple[list[PassageMemo], int]]:
    """document id -> (its passage memos in text order, how many memos it has with no span), as passage_memo_rows."""
    query = (columns_of(col(Memo.document_id), col(Memo.id), col(Memo.coder_id), col(Memo.start), col(Memo.end))
             .order_by(col(Memo.document_id), col(Memo.start), col(Memo.end), col(Memo.id)))
    out = {}
    for i, rows in _by_document(session, query, col(Memo.document_id), document_ids).items():
        passages = [PassageMemo(*row) for row in rows if row[2] is not None and row[3] is not None]
        out[i] = (passages, len(rows) - len(passages))
    return out


def _rows_by_document(session: Session, model: Any, document_ids: Sequence[int], *where: Any,
                      order: Any = None) -> dict[int, list[Any]]:
    """ORM rows of a table with a document_id, by document, for these documents (500 per query)."""
    out: dict[int, list[Any]] = {i: [] for i in document_ids}
    ids = sorted(set(document_ids))
    for first in range(0, len(ids), CHUNK):
        query = select(model).where(col(model.document_id).in_(ids[first:first + CHUNK]), *where)
        for row in session.exec(query.order_by(order if order is not None else col(model.id))):
            out[row.document_id].append(row)
    return out


def standing_decisions_of(session: Session, *, document_ids: Sequence[int]) -> dict[int, list[Decision]]:
    """document id -> its rulings not superseded, in the order they were made."""
    return _rows_by_document(session, Decision, document_ids, col(Decision.superseded_at).is_(None))


def progress_of(session: Session, *, document_ids: Sequence[int]) -> dict[int, list[Progress]]:
    """document id -> every coder's progress row on it (their place in it)."""
    return _rows_by_document(session, Progress, document_ids)


def next_numbers(session: Session, *, document_ids: Sequence[int]) -> dict[int, int]:
    """document id -> the number its next revision gets (1 for its first)."""
    out = dict.fromkeys(document_ids, 1)
    ids = sorted(set(document_ids))
    for first in range(0, len(ids), CHUNK):
        for document_id, last in session.exec(
                select(Revision.document_id, func.max(Revision.number))
                .where(col(Revision.document_id).in_(ids[first:first + CHUNK])).group_by(col(Revision.document_id))):
            out[document_id] = 1 + (last or 0)
    return out


def live_codings(session: Session, *, document_id: int) -> list[Coding]:
    return list(session.exec(select(Coding).where(Coding.document_id == document_id,
                                                  col(Coding.deleted_at).is_(None))))


def live_coding_ids(session: Session, *, document_id: int) -> dict[tuple[int, int, int, int], int]:
    """(coder id, code id, start, end) -> id of the live coding there (the live-coding index makes it one)."""
    return {(coder, code, start, end): i for i, coder, code, start, end in session.connection().execute(
        columns_of(col(Coding.id), col(Coding.coder_id), col(Coding.code_id), col(Coding.start), col(Coding.end))
        .where(col(Coding.document_id) == document_id, col(Coding.deleted_at).is_(None))) if i is not None}


def passage_memo_rows(session: Session, *, document_id: int) -> tuple[list[PassageMemo], int]:
    """The document's passage memos in text order, and how many memos it has with no span (on the document)."""
    return passage_memo_rows_of(session, document_ids=[document_id])[document_id]


def rulings_since(session: Session, *, document_id: int, since: datetime, excluding: Iterable[int]) -> list[int]:
    """Ids of the document's rulings made after `since`, other than those listed."""
    return [i for i in session.exec(select(Decision.id).where(
        Decision.document_id == document_id, col(Decision.created_at) > since,
        col(Decision.id).notin_(list(excluding) or [-1]))).all() if i is not None]


def event_payloads(session: Session, *, kinds: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(payload) for payload in session.exec(select(col(Event.payload)).where(col(Event.kind).in_(kinds)))]


def progress_rows(session: Session, *, document_id: int) -> list[Progress]:
    return list(session.exec(select(Progress).where(Progress.document_id == document_id)))


# ---------------------------------------------------------------- what a revision writes

def set_codings_deleted(session: Session, *, ids: Sequence[int], at: datetime | None) -> None:
    """Soft-delete these codings (at a time) or bring them back (None), 500 per statement."""
    run = session.connection().execute
    for first in range(0, len(ids), CHUNK):
        run(update(Coding).where(col(Coding.id).in_(ids[first:first + CHUNK])).values(deleted_at=at))


def set_memo_spans(session: Session, *, spans: Sequence[tuple[int, int | None, int | None]]) -> None:
    """Put memos (id, start, end) on new spans of their document's current text; (id, None, None) makes a passage
    memo a memo on its document. A memo's row keeps its id, coder, words and times: nothing but the span moves."""
    if not spans:
        return
    session.flush()  # the document's new text first: the database checks a memo's span against it
    session.connection().execute(
        update(Memo).where(col(Memo.id) == bindparam("memo_id")).values(start=bindparam("new_start"),
                                                                       end=bindparam("new_end")),
        [{"memo_id": i, "new_start": start, "new_end": end} for i, start, end in spans])


def insert_codings(session: Session, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Codings (tuples in CODING_COLUMNS order) in bulk; one already live on its span (coder, code) is skipped."""
    _insert_rows(session, _table(Coding), CODING_COLUMNS, rows, ignore_duplicates=True)


def insert_codings_numbered(session: Session, *, rows: Sequence[tuple[Any, ...]]) -> list[int] | None:
    """insert_codings, and the ids the rows got in their order, where the database lets them be known without
    reading them back: on SQLite, under the write lock a revision holds, rows are given the ids after the
    highest (what SQLite would give them). None when the ids are not known (PostgreSQL, whose sequence hands out
    ids to coders writing meanwhile; or a row skipped as already live): read them with live_coding_ids."""
    if session.connection().dialect.name != "sqlite" or not rows:
        insert_codings(session, rows=rows)
        return None if rows else []
    first = 1 + (session.exec(select(func.max(Coding.id))).one() or 0)
    ids = list(range(first, first + len(rows)))
    written = _insert_rows(session, _table(Coding), ("id", *CODING_COLUMNS),
                           [(i, *row) for i, row in zip(ids, rows)], ignore_duplicates=True)
    return ids if written == len(rows) else None


def insert_coding_like(session: Session, original: Coding, *, start: int, end: int) -> int | None:
    """A coding like `original` (coder, code, memo, creation time) on another span; None if that is live already."""
    from cotag.store.codings import insert_ignoring_duplicates

    ids = insert_ignoring_duplicates(session, _table(Coding), [{
        "document_id": original.document_id, "code_id": original.code_id, "coder_id": original.coder_id,
        "start": start, "end": end, "memo": original.memo, "created_at": original.created_at, "deleted_at": None,
        "source": original.source}],
        returning=_table(Coding).c.id)
    return ids[0] if ids else None


def copy_decision(session: Session, decision: Decision, *, disagreement: str, start: int | None,
                  end: int | None) -> Decision:
    """The same ruling under another disagreement id or span; it keeps when the lead ruled (written at insert:
    the database refuses changing a decision's creation time afterwards)."""
    copy = Decision(disagreement=disagreement, document_id=decision.document_id, code_id=decision.code_id,
                    lead_id=decision.lead_id, ruling=decision.ruling, start=start, end=end, note=decision.note,
                    created_at=decision.created_at)
    session.add(copy)
    session.flush()
    return copy


def supersede(session: Session, decision: Decision, *, at: datetime) -> None:
    decision.superseded_at = at
    session.add(decision)
