"""The lead's review of what a revision flagged: a verdict on one changed or orphaned item (`cotag revisions
review`, the revisions screen), and the queue of items still waiting for one."""

from __future__ import annotations

import bisect
from typing import Any

from cotag.errors import CotagError, NotFound
from cotag.revision.align import Alignment, align
from cotag.revision.items import KIND_CODING, KIND_DECISION, KIND_MEMO, REVIEW, is_flagged, item_dict, key
from cotag.revision.undo import latest_standing
from cotag.store import revisions as revision_store
from cotag.store.models import Coding, Document, Revision, utcnow
from cotag.store.session import Session

REVIEW_ACTIONS = ("accept", "remove", "span")


def review(session: Session, *, revision_id: int, item_number: int, action: str, lead: str,
           span: tuple[int, int] | None = None) -> dict[str, Any]:
    """The lead's verdict on one flagged item: accept where it was carried, remove it, or put it on a span."""
    from cotag.store import codings as coding_store
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    if action not in REVIEW_ACTIONS:
        raise CotagError(f"unknown review {action!r}: --accept, --remove or --span START:END")
    lead_row = require_lead(session, name=lead)
    revision, document = latest_standing(session, revision_id)
    item = revision_store.item(session, revision_id=key(revision.id), number=item_number)
    if item is None:
        raise NotFound(f"revision {revision_id} has no item {item_number} (see `cotag revisions {revision_id}`)")
    if not is_flagged(item.status):
        raise CotagError(f"item {item_number} of revision {revision_id} was {item.status}, not flagged: "
                         "nothing to review")
    if item.kind == KIND_DECISION and action != "accept":
        raise CotagError(f"item {item_number} is a ruling that is open again: rule on it with `cotag reconcile`; "
                         "here only --accept (noted) applies")
    if item.kind == KIND_MEMO and action == "remove":
        raise CotagError(f"item {item_number} is a passage memo, its coder's own words: review does not remove "
                         "it. --accept leaves it where the revision put it (an orphan: on the document), "
                         "--span START:END puts it on other words")
    payload = {"revision": revision.id, "document": document.external_id, "item": item_number,
               "kind": item.kind, "status": item.status, "action": action}
    current = session.get(Coding, item.new_id) if item.kind == KIND_CODING and item.new_id else None
    if current is not None and current.deleted_at is not None:
        current = None
    if action == "remove" and current is not None:
        coding_store.soft_delete(session, coding=current)
        payload["removed"] = current.id
    elif action == "span":
        if span is None:
            raise CotagError("--span needs START:END")
        start, end = span
        if not 0 <= start < end <= len(document.text):
            raise CotagError(f"span {start}:{end} is not inside document {document.external_id} "
                             f"(0–{len(document.text)})")
        if item.kind == KIND_MEMO:
            # The memo's own row moves (a memo keeps its id); the revision's item says where it went.
            revision_store.set_memo_spans(session, spans=[(item.old_id, start, end)])
            payload["memo"] = item.old_id
        elif current is None or (current.start, current.end) != (start, end):
            if current is not None:
                coding_store.soft_delete(session, coding=current)
                payload["removed"] = current.id
            original = session.get(Coding, item.old_id)
            if original is None:  # coding rows are never deleted (soft delete), so only a damaged database
                raise NotFound(f"item {item_number}'s coding {item.old_id} is gone; nothing was changed")
            written = revision_store.insert_coding_like(session, original, start=start, end=end)
            if written is None:
                raise CotagError(f"{item.coder} already has {item.code} on {start}:{end}; nothing was changed")
            item.new_id = written
            payload["written"] = written
        item.new_start, item.new_end = start, end
        item.new_words = document.text[start:end]
    item.review = {"accept": "accepted", "remove": "removed", "span": "respanned"}[action]
    item.reviewed_by = lead_row.name
    item.reviewed_at = utcnow()
    session.add(item)
    log_event(session, kind=REVIEW, actor=lead_row.name, payload=payload)
    session.flush()
    return {**payload, "item_now": item_dict(item)}


# ---------------------------------------------------------------- the lead's review queue (the TUI's revisions screen)

# Characters of context either side of a span (cut at a space) when the review screen shows old and new words.
CONTEXT = 160


def _context(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(before, words, after) around text[start:end], the context cut at spaces."""
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    if lo > 0:
        lo = text.find(" ", lo, start) + 1 or lo
    if hi < len(text):
        cut = text.rfind(" ", end, hi)
        hi = cut if cut > 0 else hi
    return text[lo:start], text[start:end], text[end:hi]


def review_queue(session: Session, *, revision_id: int | None = None) -> list[dict[str, Any]]:
    """The flagged items the lead has not reviewed and can still review, oldest revision first: those of each
    document's latest standing revision whose text the document still has (see `review`). Each with its old words in context in the
    old text, its new words (or, for an orphan, the place its words were) in context in the current text, and the
    passage of the current text (the sentence units around it) in which the lead may put it on other words."""
    rows = revision_store.revisions_with_documents(session, revision_id=revision_id)
    latest: dict[int, Revision] = {}
    for revision, _ in rows:  # newest first
        if revision.undone_at is None and revision.document_id not in latest:
            latest[revision.document_id] = revision
    wanted = [r for r in sorted(latest.values(), key=lambda r: r.id or 0)]
    items = revision_store.items_of(session, revision_ids=[r.id for r in wanted if r.id is not None],
                                    flagged_only=True)
    out: list[dict[str, Any]] = []
    for revision in wanted:
        flagged = items.get(revision.id or 0, [])
        document = session.get(Document, revision.document_id)
        if not flagged or document is None or document.content_hash != revision.new_hash:
            continue
        text = document.text
        units = revision_store.unit_rows(session, document_id=revision.document_id)
        starts = [u[1] for u in units]
        alignment: Alignment | None = None
        for item in flagged:
            if item.review:
                continue
            entry = {"revision": revision.id, "document": document.external_id, "document_id": document.id,
                     **item_dict(item)}
            if item.old_start is not None and item.old_end is not None:
                entry["old_context"] = _context(revision.old_text, item.old_start, item.old_end)
            if item.new_start is not None and item.new_end is not None:
                at, until = item.new_start, item.new_end
            else:
                if alignment is None:
                    alignment = align(revision.old_text, text)
                at = until = alignment.position(item.old_start or 0)
            entry["new_context"] = _context(text, at, until)
            if units:
                first = max(0, bisect.bisect_right(starts, at) - 2)
                last = min(len(units) - 1, bisect.bisect_left(starts, max(until, at + 1)))
                entry["passage"] = (units[first][1], units[last][2])
            else:
                entry["passage"] = (0, len(text))
            entry["text"] = text
            out.append(entry)
    return out
