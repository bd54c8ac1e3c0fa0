"""The team's process: `cotag assign` (plan who codes what), `cotag reassign`, `cotag assignments`, `cotag progress`,
`cotag round start|close|list`, `cotag train` and `cotag train report`, and the rendering of `agreement --by-round`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cotag.commands.common import DocumentsOption, JsonOption, emit_json, fail, open_project, split_names

RoundOption = typer.Option(None, "--round", metavar="NAME", help="The round (a named batch of assignments).")
# Optional: without it (and COTAG_LEAD) the project's only lead acts (services.team.default_lead).
LeadOption = typer.Option(None, "--lead", "-l", envvar="COTAG_LEAD", metavar="NAME",
                          help="The lead (env COTAG_LEAD; default: the project's only lead).")


def assign(coders: str = typer.Option(..., "--coders", metavar="A,B[,C]", help="The coders to share the documents."),
           lead: Optional[str] = LeadOption,
           overlap: float = typer.Option(0.0, "--overlap", help="Share of the documents every coder codes "
                                                                "(0.2 = a fifth), sampled per stratum."),
           stratify: Optional[str] = typer.Option(None, "--stratify", metavar="ATTR",
                                                  help="Sample the overlap per value of this attribute "
                                                       "(or 'group')."),
           documents: Optional[str] = typer.Option(None, "--documents", metavar="ID,...",
                                                   help="Only these documents (default: all, or --group)."),
           document: Optional[str] = typer.Option(None, "--document", "-d", metavar="ID",
                                                  help="Reassign this one document to --coders."),
           group: Optional[str] = typer.Option(None, "--group", "-g", help="Only the documents of this group."),
           round_name: Optional[str] = RoundOption,
           seed: int = typer.Option(0, "--seed", help="The same seed gives the same plan."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; store nothing."),
           unassigned: bool = typer.Option(False, "--unassigned", help="Only documents no other round has "
                                                                       "planned (e.g. the main round after a pilot)."),
           as_json: bool = JsonOption) -> None:
    """Plan who codes which document: each gets one coder, workloads balanced; the overlap sample gets all."""
    from cotag.services import team as assignments

    names = split_names(coders) or []
    if documents is not None and not split_names(documents):
        fail("--documents needs at least one document id (leave it out for every document)")
    project = open_project()
    lead = assignments.default_lead(project, lead, command="cotag assign")
    if document is not None:
        if documents is not None or group is not None or stratify is not None or overlap or dry_run or unassigned:
            fail("--document reassigns one document: it takes only --coders, --lead and --round")
        result = assignments.reassign(project, document=document, coders=names, lead=lead, round_name=round_name)
        if as_json:
            emit_json(result)
            return
        if result["unchanged"]:
            typer.echo(f"{result['document']}: already {', '.join(result['to'])}'s; nothing changed")
            return
        typer.echo(f"{result['document']}: {', '.join(result['from'])} -> {', '.join(result['to'])}"
                   f"{' (overlap sample)' if result['overlap'] else ''}")
        for coder, count in result["kept_codings"].items():
            typer.echo(f"note: {coder}'s {count} coding(s) in {result['document']} stay (and count in agreement)",
                       err=True)
        _say_new_coders(result["new_coders"], dry_run=False)
        return
    result = assignments.assign(project, coders=names, lead=lead, overlap=overlap, stratify=stratify,
                                documents=split_names(documents), group=group, round_name=round_name or "",
                                seed=seed, dry_run=dry_run, unassigned=unassigned)
    if as_json:
        emit_json(result)
        return
    for row in result["documents"]:
        typer.echo(f"{row['document']}  {', '.join(row['coders'])}{'  (overlap)' if row['overlap'] else ''}")
    load = ", ".join(f"{coder} {count}" for coder, count in result["workload"].items())
    overlap_count = sum(row["overlap"] for row in result["documents"])
    verb = "would assign" if dry_run else "assigned"
    typer.echo(f"{verb} {len(result['documents'])} document(s), {overlap_count} in the overlap sample; "
               f"documents per coder: {load}")
    if stratify is not None and overlap:
        strata = result["strata"]
        typer.echo(f"overlap sample per {stratify}: " + ", ".join(
            f"{s or '(none)'} {n} of {strata[s]}" for s, n in result["overlap_per_stratum"].items()))
    for other, count in result["also_in_rounds"].items():
        typer.echo(f"note: {count} of these document(s) are also assigned in {'round ' + repr(other) if other else 'no round'}"
                   " (coded again in this one; `--unassigned` leaves them out)", err=True)
    raised = result["raised_strata"]
    if raised:
        share = overlap_count / len(result["documents"])
        typer.echo(f"note: {len(raised)} stratum/strata ({', '.join(s or '(none)' for s in raised[:5])}"
                   f"{', ...' if len(raised) > 5 else ''}) too small for a share of {overlap:g} got one overlap "
                   f"document anyway (at least one per stratum): the sample is {overlap_count} of "
                   f"{len(result['documents'])} documents ({share:.0%})", err=True)
    if result.get("replaced"):
        typer.echo(f"replaced {result['replaced']} earlier assignment(s) (kept in the history)")
    _say_new_coders(result["new_coders"], dry_run=dry_run)


def _say_new_coders(names: list[str], *, dry_run: bool) -> None:
    """A name that is not a coder yet becomes one: right for a coder who has not started, wrong for a typo."""
    if names:
        verb = "would be added" if dry_run else "added"
        typer.echo(f"note: new coder(s) {', '.join(names)} {verb} (not in the project before; check the "
                   "spelling)", err=True)


def reassign(document: str = typer.Argument(..., metavar="DOCUMENT", help="The document's id."),
             coders: str = typer.Option(..., "--coders", metavar="A[,B]", help="Who codes it from now on."),
             lead: Optional[str] = LeadOption, round_name: Optional[str] = RoundOption,
             as_json: bool = JsonOption) -> None:
    """Give one assigned document to other coders (the lead's correction; the same as `cotag assign --document`)."""
    assign(coders=coders, lead=lead, overlap=0.0, stratify=None, documents=None, document=document, group=None,
           round_name=round_name, seed=0, dry_run=False, unassigned=False, as_json=as_json)


def assignments_list(coder: Optional[str] = typer.Option(None, "--coder", metavar="NAME",
                                                         help="Only the documents this coder codes."),
                     round_name: Optional[str] = RoundOption, as_json: bool = JsonOption) -> None:
    """Every assigned document: its coders, round, and whether it is in the overlap sample."""
    from cotag.services import team as assignments

    rows = assignments.list_assignments(open_project(), coder=coder, round_name=round_name)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['document']}  {', '.join(row['coders'])}  round {row['round'] or '-'}  "
                   f"overlap {'yes' if row['overlap'] else 'no'}")
    typer.echo(f"{len(rows)} assigned document(s)" if rows else
               "no assignments" + (f" for {coder}" if coder else "") + (f" in round {round_name!r}" if round_name else "")
               + " (the lead plans them with `cotag assign`)")


def progress(round_name: Optional[str] = RoundOption, as_json: bool = JsonOption) -> None:
    """Per coder: documents assigned, started, done, codings, time spent; and alpha so far on the overlap sample."""
    from cotag.services import team as assignments

    data = assignments.progress(open_project(), round_name=round_name)
    if as_json:
        emit_json(data)
        return
    if not data["coders"]:
        typer.echo("no assignments" + (f" in round {round_name!r}" if round_name else "")
                   + " (plan them with `cotag assign`)")
        return
    typer.echo(f"{'coder':<16} {'assigned':>8} {'started':>8} {'done':>6} {'codings':>8} {'time':>7} {'alpha':>6}")
    for row in data["coders"]:
        minutes = int(row["time_spent"] // 60)
        alpha = "n/a" if row["alpha"] is None else f"{row['alpha']:.3f}"
        typer.echo(f"{row['coder']:<16} {row['assigned']:>8} {row['started']:>8} {row['done']:>6} {row['codings']:>8} "
                   f"{minutes // 60:>4}h{minutes % 60:02d} {alpha:>6}")
    overlap = data["overlap"]
    if overlap["alpha"] is not None:
        typer.echo(f"alpha so far on the overlap sample ({len(overlap['documents'])} document(s), "
                   f"{', '.join(overlap['coders'])}): {overlap['alpha']:.3f} pooled; a coder's alpha is the mean of "
                   "their pairs'")
    else:
        typer.echo(f"alpha on the overlap sample: not computable: {overlap['reason']}")
    # Per round, what is left (the dashboard's second table).
    typer.echo(f"\n{'round':<16} {'state':<7} {'documents':>9} {'assignments':>11} {'done':>6} {'left':>6} "
               f"{'docs left':>9}")
    for row in data["rounds"]:
        state = "closed" if row["closed"] else "open" if row["started"] else "-"
        typer.echo(f"{row['round']:<16} {state:<7} {row['documents']:>9} {row['assignments']:>11} {row['done']:>6} "
                   f"{row['left']:>6} {row['documents_left']:>9}"
                   + (f"  ({row['unassigned']} document(s) of the round unassigned)" if row["unassigned"] else ""))


round_app = typer.Typer(no_args_is_help=True, help="Named rounds of coding with a start and an end (lead).")


@round_app.command("start")
def round_start(name: str = typer.Argument(..., metavar="NAME"),
                documents: Optional[str] = DocumentsOption,
                lead: Optional[str] = LeadOption, as_json: bool = JsonOption) -> None:
    """Start a named round now."""
    from cotag.services import team as assignments

    if documents is not None and not split_names(documents):
        fail("--documents needs at least one document id (leave it out to name the documents later)")
    project = open_project()
    lead = assignments.default_lead(project, lead, command="cotag round start")
    row = assignments.start_round(project, name=name, lead=lead, documents=split_names(documents))
    if as_json:
        emit_json(row)
        return
    typer.echo(f"started round {row['round']!r} at {row['started_at']:%Y-%m-%d %H:%M} UTC"
               + (f" with {len(row['documents'])} document(s)" if row["documents"] else ""))


@round_app.command("close")
def round_close(name: str = typer.Argument(..., metavar="NAME"), lead: Optional[str] = LeadOption,
                as_json: bool = JsonOption) -> None:
    """Close a round now: no more assignments in it."""
    from cotag.services import team as assignments

    project = open_project()
    lead = assignments.default_lead(project, lead, command="cotag round close")
    row = assignments.close_round(project, name=name, lead=lead)
    if as_json:
        emit_json(row)
        return
    typer.echo(f"closed round {row['round']!r} at {row['closed_at']:%Y-%m-%d %H:%M} UTC")


@round_app.command("list")
def round_list(as_json: bool = JsonOption) -> None:
    """Every round: start, end, documents."""
    from cotag.services import team as assignments

    rows = assignments.rounds(open_project())
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        end = f"{row['closed_at']:%Y-%m-%d %H:%M}" if row["closed_at"] else "open"
        typer.echo(f"{row['round']:<16} {row['started_at']:%Y-%m-%d %H:%M} - {end}  {len(row['documents'])} document(s)"
                   + (f", {len(row['overlap_documents'])} in the overlap sample" if row["overlap_documents"] else "")
                   + (f"; coders {', '.join(row['coders'])}" if row["coders"] else ""))
    typer.echo(f"{len(rows)} round(s)")


train_app = typer.Typer(invoke_without_command=True,
                        help="Training against the consensus: `cotag train --coder NAME --documents ID,...` gives "
                             "a trainee documents that have a consensus; `cotag train report` scores them.")


@train_app.callback()
def train(ctx: typer.Context,
          coder: Optional[str] = typer.Option(None, "--coder", metavar="NAME", help="The trainee."),
          documents: Optional[str] = DocumentsOption,  # each must already have a consensus
          lead: Optional[str] = LeadOption,
          as_json: bool = JsonOption) -> None:
    """Give a trainee documents that have a consensus, to code blind; their codings there stay practice."""
    if ctx.invoked_subcommand is not None:
        return
    from cotag.services import training
    from cotag.services.team import default_lead

    if coder is None or documents is None:
        fail("cotag train needs --coder NAME and --documents ID,... (or `cotag train report --coder NAME`)")
    project = open_project()
    lead = default_lead(project, lead, command="cotag train")
    result = training.train(project, coder=coder, documents=split_names(documents) or [], lead=lead)
    if as_json:
        emit_json(result)
        return
    if result["added"]:
        typer.echo(f"{result['coder']} trains on {', '.join(result['added'])} (codes blind; scored against the "
                   "consensus with `cotag train report`)")
    if result["already"]:
        typer.echo(f"already training on {', '.join(result['already'])}")
    typer.echo(f"{len(result['documents'])} training document(s) for {result['coder']}")
    for item in result["unfinished"]:
        typer.echo(f"warning: {item['document']} has {item['open']} open disagreement(s) between "
                   f"{' and '.join(item['coders'])}: the consensus there is not finished, and a passage still in "
                   "dispute counts as a miss or an extra in `cotag train report` (rule on them first: "
                   "`cotag reconcile`)", err=True)


def _f(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@train_app.command("report")
def train_report(coder: str = typer.Option(..., "--coder", metavar="NAME", help="The trainee."),
                 unit: str = typer.Option("sentence", "--unit", help="turn, sentence or char (as cotag agreement)."),
                 as_json: bool = JsonOption) -> None:
    """Score a trainee per code against the consensus: alpha, kappa, misses and extras with rulings and rules."""
    from cotag.services import training

    if unit not in ("turn", "sentence", "char"):
        fail(f"unknown unit {unit!r}; use turn, sentence or char")
    data = training.report(open_project(), coder=coder, kind=unit)
    if as_json:
        emit_json(data)
        return
    typer.echo(f"training report: {data['coder']} against the consensus on {len(data['documents'])} document(s) "
               f"({', '.join(data['documents'])})")
    typer.echo(data["unit"])
    typer.echo(f"{'code':<24} {'alpha':>7} {'kappa':>7} {'misses':>7} {'extras':>7}")
    for row in data["codes"]:
        typer.echo(f"{row['code']:<24} {_f(row['alpha']):>7} {_f(row['kappa']):>7} "
                   f"{len(row['misses']):>7} {len(row['extras']):>7}")
    pooled = _f(data["alpha"]) if data["alpha"] is not None else f"n/a ({data['alpha_undefined']})"
    typer.echo(f"pooled alpha: {pooled}")
    for item in data["unfinished"]:
        typer.echo(f"note: {item['document']} still has {item['open']} open disagreement(s) between "
                   f"{' and '.join(item['coders'])}: where they are, the consensus is not settled yet")
    for row in data["codes"]:
        if not row["misses"] and not row["extras"]:
            continue
        typer.echo(f"\n== {row['code']} ==")
        rules = row["rules"]
        if rules["include"]:
            typer.echo("  include: " + "; ".join(rules["include"]))
        if rules["exclude"]:
            typer.echo("  exclude: " + "; ".join(rules["exclude"]))
        for label, items in (("missed (the consensus has it)", row["misses"]),
                             ("extra (the consensus does not)", row["extras"])):
            for item in items:
                typer.echo(f"  {label}: {item['document']} {item['start']}-{item['end']}  {item['text']}")
                for ruling in item["rulings"]:
                    typer.echo(f"    ruling by {ruling['lead']}: {ruling['ruling']}"
                               + (f" - {ruling['note']}" if ruling["note"] else ""))


def codebook_example(ruling: str = typer.Option(..., "--ruling", metavar="ID",
                                                 help="The disagreement's id (as `cotag reconcile list` shows it)."),
                     include: bool = typer.Option(False, "--include", help="The code belongs on text like this."),
                     exclude: bool = typer.Option(False, "--exclude", help="The code does not belong on it."),
                     lead: str = typer.Option(..., "--lead", "-l", envvar="COTAG_LEAD", metavar="NAME",
                                              help="The lead (env COTAG_LEAD)."),
                     coders: Optional[str] = typer.Option(None, "--coders", metavar="A,B",
                                                          help="The two coders of the ruling (default: the only "
                                                               "two with codings)."),
                     codebook: Optional[Path] = typer.Option(None, "--codebook", metavar="FILE",
                                                             help="The codebook file (default: the project's)."),
                     as_json: bool = JsonOption) -> None:
    """Turn a ruling into an include or exclude example of its code, in the YAML codebook (comments kept)."""
    from cotag.services.codebook import example_from_ruling

    if include == exclude:
        fail("choose one of --include and --exclude")
    result = example_from_ruling(open_project(), ruling=ruling, kind="include" if include else "exclude", lead=lead,
                                 coders=split_names(coders), codebook=codebook)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"{result['code']}: {result['kind']} {result['text']}")
    typer.echo(f"written to {result['path']} (version {result['version']})")


def print_by_round(project, selection, fmt: str, **options) -> str:
    """`cotag agreement --by-round`: one report per round, then each code's alpha per round with its interval and
    the drift between consecutive rounds; `--format methods`: the methods paragraph over every round's documents,
    then a paragraph on the rounds."""
    import json
    from dataclasses import replace

    from cotag.dashboard import drift_table, rounds_methods
    from cotag.reliability.report import render
    from cotag.services import team as assignments

    if fmt not in ("table", "md", "json", "methods"):
        fail(f"--by-round prints table, md, json or methods, not {fmt!r}")
    data = assignments.agreement_by_round(project, selection, **options)
    if fmt == "json":
        return json.dumps({"rounds": [{k: v for k, v in b.items() if k != "report"}
                                      | {"report": b["report"].to_dict() if b["report"] else None}
                                      for b in data["rounds"]], "drift": data["drift"]},
                          ensure_ascii=False, indent=2, default=str) + "\n"
    if fmt == "methods":
        from cotag.errors import CotagError
        from cotag.services.agreement import agreement_report

        documents = sorted({d for b in data["rounds"] for d in b["documents"]})
        compared = sorted({c for b in data["rounds"] for c in b["compared"] or []})
        if selection.coders is None and len(compared) >= 2:
            selection = replace(selection, coders=tuple(compared))  # the rounds' coders, as in each round's report
        try:
            overall = render(agreement_report(project, replace(selection, documents=tuple(documents)),
                                              **options).report, "methods") + "\n"
        except CotagError as exc:
            overall = f"(agreement over the rounds' documents is not computable: {exc})\n\n"
        return overall + rounds_methods(data)
    parts = []
    for block in data["rounds"]:
        end = f"{block['closed_at']:%Y-%m-%d %H:%M}" if block["closed_at"] else "open"
        title = (f"round {block['round']} ({block['started_at']:%Y-%m-%d %H:%M} - {end}, "
                 f"{len(block['documents'])} document(s))")
        parts.append(f"# Round {title[6:]}\n\n" if fmt == "md" else f"== {title} ==\n")
        report = render(block["report"], fmt) if block["report"] else f"not computable: {block['reason']}\n"
        # In Markdown the round is the heading: the report's own headings go one level down.
        parts.append(report.replace("\n#", "\n##").replace("# ", "## ", 1) if fmt == "md" else report)
        parts.append("\n")
    parts.append(drift_table(data, markdown=fmt == "md"))
    return "".join(parts)


def register(app: typer.Typer) -> None:
    app.command("assign")(assign)
    app.command("reassign")(reassign)
    app.command("assignments")(assignments_list)
    app.command("progress")(progress)
    app.add_typer(round_app, name="round")
    app.add_typer(train_app, name="train")
    # `cotag codebook example` is registered by the codebook module (commands/codebook.py), so the one-module
    # command line `cotag codebook ...` builds has it too.
