"""Training against the consensus, as Dedoose's training centre does.

The lead gives a trainee documents that already have a consensus (`train`); the trainee codes them blind (a
coder's screen never shows another coder's or the consensus's codings, and on PostgreSQL a coder's role cannot
read them); `report` scores the trainee per code against the consensus with the reliability core (alpha and
kappa on the same units as `cotag agreement`), and lists each miss (the consensus has the code, the trainee
not) and extra (the other way round) with the lead's rulings on that document and code, and the code's
include/exclude rules beside it.

A (trainee, document) pair is practice for good: the store's `not_practice` clause keeps those codings out of
agreement, reconciling, the consensus, exports and the suggester.

`train` and `report` work in the session they are given; services.team opens the transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.store.session import Session

TRAIN = "train.assign"


def train(session: Session, *, coder: str, documents: list[str], lead: str) -> dict[str, Any]:
    """Give the trainee these documents to practise on; every one must have a consensus."""
    from cotag.assignments import _coder_ids
    from cotag.store import training as store
    from cotag.store.coders import get_coder, require_lead
    from cotag.store.documents import get_document
    from cotag.store.events import log_event
    from cotag.store.models import CONSENSUS_CODER, ROLE_LEAD

    name = (coder or "").strip()
    if not name:
        raise CotagError("--coder needs the trainee's name")
    if name == CONSENSUS_CODER:
        raise CotagError(f"{CONSENSUS_CODER!r} is what the trainee is scored against, not a trainee")
    wanted = list(dict.fromkeys(d.strip() for d in documents if d and d.strip()))
    if not wanted:
        raise CotagError("--documents needs at least one document id")
    lead_row = require_lead(session, name=lead)
    if name == lead_row.name:
        raise CotagError(f"{name} is the lead giving the training, not a trainee")
    existing = get_coder(session, name=name)
    if existing is not None and existing.role == ROLE_LEAD:
        raise CotagError(f"{name} is a lead: a lead sees the consensus, so cannot train blind against it")
    rows = {d: get_document(session, external_id=d) for d in wanted}
    missing = [d for d, row in rows.items() if row is None]
    if missing:
        raise CotagError(f"no document {', '.join(map(repr, missing))} (see `cotag documents list`)")
    ids: dict[str, int] = {d: row.id for d, row in rows.items() if row is not None and row.id is not None}
    with_consensus = store.consensus_documents(session, document_ids=ids.values())
    without = [d for d in wanted if ids[d] not in with_consensus]
    if without:
        raise CotagError(f"{', '.join(without)} {'has' if len(without) == 1 else 'have'} no consensus yet: a "
                         "trainee is scored against the consensus, so reconcile first (`cotag reconcile`) or "
                         "choose documents that have one")
    coder_id = _coder_ids(session, [name])[name]
    # Their study codings there would silently turn into practice and leave agreement: refuse instead.
    coded = store.coded_by(session, coder_id=coder_id, document_ids=ids.values())
    already = sorted(d for d in wanted if ids[d] in coded)
    if already:
        raise CotagError(f"{name} has already coded {', '.join(already)} as study work; a document a coder "
                         "has coded cannot become practice (its codings would leave agreement)")
    # Nor may a document given to the trainee as study work become practice: it would silently stop counting.
    from cotag.store.assignments import document_ids_for_coder

    assigned = sorted(d for d in wanted if ids[d] in document_ids_for_coder(session, coder_id=coder_id))
    if assigned:
        raise CotagError(f"{name} is assigned {', '.join(assigned)} as study work (`cotag assignments --coder "
                         f"{name}`); give {'it' if len(assigned) == 1 else 'them'} to another coder first "
                         f"(`cotag reassign ID --coders NAME`) or choose other documents")
    added = set(store.add(session, coder_id=coder_id, document_ids=[ids[d] for d in wanted], lead=lead_row.name))
    new = [d for d in wanted if ids[d] in added]
    if new:
        log_event(session, kind=TRAIN, actor=lead_row.name, payload={"coder": name, "documents": new})
    return {"coder": name, "added": new, "already": [d for d in wanted if ids[d] not in added],
            "documents": [r["document"] for r in store.for_coder(session, coder_id=coder_id)],
            "unfinished": unfinished_consensus(session, wanted)}


def unfinished_consensus(session: Session, documents: list[str]) -> list[dict[str, Any]]:
    """Documents whose reconciling is not finished: disagreements still open between a pair of coders the lead
    reconciled there (from the audit trail). The trainee is scored against the consensus as it stands, so a
    passage still in dispute would count as a miss or an extra: `cotag train` says so (a warning, not a refusal:
    the lead may train on a part-reconciled document knowingly)."""
    from cotag.reconcile import AGREED, DECIDE, REVISIT, compare
    from cotag.store.events import list_events

    wanted = set(documents)
    pairs: dict[str, set[tuple[str, str]]] = {}
    for kind in (AGREED, DECIDE, REVISIT):
        for event in list_events(session, kind=kind):
            payload = event.payload or {}
            coders = payload.get("coders") or []
            if len(coders) != 2:
                continue
            for document in payload.get("documents") or [payload.get("document")]:
                if document in wanted:
                    pairs.setdefault(document, set()).add((coders[0], coders[1]))
    out = []
    for document in documents:
        # No reconciling logged there (a consensus imported, say): the project's default pair, if it has one.
        known: list[tuple[str, str] | None] = list(sorted(pairs.get(document, ())))
        for pair in known or [None]:
            try:
                found = compare(session, coders=list(pair) if pair else None, documents=[document],
                                agreed=False).progress()
            except CotagError:  # no default pair, or a coder since removed: nothing to say
                continue
            if found["open"]:
                out.append({"document": document, "coders": found["coders"], "open": found["open"]})
    return out


def _id(value: Optional[int]) -> int:
    """A stored row's id (always set once flushed)."""
    if value is None:
        raise CotagError("a row without an id: it was not stored")
    return value


def _ruled_regions(session: Session, decision_ids: list[int]) -> dict[int, tuple[int, int]]:
    """decision id -> the disputed region it ruled on, from the reconcile events that logged it (rulings made
    before the region was logged have none: they stand beside every miss of their document and code)."""
    from cotag.reconcile import DECIDE, REVISIT
    from cotag.store.events import list_events

    wanted = set(decision_ids)
    out: dict[int, tuple[int, int]] = {}
    for kind in (DECIDE, REVISIT):
        for event in list_events(session, kind=kind):
            payload = event.payload or {}
            region = payload.get("region")
            if payload.get("decision") in wanted and isinstance(region, list) and len(region) == 2:
                out[int(payload["decision"])] = (int(region[0]), int(region[1]))
    return out


def _rules(code: Any) -> dict[str, Any]:
    return {"description": code.description or "", "include": list(code.include or []),
            "exclude": list(code.exclude or [])}


def report(session: Session, *, coder: str, kind: str = "sentence") -> dict[str, Any]:
    """The trainee's score per code against the consensus on their practice documents."""
    from cotag.reliability.disagreements import disagreeing_units, locate
    from cotag.reliability.report import build_report
    from cotag.reliability.units import Spans, UnitFrame, unitise
    from cotag.store import training as store
    from cotag.store.coders import consensus_coder, list_coders, require_coder
    from cotag.store.decisions import live_decisions

    trainee = require_coder(session, name=coder)
    trainee_id, consensus_id = _id(trainee.id), _id(consensus_coder(session).id)
    practice = store.for_coder(session, coder_id=trainee_id)
    if not practice:
        raise CotagError(f"{coder} has no training documents: give some with "
                         f"`cotag train --coder {coder} --documents ID,...`")
    doc_ids = [p["document_id"] for p in practice]
    names = [p["document"] for p in practice]
    index = {d: i for i, d in enumerate(doc_ids)}
    codes = store.codes_by_id(session)
    trainee_spans = store.spans(session, coder_id=trainee_id, document_ids=doc_ids)
    consensus_spans = store.spans(session, coder_id=consensus_id, document_ids=doc_ids)
    used = {c for _, c, _, _ in trainee_spans} | {c for _, c, _, _ in consensus_spans}
    keys = [c.key for c in sorted(codes.values(), key=lambda c: (c.position, c.key))
            if c.status == "active" or c.id in used]
    code_index = {c.id: keys.index(c.key) for c in codes.values() if c.key in keys}
    unit_rows = [(index[d], s, e, t, i) for d, s, e, t, i in store.units(session, document_ids=doc_ids)]
    span_rows = ([(0, code_index[c], index[d], s, e) for d, c, s, e in trainee_spans if c in code_index]
                 + [(1, code_index[c], index[d], s, e) for d, c, s, e in consensus_spans if c in code_index])
    leads = {c.id: c.name for c in list_coders(session)}
    rulings: dict[tuple[int, int], list[dict[str, Any]]] = {}
    decisions = live_decisions(session, document_ids=doc_ids).values()
    regions = _ruled_regions(session, [d.id for d in decisions if d.id is not None]) if decisions else {}
    for decision in decisions:
        # The disputed passage the ruling settled (logged with it); an edit's own span; else unknown (None).
        start, end = regions.get(_id(decision.id), (decision.start, decision.end))
        rulings.setdefault((decision.document_id, decision.code_id), []).append(
            {"ruling": decision.ruling, "note": decision.note, "lead": leads.get(decision.lead_id, ""),
             "start": start, "end": end})
    by_key = {c.key: c for c in codes.values()}
    if not unit_rows:
        raise CotagError(f"{coder}'s training documents have no units to score")
    frame = UnitFrame.from_rows(names, unit_rows, document_ids=doc_ids)
    data = unitise(frame, Spans.from_rows(span_rows), coders=[trainee.name, "consensus"], codes=keys,
                   coded={0: range(len(names)), 1: range(len(names))}, kind=kind)
    built = build_report(data)
    view = built.views["all"]
    located = {key: locate(session, disagreeing_units(data, key)) for key in keys}
    rows = []
    for row in view.rows:
        code = by_key[row.code]
        misses: list[dict[str, Any]] = []
        extras: list[dict[str, Any]] = []
        for item in located.get(row.code, []):
            # The lead's rulings on this code whose disputed passage touches this one: the ruling beside the miss.
            beside = [r for r in rulings.get((item.document_id or 0, _id(code.id)), [])
                      if r["start"] is None or r["end"] is None or (r["start"] < item.end and item.start < r["end"])]
            entry = {"document": item.document, "start": item.start, "end": item.end, "unit": item.unit,
                     "text": item.text, "rulings": beside}
            (misses if "consensus" in item.applied else extras).append(entry)
        rows.append({"code": row.code, "alpha": row.alpha.value, "alpha_undefined": row.alpha.undefined_reason,
                     "kappa": row.kappa.value, "percent": row.percent.value, "misses": misses, "extras": extras,
                     "rules": _rules(code)})
    return {"coder": trainee.name, "documents": names, "unit": data.rule_text,
            "alpha": view.pooled.value, "alpha_undefined": view.pooled.undefined_reason, "codes": rows,
            "unfinished": unfinished_consensus(session, names)}

