"""Queries on revisions of documents' texts and the items (codings, rulings) each one carried."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from cotag.store.models import (
    CARRY_CHANGED,
    CARRY_ORPHANED,
    Document,
    Revision,
    RevisionItem,
)

FLAGGED = (CARRY_CHANGED, CARRY_ORPHANED)


def next_number(session: Session, *, document_id: int) -> int:
    """The number the document's next revision gets (1 for its first)."""
    return 1 + max(session.exec(select(Revision.number).where(Revision.document_id == document_id)).all() or [0])


def add_items(session: Session, *, revision_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """A revision's items in one statement, numbered 1, 2, ... in the order given."""
    if rows:
        session.execute(insert(RevisionItem.__table__), [
            {"revision_id": revision_id, "number": n, "review": "", "reviewed_by": "", "reviewed_at": None, **row}
            for n, row in enumerate(rows, 1)])


def items_of(session: Session, *, revision_ids: Sequence[int], flagged_only: bool = False
             ) -> dict[int, list[RevisionItem]]:
    """revision id -> its items in number order (500 revisions per query)."""
    out: dict[int, list[RevisionItem]] = defaultdict(list)
    ids = list(revision_ids)
    for first in range(0, len(ids), 500):
        query = select(RevisionItem).where(RevisionItem.revision_id.in_(ids[first:first + 500]))
        if flagged_only:
            query = query.where(RevisionItem.status.in_(FLAGGED))
        for item in session.exec(query.order_by(RevisionItem.revision_id, RevisionItem.number)):
            out[item.revision_id].append(item)
    return out


def item(session: Session, *, revision_id: int, number: int) -> RevisionItem | None:
    return session.exec(select(RevisionItem).where(RevisionItem.revision_id == revision_id,
                                                   RevisionItem.number == number)).first()


def revisions_with_documents(session: Session, *, revision_id: int | None = None) -> list[tuple[Revision, str]]:
    """(revision, document's external id), newest first; one revision when revision_id is given."""
    query = select(Revision, Document.external_id).join(Document, Document.id == Revision.document_id)
    if revision_id is not None:
        query = query.where(Revision.id == revision_id)
    return [tuple(row) for row in session.exec(query.order_by(Revision.id.desc())).all()]


def later_standing(session: Session, *, revision: Revision) -> int | None:
    """The id of a revision of the same document after this one and not undone, if any."""
    return session.exec(select(Revision.id).where(Revision.document_id == revision.document_id,
                                                  Revision.id > revision.id, Revision.undone_at.is_(None))).first()
