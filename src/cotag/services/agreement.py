"""Use cases on agreement: the report, the coders the agreement screen compares, simulated coders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from cotag.demo.simulate import SimulationReport
    from cotag.project import Project
    from cotag.reliability.disagreements import ProjectAgreement, UnitDisagreement
    from cotag.reliability.units import OverlapRule, Selection, Unitised

AGREEMENT_CODERS_EVENT = "agreement.coders"


def agreement_report(project: Project, selection: Selection | None = None, *, kind: str = "sentence",
                     rule: OverlapRule | None = None, include_interviewer: bool = False,
                     **report_options: Any) -> ProjectAgreement:
    """Read the project's codings, unitise them and build the agreement report (what the CLI and the
    agreement screen show). `report_options` (bootstrap, seed, cluster, bootstrap_method) are
    reliability.disagreements.agreement_of's.

    The codings are read in one transaction and the report (bootstrap included) is built after it ends.
    Raises CotagError (from `load_unitised`) when fewer than two coders coded a common document, or a named
    coder, code or document does not exist."""
    from cotag.reliability.disagreements import agreement_of
    from cotag.reliability.units import Selection, load_unitised

    # A plain connection: these reads need no ORM, whose import was a third of the command's start-up (issue #14).
    with project.reading() as connection:
        data = load_unitised(connection, selection if selection is not None else Selection(), kind=kind, rule=rule,
                             include_interviewer=include_interviewer)
    return agreement_of(data, **report_options)


def unit_disagreements(project: Project, data: Unitised, code: str) -> list[UnitDisagreement]:
    """The units on which the coders part ways over one code, located in the store (unit index and text)."""
    from cotag.reliability.disagreements import disagreeing_units, locate

    items = disagreeing_units(data, code)
    with project.session() as session:
        return locate(session, items)


def agreement_coders(project: Project) -> tuple[str, ...] | None:
    """The coders last chosen on the agreement screen, or None for the default (every coder who is not a lead).

    The choice lives in the audit trail, so it is the project's (every machine on a team database sees it)
    and the log shows who narrowed the comparison and when. Names of coders since removed are dropped.
    """
    from cotag.store.coders import list_coders
    from cotag.store.events import latest_event

    with project.session() as session:
        event = latest_event(session, kind=AGREEMENT_CODERS_EVENT)
        if event is None or not event.payload.get("coders"):
            return None
        known = {c.name for c in list_coders(session)}
    chosen = tuple(n for n in event.payload["coders"] if n in known)
    return chosen if len(chosen) >= 2 else None


def remember_agreement_coders(project: Project, *, coders: tuple[str, ...] | None, actor: str = "") -> None:
    """Remember the agreement screen's coders for the project (None: back to the default set)."""
    from cotag.store.events import log_event

    with project.session() as session:
        log_event(session, kind=AGREEMENT_CODERS_EVENT, actor=actor, payload={"coders": list(coders or [])})


def simulate_coders(project: Project, names: Sequence[str], *, noise: float, documents: int | None, seed: int,
                    reference: Path | None = None) -> SimulationReport:
    """Simulated coders from the reference coding, with controlled noise (one transaction)."""
    from cotag.demo.simulate import simulate_coders as simulate

    with project.session() as session:
        return simulate(session, names, noise=noise, documents=documents, seed=seed, reference=reference)


def simulate_assigned(project: Project, names: Sequence[str], *, noise: float, seed: int,
                      reference: Path | None = None, round_name: str | None = None) -> list[SimulationReport]:
    """Each simulated coder codes the documents assigned to them (in one round, or any), and a trainee their
    training documents: a stand-in for coders working through their documents in the app (docs/process.md).
    One transaction per coder."""
    from cotag.assignments import assignment_table
    from cotag.demo.simulate import simulate_coders as simulate
    from cotag.errors import CotagError
    from cotag.store import training as training_store
    from cotag.store.coders import get_coder

    if not names:
        raise CotagError("name at least one coder to simulate")
    reports = []
    for name in names:
        with project.session() as session:
            coder = get_coder(session, name=name)
            practice = ([] if coder is None or coder.id is None or round_name is not None else
                        [row["document"] for row in training_store.for_coder(session, coder_id=coder.id)])
            assigned = [] if coder is None else assignment_table(session, coder=name, round_name=round_name)
            documents = [row["document"] for row in assigned] + practice
            if not documents:
                raise CotagError(f"{name} has no assigned documents" + (f" in round {round_name!r}" if round_name
                                                                         else " and none to train on")
                                 + " (see `cotag assignments`)")
            reports.append(simulate(session, [name], noise=noise, seed=seed, reference=reference,
                                    document_ids=documents))
    return reports
