"""Use cases of working as a team: coders and roles, assignments and rounds, merging, the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cotag.project import Project


def audit_trail(project: Project, *, since: datetime | None = None, actor: str | None = None,
                kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The audit trail, oldest first: who did what, when."""
    from cotag.store.events import event_table

    with project.session() as session:
        return event_table(session, since=since, actor=actor, kind=kind, limit=limit)


def add_coder(project: Project, *, name: str, lead: bool = False, password: str | None = None) -> dict[str, Any]:
    """A coder's PostgreSQL role with its grants, and the coder in the project."""
    from cotag import team

    return team.add_coder(project, name=name, lead=lead, password=password)


def set_role(project: Project, *, name: str, lead: bool, by: str = "") -> dict[str, Any]:
    """Make a coder a lead or a plain coder (logged; on PostgreSQL the role's grants follow)."""
    from cotag import team

    return team.set_role(project, name=name, lead=lead, by=by)


def coders(project: Project) -> list[dict[str, Any]]:
    """Each coder, their role, and whether a database role of that name may log in."""
    from cotag import team

    return team.team_status(project)


# ---------------------------------------------------------------- assignments and rounds
# The plan itself is pure (cotag.assignments.plan_assignments); these store and read it, each in one transaction.

def assign(project: Project, **options: Any) -> dict[str, Any]:
    """Plan who codes which document and (unless dry_run) store the plan; see cotag.assignments.assign."""
    from cotag import assignments

    return assignments.assign(project, **options)


def reassign(project: Project, *, document: str, coders: list[str], lead: str,
             round_name: str | None = None) -> dict[str, Any]:
    """Give one document to other coders, keeping whether it is in the overlap sample."""
    from cotag import assignments

    return assignments.reassign(project, document=document, coders=coders, lead=lead, round_name=round_name)


def list_assignments(project: Project, *, coder: str | None = None,
                     round_name: str | None = None) -> list[dict[str, Any]]:
    from cotag import assignments

    return assignments.list_assignments(project, coder=coder, round_name=round_name)


def progress(project: Project, *, round_name: str | None = None) -> dict[str, Any]:
    """Per assigned coder: assigned, started, done, codings; and alpha so far on the overlap sample."""
    from cotag import assignments

    return assignments.progress(project, round_name=round_name)


def start_round(project: Project, *, name: str, lead: str, documents: list[str] | None = None) -> dict[str, Any]:
    from cotag import assignments

    return assignments.start_round(project, name=name, lead=lead, documents=documents)


def close_round(project: Project, *, name: str, lead: str) -> dict[str, Any]:
    from cotag import assignments

    return assignments.close_round(project, name=name, lead=lead)


def rounds(project: Project) -> list[dict[str, Any]]:
    from cotag import assignments

    return assignments.rounds(project)


def agreement_by_round(project: Project, selection: Any, **options: Any) -> dict[str, Any]:
    """The agreement report per round, and each code's drift between consecutive rounds."""
    from cotag import assignments

    return assignments.agreement_by_round(project, selection, **options)
