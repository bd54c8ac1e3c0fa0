"""The agreement report: per-code rows, views, pooled figures, shared-resample bootstrap, renderings."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from cotag.reliability.bootstrap import bootstrap_alpha
from cotag.reliability.measures import (
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pooled_alpha,
)
from cotag.reliability.report import bootstrap_table, build_report, render
from cotag.reliability.units import OverlapRule, Spans, UnitFrame, Unitised, unitise

nan = np.nan


def make_unitised(stack, kind="sentence", coders=None, codes=None, turns=None) -> Unitised:
    stack = np.asarray(stack, dtype=float)
    n_codes, n_coders, n = stack.shape
    turns = np.arange(n) // 2 if turns is None else np.asarray(turns)
    coders = coders or [f"c{i}" for i in range(n_coders)]
    return Unitised(kind=kind, rule=OverlapRule(), coders=coders, codes=codes or [f"k{i}" for i in range(n_codes)],
                    documents=["D1"], stack=stack, unit_doc=np.zeros(n, int), unit_start=np.arange(n) * 10,
                    unit_end=np.arange(n) * 10 + 9, unit_turn=turns, turn_cluster=turns,
                    document_cluster=np.zeros(n, int), coded={c: ["D1"] for c in coders}, frame_documents=["D1"])


def random_stack(n_codes=4, n_coders=2, n=300, seed=1, p=0.2, flip=0.1, missing=0.0):
    rng = np.random.default_rng(seed)
    truth = rng.random((n_codes, 1, n)) < p
    noise = rng.random((n_codes, n_coders, n)) < flip
    x = (truth ^ noise).astype(float)
    if missing:
        gone = rng.random((n_coders, n)) < missing
        x[:, gone] = nan
    return x


def test_per_code_rows_match_the_measures():
    x = random_stack()
    r = build_report(make_unitised(x))
    v = r.views["all"]
    assert r.kappa_name == "cohen_kappa"
    for k, row in enumerate(v.rows):
        assert row.alpha.value == pytest.approx(krippendorff_alpha(x[k]).value)
        assert row.kappa.value == pytest.approx(cohen_kappa(x[k]).value)
        t = row.counts
        assert t.both + t.only_a + t.only_b + t.neither == 300 == row.pairable
        assert row.prevalence == pytest.approx(x[k].mean())
        assert row.percent.value == pytest.approx((x[k, 0] == x[k, 1]).mean())
    assert v.pooled.value == pytest.approx(pooled_alpha(x).value)
    assert v.mean_alpha == pytest.approx(np.mean([row.alpha.value for row in v.rows]))
    assert v.pooled.value != pytest.approx(v.mean_alpha, abs=1e-6)


def test_three_coders_use_conger_with_fleiss_beside_and_pairwise_counts():
    x = random_stack(n_coders=3, missing=0.2)
    r = build_report(make_unitised(x))
    row = r.views["all"].rows[0]
    assert r.kappa_name == "conger_kappa"
    assert row.kappa.value == pytest.approx(conger_kappa(x[0]).value, abs=1e-12)
    assert row.fleiss.value == pytest.approx(fleiss_kappa(x[0]).value, abs=1e-12)
    assert row.kappa.value != pytest.approx(row.fleiss.value, abs=1e-9)  # the coders' marginals differ
    coded = r.views["coded"].rows[0]
    mask = (np.nan_to_num(x) == 1).any(axis=(0, 1))
    assert coded.kappa.value == pytest.approx(conger_kappa(x[0][:, mask]).value, abs=1e-12)
    out = json.loads(render(r, "json"))
    assert out["kappa"] == "conger_kappa"
    assert out["views"]["all"]["codes"][0]["conger_kappa"] == pytest.approx(row.kappa.value)
    assert out["views"]["all"]["codes"][0]["fleiss_kappa"] == pytest.approx(row.fleiss.value)
    methods = render(r, "methods")
    assert "Conger 1980" in methods and "Fleiss" not in methods and "Cohen" not in methods
    both_rated = sum(int((~np.isnan(x[0, i]) & ~np.isnan(x[0, j])).sum()) for i, j in ((0, 1), (0, 2), (1, 2)))
    t = row.counts
    assert t.both + t.only_a + t.only_b + t.neither == both_rated


def test_code_without_variation_is_undefined_with_reason():
    x = random_stack(n_codes=2)
    x[1] = 0.0
    for n_coders in (2, 3):
        x = random_stack(n_codes=2, n_coders=n_coders)
        x[1] = 0.0
        report = build_report(make_unitised(x), bootstrap=50)
        row = report.views["all"].rows[1]
        assert row.alpha.value is None and "no variation" in row.undefined_reason
        assert row.ci is None and not row.below
        # every chance-corrected figure is undefined with the reason (AC1 would otherwise say 1)
        for result in (row.kappa, row.ac1):
            assert result.value is None and "no variation" in result.undefined_reason
        assert row.percent.value == 1.0  # a share, not a coefficient: they did agree on every unit
        out = json.loads(render(report, "json"))["views"]["all"]["codes"][1]
        assert out["alpha"] is None and out["gwet_ac1"] is None and out["undefined_reason"].startswith("no variation")
        assert report.views["all"].rows[0].ac1.value is not None


def test_coded_only_view_drops_units_nobody_coded():
    x = np.zeros((2, 2, 10))
    x[0, :, :3] = 1
    x[1, 0, 3] = 1
    r = build_report(make_unitised(x))
    assert r.views["all"].n_units == 10 and r.views["coded"].n_units == 4
    assert "at least one coder coded" in r.views["coded"].denominator
    assert r.views["all"].denominator.startswith("all 10 respondent sentences")
    assert r.views["coded"].rows[0].counts.neither == 1


@pytest.mark.parametrize("clusters", [None, "turn"])
def test_shared_bootstrap_equals_bootstrap_alpha_for_each_code_and_pooled(clusters):
    x = random_stack(n_codes=3, n=200, missing=0.1)
    turns = np.arange(200) // 3
    cl = None if clusters is None else turns
    cis, pooled = bootstrap_table(x, cl, 300, seed=11)
    for k in range(3):
        ref = bootstrap_alpha(x[k], n=300, seed=11, clusters=cl)
        assert (cis[k].lo, cis[k].hi) == pytest.approx(ref.ci)
        assert cis[k].p_below[0.667] == pytest.approx(ref.p_below[0.667])
    ref = bootstrap_alpha(x, n=300, seed=11, clusters=cl)
    assert (pooled.lo, pooled.hi) == pytest.approx(ref.ci)


def test_bootstrap_is_seeded_and_uses_turn_clusters_for_sentences():
    u = make_unitised(random_stack())
    a = build_report(u, bootstrap=200, seed=5)
    b = build_report(u, bootstrap=200, seed=5)
    assert a.cluster == "turn"
    assert a.views["all"].rows[0].ci.lo == b.views["all"].rows[0].ci.lo
    assert a.views["all"].pooled_ci.hi == b.views["all"].pooled_ci.hi
    assert build_report(make_unitised(random_stack(), kind="turn"), bootstrap=10).cluster == "unit"
    with pytest.raises(ValueError):
        build_report(u, cluster="page")


def test_renderings_carry_rule_and_numbers():
    x = random_stack(flip=0.25)
    r = build_report(make_unitised(x, coders=["ann", "ben"], codes=["wages", "jobs", "family", "home"]),
                     bootstrap=100)
    rule = r.rule
    table = render(r, "table")
    assert rule in table.replace("\n", "") or "rule: unit: sentence" in table
    assert "below .667" in table
    rows = list(csv.DictReader(io.StringIO(render(r, "csv"))))
    assert len(rows) == 2 * (4 + 3)  # codes, pooled (headline), pooled over all codes, mean of codes
    assert rows[0]["rule"] == rule and rows[0]["code"] == "wages"
    assert float(rows[0]["alpha"]) == pytest.approx(r.views["all"].rows[0].alpha.value)
    data = json.loads(render(r, "json"))
    assert data["rule"] == rule and data["views"]["coded"]["denominator"]
    assert data["views"]["all"]["codes"][0]["cohen_kappa"] == pytest.approx(r.views["all"].rows[0].kappa.value)
    md = render(r, "md")
    assert "| code | alpha |" in md and "Denominator:" in md
    methods = render(r, "methods")
    assert "ann (1 document) and ben (1 document)" in methods
    assert "sentence as the unit" in methods and "at least 1 character" in methods
    assert "Pooled over all" in methods and "95% intervals" in methods and "every code varied" in methods
    below = r.below_threshold()
    assert below and all(code in methods for code in below) and "fell below" in methods
    with pytest.raises(ValueError):
        render(r, "pdf")


def test_unitized_alpha_continuum_is_the_character_units():
    """u-alpha follows the rule's characters: an interviewer-turn coding excluded from the table is not
    counted on the continuum either, and the continuum is the respondent characters laid end to end."""
    from cotag.reliability.unitized import Span, unitized_alpha

    fr = UnitFrame.from_rows(["D1"], [(0, 0, 10, 0, True), (0, 11, 30, 1, False), (0, 31, 60, 1, False)])
    spans = Spans.from_rows([(0, 0, 0, 12, 25), (1, 0, 0, 13, 25), (0, 1, 0, 2, 8)])
    named = [("a", "D1", "x", 12, 25), ("b", "D1", "x", 13, 25), ("a", "D1", "y", 2, 8)]
    u = unitise(fr, spans, coders=["a", "b"], codes=["x", "y"], coded={0: [0], 1: [0]}, kind="char")
    r = build_report(u, spans=named)
    y = r.views["all"].rows[1]
    assert y.alpha.value is None and y.u_alpha is None  # a's y lies in the excluded interviewer turn
    # respondent characters 11..29 and 31..59 -> continuum [0, 48); a's x 12-25 -> [1, 14), b's 13-25 -> [2, 14)
    expected = unitized_alpha([Span("a", 1, 14, "x"), Span("b", 2, 14, "x")], 0, 48, coders=["a", "b"]).value
    assert r.u_alpha == pytest.approx(expected) and r.views["all"].rows[0].u_alpha == pytest.approx(expected)
    with_interviewer = build_report(unitise(fr, spans, coders=["a", "b"], codes=["x", "y"], coded={0: [0], 1: [0]},
                                            kind="char", include_interviewer=True), spans=named)
    assert with_interviewer.views["all"].rows[1].u_alpha is not None


def test_char_units_with_no_span_say_why_there_is_no_unitized_alpha():
    fr = UnitFrame.from_rows(["D1"], [(0, 0, 30, 0, False)])
    u = unitise(fr, Spans.from_rows([]), coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]}, kind="char")
    u.named_spans = []  # what load_unitised gives when the coders marked nothing with the chosen codes
    r = build_report(u)
    assert r.u_alpha is None and r.u_alpha_reason  # undefined, with its reason; never silently left out
    assert r.views["all"].rows[0].u_alpha_reason and "unitized alpha" in render(r, "table")


def test_char_units_add_unitized_alpha():
    fr = UnitFrame.from_rows(["D1"], [(0, 0, 30, 0, False), (0, 31, 60, 1, False)])
    spans = Spans.from_rows([(0, 0, 0, 2, 20), (1, 0, 0, 4, 22), (0, 1, 0, 35, 50), (1, 1, 0, 36, 50)])
    u = unitise(fr, spans, coders=["a", "b"], codes=["x", "y"], coded={0: [0], 1: [0]}, kind="char")
    named = [("a", "D1", "x", 2, 20), ("b", "D1", "x", 4, 22), ("a", "D1", "y", 35, 50), ("b", "D1", "y", 36, 50)]
    r = build_report(u, spans=named)
    assert r.u_alpha is not None and 0.5 < r.u_alpha < 1
    assert all(row.u_alpha is not None for row in r.views["all"].rows)
    assert "unitized alpha" in render(r, "table")
    # every format gives the per-code figures, not only JSON
    x, y = r.views["all"].rows
    assert f"unitized alpha per code: x {x.u_alpha:.3f}; y {y.u_alpha:.3f}" in render(r, "table")
    # and over how many documents: only those every coder coded are on the continuum
    assert "character continuum of the 1 document every coder coded" in render(r, "table")
    assert json.loads(render(r, "json"))["u_alpha_documents"] == 1
    assert "continuum of the 1 document coded by every coder was" in render(r, "methods")
    assert f"unitized alpha per code: x {x.u_alpha:.3f}" in render(r, "md")
    rows = {(row["view"], row["code"]): row for row in csv.DictReader(io.StringIO(render(r, "csv")))}
    assert float(rows[("all", "x")]["u_alpha"]) == pytest.approx(x.u_alpha)
    assert float(rows[("all", "(pooled)")]["u_alpha"]) == pytest.approx(r.u_alpha)
    assert rows[("coded", "x")]["u_alpha"] == ""
