"""Queries behind the lead's codebook operations (cotag.codebook_ops): set-based moves and the code's codings."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import func, update
from sqlmodel import Session, select

from cotag.store.models import Code, Coder, Coding, Document


def reparent_children(session: Session, *, from_code_id: int, to_code_id: int) -> None:
    """Every child of one code becomes a child of another (one UPDATE)."""
    session.execute(update(Code).where(Code.parent_id == from_code_id).values(parent_id=to_code_id))  # type: ignore[arg-type]


def live_coding_ids(session: Session, *, ids: Iterable[int], code_id: int) -> set[int]:
    """Those of `ids` that are live codings of the code."""
    query = select(Coding.id).where(Coding.id.in_(list(ids)), Coding.code_id == code_id,  # type: ignore[union-attr]
                                    Coding.deleted_at.is_(None))  # type: ignore[union-attr]
    return {int(i) for i in session.exec(query).all() if i is not None}


def codings_of_code(session: Session, *, code_id: int, limit: int, excerpt: int
                    ) -> tuple[list[tuple[int, str, str, int, int, str, str]], int]:
    """The first `limit` live codings of a code (id, document, coder, start, end, memo, the first `excerpt`
    characters of the coded text) in reading order, and how many there are. The excerpt is cut in SQL so no
    document text is loaded whole."""
    live = (Coding.code_id == code_id, Coding.deleted_at.is_(None))  # type: ignore[union-attr]
    total = session.exec(select(func.count()).select_from(Coding).where(*live)).one()
    rows = session.exec(
        select(Coding.id, Document.external_id, Coder.name, Coding.start, Coding.end, Coding.memo,
               func.substr(Document.text, Coding.start + 1, excerpt))
        .join(Document, Document.id == Coding.document_id)  # type: ignore[arg-type]
        .join(Coder, Coder.id == Coding.coder_id)  # type: ignore[arg-type]
        .where(*live)
        .order_by(Document.external_id, Coding.start, Coding.end, Coder.name, Coding.id)
        .limit(limit)).all()
    return [tuple(row) for row in rows], int(total)  # type: ignore[misc]
