"""Undo a revision: the document's old text and units, the very coding rows there were, the rulings, and each
passage memo on the span it had, all read from what the revision recorded (`revision`, `revisionitem`)."""

from __future__ import annotations

import bisect
from typing import Any, cast

from cotag.errors import CotagError, NotFound
from cotag.revision.align import Alignment, align
from cotag.revision.items import KIND_CODING, KIND_DECISION, KIND_MEMO, UNDO, key
from cotag.store import revisions as revision_store
from cotag.store.models import Decision, Document, Revision
from cotag.store.session import Session


def latest_standing(session: Session, revision_id: int) -> tuple[Revision, Document]:
    """The revision and its document, if it is the document's latest revision, not undone, and the document still
    has the text it wrote (what undo and review need)."""
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFound(f"no revision {revision_id} (see `cotag revisions`)")
    document = session.get(Document, revision.document_id)
    if document is None:
        raise NotFound(f"revision {revision_id}'s document is gone")
    if revision.undone_at is not None:
        raise CotagError(f"revision {revision_id} of {document.external_id} was undone on "
                         f"{revision.undone_at.isoformat(timespec='seconds')} by {revision.undone_by or 'the owner'}")
    later = revision_store.later_standing(session, revision=revision)
    if later is not None:
        raise CotagError(f"revision {revision_id} of {document.external_id} is not its latest: revision {later} "
                         "came after it (undo that one first)")
    if document.content_hash != revision.new_hash:
        raise CotagError(f"document {document.external_id}'s text is no longer the one revision {revision_id} wrote")
    return revision, document


def undo(session: Session, *, revision_id: int, lead: str | None = None) -> dict[str, Any]:
    """Put a document back as it was before a revision: its text, units, codings, passage memos and rulings.

    Codings and passage memos coders made on the revised text since are carried back the same way a revision
    carries them; if one of them would not land on the same words the undo is refused (nothing is lost either way).
    """

    from cotag.store import documents as doc_store
    from cotag.store.coders import require_lead
    from cotag.store.database import begin_write
    from cotag.store.events import log_event
    from cotag.store.models import utcnow

    begin_write(session, key="cotag.revise")
    actor = require_lead(session, name=lead).name if lead else ""
    revision, document = latest_standing(session, revision_id)
    items = revision_store.items_of(session, revision_ids=[key(revision.id)]).get(key(revision.id), [])
    coding_items = [i for i in items if i.kind == KIND_CODING]
    memo_items = [i for i in items if i.kind == KIND_MEMO]
    decision_items = [i for i in items if i.kind == KIND_DECISION]
    later_rulings = revision_store.rulings_since(session, document_id=key(document.id), since=revision.created_at,
                                                 excluding=[i.new_id for i in decision_items if i.new_id])
    if later_rulings:
        raise CotagError(f"revision {revision_id} of {document.external_id} cannot be undone: the lead ruled on "
                         f"the revised text since ({len(later_rulings)} ruling(s)); nothing was changed")
    live = {c.id: c for c in revision_store.live_codings(session, document_id=key(document.id))}
    carried_ids = {i.new_id for i in coding_items if i.new_id is not None}
    later = [c for c in live.values() if c.id not in carried_ids]
    back = align(document.text, revision.old_text)
    returning = [(c, back.carry(c.start, c.end)) for c in later]
    lost = [f"coding {c.id} at {c.start}:{c.end}" for c, carried in returning if carried.flagged]
    # Passage memos the revision carried go back to the spans it recorded; any written since are carried back.
    recorded = {i.old_id for i in memo_items}
    passages, _ = revision_store.passage_memo_rows(session, document_id=key(document.id))
    memos_back = [(m, back.carry(m.start, m.end)) for m in passages if m.id not in recorded]
    lost += [f"passage memo {m.id} at {m.start}:{m.end}" for m, carried in memos_back if carried.flagged]
    if lost:
        raise CotagError(f"revision {revision_id} of {document.external_id} cannot be undone: work made on the "
                         f"revised text since would not land on the same words in the old text ({', '.join(lost[:5])}"
                         f"{' …' if len(lost) > 5 else ''}); nothing was changed")
    now = utcnow()
    # The rows the revision wrote (and still live) go; the originals they stood for come back.
    leaving = [i.new_id for i in coding_items if i.new_id is not None and i.new_id != i.old_id and i.new_id in live]
    leaving += [key(c.id) for c, carried in returning if (carried.start, carried.end) != (c.start, c.end)]
    restore = [i.old_id for i in coding_items if i.new_id != i.old_id and (
        (i.new_id is not None and i.new_id in live) or (i.new_id is None and i.review != "removed"))]
    revision_store.set_codings_deleted(session, ids=leaving, at=now)
    _move_cursors_back(session, document, back, revision)
    old = revision.old_document
    doc_store.replace_document(session, document=document, values={
        "text": revision.old_text, "content_hash": revision.old_hash, "words": old["words"],
        "source_path": old["source_path"], "format": old["format"], "attributes": old["attributes"],
        "group": old["group"]}, units=cast(Any, [tuple(u) for u in revision.old_units]))
    session.flush()
    revision_store.set_codings_deleted(session, ids=restore, at=None)
    moved_back = [(document.id, c.code_id, c.coder_id, carried.start, carried.end, c.memo, c.created_at, None,
                   c.source) for c, carried in returning if (carried.start, carried.end) != (c.start, c.end)]
    revision_store.insert_codings(session, rows=moved_back)
    # Every memo the revision recorded goes back to its old span, whatever happened to it since (a review).
    memos_restored = [(i.old_id, i.old_start, i.old_end) for i in memo_items]
    memos_moved_back = [(m.id, carried.start, carried.end) for m, carried in memos_back
                        if (carried.start, carried.end) != (m.start, m.end)]
    revision_store.set_memo_spans(session, spans=memos_restored + memos_moved_back)
    for item in decision_items:
        if item.new_id == item.old_id:
            continue
        if item.new_id is not None:
            new = session.get(Decision, item.new_id)
            if new is not None and new.superseded_at is None:
                revision_store.supersede(session, new, at=now)
        original = session.get(Decision, item.old_id)
        if original is not None:
            revision_store.copy_decision(session, original, disagreement=original.disagreement,
                                         start=original.start, end=original.end)
    revision.undone_at = now
    revision.undone_by = actor
    session.add(revision)
    payload = {"document": document.external_id, "revision": revision.id, "number": revision.number,
               "codings_restored": len(restore), "codings_removed": len(leaving), "carried_back": len(moved_back),
               "memos_restored": sum(1 for i in memo_items if (i.old_start, i.old_end) != (i.new_start, i.new_end)),
               "memos_carried_back": len(memos_moved_back),
               "rulings_restored": sum(1 for i in decision_items if i.new_id != i.old_id)}
    log_event(session, kind=UNDO, actor=actor, payload=payload)
    return payload


def _move_cursors_back(session: Session, document: Document, back: Alignment, revision: Revision) -> None:
    """Before the old units return: each coder's place follows their words back (as a revision moved it)."""
    units = revision.old_units
    assert document.id is not None
    current = revision_store.unit_starts(session, document_id=document.id)
    if not units or not current:
        return
    starts = [u[1] for u in units]
    for progress in revision_store.progress_rows(session, document_id=document.id):
        if 0 <= progress.cursor < len(current):
            cursor = max(0, bisect.bisect_right(starts, back.position(current[progress.cursor])) - 1)
            if cursor != progress.cursor:
                progress.cursor = cursor
                session.add(progress)
