"""The binary fast path of the agreement report equals the general measures and the krippendorff package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from cotag.reliability.measures import (
    BINARY_ENGINE,
    PACKAGE_ENGINE,
    REASON_NO_VARIATION,
    REASON_TOO_FEW_UNITS,
    binary_counts,
    binary_measures,
    coder_marginals,
    conger_kappa,
    pooled_alpha,
)
from cotag.reliability.report import _code_row, bootstrap_table, build_report
from cotag.reliability.units import OverlapRule, Unitised

nan = np.nan


def random_stack(n_codes=6, n_coders=2, n=400, seed=1, p=0.2, flip=0.1, missing=0.0, per_code_missing=False):
    rng = np.random.default_rng(seed)
    truth = rng.random((n_codes, 1, n)) < p
    noise = rng.random((n_codes, n_coders, n)) < flip
    x = (truth ^ noise).astype(float)
    if missing:
        if per_code_missing:
            x[rng.random(x.shape) < missing] = nan
        else:
            x[:, rng.random((n_coders, n)) < missing] = nan
    return x


def make_unitised(stack) -> Unitised:
    n_codes, n_coders, n = stack.shape
    turns = np.arange(n) // 3
    coders = [f"c{i}" for i in range(n_coders)]
    return Unitised(kind="sentence", rule=OverlapRule(), coders=coders, codes=[f"k{i}" for i in range(n_codes)],
                    documents=["D1"], stack=stack, unit_doc=np.zeros(n, int), unit_start=np.arange(n) * 10,
                    unit_end=np.arange(n) * 10 + 9, unit_turn=turns, turn_cluster=turns,
                    document_cluster=np.zeros(n, int), coded={c: ["D1"] for c in coders}, frame_documents=["D1"])


def package_alpha(x):
    """The reference: the krippendorff package on the pairable units, level passed explicitly."""
    keep = (~np.isnan(x)).sum(axis=0) >= 2
    return float(krippendorff.alpha(reliability_data=x[:, keep], level_of_measurement="nominal"))


def same_result(fast, slow, *, alpha=False):
    assert fast.undefined_reason == slow.undefined_reason
    assert fast.n_units == slow.n_units and fast.n_coders == slow.n_coders
    if slow.value is None:
        assert fast.value is None
    else:
        assert fast.value == pytest.approx(slow.value, abs=1e-12, rel=1e-12)
    for key, value in slow.extra.items():
        if key == "engine":
            # a defined alpha comes from the package (value_counts); the rest from the counts
            assert fast.extra[key] in (BINARY_ENGINE, PACKAGE_ENGINE)
        elif isinstance(value, float):
            assert fast.extra[key] == pytest.approx(value, abs=1e-12)
        else:
            assert fast.extra[key] == value, key


def assert_fast_equals_general(x):
    n_coders = x.shape[1]
    kappa_name = "cohen_kappa" if n_coders == 2 else "fleiss_kappa"
    counts = binary_counts(x)
    assert all(np.array_equal(a, b) for a, b in zip(counts.marginals, coder_marginals(x)))
    b = binary_measures(counts, coder_marginals(x))
    for k in range(x.shape[0]):
        slow = _code_row(f"k{k}", x[k], kappa_name)
        same_result(b.alpha[k], slow.alpha)
        same_result(b.kappa[k], slow.kappa)
        same_result(b.conger[k], conger_kappa(x[k]))
        same_result(b.ac1[k], slow.ac1)
        same_result(b.percent[k], slow.percent)
        assert b.tables[k] == slow.counts
        assert b.pairable[k] == slow.pairable
        if slow.prevalence is None:
            assert b.prevalence[k] is None
        else:
            assert b.prevalence[k] == pytest.approx(slow.prevalence, abs=1e-15)
        if b.alpha[k].value is not None:
            assert abs(b.alpha[k].value - package_alpha(x[k])) <= 1e-12
    same_result(b.pooled_all, pooled_alpha(x))
    if b.pooled_all.value is not None:
        flat = x.transpose(1, 0, 2).reshape(n_coders, -1)
        assert abs(b.pooled_all.value - package_alpha(flat)) <= 1e-12
    # the headline pooled alpha: the codes whose alpha is undefined for want of variation are left out
    varies = np.array([r is None for r in b.without_variation])
    for k, reason in enumerate(b.without_variation):
        assert (reason is None) == ((x[k][:, (~np.isnan(x[k])).sum(axis=0) >= 2] == 1).any()
                                    and (x[k][:, (~np.isnan(x[k])).sum(axis=0) >= 2] == 0).any())
    if varies.any():
        same_result(b.pooled, pooled_alpha(x[varies]))
    else:
        assert b.pooled.value is None and "no code varies" in b.pooled.undefined_reason
    return b


@pytest.mark.parametrize("n_coders", [2, 3, 5, 10])
@pytest.mark.parametrize("missing", [0.0, 0.25])
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_path_equals_general_measures_and_package(n_coders, missing, seed):
    assert_fast_equals_general(random_stack(n_coders=n_coders, missing=missing, seed=seed))


@pytest.mark.parametrize("n_coders", [2, 4])
def test_fast_path_with_missingness_differing_by_code(n_coders):
    assert_fast_equals_general(random_stack(n_coders=n_coders, missing=0.4, per_code_missing=True, seed=7))


@pytest.mark.parametrize("n_coders", [2, 3])
def test_undefined_codes_keep_their_reasons(n_coders):
    x = random_stack(n_codes=6, n_coders=n_coders, n=50, missing=0.2, seed=3)
    x[0] = 0.0  # nobody applied the code
    x[1] = 1.0  # everybody applied it
    x[2] = nan
    x[2, :, 0] = [1.0] + [0.0] * (n_coders - 1)  # one pairable unit
    x[3] = nan  # no pairable unit at all
    x[4, :, :] = 0.0
    x[4, 0, 0] = 1.0  # variation only in one coder's ratings
    x[5, 1:, :] = nan  # only coder 0 rated: no pairable unit, but a prevalence
    b = assert_fast_equals_general(x)
    assert b.alpha[0].undefined_reason == REASON_NO_VARIATION
    assert b.alpha[1].undefined_reason == REASON_NO_VARIATION
    assert b.alpha[2].undefined_reason == REASON_TOO_FEW_UNITS
    assert b.alpha[3].undefined_reason == REASON_TOO_FEW_UNITS and b.prevalence[3] is None
    assert b.alpha[4].value is not None
    assert b.prevalence[5] is not None and b.pairable[5] == 0


def test_report_uses_fast_path_and_matches_general_path():
    x = random_stack(n_codes=5, n_coders=3, missing=0.1, seed=4)
    x[2] = 0.0
    report = build_report(make_unitised(x), bootstrap=100, seed=3)
    assert report.views["all"].rows[0].alpha.extra["engine"] == PACKAGE_ENGINE
    assert "no variation" in report.views["all"].rows[2].undefined_reason
    coded = (np.nan_to_num(x) == 1).any(axis=(0, 1))
    assert report.views["coded"].n_units == int(coded.sum())
    for view, mask in (("all", np.ones(x.shape[2], bool)), ("coded", coded)):
        v = report.views[view]
        sub = x[:, :, mask]
        for k, row in enumerate(v.rows):
            slow = _code_row(row.code, sub[k], "conger_kappa")
            same_result(row.alpha, slow.alpha)
            same_result(row.kappa, slow.kappa)
            assert row.counts == slow.counts
        same_result(v.pooled_all, pooled_alpha(sub))
        same_result(v.pooled, pooled_alpha(sub[[0, 1, 3, 4]]))  # code 2 never applied: left out
        assert v.excluded == [(v.rows[2].code, "never applied")]
        cis, pooled_ci = bootstrap_table(sub, make_unitised(x).turn_cluster[mask], 100, 3)
        assert [None if c is None else (c.lo, c.hi) for c in cis] == \
               [None if r.ci is None else (r.ci.lo, r.ci.hi) for r in v.rows]
        assert (pooled_ci.lo, pooled_ci.hi) == (v.pooled_all_ci.lo, v.pooled_all_ci.hi)


def test_non_binary_stack_falls_back_to_general_measures():
    x = random_stack(n_codes=2, n_coders=2, seed=5)
    x[0, 0, :5] = 2.0
    with pytest.raises(ValueError):
        binary_counts(x)
    # the general path runs (and, as before, AC1 with q = 2 rejects a third category)
    with pytest.raises(ValueError, match="n_categories=2"):
        build_report(make_unitised(x))


def test_binary_counts_per_unit():
    x = np.array([[[1, 0, nan, 1], [0, 0, 1, 1], [1, nan, nan, 0]]], dtype=float)
    c = binary_counts(x)
    assert c.k.tolist() == [[2, 0, 1, 2]]
    assert c.m.tolist() == [[3, 2, 1, 3]]
    # pairs i < j with x_i = 1, x_j = 0: unit 0 (0,1); unit 3 (0,2), (1,2)
    assert c.a_first.tolist() == [[1, 0, 0, 2]]


@pytest.mark.slow
def test_fast_path_on_the_demo_corpus(tmp_path):
    from cotag.services.corpus import ensure_demo_project
    from cotag.demo.simulate import simulate_coders
    from cotag.reliability.units import Selection, load_unitised

    project, _ = ensure_demo_project(tmp_path / "demo", echo=lambda _: None)
    try:
        with project.session() as s:
            simulate_coders(s, ["reference"], noise=0.0, documents=None, seed=1)
            simulate_coders(s, ["perturbed"], noise=0.15, documents=None, seed=1)
            simulate_coders(s, ["third"], noise=0.3, documents=None, seed=2)
        for coders in (("reference", "perturbed"), ("reference", "perturbed", "third")):
            with project.session() as s:
                data = load_unitised(s, Selection(coders=coders), kind="sentence")
            assert_fast_equals_general(data.stack)
    finally:
        project.close()
