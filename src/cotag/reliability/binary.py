"""The binary fast path of the agreement measures: every coefficient for all codes at once, from per-unit counts.

For 0/1 data (np.nan = missing) every coefficient in :mod:`cotag.reliability.measures` depends on a
unit only through two numbers: m_u, the coders who rated it, and k_u, the coders who applied the code
(z_u = m_u - k_u gave 0).  The functions here take a codes x coders x units stack once, reduce it to
these per-unit counts (integers, codes x units) and compute every measure for all codes at once.  They
give the same values as the general functions (`krippendorff_alpha`, `cohen_kappa`, `fleiss_kappa`,
`gwet_ac1(n_categories=2)`, `percent_agreement`, `prevalence`, `binary_table`, `pooled_alpha`); the
tests check alpha against the krippendorff package to 1e-12. Importers find these names in
:mod:`cotag.reliability.measures` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import krippendorff
import numpy as np
from cotag.reliability.measures import BinaryTable, MeasureResult, REASON_NO_VARIATION, REASON_TOO_FEW_CODERS, REASON_TOO_FEW_UNITS, _undefined


# --------------------------------------------------------------------------- binary fast path
#
# For 0/1 data (np.nan = missing) every coefficient above depends on a unit only through
# two numbers: m_u, the coders who rated it, and k_u, the coders who applied the code
# (z_u = m_u - k_u gave 0).  The functions below take a codes x coders x units stack once,
# reduce it to these per-unit counts (integers, codes x units) and compute every measure
# for all codes at once.  They give the same values as the general functions above
# (`krippendorff_alpha`, `cohen_kappa`, `fleiss_kappa`, `gwet_ac1(n_categories=2)`,
# `percent_agreement`, `prevalence`, `binary_table`, `pooled_alpha`); the tests check
# alpha against the krippendorff package to 1e-12.

BINARY_ENGINE = "binary-counts"
#: per-code alpha of the report: the krippendorff package, given per-unit value counts
PACKAGE_ENGINE = "krippendorff (value_counts)"


@dataclass(frozen=True)
class BinaryCounts:
    """Per-unit counts of 0/1 reliability data, codes x units (int32).

    k: coders who applied the code to the unit (value 1).
    m: coders who rated the unit (value 0 or 1).
    a_first: coder pairs i < j with x_i = 1 and x_j = 0 (with 2 coders: coder A applied
    the code, coder B did not); needed only for the ordered 2x2 counts.
    """

    k: np.ndarray
    m: np.ndarray
    a_first: np.ndarray
    n_coders: int
    # per code and coder (codes x coders): units the coder applied the code to / rated (see coder_marginals)
    coder_ones: np.ndarray | None = None
    coder_rated: np.ndarray | None = None

    @property
    def n_codes(self) -> int:
        return int(self.k.shape[0])

    @property
    def marginals(self) -> tuple[np.ndarray, np.ndarray] | None:
        return None if self.coder_ones is None or self.coder_rated is None else (self.coder_ones, self.coder_rated)

    def select(self, units: np.ndarray) -> BinaryCounts:
        """The same counts restricted to some units (boolean mask or index array); coder marginals are not kept."""
        return BinaryCounts(self.k[:, units], self.m[:, units], self.a_first[:, units], self.n_coders)


def is_binary(stack: Any) -> bool:
    """True when every value of `stack` is 0, 1 or np.nan."""
    s = np.asarray(stack)
    for j in range(s.shape[1] if s.ndim == 3 else 0):
        x = s[:, j]
        if not ((x == 0) | (x == 1) | np.isnan(x)).all():
            return False
    return s.ndim == 3


def binary_counts(stack: Any) -> BinaryCounts:
    """Reduce a codes x coders x units 0/1/nan stack to per-unit counts, one coder at a time.

    Memory beyond the input is a few codes x units int32 arrays (never a float copy of the
    stack).  Raises ValueError for values other than 0, 1 and np.nan.
    """
    s = np.asarray(stack)
    if s.ndim != 3:
        raise ValueError(f"binary_counts needs a codes x coders x units array; got {s.ndim} dimension(s)")
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(np.float64)
    n_codes, n_coders, n_units = s.shape
    k = np.zeros((n_codes, n_units), dtype=np.int32)
    m = np.zeros((n_codes, n_units), dtype=np.int32)
    a_first = np.zeros((n_codes, n_units), dtype=np.int32)
    ones = np.zeros((n_codes, n_coders), dtype=np.int64)
    seen = np.zeros((n_codes, n_coders), dtype=np.int64)
    for j in range(n_coders):
        x = s[:, j, :]
        one = x == 1
        zero = x == 0
        rated = one | zero
        if not (rated | np.isnan(x)).all():
            raise ValueError("binary data need 0/1 values (np.nan for missing)")
        np.add(a_first, k, out=a_first, where=zero)  # k = coders before j who applied the code
        k += one
        m += rated
        ones[:, j] = one.sum(axis=1)
        seen[:, j] = rated.sum(axis=1)
    return BinaryCounts(k, m, a_first, n_coders, ones, seen)


NEVER_APPLIED = "never applied"
APPLIED_EVERYWHERE = "applied to every unit"
ONLY_UNPAIRED = "applied only to units no other coder rated"


@dataclass
class BinaryMeasures:
    """Every per-code measure of the agreement report for all codes (lists indexed by code)."""

    alpha: list[MeasureResult]
    kappa: list[MeasureResult]  # Cohen's with 2 coders, Fleiss' (Gwet's missing-data form) with 3+
    ac1: list[MeasureResult]  # Gwet's AC1 with q = 2
    percent: list[MeasureResult]
    prevalence: list[float | None]
    tables: list[BinaryTable]  # summed over coder pairs
    pairable: list[int]
    pooled: MeasureResult  # nominal alpha over every (unit, code) decision of the codes with variation
    pooled_all: MeasureResult  # the same over every code, varying or not (descriptive)
    without_variation: list[str | None]  # per code: why it has no variation, None when it varies
    conger: list[MeasureResult] | None = None  # Conger's kappa (needs each coder's marginals)


def _alpha_from_sums(n_units: int, n_coders: int, n0: float, n1: float, diag: float,
                     n_values: int, **extra: Any) -> MeasureResult:
    """Nominal alpha of binary data from pairable totals n0, n1 and sum_u sum_c n_uc (n_uc - 1)/(m_u - 1)."""
    info = {"level": "nominal", "n_values": int(n_values), "engine": BINARY_ENGINE, **extra}
    if n_coders < 2:
        return _undefined(REASON_TOO_FEW_CODERS, n_units, n_coders, **extra)
    if n_units < 2:
        return _undefined(REASON_TOO_FEW_UNITS, n_units, n_coders, **extra)
    if n0 == 0 or n1 == 0:
        return _undefined(REASON_NO_VARIATION, n_units, n_coders, n_values=int(n_values), **extra)
    n = n0 + n1
    expected = n * n - n0 * n0 - n1 * n1
    value = 1.0 - (n - 1.0) * (n - diag) / expected
    return MeasureResult(float(value), None, n_units, n_coders, info)


def _package_alpha(counts: BinaryCounts, code: int, by_sums: MeasureResult) -> MeasureResult:
    """Per-code alpha from the `krippendorff` package, fed the same reliability data as counts.

    The package's `value_counts` form (units x values: how many coders gave 0, how many gave
    1) is its own reduction of the coders x units matrix, so no coder/unit orientation can go
    wrong and no float copy of the stack is made.  The closed form from the sums is kept as a
    cross-check: the two agree to rounding, and a disagreement would mean a bug here.
    Undefined cases (too few units or coders, no variation) keep the reason from the sums;
    the package would raise or divide by zero there.
    """
    if by_sums.value is None:
        return by_sums
    m, k = counts.m[code], counts.k[code]
    pairable = m >= 2
    value_counts = np.stack([(m - k)[pairable], k[pairable]], axis=1)
    value = float(krippendorff.alpha(value_counts=value_counts, level_of_measurement="nominal"))
    if not np.isclose(value, by_sums.value, rtol=0, atol=1e-9):
        raise AssertionError(f"krippendorff.alpha gave {value!r} but the count formula {by_sums.value!r}")
    return MeasureResult(value, None, by_sums.n_units, by_sums.n_coders,
                         {**by_sums.extra, "engine": PACKAGE_ENGINE})


def coder_marginals(stack: np.ndarray, units: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per code and coder: units the coder applied the code to, and units the coder rated (codes x coders).

    Conger's kappa needs each coder's own share of 1s, which per-unit counts do not keep.
    `units` is a boolean mask.  One coder at a time, on boolean temporaries: the float
    stack is never copied (a masked copy of a large stack costs seconds).
    """
    n_codes, n_coders, _ = stack.shape
    ones = np.zeros((n_codes, n_coders), dtype=np.int64)
    rated = np.zeros((n_codes, n_coders), dtype=np.int64)
    for j in range(n_coders):
        x = stack[:, j, :]
        one = x == 1
        seen = ~np.isnan(x)
        if units is not None:
            one &= units
            seen &= units
        ones[:, j] = np.count_nonzero(one, axis=1)
        rated[:, j] = np.count_nonzero(seen, axis=1)
    return ones, rated


def _binary_conger(p_a: float, npair: int, n_coders: int, ones: np.ndarray, rated: np.ndarray,
                   q: int) -> MeasureResult:
    """Conger's kappa of one binary code from its p_a and each coder's (ones, rated)."""
    keep = rated > 0
    r = int(keep.sum())
    if q < 2 or r < 2:
        return _undefined(REASON_NO_VARIATION, npair, n_coders, p_a=p_a, n_categories=q)
    p1 = ones[keep] / rated[keep]
    share = np.stack([1.0 - p1, p1], axis=1)
    p_e = float((share.mean(axis=0) ** 2 - share.var(axis=0, ddof=1) / r).sum())
    if p_e >= 1.0 - 1e-12:
        return _undefined(REASON_NO_VARIATION, npair, n_coders, p_a=p_a, n_categories=q)
    return MeasureResult(float((p_a - p_e) / (1.0 - p_e)), None, npair, n_coders,
                         {"p_o": p_a, "p_e": p_e, "n_categories": q})


NO_PAIRABLE = "no unit rated by two or more coders"


def variation_reason(k_all: int, k_pair: int, z_pair: int) -> str | None:
    """Why a binary code has no variation in the pairable data (None when it has)."""
    if k_pair == 0 and z_pair == 0:
        return NO_PAIRABLE
    if k_pair == 0:
        return NEVER_APPLIED if k_all == 0 else ONLY_UNPAIRED
    if z_pair == 0:
        return APPLIED_EVERYWHERE
    return None


def binary_measures(counts: BinaryCounts,
                    marginals: tuple[np.ndarray, np.ndarray] | None = None) -> BinaryMeasures:
    """All per-code measures and pooled alpha from per-unit counts, vectorised over codes.

    Per code (sums over units u; m = m_u, k = k_u, z = m - k):
      alpha (nominal): pairable units (m >= 2); n_1 = sum k, n_0 = sum z,
        D = sum (k(k-1) + z(z-1)) / (m-1);  alpha = 1 - (n-1)(n-D) / (n^2 - n_0^2 - n_1^2).
      Cohen's kappa (2 coders): the 2x2 table over units rated by both.
      Fleiss' kappa / AC1 / percent agreement (Gwet 2014): p_a = mean over pairable units of
        (k(k-1) + z(z-1)) / (m(m-1)); pi_1 = mean over rated units (m >= 1) of k/m.
      2x2 counts over coder pairs: both = sum k(k-1)/2, neither = sum z(z-1)/2,
        only_a = pairs i<j with x_i=1, x_j=0, only_b = sum k z - only_a.
    """
    n_codes, n_coders = counts.n_codes, counts.n_coders
    if n_coders < 2:
        raise ValueError(f"binary_measures needs at least 2 coders; got {n_coders}")
    # every per-unit quantity depends only on (m_u, k_u): histogram the pairs per code,
    # then each sum over units is a small dot product with a (m, k) lookup table
    side = n_coders + 1
    cells = side * side
    key = counts.m.astype(np.int64) * side + counts.k
    key += (np.arange(n_codes, dtype=np.int64) * cells)[:, None]
    hist = np.bincount(key.ravel(), minlength=n_codes * cells).reshape(n_codes, side, side)  # [code, m, k]
    del key
    mm, kk = np.meshgrid(np.arange(side, dtype=np.float64), np.arange(side, dtype=np.float64), indexing="ij")
    zz = mm - kk
    pair_t = mm >= 2
    rated_t = mm >= 1
    same_t = kk * (kk - 1.0) + zz * (zz - 1.0)  # ordered agreeing coder pairs in a unit
    with np.errstate(divide="ignore", invalid="ignore"):
        w_diag = np.where(pair_t, same_t / (mm - 1.0), 0.0)
        w_pa = np.where(pair_t, same_t / (mm * (mm - 1.0)), 0.0)
        w_pi1 = np.where(rated_t, kk / mm, 0.0)
    ih = hist.astype(np.int64)
    hf = hist.astype(np.float64)

    def isum(table: np.ndarray) -> np.ndarray:  # exact integer sums over units
        return (ih * table.astype(np.int64)).sum(axis=(1, 2))

    def fsum(table: np.ndarray) -> np.ndarray:
        return (hf * table).sum(axis=(1, 2))

    diag, pa_u, pi1_u = fsum(w_diag), fsum(w_pa), fsum(w_pi1)
    n_pair, n_rated = isum(pair_t), isum(rated_t)
    k_pair, m_pair = isum(kk * pair_t), isum(mm * pair_t)
    z_pair = m_pair - k_pair
    k_all, m_all = isum(kk), isum(mm)
    z_all = m_all - k_all
    both = isum(kk * (kk - 1.0)) // 2
    neither = isum(zz * (zz - 1.0)) // 2
    mixed = isum(kk * zz)
    only_a = counts.a_first.sum(axis=1, dtype=np.int64)
    if n_coders == 2:
        n_both = ih[:, 2, :].sum(axis=1)
        ones_both = (ih[:, 2, :] * np.arange(side)).sum(axis=1)

    alpha, kappa, ac1, percent, prev, tables, conger = [], [], [], [], [], [], []
    for c in range(n_codes):
        npair = int(n_pair[c])
        alpha.append(_package_alpha(counts, c, _alpha_from_sums(
            npair, n_coders, float(z_pair[c]), float(k_pair[c]), float(diag[c]), int(m_pair[c]))))
        table = BinaryTable(int(both[c]), int(only_a[c]), int(mixed[c] - only_a[c]), int(neither[c]))
        tables.append(table)
        prev.append(None if m_all[c] == 0 else float(k_all[c] / m_all[c]))
        # Gwet's multi-rater ingredients
        q = int(z_all[c] > 0) + int(k_all[c] > 0)
        if npair < 2:
            few = _undefined(REASON_TOO_FEW_UNITS, npair, n_coders)
            percent.append(few)
            ac1.append(few)
            conger.append(few)
            p_a: float | None = None
            pi1: float | None = None
        else:
            p_a = float(pa_u[c] / npair)
            pi1 = float(pi1_u[c] / n_rated[c])
            percent.append(MeasureResult(p_a, None, npair, n_coders, {"n_categories": q}))
            if marginals is not None:
                conger.append(_binary_conger(p_a, npair, n_coders, marginals[0][c], marginals[1][c], q))
            # AC1 with q = 2: p_e = pi_0 (1 - pi_0) + pi_1 (1 - pi_1) over the observed categories
            pis = [p for p, present in ((1.0 - pi1, z_all[c] > 0), (pi1, k_all[c] > 0)) if present]
            if q == 1:
                pis = [1.0]
            p_e = float(sum(p * (1.0 - p) for p in pis))
            ac1.append(MeasureResult(float((p_a - p_e) / (1.0 - p_e)), None, npair, n_coders,
                                     {"p_o": p_a, "p_e": p_e, "n_categories": q}))
        if n_coders == 2:
            n = int(n_both[c])
            if n < 2:
                kappa.append(_undefined(REASON_TOO_FEW_UNITS, n, 2))
            elif ones_both[c] == 0 or ones_both[c] == 2 * n:
                kappa.append(_undefined(REASON_NO_VARIATION, n, 2))
            else:
                t11, t00, t10 = table.both, table.neither, table.only_a
                t01 = table.only_b
                p_o = (t11 + t00) / n
                p_e = float((t11 + t10) * (t11 + t01) + (t01 + t00) * (t10 + t00)) / (n * n)
                kappa.append(MeasureResult(float((p_o - p_e) / (1.0 - p_e)), None, n, 2,
                                           {"p_o": float(p_o), "p_e": p_e, "n_categories": 2}))
        else:
            if npair < 2 or p_a is None or pi1 is None:  # p_a and pi1 are set whenever npair >= 2
                kappa.append(_undefined(REASON_TOO_FEW_UNITS, npair, n_coders))
            else:
                pis = [1.0] if q == 1 else [1.0 - pi1, pi1]
                p_e = float(sum(p * p for p in pis))
                if p_e >= 1.0 - 1e-12:
                    kappa.append(_undefined(REASON_NO_VARIATION, npair, n_coders, p_a=p_a, n_categories=q))
                else:
                    kappa.append(MeasureResult(float((p_a - p_e) / (1.0 - p_e)), None, npair, n_coders,
                                               {"p_o": p_a, "p_e": p_e, "n_categories": q}))
    reasons = [variation_reason(int(k_all[c]), int(k_pair[c]), int(z_pair[c])) for c in range(n_codes)]
    varies = np.array([r is None for r in reasons], dtype=bool)

    def pooled_over(keep: np.ndarray) -> MeasureResult:
        n_kept = int(keep.sum())
        if n_kept == 0:
            return _undefined("no code varies: every code was never applied or applied to every unit",
                              0, n_coders, n_codes=0)
        return _alpha_from_sums(int(n_pair[keep].sum()), n_coders, float(z_pair[keep].sum()),
                                float(k_pair[keep].sum()), float(diag[keep].sum()), int(m_pair[keep].sum()),
                                n_codes=n_kept)

    pooled = pooled_over(varies)
    pooled_all = pooled_over(np.ones(n_codes, dtype=bool))
    return BinaryMeasures(alpha, kappa, ac1, percent, prev, tables, [int(v) for v in n_pair], pooled, pooled_all,
                          reasons, conger if marginals is not None else None)
