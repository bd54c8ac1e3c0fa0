"""The drill-down core: which units the coders disagree on, located in the store; the project use case."""

from __future__ import annotations

import numpy as np
import pytest

from cotag.errors import CotagError
from cotag.reliability.disagreements import (
    UnitDisagreement,
    disagreeing_units,
    disagreement_counts,
    locate,
)
from cotag.services.agreement import agreement_report as project_agreement
from cotag.services.agreement import unit_disagreements as project_disagreements
from cotag.reliability.report import build_report
from cotag.reliability.units import Selection, Spans, UnitFrame, load_unitised, unitise
from test_agreement_units import build_agreement_study, doc_units


def frame() -> UnitFrame:
    # D1: turn 0 = [0,10) [11,20); turn 1 = [21,30); D2: turn 0 = [0,10)
    return UnitFrame.from_rows(["D1", "D2"], [(0, 0, 10, 0, False), (0, 11, 20, 0, False), (0, 21, 30, 1, False),
                                              (1, 0, 10, 0, False)], document_ids=[7, 9])


def test_disagreeing_units_name_both_sides_and_skip_missing_coders():
    spans = Spans.from_rows([(0, 0, 0, 0, 5), (1, 0, 0, 0, 5),   # x: a and b on D1 u0, c not
                             (0, 0, 0, 12, 14),                   # x: only a on D1 u1
                             (2, 0, 1, 0, 3),                     # x: only c on D2 (b did not code D2)
                             (1, 1, 0, 21, 30)])                  # y: only b on D1 u2
    data = unitise(frame(), spans, coders=["a", "b", "c"], codes=["x", "y"],
                   coded={0: [0, 1], 1: [0], 2: [0, 1]})
    got = disagreeing_units(data, "x")
    assert got == [UnitDisagreement("D1", 7, 0, 10, ("a", "b"), ("c",)),
                   UnitDisagreement("D1", 7, 11, 20, ("a",), ("b", "c")),
                   UnitDisagreement("D2", 9, 0, 10, ("c",), ("a",))]  # b never saw D2: on neither side
    assert disagreeing_units(data, "y") == [UnitDisagreement("D1", 7, 21, 30, ("b",), ("a", "c"))]
    assert disagreement_counts(data) == {"x": 3, "y": 1}
    # with two coders the count is the off-diagonal of the 2x2 table
    ab = Spans.from_rows([(0, 0, 0, 0, 5), (1, 0, 0, 0, 5), (0, 0, 0, 12, 14), (1, 1, 0, 21, 30)])
    two = unitise(frame(), ab, coders=["a", "b"], codes=["x", "y"], coded={0: [0, 1], 1: [0, 1]})
    rows = build_report(two).views["all"].rows
    assert [r.counts.only_a + r.counts.only_b for r in rows] == list(disagreement_counts(two).values())
    with pytest.raises(ValueError, match="not in this agreement table"):
        disagreeing_units(data, "z")


def test_turn_units_and_character_runs():
    spans = Spans.from_rows([(0, 0, 0, 2, 6), (1, 0, 0, 4, 8), (0, 0, 0, 22, 24)])
    turn = unitise(frame(), spans, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]}, kind="turn")
    assert [(d.start, d.end, d.applied) for d in disagreeing_units(turn, "x")] == [(21, 30, ("a",))]
    char = unitise(frame(), spans, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]}, kind="char")
    # characters 2-3 only a, 4-5 both (agree), 6-7 only b, 22-23 only a: three runs
    got = [(d.start, d.end, d.applied, d.not_applied) for d in disagreeing_units(char, "x")]
    assert got == [(2, 4, ("a",), ("b",)), (6, 8, ("b",), ("a",)), (22, 24, ("a",), ("b",))]


def test_locate_fills_unit_index_and_text(project):
    build_agreement_study(project)
    with project.session() as s:
        data = load_unitised(s)
        d1 = data.document_ids[data.frame_documents.index("D1")]
        units = doc_units(s, d1)
    # employment: ann on D1's unit 2 only; family: ben on D1's unit 3 only
    got = project_disagreements(project, data, "employment")
    assert len(got) == 1 and got[0].document == "D1" and got[0].document_id == d1
    assert got[0].unit == units[2].index and got[0].applied == ("ann",) and got[0].not_applied == ("ben",)
    from cotag.store.models import Document

    with project.session() as s:
        text = s.get(Document, d1).text
        assert got[0].text == " ".join(text[units[2].start:units[2].end].split())
        # an item without a document id is passed through
        orphan = UnitDisagreement("X", None, 0, 1, ("ann",), ("ben",))
        assert locate(s, [orphan]) == [orphan]


def test_project_agreement_is_what_the_cli_reports(project):
    build_agreement_study(project)
    result = project_agreement(project, Selection(coders=("ann", "ben")), kind="turn")
    with project.session() as s:
        data = load_unitised(s, Selection(coders=("ann", "ben")), kind="turn")
    assert result.report.to_dict() == build_report(data).to_dict()
    assert result.data.kind == "turn" and np.array_equal(result.data.stack, data.stack, equal_nan=True)
    with pytest.raises(CotagError, match="no coder named"):
        project_agreement(project, Selection(coders=("ann", "zoe")))
