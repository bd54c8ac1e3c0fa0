"""Reconcile: disagreements between two coders, the lead's rulings, consensus codings and their audit trail."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cotag import reconcile
from cotag.services import reconcile as reconcile_service
from cotag.errors import CotagError, NotFound, PermissionDenied
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder
from cotag.store.models import Coding, Decision, Event
from tests.factories import make_codes, make_document

TURNS = [("Interviewer", ["Why did you leave?"]),
         ("Anna", ["The pay was low.", "Jobs were scarce.", "My family stayed."]),
         ("Interviewer", ["Would you return?"]),
         ("Anna", ["Maybe one day.", "I miss home."])]


@pytest.fixture
def setup(sqlite_project):
    return _setup(sqlite_project)


def _setup(project):
    with project.session() as session:
        doc = make_document(session, "E001", TURNS)
        codes = make_codes(session, [("push", "Push"), ("wages", "Wages", "push"), ("jobs", "Jobs", "push"),
                                     ("homeland", "Homeland")])
        alice = get_or_create_coder(session, name="alice")
        bob = get_or_create_coder(session, name="bob")
        get_or_create_coder(session, name="lena", role="lead")
        units = {u.index: (u.start, u.end) for u in __import__("cotag.store.documents", fromlist=["x"])
                 .list_units(session, document_id=doc.id)}
        ids = {"doc": doc.id, "alice": alice.id, "bob": bob.id, **{k: c.id for k, c in codes.items()}}
    return project, ids, units


def add(project, ids, coder, code, start, end, memo=""):
    with project.session() as session:
        return coding_store.add_coding(session, document_id=ids["doc"], code_id=ids[code], coder_id=ids[coder],
                                       start=start, end=end, memo=memo).id


def snapshot(project):
    with project.session() as session:
        codings = sorted((c.id, c.code_id, c.coder_id, c.start, c.end, c.deleted_at is None)
                         for c in session.exec(select(Coding)))
        decisions = sorted((d.id, d.ruling, d.superseded_at is None) for d in session.exec(select(Decision)))
        events = len(list(session.exec(select(Event))))
    return codings, decisions, events


def consensus(project):
    with project.session() as session:
        return [(r.code, r.start, r.end, r.memo) for r in coding_store.list_codings(session, coders=["consensus"])]


def listing(project, **kw):
    return reconcile_service.list_disagreements(project, coders=["alice", "bob"], **kw)


def test_agreed_units_are_not_disagreements_and_go_to_consensus(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    add(project, ids, "bob", "wages", *units[1])
    assert listing(project) == []
    with project.session() as session:
        assert reconcile.agreed_table(session, coders=["alice", "bob"]) == [
            {"document": "E001", "code": "wages", "start": units[1][0], "end": units[1][1], "in_consensus": False}]
        assert reconcile.write_agreed(session, lead="lena", coders=["alice", "bob"]) == 1
        # Idempotent: a second pass adds nothing.
        assert reconcile.write_agreed(session, lead="lena", coders=["alice", "bob"]) == 0
        assert reconcile.agreed_table(session, coders=["alice", "bob"])[0]["in_consensus"] is True
    assert consensus(project) == [("wages", units[1][0], units[1][1], "")]


def test_one_coder_only_and_different_spans_are_disagreements(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1], memo="pay")
    add(project, ids, "alice", "homeland", *units[6])
    add(project, ids, "bob", "homeland", units[6][0], units[6][0] + 6)
    rows = listing(project)
    # Units numbered from 1 for the lead: units[1] is unit 2.
    assert [(r["code"], r["units"], r["status"]) for r in rows] == [("wages", [2, 2], "open"),
                                                                   ("homeland", [7, 7], "open")]
    wages, home = rows
    assert wages["a"][0]["memo"] == "pay" and wages["b"] == []
    assert home["b"][0]["end"] == units[6][0] + 6
    assert len({r["id"] for r in rows}) == 2


def test_consecutive_units_in_one_turn_form_one_disagreement(setup):
    project, ids, units = setup
    add(project, ids, "alice", "jobs", units[1][0], units[3][1])
    add(project, ids, "alice", "jobs", *units[6])  # another turn: a separate disagreement
    rows = listing(project)
    assert [r["units"] for r in rows] == [[2, 4], [7, 7]]  # numbered from 1
    assert rows[0]["start"] == units[1][0] and rows[0]["end"] == units[3][1]


def test_ids_are_stable_across_listings_and_depend_on_the_coders(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    first = listing(project)[0]["id"]
    add(project, ids, "alice", "homeland", *units[6])
    assert first in {r["id"] for r in listing(project)}
    assert reconcile.disagreement_id("E001", "wages", 1, 1, ["bob", "alice"]) != first


def test_the_coders_in_either_order_are_one_comparison(setup):
    """`--coders bob,alice` after rulings made with alice,bob: the same ids, still decided, a is still alice."""
    project, ids, units = setup
    s, e = units[1]
    add(project, ids, "alice", "wages", s, e)
    (d,) = listing(project)
    reconcile_service.rule(project, disagreement_id=d["id"], ruling="a", lead="lena", coders=["alice", "bob"])
    (again,) = reconcile_service.list_disagreements(project, coders=["bob", "alice"])
    assert (again["id"], again["status"], again["ruling"], again["coders"]) == (d["id"], "decided", "a",
                                                                                 ["alice", "bob"])
    assert len(again["a"]) == 1 and again["b"] == []
    result = reconcile_service.rule(project, disagreement_id=d["id"], ruling="a", lead="lena", coders=["bob", "alice"])
    assert result["revisited"] is True and [(c[1], c[2]) for c in consensus(project)] == [(s, e)]


@pytest.mark.parametrize("ruling,expected", [("a", [(0, 16)]), ("b", [(4, 16)]), ("both", [(0, 16)]), ("none", [])])
def test_rulings_write_decision_consensus_and_event(setup, ruling, expected):
    project, ids, units = setup
    s, e = units[1]
    add(project, ids, "alice", "wages", s, e, memo="alice memo")
    add(project, ids, "bob", "wages", s + 4, e)
    (d,) = listing(project)
    result = reconcile_service.rule(project, disagreement_id=d["id"], ruling=ruling, lead="lena", note="why",
                            coders=["alice", "bob"])
    assert result["revisited"] is False
    assert [(c[1] - s, c[2] - s) for c in consensus(project)] == expected
    with project.session() as session:
        (decision,) = session.exec(select(Decision)).all()
        assert (decision.disagreement, decision.ruling, decision.note) == (d["id"], ruling, "why")
        (event,) = session.exec(select(Event).where(Event.kind == "reconcile.decide")).all()
        assert event.actor == "lena" and event.payload["ruling"] == ruling
    assert listing(project)[0]["status"] == "decided"
    assert listing(project, status="open") == []


def test_revisit_supersedes_and_replaces_consensus_and_is_logged(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[2])
    (d,) = listing(project)
    reconcile_service.rule(project, disagreement_id=d["id"], ruling="a", lead="lena", coders=["alice", "bob"])
    assert len(consensus(project)) == 1
    result = reconcile_service.rule(project, disagreement_id=d["id"], ruling="none", lead="lena", note="not pay",
                            coders=["alice", "bob"])
    assert result["revisited"] is True and result["previous_ruling"] == "a"
    assert consensus(project) == []
    with project.session() as session:
        rows = session.exec(select(Decision).order_by(Decision.id)).all()
        assert [(r.ruling, r.superseded_at is not None) for r in rows] == [("a", True), ("none", False)]
        kinds = [e.kind for e in session.exec(select(Event).order_by(Event.id))]
        assert kinds[-2:] == ["reconcile.decide", "reconcile.revisit"]
        # The consensus coding of the first ruling is soft-deleted, not erased.
        assert session.exec(select(Coding).where(Coding.deleted_at.is_not(None))).first() is not None
    assert listing(project)[0]["ruling"] == "none"


def test_edit_ruling_writes_the_lead_span_and_code(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[2], memo="m")
    (d,) = listing(project)
    s, e = units[2]
    reconcile_service.rule(project, disagreement_id=d["id"], ruling="edit", lead="lena", span=(s, e - 1), code="jobs",
                   coders=["alice", "bob"])
    assert consensus(project) == [("jobs", s, e - 1, "m")]
    # Revisiting an edit removes the edit's coding, whatever its code.
    reconcile_service.rule(project, disagreement_id=d["id"], ruling="b", lead="lena", coders=["alice", "bob"])
    assert consensus(project) == []


def test_deciding_also_writes_the_agreed_spans_of_that_document(setup):
    project, ids, units = setup
    add(project, ids, "alice", "homeland", *units[6])
    add(project, ids, "bob", "homeland", *units[6])
    add(project, ids, "alice", "wages", *units[1])
    (d,) = listing(project)
    result = reconcile_service.rule(project, disagreement_id=d["id"], ruling="a", lead="lena", coders=["alice", "bob"])
    assert result["agreed_added"] == 1
    assert sorted(c[0] for c in consensus(project)) == ["homeland", "wages"]


def test_ruling_on_a_disagreement_that_no_longer_exists_is_refused(setup):
    project, ids, units = setup
    coding = add(project, ids, "alice", "wages", *units[1])
    (d,) = listing(project)
    reconcile_service.rule(project, disagreement_id=d["id"], ruling="a", lead="lena", coders=["alice", "bob"])
    with project.session() as session:
        coding_store.soft_delete(session, coding=session.get(Coding, coding))
    before = snapshot(project)
    with pytest.raises(CotagError, match="no longer exists"):
        reconcile_service.rule(project, disagreement_id=d["id"], ruling="b", lead="lena", coders=["alice", "bob"])
    with pytest.raises(NotFound, match="no disagreement"):
        reconcile_service.rule(project, disagreement_id="000000000000", ruling="b", lead="lena", coders=["alice", "bob"])
    assert snapshot(project) == before


def test_stale_view_is_refused_by_fingerprint(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    with project.session() as session:
        (d,) = reconcile.compare(session, coders=["alice", "bob"]).disagreements
        old = d.fingerprint
    add(project, ids, "bob", "wages", units[1][0], units[1][0] + 3)
    before = snapshot(project)
    with pytest.raises(CotagError, match="changed while you were looking"):
        reconcile_service.rule(project, disagreement_id=d.id, ruling="a", lead="lena", coders=["alice", "bob"],
                       fingerprint=old)
    assert snapshot(project) == before


def test_a_coder_cannot_rule_and_nothing_changes(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    (d,) = listing(project)
    before = snapshot(project)
    for who in ("bob", "consensus"):
        with pytest.raises(PermissionDenied):
            reconcile_service.rule(project, disagreement_id=d["id"], ruling="b", lead=who, coders=["alice", "bob"])
    assert snapshot(project) == before


@pytest.mark.parametrize("kwargs,message", [
    ({"ruling": "maybe"}, "unknown ruling"),
    ({"ruling": "edit"}, "an edit needs"),
    ({"ruling": "a", "span": (1, 2)}, "go with an edit"),
    ({"ruling": "edit", "span": (0, 3)}, "does not touch"),
    ({"ruling": "edit", "span": (5, 10_000)}, "not inside document"),
    ({"ruling": "edit", "code": "nope"}, "no code"),
])
def test_bad_rulings_change_nothing(setup, kwargs, message):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[2])
    (d,) = listing(project)
    before = snapshot(project)
    with pytest.raises(CotagError, match=message):
        reconcile_service.rule(project, disagreement_id=d["id"], lead="lena", coders=["alice", "bob"], **kwargs)
    assert snapshot(project) == before


def test_coders_default_to_the_only_two_and_must_be_named_otherwise(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    add(project, ids, "bob", "jobs", *units[2])
    assert len(reconcile_service.list_disagreements(project)) == 2
    with project.session() as session:
        carl = get_or_create_coder(session, name="carl")
        coding_store.add_coding(session, document_id=ids["doc"], code_id=ids["wages"], coder_id=carl.id,
                                start=units[1][0], end=units[1][1])
    with pytest.raises(CotagError, match="--coders A,B"):
        reconcile_service.list_disagreements(project)
    with pytest.raises(CotagError, match="two different coders"):
        reconcile_service.list_disagreements(project, coders=["alice", "alice"])
    assert reconcile_service.list_disagreements(project, coders=["alice", "carl"]) == []


def test_progress_per_document_and_overall(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    add(project, ids, "alice", "homeland", *units[6])
    first = listing(project)[0]
    reconcile_service.rule(project, disagreement_id=first["id"], ruling="a", lead="lena", coders=["alice", "bob"])
    with project.session() as session:
        progress = reconcile.compare(session, coders=["alice", "bob"]).progress()
    assert (progress["disagreements"], progress["decided"], progress["open"]) == (2, 1, 1)
    assert progress["documents"] == [{"document": "E001", "disagreements": 2, "decided": 1}]


def test_reconcile_on_postgres_and_sqlite(project):
    project, ids, units = _setup(project)
    add(project, ids, "alice", "wages", *units[1])
    add(project, ids, "bob", "homeland", *units[6])
    add(project, ids, "alice", "homeland", *units[6])
    (d,) = listing(project)
    reconcile_service.rule(project, disagreement_id=d["id"], ruling="a", lead="lena", coders=["alice", "bob"])
    assert [c[0] for c in consensus(project)] == ["wages", "homeland"]


def test_compare_document_joins_agreed_spans_that_run_across_sentences():
    units = [(0, 0, 10, 0), (1, 11, 20, 0), (2, 21, 30, 1)]
    codes = {1: "x"}
    found, agreed = reconcile.compare_document(
        document="D", document_id=1, units=units, codes=codes, coders=("a", "b"),
        a_codings=[(1, 1, 0, 20, "")], b_codings=[(2, 1, 0, 10, ""), (3, 1, 11, 20, "")])
    assert found == [] and [(s.start, s.end) for s in agreed] == [(0, 20)]


def test_listing_fast_path_finds_exactly_what_the_full_comparison_finds():
    import random

    rng = random.Random(3)
    units = [(i, i * 20, i * 20 + 18, i // 4) for i in range(60)]
    codes = {c: f"c{c}" for c in range(4)}
    a = [(i, rng.randrange(4), s, s + rng.choice([5, 18, 38])) for i, s in
         enumerate(rng.sample(range(0, 1150, 7), 80))]
    b = [row if rng.random() > 0.2 else (row[0] + 1000, row[1], row[2] + 3, row[3]) for row in a if rng.random() > 0.1]
    a = [(*row, "") for row in a]
    b = [(*row, "") for row in b]
    full, _ = reconcile.compare_document(document="D", document_id=1, units=units, codes=codes, coders=("a", "b"),
                                         a_codings=a, b_codings=b)
    fast, agreed = reconcile.compare_document(document="D", document_id=1, units=units, codes=codes,
                                              coders=("a", "b"), a_codings=a, b_codings=b, agreed=False)
    assert full and agreed == []
    assert [d.as_dict() for d in fast] == [d.as_dict() for d in full]
    assert [d.fingerprint for d in fast] == [d.fingerprint for d in full]


def test_agreed_spans_of_every_document_reach_the_consensus(project):
    """Regression (issue #12.1): a document with only disagreements stopped every later document's agreed spans.

    I01 has an agreement and a disagreement, I02 only a disagreement, I03 complete agreement.
    """
    with project.session() as session:
        docs = {name: make_document(session, name, TURNS) for name in ("I01", "I02", "I03")}
        codes = make_codes(session, [("wages", "Wages"), ("homeland", "Homeland")])
        coders = {n: get_or_create_coder(session, name=n).id for n in ("alice", "bob")}
        get_or_create_coder(session, name="lena", role="lead")
        from cotag.store.documents import list_units

        units = {n: {u.index: (u.start, u.end) for u in list_units(session, document_id=d.id)}
                 for n, d in docs.items()}
        ids = {n: d.id for n, d in docs.items()}

        def both(doc, code, index, who=("alice", "bob")):
            for coder in who:
                coding_store.add_coding(session, document_id=ids[doc], code_id=codes[code].id,
                                        coder_id=coders[coder], start=units[doc][index][0], end=units[doc][index][1])

        both("I01", "wages", 1)
        both("I01", "homeland", 6, who=("alice",))
        both("I02", "wages", 2, who=("bob",))
        both("I03", "wages", 1)
        both("I03", "homeland", 6)
    with project.session() as session:
        table = reconcile.agreed_table(session, coders=["alice", "bob"])
        assert sorted((r["document"], r["code"]) for r in table) == [
            ("I01", "wages"), ("I03", "homeland"), ("I03", "wages")]
        assert reconcile.write_agreed(session, lead="lena", coders=["alice", "bob"]) == 3
    for d in listing(project):  # keep what either coder read
        reconcile_service.rule(project, disagreement_id=d["id"], ruling="both", lead="lena", coders=["alice", "bob"])
    with project.session() as session:
        progress = reconcile.compare(session, coders=["alice", "bob"]).progress()
        rows = coding_store.list_codings(session, coders=["consensus"])
        in_consensus = sorted((r.document, r.code) for r in rows)
    assert (progress["disagreements"], progress["open"]) == (2, 0)
    assert in_consensus == [("I01", "homeland"), ("I01", "wages"), ("I02", "wages"),
                            ("I03", "homeland"), ("I03", "wages")]


def test_a_lead_who_codes_is_not_a_default_candidate(setup):
    project, ids, units = setup
    add(project, ids, "alice", "wages", *units[1])
    add(project, ids, "bob", "jobs", *units[2])
    with project.session() as session:
        lena = get_or_create_coder(session, name="lena")
        coding_store.add_coding(session, document_id=ids["doc"], code_id=ids["wages"], coder_id=lena.id,
                                start=units[1][0], end=units[1][1])
    # alice and bob remain the only two candidates; the lead is compared only when named
    assert {tuple(d["coders"]) for d in reconcile_service.list_disagreements(project)} <= {("alice", "bob")}
    assert len(reconcile_service.list_disagreements(project)) == 2
    assert len(reconcile_service.list_disagreements(project, coders=["bob", "lena"])) == 2
