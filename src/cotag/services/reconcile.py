"""Use cases of the lead's reconciliation: disagreements, rulings, agreed spans, progress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from cotag.project import Project


def list_disagreements(project: Project, *, coders: Sequence[str] | None = None,
                       documents: Sequence[str] | None = None, only_open: bool = False) -> list[dict[str, Any]]:
    """Every disagreement between two coders, each with the words both coded and the ruling that stands."""
    from cotag import reconcile

    return reconcile.list_disagreements(project, coders=coders, documents=documents,
                                        status=reconcile.OPEN if only_open else None)


def rule(project: Project, **kwargs: Any) -> dict[str, Any]:
    """A ruling on one disagreement, with the consensus that follows, in one transaction."""
    from cotag import reconcile

    return reconcile.rule(project, **kwargs)


def agreed_spans(project: Project, *, coders: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The spans both coders coded alike, each saying whether it is in the consensus yet."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.agreed_table(session, coders=coders, documents=documents)


def write_agreed(project: Project, *, lead: str, coders: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None) -> int:
    """Put every agreed span into the consensus now (idempotent); how many were added."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.write_agreed(session, lead=lead, coders=coders, documents=documents)


def progress(project: Project, *, coders: Sequence[str] | None = None,
             documents: Sequence[str] | None = None) -> dict[str, Any]:
    """Disagreements ruled on, per document and overall."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.compare(session, coders=coders, documents=documents, agreed=False).progress()
