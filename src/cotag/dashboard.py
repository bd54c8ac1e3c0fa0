"""The lead's dashboard: where the team is, per coder and per round, and agreement so far.

Per coder: documents assigned / started / done and codings (as `cotag progress`), time spent, and alpha so far
on the overlap sample: the mean of the coder's pairwise alphas with each other coder of the sample (the same
reliability core as `cotag agreement`, codings so far counting). Per round: documents, assignments, those done,
and what is left. Pure reading; the screen computes it in a worker.

Time spent is active time: the gaps between a coder's consecutive recorded actions (codings, memos, marking
done), each counted up to IDLE_CAP, so a coffee break or a night does not count.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations
from typing import Any, Optional

from cotag.errors import CotagError

IDLE_CAP = timedelta(minutes=5)


def active_time(times: list) -> timedelta:
    """Sum of the gaps between consecutive actions, each capped at IDLE_CAP."""
    total = timedelta()
    for before, after in zip(times, times[1:]):
        total += min(after - before, IDLE_CAP)
    return total


def pair_alpha(project: Any, coders: tuple[str, str], documents: list[str]) -> Optional[float]:
    from cotag.reliability.disagreements import project_agreement
    from cotag.reliability.units import Selection

    try:
        result = project_agreement(project, Selection(coders=coders, documents=tuple(documents),
                                                      include_unfinished=True))
    except CotagError:
        return None
    return result.report.views["all"].pooled.value


def dashboard(project: Any, *, round_name: Optional[str] = None) -> dict[str, Any]:
    """Everything the dashboard shows, as plain data."""
    from cotag import assignments
    from cotag.store import assignments as assignment_store
    from cotag.store import progress as progress_store

    data = assignments.progress(project, round_name=round_name)
    overlap = data["overlap"]
    with project.session() as session:
        live = assignment_store.live(session, round_name=round_name)
        done_pairs = progress_store.done_pairs(session, document_ids=sorted({r["document_id"] for r in live}))
    pairs: dict[tuple[str, str], Optional[float]] = {}
    if len(overlap["coders"]) >= 2 and overlap["documents"]:
        for a, b in combinations(overlap["coders"], 2):
            pairs[(a, b)] = pair_alpha(project, (a, b), overlap["documents"])
    coders = []
    for row in data["coders"]:
        mine = [v for (a, b), v in pairs.items() if row["coder"] in (a, b) and v is not None]
        coders.append({**row, "alpha": sum(mine) / len(mine) if mine else None})
    rounds = []
    for entry in assignments.rounds(project):
        if round_name is not None and entry["round"] != round_name:
            continue
        theirs = [r for r in live if r["round"] == entry["round"]]
        finished = sum((r["coder"], r["document_id"]) in done_pairs for r in theirs)
        rounds.append({"round": entry["round"], "closed": entry["closed_at"] is not None,
                       "documents": len(entry["documents"]), "assignments": len(theirs), "done": finished,
                       "left": len(theirs) - finished,
                       "unassigned": len(set(entry["documents"]) - {r["document"] for r in theirs})})
    return {"round": round_name, "coders": coders, "rounds": rounds, "overlap": overlap,
            "pairs": [{"coders": list(k), "alpha": v} for k, v in pairs.items()]}
