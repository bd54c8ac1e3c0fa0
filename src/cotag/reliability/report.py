"""The agreement report: per-code table, pooled figures, bootstrap intervals and their renderings.

Input is a `Unitised` (codes x coders x units, nan = missing).  For every code the report
gives Krippendorff's alpha (nominal, binary), a kappa (Cohen's for two coders; Fleiss'
in Gwet's missing-data form for three or more, with Gwet's AC1 beside it), percent
agreement, prevalence, the 2x2 counts and the pairable units, each in two views:

- "all units": every unit of the double-coded documents;
- "coded-only": only units that at least one coder coded with any of the selected codes
  (uncoded text is then not counted as agreement).

Pooled over codes: alpha over every (unit, code) decision, and the mean of the per-code
values (descriptive).  Bootstrap intervals resample units, turns or documents; all codes
and the pooled figure share the same resamples, so one draw serves the whole table.
Renderings: table (rich), csv, json, md, and a methods paragraph.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cotag.reliability.bootstrap import DEFAULT_SEED, DEFAULT_THRESHOLDS, _count_blocks
from cotag.reliability.measures import (
    REASON_NO_VARIATION,
    BinaryCounts,
    BinaryTable,
    MeasureResult,
    binary_counts,
    binary_measures,
    binary_table,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    pooled_alpha,
    prevalence,
)
from cotag.reliability.units import Unitised

THRESHOLD = 0.667
VIEWS: tuple[str, ...] = ("all", "coded")
FORMATS: tuple[str, ...] = ("table", "csv", "json", "md", "methods")
CLUSTERS: tuple[str, ...] = ("unit", "turn", "document")


@dataclass
class Interval:
    """A bootstrap percentile interval with the chance that alpha lies below each threshold."""

    lo: float | None
    hi: float | None
    p_below: dict[float, float]
    n: int
    n_undefined: int

    def to_dict(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "p_below": {f"{k:.3f}": v for k, v in self.p_below.items()},
                "replicates": self.n, "undefined_replicates": self.n_undefined}


@dataclass
class CodeRow:
    """One code in one view."""

    code: str
    alpha: MeasureResult
    kappa: MeasureResult
    kappa_name: str
    ac1: MeasureResult
    percent: MeasureResult
    prevalence: float | None
    counts: BinaryTable
    pairable: int
    ci: Interval | None = None
    u_alpha: float | None = None
    u_alpha_reason: str | None = None

    @property
    def undefined_reason(self) -> str | None:
        return self.alpha.undefined_reason

    @property
    def below(self) -> bool:
        return self.alpha.value is not None and self.alpha.value < THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "alpha": self.alpha.value,
            "undefined_reason": self.alpha.undefined_reason,
            self.kappa_name: self.kappa.value,
            "kappa_undefined_reason": self.kappa.undefined_reason,
            "gwet_ac1": self.ac1.value,
            "percent_agreement": self.percent.value,
            "prevalence": self.prevalence,
            "both": self.counts.both, "only_a": self.counts.only_a,
            "only_b": self.counts.only_b, "neither": self.counts.neither,
            "pairable_units": self.pairable,
            "ci": self.ci.to_dict() if self.ci else None,
            "below_threshold": self.below,
        }
        if self.u_alpha is not None or self.u_alpha_reason is not None:
            out["u_alpha"] = self.u_alpha
            out["u_alpha_undefined_reason"] = self.u_alpha_reason
        return out


@dataclass
class ViewReport:
    """All codes in one view, with its denominator named, and the pooled figures."""

    view: str
    denominator: str
    n_units: int
    rows: list[CodeRow]
    pooled: MeasureResult
    pooled_ci: Interval | None
    mean_alpha: float | None
    mean_kappa: float | None
    n_defined: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "denominator": self.denominator,
            "n_units": self.n_units,
            "codes": [r.to_dict() for r in self.rows],
            "pooled_alpha": self.pooled.value,
            "pooled_undefined_reason": self.pooled.undefined_reason,
            "pooled_decisions": self.pooled.n_units,
            "pooled_ci": self.pooled_ci.to_dict() if self.pooled_ci else None,
            "mean_alpha": self.mean_alpha,
            "mean_kappa": self.mean_kappa,
            "codes_with_defined_alpha": self.n_defined,
        }


@dataclass
class AgreementReport:
    kind: str
    rule: str
    coders: list[str]
    coded: dict[str, list[str]]
    documents: list[str]
    views: dict[str, ViewReport]
    bootstrap: int
    seed: int | None
    cluster: str
    kappa_name: str
    u_alpha: float | None = None
    u_alpha_reason: str | None = None
    threshold: float = THRESHOLD
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.kind,
            "rule": self.rule,
            "coders": self.coders,
            "documents_coded": {c: len(d) for c, d in self.coded.items()},
            "documents": self.documents,
            "kappa": self.kappa_name,
            "bootstrap": {"replicates": self.bootstrap, "seed": self.seed, "resampled": self.cluster}
            if self.bootstrap else None,
            "threshold": self.threshold,
            "u_alpha": self.u_alpha,
            "u_alpha_undefined_reason": self.u_alpha_reason,
            "u_alpha_documents": self.extra.get("u_alpha_documents"),
            "views": {k: v.to_dict() for k, v in self.views.items()},
        }

    def below_threshold(self, view: str = "all") -> list[str]:
        return [r.code for r in self.views[view].rows if r.below]


# --------------------------------------------------------------------------- computing


def _pairwise_counts(x: np.ndarray) -> BinaryTable:
    """2x2 counts; with 3+ coders summed over every coder pair (so each pair's units count once per pair)."""
    both = only_a = only_b = neither = 0
    for i, j in itertools.combinations(range(x.shape[0]), 2):
        t = binary_table(x[i], x[j])
        both, only_a, only_b, neither = both + t.both, only_a + t.only_a, only_b + t.only_b, neither + t.neither
    return BinaryTable(both, only_a, only_b, neither)


def _binary_features(stack: np.ndarray | None, cluster: np.ndarray,
                     counts: BinaryCounts | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster [diagonal coincidences, n_0, n_1] of every code: clusters x codes x 3, and kept cluster mask.

    The same quantities as bootstrap._features for nominal 0/1 data, for all codes in one
    pass; clusters without a pairable unit are dropped exactly as there, so a single-code
    interval equals `bootstrap_alpha` with the same seed.  `counts` (per-unit counts of
    the same stack) may be given instead of `stack`.
    """
    if counts is None:
        counts = binary_counts(stack)
    n_codes = counts.n_codes
    side = counts.n_coders + 1
    # per-unit features depend only on (m_u, k_u): look them up instead of computing on float arrays
    m_t, k_t = np.meshgrid(np.arange(side, dtype=np.float64), np.arange(side, dtype=np.float64), indexing="ij")
    z_t = m_t - k_t
    pair_t = m_t >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        tables = (np.where(pair_t, (k_t * (k_t - 1) + z_t * (z_t - 1)) / (m_t - 1), 0.0),
                  np.where(pair_t, z_t, 0.0), np.where(pair_t, k_t, 0.0))
    cell = (counts.m.astype(np.intp) * side + counts.k).ravel()
    n_clusters = int(cluster.max()) + 1 if cluster.size else 0
    # one bincount over (code, cluster) for each feature
    key = ((np.arange(n_codes, dtype=np.intp) * n_clusters)[:, None] + cluster[None, :]).ravel()
    feats = np.empty((n_clusters, n_codes, 3))
    for j, table in enumerate(tables):
        summed = np.bincount(key, weights=table.ravel()[cell], minlength=n_codes * n_clusters)
        feats[:, :, j] = summed.reshape(n_codes, n_clusters).T
    del key, cell
    # clusters without a pairable unit (of any code) are dropped
    used = np.bincount(cluster[(counts.m >= 2).any(axis=0)], minlength=n_clusters) > 0
    return feats[used], used


def _alpha_binary(f: np.ndarray) -> np.ndarray:
    """Alpha from summed features (..., 3); nan where undefined."""
    diag, n0, n1 = f[..., 0], f[..., 1], f[..., 2]
    n = n0 + n1
    expected = n * n - n0 * n0 - n1 * n1
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1.0 - (n - 1.0) * (n - diag) / expected
    return np.where(expected > 1e-9, a, np.nan)


def bootstrap_table(stack: np.ndarray | None, clusters: np.ndarray | None, n: int, seed: int,
                    thresholds=DEFAULT_THRESHOLDS, ci_level: float = 0.95,
                    counts: BinaryCounts | None = None) -> tuple[list[Interval | None], Interval | None]:
    """Intervals for every code and for pooled alpha from one shared set of resamples.

    `counts` (per-unit counts of `stack`, from `binary_counts`) may be given instead of `stack`.
    """
    if counts is None:
        counts = binary_counts(stack)
    n_codes, n_units = counts.k.shape
    if clusters is None:
        cluster = np.arange(n_units)
    else:
        _, cluster = np.unique(np.asarray(clusters), return_inverse=True)
        cluster = cluster.ravel()
    feats, _ = _binary_features(None, cluster, counts)
    n_clusters = feats.shape[0]
    if n_clusters < 2 or n_codes == 0:
        return [None] * n_codes, None
    flat = feats.reshape(n_clusters, n_codes * 3)
    # When every code has the same pairable values per cluster (missingness is per coder and
    # document, so this is the rule for unitised data), n_0 = n - n_1 needs no column of its
    # own: the product shrinks from 3 to 2 columns per code, and the sums stay exact (integers).
    n_pairable = feats[:, :, 1] + feats[:, :, 2]
    shared_n = bool((n_pairable == n_pairable[:, :1]).all())
    product = (np.concatenate([feats[:, :, 0], feats[:, :, 2], n_pairable[:, :1]], axis=1) if shared_n
               else flat)
    rng = np.random.default_rng(seed)
    per_code = []
    pooled = []
    for counts in _count_blocks(rng, n_clusters, n):
        if shared_n:
            p = counts @ product
            diag, ones, total = p[:, :n_codes], p[:, n_codes:2 * n_codes], p[:, 2 * n_codes:]
            summed = np.stack([diag, total - ones, ones], axis=-1)
        else:
            summed = (counts @ flat).reshape(-1, n_codes, 3)
        per_code.append(_alpha_binary(summed))
        pooled.append(_alpha_binary(summed.sum(axis=1)))
    reps = np.concatenate(per_code, axis=0)  # n x codes
    pooled_reps = np.concatenate(pooled)
    estimate = _alpha_binary(flat.sum(axis=0).reshape(n_codes, 3))
    pooled_est = _alpha_binary(flat.sum(axis=0).reshape(n_codes, 3).sum(axis=0))

    def interval(values: np.ndarray, est: float) -> Interval | None:
        if not np.isfinite(est):
            return None
        defined = values[np.isfinite(values)]
        if defined.size == 0:
            return Interval(None, None, {}, n, n)
        tail = (1.0 - ci_level) / 2.0
        lo, hi = np.quantile(defined, [tail, 1.0 - tail])
        return Interval(float(lo), float(hi), {float(t): float((defined < t).mean()) for t in thresholds},
                        n, int(n - defined.size))

    return [interval(reps[:, k], estimate[k]) for k in range(n_codes)], interval(pooled_reps, pooled_est)


def _code_row(code: str, x: np.ndarray, kappa_name: str) -> CodeRow:
    n_coders = x.shape[0]
    kappa = cohen_kappa(x) if n_coders == 2 else fleiss_kappa(x)
    m_u = (~np.isnan(x)).sum(axis=0)
    return CodeRow(
        code=code,
        alpha=krippendorff_alpha(x, level="nominal"),
        kappa=kappa,
        kappa_name=kappa_name,
        ac1=gwet_ac1(x, n_categories=2),
        percent=percent_agreement(x),
        prevalence=prevalence(x),
        counts=_pairwise_counts(x),
        pairable=int((m_u >= 2).sum()),
    )


def _fast_rows(codes: list[str], counts: BinaryCounts, kappa_name: str) -> tuple[list[CodeRow], MeasureResult]:
    """Every code's row and pooled alpha from per-unit counts (the binary fast path)."""
    b = binary_measures(counts)
    rows = [CodeRow(code=code, alpha=b.alpha[k], kappa=b.kappa[k], kappa_name=kappa_name, ac1=b.ac1[k],
                    percent=b.percent[k], prevalence=b.prevalence[k], counts=b.tables[k], pairable=b.pairable[k])
            for k, code in enumerate(codes)]
    return rows, b.pooled


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def build_report(data: Unitised, *, bootstrap: int = 0, seed: int | None = DEFAULT_SEED,
                 cluster: str | None = None, views: tuple[str, ...] = VIEWS,
                 spans: list[Any] | None = None) -> AgreementReport:
    """Compute the whole report.

    cluster: what the bootstrap resamples; default 'unit' for turn units and 'turn' for
    sentence and character units (neighbouring sentences of one turn are not independent).
    spans: for character units, the (coder, document, code, start, end) spans, so that
    u-alpha can be given per code and overall on each document's continuum.
    """
    if cluster is None:
        cluster = "unit" if data.kind == "turn" else "turn"
    if cluster not in CLUSTERS:
        raise ValueError(f"unknown cluster {cluster!r}; use {', '.join(CLUSTERS)}")
    if bootstrap < 0:
        raise ValueError(f"--bootstrap needs a non-negative number of replicates; got {bootstrap}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    n_coders = len(data.coders)
    kappa_name = "cohen_kappa" if n_coders == 2 else "fleiss_kappa"
    stack = data.stack
    # binary 0/1/nan data with 2+ coders (what unitise produces): every measure from per-unit counts
    counts = None
    if n_coders >= 2 and data.codes and stack.ndim == 3:
        try:
            counts = binary_counts(stack)
        except ValueError:  # not 0/1 data: the general per-code measures below
            counts = None
    if counts is not None:
        coded_any = (counts.k > 0).any(axis=0)
    else:
        coded_any = (np.nan_to_num(stack, nan=0.0) == 1).any(axis=(0, 1)) if stack.size else np.zeros(0, bool)
    noun = {"turn": "speaker turns", "sentence": "sentences", "char": "characters"}[data.kind]
    speakers = "all" if data.include_interviewer else "respondent"
    out_views: dict[str, ViewReport] = {}
    for view in views:
        mask = np.ones(stack.shape[2], dtype=bool) if view == "all" else coded_any
        sub_counts = None if counts is None else (counts if view == "all" else counts.select(mask))
        sub = None if sub_counts is not None else stack[:, :, mask]
        if view == "all":
            denominator = (f"all {int(mask.sum())} {speakers} {noun} of the {len(data.documents)} "
                           f"documents coded by two or more coders")
        else:
            denominator = (f"the {int(mask.sum())} {speakers} {noun} that at least one coder coded "
                           f"with any of the {len(data.codes)} codes")
        if sub_counts is not None:
            rows, pooled = _fast_rows(list(data.codes), sub_counts, kappa_name)
        else:
            rows = [_code_row(code, sub[k], kappa_name) for k, code in enumerate(data.codes)]
            pooled = pooled_alpha(sub) if data.codes else MeasureResult(None, "no codes", 0, n_coders)
        for row in rows:
            # Gwet's AC1 with q = 2 is 1 for a code nobody (or everybody) applied; the table reports
            # such a code as undefined with its reason throughout, never as a misleading 1
            if row.alpha.undefined_reason == REASON_NO_VARIATION and row.ac1.value is not None:
                row.ac1 = MeasureResult(None, REASON_NO_VARIATION, row.ac1.n_units, row.ac1.n_coders,
                                        dict(row.ac1.extra))
        pooled_ci = None
        if bootstrap and data.codes:
            clusters = data.clusters(cluster)
            cis, pooled_ci = bootstrap_table(sub, None if clusters is None else clusters[mask], bootstrap, seed,
                                             counts=sub_counts)
            for row, ci in zip(rows, cis):
                row.ci = ci
        out_views[view] = ViewReport(
            view=view, denominator=denominator, n_units=int(mask.sum()), rows=rows, pooled=pooled,
            pooled_ci=pooled_ci, mean_alpha=_mean([r.alpha.value for r in rows]),
            mean_kappa=_mean([r.kappa.value for r in rows]),
            n_defined=sum(r.alpha.value is not None for r in rows),
        )
    report = AgreementReport(kind=data.kind, rule=data.rule_text, coders=list(data.coders), coded=data.coded,
                             documents=list(data.documents), views=out_views, bootstrap=bootstrap,
                             seed=seed if bootstrap else None, cluster=cluster, kappa_name=kappa_name)
    if spans is None:  # from the store: the spans themselves (none at all is an answer, not a missing input)
        spans = data.named_spans
    if data.kind == "char" and spans is not None:
        _add_u_alpha(report, data, spans)
    return report


def _add_u_alpha(report: AgreementReport, data: Unitised, spans: list[Any]) -> None:
    """u-alpha per code and overall, with the documents laid end to end as one continuum.

    Each document's character units (its respondent text, or all of it with interviewer turns
    included) are its own stretch of the continuum; documents are placed one after another so
    that spans never cross a document boundary.  Only
    double-coded documents enter, and a coder enters a document's stretch only when the
    whole set of coders coded it: unitized alpha has no notion of a missing coder.
    """
    from cotag.reliability.unitized import (
        Span,
        unitized_alpha,
        unitized_alpha_per_category,
    )

    full = [d for d in data.documents if all(d in data.coded[c] for c in data.coders)]
    if not full:
        report.u_alpha_reason = "no document was coded by every coder"
        return
    # A document's stretch is exactly its character units (the rule's characters: respondent sentences
    # unless interviewer turns are included), in text order; stretches are laid end to end. A span keeps
    # the characters of its own that are units, which are consecutive on the continuum.
    index = {name: i for i, name in enumerate(data.frame_documents)}
    chars: dict[str, tuple[int, np.ndarray]] = {}
    offset = 0
    for d in full:
        positions = np.sort(data.unit_start[data.unit_doc == index[d]])
        chars[d] = (offset, positions)
        offset += int(positions.size)
    items = []
    for coder, doc, code, s, e in spans:
        if doc in chars and code in data.codes and coder in data.coders and e > s:
            base, positions = chars[doc]
            lo, hi = np.searchsorted(positions, [s, e])
            if hi > lo:
                items.append(Span(coder, base + int(lo), base + int(hi), code))
    overall = unitized_alpha(items, 0, offset, coders=data.coders)
    per = unitized_alpha_per_category(items, 0, offset, coders=data.coders)
    report.u_alpha, report.u_alpha_reason = overall.value, overall.undefined_reason
    for row in report.views["all"].rows:
        r = per.get(row.code)
        row.u_alpha = r.value if r else None
        row.u_alpha_reason = (r.undefined_reason if r else "no units of this category")
    report.extra["u_alpha_documents"] = len(full)


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


def _table_rows(report: AgreementReport, view: str) -> list[list[str]]:
    rows = []
    for r in report.views[view].rows:
        rows.append([
            r.code, _f(r.alpha.value), _ci(r.ci),
            _f(r.ci.p_below.get(0.667), 2) if r.ci and r.ci.p_below else "",
            _f(r.kappa.value), _f(r.ac1.value), _pct(r.percent.value), _pct(r.prevalence),
            str(r.counts.both), str(r.counts.only_a), str(r.counts.only_b), str(r.counts.neither),
            str(r.pairable),
            (r.undefined_reason or "") if r.alpha.value is None else ("below .667" if r.below else ""),
        ])
    return rows


def _pooled_line(v: ViewReport) -> str:
    ci = f" {_ci(v.pooled_ci)}" if v.pooled_ci else ""
    pooled = _f(v.pooled.value) if v.pooled.value is not None else f"undefined ({v.pooled.undefined_reason})"
    return (f"pooled alpha over {v.pooled.n_units} (unit, code) decisions: {pooled}{ci}; "
            f"mean of per-code alpha (descriptive, {v.n_defined} codes): {_f(v.mean_alpha)}; "
            f"mean per-code kappa: {_f(v.mean_kappa)}")


def _header_lines(report: AgreementReport) -> list[str]:
    coders = ", ".join(f"{c} ({_docs(len(report.coded[c]))})" for c in report.coders)
    lines = [f"coders: {coders}", f"documents coded by two or more coders: {len(report.documents)}",
             f"rule: {report.rule}"]
    if report.bootstrap:
        lines.append(f"bootstrap: {report.bootstrap} replicates, resampling {report.cluster}s, seed {report.seed}")
    if report.u_alpha is not None or report.u_alpha_reason:
        n_docs = report.extra.get("u_alpha_documents")
        over = f" of the {_docs(n_docs)} every coder coded" if n_docs else ""
        lines.append(f"unitized alpha (all codes, character continuum{over}): "
                     f"{_f(report.u_alpha) if report.u_alpha is not None else report.u_alpha_reason}")
        per_code = [f"{r.code} {_f(r.u_alpha)}" for r in report.views["all"].rows if r.u_alpha is not None]
        if per_code:
            lines.append(f"unitized alpha per code: {'; '.join(per_code)}")
    lines.append(f"kappa: {'Cohen' if report.kappa_name == 'cohen_kappa' else 'Fleiss (Gwet form for missing ratings)'}; "
                 f"alpha: Krippendorff, nominal, each code a 0/1 variable")
    return lines


def render_table(report: AgreementReport) -> str:
    """Rich tables (one per view) as plain text; codes below .667 are marked."""
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=160, file=io.StringIO(), color_system=None)
    for line in _header_lines(report):
        console.print(line, markup=False, highlight=False)
    for view, v in report.views.items():
        table = Table(*TABLE_COLUMNS, title=f"{'all units' if view == 'all' else 'coded-only'}: {v.denominator}",
                      title_justify="left", box=None)
        for row, r in zip(_table_rows(report, view), v.rows):
            table.add_row(*row, style="bold red" if r.below else None)
        console.print(table)
        console.print(_pooled_line(v), markup=False, highlight=False)
    return console.export_text()


def render_csv(report: AgreementReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # character units: the unitized alpha per code (the "all" view) and overall (its pooled row)
    unitized = report.u_alpha is not None or report.u_alpha_reason is not None
    w.writerow(["view", "denominator", "code", "alpha", "ci_lo", "ci_hi", "p_below_667", "p_below_800",
                report.kappa_name, "gwet_ac1", "percent_agreement", "prevalence", "both", "only_a", "only_b",
                "neither", "pairable_units", "undefined_reason", "unit", "rule"]
               + (["u_alpha"] if unitized else []))
    for view, v in report.views.items():
        for r in v.rows:
            ci = r.ci
            w.writerow([view, v.denominator, r.code, r.alpha.value,
                        ci.lo if ci else "", ci.hi if ci else "",
                        ci.p_below.get(0.667, "") if ci else "", ci.p_below.get(0.8, "") if ci else "",
                        r.kappa.value, r.ac1.value, r.percent.value, r.prevalence, r.counts.both, r.counts.only_a,
                        r.counts.only_b, r.counts.neither, r.pairable, r.undefined_reason or "", report.kind,
                        report.rule] + ([r.u_alpha] if unitized else []))
        pc = v.pooled_ci
        w.writerow([view, v.denominator, "(pooled)", v.pooled.value, pc.lo if pc else "", pc.hi if pc else "",
                    pc.p_below.get(0.667, "") if pc else "", pc.p_below.get(0.8, "") if pc else "",
                    "", "", "", "", "", "", "", "", v.pooled.n_units, v.pooled.undefined_reason or "",
                    report.kind, report.rule] + ([report.u_alpha if view == "all" else None] if unitized else []))
        w.writerow([view, v.denominator, "(mean of codes)", v.mean_alpha, "", "", "", "", v.mean_kappa, "", "",
                    "", "", "", "", "", "", "", report.kind, report.rule] + ([None] if unitized else []))
    return buf.getvalue()


def render_md(report: AgreementReport) -> str:
    out = ["# Intercoder agreement", ""] + [f"- {line}" for line in _header_lines(report)] + [""]
    for view, v in report.views.items():
        out += [f"## {'All units' if view == 'all' else 'Coded-only'}", "", f"Denominator: {v.denominator}.", ""]
        out.append("| " + " | ".join(TABLE_COLUMNS) + " |")
        out.append("|" + "---|" * len(TABLE_COLUMNS))
        for row, r in zip(_table_rows(report, view), v.rows):
            cells = [f"**{c}**" if r.below and c else c for c in row]
            out.append("| " + " | ".join(cells) + " |")
        out += ["", _pooled_line(v) + ".", ""]
    return "\n".join(out)


def _docs(n: int) -> str:
    return f"{n} document" + ("" if n == 1 else "s")


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def render_methods(report: AgreementReport) -> str:
    """A paragraph for a methods section (the "all units" view; coded-only figures noted)."""
    v = report.views.get("all") or next(iter(report.views.values()))
    coders = _list([f"{c} ({_docs(len(report.coded[c]))})" for c in report.coders])
    noun = {"turn": "speaker turn", "sentence": "sentence", "char": "character"}[report.kind]
    rule = report.rule.split("; ", 1)[1] if "; " in report.rule else report.rule
    parts = [
        (f"{len(report.coders)} coders coded the interviews independently: {coders}; "
         f"{len(report.documents)} documents were coded by two or more of them."),
        (f"Agreement was assessed per code with the {noun} as the unit ({v.n_units} units): {rule}. "
         "Units of documents a coder had not coded were treated as missing, not as absent."),
    ]
    ci_note = (f" with {report.bootstrap}-replicate bootstrap 95% intervals (resampling {report.cluster}s, "
               f"seed {report.seed})" if report.bootstrap else "")
    per = []
    for r in v.rows:
        if r.alpha.value is None:
            per.append(f"{r.code} undefined ({r.undefined_reason})")
        else:
            ci = f" {_ci(r.ci)}" if r.ci and r.ci.lo is not None else ""
            per.append(f"{r.code} {r.alpha.value:.3f}{ci}")
    parts.append(f"Krippendorff's alpha (nominal; each code a binary variable){ci_note} was: {'; '.join(per)}.")
    pooled = (f"{v.pooled.value:.3f}{(' ' + _ci(v.pooled_ci)) if v.pooled_ci else ''}"
              if v.pooled.value is not None else f"undefined ({v.pooled.undefined_reason})")
    parts.append(f"Pooled over all {v.pooled.n_units} unit-by-code decisions, alpha was {pooled}; "
                 f"the mean of the per-code alphas was {_f(v.mean_alpha)}.")
    kappa = "Cohen's kappa" if report.kappa_name == "cohen_kappa" else "Fleiss' kappa (Gwet's form for missing ratings)"
    parts.append(f"The mean per-code {kappa} was {_f(v.mean_kappa)}.")
    below = [r.code for r in v.rows if r.below]
    if below:
        parts.append(f"{len(below)} code{'s' if len(below) != 1 else ''} fell below Krippendorff's .667 threshold "
                     f"for tentative conclusions: {_list(below)}.")
    else:
        parts.append("No code with a defined alpha fell below Krippendorff's .667 threshold.")
    if "coded" in report.views:
        c = report.views["coded"]
        cp = _f(c.pooled.value) if c.pooled.value is not None else "undefined"
        parts.append(f"Restricted to the {c.n_units} units that at least one coder coded, pooled alpha was {cp}.")
    if report.u_alpha is not None:
        n_docs = report.extra.get("u_alpha_documents")
        over = f" of the {_docs(n_docs)} coded by every coder" if n_docs else ""
        parts.append(f"Krippendorff's unitizing alpha over the character continuum{over} was {report.u_alpha:.3f}.")
    parts.append("Coefficients were computed with cotag (Krippendorff 2011; Cohen 1960; Fleiss 1971; Gwet 2014).")
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
