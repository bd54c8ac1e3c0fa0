"""Queries on documents and their units (sentences inside speaker turns)."""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from cotag.errors import NotFound
from cotag.store.models import Coding, Document, Unit, utcnow


class UnitRow(NamedTuple):
    """A unit before it has a document id; a plain tuple, because an import makes tens of thousands."""

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


def documents_by_external_id(session: Session, *, external_ids: Sequence[str]) -> dict[str, Document]:
    """The project's documents among ``external_ids``, by id: one query per 500 ids, not one per document."""
    found: dict[str, Document] = {}
    ids = sorted(set(external_ids))
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        found.update((d.external_id, d) for d in session.exec(select(Document).where(Document.external_id.in_(chunk))))
    return found


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


def add_document(session: Session, *, values: dict[str, Any], units: Sequence[UnitRow] | None = None) -> Document:
    """A new document; pass units=None to insert them later in bulk with insert_units_of."""
    document = Document(**values)
    session.add(document)
    session.flush()
    if units is not None:
        insert_units(session, document_id=document.id, units=units)
    return document


def add_documents(session: Session, *, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new documents in one statement; their ids in the order of ``rows``.

    One Core insert for a whole import: an ORM flush per document cost more than reading the files.
    """
    if not rows:
        return []
    table = Document.__table__
    now = utcnow()
    values = [{"group": "", "attributes": {}, "source_path": "", "format": "", "words": 0, "imported_at": now, **row}
              for row in rows]
    result = session.connection().execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), values)
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
    table = quote.format_table(Unit.__table__)
    columns = ", ".join(quote.quote(c) for c in _UNIT_COLUMNS)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # COPY streams the rows in one command; executemany sends a statement per row.
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect.paramstyle not in ("qmark", "format", "pyformat"):  # a driver neither back end uses
        connection.execute(insert(Unit.__table__), [dict(zip(_UNIT_COLUMNS, row)) for row in rows])
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    values = f"({', '.join([marker] * len(_UNIT_COLUMNS))})"
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        # Many rows per statement: executemany runs the one-row statement once per unit, and
        # SQLite's per-statement work was half the time of storing the demo corpus's 68,000 units.
        import sqlite3

        limit = connection.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
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
