"""PostgreSQL roles for a team: one login role per coder, its grants, and the URL the coder connects with.

The row-level security policies themselves live in migration 0002: they key on
`current_user` matching a coder's name, so creating a role of that name with
the grants below is all it takes for the database to refuse that role any write
to another coder's work. No role is given DELETE: codings are soft-deleted.
"""

from __future__ import annotations

from typing import Any

from cotag.errors import CotagError

# What every coder role may touch. Everything is readable except what the
# policies hide (other coders' codings, progress, memos and events). Updates are
# granted per column: the columns the app changes, never a row's coder, document or
# span (migration 0003's triggers refuse those to everyone as well).
CODER_WRITES = {"coding": "INSERT, UPDATE (memo, deleted_at)",
                "progress": "INSERT, UPDATE (status, cursor, updated_at)",
                "memo": "INSERT, UPDATE (title, text, updated_at)",
                "event": "INSERT"}
# A lead also changes the codebook (moving codings to another code) and rules on disagreements
# (a new ruling supersedes the old one, which is otherwise never rewritten).
LEAD_WRITES = {"code": "INSERT, UPDATE", "decision": "INSERT, UPDATE (superseded_at)",
               "coding": "UPDATE (code_id)",
               # Assignments (migration 0005): a coder reads their own; a lead plans and replaces them.
               "assignment": "INSERT, UPDATE (removed_at)", "coding_round": "INSERT, UPDATE (closed_at, closed_by)",
               # Training (migration 0009): a lead gives a trainee documents that have a consensus.
               "training": "INSERT"}
# Tables where a role's writes are re-granted from scratch each time (table-wide UPDATE from an older cotag,
# or a lead's extra columns after a demotion, must not linger).
REGRANTED = ("coding", "progress", "memo", "event", "code", "decision", "assignment", "coding_round", "training")

def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def require_postgres(project) -> None:
    if project.engine.dialect.name != "postgresql":
        from cotag.store.database import redact

        raise CotagError(f"database roles need PostgreSQL; this project uses {redact(project.database_url)}. "
                         "Coders working on SQLite send their work with `cotag export coder` and the lead runs "
                         "`cotag merge` (see docs/team.md)")


def coder_url(project, name: str) -> str:
    """The project's database URL with the coder's role as the user (server, database and options kept).

    Never with a password, not even masked: a coder who pasted 'anna:***@...' would log in with '***'.
    psycopg reads the password from ~/.pgpass or PGPASSWORD, or the coder adds it to the URL.
    """
    from cotag.store.roles import url_for_user

    return url_for_user(project.database_url, name)


def grant_statements(schema: str, name: str, *, lead: bool) -> list[str]:
    role, where = quote_ident(name), quote_ident(schema)
    sql = [f"GRANT USAGE ON SCHEMA {where} TO {role}",
           f"GRANT SELECT ON ALL TABLES IN SCHEMA {where} TO {role}",
           # Nothing on the sequences: ids come from the owner's functions (migration 0003), and with SELECT or
           # even USAGE a sequence's last value, how many codings everyone made, is readable. (What stays
           # visible regardless is listed in docs/team.md.)
           f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {role}"]
    sql += [f"REVOKE INSERT, UPDATE, DELETE ON {where}.{table} FROM {role}" for table in REGRANTED]
    writes = [*CODER_WRITES.items(), *(LEAD_WRITES.items() if lead else [])]
    sql += [f"GRANT {what} ON {where}.{table} TO {role}" for table, what in writes]
    return sql


def checked_role_name(name: str) -> str:
    """The coder's name as a role name, refused when empty, reserved, or a PostgreSQL prefix."""
    from cotag.store.models import CONSENSUS_CODER

    name = name.strip()
    if not name or name == CONSENSUS_CODER or name.lower().startswith("pg_"):
        raise CotagError(f"{name!r} cannot be a coder's role name (empty, reserved, or a PostgreSQL prefix)")
    return name


def set_up_role(session, *, name: str, lead: bool = False, password: str | None = None) -> dict[str, Any]:
    """Create (or update) the coder's login role, grant it the project's tables, and add the Coder row."""
    from cotag.store import coders as coder_store
    from cotag.store import roles
    from cotag.store.models import ROLE_CODER, ROLE_LEAD

    schema = roles.current_schema(session)
    existed = roles.role_exists(session, name)
    role = quote_ident(name)
    if not existed:
        roles.create_login_role(session, role)
    if password is not None:
        roles.set_password(session, role, password)
    roles.run_statements(session, grant_statements(schema, name, lead=lead))
    wanted = ROLE_LEAD if lead else ROLE_CODER
    coder = coder_store.get_or_create_coder(session, name=name, role=wanted)
    before = coder.role
    if coder.role != wanted:
        # Both ways: the grants above changed, and the app's own checks read this row.
        coder.role = wanted
        session.add(coder)
    # The lead's sessions write the consensus coder, which coder roles cannot create themselves.
    coder_store.consensus_coder(session)
    return {"name": name, "role": wanted, "role_created": not existed, "schema": schema,
            "password_set": password is not None, "previous_role": before}


def role_refused(name: str, exc: BaseException) -> CotagError:
    """What the owner reads when the server refused to set up a role."""
    return CotagError(f"cannot set up role {name!r}: {str(getattr(exc, 'orig', exc)).splitlines()[0]} "
                      "(run this as the database owner, with a role that may CREATE ROLE)")


def change_role(session, *, name: str, lead: bool, by: str = "") -> dict[str, Any]:
    """Make a coder (created if new) a lead or a plain coder in the project's own table; logged when it changes.
    (On PostgreSQL the role's grants change too: services.team.set_role sets the role up again.)"""
    from cotag.store import coders as coder_store
    from cotag.store.events import log_event
    from cotag.store.models import CONSENSUS_CODER, ROLE_CODER, ROLE_LEAD

    role = ROLE_LEAD if lead else ROLE_CODER
    name = name.strip()
    if not name or name == CONSENSUS_CODER:
        raise CotagError(f"{name!r} cannot be a coder's name (empty, or reserved for the consensus coding)")
    coder = coder_store.get_or_create_coder(session, name=name, role=role)
    before = coder.role
    if before != role:
        coder.role = role
        session.add(coder)
        log_event(session, kind="coder.role", actor=by, payload={"coder": name, "from": before, "to": role})
    return {"name": name, "role": role, "changed": before != role}


def coder_table(session, *, postgres: bool) -> list[dict[str, Any]]:
    """Coders with their role and, on PostgreSQL, whether a login role of that name exists."""
    from cotag.store import coders as coder_store
    from cotag.store.roles import login_roles

    rows: list[dict[str, Any]] = [{"name": c.name, "role": c.role, "login": None}
                                  for c in coder_store.list_coders(session)]
    if postgres:
        logins = login_roles(session)
        for row in rows:
            row["login"] = row["name"] in logins
    return rows


# SQLSTATE 42501, insufficient_privilege: a missing grant, or a row the row-level security policies refuse.
INSUFFICIENT_PRIVILEGE = "42501"
# SQLSTATE 23514, check_violation: a span outside its text, a retired code (migration 0003).
CHECK_VIOLATION = "23514"
# What migration 0003's SQLite triggers say when they refuse a write.
GUARD_MESSAGES = ("coding span refused", "a coding keeps", "a progress row keeps", "a memo keeps",
                  "a decision is never rewritten")


def database_refusal(exc: BaseException) -> str | None:
    """A user's message when the database refused the change (not a crash); None for any other error."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    reason = str(orig).splitlines()[0] if orig is not None and str(orig) else "permission denied"
    if state == INSUFFICIENT_PRIVILEGE:
        return (f"the database refused this: {reason}. On a shared database a coder's role writes only their own "
                "codings, memos and progress, and only a lead's role changes the codebook and rules on "
                "disagreements; imports, codebook loads and merges run as the database owner (see docs/team.md)")
    if state == CHECK_VIOLATION or (orig is not None and any(m in reason for m in GUARD_MESSAGES)):
        return (f"the database refused this: {reason}; nothing of this change was saved (what the database "
                "enforces is listed in docs/team.md)")
    return None


def drop_coder_role(engine, name: str) -> None:
    """Remove a coder's role and every grant it holds in this database (tests; a coder leaving the team)."""
    from cotag.store.roles import drop_role

    drop_role(engine, name, quote_ident(name))
