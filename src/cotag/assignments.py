"""Who codes which document: a balanced, seeded plan with a stratified overlap sample every coder codes.

The plan itself is pure (no database): `plan_assignments` takes the documents in scope and the coders and
returns, per document, the coders who code it. Workload is balanced by document count: every coder codes the
whole overlap sample, and the other documents are dealt out so that no two coders' counts differ by more than
one. `assign` and `reassign` store a plan (cotag.store.assignments) and log it in the audit trail.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from cotag.errors import CotagError

ASSIGN = "assign.plan"
REASSIGN = "assign.reassign"


@dataclass(frozen=True)
class Candidate:
    """A document in scope: its id and its stratum (the value of --stratify, '' without one)."""

    document: str
    stratum: str = ""


@dataclass
class Plan:
    coders: list[str]
    overlap: float
    seed: int
    # document id -> the coders who code it (every listed coder for the overlap sample).
    documents: dict[str, list[str]] = field(default_factory=dict)
    overlap_documents: set[str] = field(default_factory=set)
    strata: dict[str, list[str]] = field(default_factory=dict)

    def workload(self) -> dict[str, int]:
        counts = {coder: 0 for coder in self.coders}
        for coders in self.documents.values():
            for coder in coders:
                counts[coder] += 1
        return counts

    def raised_strata(self) -> list[str]:
        """Strata too small for their share that got one overlap document anyway (at least one per stratum)."""
        return [s for s, docs in sorted(self.strata.items())
                if self.overlap > 0 and math.floor(self.overlap * len(docs) + 0.5) == 0]

    def as_dict(self) -> dict[str, Any]:
        return {"coders": self.coders, "overlap": self.overlap, "seed": self.seed,
                "raised_strata": self.raised_strata(),
                "documents": [{"document": d, "coders": c, "overlap": d in self.overlap_documents}
                              for d, c in sorted(self.documents.items())],
                "workload": self.workload(),
                "overlap_per_stratum": {s: sum(d in self.overlap_documents for d in docs)
                                        for s, docs in sorted(self.strata.items())},
                "strata": {s: len(docs) for s, docs in sorted(self.strata.items())}}


def overlap_size(stratum_size: int, overlap: float) -> int:
    """How many of a stratum's documents every coder codes: its share rounded half up, at least one.

    Rounding per stratum (not overall) keeps every stratum within half a document of its share, except that a
    small stratum whose share rounds to zero still gets one: agreement on it is measured at all.
    """
    if overlap <= 0 or stratum_size == 0:
        return 0
    return min(stratum_size, max(1, math.floor(overlap * stratum_size + 0.5)))


def _coder_ids(session, names: list[str]) -> dict[str, int]:
    """The coders' ids, created on first use. On PostgreSQL a lead's role may not add coder rows (the owner adds
    each coder's login role with `cotag team add-coder`): name who is missing instead of a database refusal."""
    from cotag.store.assignments import coder_if_allowed

    ids = {}
    for name in names:
        coder = coder_if_allowed(session, name)
        if coder is None:
            raise CotagError(f"no coder {name!r} on this database, and this role may not add one: the owner "
                             "adds each coder with `cotag team add-coder NAME` (docs/team.md)")
        ids[name] = coder.id
    return ids


def new_coders(session, names: Iterable[str]) -> list[str]:
    """The names no coder has yet: assign creates them (a plan is made before coders start), and a misspelt name
    would quietly become a coder with documents, so the front ends say which names are new."""
    from cotag.store.coders import get_coder

    return [name for name in names if get_coder(session, name=name) is None]


def check_coders(coders: Iterable[str]) -> list[str]:
    names = [c.strip() for c in coders if c and c.strip()]
    if not names:
        raise CotagError("--coders needs at least one coder's name")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CotagError(f"--coders names {', '.join(duplicates)} more than once")
    if "consensus" in names:
        raise CotagError("'consensus' is the lead's consensus coding, not a coder to assign documents to")
    return names


def plan_assignments(candidates: Iterable[Candidate], coders: Iterable[str], *, overlap: float = 0.0,
                     seed: int = 0) -> Plan:
    """The same documents, coders, overlap and seed always give the same plan, whatever the input order."""
    names = check_coders(coders)
    if not 0 <= overlap <= 1 or math.isnan(overlap):
        raise CotagError(f"--overlap {overlap} is not a share between 0 and 1 (0.2 = a fifth of the documents)")
    if overlap > 0 and len(names) < 2:
        raise CotagError(f"--overlap {overlap:g} asks for documents every coder codes, to measure agreement: that "
                         f"needs two coders or more, and --coders names only {names[0]}")
    by_document: dict[str, str] = {}
    for candidate in candidates:
        by_document[candidate.document] = candidate.stratum or ""
    rng = random.Random(seed)
    strata: dict[str, list[str]] = {}
    for document in sorted(by_document):
        strata.setdefault(by_document[document], []).append(document)
    plan = Plan(coders=names, overlap=overlap, seed=seed, strata=strata)
    for stratum in sorted(strata):
        members = strata[stratum]
        plan.overlap_documents.update(rng.sample(members, overlap_size(len(members), overlap)))
    for document in sorted(plan.overlap_documents):
        plan.documents[document] = list(names)
    singles = [d for d in sorted(by_document) if d not in plan.overlap_documents]
    rng.shuffle(singles)
    # Dealt round the table from a seeded starting order: the counts differ by at most one.
    order = list(names)
    rng.shuffle(order)
    for index, document in enumerate(singles):
        plan.documents[document] = [order[index % len(order)]]
    return plan


# ---------------------------------------------------------------- stored plans

def _scope(session, *, documents: Optional[list[str]], group: Optional[str], stratify: Optional[str],
           unassigned: bool = False, round_name: str = "") -> list[Candidate]:
    from cotag.store import assignments as store

    rows = store.documents_in_scope(session, group=group)
    if unassigned:
        # Those no other round has planned (this round's own are re-planned as usual): the main round after a pilot.
        taken = {row["document"] for row in store.live(session) if row["round"] != round_name}
        rows = {d: v for d, v in rows.items() if d not in taken}
    if documents is not None:
        missing = [d for d in documents if d not in rows]
        if missing:
            raise CotagError(f"no document {', '.join(map(repr, missing))}"
                             + (f" in group {group!r}" if group is not None else "")
                             + " (see `cotag documents list`)")
        rows = {d: rows[d] for d in documents}
    if not rows:
        raise CotagError("no documents in scope to assign" + (f" (group {group!r})" if group is not None else "")
                         + (" that another round has not planned (--unassigned)" if unassigned else ""))

    def stratum(grp: str, attrs: dict) -> str:
        if stratify is None:
            return ""
        if stratify == "group":
            return grp or ""
        value = attrs.get(stratify)
        return "" if value is None else str(value)

    if stratify not in (None, "group") and not any(stratify in attrs for _, attrs in rows.values()):
        raise CotagError(f"--stratify {stratify!r}: no document in scope has that attribute "
                         "(use 'group' or an attribute shown by `cotag documents list --json`)")
    return [Candidate(d, stratum(grp, attrs)) for d, (grp, attrs) in rows.items()]


def plan_and_store(session, *, coders: list[str], lead: str, overlap: float = 0.0, stratify: Optional[str] = None,
                   documents: Optional[list[str]] = None, group: Optional[str] = None, round_name: str = "",
                   seed: int = 0, dry_run: bool = False, unassigned: bool = False) -> dict[str, Any]:
    """Plan and (unless dry_run) store the assignments; earlier live assignments of these documents in the same
    round are replaced, the replaced ones kept as history."""
    from cotag.store import assignments as store
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    if round_name:
        started = round_for_planning(session, round_name)
        if started and started["documents"] and documents is None and group is None:
            documents = started["documents"]
    require_lead(session, name=lead)
    plan = plan_assignments(_scope(session, documents=documents, group=group, stratify=stratify,
                                   unassigned=unassigned, round_name=round_name), coders,
                            overlap=overlap, seed=seed)
    refuse_practice(session, plan.documents)
    result = {**plan.as_dict(), "round": round_name, "stratify": stratify, "dry_run": dry_run}
    # Documents another round has planned too are coded twice (once per round): said, not refused (a second
    # reading can be meant); --unassigned leaves them out.
    elsewhere: dict[str, set[str]] = {}
    for row in store.live(session):
        if row["round"] != round_name and row["document"] in plan.documents:
            elsewhere.setdefault(row["round"], set()).add(row["document"])
    result["also_in_rounds"] = {r: len(docs) for r, docs in sorted(elsewhere.items())}
    result["new_coders"] = new_coders(session, plan.coders)
    if dry_run:
        session.rollback()
        return result
    ids = _coder_ids(session, plan.coders)
    replaced = store.replace(session, plan={d: [ids[c] for c in cs] for d, cs in plan.documents.items()},
                             overlap=plan.overlap_documents, round_name=round_name, lead=lead)
    log_event(session, kind=ASSIGN, actor=lead,
              payload={"coders": plan.coders, "overlap": overlap, "stratify": stratify, "seed": seed,
                       "round": round_name, "documents": len(plan.documents),
                       "overlap_documents": sorted(plan.overlap_documents), "replaced": replaced})
    result["replaced"] = replaced
    return result


def refuse_practice(session, plan: dict[str, list[str]]) -> None:
    """A trainee's practice document cannot be their study work too: their codings there are practice for good
    (cotag.training), so the assignment would never count. Refused by name, before anything is stored."""
    from cotag.store.training import practice_by_name

    practice = practice_by_name(session)
    clash = sorted((coder, document) for document, coders in plan.items() for coder in coders
                   if (coder, document) in practice)
    if clash:
        listed = ", ".join(f"{document} to {coder}" for coder, document in clash)
        raise CotagError(f"cannot assign {listed}: a trainee's practice document (`cotag train`) stays practice, "
                         "so their codings there would never count; leave the document out (--documents) or give "
                         "it to another coder")


def reassign_document(session, *, document: str, coders: list[str], lead: str, round_name: Optional[str] = None) -> dict[str, Any]:
    """Give one document to other coders (the lead's correction), keeping whether it is in the overlap sample."""
    from cotag.store import assignments as store
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    names = check_coders(coders)
    require_lead(session, name=lead)
    current = store.live_for_document(session, document=document, round_name=round_name)
    if not current:
        raise CotagError(f"document {document!r} has no assignment"
                         + (f" in round {round_name!r}" if round_name is not None else "")
                         + ": plan it with `cotag assign`")
    rounds = sorted({row["round"] for row in current})
    if len(rounds) > 1:
        raise CotagError(f"document {document!r} is assigned in rounds {', '.join(map(repr, rounds))}: "
                         "name one with --round")
    before = sorted({row["coder"] for row in current})
    is_overlap = any(row["overlap"] for row in current)
    if sorted(names) == before:  # nothing to change, nothing to log
        return {"document": document, "round": rounds[0], "from": before, "to": before, "overlap": is_overlap,
                "kept_codings": {}, "unchanged": True, "new_coders": []}
    refuse_practice(session, {document: names})
    added = new_coders(session, names)
    ids = list(_coder_ids(session, names).values())
    store.replace(session, plan={document: ids}, overlap={document} if is_overlap else set(),
                  round_name=rounds[0], lead=lead)
    log_event(session, kind=REASSIGN, actor=lead,
              payload={"document": document, "round": rounds[0], "from": before, "to": names})
    # The codings of a coder taken off the document stay theirs (nothing is lost) and still count in agreement:
    # say so, so the lead can ask them to remove them if the document is to start afresh.
    codings, _ = store.work_in(session, [current[0]["document_id"]])
    kept = {coder: n for (coder, _), n in sorted(codings.items()) if coder in set(before) - set(names)}
    return {"document": document, "round": rounds[0], "from": before, "to": names, "overlap": is_overlap,
            "kept_codings": kept, "unchanged": False, "new_coders": added}


def assignment_table(session, *, coder: Optional[str] = None, round_name: Optional[str] = None) -> list[dict[str, Any]]:
    """One row per document and round: its coders and whether it is in the overlap sample."""
    from cotag.store import assignments as store

    rows = store.live(session, round_name=round_name)
    if coder is not None:
        from cotag.store.coders import require_coder

        require_coder(session, name=coder)  # a misspelt name is an error, not "0 assigned documents"
        theirs = {(row["round"], row["document"]) for row in rows if row["coder"] == coder}
        rows = [row for row in rows if (row["round"], row["document"]) in theirs]
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault((row["round"], row["document"]),
                                 {"document": row["document"], "round": row["round"], "coders": [], "overlap": False})
        entry["coders"].append(row["coder"])
        entry["overlap"] = entry["overlap"] or row["overlap"]
    for entry in table.values():
        entry["coders"].sort()
    return [table[key] for key in sorted(table)]


def coder_plan(session, *, coder_id: int) -> dict[int, str]:
    """document id -> "assigned" or "training" for this coder: what the library lists first."""
    from cotag.store import assignments as store
    from cotag.store import training as training_store

    plan = {d: "assigned" for d in store.document_ids_for_coder(session, coder_id=coder_id)}
    for row in training_store.for_coder(session, coder_id=coder_id):
        plan[row["document_id"]] = "training"
    return plan


# ---------------------------------------------------------------- progress

def work_progress(session, *, round_name: Optional[str] = None) -> dict[str, Any]:
    """Per assigned coder: documents assigned, started (any live coding), done (marked done), codings in them;
    and who codes which documents of the overlap sample. On PostgreSQL a coder's role counts only what it may
    see: its own."""
    from cotag.dashboard import active_time
    from cotag.store import assignments as store
    from cotag.store import progress as progress_store

    rows = store.live(session, round_name=round_name)
    started = _get_round(session, round_name) if round_name else None
    if round_name and not rows and started is None:
        # A misspelt round is an error, not "no assignments in round 'pilto'" (a round exists once started or
        # planned into).
        known = sorted({r.name for r in store.all_rounds(session)} | {a["round"] for a in store.live(session)} - {""})
        raise CotagError(f"no round {round_name!r}" + (f" (rounds: {', '.join(known)})" if known else
                                                        " (no rounds yet: `cotag round start NAME`)"))
    codings, done = store.work_in(session, sorted({row["document_id"] for row in rows}))
    times = progress_store.action_times(session, actors=sorted({row["coder"] for row in rows}))
    if started is not None:
        # A round's time is what the coders spent while it was open (actions carry no round of their own).
        times = {actor: [at for at in ats if at >= started.started_at
                         and (started.closed_at is None or at <= started.closed_at)] for actor, ats in times.items()}
    coders: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = coders.setdefault(row["coder"], {"assigned": 0, "started": 0, "done": 0, "codings": 0})
        key = (row["coder"], row["document_id"])
        entry["assigned"] += 1
        entry["started"] += key in codings
        entry["done"] += key in done
        entry["codings"] += codings.get(key, 0)
    overlap_documents = sorted({row["document"] for row in rows if row["overlap"]})
    overlap_coders = sorted({row["coder"] for row in rows if row["overlap"]})
    # Alpha so far is over the overlap coders who have coded in the sample: one who has not started yet would
    # otherwise make it not computable for everyone (the core refuses a named coder with nothing in scope).
    overlap_started = sorted({row["coder"] for row in rows
                              if row["overlap"] and (row["coder"], row["document_id"]) in codings})
    # Time spent: active time from the coder's recorded actions (cotag.dashboard.active_time), in seconds.
    return {"round": round_name, "coders": [{"coder": c, **coders[c],
                                             "time_spent": active_time(times.get(c, [])).total_seconds()}
                                            for c in sorted(coders)],
            "rounds": round_progress(rows, done, round_table(session), round_name=round_name),
            "overlap_documents": overlap_documents, "overlap_coders": overlap_coders,
            "overlap_started": overlap_started}


def coders_with_work(session, *, coders: list[str], documents: list[str], unfinished: bool) -> list[str]:
    """Those of the coders who have work among these documents: a document marked done, or (unfinished) any live
    coding in it. A trainee's practice is not work (store.plain_reads leaves it out)."""
    from cotag.store import plain_reads
    from cotag.store.assignments import document_and_coder_ids

    document_ids, coder_ids = document_and_coder_ids(session, documents=documents, coders=coders)
    pairs = plain_reads.done_pairs(session, coder_ids=coder_ids.values())
    if unfinished:
        pairs |= plain_reads.coded_pairs(session, coder_ids=coder_ids.values())
    wanted = set(document_ids.values())
    busy = {c for c, d in pairs if d in wanted}
    return sorted(name for name, coder_id in coder_ids.items() if coder_id in busy)


NO_ROUND = "(no round)"


def round_progress(rows: list[dict[str, Any]], done: set[tuple[str, int]], started: list[dict[str, Any]], *,
                   round_name: Optional[str] = None) -> list[dict[str, Any]]:
    """Per round, what is left: its documents, assignments (one per coder and document), those marked done, those
    left, the documents some coder has still to finish, and documents of the round nobody is assigned.

    The started rounds come first, in the order they started (closed ones too: a late document may still be
    left there); then labels `cotag assign --round` used without `cotag round start`, and the assignments made
    without a round, as NO_ROUND: every live assignment is in exactly one row."""
    labels = [entry["round"] for entry in started]
    labels += sorted({row["round"] for row in rows} - set(labels))
    if round_name is not None:
        labels = [label for label in labels if label == round_name]
    by_name = {entry["round"]: entry for entry in started}
    out = []
    for label in labels:
        theirs = [r for r in rows if r["round"] == label]
        entry = by_name.get(label)
        documents = set(entry["documents"]) if entry else set()
        documents |= {r["document"] for r in theirs}
        unfinished = {r["document"] for r in theirs if (r["coder"], r["document_id"]) not in done}
        finished = sum((r["coder"], r["document_id"]) in done for r in theirs)
        out.append({"round": label or NO_ROUND, "started": entry is not None,
                    "closed": bool(entry and entry["closed_at"] is not None),
                    "documents": len(documents), "assignments": len(theirs), "done": finished,
                    "left": len(theirs) - finished, "documents_left": len(unfinished),
                    "unassigned": len(documents - {r["document"] for r in theirs})})
    return out


# ---------------------------------------------------------------- rounds

ROUND_START = "round.start"
ROUND_CLOSE = "round.close"


def _get_round(session, name: str):
    from cotag.store.assignments import get_round

    return get_round(session, name)


def open_round(session, *, name: str, lead: str, documents: Optional[list[str]] = None) -> dict[str, Any]:
    """Open a named round now; its documents are those named here and those `cotag assign --round` gives it."""
    from cotag.store import assignments as store
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    name = (name or "").strip()
    if not name:
        raise CotagError("a round needs a name")
    require_lead(session, name=lead)
    existing = _get_round(session, name)
    if existing is not None:
        raise CotagError(f"round {name!r} was already started ({existing.started_at:%Y-%m-%d %H:%M} UTC"
                         + (f", closed {existing.closed_at:%Y-%m-%d %H:%M}" if existing.closed_at else "")
                         + "): choose another name")
    documents = list(dict.fromkeys(documents or []))
    if documents:
        known = store.known_documents(session, documents)
        missing = [d for d in documents if d not in known]
        if missing:
            raise CotagError(f"no document {', '.join(map(repr, missing))} (see `cotag documents list`)")
    row = store.add_round(session, name=name, documents=documents, lead=lead)
    log_event(session, kind=ROUND_START, actor=lead, payload={"round": name, "documents": documents})
    return _round_dict(row)


def end_round(session, *, name: str, lead: str) -> dict[str, Any]:
    from cotag.store import assignments as store
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    require_lead(session, name=lead)
    row = _get_round(session, name)
    if row is None:
        raise CotagError(f"no round {name!r} (start it with `cotag round start {name}`)")
    if row.closed_at is not None:
        raise CotagError(f"round {name!r} was already closed at {row.closed_at:%Y-%m-%d %H:%M} UTC")
    store.close_round(session, row, lead=lead)
    log_event(session, kind=ROUND_CLOSE, actor=lead, payload={"round": name})
    return _round_dict(row)


def _round_dict(row) -> dict[str, Any]:
    return {"round": row.name, "documents": list(row.documents or []), "started_at": row.started_at,
            "started_by": row.started_by, "closed_at": row.closed_at, "closed_by": row.closed_by or None}


def round_table(session) -> list[dict[str, Any]]:
    """Every round in the order it started, with its documents: those named at the start and those assigned in it."""
    from cotag.store import assignments as store

    from cotag.store.events import list_events

    rows = store.all_rounds(session)
    assigned = store.live(session)
    # The latest plan of each round (its share, stratification and seed), for the methods paragraph.
    plans = {e.payload.get("round", ""): e.payload for e in list_events(session, kind=ASSIGN)}
    out = []
    for row in rows:
        entry = _round_dict(row)
        theirs = [a for a in assigned if a["round"] == row.name]
        entry["documents"] = sorted(set(entry["documents"]) | {a["document"] for a in theirs})
        entry["coders"] = sorted({a["coder"] for a in theirs})
        entry["overlap_documents"] = sorted({a["document"] for a in theirs if a["overlap"]})
        plan = plans.get(row.name) or {}
        entry["plan"] = {k: plan.get(k) for k in ("overlap", "stratify", "seed")} if plan else None
        out.append(entry)
    return out


def round_for_planning(session, name: str) -> Optional[dict[str, Any]]:
    """The round `cotag assign --round NAME` plans into: refused when closed; None when never started."""
    row = _get_round(session, name)
    if row is None:
        return None
    if row.closed_at is not None:
        raise CotagError(f"round {name!r} was closed at {row.closed_at:%Y-%m-%d %H:%M} UTC: start a new round "
                         "to assign more documents")
    return _round_dict(row)


POOLED = "(pooled)"


def _estimate(row: Any) -> tuple[Optional[float], Optional[tuple[float, float]]]:
    """A code row's (or a view's pooled) alpha and its bootstrap interval, when there is one."""
    value = row.alpha.value if hasattr(row, "alpha") else row.pooled.value
    ci = row.ci if hasattr(row, "alpha") else row.pooled_ci
    return value, (ci.lo, ci.hi) if ci is not None and ci.lo is not None and ci.hi is not None else None


def change_interval(before: Optional[tuple[float, float]], after: Optional[tuple[float, float]],
                    change: float) -> Optional[tuple[float, float]]:
    """An approximate 95% interval of the change of alpha between two rounds.

    The rounds code different documents, so their bootstraps are independent: each percentile interval is read
    as +-1.96 standard errors and the errors add in quadrature. Approximate (a skewed interval is treated as
    symmetric); it says whether a drift is larger than the rounds' own sampling noise."""
    if before is None or after is None:
        return None
    se = math.hypot((before[1] - before[0]) / 3.92, (after[1] - after[0]) / 3.92)
    return change - 1.96 * se, change + 1.96 * se


def drift(blocks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """code -> [{from, to, before, after, before_ci, after_ci, change, change_ci}] between consecutive rounds
    (change None when either alpha is undefined; intervals None without a bootstrap). POOLED is the pooled alpha
    over the codes with variation."""
    estimates: list[dict[str, tuple[Optional[float], Optional[tuple[float, float]]]]] = []
    for block in blocks:
        view = block["report"].views["all"] if block["report"] else None
        per_round = {row.code: _estimate(row) for row in view.rows} if view else {}
        if view:
            per_round[POOLED] = _estimate(view)
        estimates.append(per_round)
    codes = sorted({code for per_round in estimates for code in per_round} - {POOLED})
    out: dict[str, list[dict[str, Any]]] = {}
    for code in ([POOLED] if any(POOLED in e for e in estimates) else []) + codes:
        steps = []
        for (a, b), (first, second) in zip(zip(blocks, blocks[1:]), zip(estimates, estimates[1:])):
            (x, x_ci), (y, y_ci) = first.get(code, (None, None)), second.get(code, (None, None))
            change = None if x is None or y is None else y - x
            steps.append({"from": a["round"], "to": b["round"], "before": x, "after": y,
                          "before_ci": x_ci, "after_ci": y_ci, "change": change,
                          "change_ci": None if change is None else change_interval(x_ci, y_ci, change)})
        out[code] = steps
    return out
