"""Bootstrap confidence intervals for Krippendorff's alpha, vectorised; two methods.

"cluster" (the default): case resampling.  Alpha depends on the data only through the
coincidence matrix, which is a sum of per-unit contributions.  So each unit's (or
cluster's) contribution is computed once; a bootstrap replicate's coincidence matrix is
then a weighted sum of them, with the weights given by how often each cluster was drawn.
All replicates together are one (replicates x clusters) count matrix times (clusters x
features) contributions.

"krippendorff": Krippendorff's (2013b) algorithm behind Hayes & Krippendorff's (2007)
KALPHA macro, offered for comparison with KALPHA output.  It resamples pairs of values
from the observed coincidences: M = min(25 e, round(n (m - 1) / 2)) pairs per replicate
(e nonzero cells of the coincidence matrix, n pairable values, m coders), each c-k cell
drawn with probability o_ck / n (c = k) or 2 o_ck / n (c < k), and alpha_boot =
1 - sum(delta^2 of the drawn pairs) / (M D_e) with D_e held at its observed value;
values below -1 are set to -1.  A replicate that drew pairs of one value only has no
variation: as KALPHA does (Krippendorff's correction for alpha = 1 - 0/0), it is scored 0
and kept, and counted as undefined (KALPHA replaces the expected number of them; cotag knows
exactly which they are).  All replicates are one multinomial draw.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cotag.reliability.measures import (
    LEVELS,
    REASON_NO_VARIATION,
    REASON_TOO_FEW_UNITS,
    alpha_from_coincidences,
    coincidence_matrix,
    delta_squared,
    value_counts,
)

DEFAULT_SEED = 20240607
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.667, 0.800)
# cap on the (replicates x clusters) count block generated at once
_BLOCK_CELLS = 4_000_000
_FEATURE_BYTES = 1024 * 1024 * 1024
REASON_TOO_FEW_CLUSTERS = "fewer than 2 clusters with pairable units"
#: the two bootstrap methods: case (unit or cluster) resampling, and Krippendorff's (2013b) pair resampling
METHODS: tuple[str, ...] = ("cluster", "krippendorff")


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap distribution of alpha.

    estimate: alpha on the original data (None when undefined; then ci is None too).
    ci: percentile interval (lo, hi) at `ci_level` over the defined replicates.
    p_below: {threshold: share of defined replicates with alpha < threshold}.
    replicates: all replicate values (np.nan where a replicate had no variation).
    summary: mean, sd, median, min and max of the defined replicates.
    n: replicates requested; n_undefined: replicates where alpha was undefined.
    n_clusters: clusters (or units) resampled; for "krippendorff", the pairable units.
    method: "units" or "clusters" (case resampling) or "krippendorff" (pairs, Krippendorff 2013b).
    n_pairs: for "krippendorff", the pairs M drawn per replicate (None otherwise).
    """

    estimate: float | None
    undefined_reason: str | None
    ci: tuple[float, float] | None
    ci_level: float
    p_below: dict[float, float] | None
    replicates: np.ndarray = field(repr=False)
    summary: dict[str, float] | None
    n: int
    n_undefined: int
    n_clusters: int
    seed: int
    level: str
    method: str
    n_pairs: int | None = None

    @property
    def note(self) -> str | None:
        """Why the estimate lies outside its own interval, when it does (None otherwise)."""
        if self.estimate is None or self.ci is None or self.summary is None:
            return None
        return outside_interval_note(self.estimate, self.ci[0], self.ci[1], self.summary["median"],
                                     self.n_undefined, self.n, scored_zero=self.method == "krippendorff")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form without the replicate array."""
        return {
            "estimate": self.estimate,
            "undefined_reason": self.undefined_reason,
            "ci": list(self.ci) if self.ci is not None else None,
            "ci_level": self.ci_level,
            "p_below": {f"{k:.3f}": v for k, v in self.p_below.items()} if self.p_below is not None else None,
            "summary": self.summary,
            "n": self.n,
            "n_undefined": self.n_undefined,
            "n_clusters": self.n_clusters,
            "seed": self.seed,
            "level": self.level,
            "method": self.method,
            "pairs_per_replicate": self.n_pairs,
            "note": self.note,
        }


def fresh_seed() -> int:
    """A seed from the operating system's entropy, when the user gives none."""
    entropy = np.random.SeedSequence().entropy  # an int when drawn from the OS (numpy types it wider)
    if not isinstance(entropy, int):
        raise TypeError(f"unexpected entropy {entropy!r}")
    return entropy % (2**63)


def outside_interval_note(estimate: float, lo: float, hi: float, median: float, n_undefined: int,
                          n: int, scored_zero: bool = False) -> str | None:
    """The explanation printed when an estimate lies outside its own percentile interval (None if inside)."""
    if lo - 1e-12 <= estimate <= hi + 1e-12:
        return None
    side = "below" if estimate < lo else "above"
    why = (f"estimate {estimate:.3f} lies {side} its percentile interval [{lo:.3f}, {hi:.3f}]: the interval is "
           f"the middle of the bootstrap distribution, which is skewed here (median {median:.3f}) and so not "
           "centred on the estimate")
    if n_undefined:
        fate = "scored 0, as KALPHA does" if scored_zero else "left out"
        why += f"; {n_undefined} of {n} replicates had no variation and were {fate}"
    return why


def _as_stack(data_stack: Any) -> np.ndarray:
    """Return a codes x coders x units float array (a 2-D coders x units input gets one code)."""
    x = np.asarray(data_stack, dtype=np.float64)
    if x.ndim == 2:
        x = x[None, :, :]
    if x.ndim != 3:
        raise ValueError(
            f"bootstrap_alpha needs coders x units (one code) or codes x coders x units data; got {x.ndim} dimension(s)"
        )
    if np.isinf(x).any():
        raise ValueError("reliability data contain an infinite value")
    return x


def _cluster_ids(clusters: Any, n_units: int) -> np.ndarray:
    if clusters is None:
        return np.arange(n_units)
    c = np.asarray(clusters)
    if c.ndim != 1 or c.size != n_units:
        raise ValueError(f"clusters must give one cluster id per unit ({n_units}); got shape {c.shape}")
    _, inverse = np.unique(c, return_inverse=True)
    return inverse.ravel()


def _features(x: np.ndarray, cluster: np.ndarray, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster additive contributions to the coincidence matrix.

    Returns (values, F).  For nominal alpha F has columns [sum of diagonal coincidences,
    n_c for each value]; for other levels F holds the flattened V x V coincidence matrix.
    Clusters without a pairable unit are dropped (they carry no information).
    """
    n_codes, n_coders, n_units = x.shape
    flat = x.transpose(1, 0, 2).reshape(n_coders, n_codes * n_units)
    values, counts = value_counts(flat)
    m = counts.sum(axis=1)
    pairable = m >= 2
    unit_cluster = np.tile(cluster, n_codes)[pairable]
    c = counts[pairable].astype(np.float64)
    w = 1.0 / (m[pairable] - 1.0)
    n_clusters = int(cluster.max()) + 1 if cluster.size else 0
    v = values.size
    if level != "nominal" and n_clusters * v * v * 8 > _FEATURE_BYTES:
        raise ValueError(
            f"{v} distinct values over {n_clusters} clusters are too many for a {level} bootstrap "
            f"(needs {n_clusters * v * v * 8 / 2**30:.1f} GB); group the values or use clusters"
        )
    if level == "nominal":
        cols = [(c * (c - 1.0)).sum(axis=1) * w] + [c[:, k] for k in range(v)]
    else:
        cols = []
        for a in range(v):
            for b in range(v):
                pair = c[:, a] * c[:, b] - (c[:, a] if a == b else 0.0)
                cols.append(pair * w)
    feats = np.zeros((n_clusters, len(cols)))
    for k, col in enumerate(cols):
        feats[:, k] = np.bincount(unit_cluster, weights=col, minlength=n_clusters)
    used = np.bincount(unit_cluster, minlength=n_clusters) > 0
    return values, feats[used]


def _alpha_from_features(values: np.ndarray, f: np.ndarray, level: str) -> np.ndarray:
    """Alpha for each row of summed features (rows = replicates); nan where undefined."""
    v = values.size
    if level == "nominal":
        diag = f[:, 0]
        n_c = f[:, 1:]
        n = n_c.sum(axis=1)
        expected = n * n - (n_c**2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = 1.0 - (n - 1.0) * (n - diag) / expected
        return np.where(expected > 1e-9, a, np.nan)
    o = f.reshape(-1, v, v)
    a = alpha_from_coincidences(values, o, level)
    return np.atleast_1d(np.asarray(a, dtype=np.float64))


def _count_blocks(rng: np.random.Generator, n_clusters: int, n: int) -> Iterator[np.ndarray]:
    """Yield (block x n_clusters) draw counts; each row is one replicate's resample."""
    block = max(1, min(n, _BLOCK_CELLS // max(n_clusters, 1)))
    done = 0
    while done < n:
        b = min(block, n - done)
        draws = rng.integers(0, n_clusters, size=(b, n_clusters))
        offsets = (np.arange(b) * n_clusters)[:, None]
        counts = np.bincount((draws + offsets).ravel(), minlength=b * n_clusters).reshape(b, n_clusters)
        # Kept as integers on purpose: int64 @ float64 runs numpy's own single-threaded loop,
        # about as fast as one BLAS thread; float counts would go to multithreaded BLAS, which
        # was up to 30x slower on a busy 2-core machine (threads spinning against each other).
        yield counts
        done += b


def bootstrap_counts(n_clusters: int, n: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """The (n x n_clusters) draw counts `bootstrap_alpha` uses for this seed (for checking)."""
    rng = np.random.default_rng(seed)
    return np.concatenate(list(_count_blocks(rng, n_clusters, n)), axis=0)


def kalpha_pairs(o: np.ndarray, n_coders: int) -> int:
    """Krippendorff's (2013b) M, the pairs drawn per replicate: min(25 e, round(n (m - 1) / 2)).

    e counts the nonzero cells of the (full, symmetric) coincidence matrix, n is the number
    of pairable values and m the number of coders, as in KALPHA and Stata's kalpha.
    """
    n = float(o.sum())
    return int(min(25 * int((o > 1e-12).sum()), round(n * (n_coders - 1) / 2.0)))


def kalpha_replicates(values: np.ndarray, o: np.ndarray, level: str, n_coders: int, n: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """Krippendorff's (2013b) bootstrap of alpha from a coincidence matrix: (replicates, M, undefined).

    Replicates that drew pairs of a single value (no variation) are scored 0, as in KALPHA;
    `undefined` counts them.  Every replicate is a row of one multinomial draw over the
    cells c <= k, so the work is O(n x V^2).
    """
    n_c = o.sum(axis=1)
    total = float(n_c.sum())
    d = delta_squared(values, n_c, level)
    expected = float((np.outer(n_c, n_c) * d).sum()) / (total * (total - 1.0))
    m = kalpha_pairs(o, n_coders)
    lo, hi = np.tril_indices(values.size)
    p = np.where(lo == hi, o[lo, hi], 2.0 * o[lo, hi]) / total
    p = np.clip(p, 0.0, None)
    p /= p.sum()
    drawn = rng.multinomial(m, p, size=n)
    reps = 1.0 - (drawn @ d[lo, hi]) / (m * expected)
    reps = np.maximum(reps, -1.0)  # KALPHA's floor
    one_value = (drawn[:, lo == hi] == m).any(axis=1)
    reps[one_value] = 0.0
    return reps, m, int(one_value.sum())


def bootstrap_alpha(
    data_stack: Any,
    n: int = 2000,
    seed: int | None = DEFAULT_SEED,
    clusters: Any = None,
    level: str = "nominal",
    ci_level: float = 0.95,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    method: str = "cluster",
) -> BootstrapResult:
    """Percentile bootstrap of Krippendorff's alpha by resampling units or clusters.

    data_stack: coders x units (one variable, e.g. one binary code) or codes x coders x
        units (pooled alpha over all codes; a unit is resampled with all its codes).
    clusters: optional int array, one id per unit (e.g. speaker turn or document);
        whole clusters are resampled with replacement.  Default: each unit is a cluster.
    seed: numpy Generator seed; the same seed gives the same replicates.  None draws a
        fresh seed, which is reported in the result.
    method: "cluster" (resample units or clusters) or "krippendorff" (Krippendorff's 2013b
        pair resampling, for comparison with KALPHA; `clusters` must then be None).
    """
    if method not in METHODS:
        raise ValueError(f"unknown bootstrap method {method!r}; use {' or '.join(METHODS)}")
    if method == "krippendorff" and clusters is not None:
        raise ValueError("the krippendorff bootstrap resamples pairs of values, not clusters; leave clusters out")
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}; valid levels: {', '.join(LEVELS)}")
    if n < 1:
        raise ValueError(f"n must be a positive number of replicates; got {n}")
    if not 0.0 < ci_level < 1.0:
        raise ValueError(f"ci_level must lie between 0 and 1; got {ci_level}")
    if seed is None:
        seed = fresh_seed()
    x = _as_stack(data_stack)
    if method == "krippendorff":
        return _kalpha_bootstrap(x, n, int(seed), level, ci_level, thresholds)
    cluster = _cluster_ids(clusters, x.shape[2])
    method = "units" if clusters is None else "clusters"
    values, feats = _features(x, cluster, level)
    n_clusters = feats.shape[0]
    empty = np.full(n, np.nan)

    def undefined(reason: str) -> BootstrapResult:
        return BootstrapResult(
            None, reason, None, ci_level, None, empty, None, n, n, n_clusters, int(seed), level, method
        )

    if n_clusters < 2:
        return undefined(REASON_TOO_FEW_UNITS if method == "units" else REASON_TOO_FEW_CLUSTERS)
    if level == "ratio" and values.size and values.min() < 0:
        raise ValueError("the ratio level needs non-negative values; use interval for signed data")
    estimate = float(_alpha_from_features(values, feats.sum(axis=0, keepdims=True), level)[0])
    if not np.isfinite(estimate):
        return undefined(REASON_NO_VARIATION)

    rng = np.random.default_rng(seed)
    reps = np.concatenate(
        [_alpha_from_features(values, counts @ feats, level) for counts in _count_blocks(rng, n_clusters, n)]
    )
    return summarise_replicates(estimate, reps, n, n_clusters, int(seed), level, method, ci_level, thresholds)


def _kalpha_bootstrap(x: np.ndarray, n: int, seed: int, level: str, ci_level: float,
                      thresholds: Sequence[float]) -> BootstrapResult:
    n_codes, n_coders, n_units = x.shape
    flat = x.transpose(1, 0, 2).reshape(n_coders, n_codes * n_units)
    pairable = int(((~np.isnan(flat)).sum(axis=0) >= 2).sum())
    empty = np.full(n, np.nan)

    def undefined(reason: str) -> BootstrapResult:
        return BootstrapResult(None, reason, None, ci_level, None, empty, None, n, n, pairable, seed, level,
                               "krippendorff")

    if pairable < 2:
        return undefined(REASON_TOO_FEW_UNITS)
    values, o = coincidence_matrix(flat)
    if level == "ratio" and values.size and values.min() < 0:
        raise ValueError("the ratio level needs non-negative values; use interval for signed data")
    estimate = alpha_from_coincidences(values, o, level)
    if values.size < 2 or not np.isfinite(estimate):
        return undefined(REASON_NO_VARIATION)
    reps, pairs, one_value = kalpha_replicates(values, o, level, n_coders, n, np.random.default_rng(seed))
    return summarise_replicates(float(estimate), reps, n, pairable, seed, level, "krippendorff", ci_level,
                                thresholds, n_pairs=pairs, n_undefined=one_value)


def summarise_replicates(estimate: float, reps: np.ndarray, n: int, n_clusters: int, seed: int, level: str,
                         method: str, ci_level: float, thresholds: Sequence[float], n_pairs: int | None = None,
                         n_undefined: int | None = None) -> BootstrapResult:
    """Percentile interval, threshold shares and summary of the replicates (np.nan = undefined, left out).

    n_undefined: for the krippendorff method, the replicates scored 0 for want of variation.
    """
    defined = reps[np.isfinite(reps)]
    if n_undefined is None:
        n_undefined = int(n - defined.size)
    if defined.size == 0:
        return BootstrapResult(
            estimate, None, None, ci_level, None, reps, None, n, n_undefined, n_clusters, int(seed), level, method,
            n_pairs,
        )
    tail = (1.0 - ci_level) / 2.0
    lo, hi = np.quantile(defined, [tail, 1.0 - tail])
    p_below = {float(t): float((defined < t).mean()) for t in thresholds}
    summary = {
        "mean": float(defined.mean()),
        "sd": float(defined.std(ddof=1)) if defined.size > 1 else 0.0,
        "median": float(np.median(defined)),
        "min": float(defined.min()),
        "max": float(defined.max()),
    }
    return BootstrapResult(
        estimate,
        None,
        (float(lo), float(hi)),
        ci_level,
        p_below,
        reps,
        summary,
        n,
        n_undefined,
        n_clusters,
        int(seed),
        level,
        method,
        n_pairs,
    )


__all__ = ["DEFAULT_SEED", "METHODS", "BootstrapResult", "bootstrap_alpha", "bootstrap_counts", "kalpha_pairs",
           "kalpha_replicates"]
