"""Passage memos through `cotag revise`: carried on their words, an orphan kept and flagged, undo exact, review;
both back ends."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cotag.services import memos as memo_service
from cotag import services
from cotag.cli import app
from cotag.errors import CotagError
from cotag.services import revision
from cotag.store.models import Document, Memo, RevisionItem

from test_revision_store import NEW, OLD, _write


def _memo(project, coder: str, words: str) -> int:
    with project.session() as session:
        text = session.exec(select(Document)).one().text
    start = text.index(words)
    return memo_service.add_memo(project, coder=coder, text=f"about {words}", span=("E1", start, start + len(words))).id


def _setup(project, tmp_path) -> tuple[dict[str, int], object]:
    """E1 imported with passage memos on words an insertion before them moves, words a fix edits, words the new
    text deletes, and words it keeps in place; and one memo on the whole document."""
    path = _write(tmp_path, OLD)
    services.import_transcripts(project, paths=[path])
    ids = {"moved": _memo(project, "ana", "It was hard at first."),
           "changed": _memo(project, "ana", "teh work"),
           "orphaned": _memo(project, "ben", "Then we moved to the city."),
           "kept": _memo(project, "ben", "My family stayed behind.")}
    ids["document"] = memo_service.add_memo(project, coder="ana", text="the whole interview", document="E1").id
    return ids, path


def _spans(project) -> dict[int, tuple]:
    with project.session() as session:
        return {m.id: (m.document_id, m.start, m.end, m.text, m.coder_id, m.created_at, m.updated_at)
                for m in session.exec(select(Memo))}


def _words(project, memo_id: int) -> str | None:
    with project.session() as session:
        memo = session.get(Memo, memo_id)
        text = session.exec(select(Document)).one().text
        return None if memo.start is None else text[memo.start:memo.end]


def test_passage_memos_are_carried_on_their_words_and_an_orphan_stays_flagged(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    _write(tmp_path, NEW)
    [entry] = revision.revise_paths(project, paths=[path])["revised"]
    assert entry["memos"] == {"kept": 1, "moved": 1, "changed": 1, "orphaned": 1}
    assert entry["document_memos"] == 1
    # Moved by the words inserted before it: the same words at new offsets.
    assert _words(project, ids["moved"]) == "It was hard at first."
    assert _words(project, ids["kept"]) == "My family stayed behind."
    assert _words(project, ids["changed"]) == "the work"
    # Its words were deleted: the memo is still there, whole, on its document, and flagged for the lead.
    with project.session() as session:
        orphan = session.get(Memo, ids["orphaned"])
        assert (orphan.start, orphan.end, orphan.text) == (None, None, "about Then we moved to the city.")
        assert orphan.document_id == session.exec(select(Document)).one().id
        items = {i.old_id: i for i in session.exec(select(RevisionItem).where(RevisionItem.kind == "memo"))}
    assert {label: items[i].status for label, i in ids.items() if label != "document"} == {
        "moved": "moved", "changed": "changed", "orphaned": "orphaned", "kept": "kept"}
    assert items[ids["orphaned"]].old_words == "Then we moved to the city."
    flagged = {(f["kind"], f["status"], f["old_id"]) for f in entry["flagged"]}
    assert {("memo", "orphaned", ids["orphaned"]), ("memo", "changed", ids["changed"])} <= flagged
    listed = revision.list_revisions(project, revision_id=entry["revision"])[0]
    assert ("memo", "orphaned", ids["orphaned"]) in {(f["kind"], f["status"], f["old_id"]) for f in listed["flagged"]}
    queue = revision.review_queue(project)
    orphan_row = next(r for r in queue if r["kind"] == "memo" and r["old_id"] == ids["orphaned"])
    assert orphan_row["old_context"][1] == "Then we moved to the city." and orphan_row["new"] is None


def test_undo_puts_every_memo_back_on_its_span(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    before = _spans(project)
    _write(tmp_path, NEW)
    rev_id = revision.revise_paths(project, paths=[path])["revised"][0]["revision"]
    assert _spans(project) != before
    result = revision.undo(project, revision_id=rev_id)
    assert result["memos_restored"] == 3  # moved, changed, orphaned; the kept one never left its span
    assert _spans(project) == before


def test_undo_carries_back_a_memo_written_on_the_revised_text(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    _write(tmp_path, NEW)
    rev_id = revision.revise_paths(project, paths=[path])["revised"][0]["revision"]
    later = _memo(project, "ana", "It was hard at first.")
    revision.undo(project, revision_id=rev_id)
    assert _words(project, later) == "It was hard at first."
    # A memo on words only the revised text has cannot go back: the undo is refused, nothing changes.
    revision.revise_paths(project, paths=[path])
    rev_id = revision.list_revisions(project)[0]["id"]
    only_new = _memo(project, "ben", "Honestly, it still is.")
    before = _spans(project)
    with pytest.raises(CotagError, match=f"passage memo {only_new}"):
        revision.undo(project, revision_id=rev_id)
    assert _spans(project) == before


def test_dry_run_reports_memos_and_moves_none(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    before = _spans(project)
    _write(tmp_path, NEW)
    [entry] = revision.revise_paths(project, paths=[path], dry_run=True)["revised"]
    assert entry["memos"]["orphaned"] == 1
    assert any(f["kind"] == "memo" and f.get("memo") == ids["orphaned"] for f in entry["flagged"])
    assert _spans(project) == before


def test_review_puts_an_orphaned_memo_on_words_and_never_removes_one(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    _write(tmp_path, NEW)
    rev_id = revision.revise_paths(project, paths=[path])["revised"][0]["revision"]
    with project.session() as session:
        item = session.exec(select(RevisionItem).where(RevisionItem.kind == "memo",
                                                       RevisionItem.old_id == ids["orphaned"])).one()
        text = session.exec(select(Document)).one().text
    with pytest.raises(CotagError, match="passage memo"):
        revision.review(project, revision_id=rev_id, item_number=item.number, action="remove", lead="lena")
    start = text.index("Honestly, it still is.")
    result = revision.review(project, revision_id=rev_id, item_number=item.number, action="span", lead="lena",
                             span=(start, start + 22))
    assert result["item_now"]["review"] == "respanned" and result["memo"] == ids["orphaned"]
    assert _words(project, ids["orphaned"]) == "Honestly, it still is."
    # Undo still puts it back where it was before the revision.
    revision.undo(project, revision_id=rev_id)
    assert _words(project, ids["orphaned"]) == "Then we moved to the city."


def test_the_command_line_reports_passage_memos(project, tmp_path):
    ids, path = _setup(project, tmp_path)
    _write(tmp_path, NEW)

    def cli(*args: str):
        return CliRunner().invoke(app, ["--project", str(project.root), *args], catch_exceptions=False)

    dry = cli("revise", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "passage memos: 1 kept, 1 moved, 1 changed, 1 orphaned" in dry.output
    assert f"orphaned passage memo {ids['orphaned']} by ben" in dry.output
    assert "(kept as a memo on the document)" in dry.output
    done = cli("revise", str(path), "--json")
    assert done.exit_code == 0, done.output
    [entry] = json.loads(done.output)["revised"]
    assert any(f["kind"] == "memo" and f["old_id"] == ids["orphaned"] and f["new"] is None for f in entry["flagged"])
    listed = cli("revisions", str(entry["revision"]))
    assert f"orphaned passage memo {ids['orphaned']} by ben" in listed.output
    assert "passage memos: 1 kept, 1 moved, 1 changed, 1 orphaned" in listed.output
