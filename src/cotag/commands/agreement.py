"""`cotag agreement` (project report and CSV calculator) and `cotag simulate-coders`."""

from __future__ import annotations

from pathlib import Path

import typer

from cotag.commands.common import (CodesOption, DocumentsOption, GroupOption, JsonOption, OutputOption, as_tuple,
                                   emit_json, fail, format_option, open_project)

FORMATS = ("table", "csv", "json", "md", "methods")
UNITS = ("turn", "sentence", "char")
BY_ROUND_REPLICATES = 1000


def _calculator(matrix: Path | None, spans: Path | None, measure: str | None, level: str,
                continuum: tuple[int, int] | None, fmt: str, bootstrap: int = 0, seed: int = 20240607,
                bootstrap_method: str = "cluster") -> None:
    """ReCal-style mode: a CSV file in, one coefficient out (JSON by default, or a short summary)."""
    from cotag.reliability.calculator import calculate_matrix, calculate_spans

    if matrix is not None and spans is not None:
        fail("give either --matrix or --spans, not both")
    if fmt not in ("json", "table"):
        fail(f"calculator mode prints json or table, not {fmt!r}")
    if matrix is not None:
        if continuum is not None:
            fail("--continuum belongs to --spans")
        if measure is None:
            fail("--matrix needs --measure NAME (krippendorff_alpha, cohen_kappa, fleiss_kappa, conger_kappa, "
                 "scott_pi, gwet_ac1, brennan_prediger, percent_agreement)")
        result = calculate_matrix(matrix, measure, level, bootstrap=bootstrap, seed=seed,
                                  bootstrap_method=bootstrap_method)
    else:
        if continuum is None:
            fail("--spans needs --continuum START END")
        if measure not in (None, "unitized_alpha"):
            fail("--spans computes unitized_alpha; leave out --measure")
        if bootstrap:
            fail("--bootstrap applies to --matrix; unitized alpha (--spans) has no bootstrap interval")
        assert spans is not None  # the calculator runs with --matrix or --spans
        result = calculate_spans(spans, int(continuum[0]), int(continuum[1]))
    if fmt == "json":
        emit_json(result)
        return
    value = result["value"]
    shown = f"{value:.4f}" if value is not None else f"undefined ({result['undefined_reason']})"
    typer.echo(f"{result['measure']}: {shown}  ({result['n_units']} units, {result['n_coders']} coders)")
    for category, v in (result.get("per_category") or {}).items():
        typer.echo(f"  {category}: {v:.4f}" if v is not None else f"  {category}: undefined")
    boot = result.get("bootstrap")
    if boot:
        ci = f"[{boot['ci'][0]:.4f}, {boot['ci'][1]:.4f}]" if boot["ci"] else "none"
        footing = (f"{boot['units_resampled']} units resampled" if boot["method"] == "cluster"
                   else f"Krippendorff 2013b pairs, {boot['pairs_per_replicate']} per replicate")
        typer.echo(f"  95% percentile interval {ci} ({boot['method']} bootstrap: {boot['replicates']} replicates, "
                   f"{footing}, {boot['undefined_replicates']} undefined, seed {boot['seed']})")
        for line in ([boot["note"]] if boot["note"] else []) + boot["warnings"]:
            typer.echo(f"  warning: {line}")


def agreement(
    coders: str | None = typer.Option(None, "--coders", help="Coders to compare, comma-separated "
                                         "(default: every coder who coded a document in scope)."),
    unit: str = typer.Option("sentence", "--unit", help="Unit: turn, sentence or char."),
    codes: str | None = CodesOption,
    documents: str | None = DocumentsOption,
    group: str | None = GroupOption,
    min_overlap: int = typer.Option(1, "--min-overlap", help="A unit carries a code when a span overlaps it "
                                    "by at least this many characters."),
    min_fraction: float | None = typer.Option(None, "--min-fraction", help="...and by at least this fraction "
                                                 "of the unit (0-1)."),
    include_interviewer: bool = typer.Option(False, "--include-interviewer", help="Count interviewer turns too."),
    include_unfinished: bool = typer.Option(False, "--include-unfinished", help="Count a document as coded by "
                                            "a coder with any coding in it, not only when marked done."),
    bootstrap: int | None = typer.Option(None, "--bootstrap", help="Bootstrap replicates for 95% intervals (e.g. "
                                         "2000; default 0, none, or 1000 with --by-round)."),
    seed: int = typer.Option(20240607, "--seed", help="Bootstrap seed."),
    cluster: str | None = typer.Option(None, "--cluster", help="What the bootstrap resamples: unit, turn or "
                                          "document (default: unit for turns, turn otherwise)."),
    bootstrap_method: str = typer.Option("cluster", "--bootstrap-method", help="cluster (resample units, turns "
                                         "or documents) or krippendorff (Krippendorff 2013b pairs, as KALPHA)."),
    fmt: str | None = format_option("table, csv, json, md or methods (default: table; json in calculator mode)."),
    output: Path | None = OutputOption,
    matrix: Path | None = typer.Option(None, "--matrix", help="Calculator: coders-in-columns CSV, one row per unit."),
    spans: Path | None = typer.Option(None, "--spans", help="Calculator: CSV with coder,start,end,category."),
    measure: str | None = typer.Option(None, "--measure", help="Calculator: measure for --matrix."),
    level: str = typer.Option("nominal", "--level", help="Calculator: nominal, ordinal, interval or ratio."),
    continuum: tuple[int, int] | None = typer.Option(None, "--continuum", help="Calculator: START END of the "
                                                        "continuum for --spans."),
    by_round: bool = typer.Option(False, "--by-round", help="One report per round (`cotag round`) and each "
                                  "code's drift between consecutive rounds."),
    suggestions: str = typer.Option("include", "--suggestions", help="Codings that came from accepted code "
                                    "suggestions: include (as any coding), separate (alpha with and without them, "
                                    "per code and per coder, and how many there are) or exclude (the report "
                                    "without them)."),
) -> None:
    """Intercoder agreement per code: alpha, kappa, percent agreement, 2x2 counts, pooled alpha.

    With --matrix or --spans, a calculator on a CSV file (no project needed)."""
    if fmt is not None and fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    # --by-round reports each round's alpha with its interval (and the drift's) unless told --bootstrap 0.
    bootstrap = (BY_ROUND_REPLICATES if by_round else 0) if bootstrap is None else bootstrap
    if bootstrap_method not in ("cluster", "krippendorff"):
        fail(f"unknown --bootstrap-method {bootstrap_method!r}; use cluster or krippendorff")
    if bootstrap < 0:
        fail("--bootstrap needs a number of replicates >= 0")
    if matrix is not None or spans is not None:
        _calculator(matrix, spans, measure, level, continuum, fmt or "json", bootstrap, seed, bootstrap_method)
        return
    fmt = fmt or "table"
    if measure is not None or continuum is not None:
        fail("--measure and --continuum need --matrix or --spans")
    if unit not in UNITS:
        fail(f"unknown unit {unit!r}; use {', '.join(UNITS)}")
    if cluster is not None and cluster not in ("unit", "turn", "document"):
        fail(f"unknown --cluster {cluster!r}; use unit, turn or document")
    if cluster is not None and bootstrap_method == "krippendorff":
        fail("--cluster belongs to the cluster bootstrap; the krippendorff bootstrap resamples pairs of values")
    if output is not None:
        from cotag.export.writers import check_writable

        check_writable(output)  # before the work, naming the path
    from cotag.reliability.report import render
    from cotag.reliability.units import OverlapRule, Selection

    try:
        rule = OverlapRule(min_overlap, min_fraction)
    except ValueError as exc:
        fail(str(exc))
    selection = Selection(coders=as_tuple(coders), codes=as_tuple(codes), documents=as_tuple(documents),
                          groups=as_tuple(group), include_unfinished=include_unfinished)
    if selection.coders is not None and len(selection.coders) < 2:
        fail("--coders needs at least two coder names")
    from cotag.suggest.agreement import MODES as SUGGESTION_MODES

    if suggestions not in SUGGESTION_MODES:
        fail(f"unknown --suggestions {suggestions!r}; use {', '.join(SUGGESTION_MODES)}")
    if suggestions != "include" and by_round:
        fail("--suggestions separate|exclude and --by-round do not combine yet; run them one at a time")
    if suggestions != "include":
        text = _with_suggestions_apart(suggestions, selection, fmt, kind=unit, rule=rule,
                                       include_interviewer=include_interviewer, bootstrap=bootstrap, seed=seed,
                                       cluster=cluster, bootstrap_method=bootstrap_method)
    elif by_round:
        from cotag.commands.process import print_by_round

        text = print_by_round(open_project(), selection, fmt, kind=unit, rule=rule,
                              include_interviewer=include_interviewer, bootstrap=bootstrap, seed=seed,
                              cluster=cluster, bootstrap_method=bootstrap_method)
    else:
        # the same use case as the TUI agreement screen: read, unitise, report
        from cotag.services.agreement import agreement_report

        project = open_project()
        found = agreement_report(project, selection, kind=unit, rule=rule, include_interviewer=include_interviewer,
                                 bootstrap=bootstrap, seed=seed, cluster=cluster, bootstrap_method=bootstrap_method)
        text = render(found.report, fmt)
        _note_suggestions(project, found.data)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        typer.echo(f"wrote agreement ({fmt}) to {output}", err=True)
    else:
        typer.echo(text, nl=False)


def _note_suggestions(project, data) -> None:
    """On stderr, when some of the compared codings came from accepted suggestions: the report counts them."""
    from cotag.services.suggestions import accepted_suggestions

    count = accepted_suggestions(project, data)
    if count:
        typer.echo(f"note: {count} of the compared codings came from accepted code suggestions; "
                   "`--suggestions separate` reports alpha with and without them", err=True)


def _with_suggestions_apart(mode: str, selection, fmt: str, **options) -> str:
    """`--suggestions separate` (both reports side by side) or `exclude` (the usual report, without them)."""
    from cotag.reliability.report import render
    from cotag.services.suggestions import suggestion_agreement
    from cotag.suggest.agreement import counts_line, render as render_separate

    # a CotagError (no such coder, --unit char, --format csv with separate) becomes `error: ...` in cli.py
    result = suggestion_agreement(open_project(), selection, **options)
    if mode == "separate":
        return render_separate(result, fmt)
    typer.echo(f"without accepted suggestions: {counts_line(result)}", err=True)
    return render(result.without, fmt)


def simulate_coders(
    names: list[str] = typer.Argument(..., metavar="NAME...", help="Names of the coders to simulate."),
    noise: float = typer.Option(0.15, "--noise", help="Chance of each miss, shift and extra (0-1)."),
    documents: int | None = typer.Option(20, "--documents", help="How many documents they code "
                                            "(0 = every document of the reference)."),
    seed: int = typer.Option(7, "--seed", help="Random seed (same seed, same coders)."),
    reference: Path | None = typer.Option(None, "--reference", help="Reference coding CSV "
                                             "(default: the demo corpus's transcripts/reference.csv)."),
    assigned: bool = typer.Option(False, "--assigned", help="Each coder codes the documents assigned to them "
                                  "(`cotag assign`; a trainee their training documents) instead of --documents."),
    round_name: str | None = typer.Option(None, "--round", metavar="NAME", help="With --assigned: only the "
                                          "documents assigned in this round."),
    as_json: bool = JsonOption,
) -> None:
    """Simulate coders from the reference coding with controlled noise; they mark their documents done."""
    from cotag.services.agreement import simulate_assigned
    from cotag.services.agreement import simulate_coders as run

    if round_name is not None and not assigned:
        fail("--round goes with --assigned")
    if assigned:
        reports = simulate_assigned(open_project(), names, noise=noise, seed=seed, reference=reference,
                                    round_name=round_name)
    else:
        reports = [run(open_project(), names, noise=noise, documents=documents or None, seed=seed,
                       reference=reference)]
    if as_json:
        emit_json(reports[0].as_dict() if len(reports) == 1 else [r.as_dict() for r in reports])
        return
    for report in reports:
        counts = ", ".join(f"{n} {c} codings" for n, c in report.codings.items())
        typer.echo(f"simulated {len(report.coders)} coder(s) on {len(report.documents)} documents "
                   f"(noise {report.noise}, seed {report.seed}): {counts}")


def register(app: typer.Typer) -> None:
    app.command("agreement")(agreement)
    app.command("simulate-coders")(simulate_coders)
