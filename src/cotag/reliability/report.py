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
"""

from __future__ import annotations

import io
import itertools
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cotag.reliability.bootstrap import (
    DEFAULT_SEED,
    DEFAULT_THRESHOLDS,
    METHODS,
    _count_blocks,
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

THRESHOLD = 0.667
VIEWS: tuple[str, ...] = ("all", "coded")
FORMATS: tuple[str, ...] = ("table", "csv", "json", "md", "methods")
CLUSTERS: tuple[str, ...] = ("unit", "turn", "document")


@dataclass
class Interval:
    """A bootstrap percentile interval with the chance that alpha lies below each threshold, and its footing.

    method: "cluster" (case resampling of `clusters` units, turns or documents) or
    "krippendorff" (Krippendorff's 2013b pair resampling, `pairs` pairs per replicate).
    note: why the estimate lies outside the interval, when it does.
    """

    lo: float | None
    hi: float | None
    p_below: dict[float, float]
    n: int
    n_undefined: int
    method: str = "cluster"
    clusters: int | None = None
    pairs: int | None = None
    median: float | None = None
    note: str | None = None

    @property
    def undefined_share(self) -> float:
        return self.n_undefined / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "p_below": {f"{k:.3f}": v for k, v in self.p_below.items()},
                "replicates": self.n, "undefined_replicates": self.n_undefined, "method": self.method,
                "clusters_resampled": self.clusters, "pairs_per_replicate": self.pairs, "median": self.median,
                "note": self.note}


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
    fleiss: MeasureResult | None = None  # with 3+ coders, Fleiss' kappa beside the Conger's shown

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
        if self.fleiss is not None:
            out["fleiss_kappa"] = self.fleiss.value
        if self.u_alpha is not None or self.u_alpha_reason is not None:
            out["u_alpha"] = self.u_alpha
            out["u_alpha_undefined_reason"] = self.u_alpha_reason
        return out


@dataclass
class ViewReport:
    """All codes in one view, with its denominator named, and the pooled figures.

    pooled: the headline, over the codes with variation in this view; `excluded` names the
    codes left out and why.  pooled_all: the same over every code (descriptive: codes that
    never vary add agreement that nobody had to reach).
    """

    view: str
    denominator: str
    n_units: int
    rows: list[CodeRow]
    pooled: MeasureResult
    pooled_ci: Interval | None
    mean_alpha: float | None
    mean_kappa: float | None
    n_defined: int
    pooled_all: MeasureResult | None = None
    pooled_all_ci: Interval | None = None
    excluded: list[tuple[str, str]] = field(default_factory=list)
    clusters: int | None = None  # clusters the bootstrap resampled (cluster method)
    warnings: list[str] = field(default_factory=list)

    @property
    def pooled_codes(self) -> int:
        return len(self.rows) - len(self.excluded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "denominator": self.denominator,
            "n_units": self.n_units,
            "codes": [r.to_dict() for r in self.rows],
            "pooled_alpha": self.pooled.value,
            "pooled_undefined_reason": self.pooled.undefined_reason,
            "pooled_decisions": self.pooled.n_units,
            "pooled_codes": self.pooled_codes,
            "pooled_ci": self.pooled_ci.to_dict() if self.pooled_ci else None,
            "pooled_excluded_codes": [{"code": c, "reason": r} for c, r in self.excluded],
            "pooled_alpha_all_codes": self.pooled_all.value if self.pooled_all else None,
            "pooled_all_codes_decisions": self.pooled_all.n_units if self.pooled_all else None,
            "pooled_all_codes_ci": self.pooled_all_ci.to_dict() if self.pooled_all_ci else None,
            "mean_alpha": self.mean_alpha,
            "mean_kappa": self.mean_kappa,
            "codes_with_defined_alpha": self.n_defined,
            "bootstrap_clusters": self.clusters,
            "warnings": list(self.warnings),
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
    bootstrap_method: str = "cluster"
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
            "bootstrap": {"replicates": self.bootstrap, "seed": self.seed, "method": self.bootstrap_method,
                          "interval": "percentile, 95%",
                          "resampled": self.cluster if self.bootstrap_method == "cluster" else "pairs of values"}
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
    pooled_est = _alpha_binary(totals[include].sum(axis=0)) if include.any() else np.nan
    all_est = _alpha_binary(totals.sum(axis=0))
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
        seed = int(np.random.SeedSequence().entropy % (2**63))
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
    defined = [r for r in v.rows if r.alpha.value is not None]
    reliable = [r.code for r in defined if r.alpha.value >= 0.8]
    tentative = [r.code for r in defined if THRESHOLD <= r.alpha.value < 0.8]
    below = [r.code for r in defined if r.alpha.value < THRESHOLD]
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
