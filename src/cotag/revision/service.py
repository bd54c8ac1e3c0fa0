"""Revise a coded document: plan what becomes of every coding, passage memo and ruling, then write it all in one
transaction.

The database refuses changing a coding's span or a ruling (migration 0003), so a coding that has to move is
soft-deleted and a new row with the same coder, code, memo and creation time takes its place, and a ruling is
superseded by a new one. A passage memo's row moves in place (the tables' owner may change its span). Every item is
recorded in `revisionitem` with its old and new span, and the previous text and units in `revision`, which is what
makes undo exact (cotag.revision.undo): it removes the new rows, brings back the very rows there were, and puts each
memo back on its old span. The lead's review of flagged items is cotag.revision.review.
"""

from __future__ import annotations

import bisect
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from cotag.errors import CotagError, NotFound
from cotag.revision.align import Carried, align
from cotag.revision.items import (
    FLAGGED,
    KIND_CODING,
    KIND_DECISION,
    KIND_MEMO,
    REVISE,
    CodingPlan,
    DecisionPlan,
    DocumentPlan,
    MemoPlan,
    item_dict,
    key,
    written_flagged,
)
from cotag.revision.review import REVIEW_ACTIONS, review, review_queue
from cotag.revision.undo import undo
from cotag.store import revisions as revision_store
from cotag.store.revisions import LiveCoding, PassageMemo
from cotag.store.models import (
    CARRY_CHANGED,
    CARRY_KEPT,
    CARRY_MOVED,
    CARRY_ORPHANED,
    Decision,
    Document,
    Progress,
    Revision,
    RevisionItem,
    utcnow,
)
from cotag.store.session import Session

# What services.revision uses from here: the session-taking halves of all three modules (the use cases, with their
# transactions, are services.revision's).
__all__ = ["FLAGGED", "KIND_CODING", "KIND_DECISION", "KIND_MEMO", "REVIEW_ACTIONS", "list_revisions", "plan_document",
           "review", "review_queue", "revise_files", "transcript_files", "no_cycle_collection", "undo"]


# ---------------------------------------------------------------- reading the new files

def _read(path: Path):
    """The transcript and the document id it names, as `cotag import` finds it."""
    from cotag.corpus.formats import TranscriptError, read_transcript
    from cotag.corpus.importer import _label

    try:
        transcript = read_transcript(path)
    except TranscriptError:
        raise
    except OSError as exc:
        raise CotagError(f"{path}: cannot read: {exc.strerror or exc}") from None
    meta = dict(transcript.metadata)
    front_group = meta.pop("group", None)
    try:
        external_id = _label(meta.pop("id", None), "id") or transcript.path.stem
        group = _label(front_group, "group")
    except ValueError as exc:
        raise CotagError(f"{path}: {exc}") from None
    return transcript, external_id, group, meta


# ---------------------------------------------------------------- planning

def _reconcile_pairs(session: Session) -> dict[str, tuple[str, str]]:
    """disagreement id -> the two coders it was between, from the rulings' events (decisions do not store them)."""
    from cotag.reconcile import DECIDE, REVISIT

    pairs: dict[str, tuple[str, str]] = {}
    for payload in revision_store.event_payloads(session, kinds=[DECIDE, REVISIT, REVISE]):
        if payload.get("disagreement") and payload.get("coders"):
            pairs[payload["disagreement"]] = tuple(payload["coders"])
        for moved in payload.get("rulings_carried", ()):  # a revision's carried ruling has a new id, same coders
            pairs[moved["to"]] = tuple(moved["coders"])
    return pairs


@dataclass
class Loads:
    """What planning reads, for all the documents of one `cotag revise` at once (a query per table, not per
    document): names of coders and codes, the rulings' coder pairs, spreadsheet attributes, and by document id its
    units, live codings and memos."""

    coders: dict[int, str]
    codes: dict[int, str]
    pairs: dict[str, tuple[str, str]]
    sheet: dict[str, dict[str, Any]]
    units: dict[int, list[tuple[Any, ...]]]
    codings: dict[int, list[LiveCoding]]
    memos: dict[int, tuple[list[PassageMemo], int]]
    decisions: dict[int, list[Decision]]
    progress: dict[int, list[Progress]]
    numbers: dict[int, int]  # the number each document's next revision gets

    @classmethod
    def read(cls, session: Session, document_ids: Sequence[int]) -> "Loads":
        from cotag.attributes import sheet_attributes

        return cls(coders=revision_store.coder_names(session), codes=revision_store.code_keys(session),
                   pairs=_reconcile_pairs(session) if document_ids else {}, sheet=sheet_attributes(session),
                   units=revision_store.unit_rows_of(session, document_ids=document_ids),
                   codings=revision_store.live_coding_rows_of(session, document_ids=document_ids),
                   memos=revision_store.passage_memo_rows_of(session, document_ids=document_ids),
                   decisions=revision_store.standing_decisions_of(session, document_ids=document_ids),
                   progress=revision_store.progress_of(session, document_ids=document_ids),
                   numbers=revision_store.next_numbers(session, document_ids=document_ids))


def plan_document(session: Session, *, document: Document, transcript, group: str, meta: dict, units: list[tuple],
                  words: int, loads: Loads | None = None) -> DocumentPlan:
    from cotag.attributes import keep_sheet_attributes
    from cotag.corpus.importer import content_hash

    document_id = key(document.id)
    if loads is None:
        loads = Loads.read(session, [document_id])
    alignment = align(document.text, transcript.text)
    values = {"text": transcript.text, "content_hash": content_hash(transcript.text), "words": words,
              "source_path": str(Path(transcript.path).resolve()), "format": transcript.format,
              "attributes": meta, "group": group or document.group}
    # Attributes set from a spreadsheet outlive the front matter here too, as in `cotag import`.
    values["attributes"] = keep_sheet_attributes(meta, loads.sheet.get(document.external_id))
    plan = DocumentPlan(document=document, path=Path(transcript.path), new_text=transcript.text,
                        new_hash=values["content_hash"], new_units=units, new_values=values, alignment=alignment,
                        old_units=loads.units[document_id])
    coders, codes = loads.coders, loads.codes
    carry = alignment.carry
    plan.codings = [CodingPlan(c, carry(c.start, c.end), coders.get(c.coder_id, ""), codes.get(c.code_id, ""))
                    for c in loads.codings[document_id]]
    # Passage memos go the way codings go, by the same alignment; memos on the whole document stay as they are.
    passages, plan.document_memos = loads.memos[document_id]
    plan.memos = [MemoPlan(m, carry(m.start, m.end), coders.get(m.coder_id, "")) for m in passages]
    plan.progress = loads.progress[document_id]
    plan.number = loads.numbers[document_id]
    plan.decisions = _plan_decisions(plan, loads.decisions[document_id], coders, codes, loads.pairs)
    return plan


def _plan_decisions(plan: DocumentPlan, decisions: list[Decision], coders: dict[int, str], codes: dict[int, str],
                    pairs: dict[str, tuple[str, str]]) -> list[DecisionPlan]:
    """Each standing ruling on the document: carried to its disagreement's new id, or back to open when the
    codings it ruled on were edited or deleted (or the disagreement is no longer the same)."""
    from cotag.reconcile import compare_document

    if not decisions:
        return []
    ids = {name: i for i, name in coders.items()}
    old_units = [(u[0], u[1], u[2], u[3]) for u in plan.old_units]
    new_units = [(u[0], u[1], u[2], u[3]) for u in plan.new_units]
    by_coder: dict[int, list[CodingPlan]] = defaultdict(list)
    for cp in plan.codings:
        by_coder[cp.coding.coder_id].append(cp)
    cache: dict[tuple[str, str], tuple[list, list, dict]] = {}

    def compared(pair: tuple[str, str]):
        if pair not in cache:
            a, b = (by_coder.get(ids.get(name, -1), []) for name in pair)
            old = lambda rows: [(p.coding.id, p.coding.code_id, p.coding.start, p.coding.end, p.coding.memo)
                                for p in rows]
            new = lambda rows: [(p.coding.id, p.coding.code_id, p.carried.start, p.carried.end, p.coding.memo)
                                for p in rows if p.carried.start is not None]
            ext = plan.document.external_id
            before, _ = compare_document(document=ext, document_id=key(plan.document.id), units=old_units, codes=codes,
                                         coders=pair, a_codings=old(a), b_codings=old(b), agreed=False)
            after, _ = compare_document(document=ext, document_id=key(plan.document.id), units=new_units, codes=codes,
                                        coders=pair, a_codings=new(a), b_codings=new(b), agreed=False)
            cache[pair] = (before, after, {p.coding.id: p for p in a + b})
        return cache[pair]

    out = []
    for decision in decisions:
        lead, code = coders.get(decision.lead_id, ""), codes.get(decision.code_id, "")
        pair = pairs.get(decision.disagreement)
        if pair is None:
            out.append(DecisionPlan(decision, CARRY_KEPT, lead, code, reason="no coders on record; left as it was"))
            continue
        before, after, carried = compared(pair)
        old_d = next((d for d in before if d.id == decision.disagreement), None)
        if old_d is None:
            # Already stale before the revision (the coders changed their codings since): nothing it rules on.
            out.append(DecisionPlan(decision, CARRY_KEPT, lead, code, reason="its disagreement no longer existed"))
            continue
        region = (old_d.start, old_d.end)
        touched = [carried[s.coding] for s in old_d.a + old_d.b]
        if any(p.carried.flagged for p in touched):
            out.append(DecisionPlan(decision, CARRY_CHANGED, lead, code, old_region=region,
                                    reason="the coded words it ruled on were edited or deleted: open again"))
            continue
        mapped = lambda cover: [(plan.alignment.carry(s, e).start, plan.alignment.carry(s, e).end) for s, e in cover]
        matches = [d for d in after if d.code_id == old_d.code_id and d.a_cover == mapped(old_d.a_cover)
                   and d.b_cover == mapped(old_d.b_cover)]
        if len(matches) != 1:
            out.append(DecisionPlan(decision, CARRY_ORPHANED, lead, code, old_region=region,
                                    reason="the new sentence units split the disagreement differently: open again"))
            continue
        new_d = matches[0]
        new_start, new_end = decision.start, decision.end
        if decision.ruling == "edit" and decision.start is not None and decision.end is not None:
            moved = plan.alignment.carry(decision.start, decision.end)
            if moved.flagged:
                out.append(DecisionPlan(decision, CARRY_CHANGED, lead, code, old_region=region,
                                        reason="the span of its edit was edited or deleted: open again"))
                continue
            new_start, new_end = moved.start, moved.end
        same = new_d.id == decision.disagreement and (new_start, new_end) == (decision.start, decision.end)
        out.append(DecisionPlan(decision, CARRY_KEPT if same else CARRY_MOVED, lead, code,
                                new_disagreement=new_d.id, new_start=new_start, new_end=new_end, old_region=region,
                                coders=pair))
    return out


# ---------------------------------------------------------------- writing

def _apply(session: Session, plan: DocumentPlan, *, actor: str) -> tuple[Revision, list[dict[str, Any]]]:
    """Write one document's revision; returns it with its flagged items (as `cotag revisions ID` shows them)."""
    from cotag.store import documents as doc_store
    from cotag.store.events import log_event

    document = plan.document
    assert document.id is not None
    old_text, old_hash = document.text, document.content_hash
    old_document = {k: getattr(document, k) for k in ("words", "source_path", "format", "attributes", "group")}
    doc_store.replace_document(session, document=document, values=plan.new_values, units=cast(Any, plan.new_units))
    session.flush()
    now = utcnow()
    # Rows whose span changes (or whose words are gone) give way first: the live-coding index holds one per span.
    leaving = [p.coding.id for p in plan.codings
               if p.carried.start is None or (p.carried.start, p.carried.end) != (p.coding.start, p.coding.end)]
    revision_store.set_codings_deleted(session, ids=leaving, at=now)
    gone = set(leaving)
    taken: dict[tuple, int] = {}
    for p in plan.codings:
        if p.coding.id not in gone:
            p.new_id = p.coding.id
            taken[(p.coding.coder_id, p.coding.code_id, p.coding.start, p.coding.end)] = p.coding.id
    inserts: list[CodingPlan] = []
    # Codings carried unchanged claim their span first: when an edited coding lands on the words of another of the
    # same coder and code, the edited one is merged into it (and flagged), not the other way round.
    for p in sorted(plan.codings, key=lambda p: p.carried.flagged):
        if p.new_id is not None or p.carried.start is None:
            continue
        place = (p.coding.coder_id, p.coding.code_id, p.carried.start, p.carried.end)
        if place in taken:
            # Two codings of one coder and code that the revision brings onto one span are one coding now.
            p.carried = Carried(CARRY_CHANGED, p.carried.start, p.carried.end)
            continue
        taken[place] = -1
        inserts.append(p)
    if inserts:
        # No RETURNING: SQLite would then insert row by row to keep their order. On SQLite the rows are given their
        # ids; otherwise the live-coding index makes (coder, code, span) name one live row, and the ids are read
        # back by that.
        numbered = revision_store.insert_codings_numbered(session, rows=[
            (document.id, p.coding.code_id, p.coding.coder_id, p.carried.start, p.carried.end, p.coding.memo,
             p.coding.created_at, None, p.coding.source) for p in inserts])
        if numbered is not None:
            for p, new_id in zip(inserts, numbered):
                taken[(p.coding.coder_id, p.coding.code_id, p.carried.start, p.carried.end)] = new_id
        else:
            ids = revision_store.live_coding_ids(session, document_id=document.id)
            taken = {place: ids[place] if value == -1 else value for place, value in taken.items()}
    for p in plan.codings:
        if p.new_id is None and p.carried.start is not None:
            p.new_id = taken[(p.coding.coder_id, p.coding.code_id, p.carried.start, p.carried.end)]
    carried_rulings = []
    for dp in plan.decisions:
        decision = dp.decision
        if dp.status == CARRY_KEPT:
            dp.new_id = decision.id
            continue
        revision_store.supersede(session, decision, at=now)
        if dp.new_disagreement is None:
            continue  # open again: the lead rules anew on the revised text
        session.flush()
        new = revision_store.copy_decision(session, decision, disagreement=dp.new_disagreement, start=dp.new_start,
                                           end=dp.new_end)
        dp.new_id = new.id
        carried_rulings.append({"from": decision.disagreement, "to": dp.new_disagreement,
                                "coders": list(dp.coders or ())})
    # Passage memos move in place; an orphan becomes a memo on its document (its old span is in its item).
    revision_store.set_memo_spans(session, spans=[(p.memo.id, p.carried.start, p.carried.end)
                                                  for p in plan.memos if p.moves])
    _move_cursors(session, plan)
    number = plan.number
    summary = plan.summary()
    revision = revision_store.add_revision(
        session, document_id=document.id, number=number, old_text=old_text, old_hash=old_hash,
        new_hash=plan.new_hash, old_units=[list(u) for u in plan.old_units], old_document=old_document,
        summary=summary, actor=actor, created_at=now)
    assert revision.id is not None
    items = plan.items()
    revision_store.add_items(session, revision_id=revision.id, rows=items)
    log_event(session, kind=REVISE, actor=actor, payload={
        "document": document.external_id, "revision": revision.id, "number": number, "path": str(plan.path),
        "old_hash": old_hash, "new_hash": plan.new_hash, **summary, "rulings_carried": carried_rulings})
    return revision, written_flagged(items)


def _move_cursors(session: Session, plan: DocumentPlan) -> None:
    """Each coder's place in the document follows the words they were at."""
    if not plan.old_units or not plan.new_units:
        return
    assert plan.document.id is not None
    starts = [u[1] for u in plan.new_units]
    for progress in plan.progress:
        if 0 <= progress.cursor < len(plan.old_units):
            where = plan.alignment.position(plan.old_units[progress.cursor][1])
            cursor = max(0, bisect.bisect_right(starts, where) - 1)
            if cursor != progress.cursor:
                progress.cursor = cursor
                session.add(progress)


# ---------------------------------------------------------------- a revision, in the session it is given
# The transaction (and the write lock begin_write takes in it) is services.revision's: one per revision.

@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a revision runs (services.revision holds it around the whole
    use case, its transaction included).

    Revising the demo corpus makes some million small objects that live until it ends (codings read, their plans
    and carried spans, rows to write) and form no reference cycles; the collector kept scanning them as they
    piled up, about 250 times, which was a fifth of the CPU time of the whole revision.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def transcript_files(paths: Iterable[Path | str]) -> list[Path]:
    """The transcript files under these paths; every problem said at once, before any transaction opens."""
    from cotag.corpus.importer import collect_files

    files, problems = collect_files(paths)
    if problems:
        raise CotagError("\n".join(problems))
    if not files:
        raise CotagError("no transcript files given")
    return files


def revise_files(session: Session, files: Sequence[Path], *, dry_run: bool = False,
                 lead: str | None = None) -> dict[str, Any]:
    """Revise the documents these files are new versions of, in `session`: under the revision's write lock, or (dry
    run) rolled back."""
    from cotag.corpus.importer import content_hash, units_and_words
    from cotag.revision.units import resplit
    from cotag.store.coders import require_lead
    from cotag.store.database import begin_write
    from cotag.store.documents import documents_by_external_id

    if not dry_run:
        begin_write(session, key="cotag.revise")
    actor = require_lead(session, name=lead).name if lead else ""
    read = [_read(path) for path in files]
    seen: dict[str, Path] = {}
    for transcript, external_id, *_ in read:
        if external_id in seen:
            raise CotagError(f"{transcript.path}: document id {external_id!r} is also the id of {seen[external_id]}")
        seen[external_id] = transcript.path
    known = documents_by_external_id(session, external_ids=list(seen))
    missing = [f"{t.path}: no document {i!r} in the project; add it with `cotag import`" for t, i, *_ in read
               if i not in known]
    if missing:
        raise CotagError("\n".join(missing))
    changed = [r for r in read if known[r[1]].content_hash != content_hash(r[0].text)]
    unchanged = sorted(r[1] for r in read if r not in changed)
    loads = Loads.read(session, [key(known[r[1]].id) for r in changed])
    documents = []
    new_spans = resplit([(r[0], known[r[1]].text, loads.units[key(known[r[1]].id)]) for r in changed])
    for (transcript, external_id, group, meta), spans in zip(changed, new_spans):
        units, words = units_and_words(transcript, spans)
        plan = plan_document(session, document=known[external_id], transcript=transcript, group=group,
                             meta=meta, units=units, words=words, loads=loads)
        entry: dict[str, Any] = {"document": external_id, "path": str(transcript.path)}
        if dry_run:
            entry.update(plan.summary(), flagged=plan.flagged())
        else:
            revision, flagged = _apply(session, plan, actor=actor)
            # The summary as written: two codings the revision brought onto one span are one, changed.
            entry.update(revision.summary, revision=revision.id, number=revision.number, flagged=flagged)
        documents.append(entry)
    if dry_run:
        session.rollback()
    return {"dry_run": dry_run, "revised": documents, "unchanged": unchanged}


def _revision_dict(revision: Revision, external_id: str, *, items: Sequence[RevisionItem] | None) -> dict[str, Any]:
    data = {"id": revision.id, "document": external_id, "number": revision.number, "actor": revision.actor,
            "at": revision.created_at.isoformat(timespec="seconds"), "summary": revision.summary,
            "undone_at": revision.undone_at.isoformat(timespec="seconds") if revision.undone_at else None,
            "undone_by": revision.undone_by}
    if items is not None:
        data["flagged"] = cast(Any, [item_dict(i) for i in items if i.status in FLAGGED])
        data["open"] = sum(1 for i in items if i.status in FLAGGED and not i.review)
    return data


def list_revisions(session: Session, *, revision_id: int | None = None) -> list[dict[str, Any]]:
    """Every revision, newest first, with its diff summary and flagged items; or one revision."""
    rows = revision_store.revisions_with_documents(session, revision_id=revision_id)
    if revision_id is not None and not rows:
        raise NotFound(f"no revision {revision_id} (see `cotag revisions`)")
    items = revision_store.items_of(session, revision_ids=[key(r.id) for r, _ in rows])
    return [_revision_dict(r, ext, items=items.get(key(r.id), [])) for r, ext in rows]
