"""Unitized alpha (Krippendorff 1995/2004) against the published example and a plain reference."""

import itertools
import random

import pytest

from cotag.reliability.unitized import (
    REASON_NO_UNITS,
    REASON_TOO_FEW_CODERS,
    Span,
    unitized_alpha,
    unitized_alpha_per_category,
)

# Krippendorff (2004), Content Analysis 2nd ed., p. 254: continuum 150..450 (L = 300),
# two observers i and j, categories c and k.
K2004 = [
    Span("i", 225, 295, "c"),
    Span("i", 370, 400, "c"),
    Span("j", 220, 300, "c"),
    Span("j", 355, 375, "c"),
    Span("j", 400, 420, "c"),
    Span("i", 180, 240, "k"),
    Span("i", 300, 350, "k"),
    Span("j", 180, 240, "k"),
    Span("j", 300, 350, "k"),
]


def test_krippendorff_2004_per_category():
    per = unitized_alpha_per_category(K2004, 150, 450)
    c, k = per["c"], per["k"]
    assert round(c.value, 4) == 0.7286
    assert round(c.observed, 4) == 0.0144
    assert round(c.expected, 4) == 0.0532
    assert c.n_units == 5 and c.n_coders == 2
    assert k.value == 1.0
    assert k.observed == 0.0
    assert round(k.expected, 4) == 0.0490


def test_krippendorff_2004_overall():
    u = unitized_alpha(K2004, 150, 450)
    # the book prints .8591, computed from rounded D values; unrounded it is .858665
    assert round(u.value, 6) == 0.858665
    assert abs(u.value - 0.8591) < 0.0005
    assert unitized_alpha(K2004, 150, 450, category="c").value == pytest.approx(
        unitized_alpha_per_category(K2004, 150, 450)["c"].value
    )


@pytest.mark.parametrize(
    ("a", "b", "delta"),
    [
        ((225, 295), (220, 300), 50),  # overlapping units: 5^2 + 5^2
        ((370, 400), (355, 375), 850),  # 15^2 + 25^2
        ((400, 420), None, 400),  # a unit wholly inside the other coder's gap: 20^2
    ],
)
def test_distance_examples_from_the_book(a, b, delta):
    spans = [Span("i", a[0], a[1], "c")]
    if b is not None:
        spans.append(Span("j", b[0], b[1], "c"))
    r = unitized_alpha(spans, 150, 450, category="c", coders=["i", "j"])
    # two coders: D_o = 2 * sum(delta^2) / (m (m - 1) L^2) = delta / L^2
    assert r.observed == pytest.approx(delta / 300**2)


def reference_terms(spans, coders, begin, end, category):
    """Plain-loop D_o and D_e, written straight from Krippendorff (2004, pp. 251-256)."""
    length = end - begin
    m = len(coders)
    parts = {}
    for coder in coders:
        units = sorted((s.start, s.end) for s in spans if s.coder == coder and s.category == category)
        segs, pos = [], begin
        for s, e in units:
            if s > pos:
                segs.append((pos, s, False))
            segs.append((s, e, True))
            pos = e
        if pos < end:
            segs.append((pos, end, False))
        parts[coder] = segs

    def delta(g, h):
        (bg, eg, ug), (bh, eh, uh) = g, h
        if ug and uh:
            return (bg - bh) ** 2 + (eg - eh) ** 2
        if ug and not uh and bh <= bg and eg <= eh:
            return (eg - bg) ** 2
        if uh and not ug and bg <= bh and eh <= eg:
            return (eh - bh) ** 2
        return 0

    total = 0
    for ci, cj in itertools.combinations(coders, 2):
        for g in parts[ci]:
            for h in parts[cj]:
                if min(g[1], h[1]) > max(g[0], h[0]):
                    total += delta(g, h)
    d_o = 2 * total / (m * (m - 1) * length**2)

    units = [e - s for segs in parts.values() for s, e, u in segs if u]
    gaps = [e - s for segs in parts.values() for s, e, u in segs if not u]
    n_c = len(units)
    num = 0
    for lu in units:
        num += (n_c - 1) * (2 * lu**3 - 3 * lu**2 + lu) / 3
        num += lu**2 * sum(lg - lu + 1 for lg in gaps if lg >= lu)
    den = m * length * (m * length - 1) - sum(lu * (lu - 1) for lu in units)
    d_e = (2 / length) * num / den
    return d_o, d_e


def random_spans(seed, coders, categories, begin, end, per_coder):
    rnd = random.Random(seed)
    spans = []
    for coder in coders:
        for cat in categories:
            cuts = sorted(rnd.sample(range(begin, end + 1), 2 * per_coder))
            for s, e in zip(cuts[::2], cuts[1::2]):
                spans.append(Span(coder, s, e, cat))
    return spans


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_matches_plain_loop_reference(seed):
    coders = ["a", "b", "c"]
    spans = random_spans(seed, coders, ["x", "y"], 0, 500, per_coder=6)
    per = unitized_alpha_per_category(spans, 0, 500)
    sum_o = sum_e = 0.0
    for cat in ("x", "y"):
        d_o, d_e = reference_terms(spans, coders, 0, 500, cat)
        assert per[cat].observed == pytest.approx(d_o, rel=1e-12)
        assert per[cat].expected == pytest.approx(d_e, rel=1e-12)
        assert per[cat].value == pytest.approx(1 - d_o / d_e, rel=1e-12)
        sum_o, sum_e = sum_o + d_o, sum_e + d_e
    assert unitized_alpha(spans, 0, 500).value == pytest.approx(1 - sum_o / sum_e, rel=1e-12)


def test_order_of_spans_does_not_matter():
    shuffled = list(K2004)
    random.Random(5).shuffle(shuffled)
    assert unitized_alpha(shuffled, 150, 450).value == pytest.approx(unitized_alpha(K2004, 150, 450).value)


def test_identical_unitizing_gives_one():
    spans = [Span(c, s, e, "q") for c in ("a", "b", "c") for s, e in ((10, 40), (60, 61), (90, 100))]
    assert unitized_alpha(spans, 0, 120).value == pytest.approx(1.0)


def test_overlapping_spans_of_one_coder_are_merged():
    merged = [Span("a", 10, 50, "q"), Span("b", 12, 45, "q")]
    split = [Span("a", 10, 30, "q"), Span("a", 25, 50, "q"), Span("b", 12, 45, "q")]
    r = unitized_alpha(split, 0, 100)
    assert r.value == pytest.approx(unitized_alpha(merged, 0, 100).value)
    assert r.merged_spans == 1
    # touching spans stay two units, which changes the result
    touching = [Span("a", 10, 30, "q"), Span("a", 30, 50, "q"), Span("b", 12, 45, "q")]
    assert unitized_alpha(touching, 0, 100).value != pytest.approx(r.value)


def test_listed_coder_without_spans_counts_as_marking_nothing():
    spans = [Span("a", 10, 50, "q"), Span("b", 12, 45, "q")]
    two = unitized_alpha(spans, 0, 100)
    three = unitized_alpha(spans, 0, 100, coders=["a", "b", "c"])
    assert three.n_coders == 3
    assert three.value < two.value
    d_o, d_e = reference_terms(spans, ["a", "b", "c"], 0, 100, "q")
    assert three.value == pytest.approx(1 - d_o / d_e)


def test_undefined_cases():
    one = unitized_alpha([Span("a", 1, 5, "q")], 0, 10)
    assert one.value is None and one.undefined_reason == REASON_TOO_FEW_CODERS
    absent = unitized_alpha(K2004, 150, 450, category="zzz")
    assert absent.value is None and absent.undefined_reason == REASON_NO_UNITS


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (("a", 5, 5, "q"), "smaller than end"),
        (("a", 5, 200, "q"), "outside the continuum"),
        (("a", 1.5, 4, "q"), "integers"),
    ],
)
def test_invalid_spans_raise(span, message):
    with pytest.raises(ValueError, match=message):
        unitized_alpha([span, ("b", 1, 3, "q")], 0, 100)


def test_coder_not_in_list_raises():
    with pytest.raises(ValueError, match="not in the coder list"):
        unitized_alpha(K2004, 150, 450, coders=["i"])
