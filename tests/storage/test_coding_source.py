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
    from cotag.suggest.live import accept, dismiss, dismissed

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
    from cotag.suggest.live import accept, dismiss, dismissed
    from cotag.team import add_coder, drop_coder_role

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
