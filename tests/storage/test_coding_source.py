"""Coding.source (migration 0008): an accepted suggestion is recorded with its coding, by any role, and never rewritten."""

from __future__ import annotations

import pytest
from factories import make_codes, make_document
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from cotag.suggest.model import Suggestion

SENTENCES = [("Interviewer", ["Why did you come?"]), ("R", ["For work.", "And for my family.", "We stayed."])]


def suggestion(start: int = 32, end: int = 41) -> Suggestion:
    return Suggestion("E001", 1, start, end, "push", 0.8766, [{"kind": "keyword", "keywords": ["work"]}])


def test_accepted_suggestion_keeps_its_source_on_sqlite(sqlite_project):
    from cotag.coding import CodingSession
    from cotag.store.codings import coding_source
    from cotag.services.suggestions import dismiss, dismissed
    from cotag.suggest.live import accept

    with sqlite_project.session() as session:
        document_id = make_document(session, "E001", SENTENCES).id
        make_codes(session, [("push", "Push"), ("pull", "Pull")])
    anna = CodingSession(sqlite_project, coder="anna")
    change = accept(anna, document_id=document_id, suggestion=suggestion(), model_key="m1")
    typed = anna.apply(document_id=document_id, code="pull", start=32, end=41)
    with sqlite_project.session() as session:
        assert coding_source(session, coding_id=change.coding_id) == "suggestion model=m1 score=0.877"
        assert coding_source(session, coding_id=typed.coding_id) is None
    # The audit log says so too.
    from cotag.store.events import list_events

    with sqlite_project.session() as session:
        (applied, _) = list_events(session, kind="coding.apply")
        assert applied.payload["source"] == "suggestion model=m1 score=0.877"
    # Nobody rewrites where a coding came from (not even the database's owner).
    with pytest.raises((IntegrityError, OperationalError), match="keeps its source"), \
            sqlite_project.engine.begin() as conn:
        conn.execute(text("UPDATE coding SET source = NULL WHERE id = :i"), {"i": change.coding_id})
    # Undo and redo bring back the same row, source and all.
    anna.undo()
    anna.undo()
    anna.redo()
    with sqlite_project.session() as session:
        assert coding_source(session, coding_id=change.coding_id) == "suggestion model=m1 score=0.877"
    dismiss(sqlite_project, actor="anna", owner="anna", document="E001", suggestion=suggestion(50, 68),
            model_key="m1")
    assert dismissed(sqlite_project, actor="anna", owner="anna", document="E001") == {("push", 50, 68)}
    assert dismissed(sqlite_project, actor="ben", owner="ben", document="E001") == set()


@pytest.mark.postgres
def test_a_coder_role_accepts_and_dismisses_and_cannot_rewrite_the_source(postgres_url, tmp_path, monkeypatch):
    import uuid

    from cotag.coding import CodingSession
    from cotag.project import init_project, open_project
    from cotag.store.codings import coding_source
    from cotag.services.suggestions import dismiss, dismissed
    from cotag.suggest.live import accept
    from cotag.services.team import add_coder
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    owner = init_project(tmp_path / "team", database_url=postgres_url)
    anna = "c" + uuid.uuid4().hex[:8] + "_anna"
    try:
        with owner.session() as session:
            document_id = make_document(session, "E001", SENTENCES).id
            make_codes(session, [("push", "Push"), ("pull", "Pull")])
        url = add_coder(owner, name=anna)["url"]
        monkeypatch.setenv("COTAG_DATABASE_URL", url)
        project = open_project(owner.root)
        try:
            session = CodingSession(project, coder=anna)
            change = accept(session, document_id=document_id, suggestion=suggestion(), model_key="m1")
            with project.session() as db:
                assert coding_source(db, coding_id=change.coding_id) == "suggestion model=m1 score=0.877"
            dismiss(project, actor=anna, owner=anna, document="E001", suggestion=suggestion(50, 68), model_key="m1")
            assert dismissed(project, actor=anna, owner=anna, document="E001") == {("push", 50, 68)}
            with pytest.raises(ProgrammingError, match="permission denied"), project.engine.begin() as conn:
                conn.execute(text("UPDATE coding SET source = NULL WHERE id = :i"), {"i": change.coding_id})
        finally:
            project.close()
        with pytest.raises(DBAPIError, match="keeps its source"), owner.engine.begin() as conn:
            conn.execute(text("UPDATE coding SET source = 'typed' WHERE id = :i"), {"i": change.coding_id})
    finally:
        drop_coder_role(owner.engine, anna)
        owner.close()


@pytest.mark.parametrize("via", ["coder file", "project folder"])
def test_merge_carries_the_source(tmp_path, monkeypatch, via):
    """A coder who accepted suggestions in their own project: the lead's merged copy still says so."""
    from cotag.coderfile import load_coder_file
    from cotag.services.team import export_coder_file
    from cotag.services.team import merge
    from cotag.project import init_project
    from cotag.store.codings import coding_source, list_codings
    from cotag.store.coders import get_or_create_coder
    from cotag.store.codings import add_coding

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    projects = {}
    for name in ("lead", "anna"):
        projects[name] = init_project(tmp_path / name)
        with projects[name].session() as session:
            make_document(session, "E001", SENTENCES)
            make_codes(session, [("push", "Push"), ("pull", "Pull")])
    anna = projects["anna"]
    with anna.session() as session:
        who = get_or_create_coder(session, name="anna")
        add_coding(session, document_id=1, code_id=1, coder_id=who.id, start=32, end=41, source="suggestion model=m1 score=0.900")
        add_coding(session, document_id=1, code_id=2, coder_id=who.id, start=42, end=60)
    source = tmp_path / "anna.cotag.json.gz"
    if via == "coder file":
        export_coder_file(anna, coder="anna", path=source)
        assert [r.get("source") for r in load_coder_file(source).codings] == ["suggestion model=m1 score=0.900", None]
    else:
        source = tmp_path / "anna"
    try:
        merge(projects["lead"], source)
        with projects["lead"].session() as session:
            got = {r.code: coding_source(session, coding_id=r.id) for r in list_codings(session, coders=["anna"])}
        assert got == {"push": "suggestion model=m1 score=0.900", "pull": None}
        merge(projects["lead"], source)  # again: nothing new, nothing rewritten
        with projects["lead"].session() as session:
            assert len(list_codings(session, coders=["anna"])) == 2
    finally:
        for project in projects.values():
            project.close()


def test_a_coder_file_with_a_bad_source_is_refused(tmp_path):
    import gzip
    import json

    from cotag.coderfile import load_coder_file
    from cotag.errors import CotagError

    path = tmp_path / "x.cotag.json.gz"
    coding = {"document": "h", "code": "push", "coder": "anna", "start": 0, "end": 3, "memo": "",
              "created_at": "2026-12-06T07:00:00", "deleted_at": None, "source": 7}
    from cotag.coderfile import FORMAT, VERSION

    data = {"format": FORMAT, "version": VERSION, "project": "p", "documents": [{"hash": "h", "id": "E001"}],
            "codes": ["push"], "coders": [{"name": "anna", "role": "coder"}], "codings": [coding], "memos": [],
            "progress": [], "events": []}
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(CotagError, match=r"codings\[0\]\.source is 7"):
        load_coder_file(path)


def test_a_revision_carries_the_source_of_a_moved_coding(sqlite_project, tmp_path):
    import sys
    from pathlib import Path

    from sqlmodel import select

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    from test_revision_store import NEW, _setup, _write

    from cotag.services import revision
    from cotag.store.codings import add_coding, coding_source
    from cotag.store.models import Code, Coder, Document, RevisionItem

    _, path = _setup(sqlite_project, tmp_path)
    with sqlite_project.session() as session:
        doc = session.exec(select(Document)).one()
        start = doc.text.index("It was hard at first.")
        ana = session.exec(select(Coder).where(Coder.name == "ana")).one()
        family = session.exec(select(Code).where(Code.key == "family")).one()
        old_id = add_coding(session, document_id=doc.id, code_id=family.id, coder_id=ana.id, start=start,
                            end=start + len("It was hard at first."), source="suggestion model=m1 score=0.700").id
    _write(tmp_path, NEW)
    revision.revise_paths(sqlite_project, paths=[path])
    with sqlite_project.session() as session:
        item = session.exec(select(RevisionItem).where(RevisionItem.old_id == old_id,
                                                       RevisionItem.kind == "coding")).one()
        assert item.status == "moved" and item.new_id != old_id
        assert coding_source(session, coding_id=item.new_id) == "suggestion model=m1 score=0.700"
