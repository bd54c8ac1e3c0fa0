"""Bulk reads and merge writes on the progress table (who marked which document done).

Kept beside store/progress.py, which holds the coder's own progress queries, because that module is being
reworked in the same change; the two belong together and can be joined once both have landed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from cotag.store.models import Progress
# The column-wise reads below answer through store/plain_reads.py (no model classes: report start-up, #14).
from cotag.store import plain_reads
from cotag.store.rows import sorted_ids, table

P = table(Progress)


def done_pairs(session: Session, *, coder_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """(coder id, document id) wherever the coder marked the document done (None: any coder); a trainee's
    practice left out."""
    return plain_reads.done_pairs(session, coder_ids=coder_ids)


def progress_of(session: Session, *, coder_ids: Iterable[int]) -> list[Progress]:
    """These coders' progress rows, in the order they were made."""
    query = select(Progress).where(col(Progress.coder_id).in_(sorted_ids(coder_ids) or [-1])).order_by(col(Progress.id))
    return list(session.exec(query))


def add_progress(session: Session, *, coder_id: int, document_id: int, status: str, cursor: int,
                 updated_at: datetime | None) -> None:
    """A progress row as another copy of the project recorded it (merge)."""
    row = Progress(coder_id=coder_id, document_id=document_id, status=status, cursor=cursor)
    if updated_at is not None:
        row.updated_at = updated_at
    session.add(row)


def update_progress(session: Session, *, progress: Progress, status: str, cursor: int, updated_at: datetime) -> None:
    progress.status, progress.cursor, progress.updated_at = status, cursor, updated_at
    session.add(progress)
