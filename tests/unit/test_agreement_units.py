"""Unitising coders' spans: the overlap rule, missing documents, interviewer turns, unit kinds, the store loader."""

from __future__ import annotations

import numpy as np
import pytest

from cotag.errors import CotagError
from cotag.reliability.units import (
    OverlapRule,
    Selection,
    Spans,
    UnitFrame,
    load_unitised,
    unitise,
)
from tests.factories import make_codes, make_document

nan = np.nan


def frame() -> UnitFrame:
    # D1: respondent turn 0 = [0,10) [11,20); interviewer turn 1 = [22,30); respondent turn 2 = [31,40)
    # D2: turn 0 = [0,10); turn 1 = [11,20)
    return UnitFrame.from_rows(["D1", "D2"], [
        (0, 11, 20, 0, False), (0, 0, 10, 0, False), (0, 22, 30, 1, True), (0, 31, 40, 2, False),
        (1, 0, 10, 0, False), (1, 11, 20, 1, False),
    ])


def spans(*rows):
    return Spans.from_rows(rows)


def test_one_character_of_overlap_is_enough_by_default():
    u = unitise(frame(), spans((0, 0, 0, 9, 11), (1, 0, 0, 0, 1)), coders=["a", "b"], codes=["x"],
                coded={0: [0], 1: [0]})
    # units: [0,10) [11,20) [31,40); a's span touches the first unit by 1 char, not the second ([9,11) ends at 11)
    assert u.stack[0].tolist() == [[1, 0, 0], [1, 0, 0]]
    assert u.documents == ["D1"]
    assert u.rule_text.startswith("unit: sentence; a sentence carries a code when the coder's spans")
    assert "at least 1 character" in u.rule_text and "interviewer turns excluded" in u.rule_text


def test_min_chars_and_min_fraction():
    s = spans((0, 0, 0, 0, 3), (1, 0, 0, 0, 6))
    u = unitise(frame(), s, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]}, rule=OverlapRule(4))
    assert u.stack[0, :, 0].tolist() == [0, 1]
    u = unitise(frame(), s, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]},
                rule=OverlapRule(1, min_fraction=0.5))
    assert u.stack[0, :, 0].tolist() == [0, 1]
    assert "at least 50% of its length" in u.rule_text
    with pytest.raises(ValueError):
        OverlapRule(0)
    with pytest.raises(ValueError):
        OverlapRule(1, 1.5)


def test_overlapping_spans_of_one_coder_do_not_count_twice():
    # two spans over the same 3 characters: 3 characters of overlap, not 6
    s = spans((0, 0, 0, 0, 3), (0, 0, 0, 1, 3), (1, 0, 0, 0, 2), (1, 0, 0, 3, 5))
    u = unitise(frame(), s, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]}, rule=OverlapRule(4))
    assert u.stack[0, :, 0].tolist() == [0, 1]  # b's two disjoint spans add up to 4


def test_uncoded_document_is_missing_not_absent():
    s = spans((0, 0, 0, 0, 5), (0, 0, 1, 0, 5), (1, 0, 0, 0, 5), (2, 0, 1, 0, 5))
    u = unitise(frame(), s, coders=["a", "b", "c"], codes=["x"], coded={0: [0, 1], 1: [0], 2: [1]})
    x = u.stack[0]
    assert u.documents == ["D1", "D2"]
    assert np.isnan(x[1, 3:]).all() and np.isnan(x[2, :3]).all()
    assert x[0].tolist() == [1, 0, 0, 1, 0]
    assert u.coded == {"a": ["D1", "D2"], "b": ["D1"], "c": ["D2"]}


def test_document_coded_by_one_coder_is_left_out():
    u = unitise(frame(), spans((0, 0, 1, 0, 5)), coders=["a", "b"], codes=["x"], coded={0: [0, 1], 1: [0]})
    assert u.documents == ["D1"] and u.n_units == 3


def test_interviewer_units_excluded_unless_asked():
    s = spans((0, 0, 0, 22, 25), (1, 0, 0, 22, 24))
    u = unitise(frame(), s, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]})
    assert u.n_units == 3 and np.nansum(u.stack) == 0
    u = unitise(frame(), s, coders=["a", "b"], codes=["x"], coded={0: [0], 1: [0]}, include_interviewer=True)
    assert u.n_units == 4 and u.stack[0, :, 2].tolist() == [1, 1]
    assert "interviewer turns included" in u.rule_text


def test_turn_units_and_char_units():
    s = spans((0, 0, 0, 12, 14), (1, 0, 0, 35, 36), (1, 1, 1, 0, 2))
    u = unitise(frame(), s, coders=["a", "b"], codes=["x", "y"], coded={0: [0, 1], 1: [0, 1]}, kind="turn")
    assert u.unit_start.tolist() == [0, 31, 0, 11] and u.unit_end.tolist() == [20, 40, 10, 20]
    assert u.stack[0].tolist() == [[1, 0, 0, 0], [0, 1, 0, 0]]
    assert u.stack[1].tolist() == [[0, 0, 0, 0], [0, 0, 1, 0]]
    c = unitise(frame(), s, coders=["a", "b"], codes=["x", "y"], coded={0: [0, 1], 1: [0, 1]}, kind="char")
    assert c.n_units == 10 + 9 + 9 + 10 + 9
    assert np.nansum(c.stack[0], axis=1).tolist() == [2, 1]
    assert "a character carries a code" in c.rule_text


def test_cluster_ids_follow_turns_and_documents():
    u = unitise(frame(), spans(), coders=["a", "b"], codes=["x"], coded={0: [0, 1], 1: [0, 1]})
    assert u.turn_cluster.tolist() == [0, 0, 1, 2, 3]
    assert u.document_cluster.tolist() == [0, 0, 0, 1, 1]
    assert u.clusters("unit") is None and u.clusters("document") is u.document_cluster


def test_large_random_matches_naive_rule():
    rng = np.random.default_rng(3)
    rows = []
    pos = 0
    for i in range(300):
        length = int(rng.integers(5, 40))
        rows.append((0, pos, pos + length, i // 3, False))
        pos += length + 1
    fr = UnitFrame.from_rows(["D"], rows)
    srows = []
    for _ in range(400):
        s = int(rng.integers(0, pos - 1))
        srows.append((int(rng.integers(2)), int(rng.integers(3)), 0, s, s + int(rng.integers(1, 60))))
    rule = OverlapRule(3, 0.2)
    u = unitise(fr, Spans.from_rows(srows), coders=["a", "b"], codes=["x", "y", "z"], coded={0: [0], 1: [0]},
                rule=rule)
    for k in range(3):
        for c in range(2):
            covered = np.zeros(pos + 60, bool)
            for cc, kk, _, s, e in srows:
                if cc == c and kk == k:
                    covered[s:e] = True
            expect = [int(covered[a:b].sum() >= 3 and covered[a:b].sum() >= 0.2 * (b - a)) for _, a, b, _, _ in rows]
            assert u.stack[k, c].tolist() == expect


# --------------------------------------------------------------------------- the store


def build_agreement_study(project):
    """Two documents, three codes, coders ann/ben (both done D1, D2), cem (D1 unfinished), a consensus row."""
    from cotag.store import codings, progress
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import CONSENSUS_CODER, PROGRESS_DONE, ROLE_CONSENSUS

    with project.session() as s:
        d1 = make_document(s, "D1", [("Interviewer", ["Why leave?"]),
                                     ("Aigul", ["Wages are low.", "Jobs are few.", "Family keeps me."])])
        d2 = make_document(s, "D2", [("Interviewer", ["And you?"]),
                                     ("Berik", ["Corruption is bad.", "I love my home."]),
                                     ("Interviewer", ["Anything else?"]),
                                     ("Berik", ["Salaries matter most."])], group="graduate")
        codes = make_codes(s, [("wages", "Wages"), ("employment", "Employment"), ("family", "Family")])
        ann, ben, cem = (get_or_create_coder(s, name=n) for n in ("ann", "ben", "cem"))
        cons = get_or_create_coder(s, name=CONSENSUS_CODER, role=ROLE_CONSENSUS)
        units1 = [(u.start, u.end) for u in doc_units(s, d1.id)]
        units2 = [(u.start, u.end) for u in doc_units(s, d2.id)]
        rows = []

        def add(coder, doc, code, unit):
            start, end = unit
            rows.append(dict(document_id=doc.id, code_id=codes[code].id, coder_id=coder.id, start=start, end=end))

        add(ann, d1, "wages", units1[1]); add(ben, d1, "wages", units1[1])
        add(ann, d1, "employment", units1[2]); add(ben, d1, "family", units1[3])
        add(ann, d2, "wages", units2[4]); add(ben, d2, "wages", units2[4])
        add(ann, d2, "family", units2[2]); add(ben, d2, "family", units2[2])
        add(cem, d1, "wages", units1[1]); add(cons, d1, "wages", units1[1])
        codings.add_codings(s, rows=rows)
        for coder in (ann, ben):
            for doc in (d1, d2):
                progress.touch(s, coder_id=coder.id, document_id=doc.id, status=PROGRESS_DONE)
        progress.touch(s, coder_id=cons.id, document_id=d1.id, status=PROGRESS_DONE)
    return project


def doc_units(session, document_id):
    from cotag.store.documents import list_units

    return list_units(session, document_id=document_id)


def test_load_from_store_done_documents_and_default_coders(project):
    build_agreement_study(project)
    with project.session() as s:
        u = load_unitised(s)
    assert u.coders == ["ann", "ben"]  # cem has nothing done; consensus is never a default coder
    assert u.codes == ["wages", "employment", "family"]
    assert u.documents == ["D1", "D2"] and u.n_units == 6
    assert u.stack[0].tolist() == [[1, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 1]]
    assert u.stack[1].tolist() == [[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    assert u.stack[2].tolist() == [[0, 0, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0]]


def test_load_include_unfinished_and_selection(project):
    build_agreement_study(project)
    with project.session() as s:
        u = load_unitised(s, Selection(coders=("ann", "cem"), include_unfinished=True, codes=("wages",)))
        assert u.coders == ["ann", "cem"] and u.documents == ["D1"] and u.stack.shape == (1, 2, 3)
        with pytest.raises(CotagError, match="--coders: 'cem' coded no document in scope"):
            load_unitised(s, Selection(coders=("ann", "cem")))
        g = load_unitised(s, Selection(groups=("graduate",)), kind="turn")
        assert g.documents == ["D2"] and g.n_units == 2
        with pytest.raises(CotagError, match="no coder named 'zoe'"):
            load_unitised(s, Selection(coders=("ann", "zoe")))
        with pytest.raises(CotagError, match="no code with key 'nope'"):
            load_unitised(s, Selection(codes=("nope",)))
        with pytest.raises(CotagError, match="at least two coders"):
            load_unitised(s, Selection(documents=("D2",), coders=None, include_unfinished=False, groups=("expert",)))


def test_a_parent_theme_nobody_coded_is_named_as_such_in_the_pooled_exclusions(project):
    from sqlmodel import select

    from cotag.services.agreement import agreement_report as project_agreement
    from cotag.store.models import Code

    build_agreement_study(project)
    with project.session() as s:
        economy = make_codes(s, [("economy", "Economy")])["economy"]
        s.exec(select(Code).where(Code.key == "wages")).one().parent_id = economy.id
    with project.session() as s:
        u = load_unitised(s, Selection(coders=("ann", "ben")))
    assert u.parent_codes == ["economy"] and "economy" in u.codes
    report = project_agreement(project, Selection(coders=("ann", "ben"))).report
    excluded = dict(report.views["all"].excluded)
    assert excluded["economy"] == "parent theme with no codings of its own"
    assert "wages" not in excluded  # a sub-code's codings are its own, never its parent's
