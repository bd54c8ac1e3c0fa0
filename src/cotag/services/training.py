"""Use cases of training a coder against the consensus: the lead gives a trainee practice documents, and the
trainee's score per code on them (cotag.training says how practice stays out of the study).

Each opens one transaction around the domain function of the same name in cotag.training.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cotag.project import Project


def train(project: Project, *, coder: str, documents: list[str], lead: str) -> dict[str, Any]:
    """Give the trainee these documents to practise on; every one must have a consensus (all or nothing)."""
    from cotag.training import train as give

    with project.session() as session:
        return give(session, coder=coder, documents=documents, lead=lead)


def report(project: Project, *, coder: str, kind: str = "sentence") -> dict[str, Any]:
    """The trainee's score per code against the consensus on their practice documents, with each miss."""
    from cotag.training import report as score

    with project.session() as session:
        return score(session, coder=coder, kind=kind)
