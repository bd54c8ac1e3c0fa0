"""Use cases on agreement: the report, the coders the agreement screen compares, simulated coders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from cotag.demo.simulate import SimulationReport
    from cotag.project import Project
    from cotag.reliability.disagreements import ProjectAgreement

AGREEMENT_CODERS_EVENT = "agreement.coders"


def agreement_report(project: Project, selection: Any = None, **options: Any) -> ProjectAgreement:
    """Read the project's codings, unitise them and build the agreement report (what the CLI and the
    agreement screen show). `options` are those of reliability.disagreements.project_agreement."""
    from cotag.reliability.disagreements import project_agreement
    from cotag.reliability.units import Selection

    return project_agreement(project, selection if selection is not None else Selection(), **options)


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
