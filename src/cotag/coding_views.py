"""What the coding screen and `cotag codings list` read: a transcript opened for coding, the coder's library,
the coders, and live codings as a table. Each function takes the session of the use case that calls it
(services.coding)."""

from __future__ import annotations

import bisect

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from cotag.errors import NotFound
from cotag.spans import UnitSpan
from cotag.store.rows import row_id

if TYPE_CHECKING:
    from cotag.store.session import Session


@dataclass
class Transcript:
    """A document opened for coding: its text, units, the visible codings and where the coder was."""

    document_id: int
    external_id: str
    group: str
    attributes: dict[str, Any]
    text: str
    units: list[UnitSpan]
    marks: list
    cursor: int = 0
    done: bool = False
    visited: bool = False  # the coder has been here before (the cursor is where they left)


def open_transcript(session: Session, *, document_id: int, coder_ids: Iterable[int],
                    progress_coder_id: int) -> Transcript:
    """A document with its units, these coders' live codings, and where `progress_coder_id` was in it."""
    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store import documents as doc_store
    from cotag.store.models import PROGRESS_DONE

    document = doc_store.get_document_by_id(session, document_id=document_id)
    if document is None:
        raise NotFound(f"no document with database id {document_id}")
    units = [UnitSpan(*row) for row in coding_store.unit_spans(session, document_id=document_id)]
    marks = coding_store.live_marks(session, document_id=document_id, coder_ids=list(coder_ids))
    progress = progress_store.get_progress(session, coder_id=progress_coder_id, document_id=document_id)
    return Transcript(document_id=row_id(document), external_id=document.external_id, group=document.group,
                          attributes=dict(document.attributes or {}), text=document.text, units=units, marks=marks,
                          cursor=min(progress.cursor, max(len(units) - 1, 0)) if progress else 0,
                          done=bool(progress and progress.status == PROGRESS_DONE), visited=progress is not None)


@dataclass
class LibraryRow:
    """One document in the coder's library, with their progress on it."""

    document_id: int
    external_id: str
    group: str
    attributes: dict[str, Any]
    words: int
    units: int
    codable: int  # respondent units
    coded: int  # respondent units this coder has covered
    done: bool
    started: bool


def library(session: Session, *, coder_id: int) -> list[LibraryRow]:
    """Every document in reading order (group, id) with this coder's progress."""
    from cotag.store import documents as doc_store
    from cotag.store import progress as progress_store
    from cotag.store.models import PROGRESS_DONE

    # Columns, not Document objects: the library must not load every transcript's text.
    documents = doc_store.document_columns(session)
    units = doc_store.unit_counts(session)
    codable = progress_store.codable_unit_counts(session)
    coded = progress_store.coded_unit_counts(session, coder_id=coder_id)
    progress = progress_store.for_coder(session, coder_id=coder_id)
    return [LibraryRow(document_id=doc_id, external_id=ext, group=group or "", attributes=dict(attrs or {}),
                       words=words or 0, units=units.get(doc_id, 0), codable=codable.get(doc_id, 0),
                       coded=coded.get(doc_id, 0),
                       done=doc_id in progress and progress[doc_id].status == PROGRESS_DONE,
                       started=doc_id in progress)
            for doc_id, ext, group, attrs, words, _ in documents]


@dataclass(frozen=True)
class CoderInfo:
    id: int
    name: str
    role: str
    codings: int


def coders(session: Session, *, document_id: int | None = None) -> list[CoderInfo]:
    """Every coder with their live codings (in one document, or overall)."""
    from cotag.store.coders import list_coders
    from cotag.store.codings import coders_with_codings

    counts = coders_with_codings(session, document_id=document_id)
    return [CoderInfo(row_id(c), c.name, c.role, counts.get(row_id(c), 0)) for c in list_coders(session)]


# ---------------------------------------------------------------- scripting: `cotag codings list`

def codings_table(session: Session, *, coders: Iterable[str] | None = None, documents: Iterable[str] | None = None,
                  codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Live codings with the coded text: document, code, coder, start, end, text, memo."""
    from cotag.store import codings as coding_store
    from cotag.store.coders import require_coder
    from cotag.store.codes import require_code
    from cotag.store.documents import require_document
    from cotag.store.documents import texts as doc_texts
    from cotag.store.documents import unit_columns

    # Unknown names are errors, not empty output: a typo must not look like "no codings".
    for name in coders or ():
        require_coder(session, name=name)
    for external_id in documents or ():
        require_document(session, external_id=external_id)
    for key in codes or ():
        require_code(session, key=key)
    rows = coding_store.list_codings(session, coders=coders, documents=documents, codes=codes)
    ids = {row.document_id for row in rows}
    texts = doc_texts(session, ids=ids)
    # The units a coding touches, numbered from 1 as the screens and `codings import` number them (unit_start and
    # unit_end are that import's column names, so a listing reads back in); offsets alone say nothing to a reader.
    starts: dict[int, list[int]] = {}
    for document_id, _index, start, _end, *_ in unit_columns(session, document_ids=ids):
        starts.setdefault(document_id, []).append(start)
    out = []
    for row in rows:
        unit_starts = starts.get(row.document_id, [])
        first = max(bisect.bisect_right(unit_starts, row.start) - 1, 0)
        last = max(bisect.bisect_left(unit_starts, row.end) - 1, first)
        out.append({"document": row.document, "code": row.code, "coder": row.coder, "start": row.start,
                    "end": row.end, "unit_start": first + 1 if unit_starts else None,
                    "unit_end": last + 1 if unit_starts else None,
                    "text": texts[row.document_id][row.start:row.end], "memo": row.memo})
    return out
