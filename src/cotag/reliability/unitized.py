"""Krippendorff's unitizing alpha (cu-alpha per category, u-alpha overall) on a continuum.

Version 1 of the coefficient (Krippendorff 1995; Content Analysis, 2nd ed., 2004,
pp. 251-256), the form DKPro Statistics implements.  Coders mark spans [start, end) of
integer positions (characters) on a continuum [begin, end); for each category every
coder's continuum is split into that category's units and the gaps between them.
Formulas are in docs/agreement.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

REASON_NO_UNITS = "no units of this category"
REASON_TOO_FEW_CODERS = "fewer than 2 coders"
REASON_ZERO_EXPECTED = "expected disagreement is zero: alpha is undefined"


class Span(NamedTuple):
    """One coder's unit: positions [start, end) on the continuum, with its category."""

    coder: str
    start: int
    end: int
    category: str


@dataclass(frozen=True)
class UnitizedResult:
    """cu-alpha for one category, or u-alpha over all categories (category None).

    observed / expected: the disagreements D_o and D_e (summed over categories for u-alpha).
    n_units: units (after merging a coder's overlapping spans) over all coders.
    merged_spans: how many spans were absorbed because one coder's spans of the same
    category overlapped.
    """

    value: float | None
    undefined_reason: str | None
    observed: float
    expected: float
    n_units: int
    n_coders: int
    category: str | None
    merged_spans: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "value": self.value,
            "undefined_reason": self.undefined_reason,
            "observed_disagreement": self.observed,
            "expected_disagreement": self.expected,
            "n_units": self.n_units,
            "n_coders": self.n_coders,
            "merged_spans": self.merged_spans,
        }


@dataclass(frozen=True)
class _Segments:
    """One coder's partition of the continuum for one category: units and gaps, in order."""

    begin: np.ndarray
    end: np.ndarray
    is_unit: np.ndarray


def _as_spans(spans: Iterable[Any], begin: int, end: int) -> list[Span]:
    out: list[Span] = []
    for i, s in enumerate(spans):
        coder, start, stop, category = s
        if int(start) != start or int(stop) != stop:
            raise ValueError(f"span {i}: start and end must be integers; got {start!r}, {stop!r}")
        start, stop = int(start), int(stop)
        if not start < stop:
            raise ValueError(f"span {i}: start ({start}) must be smaller than end ({stop})")
        if start < begin or stop > end:
            raise ValueError(f"span {i}: [{start}, {stop}) lies outside the continuum [{begin}, {end})")
        out.append(Span(str(coder), start, stop, str(category)))
    return out


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Merge overlapping intervals (touching ones stay separate units); return merged count."""
    order = np.lexsort((ends, starts))
    s, e = starts[order], ends[order]
    # running maximum of ends so far decides whether the next interval overlaps
    reach = np.maximum.accumulate(e)
    new_group = np.ones(s.size, dtype=bool)
    new_group[1:] = s[1:] >= reach[:-1]
    group = np.cumsum(new_group) - 1
    ms = s[new_group]
    me = np.zeros(ms.size, dtype=np.int64)
    np.maximum.at(me, group, e)
    return ms, me, int(s.size - ms.size)


def _segments(starts: np.ndarray, ends: np.ndarray, begin: int, end: int) -> _Segments:
    """Units (merged, sorted) plus the gaps of positive length between them."""
    bounds_b = np.concatenate([[begin], ends])
    bounds_e = np.concatenate([starts, [end]])
    gap = bounds_e > bounds_b
    b = np.concatenate([starts, bounds_b[gap]])
    e = np.concatenate([ends, bounds_e[gap]])
    u = np.concatenate([np.ones(starts.size, bool), np.zeros(int(gap.sum()), bool)])
    order = np.argsort(b, kind="stable")
    return _Segments(b[order], e[order], u[order])


def _pair_disagreement(g: _Segments, h: _Segments) -> float:
    """Sum of delta^2 over overlapping segment pairs of two coders (one category).

    delta^2 = (b_g - b_h)^2 + (e_g - e_h)^2 for two overlapping units; the squared
    length of a unit that lies wholly inside the other coder's gap; 0 otherwise.
    Both partitions cover the continuum, so the overlapping pairs are found by cutting
    it at every segment boundary of either coder (linear, not quadratic).
    """
    cuts = np.union1d(g.begin, h.begin)
    ig = np.searchsorted(g.begin, cuts, side="right") - 1
    ih = np.searchsorted(h.begin, cuts, side="right") - 1
    # consecutive pieces with the same (ig, ih) belong to the same pair; keep one each
    keep = np.ones(cuts.size, dtype=bool)
    keep[1:] = (ig[1:] != ig[:-1]) | (ih[1:] != ih[:-1])
    ig, ih = ig[keep], ih[keep]
    bg, eg, ug = g.begin[ig], g.end[ig], g.is_unit[ig]
    bh, eh, uh = h.begin[ih], h.end[ih], h.is_unit[ih]
    bg, eg, bh, eh = (a.astype(np.float64) for a in (bg, eg, bh, eh))
    both = ug & uh
    g_in_gap = ug & ~uh & (bh <= bg) & (eg <= eh)
    h_in_gap = uh & ~ug & (bg <= bh) & (eh <= eg)
    d = np.where(both, (bg - bh) ** 2 + (eg - eh) ** 2, 0.0)
    d = np.where(g_in_gap, (eg - bg) ** 2, d)
    d = np.where(h_in_gap, (eh - bh) ** 2, d)
    return float(d.sum())


def _category_terms(
    spans: Sequence[Span], coders: Sequence[str], begin: int, end: int, category: str
) -> tuple[float, float, int, int]:
    """Return (D_o, D_e, n_units, merged) for one category."""
    length = end - begin
    m = len(coders)
    segments: list[_Segments] = []
    unit_lengths: list[np.ndarray] = []
    gap_lengths: list[np.ndarray] = []
    merged = 0
    for coder in coders:
        mine = [(s.start, s.end) for s in spans if s.coder == coder and s.category == category]
        st = np.array([a for a, _ in mine], dtype=np.int64)
        en = np.array([b for _, b in mine], dtype=np.int64)
        if st.size:
            st, en, k = _merge(st, en)
            merged += k
        seg = _segments(st, en, begin, end)
        segments.append(seg)
        lens = (seg.end - seg.begin).astype(np.float64)
        unit_lengths.append(lens[seg.is_unit])
        gap_lengths.append(lens[~seg.is_unit])
    ell = np.concatenate(unit_lengths)
    n_c = ell.size
    if n_c == 0:
        return 0.0, 0.0, 0, merged

    total = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            total += _pair_disagreement(segments[i], segments[j])
    observed = 2.0 * total / (m * (m - 1) * float(length) ** 2)

    # sum over gaps G with l_G >= l_u of (l_G - l_u + 1), via sorted gaps and suffix sums
    gaps = np.sort(np.concatenate(gap_lengths))
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    idx = np.searchsorted(gaps, ell, side="left")
    count = gaps.size - idx
    gap_sum = suffix[idx] - count * (ell - 1.0)
    per_unit = (n_c - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3.0 + ell**2 * gap_sum
    ml = float(m) * float(length)
    denominator = ml * (ml - 1.0) - float((ell * (ell - 1.0)).sum())
    expected = (2.0 / length) * float(per_unit.sum()) / denominator
    return observed, expected, int(n_c), merged


def _prepare(spans: Iterable[Any], begin: int, end: int, coders: Sequence[str] | None) -> tuple[list[Span], list[str]]:
    if int(begin) != begin or int(end) != end or not begin < end:
        raise ValueError(f"the continuum [{begin}, {end}) needs integer bounds with begin < end")
    items = _as_spans(spans, int(begin), int(end))
    found = list(dict.fromkeys(s.coder for s in items))
    if coders is None:
        return items, found
    listed = [str(c) for c in coders]
    extra = [c for c in found if c not in listed]
    if extra:
        raise ValueError(f"spans name coders not in the coder list: {', '.join(extra)}")
    return items, list(dict.fromkeys(listed))


def _result(
    observed: float, expected: float, n_units: int, n_coders: int, category: str | None, merged: int
) -> UnitizedResult:
    if n_coders < 2:
        return UnitizedResult(None, REASON_TOO_FEW_CODERS, observed, expected, n_units, n_coders, category, merged)
    if n_units == 0:
        return UnitizedResult(None, REASON_NO_UNITS, observed, expected, n_units, n_coders, category, merged)
    if expected <= 0.0:
        return UnitizedResult(None, REASON_ZERO_EXPECTED, observed, expected, n_units, n_coders, category, merged)
    return UnitizedResult(1.0 - observed / expected, None, observed, expected, n_units, n_coders, category, merged)


def unitized_alpha_per_category(
    spans: Iterable[Any], begin: int, end: int, coders: Sequence[str] | None = None
) -> dict[str, UnitizedResult]:
    """cu-alpha for every category that occurs in `spans`.

    spans: (coder, start, end, category) tuples or `Span`s, positions in [begin, end).
    coders: every coder who took part (a coder with no spans counts as having marked
    nothing); defaults to the coders named in `spans`.
    """
    items, names = _prepare(spans, begin, end, coders)
    categories = list(dict.fromkeys(s.category for s in items))
    out: dict[str, UnitizedResult] = {}
    for cat in categories:
        if len(names) < 2:
            out[cat] = _result(0.0, 0.0, sum(s.category == cat for s in items), len(names), cat, 0)
            continue
        d_o, d_e, n, merged = _category_terms(items, names, int(begin), int(end), cat)
        out[cat] = _result(d_o, d_e, n, len(names), cat, merged)
    return out


def unitized_alpha(
    spans: Iterable[Any],
    begin: int,
    end: int,
    category: str | None = None,
    coders: Sequence[str] | None = None,
) -> UnitizedResult:
    """cu-alpha for `category`, or (category None) u-alpha = 1 - sum_c D_o(c) / sum_c D_e(c)."""
    if category is not None:
        items, names = _prepare(spans, begin, end, coders)
        if len(names) < 2:
            return _result(0.0, 0.0, sum(s.category == category for s in items), len(names), category, 0)
        d_o, d_e, n, merged = _category_terms(items, names, int(begin), int(end), str(category))
        return _result(d_o, d_e, n, len(names), str(category), merged)
    items, names = _prepare(spans, begin, end, coders)
    per = unitized_alpha_per_category(items, begin, end, coders=names)
    observed = sum(r.observed for r in per.values())
    expected = sum(r.expected for r in per.values())
    n_units = sum(r.n_units for r in per.values())
    merged = sum(r.merged_spans for r in per.values())
    return _result(observed, expected, n_units, len(names), None, merged)
