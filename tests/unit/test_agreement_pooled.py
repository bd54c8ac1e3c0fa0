"""Pooled alpha over the codes that vary, and the footing of the bootstrap intervals (issue 12, items 3-5).

The headline pooled alpha leaves out codes without variation (never applied, applied to every
unit, parent themes nobody coded directly); the all-codes figure stands beside it, labelled.
Every interval names its method, what was resampled and how many replicates were undefined.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_agreement_report import make_unitised, random_stack

from cotag.reliability.measures import (
    APPLIED_EVERYWHERE,
    NEVER_APPLIED,
    NO_PAIRABLE,
    pooled_alpha,
)
from cotag.reliability.report import (
    PARENT_WITHOUT_CODINGS,
    _interval,
    build_report,
    render,
)

nan = np.nan


def with_unused(x: np.ndarray, positions: list[int]) -> tuple[np.ndarray, list[int]]:
    """Insert codes nobody applied (0 wherever the coders saw the unit) at the given positions.

    Returns the new stack and where each original code went.
    """
    seen = ~np.isnan(x[0])  # missingness is per coder and unit, the same for every code
    unused = np.where(seen, 0.0, nan)
    codes = list(x)
    where = list(range(len(codes)))
    for p in sorted(positions, reverse=True):
        p = min(p, len(codes))
        codes.insert(p, unused.copy())
        where = [w + 1 if w >= p else w for w in where]
    return np.stack(codes), where


def same_row(a, b) -> None:
    assert a.code == b.code
    for name in ("alpha", "kappa", "ac1", "percent"):
        ra, rb = getattr(a, name), getattr(b, name)
        assert ra.undefined_reason == rb.undefined_reason
        if ra.value is None:
            assert rb.value is None
        else:
            assert ra.value == pytest.approx(rb.value, abs=1e-12)
    assert a.counts == b.counts and a.pairable == b.pairable and a.prevalence == b.prevalence
    assert (a.ci is None) == (b.ci is None)
    if a.ci is not None:
        assert (a.ci.lo, a.ci.hi, a.ci.n_undefined) == pytest.approx((b.ci.lo, b.ci.hi, b.ci.n_undefined), abs=1e-12)


@st.composite
def studies(draw):
    n_codes = draw(st.integers(1, 4))
    n_coders = draw(st.integers(2, 4))
    n = draw(st.integers(4, 40))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    p = draw(st.floats(0.05, 0.6))
    truth = rng.random((n_codes, 1, n)) < p
    x = (truth ^ (rng.random((n_codes, n_coders, n)) < draw(st.floats(0.0, 0.4)))).astype(float)
    gone = rng.random((n_coders, n)) < draw(st.sampled_from([0.0, 0.2]))
    x[:, gone] = nan
    if draw(st.booleans()):
        x[0] = np.where(np.isnan(x[0]), nan, 1.0)  # a code applied to every unit
    turns = np.sort(rng.integers(0, max(2, n // 3), n))
    positions = draw(st.lists(st.integers(0, n_codes), min_size=1, max_size=5))
    method = draw(st.sampled_from(["cluster", "krippendorff"]))
    return x, turns, positions, method


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(studies())
def test_codes_nobody_applied_change_neither_the_headline_pooled_alpha_nor_any_other_row(study):
    x, turns, positions, method = study
    bigger, where = with_unused(x, positions)
    codes = [f"k{i}" for i in range(x.shape[0])]
    big_codes = [f"unused{i}" for i in range(bigger.shape[0])]
    for k, w in enumerate(where):
        big_codes[w] = codes[k]
    base = build_report(make_unitised(x, codes=codes, turns=turns), bootstrap=60, seed=5, bootstrap_method=method)
    more = build_report(make_unitised(bigger, codes=big_codes, turns=turns), bootstrap=60, seed=5,
                        bootstrap_method=method)
    for view in ("all", "coded"):
        a, b = base.views[view], more.views[view]
        assert a.n_units == b.n_units
        assert a.pooled.undefined_reason == b.pooled.undefined_reason
        if a.pooled.value is not None:
            assert b.pooled.value == pytest.approx(a.pooled.value, abs=1e-12)
            assert b.pooled.n_units == a.pooled.n_units
        assert (a.pooled_ci is None) == (b.pooled_ci is None)
        if a.pooled_ci is not None:
            assert (b.pooled_ci.lo, b.pooled_ci.hi) == pytest.approx((a.pooled_ci.lo, a.pooled_ci.hi), abs=1e-12)
        for k, w in enumerate(where):
            same_row(a.rows[k], b.rows[w])
        added = [c for c in big_codes if c.startswith("unused")]
        assert [c for c, _ in b.excluded] == [c for c in big_codes if c in added or c in dict(a.excluded)]
        assert all(reason in (NEVER_APPLIED, NO_PAIRABLE) for c, reason in b.excluded if c in added)


def test_twenty_unused_codes_no_longer_lift_the_headline():
    # the review's case: unused codes lifted the pooled figure (.755 to .809 there); now they stand beside it
    x = random_stack(n_codes=5, n=400, p=0.25, flip=0.12, seed=21)
    bigger, _ = with_unused(x, [5] * 20)
    base = build_report(make_unitised(x)).views["all"]
    more = build_report(make_unitised(bigger)).views["all"]
    assert more.pooled.value == pytest.approx(base.pooled.value, abs=1e-12)
    assert more.pooled_all.value == pytest.approx(pooled_alpha(bigger).value, abs=1e-12)
    assert more.pooled_all.value > base.pooled.value + 0.02  # what the old headline reported
    assert more.pooled_codes == 5 and len(more.excluded) == 20


def test_excluded_codes_and_reasons_in_every_rendering():
    x = random_stack(n_codes=4, n=200, seed=3)
    x[1] = 0.0
    x[2] = 1.0
    u = make_unitised(x, codes=["wages", "economy", "home", "family"])
    u.parent_codes = ["economy"]
    r = build_report(u, bootstrap=100)
    v = r.views["all"]
    assert v.excluded == [("economy", PARENT_WITHOUT_CODINGS), ("home", APPLIED_EVERYWHERE)]
    assert v.pooled.value == pytest.approx(pooled_alpha(x[[0, 3]]).value, abs=1e-12)
    assert v.pooled_all.value == pytest.approx(pooled_alpha(x).value, abs=1e-12)
    data = json.loads(render(r, "json"))["views"]["all"]
    assert data["pooled_alpha"] == pytest.approx(v.pooled.value)
    assert data["pooled_alpha_all_codes"] == pytest.approx(v.pooled_all.value)
    assert data["pooled_excluded_codes"] == [{"code": "economy", "reason": PARENT_WITHOUT_CODINGS},
                                             {"code": "home", "reason": APPLIED_EVERYWHERE}]
    assert data["pooled_ci"]["lo"] == pytest.approx(v.pooled_ci.lo) and data["pooled_all_codes_ci"]["hi"]
    table = render(r, "table")
    assert "pooled alpha over the 2 codes with variation" in table
    assert "left out of the pooled alpha: economy (parent theme with no codings of its own); home (applied to " \
           "every unit)" in table
    assert "all-codes pooled alpha (descriptive" in table
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(render(r, "csv"))) if row["view"] == "all"}
    assert float(rows["(pooled)"]["alpha"]) == pytest.approx(v.pooled.value)
    assert "left out: economy" in rows["(pooled)"]["undefined_reason"]
    assert float(rows["(pooled, all codes)"]["alpha"]) == pytest.approx(v.pooled_all.value)
    methods = render(r, "methods")
    assert "Pooled over the 2 codes with variation" in methods
    assert "economy (parent theme with no codings of its own), home (applied to every unit)" in methods
    assert f"pooled alpha would be {v.pooled_all.value:.3f}" in methods


def test_no_code_varies_leaves_the_headline_undefined_with_the_reason():
    x = np.zeros((2, 2, 30))
    v = build_report(make_unitised(x), bootstrap=20).views["all"]
    assert v.pooled.value is None and "no code varies" in v.pooled.undefined_reason
    assert v.pooled_ci is None and len(v.excluded) == 2


# --------------------------------------------------------------------------- footing of the intervals


def test_cluster_bootstrap_reports_clusters_and_warns_below_twenty():
    x = random_stack(n_codes=2, n=40, seed=4)
    few = build_report(make_unitised(x, turns=np.arange(40) // 4), bootstrap=200)  # 10 turns
    v = few.views["all"]
    assert v.clusters == 10
    assert all(r.ci.clusters == 10 and r.ci.method == "cluster" for r in v.rows)
    assert any("only 10 turns were resampled (fewer than 20)" in w for w in v.warnings)
    assert "10 turns resampled" in render(few, "table")
    assert "resampled the 10 speaker turns" in render(few, "methods")
    assert "Caution: only 10 turns were resampled" in render(few, "methods")
    many = build_report(make_unitised(x, turns=np.arange(40) // 2), bootstrap=200).views["all"]
    assert many.clusters == 20 and not any("fewer than 20" in w for w in many.warnings)


def test_undefined_replicates_are_counted_and_warned_about():
    x = np.zeros((2, 2, 60))
    x[0, :, 0] = 1.0  # a rare code: one unit where both applied it; most resamples miss it
    x[1] = random_stack(n_codes=1, n=60, seed=2)[0]
    r = build_report(make_unitised(x, codes=["rare", "common"], kind="turn"), bootstrap=400)
    v = r.views["all"]
    rare = v.rows[0].ci
    assert rare.n_undefined > 0.05 * 400
    assert any(w.startswith(f"rare: {rare.n_undefined} of 400 replicates") for w in v.warnings)
    out = json.loads(render(r, "json"))["views"]["all"]
    assert out["codes"][0]["ci"]["undefined_replicates"] == rare.n_undefined
    assert any("rare:" in w for w in out["warnings"])
    table = render(r, "table")
    assert "undef. reps" in table and f"warning: rare: {rare.n_undefined} of 400" in table
    assert f"rare {rare.n_undefined}" in render(r, "methods")


def test_estimate_outside_its_interval_is_explained_wherever_it_is_printed():
    skewed = np.array([0.2] * 20 + [0.5] * 70 + [0.6] * 10)
    ci = _interval(skewed, 0.1, 100, 0.95, (0.667, 0.8), "cluster", 30, None)
    assert ci.lo == pytest.approx(0.2) and "lies below its percentile interval" in ci.note
    assert "skewed here (median 0.500)" in ci.note
    assert _interval(skewed, 0.5, 100, 0.95, (0.667, 0.8), "cluster", 30, None).note is None
    # the renderers print the note wherever the interval appears (an interval placed on a real row)
    r = build_report(make_unitised(random_stack(n_codes=2, seed=8)), bootstrap=50)
    row = r.views["all"].rows[0]
    row.ci = _interval(np.full(50, row.alpha.value + 0.1), row.alpha.value, 50, 0.95, (0.667, 0.8), "cluster",
                       30, None)
    assert row.ci.note.startswith(f"estimate {row.alpha.value:.3f} lies below its percentile interval")
    assert "outside its CI" in render(r, "table") and "note: k0: estimate" in render(r, "table")
    assert f"For k0, the estimate {row.alpha.value:.3f} lies below" in render(r, "methods")
    assert json.loads(render(r, "json"))["views"]["all"]["codes"][0]["ci"]["note"].startswith("estimate")


def test_krippendorff_method_is_named_everywhere():
    x = random_stack(n_codes=2, n=300, seed=6)
    r = build_report(make_unitised(x), bootstrap=300, bootstrap_method="krippendorff")
    v = r.views["all"]
    assert all(row.ci.method == "krippendorff" and row.ci.pairs == 100 and row.ci.clusters is None
               for row in v.rows)  # M = min(25 x 4 nonzero cells, n (m - 1) / 2) for a binary code
    assert v.clusters is None and any("KALPHA" in w for w in v.warnings)
    data = json.loads(render(r, "json"))
    assert data["bootstrap"]["method"] == "krippendorff"
    assert data["views"]["all"]["pooled_ci"]["method"] == "krippendorff"
    assert "Krippendorff's 2013b pair bootstrap" in render(r, "table")
    assert "krippendorff" in {row["ci_method"] for row in csv.DictReader(io.StringIO(render(r, "csv")))}
    methods = render(r, "methods")
    assert "Krippendorff's (2013b) bootstrap algorithm as in Hayes and Krippendorff's (2007) KALPHA" in methods
    assert "100 pairs per replicate" in methods
    with pytest.raises(ValueError, match="bootstrap method"):
        build_report(make_unitised(x), bootstrap=10, bootstrap_method="pairs")


# --------------------------------------------------------------------------- the methods paragraph


def test_methods_paragraph_survives_review():
    from importlib import metadata

    import cotag

    x = random_stack(n_codes=3, n=300, flip=0.08, seed=9)
    x[2] = 0.0
    r = build_report(make_unitised(x, coders=["ann", "ben"], codes=["wages", "jobs", "spare"]), bootstrap=200,
                     seed=7)
    text = render(r, "methods")
    assert "coded the interviews blind in cotag" in text and "independently" not in text
    assert "Krippendorff (2004, 2019)" in text and ".800" in text and ".667" in text and "tentative" in text
    assert "percentile 95% intervals from 200 replicates" in text and "resampled the 150 speaker turns" in text
    assert "seed 7" in text and "No replicate was undefined." in text or "were left out of its interval" in text
    assert f"cotag {cotag.__version__}" in text and f"krippendorff package {metadata.version('krippendorff')}" in text
    assert "Left out of the pooled figure because they did not vary: spare (never applied)" in text
    assert "Cohen 1960" in text and "Fleiss" not in text and "Conger" not in text
    assert "Gwet" not in text  # no measure of Gwet's is reported in the paragraph
    v = r.views["all"]
    for row in v.rows:
        if row.alpha.value is not None:
            assert f"{row.code} {row.alpha.value:.3f} [{row.ci.lo:.3f}, {row.ci.hi:.3f}]" in text
    no_boot = render(build_report(make_unitised(x)), "methods")
    assert "bootstrap" not in no_boot and "Intervals" not in no_boot
