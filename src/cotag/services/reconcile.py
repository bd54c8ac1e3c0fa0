"""Use cases of the lead's reconciliation: disagreements, rulings, agreed spans, progress, the reconcile screen's
workspace. Each opens one transaction and calls cotag.reconcile (or cotag.reconcile_workspace) with its session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.reconcile_workspace import Workspace


def list_disagreements(project: Project, *, coders: Sequence[str] | None = None,
                       documents: Sequence[str] | None = None, only_open: bool = False,
                       status: str | None = None) -> list[dict[str, Any]]:
    """Every disagreement between two coders, each with the words both coded and the ruling that stands.

    only_open: the open ones (as `cotag reconcile list --open`); status: only those of that status."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.disagreement_table(session, coders=coders, documents=documents,
                                            status=reconcile.OPEN if only_open else status)


def rule(project: Project, **kwargs: Any) -> dict[str, Any]:
    """A ruling on one disagreement, with the consensus that follows, in one transaction: committed whole or not
    at all. `kwargs` are reconcile.decide's."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.decide(session, **kwargs)


def agreed_spans(project: Project, *, coders: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The spans both coders coded alike, each saying whether it is in the consensus yet."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.agreed_table(session, coders=coders, documents=documents)


def agreed_review(project: Project, *, coders: Sequence[str] | None = None,
                  documents: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The agreed spans with their text, for reviewing the automatic part of the consensus on screen."""
    from cotag import reconcile

    with project.session() as session:
        return reconcile.agreed_review(session, coders=coders, documents=documents)


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


# ---------------------------------------------------------------- the reconcile screen

def open_workspace(project: Project, *, lead: str, coders: Sequence[str] | None = None,
                   documents: Sequence[str] | None = None) -> Workspace:
    """Check the lead, write the agreed spans into the consensus, and load everything to rule on (one transaction)."""
    from cotag.reconcile_workspace import open_workspace as load

    with project.session() as session:
        return load(session, lead=lead, coders=coders, documents=documents)


def refresh_document(project: Project, workspace: Workspace, document: str) -> None:
    """Recompare one document of the workspace after a ruling (or a coder's change), in its own transaction."""
    with project.session() as session:
        workspace.refresh_document(session, document)
