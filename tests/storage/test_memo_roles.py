"""Passage, document and journal memos on a shared PostgreSQL database: each coder's role keeps its memos private,
a lead reads them all, and no role moves a passage memo's span (migrations 0002, 0003 and 0007)."""

from __future__ import annotations

import uuid

import pytest
from factories import make_document
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.postgres


@pytest.fixture
def team(postgres_url, tmp_path, monkeypatch):
    from cotag.project import init_project
    from cotag.store.database import make_engine
    from cotag.services.team import add_coder
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = init_project(tmp_path / "team", database_url=postgres_url)
    prefix = "t" + uuid.uuid4().hex[:8] + "_"
    names = {short: prefix + short for short in ("anna", "ben", "lena")}
    urls = {short: add_coder(project, name=name, lead=short == "lena")["url"] for short, name in names.items()}
    with project.session() as session:
        make_document(session, "E001", [("R", ["We left for work.", "My sister was there."])])
    engines = {short: make_engine(url) for short, url in urls.items()}
    yield project, names, engines
    for engine in engines.values():
        engine.dispose()
    for name in names.values():
        drop_coder_role(project.engine, name)
    project.close()


def as_role(engine, sql: str, **params):
    with engine.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.all() if result.returns_rows else result.rowcount


def test_passage_memos_are_private_to_their_coder_and_readable_by_the_lead(team):
    project, names, engines = team
    with project.session() as session:
        ids = dict(session.execute(text("SELECT name, id FROM coder")).all())
        document = session.execute(text("SELECT id FROM document")).scalar_one()
    insert = ('INSERT INTO memo (coder_id, document_id, start, "end", title, text, created_at, updated_at) '
              "VALUES (:c, :d, 3, 7, '', :t, now(), now())")
    as_role(engines["anna"], insert, c=ids[names["anna"]], d=document, t="anna's passage")
    as_role(engines["ben"], insert, c=ids[names["ben"]], d=document, t="ben's passage")
    with pytest.raises(DBAPIError):  # nobody writes a memo as someone else
        as_role(engines["anna"], insert, c=ids[names["ben"]], d=document, t="forged")
    read = 'SELECT text FROM memo WHERE start IS NOT NULL ORDER BY id'
    assert as_role(engines["anna"], read) == [("anna's passage",)]
    assert as_role(engines["ben"], read) == [("ben's passage",)]
    assert as_role(engines["lena"], read) == [("anna's passage",), ("ben's passage",)]
    # Its words change; its span does not (coder roles may update only title, text and updated_at).
    assert as_role(engines["anna"], "UPDATE memo SET text = 'anna, revised' WHERE start = 3") == 1
    for role in ("anna", "lena"):
        with pytest.raises(DBAPIError):
            as_role(engines[role], "UPDATE memo SET start = 0 WHERE start = 3")
    # ben's role cannot even see anna's memo to change it.
    assert as_role(engines["ben"], f"UPDATE memo SET text = 'x' WHERE coder_id = {ids[names['anna']]}") == 0
    with project.session() as session:
        rows = session.execute(text('SELECT text, start, "end" FROM memo ORDER BY id')).all()
    assert rows == [("anna, revised", 3, 7), ("ben's passage", 3, 7)]


def test_the_domain_functions_work_through_a_coders_role(team, tmp_path):
    """`cotag memo add` and `cotag memos` as anna's role: her memos only, and the journal too."""
    from cotag.services.memos import add_memo, memos
    from cotag.project import Project

    project, names, engines = team
    anna_url = engines["anna"].url.render_as_string(hide_password=False)
    as_anna = Project(root=project.root, config=project.config, database_url=anna_url)
    try:
        add_memo(as_anna, coder=names["anna"], span=("E001", 6, 10), text="left")
        add_memo(as_anna, coder=names["anna"], journal=True, text="day one")
        add_memo(project, coder=names["ben"], document="E001", text="ben's")
        assert [(m.kind, m.passage, m.text) for m in memos(as_anna)] == [("passage", "left", "left"),
                                                                         ("journal", "", "day one")]
    finally:
        as_anna.close()
