"""The agreement report rendered: table (rich), csv, json, md, and the methods paragraph."""

from __future__ import annotations

import io
from typing import Any


from cotag.reliability.report import AgreementReport, CodeRow, FORMATS, Interval, THRESHOLD, ViewReport


# --------------------------------------------------------------------------- rendering


def _f(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ci(ci: Interval | None) -> str:
    if ci is None or ci.lo is None:
        return ""
    return f"[{ci.lo:.3f}, {ci.hi:.3f}]"


TABLE_COLUMNS = ("code", "alpha", "95% CI", "P(a<.667)", "kappa", "AC1", "agree", "prev", "both", "only A",
                 "only B", "neither", "units", "note")
#: with a bootstrap, the table adds the undefined replicates of each code's interval after the CI
BOOTSTRAP_COLUMN = "undef. reps"


def _columns(report: AgreementReport) -> tuple[str, ...]:
    if not report.bootstrap:
        return TABLE_COLUMNS
    return TABLE_COLUMNS[:3] + (BOOTSTRAP_COLUMN,) + TABLE_COLUMNS[3:]


def _note(r: CodeRow) -> str:
    if r.alpha.value is None:
        return r.undefined_reason or ""
    notes = ["below .667"] if r.below else []
    if r.ci is not None and r.ci.note:
        notes.append("outside its CI (skewed bootstrap; see below)")
    return "; ".join(notes)


def _table_rows(report: AgreementReport, view: str) -> list[list[str]]:
    rows = []
    for r in report.views[view].rows:
        cells = [
            r.code, _f(r.alpha.value), _ci(r.ci),
            _f(r.ci.p_below.get(0.667), 2) if r.ci and r.ci.p_below else "",
            _f(r.kappa.value), _f(r.ac1.value), _pct(r.percent.value), _pct(r.prevalence),
            str(r.counts.both), str(r.counts.only_a), str(r.counts.only_b), str(r.counts.neither),
            str(r.pairable), _note(r),
        ]
        if report.bootstrap:
            cells.insert(3, str(r.ci.n_undefined) if r.ci is not None else "")
        rows.append(cells)
    return rows


def _excluded_text(v: ViewReport) -> str:
    return "; ".join(f"{code} ({reason})" for code, reason in v.excluded)


def _pooled_lines(v: ViewReport) -> list[str]:
    """The headline pooled alpha (codes with variation), what it left out, and the all-codes figure beside it."""
    pooled = _f(v.pooled.value) if v.pooled.value is not None else f"undefined ({v.pooled.undefined_reason})"
    ci = f" {_ci(v.pooled_ci)}" if v.pooled_ci else ""
    lines = [(f"pooled alpha over the {v.pooled_codes} codes with variation ({v.pooled.n_units} (unit, code) "
              f"decisions): {pooled}{ci}")]
    if v.excluded:
        lines.append(f"left out of the pooled alpha: {_excluded_text(v)}")
        every = v.pooled_all
        shown = (_f(every.value) if every is not None and every.value is not None
                 else f"undefined ({every.undefined_reason if every else 'no codes'})")
        all_ci = f" {_ci(v.pooled_all_ci)}" if v.pooled_all_ci else ""
        lines.append(f"all-codes pooled alpha (descriptive; includes the {len(v.excluded)} codes without "
                     f"variation, which inflate it): {shown}{all_ci}")
    lines.append(f"mean of per-code alpha (descriptive, {v.n_defined} codes): {_f(v.mean_alpha)}; "
                 f"mean per-code kappa: {_f(v.mean_kappa)}")
    return lines


def _footing_lines(report: AgreementReport, v: ViewReport) -> list[str]:
    """The bootstrap's footing under a view: what was resampled, undefined replicates, warnings, notes."""
    if not report.bootstrap:
        return []
    if report.bootstrap_method == "cluster":
        what = (f"{v.clusters} {report.cluster}s resampled" if v.clusters is not None
                else f"fewer than 2 {report.cluster}s to resample")
    else:
        pairs = sorted({ci.pairs for ci in [r.ci for r in v.rows] + [v.pooled_ci] if ci is not None and ci.pairs})
        what = f"pairs of values resampled ({', '.join(map(str, pairs)) or 'no'} pairs per replicate)"
    pooled_undef = v.pooled_ci.n_undefined if v.pooled_ci is not None else 0
    undefined = sum(r.ci.n_undefined for r in v.rows if r.ci is not None)
    lines = [(f"bootstrap footing ({_method_name(report)}): {what}; undefined replicates: {undefined} over all "
              f"codes' intervals, {pooled_undef} for pooled alpha (of {report.bootstrap} each)")]
    lines += [f"warning: {w}" for w in v.warnings]
    lines += [f"note: {r.code}: {r.ci.note}" for r in v.rows if r.ci is not None and r.ci.note]
    if v.pooled_ci is not None and v.pooled_ci.note:
        lines.append(f"note: pooled alpha: {v.pooled_ci.note}")
    return lines


def _method_name(report: AgreementReport) -> str:
    if report.bootstrap_method == "krippendorff":
        return "Krippendorff's 2013b pair bootstrap, as in KALPHA"
    return f"case resampling of {report.cluster}s"


def _kappa_text(name: str) -> str:
    return {"cohen_kappa": "Cohen (1960)",
            "conger_kappa": "Conger (1980), Cohen's kappa for 3 or more coders, Gwet's form for missing ratings",
            "fleiss_kappa": "Fleiss (Gwet form for missing ratings)"}[name]


def _header_lines(report: AgreementReport) -> list[str]:
    coders = ", ".join(f"{c} ({_docs(len(report.coded[c]))})" for c in report.coders)
    lines = [f"coders: {coders}", f"documents coded by two or more coders: {len(report.documents)}",
             f"rule: {report.rule}"]
    if report.bootstrap:
        lines.append(f"bootstrap: {report.bootstrap} replicates, percentile 95% intervals, "
                     f"{_method_name(report)}, seed {report.seed}")
    if report.u_alpha is not None or report.u_alpha_reason:
        n_docs = report.extra.get("u_alpha_documents")
        over = f" of the {_docs(n_docs)} every coder coded" if n_docs else ""
        lines.append(f"unitized alpha (all codes, character continuum{over}): "
                     f"{_f(report.u_alpha) if report.u_alpha is not None else report.u_alpha_reason}")
        per_code = [f"{r.code} {_f(r.u_alpha)}" for r in report.views["all"].rows if r.u_alpha is not None]
        if per_code:
            lines.append(f"unitized alpha per code: {'; '.join(per_code)}")
    lines.append(f"kappa: {_kappa_text(report.kappa_name)}; alpha: Krippendorff, nominal, each code a 0/1 variable")
    return lines


def render_table(report: AgreementReport) -> str:
    """Rich tables (one per view) as plain text; codes below .667 are marked."""
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=160, file=io.StringIO(), color_system=None)
    for line in _header_lines(report):
        console.print(line, markup=False, highlight=False)
    for view, v in report.views.items():
        table = Table(*_columns(report), title=f"{'all units' if view == 'all' else 'coded-only'}: {v.denominator}",
                      title_justify="left", box=None)
        for row, r in zip(_table_rows(report, view), v.rows):
            table.add_row(*row, style="bold red" if r.below else None)
        console.print(table)
        for line in _pooled_lines(v) + _footing_lines(report, v):
            console.print(line, markup=False, highlight=False)
    return console.export_text()


CSV_BOOTSTRAP = ("ci_method", "clusters_resampled", "pairs_per_replicate", "undefined_replicates", "ci_note")


def _csv_ci(ci: Interval | None) -> list[Any]:
    if ci is None:
        return ["", "", "", "", "", "", "", "", ""]
    return [ci.lo, ci.hi, ci.p_below.get(0.667, ""), ci.p_below.get(0.8, ""), ci.method,
            ci.clusters if ci.clusters is not None else "", ci.pairs if ci.pairs is not None else "",
            ci.n_undefined, ci.note or ""]


class _SafeRows(list):
    """Collects rows for cotag.export.writers.csv_rows, which neutralises formula-like cells."""

    def writerow(self, row: list[Any]) -> None:
        self.append(row)


def render_csv(report: AgreementReport) -> str:
    from cotag.export.writers import csv_rows

    w = _SafeRows()
    # character units: the unitized alpha per code (the "all" view) and overall (its pooled row)
    unitized = report.u_alpha is not None or report.u_alpha_reason is not None
    fleiss = report.kappa_name == "conger_kappa"
    w.writerow(["view", "denominator", "code", "alpha", "ci_lo", "ci_hi", "p_below_667", "p_below_800",
                *CSV_BOOTSTRAP, report.kappa_name] + (["fleiss_kappa"] if fleiss else [])
               + ["gwet_ac1", "percent_agreement", "prevalence", "both", "only_a", "only_b",
                  "neither", "pairable_units", "undefined_reason", "unit", "rule"]
               + (["u_alpha"] if unitized else []))
    blank_kappas = ["", ""] if fleiss else [""]
    for view, v in report.views.items():
        for r in v.rows:
            w.writerow([view, v.denominator, r.code, r.alpha.value, *_csv_ci(r.ci), r.kappa.value]
                       + ([r.fleiss.value if r.fleiss else None] if fleiss else [])
                       + [r.ac1.value, r.percent.value, r.prevalence, r.counts.both, r.counts.only_a,
                          r.counts.only_b, r.counts.neither, r.pairable, r.undefined_reason or "", report.kind,
                          report.rule] + ([r.u_alpha] if unitized else []))
        headline_note = (f"over the {v.pooled_codes} codes with variation"
                         + (f"; left out: {_excluded_text(v)}" if v.excluded else ""))
        reason = v.pooled.undefined_reason or headline_note
        w.writerow([view, v.denominator, "(pooled)", v.pooled.value, *_csv_ci(v.pooled_ci), *blank_kappas,
                    "", "", "", "", "", "", "", v.pooled.n_units, reason, report.kind, report.rule]
                   + ([report.u_alpha if view == "all" else None] if unitized else []))
        every = v.pooled_all
        w.writerow([view, v.denominator, "(pooled, all codes)", every.value if every else None,
                    *_csv_ci(v.pooled_all_ci), *blank_kappas, "", "", "", "", "", "", "",
                    every.n_units if every else "",
                    (every.undefined_reason if every and every.undefined_reason else
                     "descriptive: every code, including those without variation"), report.kind, report.rule]
                   + ([None] if unitized else []))
        w.writerow([view, v.denominator, "(mean of codes)", v.mean_alpha, *_csv_ci(None), v.mean_kappa]
                   + ([""] if fleiss else []) + ["", "", "", "", "", "", "", "", "", report.kind, report.rule]
                   + ([None] if unitized else []))
    return csv_rows(w, lineterminator="\n")


def render_md(report: AgreementReport) -> str:
    columns = _columns(report)
    out = ["# Intercoder agreement", ""] + [f"- {line}" for line in _header_lines(report)] + [""]
    for view, v in report.views.items():
        out += [f"## {'All units' if view == 'all' else 'Coded-only'}", "", f"Denominator: {v.denominator}.", ""]
        out.append("| " + " | ".join(columns) + " |")
        out.append("|" + "---|" * len(columns))
        for row, r in zip(_table_rows(report, view), v.rows):
            cells = [f"**{c}**" if r.below and c else c for c in row]
            out.append("| " + " | ".join(cells) + " |")
        out += [""] + [f"- {line}." for line in _pooled_lines(v) + _footing_lines(report, v)] + [""]
    return "\n".join(out)


def _docs(n: int) -> str:
    return f"{n} document" + ("" if n == 1 else "s")


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _versions() -> str:
    from importlib import metadata

    import cotag

    try:
        kripp = metadata.version("krippendorff")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency of cotag
        kripp = "unknown"
    return f"cotag {cotag.__version__} and the krippendorff package {kripp}"


def _interval_sentence(report: AgreementReport, v: ViewReport) -> str:
    if not report.bootstrap:
        return ""
    if report.bootstrap_method == "krippendorff":
        pairs = sorted({ci.pairs for ci in [r.ci for r in v.rows] + [v.pooled_ci] if ci is not None and ci.pairs})
        how = (f"Krippendorff's (2013b) bootstrap algorithm as in Hayes and Krippendorff's (2007) KALPHA, which "
               f"resamples pairs of values from the observed coincidences ({_list([str(p) for p in pairs])} pairs "
               f"per replicate) rather than units")
    else:
        what = {"unit": "units", "turn": "speaker turns", "document": "documents"}[report.cluster]
        how = (f"a bootstrap that resampled the {v.clusters} {what} of the data with replacement"
               + ("" if report.cluster == "unit" else ", each with all its units"))
    return (f"Intervals are percentile 95% intervals from {report.bootstrap} replicates of {how} "
            f"(seed {report.seed}).")


def _undefined_sentence(report: AgreementReport, v: ViewReport) -> str:
    if not report.bootstrap:
        return ""
    hit = [f"{r.code} {r.ci.n_undefined}" for r in v.rows if r.ci is not None and r.ci.n_undefined]
    if v.pooled_ci is not None and v.pooled_ci.n_undefined:
        hit.append(f"pooled alpha {v.pooled_ci.n_undefined}")
    if not hit:
        return "No replicate was undefined."
    if report.bootstrap_method == "krippendorff":
        return (f"Replicates that drew pairs of a single value have no alpha and were scored 0, as KALPHA does "
                f"(of {report.bootstrap}: {'; '.join(hit)}).")
    return (f"Replicates in which a code showed no variation have no alpha and were left out of its interval "
            f"(of {report.bootstrap}: {'; '.join(hit)}).")


def render_methods(report: AgreementReport) -> str:
    """A paragraph for a methods section (the "all units" view; coded-only figures noted)."""
    v = report.views.get("all") or next(iter(report.views.values()))
    coders = _list([f"{c} ({_docs(len(report.coded[c]))})" for c in report.coders])
    noun = {"turn": "speaker turn", "sentence": "sentence", "char": "character"}[report.kind]
    rule = report.rule.split("; ", 1)[1] if "; " in report.rule else report.rule
    parts = [
        (f"{len(report.coders)} coders coded the interviews blind in cotag: {coders}; "
         f"{_docs(len(report.documents))} {'was' if len(report.documents) == 1 else 'were'} coded by two or more "
         "of them."),
        (f"Agreement was assessed per code with the {noun} as the unit ({v.n_units} units): {rule}. "
         "Units of documents a coder had not coded were treated as missing, not as absent."),
        (f"For each code, a binary variable (applied or not), we computed Krippendorff's alpha (nominal; "
         f"Krippendorff 2004, 2011) with {_versions()}."),
    ]
    interval = _interval_sentence(report, v)
    if interval:
        parts.append(interval)
    per = []
    for r in v.rows:
        if r.alpha.value is None:
            per.append(f"{r.code} undefined ({r.undefined_reason})")
        else:
            ci = f" {_ci(r.ci)}" if r.ci and r.ci.lo is not None else ""
            per.append(f"{r.code} {r.alpha.value:.3f}{ci}")
    parts.append(f"Alpha was: {'; '.join(per)}.")
    undefined = _undefined_sentence(report, v)
    if undefined:
        parts.append(undefined)
    defined = [(r.code, r.alpha.value) for r in v.rows if r.alpha.value is not None]
    reliable = [code for code, alpha in defined if alpha >= 0.8]
    tentative = [code for code, alpha in defined if THRESHOLD <= alpha < 0.8]
    below = [code for code, alpha in defined if alpha < THRESHOLD]
    groups = [f"{len(reliable)} reached .800" + (f" ({_list(reliable)})" if reliable else ""),
              f"{len(tentative)} lay between .667 and .800" + (f" ({_list(tentative)})" if tentative else ""),
              f"{len(below)} fell below .667" + (f" ({_list(below)})" if below else "")]
    parts.append("Following Krippendorff (2004, 2019), alpha of at least .800 was taken as reliable and "
                 ".667 as the floor for tentative conclusions; of the codes with a defined alpha, "
                 f"{_list(groups)}.")
    pooled = (f"{v.pooled.value:.3f}{(' ' + _ci(v.pooled_ci)) if v.pooled_ci and v.pooled_ci.lo is not None else ''}"
              if v.pooled.value is not None else f"undefined ({v.pooled.undefined_reason})")
    if v.excluded:
        every = v.pooled_all
        every_text = _f(every.value) if every is not None and every.value is not None else "undefined"
        parts.append(f"Pooled over the {v.pooled_codes} codes with variation ({v.pooled.n_units} unit-by-code "
                     f"decisions), alpha was {pooled}. Left out of the pooled figure because they did not vary: "
                     f"{_excluded_text(v).replace('; ', ', ')}; over all {len(v.rows)} codes, including these, "
                     f"pooled alpha would be {every_text}, a figure inflated by agreement nobody had to reach.")
    else:
        parts.append(f"Pooled over all {v.pooled.n_units} unit-by-code decisions of the {len(v.rows)} codes "
                     f"(every code varied), alpha was {pooled}.")
    parts.append(f"The mean of the per-code alphas was {_f(v.mean_alpha)} (descriptive).")
    if report.kappa_name == "cohen_kappa":
        parts.append(f"The mean per-code Cohen's kappa (Cohen 1960) was {_f(v.mean_kappa)}.")
    elif report.kappa_name == "conger_kappa":
        parts.append(f"The mean per-code Conger's kappa (Conger 1980; Gwet's 2014 form for missing ratings) "
                     f"was {_f(v.mean_kappa)}.")
    else:
        parts.append(f"The mean per-code Fleiss' kappa (Fleiss 1971) was {_f(v.mean_kappa)}.")
    for warning in v.warnings:
        parts.append(f"Caution: {warning}.")
    for r in v.rows:
        if r.ci is not None and r.ci.note:
            parts.append(f"For {r.code}, the {r.ci.note}.")
    if v.pooled_ci is not None and v.pooled_ci.note:
        parts.append(f"For pooled alpha, the {v.pooled_ci.note}.")
    if "coded" in report.views and report.views["coded"] is not v:
        c = report.views["coded"]
        cp = _f(c.pooled.value) if c.pooled.value is not None else "undefined"
        parts.append(f"Restricted to the {c.n_units} units that at least one coder coded, pooled alpha over the "
                     f"{c.pooled_codes} codes that varied there was {cp}.")
    if report.u_alpha is not None:
        n_docs = report.extra.get("u_alpha_documents")
        over = f" of the {_docs(n_docs)} coded by every coder" if n_docs else ""
        parts.append(f"Krippendorff's unitizing alpha over the character continuum{over} was {report.u_alpha:.3f}.")
    return " ".join(parts) + "\n"


def render(report: AgreementReport, fmt: str) -> str:
    if fmt == "table":
        return render_table(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "json":
        import json

        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_md(report) + "\n"
    if fmt == "methods":
        return render_methods(report)
    raise ValueError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
