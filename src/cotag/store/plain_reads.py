"""Column-wise reads that need neither the ORM nor the model classes: for report commands' start-up.

`cotag agreement` reads a few thousand rows; importing SQLModel and building the model classes
(store/models.py) to describe the queries cost more than reading them (issue #14). The queries here name
their tables and columns with SQLAlchemy Core's lightweight `table()`/`column()` (the names of the tables
store/models.py defines; tests/storage/test_plain_reads.py keeps them equal), so SQLAlchemy still writes the
SQL for either back end, and the rows come straight from the driver as in store/rows.py.

Every function takes `source`: a plain Connection (`Project.reading()`) or a Session; the ORM loaders of
the same name in store/documents.py, store/codings.py and store/progress_rows.py answer through these.
A trainee's practice (store/training.py) is left out where the study's work is read, as there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Integer, column, func, select, table
from sqlalchemy import cast as sql_cast

from cotag.store.rows import CHUNK, chunks, sorted_ids
from cotag.store.rows import driver_rows as rows

# models.STATUS_ACTIVE, PROGRESS_DONE, SOURCE_SUGGESTION, CONSENSUS_CODER and ROLE_LEAD: kept here so this module
# need not import the models (tests/storage/test_plain_reads.py keeps them equal).
STATUS_ACTIVE = "active"
CONSENSUS_CODER = "consensus"
ROLE_LEAD = "lead"
PROGRESS_DONE = "done"
SOURCE_SUGGESTION = "suggestion"

DOCUMENT = table("document", column("id"), column("external_id"), column("group"), column("attributes"),
                 column("words"), column("text"))
UNIT = table("unit", column("document_id"), column("index"), column("start"), column("end"), column("turn"),
             column("speaker"), column("is_interviewer"))
CODER = table("coder", column("id"), column("name"), column("role"))
CODE = table("code", column("id"), column("key"), column("parent_id"), column("status"), column("position"),
             column("name"), column("description"), column("include"), column("exclude"), column("examples"),
             column("keywords"), column("colour"), column("shortcut"), column("merged_into_id"))
CODING = table("coding", column("id"), column("document_id"), column("code_id"), column("coder_id"), column("start"),
               column("end"), column("memo"), column("deleted_at"), column("source"))
PROGRESS = table("progress", column("coder_id"), column("document_id"), column("status"))
TRAINING = table("training", column("coder_id"), column("document_id"))

# (document id, index, start, end, turn, speaker, is_interviewer as 0/1), in document and reading order.
UnitColumns = tuple[int, int, int, int, int, str, int]
# (id, document id, code id, coder id, start, end, memo), by document, start, end and id.
LiveCoding = tuple[int, int, int, int, int, int, str]


# ---------------------------------------------------------------- documents and units

def document_ids(source: Any, *, groups: Sequence[str] | None = None,
                 external_ids: Sequence[str] | None = None) -> list[tuple[int, str]]:
    """(database id, external id) of the documents in these groups and among these ids (None: any), by
    external id."""
    D = DOCUMENT.c
    query = select(D.id, D.external_id).order_by(D.external_id)
    if groups is not None:
        query = query.where(D.group.in_(list(groups)))
    if external_ids is not None:
        query = query.where(D.external_id.in_(list(external_ids)))
    return [(int(i), str(e)) for i, e in rows(source, query)]


def group_names(source: Any) -> set[str]:
    return {row[0] for row in rows(source, select(DOCUMENT.c.group).distinct())}


def existing_external_ids(source: Any, *, external_ids: Sequence[str]) -> set[str]:
    """Those of ``external_ids`` that name a document of the project."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(external_ids))):
        query = select(DOCUMENT.c.external_id).where(DOCUMENT.c.external_id.in_(list(chunk)))
        found.update(row[0] for row in rows(source, query))
    return found


class DocumentColumns(NamedTuple):
    """A document as exports read it, without its ORM object; `text` is "" unless the loader was asked for it
    (store.documents uses this type too)."""

    id: int
    external_id: str
    group: str
    attributes: dict[str, Any]
    words: int
    text: str


def _json(value: Any, empty: Any) -> Any:
    """A JSON column's value from a driver row: text on SQLite, already decoded on PostgreSQL."""
    if value is None:
        return empty
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def document_columns(source: Any, *, with_text: bool = False) -> list[DocumentColumns]:
    """Every document in reading order (group, external id); the text only when asked for."""
    D = DOCUMENT.c
    columns: list[Any] = [D.id, D.external_id, D.group, D.attributes, D.words]
    if with_text:
        columns.append(D.text)
    return [DocumentColumns(int(row[0]), row[1], row[2] or "", _json(row[3], {}) or {}, row[4] or 0,
                            row[5] if with_text else "")
            for row in rows(source, select(*columns).order_by(D.group, D.external_id))]


def unit_columns(source: Any, *, document_ids: Iterable[int] | None = None) -> list[UnitColumns]:
    """The units of these documents (None: all) in one query, as plain tuples.

    is_interviewer is cast to an integer in SQL, so both back ends give the same 0 or 1 (a driver row
    would be a bool on PostgreSQL and an int on SQLite). With many documents, reading every unit and
    keeping theirs is cheaper than an IN list as long as the table.
    """
    U = UNIT.c
    query = (select(U.document_id, U.index, U.start, U.end, U.turn, func.coalesce(U.speaker, ""),
                    sql_cast(U.is_interviewer, Integer))
             .order_by(U.document_id, U.index))
    if document_ids is None:
        return rows(source, query)
    ids = sorted_ids(document_ids)
    if len(ids) < CHUNK:
        return rows(source, query.where(U.document_id.in_(ids or [-1])))
    wanted = set(ids)
    return [row for row in rows(source, query) if row[0] in wanted]


# ---------------------------------------------------------------- coders and codes

def coders(source: Any) -> list[tuple[int, str, str]]:
    """(id, name, role) of every coder, by name."""
    C = CODER.c
    return [(int(i), str(n), str(r)) for i, n, r in rows(source, select(C.id, C.name, C.role).order_by(C.name))]


def codes(source: Any) -> list[tuple[int, str, int | None, str, int]]:
    """(id, key, parent id, status, position) of every code, in the codebook's order (position, then id)."""
    C = CODE.c
    query = select(C.id, C.key, C.parent_id, C.status, C.position).order_by(C.position, C.id)
    return [(int(i), str(k), None if p is None else int(p), str(s), int(o)) for i, k, p, s, o in rows(source, query)]


def code_rows(source: Any) -> list[SimpleNamespace]:
    """Every code with the fields the code tree reads (store/code_tree.codebook_of), by position and id."""
    C = CODE.c
    query = select(C.id, C.key, C.name, C.parent_id, C.description, C.include, C.exclude, C.examples, C.keywords,
                   C.colour, C.shortcut, C.status, C.position, C.merged_into_id).order_by(C.position, C.id)
    return [SimpleNamespace(id=int(r[0]), key=r[1], name=r[2], parent_id=r[3], description=r[4] or "",
                            include=_json(r[5], []), exclude=_json(r[6], []), examples=_json(r[7], []),
                            keywords=_json(r[8], []), colour=r[9], shortcut=r[10], status=r[11], position=int(r[12]),
                            merged_into_id=r[13])
            for r in rows(source, query)]


# ---------------------------------------------------------------- codings and progress

def practice_pairs(source: Any) -> set[tuple[int, int]]:
    """Every (coder id, document id) that is a trainee's practice (store/training.py)."""
    return {(int(c), int(d)) for c, d in rows(source, select(TRAINING.c.coder_id, TRAINING.c.document_id))}


def done_pairs(source: Any, *, coder_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """(coder id, document id) wherever the coder marked the document done (None: any coder); a trainee's
    practice left out."""
    P = PROGRESS.c
    query = select(P.coder_id, P.document_id).where(P.status == PROGRESS_DONE).distinct()
    if coder_ids is not None:
        query = query.where(P.coder_id.in_(sorted_ids(coder_ids) or [-1]))
    return {(int(c), int(d)) for c, d in rows(source, query)} - practice_pairs(source)


def coded_pairs(source: Any, *, coder_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """(coder id, document id) wherever the coder has a live coding (None: any coder); practice left out."""
    C = CODING.c
    query = select(C.coder_id, C.document_id).where(C.deleted_at.is_(None)).distinct()
    if coder_ids is not None:
        query = query.where(C.coder_id.in_(sorted_ids(coder_ids) or [-1]))
    return {(int(c), int(d)) for c, d in rows(source, query)} - practice_pairs(source)


def count_live(source: Any, *, coder_id: int | None = None) -> int:
    """Live codings (of this coder), practice included, as store.codings.count_live counts them."""
    C = CODING.c
    query = select(func.count()).select_from(CODING).where(C.deleted_at.is_(None))
    if coder_id is not None:
        query = query.where(C.coder_id == coder_id)
    return int(rows(source, query)[0][0])


def used_code_ids(source: Any, *, coder_ids: Iterable[int]) -> set[int]:
    """Codes that carry a live coding of one of these coders."""
    C = CODING.c
    query = select(C.code_id).where(C.deleted_at.is_(None), C.coder_id.in_(sorted_ids(coder_ids) or [-1])).distinct()
    return {int(row[0]) for row in rows(source, query)}


def live_coding_columns(source: Any, *, coder_ids: Iterable[int] | None = None,
                        document_ids: Iterable[int] | None = None,
                        code_ids: Iterable[int] | None = None) -> list[LiveCoding]:
    """Live codings of these coders, documents and codes (None: all), as driver rows: study work only, a
    trainee's practice left out, as every reader of them (agreement, reconcile, exports) needs.

    A long list of documents is filtered here rather than in SQL: an IN list of every document id
    would be longer than the table it filters.
    """
    C = CODING.c
    query = (select(C.id, C.document_id, C.code_id, C.coder_id, C.start, C.end, func.coalesce(C.memo, ""))
             .where(C.deleted_at.is_(None))
             .order_by(C.document_id, C.start, C.end, C.id))
    if coder_ids is not None:
        query = query.where(C.coder_id.in_(sorted_ids(coder_ids) or [-1]))
    if code_ids is not None:
        query = query.where(C.code_id.in_(sorted_ids(code_ids) or [-1]))
    if document_ids is None:
        found = rows(source, query)
    else:
        ids = sorted_ids(document_ids)
        if len(ids) < CHUNK:
            found = rows(source, query.where(C.document_id.in_(ids or [-1])))
        else:
            wanted = set(ids)
            found = [row for row in rows(source, query) if row[1] in wanted]
    practice = practice_pairs(source)
    return [row for row in found if (row[3], row[1]) not in practice] if practice else found


def suggestion_spans(source: Any, *, coder_ids: Iterable[int],
                     document_ids: Iterable[int]) -> list[tuple[int, int, int, int, int, int]]:
    """(id, coder_id, code_id, document_id, start, end) of the live codings these coders made by accepting a
    suggestion (Coding.source, written once: migration 0008)."""
    C = CODING.c
    coder_list, out = sorted_ids(coder_ids), []
    for chunk in chunks(sorted_ids(document_ids)):
        query = (select(C.id, C.coder_id, C.code_id, C.document_id, C.start, C.end)
                 .where(C.deleted_at.is_(None), C.coder_id.in_(coder_list or [-1]), C.document_id.in_(list(chunk)),
                        C.source.like(f"{SOURCE_SUGGESTION}%")))
        out += [(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows(source, query)]
    return out
