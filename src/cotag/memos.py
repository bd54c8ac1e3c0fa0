"""Memos everywhere: on a passage (any selection, no code needed), a document, a code, and the project journal.

A memo belongs to the coder who wrote it. On PostgreSQL the database lets a coder read and write only their own
memos and a lead read everyone's (migration 0002); on SQLite the front ends show a coder their own. Memos on a
coding are the coding's own memo (cotag.coding.CodingSession.set_memo), not these.

Each function here works in the session it is given; the use cases that open the transaction are
cotag.services.memos's.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.store.memos import MemoRow
    from cotag.store.session import Session

PASSAGE, DOCUMENT, CODE, JOURNAL = "passage", "document", "code", "journal"
KINDS = (PASSAGE, DOCUMENT, CODE, JOURNAL)
EVENT_ADD, EVENT_EDIT = "memo.add", "memo.edit"
# How much of a passage a listing quotes; the export quotes it whole.
QUOTE_CHARS = 200


@dataclass(frozen=True)
class MemoView:
    """A memo as a researcher reads it: what it is on, by whom, and for a passage memo the words it annotates."""

    id: int
    kind: str
    coder: str
    document: str | None
    code: str | None
    start: int | None
    end: int | None
    passage: str
    title: str
    text: str
    created_at: datetime
    updated_at: datetime

    @property
    def about(self) -> str:
        """'passage in E001 (characters 120-164)', 'document E001', 'code wages', 'journal'."""
        if self.kind == PASSAGE:
            # Said in words: a bare '(3-5)' reads as unit numbers, which count from 1.
            return f"passage in {self.document} (characters {self.start}-{self.end})"
        if self.kind == DOCUMENT:
            return f"document {self.document}"
        if self.kind == CODE:
            return f"code {self.code}"
        return JOURNAL

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat(timespec="seconds"),
                "updated_at": self.updated_at.isoformat(timespec="seconds")}


def kind_of(document: str | None, code: str | None, start: int | None) -> str:
    if start is not None:
        return PASSAGE
    if document is not None:
        return DOCUMENT
    if code is not None:
        return CODE
    return JOURNAL


def _view(row: "MemoRow") -> MemoView:
    passage = ""
    if row.start is not None and row.end is not None and row.document_text is not None:
        passage = " ".join(row.document_text[row.start:row.end].split())
    return MemoView(id=row.id, kind=kind_of(row.document, row.code, row.start), coder=row.coder,
                    document=row.document, code=row.code, start=row.start, end=row.end, passage=passage,
                    title=row.title, text=row.text, created_at=row.created_at, updated_at=row.updated_at)


@dataclass(frozen=True)
class UnitSpan:
    """`--span E001:u3:u5` (or `E001:u4`): whole units, numbered from 1 as the transcript screen numbers them,
    first and last included; resolved to their characters against the document's units."""

    document: str
    first: int
    last: int


SPAN_HELP = ("write DOCUMENT:START:END with character offsets, start before end (e.g. --span E001:120:164, "
             "as `cotag codings list` shows them), or whole units numbered from 1 as on the transcript screen: "
             "DOCUMENT:uFIRST:uLAST or DOCUMENT:uN (e.g. --span E001:u3:u5)")


def parse_span(spec: str) -> tuple[str, int, int] | UnitSpan:
    """'E001:120:164' -> ('E001', 120, 164): a document id (which may itself hold ':') and character offsets;
    'E001:u3:u5' -> UnitSpan('E001', 3, 5) and 'E001:u4' -> UnitSpan('E001', 4, 4): units, from 1."""
    units = re.fullmatch(r"(?P<doc>.+?):[uU](?P<first>\d+)(?::[uU](?P<last>\d+))?", spec)
    if units:
        first = int(units["first"])
        last = int(units["last"]) if units["last"] is not None else first
        if first == 0 or last == 0:
            raise CotagError(f"--span {spec!r}: units are numbered from 1 (the first sentence is u1), as the "
                             "transcript screen numbers them")
        if last < first:
            raise CotagError(f"--span {spec!r}: the first unit comes after the last; {SPAN_HELP}")
        return UnitSpan(units["doc"], first, last)
    rest, _, end_text = spec.rpartition(":")
    document, _, start_text = rest.rpartition(":")
    try:
        start, end = int(start_text), int(end_text)
    except ValueError:
        start = end = -1
    if not document or start < 0 or end <= start:
        raise CotagError(f"--span {spec!r}: {SPAN_HELP}")
    return document, start, end


def _unit_characters(session, document_id: int, span: UnitSpan) -> tuple[int, int]:
    from cotag.store.documents import list_units

    units = sorted(list_units(session, document_id=document_id), key=lambda u: u.index)
    if span.last > len(units):
        raise CotagError(f"--span {span.document}:u{span.first}:u{span.last}: {span.document} has units 1-{len(units)}")
    return units[span.first - 1].start, units[span.last - 1].end


@dataclass(frozen=True)
class _Target:
    document_id: int | None = None
    document: str | None = None
    text: str = ""
    code_id: int | None = None
    code: str | None = None
    start: int | None = None
    end: int | None = None


def _target(session, *, document: str | None, code: str | None, span: tuple[str, int, int] | UnitSpan | None,
            journal: bool) -> _Target:
    """What the memo is on, checked: exactly one of document, code, span or journal."""
    from cotag.store.codes import require_code
    from cotag.store.documents import require_document

    chosen = [name for name, value in (("--document", document), ("--code", code), ("--span", span),
                                       ("--journal", journal or None)) if value is not None]
    if len(chosen) != 1:
        raise CotagError("a memo is on one thing: give exactly one of --document ID, --code KEY, "
                         "--span ID:START:END or --journal" + (f" (got {', '.join(chosen)})" if chosen else ""))
    if isinstance(span, UnitSpan):
        doc = require_document(session, external_id=span.document)
        start, end = _unit_characters(session, int(doc.id or 0), span)
        return _Target(doc.id, doc.external_id, doc.text, start=start, end=end)
    if span is not None:
        external_id, start, end = span
        doc = require_document(session, external_id=external_id)
        if end > len(doc.text):
            raise CotagError(f"--span {external_id}:{start}:{end}: the text of {external_id} has {len(doc.text)} "
                             "characters; the span must end within it")
        return _Target(doc.id, doc.external_id, doc.text, start=start, end=end)
    if document is not None:
        doc = require_document(session, external_id=document)
        return _Target(doc.id, doc.external_id, doc.text)
    if code is not None:
        found = require_code(session, key=code)
        return _Target(code_id=found.id, code=found.key)
    return _Target()


def add_memo(session: "Session", *, coder: str, text: str, title: str = "", document: str | None = None,
             code: str | None = None, span: tuple[str, int, int] | UnitSpan | None = None,
             journal: bool = False) -> MemoView:
    """Write a new memo for `coder` (created on first use) and log it; empty text is refused."""
    from cotag.store import coders as coder_store
    from cotag.store.events import log_event
    from cotag.store.memos import MemoRow, add_memo as insert

    text = text.strip()
    if not text:
        raise CotagError("the memo is empty: give its text (or --file FILE)")
    target = _target(session, document=document, code=code, span=span, journal=journal)
    author = coder_store.get_or_create_coder(session, name=coder)
    assert author.id is not None
    memo = insert(session, coder_id=author.id, text=text, title=title.strip(), document_id=target.document_id,
                  code_id=target.code_id, start=target.start, end=target.end)
    assert memo.id is not None
    kind = kind_of(target.document, target.code, target.start)
    log_event(session, kind=EVENT_ADD, actor=author.name,
              payload={"memo": memo.id, "on": kind, "document": target.document, "code": target.code,
                       "start": target.start, "end": target.end, "title": memo.title})
    row = MemoRow(memo.id, author.name, target.document, target.code, memo.title, memo.text, memo.created_at,
                  memo.updated_at, target.start, target.end, target.text)
    return _view(row)


def edit_memo(session: "Session", *, coder: str, memo_id: int, text: str, title: str | None = None) -> MemoView:
    """Change the words of one of `coder`'s memos; a memo is changed only by the coder who wrote it."""
    from cotag.store import coders as coder_store
    from cotag.store.events import log_event
    from cotag.store.memos import get_memo, set_memo_text

    text = text.strip()
    if not text:
        raise CotagError(f"memo {memo_id}: the new text is empty (a memo keeps its words; write new ones)")
    author = coder_store.require_coder(session, name=coder)
    memo = get_memo(session, memo_id=memo_id)
    if memo is None or memo.coder_id != author.id:
        raise CotagError(f"memo {memo_id}: no memo of {coder}'s has that number")
    if memo.text != text or (title is not None and memo.title != title.strip()):
        set_memo_text(session, memo=memo, text=text, title=None if title is None else title.strip())
        log_event(session, kind=EVENT_EDIT, actor=author.name, payload={"memo": memo_id, "title": memo.title})
    # Read back in the same transaction (set_memo_text flushed): the view is the memo as this edit left it.
    return next(m for m in memos(session, coders=[coder]) if m.id == memo_id)


def memos(session: "Session", *, coders: Iterable[str] | None = None, document: str | None = None,
          code: str | None = None, kinds: Iterable[str] | None = None) -> list[MemoView]:
    """Memos in the order they were written; a document's memos include its passage memos."""
    from cotag.store.codes import require_code
    from cotag.store.documents import require_document
    from cotag.store.memos import list_memos

    wanted = set(kinds) if kinds is not None else None
    if wanted is not None and not wanted <= set(KINDS):
        raise CotagError(f"unknown memo kind(s) {', '.join(sorted(wanted - set(KINDS)))} "
                         f"(kinds: {', '.join(KINDS)})")
    document_ids = [int(require_document(session, external_id=document).id or 0)] if document is not None \
        else None
    code_ids = [int(require_code(session, key=code).id or 0)] if code is not None else None
    rows = list_memos(session, coders=list(coders) if coders is not None else None, document_ids=document_ids,
                      code_ids=code_ids, with_text=True)
    views = [_view(row) for row in rows]
    return [v for v in views if wanted is None or v.kind in wanted]


def own_memo(session: "Session", *, coder: str, document_id: int | None = None, code_id: int | None = None,
             start: int | None = None, end: int | None = None) -> tuple[int | None, str]:
    """The id and text of the coder's newest memo on exactly this thing ((None, "") if none): what a memo
    dialog opens with, so a second memo key press edits the memo rather than starting another."""
    from cotag.store.coders import get_coder
    from cotag.store.memos import find_memo

    author = get_coder(session, name=coder)
    if author is None or author.id is None:
        return None, ""
    memo = find_memo(session, coder_id=author.id, document_id=document_id, code_id=code_id, start=start, end=end)
    return (memo.id, memo.text) if memo is not None else (None, "")


def save_memo(session: "Session", *, coder: str, text: str, memo_id: int | None = None,
              document_id: int | None = None, code_id: int | None = None, start: int | None = None,
              end: int | None = None) -> MemoView | None:
    """What a memo dialog's save does, by database ids: a new memo, or new words for memo_id. Empty text with no
    memo yet writes nothing (None)."""
    from cotag.store.memos import target_names

    if memo_id is not None:
        return edit_memo(session, coder=coder, memo_id=memo_id, text=text)
    if not text.strip():
        return None
    external_id, key = target_names(session, document_id=document_id, code_id=code_id)
    if start is not None and end is not None and external_id is not None:
        return add_memo(session, coder=coder, text=text, span=(external_id, start, end))
    if external_id is not None:
        return add_memo(session, coder=coder, text=text, document=external_id)
    if key is not None:
        return add_memo(session, coder=coder, text=text, code=key)
    return add_memo(session, coder=coder, text=text, journal=True)


def quote(view: MemoView, limit: int = QUOTE_CHARS) -> str:
    return view.passage if len(view.passage) <= limit else view.passage[:limit].rstrip() + "…"
