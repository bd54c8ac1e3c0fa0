"""The lead's dashboard: where the team is, per coder and per round, and agreement so far.

Per coder: documents assigned / started / done and codings (as `cotag progress`), time spent, and alpha so far
on the overlap sample: the mean of the coder's pairwise alphas with each other coder of the sample (the same
reliability core as `cotag agreement`, codings so far counting). Per round: documents, assignments, those done,
and what is left. Pure reading; the screen computes it in a worker. The use case that gathers it
(services.team.dashboard) reads the project; this module holds the rule for time spent.

Time spent is active time: the gaps between a coder's consecutive recorded actions (codings, memos, marking
done), each counted up to IDLE_CAP, so a coffee break or a night does not count.
"""

from __future__ import annotations

from datetime import timedelta

IDLE_CAP = timedelta(minutes=5)


def active_time(times: list) -> timedelta:
    """Sum of the gaps between consecutive actions, each capped at IDLE_CAP."""
    total = timedelta()
    for before, after in zip(times, times[1:]):
        total += min(after - before, IDLE_CAP)
    return total
