"""Use cases of working as a team: coders and roles, assignments and rounds, merging, the audit trail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cotag.coderfile import Bundle
    from cotag.merge import MergeReport
    from cotag.project import Project


def audit_trail(project: Project, *, since: datetime | None = None, actor: str | None = None,
                kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The audit trail, oldest first: who did what, when."""
    from cotag.store.events import event_table

    with project.session() as session:
        return event_table(session, since=since, actor=actor, kind=kind, limit=limit)


def add_coder(project: Project, *, name: str, lead: bool = False, password: str | None = None) -> dict[str, Any]:
    """A coder's PostgreSQL login role with its grants, and the coder in the project (run as the database owner):
    one transaction, the server's refusal said in one sentence."""
    from cotag import team
    from cotag.store.roles import DatabaseError

    team.require_postgres(project)
    name = team.checked_role_name(name)
    try:
        with project.session() as session:
            result = team.set_up_role(session, name=name, lead=lead, password=password)
    except DatabaseError as exc:
        raise team.role_refused(name, exc) from None
    return {**result, "url": team.coder_url(project, name)}


def set_role(project: Project, *, name: str, lead: bool, by: str = "") -> dict[str, Any]:
    """Make a coder a lead, or a lead a plain coder: the owner's explicit act, logged.

    On PostgreSQL the role's grants must change with it, so the role is set up again (add_coder); on SQLite
    the Coder row changes."""
    from cotag import team
    from cotag.store.events import log_event
    from cotag.store.models import ROLE_CODER, ROLE_LEAD

    if project.engine.dialect.name == "postgresql":
        role = ROLE_LEAD if lead else ROLE_CODER
        result = add_coder(project, name=name, lead=lead)
        before = result["previous_role"]
        if before != role:
            with project.session() as session:
                log_event(session, kind="coder.role", actor=by,
                          payload={"coder": result["name"], "from": before, "to": role})
        return {**result, "changed": before != role}
    with project.session() as session:
        return team.change_role(session, name=name, lead=lead, by=by)


def coders(project: Project) -> list[dict[str, Any]]:
    """Each coder, their role, and whether a database role of that name may log in."""
    from cotag import team

    with project.session() as session:
        return team.coder_table(session, postgres=project.engine.dialect.name == "postgresql")


def default_lead(project: Project, lead: str | None, *, command: str) -> str:
    """The lead a process command acts as: the one named (--lead or COTAG_LEAD), else the project's only lead.

    With no lead or several, the command says how to name one: a new name given to --lead becomes a lead."""
    from cotag.errors import CotagError
    from cotag.store.coders import list_coders
    from cotag.store.models import ROLE_LEAD

    if lead:
        return lead
    with project.session() as session:
        leads = [c.name for c in list_coders(session) if c.role == ROLE_LEAD]
    if len(leads) == 1:
        return leads[0]
    raise CotagError(f"{command} is the lead's: name the lead with --lead NAME (or COTAG_LEAD)"
                     + (f"; this project's leads are {', '.join(leads)}" if leads
                        else "; the project has no lead yet, and the name you give becomes its lead"))


# ---------------------------------------------------------------- assignments and rounds
# The plan itself is pure (cotag.assignments.plan_assignments); these store and read it, each in one transaction.

def assign(project: Project, *, coders: list[str], lead: str, overlap: float = 0.0, stratify: str | None = None,
           documents: list[str] | None = None, group: str | None = None, round_name: str = "", seed: int = 0,
           dry_run: bool = False, unassigned: bool = False) -> dict[str, Any]:
    """Plan who codes which document and (unless dry_run) store the plan; earlier live assignments of these
    documents in the same round are replaced (kept as history). Logged."""
    from cotag.assignments import plan_and_store

    with project.session() as session:
        return plan_and_store(session, coders=coders, lead=lead, overlap=overlap, stratify=stratify,
                              documents=documents, group=group, round_name=round_name, seed=seed, dry_run=dry_run,
                              unassigned=unassigned)


def coder_plan(project: Project, *, coder_id: int | None) -> dict[int, str]:
    """document id -> "assigned" or "training" for this coder (none for no coder): what the library lists first."""
    from cotag.assignments import coder_plan as plan

    if coder_id is None:
        return {}
    with project.session() as session:
        return plan(session, coder_id=coder_id)


def reassign(project: Project, *, document: str, coders: list[str], lead: str,
             round_name: str | None = None) -> dict[str, Any]:
    """Give one document to other coders, keeping whether it is in the overlap sample."""
    from cotag.assignments import reassign_document

    with project.session() as session:
        return reassign_document(session, document=document, coders=coders, lead=lead, round_name=round_name)


def list_assignments(project: Project, *, coder: str | None = None,
                     round_name: str | None = None) -> list[dict[str, Any]]:
    """One row per document and round: its coders and whether it is in the overlap sample."""
    from cotag.assignments import assignment_table

    with project.session() as session:
        return assignment_table(session, coder=coder, round_name=round_name)


def progress(project: Project, *, round_name: str | None = None) -> dict[str, Any]:
    """Per assigned coder: assigned, started, done, codings, time spent and alpha so far (the mean of their pairwise
    alphas with each other coder on the overlap sample); alpha so far on the overlap sample pooled; per round, what
    is left. What `cotag progress` prints and the lead's dashboard shows."""
    from itertools import combinations

    from cotag.assignments import work_progress

    with project.session() as session:
        counts = work_progress(session, round_name=round_name)
    overlap = overlap_agreement(project, coders=counts["overlap_coders"], documents=counts["overlap_documents"],
                                started=counts["overlap_started"])
    pairs: dict[tuple[str, str], float | None] = {}
    if overlap["alpha"] is not None:
        for a, b in combinations(overlap["coders"], 2):
            pairs[(a, b)] = pair_alpha(project, (a, b), overlap["documents"])
    coders = []
    for row in counts["coders"]:
        mine = [v for (a, b), v in pairs.items() if row["coder"] in (a, b) and v is not None]
        coders.append({**row, "alpha": sum(mine) / len(mine) if mine else None})
    return {"round": counts["round"], "coders": coders, "rounds": counts["rounds"], "overlap": overlap,
            "pairs": [{"coders": list(k), "alpha": v} for k, v in pairs.items()]}


def overlap_agreement(project: Project, *, coders: list[str], documents: list[str],
                      started: list[str] | None = None) -> dict[str, Any]:
    """Alpha so far on the overlap sample, from the reliability core; when it cannot be computed, why.

    `started`: those of the coders who have coded in the sample so far (None: all of them). Alpha is theirs; a
    coder who has not begun leaves it to the others rather than making it not computable."""
    from cotag.errors import CotagError
    from cotag.reliability.units import Selection
    from cotag.services.agreement import agreement_report

    out: dict[str, Any] = {"documents": documents, "coders": coders, "alpha": None, "codes": {}, "reason": None}
    if not documents:
        out["reason"] = "no overlap sample (plan one with `cotag assign --overlap`)"
        return out
    if len(coders) < 2:
        out["reason"] = ("fewer than two coders on the overlap sample"
                         + (" that this role may see (a coder sees only their own assignments)" if coders else ""))
        return out
    active = [c for c in coders if started is None or c in started]
    if len(active) < 2:
        out["reason"] = (f"fewer than two of the overlap sample's coders have coded in it yet "
                         f"({', '.join(active) if active else 'none'} of {', '.join(coders)})")
        return out
    out["coders"] = active
    try:
        # Codings so far count: a document a coder has started is in, not only those marked done.
        result = agreement_report(project, Selection(coders=tuple(active), documents=tuple(documents),
                                                     include_unfinished=True))
    except CotagError as exc:
        out["reason"] = str(exc)
        return out
    view = result.report.views["all"]
    out["alpha"] = view.pooled.value
    out["reason"] = view.pooled.undefined_reason
    out["codes"] = {row.code: row.alpha.value for row in view.rows}
    return out


def start_round(project: Project, *, name: str, lead: str, documents: list[str] | None = None) -> dict[str, Any]:
    """Open a named round now (logged)."""
    from cotag.assignments import open_round

    with project.session() as session:
        return open_round(session, name=name, lead=lead, documents=documents)


def close_round(project: Project, *, name: str, lead: str) -> dict[str, Any]:
    """Close a round (logged); no more documents are assigned in it."""
    from cotag.assignments import end_round

    with project.session() as session:
        return end_round(session, name=name, lead=lead)


def rounds(project: Project) -> list[dict[str, Any]]:
    """Every round in the order it started, with its documents."""
    from cotag.assignments import round_table

    with project.session() as session:
        return round_table(session)


def agreement_by_round(project: Project, selection: Any, **options: Any) -> dict[str, Any]:
    """The agreement report per round (its documents, within the selection's), and each code's drift: the change
    of its alpha from one round to the next where both are defined."""
    from dataclasses import replace

    from cotag.assignments import drift
    from cotag.errors import CotagError
    from cotag.services.agreement import agreement_report

    from cotag.assignments import coders_with_work

    blocks = []
    for entry in rounds(project):
        documents = entry["documents"]
        if selection.documents is not None:
            documents = [d for d in documents if d in selection.documents]
        block = {**entry, "documents": documents, "report": None, "reason": None}
        chosen = selection
        if selection.coders is None and documents:
            # A round's agreement is its coders': those assigned in it who have coded (or, without
            # --include-unfinished, finished) one of its documents; not whoever else happened to code there.
            with project.session() as session:
                working = coders_with_work(session, coders=entry["coders"], documents=documents,
                                           unfinished=selection.include_unfinished)
            if len(working) >= 2:
                chosen = replace(selection, coders=tuple(working))
        block["compared"] = list(chosen.coders) if chosen.coders is not None else None
        if not documents:
            block["reason"] = "no documents in this round" + (" within --documents" if selection.documents else "")
        else:
            try:
                block["report"] = agreement_report(project, replace(chosen, documents=tuple(documents)),
                                                   **options).report
            except CotagError as exc:
                block["reason"] = str(exc)
        blocks.append(block)
    if not blocks:
        raise CotagError("no rounds yet: start one with `cotag round start NAME`")
    return {"rounds": blocks, "drift": drift(blocks)}


# ---------------------------------------------------------------- the lead's dashboard

def pair_alpha(project: Project, coders: tuple[str, str], documents: list[str]) -> float | None:
    """Two coders' pooled alpha on the overlap documents, codings so far counting; None when undefined."""
    from cotag.errors import CotagError
    from cotag.reliability.units import Selection
    from cotag.services.agreement import agreement_report

    try:
        result = agreement_report(project, Selection(coders=coders, documents=tuple(documents),
                                                      include_unfinished=True))
    except CotagError:
        return None
    return result.report.views["all"].pooled.value


def dashboard(project: Project, *, round_name: str | None = None) -> dict[str, Any]:
    """Everything the lead's dashboard shows (cotag.dashboard describes it), as plain data: `cotag progress`'s."""
    return progress(project, round_name=round_name)


# ---------------------------------------------------------------- the coder file

def export_coder_file(project: Project, *, coder: str, path: Path | str) -> dict[str, Any]:
    """Write one coder's work to `path` (gzip'd JSON) for the lead's `cotag merge FILE`; counts for the message.

    The work is read in one transaction, which ends before the file is written."""
    from cotag.coderfile import coder_bundle, write_bundle_file

    with project.session() as session:
        bundle = coder_bundle(session, coder=coder, source=str(project.root), project=project.name)
    return write_bundle_file(bundle, coder=coder, path=path)


# ---------------------------------------------------------------- merging another project or a coder file

def merge(project: Project, source: Path | str | Bundle, *, renames: list[str] | None = None,
          dry_run: bool = False) -> MergeReport:
    """Bring the source's coders' work into `project`; raises MergeRefused on any mismatch, having written nothing.

    PostgreSQL: one transaction. SQLite: everything is checked first, then written a batch of whole documents per
    transaction (cotag.merge.BATCH_CODINGS), so a coder waiting to save a coding waits for one batch, not the whole
    merge; each batch re-reads what is here under the merge's write lock, so a merge stopped part-way, or another
    merge running at the same moment, leaves every coding exactly once, and merging the same source again completes
    it. The source (another project's database, or a coder file) is read before any transaction here opens.
    """
    from cotag import merge as merging
    from cotag.store.database import yield_lock

    bundle, report = merging.prepare(source, target=project, renames=renames, dry_run=dry_run)
    batched = project.engine.dialect.name == "sqlite" and not dry_run
    with project.session() as session:
        if batched:
            merging.bring_in(session, bundle, report, write=False)  # every refusal before the first write
        else:
            merging.lock(session)
            merging.bring_in(session, bundle, report)
        if report.refused:
            raise merging.MergeRefused(merging.refusal_message(report), report)
        if dry_run:
            session.rollback()
            return report
        if not batched:
            merging.log_merge(session, report)
            return report
    parts = merging.batches(bundle)
    for index, part in enumerate(parts):
        if index:
            yield_lock()  # a coder waiting to save a coding gets the lock between batches
        with project.session() as session:
            merging.lock(session)
            done = merging.MergeReport(source=bundle.source)
            merging.bring_in(session, part, done)
            if done.refused:  # only if this project changed under the merge since the check
                raise merging.MergeRefused(merging.refusal_message(done), done)
            merging.add_counts(report, done)
            if index == len(parts) - 1:
                merging.log_merge(session, report)
    return report
