"""Use cases of revising coded transcripts: `cotag revise` and its undo, the revisions listed, the lead's review
of what a revision flagged (the command line and the revisions screen).

Each opens one transaction and hands its session to cotag.revision (service.py plans and writes a revision, undo.py
puts one back, review.py the lead's verdicts and queue). A revision and an undo take the project's revision write
lock (`begin_write`) first thing in that transaction and hold it until it commits, so two revisions of one document
never interleave; the lock is taken in the domain function, inside the one transaction opened here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from cotag.project import Project


def revise_paths(project: Project, *, paths: Iterable[Path | str], dry_run: bool = False,
                 lead: str | None = None) -> dict[str, Any]:
    """Revise the documents these files are new versions of: all in one transaction, or (dry run) nothing."""
    from cotag.revision.service import no_cycle_collection, revise_files, transcript_files

    # The collector stays paused around the whole use case, the commit included (the objects live until then).
    with no_cycle_collection():
        files = transcript_files(paths)  # a bad path is said before any transaction opens, as before
        with project.session() as session:
            return revise_files(session, files, dry_run=dry_run, lead=lead)


def undo(project: Project, *, revision_id: int, lead: str | None = None) -> dict[str, Any]:
    """Put a document back as it was before a revision (cotag.revision.undo.undo), in one transaction."""
    from cotag.revision.undo import undo as undo_revision

    with project.session() as session:
        return undo_revision(session, revision_id=revision_id, lead=lead)


def list_revisions(project: Project, *, revision_id: int | None = None) -> list[dict[str, Any]]:
    """Every revision, newest first, with its diff summary and flagged items; or one revision."""
    from cotag.revision.service import list_revisions as listed

    with project.session() as session:
        return listed(session, revision_id=revision_id)


def review(project: Project, *, revision_id: int, item_number: int, action: str, lead: str,
           span: tuple[int, int] | None = None) -> dict[str, Any]:
    """The lead's verdict on one flagged item (accept, remove, or a new span), logged, in one transaction."""
    from cotag.revision.review import review as verdict

    with project.session() as session:
        return verdict(session, revision_id=revision_id, item_number=item_number, action=action, lead=lead,
                       span=span)


def review_queue(project: Project, *, revision_id: int | None = None) -> list[dict[str, Any]]:
    """The flagged items the lead can still review, with their context (what the revisions screen lists)."""
    from cotag.revision.review import review_queue as queue

    with project.session() as session:
        return queue(session, revision_id=revision_id)
