"""Laws of stored assignment plans: the same documents, coders, share and seed give the same plan whatever order
the documents were imported in; the overlap sample is stratified as asked; workloads differ by at most one."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import LEAD, build_study, studies


def _plan(project, coders: list[str], share: float, seed: int) -> list[dict]:
    from cotag.services import team as assignments

    assignments.assign(project, coders=coders, lead=LEAD, overlap=share, stratify="group", seed=seed)
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
