"""Rows straight from the database driver, for the column-wise bulk loaders of store/.

SQLAlchemy builds the SQL for either back end; the rows come straight from the driver's cursor, because
SQLAlchemy's per-row result processing took half the load time of a 130,000-row export. Only for columns
that need no conversion (integers and text): a JSON, boolean or timestamp column reads differently on
SQLite and PostgreSQL at this level, so a loader casts it in SQL or reads it through SQLAlchemy instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

# SQLAlchemy only for the type checker here: row_id is used by modules that must load without it.
if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.sql.compiler import SQLCompiler
    from sqlalchemy.sql.elements import ClauseElement

# IN lists are cut to this many values: both back ends take them, and SQLite's bound-value limit is not reached.
CHUNK = 500

T = TypeVar("T")


def driver_rows(source: Any, query: ClauseElement) -> list[tuple[Any, ...]]:
    """A query's rows as the driver returns them, inside a Session's transaction or on a plain Connection
    (store/plain_reads: the reads that need no ORM)."""
    connection = source.connection() if callable(getattr(source, "connection", None)) else source
    compiled = cast("SQLCompiler", query.compile(dialect=connection.dialect,
                                               compile_kwargs={"render_postcompile": True}))
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    dbapi = connection.connection.dbapi_connection
    if dbapi is None:  # only a closed connection has none
        raise ValueError("the connection is closed")
    cursor = dbapi.cursor()
    try:
        cursor.execute(str(compiled), args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for first in range(0, len(items), size):
        yield items[first:first + size]


def sorted_ids(ids: Iterable[int]) -> list[int]:
    return sorted(set(ids))


def table(model: type) -> Table:
    """A model's table, whose columns (`table(Unit).c.start`) type-check in Core queries of any width."""
    from sqlalchemy import inspect

    return cast("Table", inspect(model).local_table)


def row_id(row: Any) -> int:
    """The id of a row read from (or flushed to) the database.

    The models type `id` as Optional because a new object has none until it is flushed; a row that came
    from a query always has one, and this says so once instead of at every use.
    """
    value = row.id
    if value is None:
        raise ValueError(f"{type(row).__name__} has no id yet (not flushed)")
    return int(value)
