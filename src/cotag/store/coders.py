"""Queries on the coder table."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, col, select

from cotag.errors import CotagError, NotFound, PermissionDenied
from cotag.store.rows import table
from cotag.store.models import CONSENSUS_CODER, ROLE_CODER, ROLE_CONSENSUS, ROLE_LEAD, Coder

ROLES = (ROLE_CODER, ROLE_LEAD, ROLE_CONSENSUS)


def get_coder(session: Session, *, name: str) -> Coder | None:
    return session.exec(select(Coder).where(col(Coder.name) == name)).first()


def require_coder(session: Session, *, name: str) -> Coder:
    coder = get_coder(session, name=name)
    if coder is None:
        known = ", ".join(c.name for c in list_coders(session)) or "none yet"
        raise NotFound(f"no coder named {name!r} (coders: {known})")
    return coder


def get_or_create_coder(session: Session, *, name: str, role: str = ROLE_CODER) -> Coder:
    """Coders are created on first use with `role`; an existing coder keeps the role they have.

    Nobody becomes a lead by asking for it here: a plain coder who could promote
    themselves could rule on their own disagreements (see `require_lead`). A role is
    changed explicitly and logged (`cotag team role NAME --lead`, `services.team.set_role`).
    """
    name = name.strip()
    if not name:
        raise CotagError("a coder needs a name")
    if role not in ROLES:
        raise CotagError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if name == CONSENSUS_CODER and role != ROLE_CONSENSUS:
        raise CotagError(f"{CONSENSUS_CODER!r} is reserved for the consensus coding; choose another coder name")
    coder = get_coder(session, name=name)
    if coder is None:
        # Not add-then-flush: another process (a second import, a coder's first session) may create the same
        # coder at this moment; the unique name makes one insert win and the other find it.
        from cotag.store.codings import insert_ignoring_duplicates
        from cotag.store.models import utcnow

        insert_ignoring_duplicates(session, table(Coder), [{"name": name, "role": role, "created_at": utcnow()}])
        coder = require_coder(session, name=name)
    return coder


def require_lead(session: Session, *, name: str) -> Coder:
    """The lead making a change: created as a lead on first use; an existing plain coder is refused."""
    name = (name or "").strip()
    if not name:
        raise PermissionDenied("a lead's name is needed (--lead NAME)")
    if name == CONSENSUS_CODER:
        raise PermissionDenied(f"{CONSENSUS_CODER!r} is the consensus coding, not a person: give the lead's name")
    coder = get_coder(session, name=name)
    if coder is not None and coder.role != ROLE_LEAD:
        raise PermissionDenied(f"{name} is a coder, not a lead: only a lead rules on disagreements, writes the "
                               "consensus coding and changes the codebook (the project's owner can make "
                               f"{name} a lead with `cotag team role {name} --lead`)")
    return coder or get_or_create_coder(session, name=name, role=ROLE_LEAD)


def consensus_coder(session: Session) -> Coder:
    return get_or_create_coder(session, name=CONSENSUS_CODER, role=ROLE_CONSENSUS)


def list_coders(session: Session) -> list[Coder]:
    return list(session.exec(select(Coder).order_by(col(Coder.name))))


def database_user(session: Session) -> str | None:
    """The PostgreSQL role this session logged in as (a coder's role is named after the coder); None on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    value = session.execute(text("SELECT current_user")).scalar()
    return None if value is None else str(value)


def coders_by_name(session: Session) -> dict[str, Coder]:
    return {c.name: c for c in list_coders(session)}
