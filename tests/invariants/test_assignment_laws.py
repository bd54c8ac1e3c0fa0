"""Laws of stored assignment plans: the same documents, coders, share and seed give the same plan whatever order
the documents were imported in; the overlap sample is stratified as asked; workloads differ by at most one."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import LEAD, build_study, studies


def _plan(project, coders: list[str], share: float, seed: int, stratify: str = "group",
          documents: list[str] | None = None) -> list[dict]:
    from cotag.services import team as assignments

    assignments.assign(project, coders=coders, lead=LEAD, overlap=share, stratify=stratify, seed=seed,
                       documents=documents)
    return assignments.list_assignments(project)


@given(study=studies(max_documents=12, codebook_changes=False), share=st.sampled_from((0.0, 0.2, 0.5, 1.0)),
       seed=st.integers(0, 2**16), data=st.data())
@study_settings()
def test_a_stored_plan_is_deterministic_stratified_and_balanced(backend, study, share, seed, data):
    from cotag.assignments import overlap_size

    coders = list(study.coders)
    first = backend.project("plan-a")
    build_study(first, study, workdir=backend.folder("a"), coders=())
    order = data.draw(st.permutations(range(len(study.documents))))
    second = backend.project("plan-b")
    build_study(second, study.with_document_order(list(order)), workdir=backend.folder("b"), coders=())

    plan = _plan(first, coders, share, seed)
    assert _plan(second, coders, share, seed) == plan  # the import order does not matter

    groups = {d.external_id: d.group for d in study.documents}
    assert sorted(row["document"] for row in plan) == sorted(groups)
    per_group = Counter(groups.values())
    overlap = Counter(groups[row["document"]] for row in plan if row["overlap"])
    for group, size in per_group.items():
        assert overlap[group] == overlap_size(size, share), group
    for row in plan:
        assert row["coders"] == (sorted(coders) if row["overlap"] else row["coders"])
        assert len(row["coders"]) == (len(coders) if row["overlap"] else 1)
    load = Counter(coder for row in plan for coder in row["coders"])
    assert max(load[c] for c in coders) - min(load[c] for c in coders) <= 1


@given(study=studies(max_documents=16, codebook_changes=False), share=st.sampled_from((0.1, 0.2, 1 / 3, 0.5)),
       seed=st.integers(0, 2**16), stratify=st.sampled_from(("gender", "place", "occupation")), data=st.data())
@study_settings()
def test_the_overlap_sample_is_stratified_as_asked(backend, study, share, seed, stratify, data):
    """By any attribute (a document without it is a stratum of its own): every stratum has at least one overlap
    document, and otherwise its share of the stratum to within half a document; every overlap document has every
    coder. The same seed gives the same plan whatever order --documents lists them in."""
    coders = list(study.coders)
    values = {d.external_id: str(dict(d.attributes).get(stratify, "")) for d in study.documents}
    if not any(dict(d.attributes).get(stratify) is not None for d in study.documents):
        return  # no document has the attribute: refused by name (tests/storage/test_assignments_store.py)
    project = backend.project("strata")
    build_study(project, study, workdir=backend.folder("strata"), coders=())
    listed = data.draw(st.permutations(sorted(values)))
    plan = _plan(project, coders, share, seed, stratify=stratify, documents=list(listed))
    assert sorted(row["document"] for row in plan) == sorted(values)
    sizes = Counter(values.values())
    sampled = Counter(values[row["document"]] for row in plan if row["overlap"])
    for stratum, size in sizes.items():
        assert sampled[stratum] >= 1, (stratum, size)
        assert sampled[stratum] == 1 or abs(sampled[stratum] - share * size) <= 0.5, (stratum, size)
    for row in plan:
        assert len(row["coders"]) == (len(coders) if row["overlap"] else 1)
    again = _plan(project, coders, share, seed, stratify=stratify, documents=sorted(values, reverse=True))
    assert again == plan
