"""Queries behind the lead's codebook operations (cotag.codebook_ops): set-based moves and the code's codings."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import func, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from cotag.store.models import Code, Coder, Coding, Document


def reparent_children(session: Session, *, from_code_id: int, to_code_id: int) -> None:
    """Every child of one code becomes a child of another (one UPDATE)."""
    session.execute(update(Code).where(col(Code.parent_id) == from_code_id).values(parent_id=to_code_id))


def live_coding_ids(session: Session, *, ids: Iterable[int], code_id: int) -> set[int]:
    """Those of `ids` that are live codings of the code."""
    query = select(Coding.id).where(col(Coding.id).in_(list(ids)), Coding.code_id == code_id,
                                    col(Coding.deleted_at).is_(None))
    return {int(i) for i in session.exec(query).all() if i is not None}


def codings_of_code(session: Session, *, code_id: int, limit: int, excerpt: int
                    ) -> tuple[list[tuple[int, str, str, int, int, str, str]], int]:
    """The first `limit` live codings of a code (id, document, coder, start, end, memo, the first `excerpt`
    characters of the coded text) in reading order, and how many there are. The excerpt is cut in SQL so no
    document text is loaded whole."""
    live = (col(Coding.code_id) == code_id, col(Coding.deleted_at).is_(None))
    total = session.exec(select(func.count()).select_from(Coding).where(*live)).one()
    # More columns than sqlmodel's typed select takes: SQLAlchemy's, through execute.
    rows = session.execute(
        select_columns(col(Coding.id), col(Document.external_id), col(Coder.name), col(Coding.start),
                       col(Coding.end), col(Coding.memo),
               func.substr(Document.text, col(Coding.start) + 1, excerpt))
        .join(Document, col(Document.id) == col(Coding.document_id))
        .join(Coder, col(Coder.id) == col(Coding.coder_id))
        .where(*live)
        .order_by(col(Document.external_id), col(Coding.start), col(Coding.end), col(Coder.name), col(Coding.id))
        .limit(limit)).all()
    return [(i, doc, coder, start, end, memo, text) for i, doc, coder, start, end, memo, text in rows], int(total)
