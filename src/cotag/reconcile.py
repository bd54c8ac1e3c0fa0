"""Reconcile: find where two coders' readings differ, let a lead rule on each, and build the consensus coding."""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cotag.errors import CotagError, NotFound
# Who may act as lead lives with the coder table's queries; the lead's modules take it from here.
from cotag.store.coders import require_lead
from cotag.store.rows import row_id

if TYPE_CHECKING:
    from cotag.store.session import Session

RULINGS = ("a", "b", "both", "none", "edit")
DECIDE = "reconcile.decide"
REVISIT = "reconcile.revisit"
AGREED = "reconcile.agreed"

OPEN = "open"
DECIDED = "decided"

Interval = tuple[int, int]


@dataclass(frozen=True)
class Span:
    """One coder's coding as the lead sees it: where it is, its id, its memo and (once read) the words coded."""

    coding: int
    start: int
    end: int
    memo: str
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"coding": self.coding, "start": self.start, "end": self.end, "text": self.text, "memo": self.memo}


@dataclass
class Disagreement:
    """A run of units in one speaker turn where the two coders' readings of one code differ."""

    id: str
    document: str  # external id
    document_id: int
    code: str  # key
    code_id: int
    first_unit: int
    last_unit: int
    start: int  # the region the ruling covers: from the first unit's start to the last unit's end
    end: int
    turn: int
    coders: tuple[str, str]
    a: list[Span]
    b: list[Span]
    a_cover: list[Interval]  # what each coder covers inside the region
    b_cover: list[Interval]
    status: str = OPEN
    ruling: str | None = None
    note: str = ""
    lead: str | None = None

    @property
    def fingerprint(self) -> str:
        """Changes whenever either coder's reading of the region changes: a ruling made on a stale view is refused."""
        return _short_hash(repr((self.a_cover, self.b_cover)))

    def as_dict(self) -> dict[str, Any]:
        # Units numbered from 1, as people count sentences; Unit.index in the database stays 0-based.
        return {"id": self.id, "document": self.document, "code": self.code,
                "units": [self.first_unit + 1, self.last_unit + 1],
                "start": self.start, "end": self.end, "coders": list(self.coders),
                "a": [s.as_dict() for s in self.a], "b": [s.as_dict() for s in self.b],
                "status": self.status, "ruling": self.ruling, "note": self.note, "lead": self.lead}


@dataclass(frozen=True)
class AgreedSpan:
    """Where both coders marked the same characters with the same code: it goes into the consensus unasked."""

    document: str
    document_id: int
    code: str
    code_id: int
    start: int
    end: int

    def as_dict(self, in_consensus: bool | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"document": self.document, "code": self.code, "start": self.start, "end": self.end}
        if in_consensus is not None:
            data["in_consensus"] = in_consensus
        return data


@dataclass
class Comparison:
    """Everything the lead needs for two coders: disagreements and agreed spans, in document and text order."""

    coders: tuple[str, str]
    disagreements: list[Disagreement] = field(default_factory=list)
    agreed: list[AgreedSpan] = field(default_factory=list)

    def progress(self) -> dict[str, Any]:
        per: dict[str, dict[str, int]] = {}
        for d in self.disagreements:
            row = per.setdefault(d.document, {"disagreements": 0, "decided": 0})
            row["disagreements"] += 1
            row["decided"] += d.status == DECIDED
        total = sum(r["disagreements"] for r in per.values())
        decided = sum(r["decided"] for r in per.values())
        return {"coders": list(self.coders), "disagreements": total, "decided": decided, "open": total - decided,
                "documents": [{"document": k, **v} for k, v in per.items()]}


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def disagreement_id(document: str, code: str, first_unit: int, last_unit: int, coders: Sequence[str]) -> str:
    return _short_hash(f"{document}|{code}|{first_unit}-{last_unit}|{coders[0]}|{coders[1]}")


def merge_intervals(intervals: Sequence[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined: two codings on the same characters count once."""
    if len(intervals) < 2:  # the common case (one coding per unit and code) needs no work
        return list(intervals)
    out: list[list[int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


# ---------------------------------------------------------------- comparing two coders

def _coverage(units: Sequence[tuple], starts: list[int], codings: Iterable[tuple],
              codes: set[int] | None = None) -> dict:
    """(code_id, unit position) -> the coder's intervals clipped to that unit; a shared character is enough."""
    cover: dict[tuple[int, int], list[Interval]] = {}
    n = len(units)
    for _, code_id, start, end, _ in codings:
        if codes is not None and code_id not in codes:
            continue
        i = bisect.bisect_right(starts, start) - 1
        if i < 0:
            i = 0
        # Plain comparisons instead of min()/max(): this loop runs once per coding and unit it touches.
        while i < n:
            _, u_start, u_end, _ = units[i]
            if u_start >= end:
                break
            if u_end > start:
                piece = (start if start > u_start else u_start, end if end < u_end else u_end)
                slot = cover.get((code_id, i))
                if slot is None:
                    cover[(code_id, i)] = [piece]
                else:
                    slot.append(piece)
            i += 1
    return cover


def _runs_through(a_codings: Sequence[tuple], b_codings: Sequence[tuple], code_id: int, end: int, start: int) -> bool:
    """Whether a coder's coding of the code spans the gap from one sentence's end to the next one's start.

    Two codings that each stop at a sentence boundary are two excerpts: joining them would put text
    neither coder coded (the space between the sentences) into the consensus and count one quote for two.
    """
    return any(c[1] == code_id and c[2] < start and c[3] > end for c in (*a_codings, *b_codings))


def _by_code(codings: Sequence[tuple]) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for row in codings:
        grouped[row[1]].append(row)
    return grouped


def _spans_in(codings: dict[int, list[tuple]], code_id: int, start: int, end: int) -> list[Span]:
    """A coder's codings of one code that overlap [start, end): looked up only for the (few) disagreements."""
    return sorted((Span(c[0], c[2], c[3], c[4]) for c in codings.get(code_id, ()) if c[2] < end and c[3] > start),
                  key=lambda s: (s.start, s.end, s.coding))


def _candidates(units: Sequence[tuple], starts: list[int], a_codings: Sequence[tuple],
                b_codings: Sequence[tuple]) -> set[tuple[int, int]]:
    """(code, unit) pairs that some coding only one coder has touches: the only places a disagreement can be.

    Everywhere else every coding of the code is shared, so both coders cover the same characters.
    """
    a_spans = {(c[1], c[2], c[3]) for c in a_codings}
    b_spans = {(c[1], c[2], c[3]) for c in b_codings}
    if a_spans == b_spans:
        return set()
    only = [c for c in a_codings if (c[1], c[2], c[3]) not in b_spans]
    only += [c for c in b_codings if (c[1], c[2], c[3]) not in a_spans]
    return set(_coverage(units, starts, only))


def compare_document(*, document: str, document_id: int, units: Sequence[tuple], codes: dict[int, str],
                     coders: tuple[str, str], a_codings: Sequence[tuple], b_codings: Sequence[tuple],
                     agreed: bool = True) -> tuple[list[Disagreement], list[AgreedSpan]]:
    """Compare two coders on one document.

    units: (index, start, end, turn) in text order; codings: (id, code_id, start, end, memo).
    A unit carries a code for a coder when one of their codings overlaps it; the
    unit is agreed when both cover exactly the same characters of it, else it is
    a disagreement. Consecutive disagreeing units of one turn form one
    disagreement, so the lead rules once on a span rather than sentence by sentence.
    """
    starts = [u[1] for u in units]
    if agreed:
        a_cov = _coverage(units, starts, a_codings)
        b_cov = _coverage(units, starts, b_codings)
        keys = a_cov.keys() | b_cov.keys()
    else:
        # Disagreements only (listing): look just where a coding is not shared, a fraction of the work.
        keys = _candidates(units, starts, a_codings, b_codings)
        touched = {code_id for code_id, _ in keys}
        a_cov = _coverage(units, starts, a_codings, touched) if keys else {}
        b_cov = _coverage(units, starts, b_codings, touched) if keys else {}
    empty: list[Interval] = []
    disagreements: list[Disagreement] = []
    agreed_spans: list[AgreedSpan] = []
    # Walk code by code, unit by unit, so runs are easy to group.
    for code_id, position in sorted(keys):
        a_iv = merge_intervals(a_cov.get((code_id, position), empty))
        b_iv = merge_intervals(b_cov.get((code_id, position), empty))
        unit = units[position]
        if a_iv == b_iv:
            for start, end in a_iv:
                last = agreed_spans[-1] if agreed_spans else None
                # Join across a sentence boundary of the same turn only when the coders' spans run on through it.
                if (last is not None and position > 0 and last.code_id == code_id and start == unit[1]
                        and last.end == units[position - 1][2] and units[position - 1][3] == unit[3]
                        and _runs_through(a_codings, b_codings, code_id, last.end, start)):
                    agreed_spans[-1] = AgreedSpan(document, document_id, last.code, code_id, last.start, end)
                else:
                    agreed_spans.append(AgreedSpan(document, document_id, codes[code_id], code_id, start, end))
            continue
        last_d = disagreements[-1] if disagreements else None
        if (last_d is not None and last_d.code_id == code_id and last_d.last_unit == unit[0] - 1
                and last_d.turn == unit[3]):
            last_d.last_unit = unit[0]
            last_d.end = unit[2]
            last_d.a_cover.extend(a_iv)
            last_d.b_cover.extend(b_iv)
            continue
        disagreements.append(Disagreement(
            id="", document=document, document_id=document_id, code=codes[code_id], code_id=code_id,
            first_unit=unit[0], last_unit=unit[0], start=unit[1], end=unit[2], turn=unit[3], coders=coders,
            a=[], b=[], a_cover=list(a_iv), b_cover=list(b_iv)))
    a_by_code, b_by_code = (_by_code(a_codings), _by_code(b_codings)) if disagreements else ({}, {})
    for d in disagreements:
        d.id = disagreement_id(document, d.code, d.first_unit, d.last_unit, coders)
        d.a_cover = merge_intervals(d.a_cover)
        d.b_cover = merge_intervals(d.b_cover)
        d.a = _spans_in(a_by_code, d.code_id, d.start, d.end)
        d.b = _spans_in(b_by_code, d.code_id, d.start, d.end)
    disagreements.sort(key=lambda d: (d.start, d.code))
    if not agreed:
        return disagreements, []
    agreed_spans.sort(key=lambda s: (s.start, s.code))
    return disagreements, agreed_spans


def resolve_coders(session: Session, *, coders: Sequence[str] | None) -> tuple[Any, Any]:
    """The two coders to compare: as named, or the only two (non-consensus) coders with codings."""
    from cotag.store.coders import list_coders, require_coder
    from cotag.store.models import CONSENSUS_CODER, ROLE_LEAD
    from cotag.store.training import study_coding_counts

    if coders:
        if len(coders) != 2 or coders[0] == coders[1]:
            raise CotagError(f"name exactly two different coders to compare (got {', '.join(coders)}): --coders A,B")
        if CONSENSUS_CODER in coders:
            raise CotagError(f"{CONSENSUS_CODER!r} is the result of reconciling, not one of the two coders")
        # Always in name order, as the default pair is: `--coders bob,alice` is the same comparison (the same
        # ids, rulings and a/b) as `--coders alice,bob`, so nothing ruled on shows as open again or is ruled twice.
        first, second = sorted(coders[:2])
        return require_coder(session, name=first), require_coder(session, name=second)
    # A trainee's practice codings (cotag.training) never make a candidate: they are not study work.
    counts = study_coding_counts(session)
    # As in agreement: a lead's own codings never make a third candidate; name the lead to compare them.
    candidates = [c for c in list_coders(session)
                  if c.name != CONSENSUS_CODER and c.role != ROLE_LEAD and counts.get(row_id(c))]
    if len(candidates) != 2:
        names = ", ".join(c.name for c in candidates) or "none"
        raise CotagError(f"name the two coders to compare with --coders A,B (coders with codings: {names})")
    return candidates[0], candidates[1]


def compare(session: Session, *, coders: Sequence[str] | None = None, documents: Sequence[str] | None = None,
            agreed: bool = True) -> Comparison:
    """All disagreements and agreed spans between two coders, with the rulings that stand.

    Three queries whatever the corpus size (units, both coders' codings,
    decisions); the comparison itself is in memory, so listing the whole demo
    corpus stays well under a second.
    """
    from cotag.store import codings as coding_store
    from cotag.store import documents as doc_store
    from cotag.store.coders import list_coders
    from cotag.store.codes import code_keys
    from cotag.store.decisions import live_decisions

    coder_a, coder_b = resolve_coders(session, coders=coders)
    names = (coder_a.name, coder_b.name)
    doc_filter = None
    if documents:
        doc_filter = [row_id(doc_store.require_document(session, external_id=d)) for d in documents]
    # Plain rows from the shared column loaders: ORM row processing would cost more than the comparison itself.
    doc_names = doc_store.external_ids(session, ids=doc_filter)
    codes = code_keys(session)
    per_coder: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for coding_id, doc_id, code_id, coder_id, start, end, memo in coding_store.live_coding_columns(
            session, coder_ids=[coder_a.id, coder_b.id], document_ids=doc_filter):  # study work only
        per_coder[(doc_id, coder_id)].append((coding_id, code_id, start, end, memo))
    # Only the units of documents the two coded: the whole corpus's units cost `reconcile list` a third of its
    # start-up (issue #14), for documents nobody compared.
    units: dict[int, list[tuple]] = defaultdict(list)
    coded = doc_filter if doc_filter is not None else sorted({doc_id for doc_id, _ in per_coder})
    for doc_id, index, start, end, turn, _, _ in doc_store.unit_columns(session, document_ids=coded):
        units[doc_id].append((index, start, end, turn))
    leads = {c.id: c.name for c in list_coders(session)}
    decisions = live_decisions(session, document_ids=doc_filter)
    result = Comparison(coders=names)
    for doc_id in sorted(doc_names, key=lambda i: doc_names[i]):
        a_rows, b_rows = per_coder.get((doc_id, coder_a.id), []), per_coder.get((doc_id, coder_b.id), [])
        if not a_rows and not b_rows:
            continue
        # Not `agreed`: that is the caller's flag, and rebinding it to a document's (possibly empty)
        # span list would silently stop every later document's agreed spans being computed.
        found, doc_agreed = compare_document(document=doc_names[doc_id], document_id=doc_id,
                                             units=units.get(doc_id, []), codes=codes, coders=names,
                                             a_codings=a_rows, b_codings=b_rows, agreed=agreed)
        for d in found:
            decision = decisions.get(d.id)
            if decision is not None:
                d.status, d.ruling, d.note, d.lead = DECIDED, decision.ruling, decision.note, leads.get(decision.lead_id)
        result.disagreements.extend(found)
        result.agreed.extend(doc_agreed)
    return result


# ---------------------------------------------------------------- the lead's rulings

def consensus_spans(d: Disagreement, ruling: str) -> list[tuple[Interval, str]]:
    """The spans (clipped to the disagreement's region) and memos that a ruling writes to the consensus."""
    chosen = {"a": [d.a], "b": [d.b], "both": [d.a, d.b], "none": []}[ruling]
    pieces: list[Interval] = []
    memos: list[str] = []
    for spans in chosen:
        for s in spans:
            start, end = max(s.start, d.start), min(s.end, d.end)
            if start < end:
                pieces.append((start, end))
                if s.memo and s.memo not in memos:
                    memos.append(s.memo)
    memo = " | ".join(memos)
    return [(iv, memo) for iv in merge_intervals(pieces)]


def find_disagreement(session: Session, *, disagreement_id: str, coders: Sequence[str] | None = None,
                      documents: Sequence[str] | None = None) -> Disagreement:
    comparison = compare(session, coders=coders, documents=documents, agreed=False)
    for d in comparison.disagreements:
        if d.id == disagreement_id:
            return d
    from cotag.store.decisions import history

    if history(session, disagreement=disagreement_id):
        raise CotagError(f"disagreement {disagreement_id} no longer exists: the coders' codings changed since it "
                         "was ruled on; run `cotag reconcile list` for the current ones")
    raise NotFound(f"no disagreement {disagreement_id} between {comparison.coders[0]} and {comparison.coders[1]} "
                   "(it may have been resolved by a change to the codings); run `cotag reconcile list`")


def decide(session: Session, *, disagreement_id: str, ruling: str, lead: str, note: str = "",
           coders: Sequence[str] | None = None, documents: Sequence[str] | None = None,
           span: Interval | None = None, code: str | None = None, fingerprint: str | None = None) -> dict[str, Any]:
    """Rule on one disagreement: write the Decision and the consensus codings for its region, logged.

    Ruling again on a decided disagreement supersedes the earlier Decision (kept)
    and replaces the consensus codings it wrote; the change is logged as a revisit.
    Every check runs before anything is written, so a refused ruling changes nothing.
    """
    from cotag.store import codings as coding_store
    from cotag.store import decisions as decision_store
    from cotag.store import documents as doc_store
    from cotag.store.coders import consensus_coder
    from cotag.store.codes import require_code
    from cotag.store.events import log_event
    from cotag.store.models import STATUS_ACTIVE, Coding

    if ruling not in RULINGS:
        raise CotagError(f"unknown ruling {ruling!r}: keep a, b, both or none (or edit with --span/--code)")
    lead_row = require_lead(session, name=lead)
    d = find_disagreement(session, disagreement_id=disagreement_id, coders=coders, documents=documents)
    if fingerprint is not None and fingerprint != d.fingerprint:
        raise CotagError(f"disagreement {d.id} changed while you were looking at it (a coder edited their codings); "
                         "reload and rule again")
    target_code_id = d.code_id
    if ruling == "edit":
        if span is None and code is None:
            raise CotagError("an edit needs a new span (--span START:END) or a new code (--code KEY), or both")
        if code is not None:
            code_row = require_code(session, key=code)
            if code_row.status != STATUS_ACTIVE:
                raise CotagError(f"code {code!r} is {code_row.status}: rule with an active code")
            target_code_id = row_id(code_row)
        start, end = span if span is not None else (
            min(s.start for s in d.a + d.b), max(s.end for s in d.a + d.b))
        found = doc_store.name_and_length(session, document_id=d.document_id)
        length = found[1] if found is not None else 0
        if not (0 <= start < end <= length):
            raise CotagError(f"span {start}:{end} is not inside document {d.document} (0–{length})")
        if end <= d.start or start >= d.end:
            raise CotagError(f"span {start}:{end} does not touch the disagreement ({d.start}:{d.end}) it rules on")
        writes = [((start, end), " | ".join(dict.fromkeys(s.memo for s in d.a + d.b if s.memo)))]
    elif span is not None or code is not None:
        raise CotagError("--span and --code go with an edit ruling (--keep edit)")
    else:
        writes = consensus_spans(d, ruling)

    consensus = consensus_coder(session)
    previous = decision_store.live_decision(session, disagreement=d.id)
    # Clear the consensus in this region (and where an earlier edit wrote) so the ruling is the whole truth there.
    stale = [c for c in coding_store.live_for_document(session, document_id=d.document_id,
                                                        coder_ids=[row_id(consensus)])
             if (c.code_id == d.code_id and c.start < d.end and c.end > d.start)
             or (previous is not None and previous.ruling == "edit" and c.code_id == previous.code_id
                 and c.start == previous.start and c.end == previous.end)]
    for coding in stale:
        coding_store.soft_delete(session, coding=coding)
    if previous is not None:
        decision_store.supersede(session, decision=previous)
    decision = decision_store.add_decision(
        session, disagreement=d.id, document_id=d.document_id, code_id=target_code_id, lead_id=row_id(lead_row),
        ruling=ruling, start=writes[0][0][0] if ruling == "edit" else None,
        end=writes[0][0][1] if ruling == "edit" else None, note=note)
    written: list[Coding] = [coding_store.add_coding(session, document_id=d.document_id, code_id=target_code_id,
                                                     coder_id=row_id(consensus), start=s, end=e, memo=memo)
                             for (s, e), memo in writes]
    payload = {"disagreement": d.id, "document": d.document, "code": d.code, "coders": list(d.coders),
               "ruling": ruling, "note": note, "decision": decision.id, "region": [d.start, d.end],
               "consensus": [{"coding": c.id, "start": c.start, "end": c.end} for c in written],
               "removed": [c.id for c in stale]}
    if ruling == "edit" and target_code_id != d.code_id:
        payload["new_code"] = code
    if previous is not None:
        payload.update(previous_ruling=previous.ruling, previous_note=previous.note, previous_decision=previous.id)
    log_event(session, kind=REVISIT if previous is not None else DECIDE, actor=lead_row.name, payload=payload)
    added = write_agreed(session, lead=lead_row.name, coders=d.coders, documents=[d.document])
    return {**payload, "agreed_added": added, "revisited": previous is not None}


def write_agreed(session: Session, *, lead: str, coders: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None, comparison: Comparison | None = None) -> int:
    """Put every agreed span not yet in the consensus there (idempotent); returns how many were added.

    `comparison`: a full compare() of the same coders and documents the caller already has (saves a second one).
    """
    from cotag.store import codings as coding_store
    from cotag.store.coders import consensus_coder
    from cotag.store.events import log_event

    lead_row = require_lead(session, name=lead)
    if comparison is None:
        comparison = compare(session, coders=coders, documents=documents)
    consensus = consensus_coder(session)
    # Plain tuples straight from the cursor: tens of thousands of rows on a whole corpus.
    present = coding_store.live_positions(session, coder_id=row_id(consensus))
    rows = [{"document_id": s.document_id, "code_id": s.code_id, "coder_id": consensus.id, "start": s.start,
             "end": s.end} for s in comparison.agreed
            if (s.document_id, s.code_id, s.start, s.end) not in present]
    coding_store.add_codings(session, rows=rows)
    if rows:
        log_event(session, kind=AGREED, actor=lead_row.name,
                  payload={"coders": list(comparison.coders), "added": len(rows),
                           "documents": sorted({s.document for s in comparison.agreed})})
    return len(rows)


def agreed_table(session: Session, *, coders: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The agreed spans, each saying whether it is in the consensus yet (review before or after writing)."""
    from cotag.store.coders import get_coder
    from cotag.store.codings import live_positions
    from cotag.store.models import CONSENSUS_CODER

    comparison = compare(session, coders=coders, documents=documents)
    consensus = get_coder(session, name=CONSENSUS_CODER)
    present = live_positions(session, coder_id=row_id(consensus)) if consensus is not None else set()
    return [s.as_dict((s.document_id, s.code_id, s.start, s.end) in present) for s in comparison.agreed]


def agreed_review(session: Session, *, coders: Sequence[str] | None = None,
                  documents: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """agreed_table with each span's text, for reviewing the automatic part of the consensus on screen."""
    from cotag.store.documents import texts_by_external_id

    rows = agreed_table(session, coders=coders, documents=documents)
    texts = texts_by_external_id(session, external_ids={row["document"] for row in rows})
    for row in rows:
        row["text"] = " ".join(texts.get(row["document"], "")[row["start"]:row["end"]].split())
    return rows


def disagreement_table(session: Session, *, coders: Sequence[str] | None = None,
                       documents: Sequence[str] | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Every disagreement between two coders (only those of `status`, if given), each with the words both coded
    and the ruling that stands."""
    from dataclasses import replace

    from cotag.store import documents as doc_store

    found = [d for d in compare(session, coders=coders, documents=documents, agreed=False).disagreements
             if status is None or d.status == status]
    texts = doc_store.texts(session, ids={d.document_id for d in found})
    for d in found:
        # The words each coder coded, spaces and line breaks folded: what the lead reads to rule.
        text = texts.get(d.document_id, "")
        d.a = [replace(s, text=" ".join(text[s.start:s.end].split())) for s in d.a]
        d.b = [replace(s, text=" ".join(text[s.start:s.end].split())) for s in d.b]
    return [d.as_dict() for d in found]


def parse_span(text: str) -> Interval:
    try:
        start_text, end_text = text.split(":")
        return int(start_text), int(end_text)
    except ValueError:
        raise CotagError(f"span {text!r} is not START:END (two character offsets, e.g. 120:188)") from None
