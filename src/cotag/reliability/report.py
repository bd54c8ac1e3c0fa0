"""The agreement report: per-code table, pooled figures, bootstrap intervals and their renderings.

Input is a `Unitised` (codes x coders x units, nan = missing).  For every code the report
gives Krippendorff's alpha (nominal, binary), a kappa (Cohen's for two coders; Conger's,
in Gwet's missing-data form, for three or more, with Fleiss' beside it), Gwet's AC1,
percent agreement, prevalence, the 2x2 counts and the pairable units, each in two views:

- "all units": every unit of the double-coded documents;
- "coded-only": only units that at least one coder coded with any of the selected codes
  (uncoded text is then not counted as agreement).

Pooled over codes: the headline alpha over every (unit, code) decision of the codes with
variation in the view (the others are named with the reason), the same over all codes
(descriptive), and the mean of the per-code values (descriptive).  Bootstrap intervals
resample units, turns or documents, all codes and the pooled figures sharing the same
resamples; or, for comparison with KALPHA, follow Krippendorff's (2013b) pair resampling.
Every interval carries its footing (method, clusters or pairs, undefined replicates).
Renderings: table (rich), csv, json, md, and a methods paragraph.

The report's data types are in :mod:`cotag.reliability.report_model`, the renderings in
:mod:`cotag.reliability.report_render`; both are importable from here, as before.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cotag.reliability.bootstrap import (
    DEFAULT_SEED,
    DEFAULT_THRESHOLDS,
    METHODS,
    _count_blocks,
    fresh_seed,
    kalpha_replicates,
    outside_interval_note,
)
from cotag.reliability.measures import (
    NEVER_APPLIED,
    REASON_NO_VARIATION,
    BinaryCounts,
    BinaryMeasures,
    BinaryTable,
    MeasureResult,
    binary_counts,
    binary_measures,
    binary_table,
    coder_marginals,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    pooled_alpha,
    prevalence,
    variation_reason,
)
from cotag.reliability.units import Unitised
from cotag.reliability.report_model import (
    CLUSTERS,
    VIEWS,
    AgreementReport,
    CodeRow,
    Interval,
    ViewReport,
)
from cotag.reliability.report_model import FORMATS as FORMATS
from cotag.reliability.report_model import THRESHOLD as THRESHOLD

if TYPE_CHECKING:
    from cotag.reliability.report_render import _f as _f
    from cotag.reliability.report_render import TABLE_COLUMNS as TABLE_COLUMNS
    from cotag.reliability.report_render import BOOTSTRAP_COLUMN as BOOTSTRAP_COLUMN
    from cotag.reliability.report_render import render_table as render_table
    from cotag.reliability.report_render import CSV_BOOTSTRAP as CSV_BOOTSTRAP
    from cotag.reliability.report_render import render_csv as render_csv
    from cotag.reliability.report_render import render_md as render_md
    from cotag.reliability.report_render import render_methods as render_methods
    from cotag.reliability.report_render import render as render

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


@dataclass
class TableIntervals:
    """Bootstrap intervals of one view: every code, the headline pooled alpha and the all-codes one."""

    per_code: list[Interval | None]
    pooled: Interval | None
    pooled_all: Interval | None
    clusters: int | None


def _interval(values: np.ndarray, est: float, n: int, ci_level: float, thresholds, method: str,
              clusters: int | None, pairs: int | None, n_undefined: int | None = None) -> Interval | None:
    """The percentile interval of the defined replicates (np.nan = undefined, left out).

    n_undefined: for the krippendorff method, the replicates KALPHA scores 0 for want of variation.
    """
    if not np.isfinite(est):
        return None
    defined = values[np.isfinite(values)]
    if defined.size == 0:
        return Interval(None, None, {}, n, n, method, clusters, pairs)
    tail = (1.0 - ci_level) / 2.0
    lo, hi = (float(v) for v in np.quantile(defined, [tail, 1.0 - tail]))
    median = float(np.median(defined))
    if n_undefined is None:
        n_undefined = int(n - defined.size)
    return Interval(lo, hi, {float(t): float((defined < t).mean()) for t in thresholds}, n, n_undefined,
                    method, clusters, pairs, median,
                    outside_interval_note(float(est), lo, hi, median, n_undefined, n,
                                          scored_zero=method == "krippendorff"))


def _code_rng(seed: int, name: str) -> np.random.Generator:
    """A stream per code name, so that a code's replicates do not depend on which other codes are in the table."""
    return np.random.default_rng([int(seed) % (2**63), zlib.crc32(name.encode("utf-8"))])


def bootstrap_intervals(counts: BinaryCounts, clusters: np.ndarray | None, n: int, seed: int, *,
                        include: np.ndarray | None = None, method: str = "cluster",
                        codes: list[str] | None = None, thresholds=DEFAULT_THRESHOLDS,
                        ci_level: float = 0.95) -> TableIntervals:
    """Intervals for every code, the pooled alpha over the `include`d codes and over all codes.

    method "cluster": one shared set of resamples of units or clusters for every figure.
    method "krippendorff": Krippendorff's (2013b) pair resampling from each code's coincidences
    (and from the summed coincidences for pooled alpha), each on its own random stream.
    """
    n_codes, n_units = counts.k.shape
    include = np.ones(n_codes, dtype=bool) if include is None else np.asarray(include, dtype=bool)
    if clusters is None:
        cluster = np.arange(n_units)
    else:
        _, cluster = np.unique(np.asarray(clusters), return_inverse=True)
        cluster = cluster.ravel()
    feats, _ = _binary_features(None, cluster, counts)
    n_clusters = feats.shape[0]
    if n_clusters < 2 or n_codes == 0:
        return TableIntervals([None] * n_codes, None, None, n_clusters if method == "cluster" else None)
    totals = feats.sum(axis=0)  # codes x [diag, n_0, n_1]
    estimate = _alpha_binary(totals)
    pooled_est = float(_alpha_binary(totals[include].sum(axis=0))) if include.any() else float("nan")
    all_est = float(_alpha_binary(totals.sum(axis=0)))
    if method == "krippendorff":
        return _kalpha_intervals(totals, include, counts.n_coders, n, seed, codes, estimate, pooled_est, all_est,
                                 thresholds, ci_level)
    flat = feats.reshape(n_clusters, n_codes * 3)
    # When every code has the same pairable values per cluster (missingness is per coder and
    # document, so this is the rule for unitised data), n_0 = n - n_1 needs no column of its
    # own: the product shrinks from 3 to 2 columns per code, and the sums stay exact (integers).
    n_pairable = feats[:, :, 1] + feats[:, :, 2]
    shared_n = bool((n_pairable == n_pairable[:, :1]).all())
    product = (np.concatenate([feats[:, :, 0], feats[:, :, 2], n_pairable[:, :1]], axis=1) if shared_n
               else flat)
    rng = np.random.default_rng(seed)
    per_code, pooled, pooled_all = [], [], []
    for draws in _count_blocks(rng, n_clusters, n):
        if shared_n:
            p = draws @ product
            diag, ones, total = p[:, :n_codes], p[:, n_codes:2 * n_codes], p[:, 2 * n_codes:]
            summed = np.stack([diag, total - ones, ones], axis=-1)
        else:
            summed = (draws @ flat).reshape(-1, n_codes, 3)
        per_code.append(_alpha_binary(summed))
        pooled.append(_alpha_binary(summed[:, include].sum(axis=1)))
        pooled_all.append(_alpha_binary(summed.sum(axis=1)))
    reps = np.concatenate(per_code, axis=0)  # n x codes

    def interval(values: np.ndarray, est: float) -> Interval | None:
        return _interval(values, est, n, ci_level, thresholds, "cluster", n_clusters, None)

    return TableIntervals([interval(reps[:, k], estimate[k]) for k in range(n_codes)],
                          interval(np.concatenate(pooled), pooled_est),
                          interval(np.concatenate(pooled_all), all_est), n_clusters)


def _binary_coincidences(f: np.ndarray) -> np.ndarray:
    """The 2 x 2 coincidence matrix of a binary variable from its summed [diag, n_0, n_1]."""
    diag, n0, n1 = f
    off = (n0 + n1 - diag) / 2.0
    return np.array([[n0 - off, off], [off, n1 - off]])


def _kalpha_intervals(totals: np.ndarray, include: np.ndarray, n_coders: int, n: int, seed: int,
                      codes: list[str] | None, estimate: np.ndarray, pooled_est: float, all_est: float,
                      thresholds, ci_level: float) -> TableIntervals:
    names = codes if codes is not None else [f"code {k}" for k in range(totals.shape[0])]
    values = np.array([0.0, 1.0])

    def interval(f: np.ndarray, est: float, name: str) -> Interval | None:
        if not np.isfinite(est):
            return None
        reps, pairs, one_value = kalpha_replicates(values, _binary_coincidences(f), "nominal", n_coders, n,
                                                   _code_rng(seed, name))
        return _interval(reps, est, n, ci_level, thresholds, "krippendorff", None, pairs, one_value)

    per_code = [interval(totals[k], estimate[k], names[k]) for k in range(totals.shape[0])]
    pooled = interval(totals[include].sum(axis=0), pooled_est, "(pooled)") if include.any() else None
    pooled_all = interval(totals.sum(axis=0), all_est, "(pooled, all codes)")
    return TableIntervals(per_code, pooled, pooled_all, None)


def bootstrap_table(stack: np.ndarray | None, clusters: np.ndarray | None, n: int, seed: int,
                    thresholds=DEFAULT_THRESHOLDS, ci_level: float = 0.95,
                    counts: BinaryCounts | None = None) -> tuple[list[Interval | None], Interval | None]:
    """Cluster-bootstrap intervals for every code and for pooled alpha over all of them (shared resamples).

    `counts` (per-unit counts of `stack`, from `binary_counts`) may be given instead of `stack`.
    """
    if counts is None:
        counts = binary_counts(stack)
    t = bootstrap_intervals(counts, clusters, n, seed, thresholds=thresholds, ci_level=ci_level)
    return t.per_code, t.pooled_all


KAPPA_LABELS = {"cohen_kappa": "Cohen's kappa", "conger_kappa": "Conger's kappa", "fleiss_kappa": "Fleiss' kappa"}
#: the reason a parent theme without codings of its own is left out of the pooled alpha
PARENT_WITHOUT_CODINGS = "parent theme with no codings of its own"
MIN_CLUSTERS = 20
MAX_UNDEFINED_SHARE = 0.05


def kappa_for(n_coders: int) -> str:
    """The kappa the per-code table shows: Cohen's for 2 coders, Conger's (its multi-rater form) for 3 or more.

    cotag's coders are the same named people on every unit, the situation Cohen's and Conger's
    kappas describe; Fleiss' kappa assumes raters drawn anew for each unit (given beside it in JSON and CSV).
    """
    return "cohen_kappa" if n_coders == 2 else "conger_kappa"


def _code_row(code: str, x: np.ndarray, kappa_name: str) -> CodeRow:
    n_coders = x.shape[0]
    if kappa_name == "cohen_kappa":
        kappa = cohen_kappa(x)
    elif kappa_name == "conger_kappa":
        kappa = conger_kappa(x)
    else:
        kappa = fleiss_kappa(x)
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
        fleiss=fleiss_kappa(x) if n_coders >= 3 else None,
    )


def _fast_rows(codes: list[str], counts: BinaryCounts, kappa_name: str,
               marginals: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[list[CodeRow], BinaryMeasures]:
    """Every code's row and the pooled figures from per-unit counts (the binary fast path)."""
    b = binary_measures(counts, marginals)
    conger = b.conger if kappa_name == "conger_kappa" and b.conger is not None else None
    rows = [CodeRow(code=code, alpha=b.alpha[k], kappa=conger[k] if conger else b.kappa[k], kappa_name=kappa_name,
                    ac1=b.ac1[k], percent=b.percent[k], prevalence=b.prevalence[k], counts=b.tables[k],
                    pairable=b.pairable[k], fleiss=b.kappa[k] if conger else None)
            for k, code in enumerate(codes)]
    return rows, b


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def _general_exclusions(sub: np.ndarray) -> list[str | None]:
    """Why each code of a (non-binary) stack has no variation in its pairable data (None when it varies)."""
    reasons: list[str | None] = []
    for x in sub:
        pairable = (~np.isnan(x)).sum(axis=0) >= 2
        values = x[:, pairable][~np.isnan(x[:, pairable])]
        if np.unique(values).size >= 2:
            reasons.append(None)
        elif values.size and not (values == 1).all() and not (values == 0).all():
            reasons.append("only one value occurs")
        else:
            reasons.append(variation_reason(int((x == 1).sum()), int((values == 1).sum()),
                                            int((values != 1).sum())))
    return reasons


def _warnings(v: ViewReport, method: str, cluster: str) -> list[str]:
    """What a reader of the intervals must know: thin footing, many undefined replicates, the method's limits."""
    out = []
    if method == "cluster" and v.clusters is not None and v.clusters < MIN_CLUSTERS:
        out.append(f"only {v.clusters} {cluster}s were resampled (fewer than {MIN_CLUSTERS}): "
                   "the intervals rest on too few independent pieces to be trusted")
    many = [(r.code, r.ci) for r in v.rows if r.ci is not None and r.ci.undefined_share > MAX_UNDEFINED_SHARE]
    for label, ci in (("pooled alpha", v.pooled_ci), ("pooled alpha (all codes)", v.pooled_all_ci)):
        if ci is not None and ci.undefined_share > MAX_UNDEFINED_SHARE:
            many.append((label, ci))
    for name, ci in many:
        fate = ("were scored alpha = 0, as KALPHA does" if method == "krippendorff"
                else "were left out; its interval describes the other replicates only")
        out.append(f"{name}: {ci.n_undefined} of {ci.n} replicates ({ci.undefined_share:.0%}) had no variation "
                   f"and {fate}")
    if method == "krippendorff":
        pairs = sorted({r.ci.pairs for r in v.rows if r.ci is not None and r.ci.pairs})
        shown = f" ({', '.join(map(str, pairs))} per replicate here)" if pairs else ""
        out.append("Krippendorff's (2013b) bootstrap resamples pairs of values with the expected disagreement "
                   f"held fixed, at most 25 per nonzero coincidence cell{shown}; it ignores that values come in "
                   "units, and its width follows that number of pairs, not the number of units, so it can be "
                   "narrower or wider than case resampling (criticised by Gwet 2015, Zapf et al. 2016, Hughes "
                   "2022): use it to compare with KALPHA output")
    return out


def build_report(data: Unitised, *, bootstrap: int = 0, seed: int | None = DEFAULT_SEED,
                 cluster: str | None = None, views: tuple[str, ...] = VIEWS,
                 spans: list[Any] | None = None, bootstrap_method: str = "cluster") -> AgreementReport:
    """Compute the whole report.

    cluster: what the bootstrap resamples; default 'unit' for turn units and 'turn' for
    sentence and character units (neighbouring sentences of one turn are not independent).
    bootstrap_method: "cluster" (case resampling, the default) or "krippendorff"
    (Krippendorff's 2013b pair resampling, for comparison with KALPHA).
    spans: for character units, the (coder, document, code, start, end) spans, so that
    u-alpha can be given per code and overall on each document's continuum.
    """
    if cluster is None:
        cluster = "unit" if data.kind == "turn" else "turn"
    if cluster not in CLUSTERS:
        raise ValueError(f"unknown cluster {cluster!r}; use {', '.join(CLUSTERS)}")
    if bootstrap_method not in METHODS:
        raise ValueError(f"unknown bootstrap method {bootstrap_method!r}; use {' or '.join(METHODS)}")
    if bootstrap < 0:
        raise ValueError(f"--bootstrap needs a non-negative number of replicates; got {bootstrap}")
    if seed is None:
        seed = fresh_seed()
    n_coders = len(data.coders)
    kappa_name = kappa_for(n_coders)
    stack = data.stack
    parents = set(data.parent_codes)
    # binary 0/1/nan data with 2+ coders (what unitise produces): every measure from per-unit counts
    counts = None
    if n_coders >= 2 and data.codes and stack.ndim == 3:
        try:
            counts = binary_counts(stack)
        except ValueError:  # not 0/1 data: the general per-code measures below
            counts = None
    coded_any: np.ndarray
    if counts is not None:
        coded_any = np.asarray((counts.k > 0).any(axis=0))
    else:
        coded_any = (np.asarray((np.nan_to_num(stack, nan=0.0) == 1).any(axis=(0, 1))) if stack.size
                     else np.zeros(0, bool))
    noun = {"turn": "speaker turns", "sentence": "sentences", "char": "characters"}[data.kind]
    speakers = "all" if data.include_interviewer else "respondent"
    out_views: dict[str, ViewReport] = {}
    for view in views:
        mask: np.ndarray = np.ones(stack.shape[2], dtype=bool) if view == "all" else coded_any
        sub_counts = None if counts is None else (counts if view == "all" else counts.select(mask))
        # the fast path needs no copy of the stack (for 10 coders x 600k units that copy alone took seconds)
        sub = None if sub_counts is not None else (stack if view == "all" else stack[:, :, mask])
        if view == "all":
            denominator = (f"all {int(mask.sum())} {speakers} {noun} of the {len(data.documents)} "
                           f"documents coded by two or more coders")
        else:
            denominator = (f"the {int(mask.sum())} {speakers} {noun} that at least one coder coded "
                           f"with any of the {len(data.codes)} codes")
        if sub_counts is not None:
            marginals = None
            if n_coders >= 3:  # Conger's kappa needs each coder's own marginals
                marginals = sub_counts.marginals if view == "all" else coder_marginals(stack, mask)
            rows, b = _fast_rows(list(data.codes), sub_counts, kappa_name, marginals)
            pooled, pooled_all, reasons = b.pooled, b.pooled_all, b.without_variation
        else:
            assert sub is not None  # no counts: the stack itself
            rows = [_code_row(code, sub[k], kappa_name) for k, code in enumerate(data.codes)]
            reasons = _general_exclusions(sub) if data.codes else []
            keep = np.array([r is None for r in reasons], dtype=bool)
            pooled_all = pooled_alpha(sub) if data.codes else MeasureResult(None, "no codes", 0, n_coders)
            pooled = (pooled_alpha(sub[keep]) if keep.any()
                      else MeasureResult(None, "no code varies: every code was never applied or applied to "
                                               "every unit", 0, n_coders))
        excluded = [(code, PARENT_WITHOUT_CODINGS if code in parents and reason == NEVER_APPLIED else reason)
                    for code, reason in zip(data.codes, reasons) if reason is not None]
        for row in rows:
            # Gwet's AC1 with q = 2 is 1 for a code nobody (or everybody) applied; the table reports
            # such a code as undefined with its reason throughout, never as a misleading 1
            if row.alpha.undefined_reason == REASON_NO_VARIATION and row.ac1.value is not None:
                row.ac1 = MeasureResult(None, REASON_NO_VARIATION, row.ac1.n_units, row.ac1.n_coders,
                                        dict(row.ac1.extra))
        v = ViewReport(
            view=view, denominator=denominator, n_units=int(mask.sum()), rows=rows, pooled=pooled,
            pooled_ci=None, mean_alpha=_mean([r.alpha.value for r in rows]),
            mean_kappa=_mean([r.kappa.value for r in rows]),
            n_defined=sum(r.alpha.value is not None for r in rows),
            pooled_all=pooled_all, excluded=excluded,
        )
        if bootstrap and data.codes:
            clusters = data.clusters(cluster)
            include = np.array([reason is None for reason in reasons], dtype=bool)
            t = bootstrap_intervals(sub_counts if sub_counts is not None else binary_counts(sub),
                                    None if clusters is None else clusters[mask], bootstrap, seed,
                                    include=include, method=bootstrap_method, codes=list(data.codes))
            for row, ci in zip(rows, t.per_code):
                row.ci = ci
            v.pooled_ci, v.pooled_all_ci, v.clusters = t.pooled, t.pooled_all, t.clusters
            v.warnings = _warnings(v, bootstrap_method, cluster)
        out_views[view] = v
    report = AgreementReport(kind=data.kind, rule=data.rule_text, coders=list(data.coders), coded=data.coded,
                             documents=list(data.documents), views=out_views, bootstrap=bootstrap,
                             seed=seed if bootstrap else None, cluster=cluster, kappa_name=kappa_name,
                             bootstrap_method=bootstrap_method)
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


# Moved to cotag.reliability.report_render; importers keep importing them from here (loaded on first use, so
# that module can import this one).
_MOVED = frozenset({
    "BOOTSTRAP_COLUMN", "CSV_BOOTSTRAP", "TABLE_COLUMNS", "_f", "render", "render_csv", "render_md",
    "render_methods", "render_table",
})


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from importlib import import_module

        value = getattr(import_module("cotag.reliability.report_render"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cotag.reliability.report' has no attribute {name!r}")
