"""Revise a coded document: plan what becomes of every coding and ruling, then write it all in one transaction.

The database refuses changing a coding's span or a ruling (migration 0003), so a coding that has to move is
soft-deleted and a new row with the same coder, code, memo and creation time takes its place, and a ruling is
superseded by a new one. Every such pair is linked in `revision_item`, with the previous text and units in
`revision`, which is what makes undo exact: it removes the new rows and brings back the very rows there were.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from cotag.errors import CotagError, NotFound
from cotag.revision.align import STATUSES, Alignment, Carried, align
from cotag.store import revisions as revision_store
from cotag.store.models import (
    CARRY_CHANGED,
    CARRY_KEPT,
    CARRY_MOVED,
    CARRY_ORPHANED,
    Code,
    Coder,
    Coding,
    Decision,
    Document,
    Memo,
    Progress,
    Revision,
    RevisionItem,
    Unit,
    utcnow,
)

REVISE = "revision"
UNDO = "revision.undo"
REVIEW = "revision.review"
KIND_CODING = "coding"
KIND_DECISION = "decision"
REVIEW_ACTIONS = ("accept", "remove", "span")
# How much of a span's text a report shows.
QUOTE = 80


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[:QUOTE - 1] + "…"


@dataclass
class CodingPlan:
    coding: Any  # a row of the coding table (id, document_id, coder_id, code_id, start, end, memo, created_at)
    carried: Carried
    coder: str
    code: str
    new_id: int | None = None


@dataclass
class DecisionPlan:
    decision: Decision
    status: str
    lead: str
    code: str
    new_disagreement: str | None = None  # None: the ruling returns to open (or is left as it was, when kept)
    new_start: int | None = None
    new_end: int | None = None
    old_region: tuple[int, int] | None = None
    new_id: int | None = None
    reason: str = ""
    coders: tuple[str, str] | None = None


@dataclass
class DocumentPlan:
    """Everything one revision of one document will do, computed before anything is written."""

    document: Document
    path: Path
    new_text: str
    new_hash: str
    new_units: list[tuple]
    new_values: dict[str, Any]
    alignment: Alignment
    old_units: list[tuple]
    codings: list[CodingPlan] = field(default_factory=list)
    decisions: list[DecisionPlan] = field(default_factory=list)
    memos: int = 0

    def counts(self) -> dict[str, dict[str, int]]:
        out = {KIND_CODING: dict.fromkeys(STATUSES, 0), KIND_DECISION: dict.fromkeys(STATUSES, 0)}
        for plan in self.codings:
            out[KIND_CODING][plan.carried.status] += 1
        for plan in self.decisions:
            out[KIND_DECISION][plan.status] += 1
        return out

    def summary(self) -> dict[str, Any]:
        return {**self.alignment.summary(), "units_before": len(self.old_units), "units_after": len(self.new_units),
                "memos": self.memos, **{f"{kind}s": counts for kind, counts in self.counts().items()}}

    def flagged(self) -> list[dict[str, Any]]:
        rows = []
        for plan in self.codings:
            if plan.carried.flagged:
                rows.append(_coding_row(plan, self.alignment))
        for plan in self.decisions:
            if plan.status in (CARRY_CHANGED, CARRY_ORPHANED):
                rows.append({"kind": KIND_DECISION, "status": plan.status, "decision": plan.decision.id,
                             "code": plan.code, "lead": plan.lead, "ruling": plan.decision.ruling,
                             "reason": plan.reason})
        return rows


def _coding_row(plan: CodingPlan, alignment: Alignment) -> dict[str, Any]:
    c, carried = plan.coding, plan.carried
    return {"kind": KIND_CODING, "status": carried.status, "coding": c.id, "coder": plan.coder, "code": plan.code,
            "old": [c.start, c.end], "new": None if carried.start is None else [carried.start, carried.end],
            "old_words": _quote(alignment.old[c.start:c.end]),
            "new_words": "" if carried.start is None else _quote(alignment.new[carried.start:carried.end])}


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
    from cotag.store.models import Event

    pairs: dict[str, tuple[str, str]] = {}
    for payload in session.exec(select(Event.payload).where(Event.kind.in_([DECIDE, REVISIT, REVISE]))):
        if payload.get("disagreement") and payload.get("coders"):
            pairs[payload["disagreement"]] = tuple(payload["coders"])
        for moved in payload.get("rulings_carried", ()):  # a revision's carried ruling has a new id, same coders
            pairs[moved["to"]] = tuple(moved["coders"])
    return pairs


def plan_document(session: Session, *, document: Document, transcript, group: str, meta: dict,
                  pairs: dict[str, tuple[str, str]], units: list[tuple], words: int) -> DocumentPlan:
    from cotag.corpus.importer import content_hash

    old_units = [tuple(row) for row in session.connection().execute(
        select(Unit.index, Unit.start, Unit.end, Unit.turn, Unit.speaker, Unit.is_interviewer)
        .where(Unit.document_id == document.id).order_by(Unit.index))]
    alignment = align(document.text, transcript.text)
    values = {"text": transcript.text, "content_hash": content_hash(transcript.text), "words": words,
              "source_path": str(Path(transcript.path).resolve()), "format": transcript.format,
              "attributes": meta, "group": group or document.group}
    from cotag.attributes import keep_sheet_attributes, sheet_attributes

    # Attributes set from a spreadsheet outlive the front matter here too, as in `cotag import`.
    values["attributes"] = keep_sheet_attributes(meta, sheet_attributes(session).get(document.external_id))
    plan = DocumentPlan(document=document, path=Path(transcript.path), new_text=transcript.text,
                        new_hash=values["content_hash"], new_units=units, new_values=values, alignment=alignment,
                        old_units=old_units)
    coders = dict(session.exec(select(Coder.id, Coder.name)).all())
    codes = dict(session.exec(select(Code.id, Code.key)).all())
    # Plain rows, not ORM objects: a long transcript has thousands of codings, and nothing here changes one in place.
    live = session.connection().execute(
        select(Coding.id, Coding.document_id, Coding.coder_id, Coding.code_id, Coding.start, Coding.end, Coding.memo,
               Coding.created_at, Coding.source)
        .where(Coding.document_id == document.id, Coding.deleted_at.is_(None))
        .order_by(Coding.start, Coding.end, Coding.id)).all()
    plan.codings = [CodingPlan(c, alignment.carry(c.start, c.end), coders.get(c.coder_id, ""), codes.get(c.code_id, ""))
                    for c in live]
    plan.memos = len(session.exec(select(Memo.id).where(Memo.document_id == document.id)).all())
    plan.decisions = _plan_decisions(session, plan, coders, codes, pairs)
    return plan


def _plan_decisions(session: Session, plan: DocumentPlan, coders: dict[int, str], codes: dict[int, str],
                    pairs: dict[str, tuple[str, str]]) -> list[DecisionPlan]:
    """Each standing ruling on the document: carried to its disagreement's new id, or back to open when the
    codings it ruled on were edited or deleted (or the disagreement is no longer the same)."""
    from cotag.reconcile import compare_document

    decisions = list(session.exec(select(Decision).where(Decision.document_id == plan.document.id,
                                                         Decision.superseded_at.is_(None)).order_by(Decision.id)))
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
            before, _ = compare_document(document=ext, document_id=plan.document.id, units=old_units, codes=codes,
                                         coders=pair, a_codings=old(a), b_codings=old(b), agreed=False)
            after, _ = compare_document(document=ext, document_id=plan.document.id, units=new_units, codes=codes,
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
        if decision.ruling == "edit" and decision.start is not None:
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

def _apply(session: Session, plan: DocumentPlan, *, actor: str) -> Revision:

    from cotag.store import documents as doc_store
    from cotag.store.events import log_event

    document = plan.document
    old_text, old_hash = document.text, document.content_hash
    old_document = {k: getattr(document, k) for k in ("words", "source_path", "format", "attributes", "group")}
    doc_store.replace_document(session, document=document, values=plan.new_values, units=plan.new_units)
    session.flush()
    now = utcnow()
    # Rows whose span changes (or whose words are gone) give way first: the live-coding index holds one per span.
    leaving = [p.coding.id for p in plan.codings
               if p.carried.start is None or (p.carried.start, p.carried.end) != (p.coding.start, p.coding.end)]
    run = session.connection().execute
    for first in range(0, len(leaving), 500):
        run(update(Coding).where(Coding.id.in_(leaving[first:first + 500])).values(deleted_at=now))
    leaving = set(leaving)
    taken: dict[tuple, int] = {}
    for p in plan.codings:
        if p.coding.id not in leaving:
            p.new_id = p.coding.id
            taken[(p.coding.coder_id, p.coding.code_id, p.coding.start, p.coding.end)] = p.coding.id
    inserts: list[CodingPlan] = []
    for p in plan.codings:
        if p.new_id is not None or p.carried.start is None:
            continue
        key = (p.coding.coder_id, p.coding.code_id, p.carried.start, p.carried.end)
        if key in taken:
            # Two codings of one coder and code that the revision brings onto one span are one coding now.
            p.carried = Carried(CARRY_CHANGED, p.carried.start, p.carried.end)
            continue
        taken[key] = -1
        inserts.append(p)
    if inserts:
        from cotag.store.codings import insert_ignoring_duplicates

        # No RETURNING: SQLite would then insert row by row to keep their order. The live-coding index makes
        # (coder, code, span) name one live row, so the new ids are read back by that.
        insert_ignoring_duplicates(session, Coding.__table__, [
            {"document_id": document.id, "code_id": p.coding.code_id, "coder_id": p.coding.coder_id,
             "start": p.carried.start, "end": p.carried.end, "memo": p.coding.memo,
             "created_at": p.coding.created_at, "deleted_at": None,
             "source": p.coding.source} for p in inserts])  # an accepted suggestion stays one (migration 0008)
        ids = {tuple(row[1:]): row[0] for row in run(
            select(Coding.id, Coding.coder_id, Coding.code_id, Coding.start, Coding.end)
            .where(Coding.document_id == document.id, Coding.deleted_at.is_(None)))}
        taken = {key: ids[key] if value == -1 else value for key, value in taken.items()}
    for p in plan.codings:
        if p.new_id is None and p.carried.start is not None:
            p.new_id = taken[(p.coding.coder_id, p.coding.code_id, p.carried.start, p.carried.end)]
    carried_rulings = []
    for dp in plan.decisions:
        decision = dp.decision
        if dp.status == CARRY_KEPT:
            dp.new_id = decision.id
            continue
        decision.superseded_at = now
        session.add(decision)
        if dp.new_disagreement is None:
            continue  # open again: the lead rules anew on the revised text
        session.flush()
        new = _copy_decision(session, decision, disagreement=dp.new_disagreement, start=dp.new_start, end=dp.new_end)
        dp.new_id = new.id
        carried_rulings.append({"from": decision.disagreement, "to": dp.new_disagreement, "coders": list(dp.coders)})
    _move_cursors(session, plan)
    number = revision_store.next_number(session, document_id=document.id)
    summary = plan.summary()
    summary["codings"] = {s: 0 for s in STATUSES}
    for p in plan.codings:
        summary["codings"][p.carried.status] += 1
    revision = Revision(document_id=document.id, number=number, old_text=old_text, old_hash=old_hash,
                        new_hash=plan.new_hash, old_units=[list(u) for u in plan.old_units],
                        old_document=old_document, summary=summary, actor=actor, created_at=now)
    session.add(revision)
    session.flush()
    items = []
    for p in plan.codings:
        c = p.coding
        items.append({"kind": KIND_CODING, "status": p.carried.status, "old_id": c.id, "new_id": p.new_id,
                      "coder": p.coder, "code": p.code, "old_start": c.start, "old_end": c.end,
                      "new_start": p.carried.start, "new_end": p.carried.end,
                      "old_words": old_text[c.start:c.end] if p.carried.status != CARRY_KEPT else "",
                      "new_words": plan.new_text[p.carried.start:p.carried.end]
                      if p.carried.flagged and p.carried.start is not None else ""})
    for dp in plan.decisions:
        d = dp.decision
        items.append({"kind": KIND_DECISION, "status": dp.status, "old_id": d.id, "new_id": dp.new_id,
                      "coder": dp.lead, "code": dp.code, "old_start": d.start, "old_end": d.end,
                      "new_start": dp.new_start, "new_end": dp.new_end,
                      "old_words": old_text[dp.old_region[0]:dp.old_region[1]] if dp.old_region else "",
                      "new_words": dp.reason if dp.status in (CARRY_CHANGED, CARRY_ORPHANED) else ""})
    revision_store.add_items(session, revision_id=revision.id, rows=items)
    log_event(session, kind=REVISE, actor=actor, payload={
        "document": document.external_id, "revision": revision.id, "number": number, "path": str(plan.path),
        "old_hash": old_hash, "new_hash": plan.new_hash, **summary, "rulings_carried": carried_rulings})
    return revision


def _copy_decision(session: Session, decision: Decision, *, disagreement: str, start: int | None,
                   end: int | None) -> Decision:
    """The same ruling under another disagreement id or span; it keeps when the lead ruled, not when the text
    changed (written at insert: the database refuses changing a decision's creation time afterwards)."""
    copy = Decision(disagreement=disagreement, document_id=decision.document_id, code_id=decision.code_id,
                    lead_id=decision.lead_id, ruling=decision.ruling, start=start, end=end, note=decision.note,
                    created_at=decision.created_at)
    session.add(copy)
    session.flush()
    return copy


def _insert_coding(session: Session, original: Coding, *, start: int, end: int) -> int | None:
    """A coding like `original` (coder, code, memo, creation time) on another span; None if that is live already."""
    from cotag.store.codings import insert_ignoring_duplicates

    ids = insert_ignoring_duplicates(session, Coding.__table__, [{
        "document_id": original.document_id, "code_id": original.code_id, "coder_id": original.coder_id,
        "start": start, "end": end, "memo": original.memo, "created_at": original.created_at, "deleted_at": None}],
        returning=Coding.__table__.c.id)
    return ids[0] if ids else None


def _move_cursors(session: Session, plan: DocumentPlan) -> None:
    """Each coder's place in the document follows the words they were at."""
    if not plan.old_units or not plan.new_units:
        return
    starts = [u[1] for u in plan.new_units]
    for progress in session.exec(select(Progress).where(Progress.document_id == plan.document.id)):
        if 0 <= progress.cursor < len(plan.old_units):
            where = plan.alignment.position(plan.old_units[progress.cursor][1])
            cursor = max(0, bisect.bisect_right(starts, where) - 1)
            if cursor != progress.cursor:
                progress.cursor = cursor
                session.add(progress)


# ---------------------------------------------------------------- use cases

def revise_paths(project, *, paths: Iterable[Path | str], dry_run: bool = False,
                 lead: str | None = None) -> dict[str, Any]:
    """Revise the documents these files are new versions of: all in one transaction, or (dry run) nothing."""
    from cotag.corpus.importer import collect_files, content_hash, units_and_words
    from cotag.corpus.sentences import sentence_spans
    from cotag.store.coders import require_lead
    from cotag.store.database import begin_write
    from cotag.store.documents import documents_by_external_id

    files, problems = collect_files(paths)
    if problems:
        raise CotagError("\n".join(problems))
    if not files:
        raise CotagError("no transcript files given")
    with project.session() as session:
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
        pairs = _reconcile_pairs(session) if changed else {}
        documents = []
        for (transcript, external_id, group, meta), spans in zip(changed, sentence_spans([r[0] for r in changed])):
            units, words = units_and_words(transcript, spans)
            plan = plan_document(session, document=known[external_id], transcript=transcript, group=group,
                                 meta=meta, pairs=pairs, units=units, words=words)
            entry = {"document": external_id, "path": str(transcript.path), **plan.summary(),
                     "flagged": plan.flagged()}
            if not dry_run:
                revision = _apply(session, plan, actor=actor)
                entry.update(revision=revision.id, number=revision.number, flagged=_flagged_items(session, revision))
            documents.append(entry)
        if dry_run:
            session.rollback()
    return {"dry_run": dry_run, "revised": documents, "unchanged": unchanged}


def _flagged_items(session: Session, revision: Revision) -> list[dict[str, Any]]:
    flagged = revision_store.items_of(session, revision_ids=[revision.id], flagged_only=True)
    return [_item_dict(item) for item in flagged.get(revision.id, [])]


def _item_dict(item: RevisionItem) -> dict[str, Any]:
    data = {"item": item.number, "kind": item.kind, "status": item.status, "old_id": item.old_id,
            "new_id": item.new_id, ("coder" if item.kind == KIND_CODING else "lead"): item.coder, "code": item.code,
            "old": None if item.old_start is None else [item.old_start, item.old_end],
            "new": None if item.new_start is None else [item.new_start, item.new_end],
            "review": item.review, "reviewed_by": item.reviewed_by}
    if item.kind == KIND_CODING:
        data.update(old_words=_quote(item.old_words), new_words=_quote(item.new_words))
    else:
        data.update(region=_quote(item.old_words), reason=item.new_words)
    return data


def _revision_dict(revision: Revision, external_id: str, *, items: Sequence[RevisionItem] | None) -> dict[str, Any]:
    data = {"id": revision.id, "document": external_id, "number": revision.number, "actor": revision.actor,
            "at": revision.created_at.isoformat(timespec="seconds"), "summary": revision.summary,
            "undone_at": revision.undone_at.isoformat(timespec="seconds") if revision.undone_at else None,
            "undone_by": revision.undone_by}
    if items is not None:
        data["flagged"] = [_item_dict(i) for i in items if i.status in (CARRY_CHANGED, CARRY_ORPHANED)]
        data["open"] = sum(1 for i in items if i.status in (CARRY_CHANGED, CARRY_ORPHANED) and not i.review)
    return data


def list_revisions(project, *, revision_id: int | None = None) -> list[dict[str, Any]]:
    """Every revision, newest first, with its diff summary and flagged items; or one revision."""
    with project.session() as session:
        rows = revision_store.revisions_with_documents(session, revision_id=revision_id)
        if revision_id is not None and not rows:
            raise NotFound(f"no revision {revision_id} (see `cotag revisions`)")
        items = revision_store.items_of(session, revision_ids=[r.id for r, _ in rows])
        return [_revision_dict(r, ext, items=items.get(r.id, [])) for r, ext in rows]


def _latest_standing(session: Session, revision_id: int) -> tuple[Revision, Document]:
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFound(f"no revision {revision_id} (see `cotag revisions`)")
    document = session.get(Document, revision.document_id)
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


def undo(project, *, revision_id: int, lead: str | None = None) -> dict[str, Any]:
    """Put a document back as it was before a revision: its text, units, codings and rulings.

    Codings coders made on the revised text since are carried back the same way a revision carries them;
    if one of them would not land on the same words the undo is refused (nothing is lost either way).
    """

    from cotag.store import documents as doc_store
    from cotag.store.coders import require_lead
    from cotag.store.database import begin_write
    from cotag.store.events import log_event

    with project.session() as session:
        begin_write(session, key="cotag.revise")
        actor = require_lead(session, name=lead).name if lead else ""
        revision, document = _latest_standing(session, revision_id)
        items = list(session.exec(select(RevisionItem).where(RevisionItem.revision_id == revision.id)))
        coding_items = [i for i in items if i.kind == KIND_CODING]
        decision_items = [i for i in items if i.kind == KIND_DECISION]
        later_rulings = session.exec(select(Decision.id).where(
            Decision.document_id == document.id, Decision.created_at > revision.created_at,
            Decision.id.notin_([i.new_id for i in decision_items if i.new_id] or [-1]))).all()
        if later_rulings:
            raise CotagError(f"revision {revision_id} of {document.external_id} cannot be undone: the lead ruled on "
                             f"the revised text since ({len(later_rulings)} ruling(s)); nothing was changed")
        live = {c.id: c for c in session.exec(select(Coding).where(Coding.document_id == document.id,
                                                                    Coding.deleted_at.is_(None)))}
        carried_ids = {i.new_id for i in coding_items if i.new_id is not None}
        later = [c for c in live.values() if c.id not in carried_ids]
        back = align(document.text, revision.old_text)
        returning = [(c, back.carry(c.start, c.end)) for c in later]
        lost = [f"coding {c.id} at {c.start}:{c.end}" for c, carried in returning if carried.flagged]
        if lost:
            raise CotagError(f"revision {revision_id} of {document.external_id} cannot be undone: codings made on the "
                             f"revised text since would not land on the same words in the old text ({', '.join(lost[:5])}"
                             f"{' …' if len(lost) > 5 else ''}); nothing was changed")
        now = utcnow()
        # The rows the revision wrote (and still live) go; the originals they stood for come back.
        leaving = [i.new_id for i in coding_items if i.new_id is not None and i.new_id != i.old_id and i.new_id in live]
        leaving += [c.id for c, carried in returning if (carried.start, carried.end) != (c.start, c.end)]
        restore = [i.old_id for i in coding_items if i.new_id != i.old_id and (
            (i.new_id is not None and i.new_id in live) or (i.new_id is None and i.review != "removed"))]
        for first in range(0, len(leaving), 500):
            session.execute(update(Coding).where(Coding.id.in_(leaving[first:first + 500])).values(deleted_at=now))
        _move_cursors_back(session, document, back, revision)
        old = revision.old_document
        doc_store.replace_document(session, document=document, values={
            "text": revision.old_text, "content_hash": revision.old_hash, "words": old["words"],
            "source_path": old["source_path"], "format": old["format"], "attributes": old["attributes"],
            "group": old["group"]}, units=[tuple(u) for u in revision.old_units])
        session.flush()
        for first in range(0, len(restore), 500):
            session.execute(update(Coding).where(Coding.id.in_(restore[first:first + 500])).values(deleted_at=None))
        moved_back = [{"document_id": document.id, "code_id": c.code_id, "coder_id": c.coder_id, "start": carried.start,
                       "end": carried.end, "memo": c.memo, "created_at": c.created_at, "deleted_at": None}
                      for c, carried in returning if (carried.start, carried.end) != (c.start, c.end)]
        if moved_back:
            from cotag.store.codings import insert_ignoring_duplicates

            insert_ignoring_duplicates(session, Coding.__table__, moved_back)
        for item in decision_items:
            if item.new_id == item.old_id:
                continue
            if item.new_id is not None:
                new = session.get(Decision, item.new_id)
                if new.superseded_at is None:
                    new.superseded_at = now
                    session.add(new)
            original = session.get(Decision, item.old_id)
            _copy_decision(session, original, disagreement=original.disagreement, start=original.start,
                           end=original.end)
        revision.undone_at = now
        revision.undone_by = actor
        session.add(revision)
        payload = {"document": document.external_id, "revision": revision.id, "number": revision.number,
                   "codings_restored": len(restore), "codings_removed": len(leaving), "carried_back": len(moved_back),
                   "rulings_restored": sum(1 for i in decision_items if i.new_id != i.old_id)}
        log_event(session, kind=UNDO, actor=actor, payload=payload)
        return payload


def _move_cursors_back(session: Session, document: Document, back: Alignment, revision: Revision) -> None:
    """Before the old units return: each coder's place follows their words back (as a revision moved it)."""
    units = revision.old_units
    current = [row[0] for row in session.connection().execute(
        select(Unit.start).where(Unit.document_id == document.id).order_by(Unit.index))]
    if not units or not current:
        return
    starts = [u[1] for u in units]
    for progress in session.exec(select(Progress).where(Progress.document_id == document.id)):
        if 0 <= progress.cursor < len(current):
            cursor = max(0, bisect.bisect_right(starts, back.position(current[progress.cursor])) - 1)
            if cursor != progress.cursor:
                progress.cursor = cursor
                session.add(progress)


def review(project, *, revision_id: int, item_number: int, action: str, lead: str,
           span: tuple[int, int] | None = None) -> dict[str, Any]:
    """The lead's verdict on one flagged item: accept where it was carried, remove it, or put it on a span."""
    from cotag.store import codings as coding_store
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    if action not in REVIEW_ACTIONS:
        raise CotagError(f"unknown review {action!r}: --accept, --remove or --span START:END")
    with project.session() as session:
        lead_row = require_lead(session, name=lead)
        revision, document = _latest_standing(session, revision_id)
        item = revision_store.item(session, revision_id=revision.id, number=item_number)
        if item is None:
            raise NotFound(f"revision {revision_id} has no item {item_number} (see `cotag revisions {revision_id}`)")
        if item.status not in (CARRY_CHANGED, CARRY_ORPHANED):
            raise CotagError(f"item {item_number} of revision {revision_id} was {item.status}, not flagged: "
                             "nothing to review")
        if item.kind == KIND_DECISION and action != "accept":
            raise CotagError(f"item {item_number} is a ruling that is open again: rule on it with `cotag reconcile`; "
                             "here only --accept (noted) applies")
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
            original = session.get(Coding, item.old_id)
            if current is not None and (current.start, current.end) != (start, end):
                coding_store.soft_delete(session, coding=current)
                payload["removed"] = current.id
            if current is None or (current.start, current.end) != (start, end):
                written = _insert_coding(session, original, start=start, end=end)
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
        return {**payload, "item_now": _item_dict(item)}
