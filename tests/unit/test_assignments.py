"""The assignment plan: balanced, deterministic for a seed, with a stratified overlap sample every coder codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cotag.assignments import Candidate, overlap_size, plan_assignments
from cotag.errors import CotagError

CODERS = st.lists(st.sampled_from(["anna", "ben", "carl", "dana", "emil"]), min_size=1, max_size=5, unique=True)
CANDIDATES = st.lists(st.tuples(st.text("ABCDEFG0123456789", min_size=1, max_size=4), st.sampled_from(["", "f", "m", "x"])),
                      min_size=1, max_size=60, unique_by=lambda t: t[0]).map(
    lambda rows: [Candidate(d, s) for d, s in rows])
SHARES = st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.9, 1.0])


@settings(max_examples=200, deadline=None)
@given(CANDIDATES, CODERS, SHARES, st.integers(0, 2**32))
def test_plan_laws(candidates, coders, overlap, seed):
    if len(coders) < 2 and overlap > 0:
        with pytest.raises(CotagError, match="needs two coders or more"):
            plan_assignments(candidates, coders, overlap=overlap, seed=seed)
        return
    plan = plan_assignments(candidates, coders, overlap=overlap, seed=seed)
    # Deterministic for a seed, whatever order the documents come in.
    again = plan_assignments(list(reversed(candidates)), coders, overlap=overlap, seed=seed)
    assert again.documents == plan.documents and again.overlap_documents == plan.overlap_documents
    # Every document in scope has at least one coder, and only listed coders.
    assert set(plan.documents) == {c.document for c in candidates}
    assert all(cs and set(cs) <= set(coders) for cs in plan.documents.values())
    # The overlap sample has every listed coder; the rest exactly one.
    for document, cs in plan.documents.items():
        assert sorted(cs) == (sorted(coders) if document in plan.overlap_documents else sorted(cs)[:1])
    strata: dict[str, list[str]] = {}
    for c in candidates:
        strata.setdefault(c.stratum, []).append(c.document)
    for members in strata.values():
        sampled = sum(d in plan.overlap_documents for d in members)
        if overlap > 0:
            # Each stratum with documents has an overlap document; otherwise its share within rounding.
            assert sampled >= 1
            assert sampled == 1 or abs(sampled - overlap * len(members)) <= 0.5
        else:
            assert sampled == 0
    # Workloads (documents per coder) differ by at most one.
    load = plan.workload()
    assert max(load.values()) - min(load.values()) <= 1
    assert sum(load.values()) == sum(len(cs) for cs in plan.documents.values())


def test_another_seed_can_give_another_plan():
    candidates = [Candidate(f"D{i:02}", "ab"[i % 2]) for i in range(40)]
    plans = {tuple(sorted(plan_assignments(candidates, ["anna", "ben"], overlap=0.2, seed=s).overlap_documents))
             for s in range(5)}
    assert len(plans) > 1


def test_small_stratum_still_gets_one_overlap_document():
    assert overlap_size(3, 0.1) == 1
    assert overlap_size(10, 0.25) == 3  # 2.5 rounds half up
    assert overlap_size(0, 0.5) == 0
    assert overlap_size(7, 0.0) == 0
    # The strata the minimum lifted above their share are named (the CLI says the sample grew).
    plan = plan_assignments([Candidate(f"D{i}", "big") for i in range(20)] + [Candidate("S1", "small")],
                            ["anna", "ben"], overlap=0.2, seed=0)
    assert plan.raised_strata() == ["small"] and len(plan.overlap_documents) == 4 + 1


@pytest.mark.parametrize("coders, overlap, message", [
    ([], 0.2, "at least one coder"),
    (["anna", "anna"], 0.2, "more than once"),
    (["anna", "consensus"], 0.2, "consensus"),
    (["anna"], 1.5, "--overlap 1.5"),
    (["anna"], -0.1, "--overlap -0.1"),
    (["anna"], 0.2, "needs two coders or more"),
])
def test_bad_input_is_refused_with_its_value(coders, overlap, message):
    with pytest.raises(CotagError, match=message if not message.startswith("--") else message.replace(".", r"\.")):
        plan_assignments([Candidate("E001")], coders, overlap=overlap)
