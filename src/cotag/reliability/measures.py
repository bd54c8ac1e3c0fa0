"""Agreement coefficients on coders x units matrices (np.nan = the coder did not rate the unit).

Every measure takes a coders x units array of floats.  A missing value (np.nan) means
that the coder did not see the unit; it is never the same as 0 ("seen, code not
applied").  A unit is *pairable* when at least two coders rated it.  Results come back
as `MeasureResult`; when a coefficient is undefined for the data (for instance a code
that nobody, or everybody, applied) the value is None and `undefined_reason` says why,
instead of an exception or a misleading 0 or 1.

Formulas and sources are in docs/agreement.md. The binary fast path (every measure for all codes at
once) is in :mod:`cotag.reliability.binary`; its names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import krippendorff
import numpy as np

if TYPE_CHECKING:
    from cotag.reliability.binary import BINARY_ENGINE as BINARY_ENGINE
    from cotag.reliability.binary import PACKAGE_ENGINE as PACKAGE_ENGINE
    from cotag.reliability.binary import BinaryCounts as BinaryCounts
    from cotag.reliability.binary import is_binary as is_binary
    from cotag.reliability.binary import binary_counts as binary_counts
    from cotag.reliability.binary import NEVER_APPLIED as NEVER_APPLIED
    from cotag.reliability.binary import APPLIED_EVERYWHERE as APPLIED_EVERYWHERE
    from cotag.reliability.binary import ONLY_UNPAIRED as ONLY_UNPAIRED
    from cotag.reliability.binary import BinaryMeasures as BinaryMeasures
    from cotag.reliability.binary import coder_marginals as coder_marginals
    from cotag.reliability.binary import NO_PAIRABLE as NO_PAIRABLE
    from cotag.reliability.binary import variation_reason as variation_reason
    from cotag.reliability.binary import binary_measures as binary_measures

LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

REASON_NO_VARIATION = "no variation: only one value occurs in the pairable data"
REASON_TOO_FEW_UNITS = "fewer than 2 pairable units"
REASON_TOO_FEW_CODERS = "fewer than 2 coders"

# The krippendorff package builds (units x values x values) float arrays; above this
# many bytes the same coincidence matrix is computed by one matrix product instead.
PACKAGE_MEMORY_LIMIT = 512 * 1024 * 1024


@dataclass(frozen=True)
class MeasureResult:
    """One coefficient for one variable.

    value: the coefficient, or None when it is undefined for these data.
    undefined_reason: why the value is None (None when the value is defined).
    n_units: pairable units (rated by at least two coders; for Cohen's kappa, by both).
    n_coders: coders (rows) in the data.
    extra: measure-specific details (observed and chance agreement, engine, ...).
    """

    value: float | None
    undefined_reason: str | None
    n_units: int
    n_coders: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "undefined_reason": self.undefined_reason,
            "n_units": self.n_units,
            "n_coders": self.n_coders,
            **{k: v for k, v in self.extra.items()},
        }


@dataclass(frozen=True)
class BinaryTable:
    """2 x 2 table of two coders' 0/1 decisions over the units both of them rated."""

    both: int
    only_a: int
    only_b: int
    neither: int

    @property
    def n(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither

    @property
    def prevalence(self) -> float | None:
        """Share of 1s among the 2n decisions in the table (None for an empty table)."""
        if self.n == 0:
            return None
        return (2 * self.both + self.only_a + self.only_b) / (2 * self.n)

    @property
    def percent_agreement(self) -> float | None:
        if self.n == 0:
            return None
        return (self.both + self.neither) / self.n


# --------------------------------------------------------------------------- helpers


def as_reliability_data(data: Any) -> np.ndarray:
    """Return `data` as a 2-D float64 coders x units array; None becomes np.nan.

    Raises ValueError for anything that is not a 2-D table of numbers, or that holds
    infinite values.
    """
    try:
        x = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"reliability data must be numbers with np.nan for a missing value (could not convert: {exc})"
        ) from None
    if x.ndim != 2:
        raise ValueError(f"reliability data must be a 2-D coders x units array; got {x.ndim} dimension(s)")
    if np.isinf(x).any():
        raise ValueError("reliability data contain an infinite value")
    return x


def _check_level(level: str, measure: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}; valid levels: {', '.join(LEVELS)}")
    if measure != "krippendorff_alpha" and level != "nominal":
        raise ValueError(
            f"{measure} is defined for nominal data only (got level {level!r}); "
            "use krippendorff_alpha for ordinal, interval or ratio data"
        )


def value_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (values, counts): the sorted distinct values and a units x values count matrix.

    counts[u, v] is the number of coders who gave unit u the value values[v].
    """
    present = ~np.isnan(x)
    values = np.unique(x[present])
    n_units = x.shape[1]
    counts = np.zeros((n_units, values.size), dtype=np.int64)
    if values.size:
        _, units = np.nonzero(present)
        idx = np.searchsorted(values, x[present])
        np.add.at(counts, (units, idx), 1)
    return values, counts


def coincidence_matrix(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """Krippendorff's coincidence matrix o_ck = sum_u (pairs c-k in u) / (m_u - 1).

    Returns (values, o).  Only pairable units (m_u >= 2) contribute.  Memory is
    O(units x values), computed as one matrix product.
    """
    x = as_reliability_data(data)
    values, counts = value_counts(x)
    m = counts.sum(axis=1)
    pairable = m >= 2
    c = counts[pairable].astype(np.float64)
    w = 1.0 / (m[pairable] - 1.0)
    o = c.T @ (c * w[:, None]) - np.diag((c * w[:, None]).sum(axis=0))
    return values, o


def delta_squared(values: np.ndarray, n_c: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's difference function delta^2 for every pair of values.

    `n_c` holds the pairable frequency of each value; it may carry leading batch
    dimensions (..., V), in which case the result has shape (..., V, V).  Only the
    ordinal metric depends on n_c.
    """
    v = np.asarray(values, dtype=np.float64)
    n_c = np.asarray(n_c, dtype=np.float64)
    batch = n_c.shape[:-1]
    if level == "nominal":
        d = 1.0 - np.eye(v.size)
    elif level == "interval":
        d = (v[:, None] - v[None, :]) ** 2
    elif level == "ratio":
        s = v[:, None] + v[None, :]
        diff = v[:, None] - v[None, :]
        d = np.divide(diff, s, out=np.zeros_like(diff), where=s != 0) ** 2
    elif level == "ordinal":
        # sum_{g=c..k} n_g - (n_c + n_k)/2, for c <= k (symmetric)
        cum = np.cumsum(n_c, axis=-1)
        before = cum - n_c  # sum_{g<c} n_g
        lo = np.minimum.outer(np.arange(v.size), np.arange(v.size))
        hi = np.maximum.outer(np.arange(v.size), np.arange(v.size))
        between = cum[..., hi] - before[..., lo]
        d = (between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0) ** 2
        return d
    else:
        raise ValueError(f"unknown level of measurement {level!r}; valid levels: {', '.join(LEVELS)}")
    return np.broadcast_to(d, batch + d.shape)


def alpha_from_coincidences(values: np.ndarray, o: np.ndarray, level: str = "nominal") -> float | np.ndarray:
    """alpha = 1 - (n - 1) * sum(o * delta^2) / sum(n_c n_k delta^2); nan when D_e = 0."""
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    d = delta_squared(values, n_c, level)
    observed = (o * d).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * d).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * observed / expected
    alpha = np.where(expected > 0, alpha, np.nan)
    return float(alpha) if np.ndim(alpha) == 0 else alpha


def alpha_nominal_fast(data: Any) -> float:
    """Nominal Krippendorff's alpha from per-unit value counts, fully vectorised.

    alpha = 1 - (n - 1) (n - sum_u sum_c n_uc (n_uc - 1) / (m_u - 1)) / (n^2 - sum_c n_c^2),
    where n_uc counts the coders giving unit u the value c, m_u = sum_c n_uc, and only
    pairable units count.  Returns nan when alpha is undefined (one value only, or no
    pairable unit).  Equal to `krippendorff.alpha(..., level_of_measurement="nominal")`.
    """
    x = as_reliability_data(data)
    _, counts = value_counts(x)
    m = counts.sum(axis=1)
    keep = m >= 2
    if not keep.any():
        return float("nan")
    c = counts[keep].astype(np.float64)
    mk = m[keep].astype(np.float64)
    diag = ((c * (c - 1.0)).sum(axis=1) / (mk - 1.0)).sum()
    n_c = c.sum(axis=0)
    n = n_c.sum()
    expected = n * n - (n_c**2).sum()
    if expected <= 0:
        return float("nan")
    return float(1.0 - (n - 1.0) * (n - diag) / expected)


def _undefined(reason: str, n_units: int, n_coders: int, **extra: Any) -> MeasureResult:
    return MeasureResult(None, reason, int(n_units), int(n_coders), dict(extra))


# --------------------------------------------------------------------------- alpha


def krippendorff_alpha(data: Any, level: str = "nominal") -> MeasureResult:
    """Krippendorff's alpha at the given level of measurement (default nominal).

    Computed by `krippendorff.alpha` on the pairable units, always passing the level
    explicitly (the package defaults to interval).  If the package would need more than
    PACKAGE_MEMORY_LIMIT bytes (many distinct values), the identical coincidence-matrix
    formula is evaluated here by a matrix product instead; `extra["engine"]` says which.
    """
    _check_level(level, "krippendorff_alpha")
    x = as_reliability_data(data)
    n_coders = x.shape[0]
    m_u = (~np.isnan(x)).sum(axis=0)
    pairable = m_u >= 2
    n_units = int(pairable.sum())
    if n_coders < 2:
        return _undefined(REASON_TOO_FEW_CODERS, n_units, n_coders)
    if n_units < 2:
        return _undefined(REASON_TOO_FEW_UNITS, n_units, n_coders)
    xp = np.ascontiguousarray(x[:, pairable])
    values = np.unique(xp[~np.isnan(xp)])
    n_values = int(m_u[pairable].sum())
    if values.size < 2:
        return _undefined(REASON_NO_VARIATION, n_units, n_coders, n_values=n_values)
    if level == "ratio" and values.min() < 0:
        raise ValueError("the ratio level needs non-negative values; use interval for signed data")
    need = n_units * n_coders * values.size + 3 * 8 * n_units * values.size**2
    if need <= PACKAGE_MEMORY_LIMIT:
        # level is one of LEVELS (checked above); the package types the parameter as their Literal
        value = float(krippendorff.alpha(reliability_data=xp, level_of_measurement=cast(Any, level)))
        engine = "krippendorff"
    else:
        vals, o = coincidence_matrix(xp)
        value = float(alpha_from_coincidences(vals, o, level))  # one coincidence matrix: one alpha
        engine = "coincidence-matrix"
    extra = {"level": level, "n_values": n_values, "engine": engine}
    if not np.isfinite(value):
        return _undefined("expected disagreement is zero: alpha is undefined", n_units, n_coders, **extra)
    return MeasureResult(value, None, n_units, n_coders, extra)


def pooled_alpha(stack: Any) -> MeasureResult:
    """Pooled nominal alpha over every (unit, code) decision.

    `stack` is codes x coders x units with 0/1/np.nan.  Each (unit, code) pair becomes
    one unit of a single binary variable (codes are concatenated along the units axis)
    and nominal alpha is computed on that with the krippendorff package.  n_units in
    the result counts pairable (unit, code) decisions.
    """
    s = np.asarray(stack, dtype=np.float64)
    if s.ndim != 3:
        raise ValueError(f"pooled_alpha needs a codes x coders x units array; got {s.ndim} dimension(s)")
    n_codes, n_coders, n_units = s.shape
    flat = s.transpose(1, 0, 2).reshape(n_coders, n_codes * n_units)
    r = krippendorff_alpha(flat, level="nominal")
    return MeasureResult(r.value, r.undefined_reason, r.n_units, r.n_coders, {**r.extra, "n_codes": n_codes})


# --------------------------------------------------------------------------- kappa family


def cohen_kappa(data: Any, level: str = "nominal") -> MeasureResult:
    """Cohen's (1960) kappa for exactly 2 coders over the units both coded.

    kappa = (p_o - p_e) / (1 - p_e), p_o = share of agreeing units,
    p_e = sum_k p_{A,k} p_{B,k} from each coder's own marginal proportions.
    """
    _check_level(level, "cohen_kappa")
    x = as_reliability_data(data)
    if x.shape[0] != 2:
        raise ValueError(
            f"cohen_kappa needs exactly 2 coders; got {x.shape[0]} "
            "(use fleiss_kappa or krippendorff_alpha for 3 or more)"
        )
    both = ~np.isnan(x).any(axis=0)
    a, b = x[0, both], x[1, both]
    n = int(both.sum())
    if n < 2:
        return _undefined(REASON_TOO_FEW_UNITS, n, 2)
    values = np.unique(np.concatenate([a, b]))
    if values.size < 2:
        return _undefined(REASON_NO_VARIATION, n, 2)
    ia, ib = np.searchsorted(values, a), np.searchsorted(values, b)
    table = np.zeros((values.size, values.size), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)
    p_o = np.trace(table) / n
    p_e = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / (n * n)
    value = (p_o - p_e) / (1.0 - p_e)
    return MeasureResult(float(value), None, n, 2, {"p_o": float(p_o), "p_e": p_e, "n_categories": int(values.size)})


@dataclass(frozen=True)
class _MultiRater:
    """Gwet's (2014) ingredients for multi-rater coefficients with missing ratings."""

    n_units: int  # units with r_i >= 2
    p_a: float  # mean over pairable units of sum_k n_ik (n_ik - 1) / (r_i (r_i - 1))
    pi: np.ndarray  # pi_k = mean over units with r_i >= 1 of n_ik / r_i
    q: int  # distinct categories among all ratings


def _multi_rater(x: np.ndarray) -> _MultiRater | None:
    _, counts = value_counts(x)
    r = counts.sum(axis=1)
    rated = r >= 1
    pairable = r >= 2
    n_units = int(pairable.sum())
    if n_units == 0:
        return None
    c = counts[pairable].astype(np.float64)
    rp = r[pairable].astype(np.float64)
    p_a = float(((c * (c - 1.0)).sum(axis=1) / (rp * (rp - 1.0))).mean())
    pi = (counts[rated] / r[rated][:, None]).mean(axis=0)
    return _MultiRater(n_units, p_a, pi, int(counts.shape[1]))


def _chance_corrected(
    name: str, x: np.ndarray, chance: Callable[[_MultiRater], float | None], min_coders: int = 2
) -> MeasureResult:
    n_coders = x.shape[0]
    if n_coders < min_coders:
        raise ValueError(f"{name} needs at least {min_coders} coders; got {n_coders}")
    mr = _multi_rater(x)
    if mr is None or mr.n_units < 2:
        return _undefined(REASON_TOO_FEW_UNITS, 0 if mr is None else mr.n_units, n_coders)
    p_e = chance(mr)
    if p_e is None or p_e >= 1.0 - 1e-12:
        return _undefined(REASON_NO_VARIATION, mr.n_units, n_coders, p_a=mr.p_a, n_categories=mr.q)
    value = (mr.p_a - p_e) / (1.0 - p_e)
    return MeasureResult(
        float(value), None, mr.n_units, n_coders, {"p_o": mr.p_a, "p_e": float(p_e), "n_categories": mr.q}
    )


def _fleiss_chance(mr: _MultiRater) -> float:
    return float((mr.pi**2).sum())


def fleiss_kappa(data: Any, level: str = "nominal") -> MeasureResult:
    """Fleiss' (1971) kappa for 3 or more coders, in Gwet's (2014) form for missing ratings.

    p_a = mean over units with r_i >= 2 of sum_k n_ik (n_ik - 1) / (r_i (r_i - 1));
    p_e = sum_k pi_k^2 with pi_k = mean over rated units of n_ik / r_i.
    With complete data this is Fleiss' original kappa.
    """
    _check_level(level, "fleiss_kappa")
    x = as_reliability_data(data)
    if x.shape[0] < 3:
        raise ValueError(
            f"fleiss_kappa needs 3 or more coders; got {x.shape[0]} (use cohen_kappa or scott_pi for 2 coders)"
        )
    return _chance_corrected("fleiss_kappa", x, _fleiss_chance, min_coders=3)


def _conger_chance(x: np.ndarray) -> Callable[[_MultiRater], float | None]:
    """Conger's chance agreement from each coder's own category shares.

    p_gk is coder g's share of category k among the units g rated (all of them, pairable or
    not, as in Gwet's irrCAC `conger.kappa.raw`); p_e = sum_k (pbar_k^2 - s2_k / r), with
    pbar_k and s2_k (variance, ddof 1) over the r coders who rated at least one unit.
    """
    values, _ = value_counts(x)

    def chance(mr: _MultiRater) -> float | None:
        rated = ~np.isnan(x)
        n_rated = rated.sum(axis=1)
        keep = n_rated > 0
        r = int(keep.sum())
        if r < 2 or values.size < 2:
            return None
        share = np.stack([(x[keep] == v).sum(axis=1) for v in values], axis=1) / n_rated[keep][:, None]
        return float((share.mean(axis=0) ** 2 - share.var(axis=0, ddof=1) / r).sum())

    return chance


def conger_kappa(data: Any, level: str = "nominal") -> MeasureResult:
    """Conger's (1980) kappa: Cohen's kappa for 2 or more fixed coders, in Gwet's (2014) form for missing ratings.

    p_a as for Fleiss' kappa (mean over units with r_i >= 2 of sum_k n_ik (n_ik - 1) / (r_i (r_i - 1)));
    p_e = sum_k (pbar_k^2 - s2_k / r), where p_gk is coder g's share of category k among the
    units g rated, pbar_k and s2_k their mean and variance (ddof 1) over the r coders.
    Unlike Fleiss' kappa, chance agreement uses each coder's own marginals, as Cohen's does.
    """
    _check_level(level, "conger_kappa")
    x = as_reliability_data(data)
    return _chance_corrected("conger_kappa", x, _conger_chance(x))


def scott_pi(data: Any, level: str = "nominal") -> MeasureResult:
    """Scott's (1955) pi for 2 or more coders (multi-rater form = Fleiss' kappa, Gwet 2014).

    Same formula as fleiss_kappa: chance agreement from the pooled category proportions.
    """
    _check_level(level, "scott_pi")
    return _chance_corrected("scott_pi", as_reliability_data(data), _fleiss_chance)


def _q(mr: _MultiRater, n_categories: int | None) -> int:
    if n_categories is None:
        return mr.q
    if n_categories < mr.q:
        raise ValueError(f"n_categories={n_categories} is smaller than the {mr.q} categories in the data")
    return int(n_categories)


def gwet_ac1(data: Any, level: str = "nominal", n_categories: int | None = None) -> MeasureResult:
    """Gwet's (2008) AC1: p_e = sum_k pi_k (1 - pi_k) / (q - 1), multi-rater form of Gwet (2014).

    q is the number of categories observed, or `n_categories` when given (e.g. 2 for a
    binary code even if only one value occurs).
    """
    _check_level(level, "gwet_ac1")

    def chance(mr: _MultiRater) -> float | None:
        q = _q(mr, n_categories)
        if q < 2:
            return None
        return float((mr.pi * (1.0 - mr.pi)).sum() / (q - 1))

    return _chance_corrected("gwet_ac1", as_reliability_data(data), chance)


def brennan_prediger(data: Any, level: str = "nominal", n_categories: int | None = None) -> MeasureResult:
    """Brennan & Prediger (1981) coefficient (Bennett's S): p_e = 1/q, multi-rater form of Gwet (2014)."""
    _check_level(level, "brennan_prediger")

    def chance(mr: _MultiRater) -> float | None:
        q = _q(mr, n_categories)
        if q < 2:
            return None
        return 1.0 / q

    return _chance_corrected("brennan_prediger", as_reliability_data(data), chance)


def percent_agreement(data: Any, level: str = "nominal") -> MeasureResult:
    """Pairwise percent agreement: mean over pairable units of the share of agreeing coder pairs.

    With 2 coders this is the share of units (rated by both) on which they agree.
    """
    _check_level(level, "percent_agreement")
    x = as_reliability_data(data)
    mr = _multi_rater(x)
    if mr is None or mr.n_units < 2:
        return _undefined(REASON_TOO_FEW_UNITS, 0 if mr is None else mr.n_units, x.shape[0])
    return MeasureResult(mr.p_a, None, mr.n_units, x.shape[0], {"n_categories": mr.q})


# --------------------------------------------------------------------------- binary helpers


def binary_table(a: Any, b: Any) -> BinaryTable:
    """Count both / only_a / only_b / neither for two coders' 0/1 vectors (nan skipped)."""
    av = np.asarray(a, dtype=np.float64).ravel()
    bv = np.asarray(b, dtype=np.float64).ravel()
    if av.shape != bv.shape:
        raise ValueError(f"binary_table needs vectors of equal length; got {av.size} and {bv.size}")
    keep = ~(np.isnan(av) | np.isnan(bv))
    av, bv = av[keep], bv[keep]
    bad = ~np.isin(np.concatenate([av, bv]), (0.0, 1.0))
    if bad.any():
        raise ValueError("binary_table needs 0/1 values (np.nan for missing)")
    a1, b1 = av == 1, bv == 1
    return BinaryTable(
        both=int((a1 & b1).sum()),
        only_a=int((a1 & ~b1).sum()),
        only_b=int((~a1 & b1).sum()),
        neither=int((~a1 & ~b1).sum()),
    )


def prevalence(data: Any) -> float | None:
    """Share of 1s among all non-missing values of a 0/1 matrix (None if there are none)."""
    x = np.asarray(data, dtype=np.float64)
    present = ~np.isnan(x)
    if not present.any():
        return None
    return float((x[present] == 1).sum() / present.sum())


# --------------------------------------------------------------------------- registry

MeasureFunction = Callable[..., MeasureResult]

MEASURES: Mapping[str, MeasureFunction] = {
    "krippendorff_alpha": krippendorff_alpha,
    "cohen_kappa": cohen_kappa,
    "fleiss_kappa": fleiss_kappa,
    "conger_kappa": conger_kappa,
    "scott_pi": scott_pi,
    "gwet_ac1": gwet_ac1,
    "brennan_prediger": brennan_prediger,
    "percent_agreement": percent_agreement,
}


def compute(name: str, data: Any, level: str = "nominal") -> MeasureResult:
    """Compute the measure called `name`; ValueError names the valid measures and levels."""
    if name not in MEASURES:
        raise ValueError(f"unknown measure {name!r}; valid measures: {', '.join(MEASURES)}")
    return MEASURES[name](data, level=level)


# Moved to cotag.reliability.binary; importers keep importing them from here (loaded on first use, so
# that module can import this one).
_MOVED = frozenset({
    "APPLIED_EVERYWHERE", "BINARY_ENGINE", "BinaryCounts", "BinaryMeasures", "NEVER_APPLIED", "NO_PAIRABLE",
    "ONLY_UNPAIRED", "PACKAGE_ENGINE", "binary_counts", "binary_measures", "coder_marginals", "is_binary",
    "variation_reason",
})


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from importlib import import_module

        value = getattr(import_module("cotag.reliability.binary"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cotag.reliability.measures' has no attribute {name!r}")
