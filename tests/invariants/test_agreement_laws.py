"""Laws of agreement: a pair's figures depend on the pair's codings alone, not on who else coded or on order."""

from __future__ import annotations

from hypothesis import given
from invariants.profiles import study_settings
from invariants.studies import CODEBOOK, LEAD, build_study, studies


def _agreement(project, coders: tuple[str, ...] | None):
    """The report's JSON (what `cotag agreement --format json` prints), or the refusal's message."""
    from cotag.errors import CotagError
    from cotag.services.agreement import agreement_report as project_agreement
    from cotag.reliability.units import Selection

    try:
        return project_agreement(project, Selection(coders=coders)).report.to_dict()
    except CotagError as exc:
        return {"refused": str(exc)}


def _rows(report: dict, keys: set[str] | None = None, *, symmetric: bool = False) -> dict:
    """Per view and code, the figures; `symmetric`: the pair's two one-sided counts as an unordered pair."""
    if "refused" in report:
        return report
    out = {}
    for view, data in report["views"].items():
        for row in data["codes"]:
            if keys is not None and row["code"] not in keys:
                continue
            row = {k: v for k, v in row.items() if k != "ci"}
            if symmetric:
                row["one_sided"] = tuple(sorted((row.pop("only_a"), row.pop("only_b"))))
            out[(view, row["code"])] = row
    return out


def _pooled(report: dict) -> dict:
    if "refused" in report:
        return report
    # The headline figure only: how many (unit, code) decisions it rests on may name the codes it left out.
    return {view: data["pooled_alpha"] for view, data in report["views"].items()}


def _codes_now(study) -> set[str]:
    return {study.key_now(key) for key, _, _ in CODEBOOK}


@given(study=studies(max_documents=8))
@study_settings()
def test_a_pairs_agreement_ignores_other_coders_unused_codes_and_order(backend, study):
    a, b = study.pair
    alone = backend.project("pair")
    build_study(alone, study, workdir=backend.folder("csv"), coders=(a, b))
    crowded = backend.project("crowded")
    build_study(crowded, study, workdir=backend.folder("csv"), lead_codes=True, unused_codes=True, third=True)
    reordered = backend.project("reordered")
    build_study(reordered, study.with_document_order(list(reversed(range(len(study.documents))))),
                workdir=backend.folder("csv"), coders=(a, b))

    pair = _agreement(alone, (a, b))
    keys = _codes_now(study)
    assert _rows(_agreement(crowded, (a, b)), keys) == _rows(pair, keys), \
        "a third coder, the lead or unused codes moved it"
    assert _agreement(reordered, (a, b)) == pair, "document order moved it"
    assert _rows(_agreement(alone, (b, a)), symmetric=True) == _rows(pair, symmetric=True), "coder order moved it"
    if "refused" not in pair:
        assert pair["coders"] == [a, b]


@given(study=studies(max_documents=8))
@study_settings()
def test_the_headline_pooled_alpha_ignores_unused_codes(backend, study):
    a, b = study.pair
    plain = backend.project("plain")
    build_study(plain, study, workdir=backend.folder("csv"), coders=(a, b))
    padded = backend.project("padded")
    build_study(padded, study, workdir=backend.folder("csv"), coders=(a, b), unused_codes=True, lead_codes=True,
                third=True)
    assert _pooled(_agreement(padded, (a, b))) == _pooled(_agreement(plain, (a, b)))


@given(study=studies(max_documents=8))
@study_settings()
def test_the_default_comparison_leaves_out_the_lead(backend, study):
    without = backend.project("without-lead")
    build_study(without, study, workdir=backend.folder("csv"))
    with_lead = backend.project("with-lead")
    build_study(with_lead, study, workdir=backend.folder("csv"), lead_codes=True)
    report = _agreement(with_lead, None)
    assert report == _agreement(without, None)
    assert LEAD not in report.get("coders", []) and "consensus" not in report.get("coders", [])
