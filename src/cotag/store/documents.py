"""Queries on documents and their units (sentences inside speaker turns)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from cotag.errors import NotFound
from cotag.store.models import Coding, Document, Unit, utcnow
# The column-wise reads below answer through store/plain_reads.py (no model classes: report start-up, #14).
from cotag.store import plain_reads
from cotag.store.plain_reads import DocumentColumns  # one type with the plain reads, which need no ORM
from cotag.store.rows import chunks, driver_rows, sorted_ids, table

D = table(Document)
U = table(Unit)


class UnitRow(NamedTuple):
    """A unit before it has a document id; a plain tuple, because an import makes tens of thousands."""

    index: int  # type: ignore[assignment]  # the unit's position; shadows tuple.index, which nothing here calls
    start: int
    end: int
    turn: int
    speaker: str
    is_interviewer: bool


def _id(document: Document) -> int:
    if document.id is None:  # only before a flush, and every caller flushes first
        raise ValueError("the document has no id yet")
    return document.id


def _driver(connection: Connection) -> Any:
    """The driver's own connection (sqlite3 or psycopg), for what SQLAlchemy does not offer (COPY, limits)."""
    driver = connection.connection.driver_connection
    if driver is None:
        raise ValueError("the connection is closed")
    return driver


def get_document(session: Session, *, external_id: str) -> Document | None:
    return session.exec(select(Document).where(col(Document.external_id) == external_id)).first()


def get_document_by_id(session: Session, *, document_id: int) -> Document | None:
    return session.get(Document, document_id)


def require_document(session: Session, *, external_id: str) -> Document:
    document = get_document(session, external_id=external_id)
    if document is None:
        raise NotFound(f"no document with id {external_id!r} (see `cotag documents list`)")
    return document


def documents_by_external_id(session: Session, *, external_ids: Sequence[str]) -> dict[str, Document]:
    """The project's documents among ``external_ids``, by id: one query per 500 ids, not one per document."""
    found: dict[str, Document] = {}
    ids = sorted(set(external_ids))
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        query = select(Document).where(col(Document.external_id).in_(chunk))
        found.update((d.external_id, d) for d in session.exec(query))
    return found


def documents_by_hash(session: Session) -> dict[str, str]:
    return {h: ext for ext, h in session.exec(select(col(Document.external_id), col(Document.content_hash)))}


def list_documents(session: Session, *, group: str | None = None) -> list[Document]:
    query = select(Document).order_by(col(Document.group), col(Document.external_id))
    if group:
        query = query.where(col(Document.group) == group)
    return list(session.exec(query))


def unit_counts(session: Session) -> dict[int, int]:
    return dict(session.exec(select(col(Unit.document_id), func.count()).group_by(col(Unit.document_id))).all())


def list_units(session: Session, *, document_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(col(Unit.document_id) == document_id).order_by(col(Unit.index))))


def add_document(session: Session, *, values: dict[str, Any], units: Sequence[UnitRow] | None = None) -> Document:
    """A new document; pass units=None to insert them later in bulk with insert_units_of."""
    document = Document(**values)
    session.add(document)
    session.flush()
    if units is not None:
        insert_units(session, document_id=_id(document), units=units)
    return document


def add_documents(session: Session, *, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new documents in one statement; their ids in the order of ``rows``.

    One Core insert for a whole import: an ORM flush per document cost more than reading the files.
    """
    if not rows:
        return []
    now = utcnow()
    values = [{"group": "", "attributes": {}, "source_path": "", "format": "", "words": 0, "imported_at": now, **row}
              for row in rows]
    result = session.connection().execute(insert(D).returning(D.c.id, sort_by_parameter_order=True), values)
    return [row[0] for row in result]


def insert_units(session: Session, *, document_id: int, units: Sequence[UnitRow]) -> None:
    insert_units_of(session, batches=[(document_id, units)])


_UNIT_COLUMNS = ("document_id", "index", "start", "end", "turn", "speaker", "is_interviewer")
# Units per INSERT statement on SQLite (fewer where the build allows fewer bound values).
_SQLITE_ROWS_PER_INSERT = 500


def insert_units_of(session: Session, *, batches: Sequence[tuple[int, Sequence[UnitRow]]]) -> None:
    """Units of many documents in a few commands: COPY on PostgreSQL, INSERTs of many rows on SQLite.

    A unit is a tuple in UnitRow's field order. SQLAlchemy's per-row parameter handling (and before
    it the ORM's bookkeeping) cost more than splitting the sentences, so the rows go to the
    driver as they are; every value is a plain int, str or bool that both drivers bind natively.
    """
    rows = [(document_id, *unit) for document_id, units in batches for unit in units]
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer
    table = quote.format_table(U)
    columns = ", ".join(quote.quote(c) for c in _UNIT_COLUMNS)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # COPY streams the rows in one command; executemany sends a statement per row.
        cursor = _driver(connection).cursor()
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect.paramstyle not in ("qmark", "format", "pyformat"):  # a driver neither back end uses
        connection.execute(insert(U), [dict(zip(_UNIT_COLUMNS, row)) for row in rows])
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    values = f"({', '.join([marker] * len(_UNIT_COLUMNS))})"
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        # Many rows per statement: executemany runs the one-row statement once per unit, and
        # SQLite's per-statement work was half the time of storing the demo corpus's 68,000 units.
        import sqlite3

        limit = _driver(connection).getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        size = max(1, min(_SQLITE_ROWS_PER_INSERT, limit // len(_UNIT_COLUMNS)))
        for first in range(0, len(rows), size):
            chunk = rows[first : first + size]
            connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES {', '.join([values] * len(chunk))}",
                                       tuple(value for row in chunk for value in row))
        return
    connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES {values}", rows)


def replace_document(session: Session, *, document: Document, values: dict[str, Any], units: Sequence[UnitRow]) -> None:
    """Swap a document's text and units; only for documents that no coding points at."""
    for name, value in values.items():
        setattr(document, name, value)
    session.add(document)
    session.execute(delete(Unit).where(col(Unit.document_id) == document.id))
    session.flush()
    insert_units(session, document_id=_id(document), units=units)


def live_codings_count(session: Session, *, document_id: int) -> int:
    return session.exec(select(func.count()).select_from(Coding).where(
        col(Coding.document_id) == document_id, col(Coding.deleted_at).is_(None))).one()


def counts_by_group(session: Session) -> dict[str, int]:
    query = select(col(Document.group), func.count()).group_by(col(Document.group)).order_by(col(Document.group))
    return dict(session.exec(query).all())


def total_units(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Unit)).one()


# --------------------------------------------------------------------------- column-wise bulk loaders
# Shared by reliability, reconcile, export, search, merge, the coder file and the library: plain columns,
# never ORM objects (a corpus is tens of thousands of units), and a document's text only when asked for.




def document_columns(session: Session, *, with_text: bool = False) -> list[DocumentColumns]:
    """Every document in reading order (group, external id); the text only when asked for."""
    return plain_reads.document_columns(session, with_text=with_text)


def document_ids(session: Session, *, groups: Sequence[str] | None = None,
                 external_ids: Sequence[str] | None = None) -> list[tuple[int, str]]:
    """(database id, external id) of the documents in these groups and among these ids (None: any), by id."""
    return plain_reads.document_ids(session, groups=groups, external_ids=external_ids)


def group_names(session: Session) -> set[str]:
    return plain_reads.group_names(session)


def existing_external_ids(session: Session, *, external_ids: Sequence[str]) -> set[str]:
    """Those of ``external_ids`` that name a document of the project."""
    return plain_reads.existing_external_ids(session, external_ids=external_ids)


def texts(session: Session, *, ids: Iterable[int] | None = None) -> dict[int, str]:
    """document id -> text, of these documents (None: every document)."""
    if ids is None:
        return dict(driver_rows(session, core_select(D.c.id, D.c.text)))
    found: dict[int, str] = {}
    for chunk in chunks(sorted_ids(ids)):
        found.update(driver_rows(session, core_select(D.c.id, D.c.text).where(D.c.id.in_(list(chunk)))))
    return found


def texts_by_external_id(session: Session, *, external_ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in chunks(sorted(set(external_ids))):
        query = core_select(D.c.external_id, D.c.text).where(D.c.external_id.in_(list(chunk)))
        found.update(driver_rows(session, query))
    return found


def external_ids(session: Session, *, ids: Iterable[int] | None = None) -> dict[int, str]:
    """document id -> external id, of these documents (None: every document)."""
    if ids is None:
        return dict(driver_rows(session, core_select(D.c.id, D.c.external_id)))
    found: dict[int, str] = {}
    for chunk in chunks(sorted_ids(ids)):
        query = core_select(D.c.id, D.c.external_id).where(D.c.id.in_(list(chunk)))
        found.update(driver_rows(session, query))
    return found


def content_hashes(session: Session) -> list[tuple[int, str, str]]:
    """(database id, content hash, external id) of every document: how another project's documents are matched."""
    return [(int(i), str(h), str(e)) for i, h, e in
            driver_rows(session, core_select(D.c.id, D.c.content_hash, D.c.external_id))]


def text_lengths(session: Session, *, content_hashes: Iterable[str]) -> dict[str, int]:
    """content hash -> the text's length in code points, for these hashes."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(content_hashes))):
        query = core_select(D.c.content_hash, func.length(D.c.text)).where(D.c.content_hash.in_(list(chunk)))
        found.update(driver_rows(session, query))
    return found


def name_and_length(session: Session, *, document_id: int) -> tuple[str, int] | None:
    """(external id, text length) of one document; None when there is no such document."""
    rows = driver_rows(session, core_select(D.c.external_id, func.length(D.c.text)).where(D.c.id == document_id))
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


# (document id, index, start, end, turn, speaker, is_interviewer as 0/1), in document and reading order.
UnitColumns = tuple[int, int, int, int, int, str, int]


def unit_columns(session: Session, *, document_ids: Iterable[int] | None = None) -> list[UnitColumns]:
    """The units of these documents (None: all) in one query, as plain tuples.

    is_interviewer is cast to an integer in SQL, so both back ends give the same 0 or 1 (a driver row
    would be a bool on PostgreSQL and an int on SQLite). With many documents, reading every unit and
    keeping theirs is cheaper than an IN list as long as the table.
    """
    return plain_reads.unit_columns(session, document_ids=document_ids)


def speakers(session: Session) -> dict[int, set[str]]:
    """document id -> the speakers of its turns ("" for a unit with no speaker)."""
    found: dict[int, set[str]] = {}
    for doc_id, speaker in driver_rows(session, core_select(U.c.document_id, U.c.speaker).distinct()):
        found.setdefault(doc_id, set()).add(speaker or "")
    return found
