"""PostgreSQL roles and grants for a team (cotag.team): the statements, kept in the store like every query.

Role DDL takes no bind parameters: callers pass names through cotag.team.quote_ident.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from cotag.store.session import Session

# What a refused or failed statement raises (callers catch it without importing SQLAlchemy).
DatabaseError = SQLAlchemyError


def url_for_user(url: str, user: str) -> str:
    """The database URL with another user (server, database and options kept) and no password."""
    return make_url(url).set(username=user, password=None).render_as_string(hide_password=False)


def current_schema(session: Session) -> str:
    return str(session.execute(text("SELECT current_schema()")).scalar())


def role_exists(session: Session, name: str) -> bool:
    return session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is not None


def create_login_role(session: Session, role: str) -> None:
    session.execute(text(f"CREATE ROLE {role} LOGIN"))


def set_password(session: Session, role: str, password: str) -> None:
    # The literal is quoted by the server's own function.
    literal = session.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar()
    session.execute(text(f"ALTER ROLE {role} PASSWORD {literal}"))


def run_statements(session: Session, statements: Iterable[str]) -> None:
    for statement in statements:
        session.execute(text(statement))


def login_roles(session: Session) -> set[str]:
    return set(session.execute(text("SELECT rolname FROM pg_roles WHERE rolcanlogin")).scalars())


def drop_role(engine: Any, name: str, role: str) -> None:
    """Drop a role and everything it owns or was granted in this database, if it exists."""
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first():
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
