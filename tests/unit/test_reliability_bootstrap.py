"""Vectorised unit/cluster bootstrap of Krippendorff's alpha."""

import json

import krippendorff
import numpy as np
import pytest

from cotag.reliability.bootstrap import bootstrap_alpha, bootstrap_counts
from cotag.reliability.measures import LEVELS, REASON_NO_VARIATION, pooled_alpha

nan = np.nan


def coded(seed, n_coders=3, n_units=300, n_values=2, agree=0.85, missing=0.1):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_values, n_units)
    x = np.where(rng.random((n_coders, n_units)) < agree, truth, rng.integers(0, n_values, (n_coders, n_units)))
    x = x.astype(float)
    x[rng.random(x.shape) < missing] = nan
    return x


def pairable(x):
    return (~np.isnan(x)).sum(axis=0) >= 2


def test_same_seed_same_result_and_other_seed_differs():
    x = coded(1)
    a = bootstrap_alpha(x, n=500, seed=42)
    b = bootstrap_alpha(x, n=500, seed=42)
    c = bootstrap_alpha(x, n=500, seed=43)
    assert a.ci == b.ci
    assert np.array_equal(a.replicates, b.replicates)
    assert a.p_below == b.p_below
    assert a.seed == 42 and a.n == 500
    assert c.ci != a.ci


def test_seed_none_reports_a_seed_that_reproduces():
    x = coded(2)
    a = bootstrap_alpha(x, n=200, seed=None)
    assert np.array_equal(bootstrap_alpha(x, n=200, seed=a.seed).replicates, a.replicates)


def test_estimate_is_alpha_and_lies_inside_ci():
    x = coded(3)
    r = bootstrap_alpha(x, n=1000)
    assert r.estimate == pytest.approx(krippendorff.alpha(reliability_data=x, level_of_measurement="nominal"))
    lo, hi = r.ci
    assert lo < r.estimate < hi
    assert r.n_undefined == 0
    assert r.n_clusters == int(pairable(x).sum())
    assert r.summary["min"] <= lo and hi <= r.summary["max"]


def test_p_below_is_share_of_replicates_under_threshold():
    x = coded(4, agree=0.8)
    r = bootstrap_alpha(x, n=800)
    assert set(r.p_below) == {0.667, 0.800}
    for t, p in r.p_below.items():
        assert p == pytest.approx(float(np.mean(r.replicates < t)))
    assert 0.0 <= r.p_below[0.667] <= r.p_below[0.800] <= 1.0


@pytest.mark.parametrize("level", LEVELS)
def test_replicates_equal_krippendorff_on_the_resampled_data(level):
    x = coded(5, n_units=120, n_values=4, missing=0.2) + 1.0
    keep = pairable(x)
    xp = x[:, keep]
    counts = bootstrap_counts(xp.shape[1], 4, seed=9)
    r = bootstrap_alpha(x, n=4, seed=9, level=level)
    for b in range(4):
        resampled = xp[:, np.repeat(np.arange(xp.shape[1]), counts[b])]
        expected = krippendorff.alpha(reliability_data=resampled, level_of_measurement=level)
        assert r.replicates[b] == pytest.approx(expected, abs=1e-12)


def test_cluster_bootstrap_resamples_whole_clusters():
    x = coded(6, n_units=90, missing=0.0)
    clusters = np.repeat(np.arange(30), 3)  # e.g. 30 turns of 3 sentences
    counts = bootstrap_counts(30, 3, seed=11)
    r = bootstrap_alpha(x, n=3, seed=11, clusters=clusters)
    assert r.method == "clusters" and r.n_clusters == 30
    for b in range(3):
        units = np.concatenate([np.flatnonzero(clusters == c) for c in np.repeat(np.arange(30), counts[b])])
        expected = krippendorff.alpha(reliability_data=x[:, units], level_of_measurement="nominal")
        assert r.replicates[b] == pytest.approx(expected, abs=1e-12)


def test_clustered_data_give_a_wider_interval_with_clusters():
    base = coded(7, n_units=60, missing=0.0, agree=0.75)
    x = np.repeat(base, 5, axis=1)  # every unit appears 5 times in a row: strongly clustered
    clusters = np.repeat(np.arange(60), 5)
    naive = bootstrap_alpha(x, n=1000, seed=1)
    clustered = bootstrap_alpha(x, n=1000, seed=1, clusters=clusters)
    assert naive.estimate == pytest.approx(clustered.estimate)
    assert (clustered.ci[1] - clustered.ci[0]) > 1.5 * (naive.ci[1] - naive.ci[0])


def test_pooled_stack_resamples_units_with_all_their_codes():
    rng = np.random.default_rng(8)
    stack = np.stack([coded(s, n_units=80) for s in (10, 11, 12)])
    stack[1][rng.random((3, 80)) < 0.1] = nan
    r = bootstrap_alpha(stack, n=3, seed=5)
    assert r.estimate == pytest.approx(pooled_alpha(stack).value)
    keep = (~np.isnan(stack)).sum(axis=1).max(axis=0) >= 2  # units pairable for some code
    units = np.flatnonzero(keep)
    counts = bootstrap_counts(units.size, 3, seed=5)
    for b in range(3):
        pick = units[np.repeat(np.arange(units.size), counts[b])]
        flat = np.concatenate([code[:, pick] for code in stack], axis=1)
        expected = krippendorff.alpha(reliability_data=flat, level_of_measurement="nominal")
        assert r.replicates[b] == pytest.approx(expected, abs=1e-12)


def test_bootstrap_does_not_call_the_package(monkeypatch):
    def boom(**kwargs):
        raise AssertionError("krippendorff.alpha called inside the bootstrap")

    monkeypatch.setattr(krippendorff, "alpha", boom)
    r = bootstrap_alpha(coded(9, n_units=2000), n=2000)
    assert r.ci is not None and r.replicates.shape == (2000,)


# Hayes & Krippendorff (2007, p. 84): 40 units x 5 observers (None = missing), ordinal alpha .7598.
_N = None
# fmt: off
HAYES_KRIPPENDORFF_2007 = np.array(
    [
        (1, 1, 2, _N, 2), (1, 1, 0, 1, _N), (2, 3, 3, 3, _N), (_N, 0, 0, _N, 0), (0, 0, 0, _N, 0),
        (0, 0, 0, _N, 0), (1, 0, 2, _N, 1), (1, _N, 2, 0, _N), (2, 2, 2, _N, 2), (2, 1, 1, 1, _N),
        (_N, 1, 0, 0, _N), (0, 0, 0, 0, _N), (1, 2, 2, 2, _N), (3, 3, 2, 2, 3), (1, 1, 1, _N, 1),
        (1, 1, 1, _N, 1), (2, 1, 2, _N, 2), (1, 2, 3, 3, _N), (1, 1, 0, 1, _N), (0, 0, 0, _N, 0),
        (0, 0, 1, 1, _N), (0, 0, _N, 0, 0), (2, 3, 3, 3, _N), (0, 0, 0, 0, _N), (1, 2, _N, 2, 2),
        (0, 1, 1, 1, _N), (0, 0, 0, 1, 0), (1, 2, 1, 2, _N), (1, 1, 2, 2, _N), (1, 1, 2, _N, 2),
        (1, 1, 0, _N, 0), (2, 1, 2, 1, _N), (2, 2, _N, 2, 2), (3, 2, 2, 2, _N), (2, 2, 2, _N, 2),
        (2, 2, 3, _N, 2), (2, 2, 2, _N, 2), (2, 2, _N, 1, 2), (2, 2, 2, 2, _N), (1, 1, 1, _N, 1),
    ],
    dtype=float,
).T
# fmt: on


def test_hayes_krippendorff_2007_unit_bootstrap_interval():
    # AGREEMENT-NOTES: the unit bootstrap gives about [.631, .841] on these data (ordinal);
    # Monte Carlo error with 4000 replicates is well under .02.
    r = bootstrap_alpha(HAYES_KRIPPENDORFF_2007, n=4000, seed=3, level="ordinal")
    assert round(r.estimate, 4) == 0.7598
    assert r.ci[0] == pytest.approx(0.631, abs=0.02)
    assert r.ci[1] == pytest.approx(0.841, abs=0.02)


def test_no_variation_is_undefined():
    r = bootstrap_alpha(np.zeros((2, 50)), n=100)
    assert r.estimate is None and r.ci is None
    assert r.undefined_reason == REASON_NO_VARIATION


def test_replicates_without_variation_are_counted_not_averaged():
    x = np.zeros((2, 40))
    x[:, 0] = 1.0  # a rare code: one unit where both applied it
    r = bootstrap_alpha(x, n=500, seed=2)
    assert r.estimate == pytest.approx(1.0)
    assert r.n_undefined == int(np.isnan(r.replicates).sum()) > 0
    assert r.ci == (1.0, 1.0)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="one cluster id per unit"):
        bootstrap_alpha(coded(1), clusters=[1, 2, 3])
    with pytest.raises(ValueError, match="level"):
        bootstrap_alpha(coded(1), level="metric")
    with pytest.raises(ValueError, match="dimension"):
        bootstrap_alpha(np.zeros(5))


def test_to_dict_is_json_ready():
    d = bootstrap_alpha(coded(1), n=100).to_dict()
    back = json.loads(json.dumps(d))
    assert back["n"] == 100 and len(back["ci"]) == 2 and "0.667" in back["p_below"]


def test_too_many_values_for_a_non_nominal_bootstrap_is_refused(monkeypatch):
    from cotag.reliability import bootstrap

    monkeypatch.setattr(bootstrap, "_FEATURE_BYTES", 1000)
    with pytest.raises(ValueError, match="too many for a interval bootstrap"):
        bootstrap_alpha(coded(1, n_values=5), level="interval")
    assert bootstrap_alpha(coded(1, n_values=5), n=50, level="nominal").ci is not None


@pytest.mark.parametrize("level", ["nominal", "interval"])
def test_all_missing_is_undefined(level):
    r = bootstrap_alpha(np.full((2, 5), nan), n=10, level=level)
    assert r.estimate is None and r.undefined_reason == "fewer than 2 pairable units"


# --------------------------------------------------------------------------- Krippendorff's (2013b) bootstrap


def test_hayes_krippendorff_2007_kalpha_interval():
    # AGREEMENT-NOTES: KALPHA gave about [.715, .801] on these data (ordinal); with 20,000 replicates the
    # Monte Carlo error of a 2.5% quantile is about .002, so .006 is a tolerance a random procedure meets.
    # M = min(25 x 14 nonzero cells, round(159 pairable values x (5 - 1) / 2)) = 318 pairs per replicate.
    r = bootstrap_alpha(HAYES_KRIPPENDORFF_2007, n=20000, seed=3, level="ordinal", method="krippendorff")
    assert round(r.estimate, 4) == 0.7598
    assert r.method == "krippendorff" and r.n_pairs == 318
    assert r.ci[0] == pytest.approx(0.715, abs=0.006)
    assert r.ci[1] == pytest.approx(0.801, abs=0.006)
    assert r.summary["mean"] == pytest.approx(r.estimate, abs=0.002)  # centred on alpha
    cluster = bootstrap_alpha(HAYES_KRIPPENDORFF_2007, n=4000, seed=3, level="ordinal")
    assert (r.ci[1] - r.ci[0]) < 0.5 * (cluster.ci[1] - cluster.ci[0])  # much narrower here, as reported


def test_kalpha_pairs_follow_krippendorffs_rule():
    from cotag.reliability.bootstrap import kalpha_pairs
    from cotag.reliability.measures import coincidence_matrix

    _, o = coincidence_matrix(HAYES_KRIPPENDORFF_2007)
    assert int((o > 0).sum()) == 14 and o.sum() == pytest.approx(159)
    assert kalpha_pairs(o, 5) == 318
    assert kalpha_pairs(np.array([[10.0, 2.0], [2.0, 6.0]]), 2) == 10  # n (m - 1) / 2 = 20 / 2 is the smaller
    assert kalpha_pairs(np.array([[500.0, 20.0], [20.0, 60.0]]), 2) == 100  # 25 x 4 cells


def test_kalpha_is_seeded_and_centred_on_alpha_for_a_binary_code():
    # For a binary code the pairs drawn off the diagonal are Binomial(M, 2 o_01 / n), so the replicate
    # mean is alpha exactly in expectation: 1 - M (2 o_01 / n) / (M D_e) = 1 - D_o / D_e.
    x = coded(20, n_coders=2, n_units=400, agree=0.8, missing=0.0)
    a = bootstrap_alpha(x, n=5000, seed=8, method="krippendorff")
    b = bootstrap_alpha(x, n=5000, seed=8, method="krippendorff")
    assert np.array_equal(a.replicates, b.replicates) and a.ci == b.ci
    assert a.n_pairs == 100 and a.n_undefined == 0
    assert a.summary["mean"] == pytest.approx(a.estimate, abs=4 * a.summary["sd"] / np.sqrt(5000))
    assert not np.array_equal(bootstrap_alpha(x, n=5000, seed=9, method="krippendorff").replicates, a.replicates)


def test_kalpha_scores_one_value_draws_zero_and_floors_at_minus_one():
    # one coder applied the code once, the other never: o_11 = 0, so a replicate that drew only (0, 0)
    # pairs has no variation; KALPHA scores it 0 (cotag counts it as undefined too)
    x = np.zeros((2, 6))
    x[0, 0] = 1.0
    r = bootstrap_alpha(x, n=2000, seed=1, method="krippendorff")
    assert r.n_pairs == 6  # min(25 x 3 nonzero cells, 12 pairable values x (2 - 1) / 2)
    assert r.n_undefined > 0 and (r.replicates == 0.0).sum() >= r.n_undefined and not np.isnan(r.replicates).any()
    assert r.replicates.min() >= -1.0 and (r.replicates == -1.0).any()
    assert r.ci[0] <= r.estimate <= r.ci[1] and r.note is None


def test_kalpha_refuses_clusters_and_unknown_methods():
    with pytest.raises(ValueError, match="resamples pairs"):
        bootstrap_alpha(coded(1), method="krippendorff", clusters=np.arange(300))
    with pytest.raises(ValueError, match="unknown bootstrap method"):
        bootstrap_alpha(coded(1), method="pairs")
    assert bootstrap_alpha(np.zeros((2, 10)), n=10, method="krippendorff").undefined_reason == REASON_NO_VARIATION
