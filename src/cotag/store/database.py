"""Engines for SQLite and PostgreSQL, and the schema brought up to date through the migrations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cotag.errors import CotagError

# The newest migration in src/cotag/migrations/versions. Checked against the
# database with one query so that ordinary commands never pay for importing alembic.
SCHEMA_HEAD = "0002"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL: a reader (the TUI) never blocks a writer (an import), and a
            # killed process leaves the last committed state intact.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise CotagError(f"cannot use database URL {redact(url)}: {exc}") from None


def redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema; cheap when it is already at head."""
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise CotagError(f"cannot open database {redact(str(engine.url))}: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}") from None
    if revision == SCHEMA_HEAD:
        return
    if revision is not None and revision not in known_revisions():
        raise CotagError(f"database {redact(str(engine.url))} has schema revision {revision!r}, which this cotag "
                         f"does not know (newest known: {SCHEMA_HEAD}): it was made by a newer cotag; upgrade "
                         "cotag to open it (nothing was changed)")
    upgrade(engine)


def known_revisions() -> set[str]:
    """The schema revisions this cotag's migrations know (file names start with the revision)."""
    return {path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")}


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
