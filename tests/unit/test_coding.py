"""The coding core on both back ends: apply, toggle, remove, memo, undo/redo, permissions, progress, spans."""

from __future__ import annotations

import pytest
from factories import make_codes, make_document
from sqlmodel import select

from cotag import coding, spans
from cotag.coding import CodingSession
from cotag.services import coding as coding_service
from cotag.spans import UnitSpan
from cotag.errors import CotagError, NotFound, PermissionDenied
from cotag.store import codings as coding_store
from cotag.store.events import list_events
from cotag.store.models import STATUS_MERGED, STATUS_RETIRED, Code, Coding

SENTENCES = ["Salaries are low here.", "My brother left for Berlin in 2019.", "Corruption is everywhere."]


@pytest.fixture
def study(project):
    with project.session() as session:
        doc = make_document(session, "E001", [("Interviewer", ["Why did people leave?"]), ("Respondent", SENTENCES)],
                            attributes={"gender": "female", "age": 34})
        other = make_document(session, "G002", [("Interviewer", ["And you?"]), ("Respondent", ["I stayed."])],
                              group="graduate")
        codes = make_codes(session, [("push", "Push"), ("wages", "Wages", "push", "1"),
                                     ("network", "Networks", "push", "2"), ("old", "Old code")])
        codes["old"].status = STATUS_RETIRED
        session.add(codes["old"])
    transcript = coding_service.open_transcript(project, document_id=doc.id, coder_ids=[], progress_coder_id=0)
    return {"doc": doc.id, "other": other.id, "text": transcript.text, "units": transcript.units}


def live(project, coder=None):
    with project.session() as session:
        return coding_store.list_codings(session, coders=[coder] if coder else None)


def test_apply_commits_at_once_and_logs(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    change = alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    rows = live(project)
    assert [(r.document, r.code, r.coder, r.start, r.end) for r in rows] == [
        ("E001", "wages", "alice", unit.start, unit.end)]
    assert change.kind == coding.APPLY and change.coding_id == rows[0].id
    with project.session() as session:
        events = list_events(session, kind="coding.apply")
    assert [(e.actor, e.payload["code"], e.payload["document"], e.payload["start"]) for e in events] == [
        ("alice", "wages", "E001", unit.start)]


def test_toggle_applies_then_removes_the_same_span(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][2]
    first = alice.toggle(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    second = alice.toggle(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    assert (first.kind, second.kind) == (coding.APPLY, coding.REMOVE)
    assert live(project) == []
    with project.session() as session:
        row = coding_store.get_coding(session, coding_id=first.coding_id)
    assert row.deleted_at is not None  # soft delete: the row stays for undo and the audit trail


def test_toggle_on_a_different_span_adds_a_second_coding(project, study):
    alice = CodingSession(project, coder="alice")
    u1, u2 = study["units"][1], study["units"][2]
    alice.toggle(document_id=study["doc"], code="wages", start=u1.start, end=u1.end)
    alice.toggle(document_id=study["doc"], code="wages", start=u1.start, end=u2.end)
    assert [(r.start, r.end) for r in live(project)] == [(u1.start, u1.end), (u1.start, u2.end)]


def test_undo_and_redo_cover_apply_remove_and_memo(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    applied = alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    alice.set_memo(coding_id=applied.coding_id, memo="low pay as push")
    alice.remove(coding_id=applied.coding_id)
    assert live(project) == []

    assert alice.undo().kind == coding.REMOVE
    assert [r.memo for r in live(project)] == ["low pay as push"]
    assert alice.undo().kind == coding.MEMO
    assert [r.memo for r in live(project)] == [""]
    assert alice.undo().kind == coding.APPLY
    assert live(project) == []
    assert alice.undo() is None and not alice.can_undo

    assert alice.redo().kind == coding.APPLY
    assert alice.redo().kind == coding.MEMO
    assert [r.memo for r in live(project)] == ["low pay as push"]
    assert alice.redo().kind == coding.REMOVE
    assert live(project) == [] and alice.redo() is None
    with project.session() as session:
        kinds = [e.kind for e in list_events(session, kind="coding.")]
    assert kinds == ["coding.apply", "coding.memo", "coding.remove", "coding.undo", "coding.undo", "coding.undo",
                     "coding.redo", "coding.redo", "coding.redo"]


def test_a_new_change_clears_redo(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    alice.undo()
    assert alice.can_redo
    alice.apply(document_id=study["doc"], code="network", start=unit.start, end=unit.end)
    assert not alice.can_redo


def test_memo_unchanged_is_not_a_change(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    applied = alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end, memo="x")
    assert alice.set_memo(coding_id=applied.coding_id, memo="x") is None


def test_a_coder_changes_only_their_own_codings(project, study):
    alice, bob = CodingSession(project, coder="alice"), CodingSession(project, coder="bob")
    unit = study["units"][1]
    applied = alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    with pytest.raises(PermissionDenied, match="only their own"):
        bob.remove(coding_id=applied.coding_id)
    with pytest.raises(PermissionDenied):
        bob.set_memo(coding_id=applied.coding_id, memo="mine now")
    with pytest.raises(PermissionDenied, match="only their own"):
        CodingSession(project, coder="bob", owner="alice")
    # Blind coding: bob toggling the same span makes his own coding, alice's stays.
    bob.toggle(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    assert sorted(r.coder for r in live(project)) == ["alice", "bob"]
    assert [m.coder_id for m in bob.marks(document_id=study["doc"])] == [bob.owner_id]


def test_consensus_only_through_a_lead(project, study):
    with pytest.raises(PermissionDenied, match="only a lead"):
        CodingSession(project, coder="alice", owner="consensus")
    with pytest.raises(CotagError, match="reserved"):
        CodingSession(project, coder="consensus")
    lead = CodingSession(project, coder="lena", lead=True, owner="consensus")
    unit = study["units"][1]
    lead.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    assert [(r.coder, r.code) for r in live(project)] == [("consensus", "wages")]
    with project.session() as session:
        assert list_events(session, kind="coding.apply")[0].actor == "lena"


def test_retired_and_merged_codes_cannot_be_applied(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    with pytest.raises(CotagError, match="'old' .*retired"):
        alice.apply(document_id=study["doc"], code="old", start=unit.start, end=unit.end)
    with project.session() as session:
        network = session.exec(select(Code).where(Code.key == "network")).one()
        wages = session.exec(select(Code).where(Code.key == "wages")).one()
        network.status, network.merged_into_id = STATUS_MERGED, wages.id
        session.add(network)
    with pytest.raises(CotagError, match="'network' .*merged into 'wages'"):
        alice.toggle(document_id=study["doc"], code="network", start=unit.start, end=unit.end)
    with pytest.raises(NotFound, match="no code with key 'nope'"):
        alice.apply(document_id=study["doc"], code="nope", start=unit.start, end=unit.end)
    assert live(project) == []


def test_spans_must_lie_inside_the_document(project, study):
    alice = CodingSession(project, coder="alice")
    length = len(study["text"])
    for start, end in [(5, 5), (10, 3), (-1, 4), (0, length + 1)]:
        with pytest.raises(CotagError, match="not inside document E001"):
            alice.apply(document_id=study["doc"], code="wages", start=start, end=end)


def test_applying_twice_is_refused(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    with pytest.raises(CotagError, match="already on E001"):
        alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)


def test_undo_of_a_remove_refuses_a_duplicate(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    first = alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    alice.remove(coding_id=first.coding_id)
    alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    other = CodingSession(project, coder="alice")  # the same coder in a second window
    other._undo.append(coding.Change(coding.REMOVE, first.coding_id, study["doc"], "E001", "wages", unit.start,
                                     unit.end))
    with pytest.raises(CotagError, match="same coding is there again"):
        other.undo()
    assert len(live(project)) == 1


def test_cursor_and_done_are_remembered(project, study):
    alice = CodingSession(project, coder="alice")
    assert alice.resume_point() is None
    alice.save_cursor(document_id=study["doc"], unit=3)
    alice.mark_done(document_id=study["other"])
    alice.save_cursor(document_id=study["doc"], unit=2)
    again = CodingSession(project, coder="alice")
    assert again.resume_point() == (study["doc"], 2)
    transcript = coding_service.open_transcript(project, document_id=study["doc"], coder_ids=[again.owner_id],
                                        progress_coder_id=again.owner_id)
    assert (transcript.cursor, transcript.done, transcript.visited) == (2, False, True)
    rows = {row.external_id: row for row in coding_service.library(project, coder_id=again.owner_id)}
    assert rows["G002"].done and not rows["E001"].done
    alice.mark_done(document_id=study["other"], done=False)
    rows = {row.external_id: row for row in coding_service.library(project, coder_id=again.owner_id)}
    assert not rows["G002"].done
    with project.session() as session:
        assert [e.kind for e in list_events(session, kind="progress.")] == ["progress.done", "progress.reopen"]


def test_library_counts_respondent_units_coded_by_this_coder(project, study):
    alice, bob = CodingSession(project, coder="alice"), CodingSession(project, coder="bob")
    u1, u2 = study["units"][1], study["units"][2]
    alice.apply(document_id=study["doc"], code="wages", start=u1.start, end=u2.start + 3)  # touches units 1 and 2
    bob.apply(document_id=study["doc"], code="wages", start=study["units"][3].start, end=study["units"][3].end)
    rows = {row.external_id: row for row in coding_service.library(project, coder_id=alice.owner_id)}
    assert (rows["E001"].units, rows["E001"].codable, rows["E001"].coded) == (4, 3, 2)
    assert (rows["G002"].group, rows["G002"].coded) == ("graduate", 0)
    assert rows["E001"].attributes == {"gender": "female", "age": 34}


def test_word_spans_skip_punctuation():
    text = "Well, I don't know — a well-paid job?"
    assert [text[s:e] for s, e in spans.word_spans(text)] == ["Well", "I", "don't", "know", "a", "well-paid", "job"]
    assert spans.word_spans(text, 6, 13) == [(6, 7), (8, 13)]


def units(*spans, interviewer=()):
    return [UnitSpan(i, s, e, 0, "", i in interviewer) for i, (s, e) in enumerate(spans)]


def test_next_uncoded_skips_coded_and_interviewer_units_and_wraps():
    us = units((0, 10), (11, 20), (21, 30), (31, 40), interviewer={0})
    assert spans.next_uncoded(us, [(11, 20)], after=0) == 2
    assert spans.next_uncoded(us, [(11, 20), (35, 36)], after=1) == 2
    assert spans.next_uncoded(us, [(21, 40)], after=2) == 1  # wrapped round
    assert spans.next_uncoded(us, [(0, 40)], after=0) is None
    assert spans.covered_units(us, [(19, 22)]) == {1, 2}
    assert spans.covered_units(us, [(20, 21)]) == set()  # the space between units touches neither


def test_codings_table_and_unknown_names(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end, memo="pay")
    assert coding_service.codings_table(project, coders=["alice"]) == [
        {"document": "E001", "code": "wages", "coder": "alice", "start": unit.start, "end": unit.end,
         "unit_start": 2, "unit_end": 2, "text": SENTENCES[0], "memo": "pay"}]
    assert coding_service.codings_table(project, codes=["network"]) == []
    with pytest.raises(NotFound, match="no coder named 'zed'"):
        coding_service.codings_table(project, coders=["zed"])
    with pytest.raises(NotFound):
        coding_service.codings_table(project, documents=["X9"])


def test_undo_of_a_row_removed_elsewhere_is_dropped_cleanly(project, study):
    alice = CodingSession(project, coder="alice")
    unit = study["units"][1]
    applied = alice.apply(document_id=study["doc"], code="wages", start=unit.start, end=unit.end)
    with project.session() as session:
        session.delete(session.get(Coding, applied.coding_id))
    with pytest.raises(NotFound):
        alice.undo()
    assert not alice.can_undo


def test_a_coding_saves_the_cursor_in_its_own_transaction(project, study):
    alice = CodingSession(project, coder="alice")
    u2, u3 = study["units"][2], study["units"][3]
    alice.toggle(document_id=study["doc"], code="wages", start=u2.start, end=u2.end, cursor=2)
    assert CodingSession(project, coder="alice").resume_point() == (study["doc"], 2)
    alice.toggle(document_id=study["doc"], code="wages", start=u2.start, end=u2.end, cursor=3)  # removes it
    assert CodingSession(project, coder="alice").resume_point() == (study["doc"], 3)
    # A refused coding saves nothing, the cursor included: the transaction is all or nothing.
    with pytest.raises(CotagError, match="retired"):
        alice.apply(document_id=study["doc"], code="old", start=u3.start, end=u3.end, cursor=1)
    assert CodingSession(project, coder="alice").resume_point() == (study["doc"], 3)
