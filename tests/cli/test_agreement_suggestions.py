"""`cotag agreement --suggestions separate|exclude`: accepted suggestions reported apart from the coders' own codings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_agreement_units import build_agreement_study, doc_units  # noqa: E402

SOURCE = "suggestion model=abc123 score=0.910"


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def accept_suggestions(project) -> None:
    """ann and ben both accept `employment` on D2's first sentence; ann alone accepts `family` on D1's first."""
    from cotag.store.codes import require_code
    from cotag.store.coders import require_coder
    from cotag.store.codings import add_coding
    from cotag.store.documents import require_document

    with project.session() as s:
        d1, d2 = require_document(s, external_id="D1"), require_document(s, external_id="D2")
        u1, u2 = doc_units(s, d1.id), doc_units(s, d2.id)
        employment, family = require_code(s, key="employment"), require_code(s, key="family")
        for name in ("ann", "ben"):
            add_coding(s, document_id=d2.id, code_id=employment.id, coder_id=require_coder(s, name=name).id,
                       start=u2[1].start, end=u2[1].end, source=SOURCE)
        add_coding(s, document_id=d1.id, code_id=family.id, coder_id=require_coder(s, name="ann").id,
                   start=u1[1].start, end=u1[1].end, source=SOURCE)


def alphas(report: dict) -> dict:
    return {row["code"]: row["alpha"] for row in report["views"]["all"]["codes"]}


@pytest.mark.parametrize("unit", ["sentence", "turn"])
def test_without_suggestions_is_the_agreement_before_they_were_accepted(sqlite_project, unit):
    project = build_agreement_study(sqlite_project)
    plain = run(project, "agreement", "--unit", unit, "--format", "json")
    assert "note:" not in plain.stderr  # no accepted suggestion yet: nothing to say
    before = json.loads(plain.stdout)
    accept_suggestions(project)
    after = json.loads(run(project, "agreement", "--unit", unit, "--format", "json").stdout)
    assert alphas(after) != alphas(before)  # the accepted suggestions change the figures...

    result = run(project, "agreement", "--unit", unit, "--suggestions", "separate", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["from_suggestions"] == {"ann": 2, "ben": 1}
    assert data["codings"] == {"ann": 6, "ben": 5}
    assert data["from_suggestions_by_code"] == {"employment": 2, "family": 1}
    # ... and taking them out gives back exactly the report from before they were accepted
    assert alphas(data["report_without_suggestions"]) == alphas(before)
    assert data["pooled_alpha_without_suggestions"] == before["views"]["all"]["pooled_alpha"]
    assert alphas(data["report"]) == alphas(after)
    assert data["pooled_alpha"] == after["views"]["all"]["pooled_alpha"]
    assert set(data["pooled_alpha_without_own_suggestions"]) == {"ann", "ben"}

    plain = run(project, "agreement", "--unit", unit, "--format", "json")
    assert "note: 3 of the compared codings came from accepted code suggestions" in plain.stderr

    excluded = run(project, "agreement", "--unit", unit, "--suggestions", "exclude", "--format", "json")
    assert excluded.exit_code == 0, excluded.output
    assert alphas(json.loads(excluded.stdout)) == alphas(before)
    assert "3 of 11 codings in scope came from accepted suggestions" in excluded.stderr


def test_separate_table_says_how_many_came_from_suggestions(sqlite_project):
    project = build_agreement_study(sqlite_project)
    accept_suggestions(project)
    result = run(project, "agreement", "--suggestions", "separate")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "3 of 11 codings in scope came from accepted suggestions (ann 2 of 6, ben 1 of 5)" in out
    assert "without suggestions" in out and "pooled alpha without theirs" in out
    employment = next(line for line in out.splitlines() if line.startswith("employment"))
    assert employment.split()[-1] == "2"
    md = run(project, "agreement", "--suggestions", "separate", "--format", "md")
    assert md.exit_code == 0 and "| code | alpha | without suggestions | from suggestions |" in md.stdout


def test_clear_errors(sqlite_project):
    project = build_agreement_study(sqlite_project)
    for args, message in ((("--suggestions", "maybe"), "unknown --suggestions 'maybe'"),
                          (("--suggestions", "separate", "--unit", "char"), "character units"),
                          (("--suggestions", "separate", "--format", "csv"), "--suggestions exclude"),
                          (("--suggestions", "exclude", "--by-round"), "--by-round")):
        result = run(project, "agreement", *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)


def test_rebuilt_units_mark_the_same_as_the_core(sqlite_project):
    """Unitising the first comparison's units again with every coding gives the core's own matrices."""
    from cotag.reliability.units import Selection, load_unitised
    from cotag.store.codings import list_codings
    from cotag.suggest.agreement import rebuild

    project = build_agreement_study(sqlite_project)
    accept_suggestions(project)
    for kind in ("sentence", "turn"):
        with project.session() as s:
            data = load_unitised(s, Selection(), kind=kind)
            rows = list_codings(s, coders=data.coders)
        again = rebuild(data, [(r.coder, r.code, r.document, r.start, r.end) for r in rows
                               if r.document in data.coded[r.coder]])
        assert np.array_equal(again.stack, data.stack, equal_nan=True), kind
        assert again.kind == kind and np.array_equal(again.turn_cluster, data.turn_cluster)
