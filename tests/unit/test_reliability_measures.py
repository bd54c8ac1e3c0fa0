"""Agreement coefficients against published worked examples and independent implementations."""

import itertools

import krippendorff
import numpy as np
import pytest
from nltk.metrics.agreement import AnnotationTask
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from cotag.reliability import measures
from cotag.reliability.measures import (
    LEVELS,
    MEASURES,
    REASON_NO_VARIATION,
    REASON_TOO_FEW_UNITS,
    alpha_from_coincidences,
    alpha_nominal_fast,
    binary_table,
    brennan_prediger,
    cohen_kappa,
    coincidence_matrix,
    compute,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    pooled_alpha,
    prevalence,
    scott_pi,
)

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders x 12 units.
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)

# Wikipedia, "Krippendorff's alpha", computational example: 3 coders x 15 units.
WIKIPEDIA = np.array(
    [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
)

# Hayes & Krippendorff (2007, p. 84): 40 units x 5 observers, ordinal alpha .7598.
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

# Fleiss (1971): 30 patients, 6 psychiatrists each, 5 diagnoses (transcribed in statsmodels' tests).
# fmt: off
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ],
    dtype=float,
).T
# fmt: on

# Gwet's irrCAC README: cac.raw4raters (12 subjects x 4 raters, with missing ratings).
# fmt: off
RAW4RATERS = np.array(
    [
        [1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan],
    ]
).T
# fmt: on


def table_to_ratings(table):
    """Two coders' ratings from a contingency table (rows: coder A, columns: coder B)."""
    table = np.asarray(table)
    a, b = [], []
    for i, j in itertools.product(range(table.shape[0]), range(table.shape[1])):
        a += [i] * int(table[i, j])
        b += [j] * int(table[i, j])
    return np.array([a, b], dtype=float)


# Cohen (1960), Table 2: 200 units, 3 categories; p_o = .70, p_c = .41, kappa = .492.
COHEN_1960 = table_to_ratings([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
# Gwet's irrCAC README: cont3x3abstractors (2 raters, 100 subjects).
ABSTRACTORS = table_to_ratings([[13, 0, 0], [0, 20, 7], [0, 4, 56]])


def random_ratings(seed, n_coders, n_units, n_values, missing=0.0, agree=0.7):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_values, n_units)
    noise = rng.integers(0, n_values, (n_coders, n_units))
    x = np.where(rng.random((n_coders, n_units)) < agree, truth, noise).astype(float)
    x[rng.random(x.shape) < missing] = nan
    return x


def nltk_task(x):
    triples = [
        (str(c), str(u), int(x[c, u])) for c in range(x.shape[0]) for u in range(x.shape[1]) if not np.isnan(x[c, u])
    ]
    return AnnotationTask(data=triples)


# --------------------------------------------------------------------------- published values


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_2011_example_all_levels(level, published):
    r = krippendorff_alpha(K2011, level=level)
    assert round(r.value, 3) == published
    assert r.n_units == 11  # unit 12 has a single value
    assert r.n_coders == 4
    assert r.extra["engine"] == "krippendorff"


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.691), ("interval", 0.811)])
def test_wikipedia_example(level, published):
    assert round(krippendorff_alpha(WIKIPEDIA, level=level).value, 3) == published


def test_hayes_krippendorff_2007_ordinal():
    assert round(krippendorff_alpha(HAYES_KRIPPENDORFF_2007, level="ordinal").value, 4) == 0.7598


def test_fleiss_1971_kappa():
    r = fleiss_kappa(FLEISS_1971)
    assert round(r.value, 3) == 0.430
    assert r.n_units == 30


def test_cohen_1960_kappa():
    r = cohen_kappa(COHEN_1960)
    assert round(r.value, 3) == 0.492
    assert r.extra["p_o"] == pytest.approx(0.70)
    assert r.extra["p_e"] == pytest.approx(0.41)


def test_gwet_raw4raters_with_missing_ratings():
    # irrCAC README values (Gwet 2014 formulas for incomplete data)
    assert percent_agreement(RAW4RATERS).value == pytest.approx(0.8181818, abs=5e-8)
    ac1 = gwet_ac1(RAW4RATERS)
    assert round(ac1.value, 5) == 0.77544
    assert ac1.extra["p_e"] == pytest.approx(0.1903212, abs=5e-8)
    fk = fleiss_kappa(RAW4RATERS)
    assert round(fk.value, 5) == 0.76117
    assert fk.extra["p_e"] == pytest.approx(0.2387153, abs=5e-8)
    assert round(brennan_prediger(RAW4RATERS).value, 5) == 0.77273
    assert round(krippendorff_alpha(RAW4RATERS).value, 5) == 0.74342


# Gwet's irrCAC raw5observers (Gwet 2014, after p. 125): 15 units x 5 observers, values 0-3, missing ratings.
# fmt: off
RAW5OBSERVERS = np.array([
    [1, 1, 2, nan, 0, 0, 1, 1, 2, 2, nan, 0, 1, 3, 1],
    [1, 1, 3, 0, 0, 0, 0, nan, 2, 1, 1, 0, 2, 3, 1],
    [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1],
    [nan, 1, 3, nan, nan, nan, nan, 0, nan, 1, 0, 0, 2, 2, nan],
    [2, nan, nan, 0, 0, 0, 1, nan, 2, nan, nan, nan, nan, 3, 1],
])
# fmt: on


def test_conger_kappa_reproduces_gwets_published_values():
    # irrCAC README, conger.kappa.raw(cac.raw4raters): pa .8181818, pe .2334252, kappa .76282
    r = conger_kappa(RAW4RATERS)
    assert r.value == pytest.approx(0.76282, abs=5e-6)
    assert r.extra["p_o"] == pytest.approx(0.8181818, abs=5e-8)
    assert r.extra["p_e"] == pytest.approx(0.2334252, abs=5e-8)
    assert r.n_units == 11 and r.n_coders == 4
    # irrCAC (afergadis port, its test_conger.py, 3 digits): raw5observers pa .616, pe .276, kappa .469
    r = conger_kappa(RAW5OBSERVERS)
    assert (round(r.extra["p_o"], 3), round(r.extra["p_e"], 3), round(r.value, 3)) == (0.616, 0.276, 0.469)
    assert compute("conger_kappa", RAW4RATERS).value == pytest.approx(0.76282, abs=5e-6)


def test_conger_kappa_is_cohens_for_two_coders_with_complete_data():
    # Conger (1980) generalises Cohen's kappa: with 2 coders and no missing rating they coincide
    for seed in range(5):
        x = random_ratings(seed, 2, 80, 3)
        assert conger_kappa(x).value == pytest.approx(cohen_kappa(x).value, abs=1e-12)
    assert conger_kappa(COHEN_1960).value == pytest.approx(0.492, abs=5e-4)


def test_conger_differs_from_fleiss_when_coders_marginals_differ():
    x = np.array([[1, 1, 1, 1, 0, 0, 1, 1], [0, 0, 1, 1, 0, 0, 0, 0], [1, 0, 1, 1, 0, 0, 1, 0]], dtype=float)
    c, f = conger_kappa(x), fleiss_kappa(x)
    assert c.extra["p_o"] == f.extra["p_o"] and c.extra["p_e"] < f.extra["p_e"] and c.value > f.value
    assert conger_kappa(np.zeros((3, 5))).undefined_reason == REASON_NO_VARIATION


def test_gwet_cont3x3abstractors_two_raters():
    assert cohen_kappa(ABSTRACTORS).value == pytest.approx(0.7964094, abs=5e-8)
    assert scott_pi(ABSTRACTORS).value == pytest.approx(0.7962397, abs=5e-8)
    assert gwet_ac1(ABSTRACTORS).value == pytest.approx(0.8493305, abs=5e-8)
    assert brennan_prediger(ABSTRACTORS).value == pytest.approx(0.835, abs=5e-8)
    assert krippendorff_alpha(ABSTRACTORS).value == pytest.approx(0.7972585, abs=5e-8)
    assert percent_agreement(ABSTRACTORS).value == pytest.approx(0.89)


# --------------------------------------------------------------------------- independent implementations


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fleiss_matches_statsmodels_on_complete_data(seed):
    x = random_ratings(seed, n_coders=5, n_units=60, n_values=4)
    table, _ = aggregate_raters(x.T.astype(int))
    assert fleiss_kappa(x).value == pytest.approx(sm_fleiss(table, method="fleiss"), abs=1e-12)
    assert scott_pi(x).value == pytest.approx(sm_fleiss(table, method="fleiss"), abs=1e-12)
    assert brennan_prediger(x).value == pytest.approx(sm_fleiss(table, method="randolph"), abs=1e-12)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_cohen_matches_statsmodels_with_missing_values(seed):
    x = random_ratings(seed, n_coders=2, n_units=80, n_values=3, missing=0.15)
    both = ~np.isnan(x).any(axis=0)
    table = np.zeros((3, 3))
    for a, b in x[:, both].T.astype(int):
        table[a, b] += 1
    r = cohen_kappa(x)
    assert r.n_units == int(both.sum())
    assert r.value == pytest.approx(cohens_kappa(table).kappa, abs=1e-12)


@pytest.mark.parametrize("seed", [7, 8])
def test_two_coder_measures_match_nltk(seed):
    x = random_ratings(seed, n_coders=2, n_units=50, n_values=3)
    task = nltk_task(x)
    assert cohen_kappa(x).value == pytest.approx(task.kappa(), abs=1e-12)
    assert scott_pi(x).value == pytest.approx(task.pi(), abs=1e-12)
    assert brennan_prediger(x).value == pytest.approx(task.S(), abs=1e-12)
    assert percent_agreement(x).value == pytest.approx(task.avg_Ao(), abs=1e-12)


def test_multi_coder_measures_match_nltk_on_complete_data():
    x = random_ratings(9, n_coders=4, n_units=40, n_values=3)
    task = nltk_task(x)
    assert fleiss_kappa(x).value == pytest.approx(task.pi(), abs=1e-12)
    assert brennan_prediger(x).value == pytest.approx(task.S(), abs=1e-12)
    assert percent_agreement(x).value == pytest.approx(task.avg_Ao(), abs=1e-12)


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_alpha_matches_nltk_with_missing_values(seed):
    x = random_ratings(seed, n_coders=4, n_units=40, n_values=4, missing=0.3)
    assert krippendorff_alpha(x).value == pytest.approx(nltk_task(x).alpha(), abs=1e-12)


@pytest.mark.parametrize("seed", range(13, 19))
@pytest.mark.parametrize("n_values", [2, 5])
def test_fast_nominal_alpha_equals_krippendorff_package(seed, n_values):
    x = random_ratings(seed, n_coders=3, n_units=200, n_values=n_values, missing=0.2)
    expected = krippendorff.alpha(reliability_data=x, level_of_measurement="nominal")
    assert alpha_nominal_fast(x) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_coincidence_engine_equals_package(level, monkeypatch):
    x = random_ratings(19, n_coders=4, n_units=100, n_values=6, missing=0.25) + 1.0
    via_package = krippendorff_alpha(x, level=level)
    monkeypatch.setattr(measures, "PACKAGE_MEMORY_LIMIT", 0)
    via_product = krippendorff_alpha(x, level=level)
    assert via_product.extra["engine"] == "coincidence-matrix"
    assert via_product.value == pytest.approx(via_package.value, abs=1e-12)
    values, o = coincidence_matrix(K2011)
    assert (
        round(alpha_from_coincidences(values, o, level), 3)
        == {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}[level]
    )


def test_alpha_is_scotts_pi_with_small_sample_correction():
    # two coders, no missing values: alpha = 1 - ((n - 1) / n)(1 - pi), n = pairable values
    x = random_ratings(20, n_coders=2, n_units=30, n_values=3)
    pi = scott_pi(x).value
    n = 2 * x.shape[1]
    assert krippendorff_alpha(x).value == pytest.approx(1 - (n - 1) / n * (1 - pi), abs=1e-12)


# --------------------------------------------------------------------------- pooled, binary helpers


def test_pooled_alpha_treats_each_unit_code_pair_as_a_unit():
    rng = np.random.default_rng(21)
    stack = (rng.random((4, 3, 50)) < 0.3).astype(float)
    stack[:, 2, :10] = nan  # coder 3 did not see the first 10 units
    r = pooled_alpha(stack)
    flat = np.concatenate(list(stack), axis=1)  # coders x (codes * units)
    assert r.value == pytest.approx(krippendorff.alpha(reliability_data=flat, level_of_measurement="nominal"))
    assert r.value == pytest.approx(alpha_nominal_fast(flat), abs=1e-12)
    assert r.n_units == 4 * 50
    assert r.extra["n_codes"] == 4
    per_code = [krippendorff_alpha(code).value for code in stack]
    assert r.value != pytest.approx(float(np.mean(per_code)), abs=1e-6)


def test_binary_table_and_prevalence_skip_missing():
    a = [1, 1, 0, 0, 1, nan, 0]
    b = [1, 0, 1, 0, nan, 1, 0]
    t = binary_table(a, b)
    assert (t.both, t.only_a, t.only_b, t.neither) == (1, 1, 1, 2)
    assert t.n == 5
    assert t.prevalence == pytest.approx(4 / 10)
    assert t.percent_agreement == pytest.approx(3 / 5)
    assert prevalence(np.array([a, b])) == pytest.approx(6 / 12)
    assert prevalence(np.full((2, 3), nan)) is None
    with pytest.raises(ValueError, match="0/1"):
        binary_table([0, 2], [0, 1])


# --------------------------------------------------------------------------- undefined and invalid


@pytest.mark.parametrize("name", [n for n in MEASURES if n not in ("cohen_kappa", "percent_agreement", "fleiss_kappa")])
@pytest.mark.parametrize("constant", [0.0, 1.0])
def test_no_variation_is_undefined_not_zero_or_one(name, constant):
    x = np.full((2, 20), constant)
    x[1, 3] = nan
    r = compute(name, x)
    assert r.value is None
    assert r.undefined_reason == REASON_NO_VARIATION
    assert r.n_units == 19


def test_no_variation_for_cohen_and_fleiss():
    assert cohen_kappa(np.zeros((2, 10))).undefined_reason == REASON_NO_VARIATION
    assert fleiss_kappa(np.ones((3, 10))).undefined_reason == REASON_NO_VARIATION
    # percent agreement stays defined: the coders do agree on every unit
    assert percent_agreement(np.zeros((2, 10))).value == 1.0


def test_ac1_with_declared_binary_categories_is_defined_without_variation():
    r = gwet_ac1(np.zeros((2, 10)), n_categories=2)
    assert r.value == pytest.approx(1.0)
    assert gwet_ac1(np.zeros((2, 10))).value is None


@pytest.mark.parametrize("name", list(MEASURES))
def test_fewer_than_two_pairable_units_is_undefined(name):
    x = np.array([[0, 1, nan, nan], [1, nan, nan, 0], [nan, nan, 1, nan]], dtype=float)
    if name == "cohen_kappa":
        x = x[:2]
    r = compute(name, x)
    assert r.value is None
    assert r.undefined_reason == REASON_TOO_FEW_UNITS


def test_inputs_python_none_and_bool_are_accepted():
    x = [[True, False, None, True], [True, True, False, None]]
    r = krippendorff_alpha(x)
    assert r.n_units == 2
    y = np.array([[1, 0, nan, 1], [1, 1, 0, nan]])
    assert krippendorff_alpha(np.array([[1, 0, 1, 1, 0], [1, 1, 1, 0, 0]], dtype=bool)).value == pytest.approx(
        krippendorff_alpha(np.array([[1, 0, 1, 1, 0], [1, 1, 1, 0, 0]], dtype=float)).value
    )
    assert r.value == krippendorff_alpha(y).value


def test_wrong_number_of_coders_raises():
    with pytest.raises(ValueError, match="exactly 2 coders"):
        cohen_kappa(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="3 or more coders"):
        fleiss_kappa(np.zeros((2, 5)))


def test_registry_rejects_unknown_measure_and_level():
    with pytest.raises(ValueError, match="valid measures: krippendorff_alpha, cohen_kappa"):
        compute("kappa", K2011)
    with pytest.raises(ValueError, match="valid levels: nominal, ordinal, interval, ratio"):
        compute("krippendorff_alpha", K2011, level="metric")
    with pytest.raises(ValueError, match="nominal data only"):
        compute("fleiss_kappa", K2011, level="ordinal")
    assert round(compute("krippendorff_alpha", K2011, level="interval").value, 3) == 0.849


def test_non_matrix_input_raises():
    with pytest.raises(ValueError, match="2-D coders x units"):
        krippendorff_alpha([1, 2, 3])
    with pytest.raises(ValueError, match="infinite"):
        krippendorff_alpha([[1, np.inf], [1, 2]])
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[-1, 2, 3], [1, 2, 3]], level="ratio")


def test_result_to_dict_is_json_ready():
    import json

    d = krippendorff_alpha(K2011).to_dict()
    assert json.loads(json.dumps(d))["n_units"] == 11


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_interval_alpha_matches_nltk_with_missing_values(seed):
    from nltk.metrics.distance import interval_distance

    x = random_ratings(seed, n_coders=4, n_units=40, n_values=5, missing=0.3)
    triples = [(str(c), str(u), int(x[c, u])) for c in range(x.shape[0]) for u in range(x.shape[1])
               if not np.isnan(x[c, u])]
    expected = AnnotationTask(data=triples, distance=interval_distance).alpha()
    assert krippendorff_alpha(x, level="interval").value == pytest.approx(expected, abs=1e-12)


def gwet_by_hand(x, chance):
    """Gwet (2014) multi-rater coefficients with missing ratings, unit by unit in plain Python."""
    cats = sorted({v for v in x.ravel().tolist() if v == v})
    agree, shares, n_pairable = 0.0, {k: 0.0 for k in cats}, 0
    n_rated = 0
    for u in range(x.shape[1]):
        ratings = [v for v in x[:, u].tolist() if v == v]
        r = len(ratings)
        if r >= 1:
            n_rated += 1
            for k in cats:
                shares[k] += ratings.count(k) / r
        if r >= 2:
            n_pairable += 1
            agree += sum(ratings.count(k) * (ratings.count(k) - 1) for k in cats) / (r * (r - 1))
    p_a = agree / n_pairable
    pi = [shares[k] / n_rated for k in cats]
    p_e = {"fleiss": sum(p * p for p in pi), "ac1": sum(p * (1 - p) for p in pi) / (len(cats) - 1),
           "bp": 1 / len(cats), "pa": 0.0}[chance]
    return (p_a - p_e) / (1 - p_e)


@pytest.mark.parametrize("seed", [30, 31, 32])
def test_multi_coder_measures_with_missing_match_gwets_formulas_unit_by_unit(seed):
    x = random_ratings(seed, n_coders=5, n_units=70, n_values=4, missing=0.35)
    assert fleiss_kappa(x).value == pytest.approx(gwet_by_hand(x, "fleiss"), abs=1e-12)
    assert scott_pi(x).value == pytest.approx(gwet_by_hand(x, "fleiss"), abs=1e-12)
    assert gwet_ac1(x).value == pytest.approx(gwet_by_hand(x, "ac1"), abs=1e-12)
    assert brennan_prediger(x).value == pytest.approx(gwet_by_hand(x, "bp"), abs=1e-12)
    assert percent_agreement(x).value == pytest.approx(gwet_by_hand(x, "pa"), abs=1e-12)
