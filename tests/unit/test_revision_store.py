"""Revising a coded document (cotag.revision): carried codings and rulings, dry run, undo, review; both back ends."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cotag import services
from cotag.errors import CotagError
from cotag.services import revision
from cotag.store.models import Coding, Document, Event, Revision, RevisionItem, Unit

OLD = """---
id: E1
---
Interviewer: How did you start?

Respondent: I started teh work in 2010. It was hard at first. Then we moved to the city. My family stayed behind.
"""
# A typo fixed inside a coded sentence, a sentence inserted, one deleted.
NEW = """---
id: E1
---
Interviewer: So, how did you start?

Respondent: I started the work in 2010. It was hard at first. Honestly, it still is. My family stayed behind.
"""


def _write(tmp_path, text, name="E1.md"):
    path = tmp_path / "files" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _setup(project, tmp_path):
    """E1 imported, two coders and the consensus coding it; returns {label: coding id} and the file."""
    from cotag.store.codings import add_coding
    from cotag.store.coders import consensus_coder, get_or_create_coder
    from cotag.store.codes import sync_codebook  # noqa: F401 (the project has codes through make_codes)
    from factories import make_codes

    path = _write(tmp_path, OLD)
    services.import_transcripts(project, paths=[path])
    ids = {}
    with project.session() as session:
        codes = make_codes(session, [("work", "Work"), ("move", "Moving"), ("family", "Family")])
        doc = session.exec(select(Document)).one()
        text = doc.text
        ana = get_or_create_coder(session, name="ana")
        ben = get_or_create_coder(session, name="ben")
        consensus = consensus_coder(session)

        def code(label, coder, key, words):
            start = text.index(words)
            ids[label] = add_coding(session, document_id=doc.id, code_id=codes[key].id, coder_id=coder.id,
                                    start=start, end=start + len(words), memo=f"memo {label}").id

        code("typo", ana, "work", "I started teh work in 2010.")
        code("hard", ana, "work", "It was hard at first.")
        code("moved", ana, "move", "Then we moved to the city.")
        code("family", ben, "family", "My family stayed behind.")
        code("family-c", consensus, "family", "My family stayed behind.")
        code("hard-ben", ben, "work", "It was hard")
    return ids, path


def _live(session):
    return sorted((c.coder_id, c.code_id, c.start, c.end, c.memo, c.created_at) for c in
                  session.exec(select(Coding).where(Coding.deleted_at.is_(None))))


def test_revise_carries_each_coding_and_classes_it(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    _write(tmp_path, NEW)
    report = revision.revise_paths(project, paths=[path])
    [entry] = report["revised"]
    # The text before "My family" grew and shrank by as much: those codings keep their offsets.
    assert entry["codings"] == {"kept": 2, "moved": 2, "changed": 1, "orphaned": 1}
    with project.session() as session:
        doc = session.exec(select(Document)).one()
        assert doc.text.startswith("Interviewer: So, how")
        items = {i.old_id: i for i in session.exec(select(RevisionItem).where(RevisionItem.kind == "coding"))}
        status = {label: items[i].status for label, i in ids.items()}
        assert status == {"typo": "changed", "hard": "moved", "moved": "orphaned", "family": "kept",
                          "family-c": "kept", "hard-ben": "moved"}
        live = {c.id: c for c in session.exec(select(Coding).where(Coding.deleted_at.is_(None)))}
        # Every original that had to move is soft-deleted, its replacement live on the same words.
        for label, old_id in ids.items():
            item = items[old_id]
            old_row = session.get(Coding, old_id)
            if status[label] == "orphaned":
                assert item.new_id is None and old_row.deleted_at is not None
                continue
            new_row = live[item.new_id]
            assert (new_row.coder_id, new_row.code_id, new_row.memo, new_row.created_at) == (
                old_row.coder_id, old_row.code_id, old_row.memo, old_row.created_at)
        assert doc.text[live[items[ids["typo"]].new_id].start:live[items[ids["typo"]].new_id].end] == \
            "I started the work in 2010."
        assert doc.text[live[items[ids["family"]].new_id].start:live[items[ids["family"]].new_id].end] == \
            "My family stayed behind."
        units = session.exec(select(Unit).where(Unit.document_id == doc.id).order_by(Unit.index)).all()
        assert [doc.text[u.start:u.end] for u in units][-2:] == ["Honestly, it still is.", "My family stayed behind."]
        rev = session.exec(select(Revision)).one()
        assert rev.old_text.startswith("Interviewer: How did") and rev.number == 1
        assert session.exec(select(Event).where(Event.kind == "revision")).one().payload["document"] == "E1"


def test_dry_run_changes_no_row(project, tmp_path):
    _setup(project, tmp_path)
    path = _write(tmp_path, NEW)

    def snapshot():
        with project.session() as session:
            return [sorted(map(tuple, session.connection().exec_driver_sql(f'SELECT * FROM "{t}"').all()), key=repr)
                    for t in ("document", "unit", "coding", "decision", "event", "revision", "revisionitem")]

    before = snapshot()
    report = revision.revise_paths(project, paths=[path], dry_run=True)
    assert report["dry_run"] and report["revised"][0]["codings"]["orphaned"] == 1
    assert snapshot() == before


def test_undo_restores_the_codings_text_and_units(project, tmp_path):
    _setup(project, tmp_path)
    with project.session() as session:
        before = _live(session)
        old_text = session.exec(select(Document)).one().text
        old_units = [(u.start, u.end, u.turn) for u in session.exec(select(Unit).order_by(Unit.index))]
    path = _write(tmp_path, NEW)
    rev_id = revision.revise_paths(project, paths=[path])["revised"][0]["revision"]
    with project.session() as session:
        assert _live(session) != before
    revision.undo(project, revision_id=rev_id)
    with project.session() as session:
        assert _live(session) == before
        assert session.exec(select(Document)).one().text == old_text
        assert [(u.start, u.end, u.turn) for u in session.exec(select(Unit).order_by(Unit.index))] == old_units
        assert session.get(Revision, rev_id).undone_at is not None
    with pytest.raises(CotagError, match="undone"):
        revision.undo(project, revision_id=rev_id)


def test_review_puts_an_orphan_on_a_span_and_logs_it(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    _write(tmp_path, NEW)
    rev_id = revision.revise_paths(project, paths=[path])["revised"][0]["revision"]
    with project.session() as session:
        item = session.exec(select(RevisionItem).where(RevisionItem.old_id == ids["moved"],
                                                       RevisionItem.kind == "coding")).one()
        text = session.exec(select(Document)).one().text
    start = text.index("Honestly")
    result = revision.review(project, revision_id=rev_id, item_number=item.number, action="span",
                             lead="lena", span=(start, start + 22))
    with project.session() as session:
        written = session.get(Coding, result["written"])
        assert (written.start, written.end, written.deleted_at, written.memo) == (start, start + 22, None,
                                                                                   "memo moved")
        assert session.get(RevisionItem, item.id).review == "respanned"
        assert session.exec(select(Event).where(Event.kind == "revision.review")).one().actor == "lena"
