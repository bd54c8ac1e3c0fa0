"""What the lead reads about the team's process: the dashboard's rule for time spent, and the rendering of
`cotag agreement --by-round` (each code's alpha per round and its drift, and the methods paragraph on the rounds).

The lead's dashboard: where the team is, per coder and per round, and agreement so far.

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


# ---------------------------------------------------------------- rounds: the drift table and the methods paragraph
# `cotag agreement --by-round` prints what services.team.agreement_by_round computed: one report per round (the
# reliability core's own rendering), then these.

def _alpha(value, ci) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")


def _change(step: dict) -> str:
    if step["change"] is None:
        return "n/a"
    ci = step["change_ci"]
    return f"{step['change']:+.3f}" + (f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else "")


def drift_table(data: dict, *, markdown: bool = False) -> str:
    """Each code's alpha per round with its 95% interval, and the change between consecutive rounds (a Markdown
    table with `markdown`)."""
    rounds = [b["round"] for b in data["rounds"]]
    drift = data["drift"]
    if len(rounds) < 2 or not drift:
        return ""
    head = ["code"] + rounds + [f"{a}->{b}" for a, b in zip(rounds, rounds[1:])]
    lines = []
    for code, steps in drift.items():
        alphas = [_alpha(steps[0]["before"], steps[0]["before_ci"])]
        alphas += [_alpha(s["after"], s["after_ci"]) for s in steps]
        lines.append([code] + alphas + [_change(s) for s in steps])
    title = ("drift: each code's alpha per round [95% interval] and its change between consecutive rounds "
             "[approximate 95% interval]")
    if markdown:
        out = [f"# {title[0].upper()}{title[1:]}", "", "| " + " | ".join(head) + " |",
               "|" + "---|" * len(head)] + ["| " + " | ".join(row) + " |" for row in lines]
    else:
        widths = [max(len(row[i]) for row in [head] + lines) for i in range(len(head))]
        out = [f"== {title} =="] + ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                                    for row in [head] + lines]
    if not any(s["change_ci"] for steps in drift.values() for s in steps):
        out.append("(no intervals: run with --bootstrap N, N > 0)")
    return "\n".join(out) + "\n"


def _date(at) -> str:
    return f"{at:%d %B %Y}".lstrip("0") if at is not None else ""


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "nobody"


def rounds_methods(data: dict) -> str:
    """A paragraph for a methods section on the rounds: when each ran, what was planned in it (share of the
    documents double coded, stratification, seed), who coded, pooled alpha per round with its interval, and the
    drift between rounds (overall and the codes that moved most)."""
    blocks = data["rounds"]
    parts = [f"Coding proceeded in {len(blocks)} round{'s' if len(blocks) != 1 else ''}, planned in cotag: "
             "in each, every document was assigned to one coder by a seeded random plan with balanced workloads, "
             "and a random sample of the documents was coded by every coder of the round to measure agreement."]
    for block in blocks:
        span = (f"from {_date(block['started_at'])} to {_date(block['closed_at'])}" if block["closed_at"]
                else f"from {_date(block['started_at'])}, still open")
        overlap = block.get("overlap_documents") or []
        plan = block.get("plan") or {}
        how = ""
        if plan.get("overlap") is not None:
            how = f" (a share of {plan['overlap']:g}" + (f", stratified by {plan['stratify']}" if plan.get("stratify")
                                                          else "") + f"; seed {plan.get('seed')})"
        text = (f"Round {block['round']} ran {span}: {len(block['documents'])} document"
                f"{'s' if len(block['documents']) != 1 else ''}, coded by {_names(block.get('coders') or [])}; "
                f"{len(overlap)} of them {'was' if len(overlap) == 1 else 'were'} coded by every coder{how}.")
        report = block["report"]
        if report is None:
            text += f" Agreement could not be computed for it ({block['reason']})."
        else:
            view = report.views["all"]
            ci = view.pooled_ci
            interval = (f" (95% interval {ci.lo:.3f} to {ci.hi:.3f}, {report.bootstrap} bootstrap replicates)"
                        if ci is not None and ci.lo is not None and ci.hi is not None else "")
            pooled = (f"{view.pooled.value:.3f}{interval}" if view.pooled.value is not None
                      else f"undefined ({view.pooled.undefined_reason})")
            text += (f" Pooled Krippendorff's alpha over the {view.pooled_codes} codes with variation, with the "
                     f"{report.kind} as the unit, was {pooled}.")
        parts.append(text)
    from cotag.assignments import POOLED

    for step in data["drift"].get(POOLED, []):
        if step["change"] is None:
            continue
        ci = step["change_ci"]
        parts.append(f"From {step['from']} to {step['to']}, pooled alpha changed by {step['change']:+.3f}"
                     + (f" (approximate 95% interval {ci[0]:+.3f} to {ci[1]:+.3f}, from the two rounds' independent "
                        "bootstraps)" if ci else "") + ".")
        moved = sorted(((code, steps) for code, steps in data["drift"].items() if code != POOLED),
                       key=lambda item: -abs(next((s["change"] or 0 for s in item[1]
                                                   if s["from"] == step["from"]), 0)))
        shown = [f"{code} {s['change']:+.3f}" for code, steps in moved for s in steps
                 if s["from"] == step["from"] and s["change"] is not None and abs(s["change"]) >= 0.1]
        if shown:
            parts.append(f"Codes whose alpha changed by 0.1 or more: {'; '.join(shown)}.")
    return " ".join(parts) + "\n"
