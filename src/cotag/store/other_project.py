"""Another project's database, opened to read only: what `cotag merge` brings in from a project folder or file.

Database errors are turned into CotagError here, naming the source, so the merge never sees SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from cotag.errors import CotagError
from cotag.store.database import SCHEMA_HEAD, known_revisions, make_engine

# The tables every cotag project database has; any SQLite file passes the magic-bytes check.
REQUIRED_TABLES = frozenset({"alembic_version", "document", "code", "coder", "coding"})


def reading_engine(url: str) -> Engine:
    """An engine that only reads: a SQLite source is opened read-only, so a merge never touches the other file
    (cotag's own engine would switch it to WAL mode, which writes to it)."""
    if url.startswith("sqlite:///"):
        return create_engine(f"sqlite:///file:{quote(url[len('sqlite:///'):])}?mode=ro&uri=true")
    return make_engine(url)


@contextmanager
def reading(url: str, *, source: str) -> Iterator[Session]:
    """A session on the other project's database, checked to be a cotag database of a schema this cotag knows.

    `source` names it in messages. Never migrated: reading it must never change it.
    """
    engine = reading_engine(url)
    try:
        with Session(engine) as session:
            tables = set(inspect(session.connection()).get_table_names())
            missing = REQUIRED_TABLES - tables
            if missing:
                raise CotagError(f"{source}: not a cotag project database (no {', '.join(sorted(missing))} "
                                 "table)")
            _check_revision(session, source)
            yield session
    except SQLAlchemyError as exc:
        raise CotagError(f"{source}: cannot read its database: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()


def _check_revision(session: Session, source: str) -> None:
    """Refuse a database whose schema this cotag does not know (made by a newer cotag): it is never migrated
    here, and reading it as if it were ours could misread or miss what the newer version stores."""
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision not in known_revisions():
        raise CotagError(f"{source}: its database has schema revision {revision!r}, which this cotag does not "
                         f"know (newest known: {SCHEMA_HEAD}); it was made by a newer cotag: upgrade cotag and "
                         "merge again; nothing was imported")
