"""Queries the simulated coders (cotag.demo.simulate) need: texts, code ids, respondent units, busy documents."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sqlmodel import Session, col, select

from cotag.store.models import Code, Coding, Document, Unit


def texts_by_external_id(session: Session, external_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Per document id among `external_ids` that the project has: (database id, text)."""
    query = select(col(Document.id), Document.external_id, Document.text).where(
        col(Document.external_id).in_(list(external_ids)))
    return {ext: (i, t) for i, ext, t in session.exec(query) if i is not None}


def code_ids(session: Session) -> dict[str, int]:
    """Every code's database id by key (retired and merged codes too)."""
    return {key: i for i, key in session.exec(select(col(Code.id), Code.key)) if i is not None}


def respondent_units(session: Session, document_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Per document, the (start, end) of its respondent units (interviewer turns left out), in order."""
    units: dict[int, list[tuple[int, int]]] = defaultdict(list)
    query = select(Unit.document_id, Unit.start, Unit.end).where(
        col(Unit.document_id).in_(list(document_ids)), col(Unit.is_interviewer).is_(False)
    ).order_by(col(Unit.document_id), col(Unit.index))
    for document_id, start, end in session.exec(query):
        units[document_id].append((start, end))
    return dict(units)


def first_coded_document(session: Session, *, coder_id: int, document_ids: Sequence[int]) -> int | None:
    """One of `document_ids` where the coder has a live coding, or None."""
    query = select(Coding.document_id).where(Coding.coder_id == coder_id, col(Coding.deleted_at).is_(None),
                                             col(Coding.document_id).in_(list(document_ids)))
    return session.exec(query).first()
