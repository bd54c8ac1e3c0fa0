"""Queries on the coder table."""

from __future__ import annotations

from sqlmodel import Session, select

from cotag.errors import CotagError, NotFound
from cotag.store.models import CONSENSUS_CODER, ROLE_CODER, ROLE_CONSENSUS, ROLE_LEAD, Coder

ROLES = (ROLE_CODER, ROLE_LEAD, ROLE_CONSENSUS)


def get_coder(session: Session, *, name: str) -> Coder | None:
    return session.exec(select(Coder).where(Coder.name == name)).first()


def require_coder(session: Session, *, name: str) -> Coder:
    coder = get_coder(session, name=name)
    if coder is None:
        known = ", ".join(c.name for c in list_coders(session)) or "none yet"
        raise NotFound(f"no coder named {name!r} (coders: {known})")
    return coder


def get_or_create_coder(session: Session, *, name: str, role: str = ROLE_CODER) -> Coder:
    """Coders are created on first use; asking for the lead role promotes an existing coder."""
    name = name.strip()
    if not name:
        raise CotagError("a coder needs a name")
    if role not in ROLES:
        raise CotagError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if name == CONSENSUS_CODER and role != ROLE_CONSENSUS:
        raise CotagError(f"{CONSENSUS_CODER!r} is reserved for the consensus coding; choose another coder name")
    coder = get_coder(session, name=name)
    if coder is None:
        coder = Coder(name=name, role=role)
        session.add(coder)
        session.flush()
    elif role == ROLE_LEAD and coder.role == ROLE_CODER:
        coder.role = ROLE_LEAD
        session.add(coder)
        session.flush()
    return coder


def consensus_coder(session: Session) -> Coder:
    return get_or_create_coder(session, name=CONSENSUS_CODER, role=ROLE_CONSENSUS)


def list_coders(session: Session) -> list[Coder]:
    return list(session.exec(select(Coder).order_by(Coder.name)))
