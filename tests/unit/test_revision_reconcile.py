"""After a revision, reconcile and agreement read the revised text: rulings follow their codings, or open again."""

from __future__ import annotations

from sqlmodel import select

from cotag import reconcile, services
from cotag.services import revision
from cotag.store.models import Decision, Document, RevisionItem

OLD = """---
id: E2
---
Interviewer: Tell me about work.

Respondent: Salaries are low here. The bosses take bribes every day. My parents are old.
"""
# A sentence inserted before both disagreements (every unit after it gets a new index, so every disagreement id
# changes), and a typo fixed inside the words of the second one.
NEW = """---
id: E2
---
Interviewer: Tell me about work.

Respondent: Well. Salaries are low here. The bosses take bribs every day. My parents are old.
"""


def _two_coders_and_rulings(project, tmp_path):
    from factories import make_codes

    from cotag.store.codings import add_coding
    from cotag.store.coders import get_or_create_coder

    path = tmp_path / "E2.md"
    path.write_text(OLD, encoding="utf-8")
    services.import_transcripts(project, paths=[path])
    with project.session() as session:
        codes = make_codes(session, [("wages", "Wages"), ("corruption", "Corruption"), ("family", "Family")])
        doc = session.exec(select(Document)).one()
        ana, ben = (get_or_create_coder(session, name=n) for n in ("ana", "ben"))

        def code(coder, key, words):
            start = doc.text.index(words)
            add_coding(session, document_id=doc.id, code_id=codes[key].id, coder_id=coder.id, start=start,
                       end=start + len(words))

        code(ana, "wages", "Salaries are low here.")
        code(ben, "wages", "Salaries are low")
        code(ana, "corruption", "The bosses take bribes every day.")
        code(ben, "corruption", "The bosses take bribes")
        code(ana, "family", "My parents are old.")
        code(ben, "family", "My parents are old.")
        found = {d.code: d for d in reconcile.compare(session, coders=["ana", "ben"]).disagreements}
        for key in ("wages", "corruption"):
            reconcile.decide(session, disagreement_id=found[key].id, ruling="a", lead="lena", note=f"ruled {key}")
    return path, found


def test_rulings_follow_their_codings_or_open_again(project, tmp_path):
    path, before = _two_coders_and_rulings(project, tmp_path)
    path.write_text(NEW, encoding="utf-8")
    report = revision.revise_paths(project, paths=[path])
    assert report["revised"][0]["decisions"] == {"kept": 0, "moved": 1, "changed": 1, "orphaned": 0}
    with project.session() as session:
        after = {d.code: d for d in reconcile.compare(session, coders=["ana", "ben"]).disagreements}
        text = session.exec(select(Document)).one().text
        # Read from the revised text: the wages disagreement is on the new offsets, under a new id, still decided.
        assert after["wages"].id != before["wages"].id
        assert text[after["wages"].start:after["wages"].end] == "Salaries are low here."
        assert (after["wages"].status, after["wages"].ruling, after["wages"].note) == ("decided", "a", "ruled wages")
        # The corruption ruling was on words that were edited: open again, its old row superseded, not lost.
        assert after["corruption"].status == "open"
        old_rows = session.exec(select(Decision).where(Decision.disagreement == before["corruption"].id)).all()
        assert len(old_rows) == 1 and old_rows[0].superseded_at is not None
        flagged = session.exec(select(RevisionItem).where(RevisionItem.kind == "decision",
                                                          RevisionItem.status == "changed")).one()
        assert flagged.old_id == old_rows[0].id
        # The consensus the rulings wrote was carried with the other codings.
        consensus = [c for c in reconcile.agreed_table(session, coders=["ana", "ben"])]
        assert {text[c["start"]:c["end"]] for c in consensus} == {"My parents are old."}


def test_undo_brings_back_the_rulings(project, tmp_path):
    path, before = _two_coders_and_rulings(project, tmp_path)
    path.write_text(NEW, encoding="utf-8")
    rev_id = revision.revise_paths(project, paths=[path])["revised"][0]["revision"]
    revision.undo(project, revision_id=rev_id)
    with project.session() as session:
        again = {d.code: d for d in reconcile.compare(session, coders=["ana", "ben"]).disagreements}
        assert {k: (d.id, d.status, d.ruling, d.note) for k, d in again.items()} == {
            k: (d.id, "decided", "a", f"ruled {k}") for k, d in before.items()}


def test_agreement_reads_the_revised_text(project, tmp_path):
    from cotag.services.agreement import agreement_report as project_agreement
    from cotag.reliability.units import Selection

    path, _ = _two_coders_and_rulings(project, tmp_path)
    scope = Selection(coders=("ana", "ben"), include_unfinished=True)
    before = project_agreement(project, scope).report.to_dict()
    # Only the interviewer's words change: every unit and coding moves by the same few characters.
    path.write_text(OLD.replace("Tell me about", "Please, tell me about"), encoding="utf-8")
    result = revision.revise_paths(project, paths=[path])["revised"][0]
    # Six coders' codings and three of the consensus (two rulings, one agreed span).
    assert result["codings"] == {"kept": 0, "moved": 9, "changed": 0, "orphaned": 0}
    after = project_agreement(project, scope)
    assert after.report.to_dict() == before
    assert after.report.to_dict()["documents"] == ["E2"]
