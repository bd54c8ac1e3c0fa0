"""What the database refuses on both back ends (migration 0003), and how cotag opens a database it must not touch
or cannot upgrade, and waits for a SQLite lock: configurable, naming who holds it, never long behind a bulk write."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from factories import make_codes, make_document
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cotag.errors import CotagError
from cotag.project import CONFIG_NAME, init_project, open_project
from cotag.store.coders import get_or_create_coder


@pytest.fixture
def filled(project):
    with project.session() as session:
        document = make_document(session, "E001", [("R", ["We left for work.", "My sister was there."])])
        codes = make_codes(session, [("push", "Push"), ("pull", "Pull")])
        anna, ben = (get_or_create_coder(session, name=n).id for n in ("anna", "ben"))
        lena = get_or_create_coder(session, name="lena", role="lead").id
    ids = {"doc": document.id, "length": len(document.text), "push": codes["push"].id, "pull": codes["pull"].id,
           "anna": anna, "ben": ben, "lena": lena}
    with project.engine.begin() as conn:
        ids["coding"] = conn.execute(text(
            'INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, created_at) '
            "VALUES (:doc, :push, :anna, 3, 7, '', CURRENT_TIMESTAMP) RETURNING id"), ids).scalar_one()
        conn.execute(text("INSERT INTO progress (coder_id, document_id, status, cursor, updated_at) "
                          "VALUES (:anna, :doc, 'assigned', 0, CURRENT_TIMESTAMP)"), ids)
        conn.execute(text("INSERT INTO memo (coder_id, title, text, created_at, updated_at) "
                          "VALUES (:anna, 't', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), ids)
        conn.execute(text("INSERT INTO decision (disagreement, document_id, code_id, lead_id, ruling, note, "
                          "created_at) VALUES ('d1', :doc, :push, :lena, 'a', '', CURRENT_TIMESTAMP)"), ids)
    return project, ids


@pytest.mark.parametrize("start,end", [(-1, 4), (9, 9), (9, 5), (1, "past the text")])
def test_the_database_refuses_a_span_outside_its_text(filled, start, end):
    project, ids = filled
    insert = text('INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, created_at) '
                  "VALUES (:doc, :pull, :anna, :start, :end, '', CURRENT_TIMESTAMP)")
    end = ids["length"] + 1 if end == "past the text" else end
    with pytest.raises(DBAPIError) as refused, project.engine.begin() as conn:
        conn.execute(insert, {**ids, "start": start, "end": end})
    # The command line says so in one line, no traceback.
    from cotag.team import database_refusal

    assert (database_refusal(refused.value) or "").startswith("the database refused this: ")
    with project.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM coding")).scalar() == 1
        conn.execute(insert, {**ids, "start": 0, "end": ids["length"]})  # the whole text is a span


def test_the_text_length_the_span_check_reads_follows_the_text_whoever_writes(filled):
    """Migration 0006: the span check reads document.text_length, which the database keeps equal to the text's
    length (in characters, not bytes) on insert and on every change of the text, even by raw SQL."""
    project, ids = filled
    insert = text('INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, created_at) '
                  "VALUES (:doc, :pull, :anna, 0, :end, '', CURRENT_TIMESTAMP)")
    length = text("SELECT text_length FROM document WHERE id = :doc")
    with project.engine.begin() as conn:
        assert conn.execute(length, ids).scalar() == ids["length"]
        # A lying length is put right at once, so it cannot open the guard.
        conn.execute(text("UPDATE document SET text_length = 100000 WHERE id = :doc"), ids)
        assert conn.execute(length, ids).scalar() == ids["length"]
        conn.execute(text("UPDATE document SET text = :t WHERE id = :doc"), {**ids, "t": "Çà ü " * 20})
        assert conn.execute(length, ids).scalar() == 100
    with pytest.raises(DBAPIError), project.engine.begin() as conn:
        conn.execute(insert, {**ids, "end": 101})
    with project.engine.begin() as conn:
        conn.execute(insert, {**ids, "end": 100})  # the last character of the new, longer text
        conn.execute(text("INSERT INTO document (external_id, \"group\", text, attributes, content_hash, source_path, "
                          "format, words, imported_at) VALUES ('E002', '', 'Two words.', '{}', 'h2', '', '', 2, "
                          "CURRENT_TIMESTAMP)"))
        assert conn.execute(text("SELECT text_length FROM document WHERE external_id = 'E002'")).scalar() == 10


@pytest.mark.parametrize("statement", [
    "UPDATE coding SET coder_id = :ben WHERE id = :coding",
    'UPDATE coding SET "end" = 9 WHERE id = :coding',
    "UPDATE progress SET coder_id = :ben",
    "UPDATE memo SET coder_id = :ben",
    "UPDATE decision SET lead_id = :anna",
    "UPDATE decision SET ruling = 'b'",
])
def test_no_writer_changes_whose_a_row_is(filled, statement):
    """Not even the owner: a coding attributed to someone who never made it, or a ruling to another lead, would
    falsify the record agreement and the audit trail rest on."""
    project, ids = filled
    with pytest.raises(DBAPIError, match="keeps|never rewritten"), project.engine.begin() as conn:
        conn.execute(text(statement), ids)
    with project.engine.begin() as conn:
        assert conn.execute(text('SELECT coder_id, "end" FROM coding')).all() == [(ids["anna"], 7)]
        assert conn.execute(text("SELECT lead_id, ruling FROM decision")).all() == [(ids["lena"], "a")]
        assert conn.execute(text("SELECT coder_id FROM progress")).scalar() == ids["anna"]
        # What cotag itself changes still changes.
        conn.execute(text("UPDATE coding SET memo = 'm', deleted_at = CURRENT_TIMESTAMP, code_id = :pull"), ids)
        conn.execute(text("UPDATE decision SET superseded_at = CURRENT_TIMESTAMP"))
        conn.execute(text("UPDATE progress SET status = 'done', cursor = 2"))


# ---------------------------------------------------------------- databases cotag must not touch

def _project_on(tmp_path, url: str):
    root = tmp_path / "p"
    root.mkdir()
    (root / CONFIG_NAME).write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return root


def test_a_foreign_sqlite_file_is_refused_by_name_and_left_alone(tmp_path):
    other = tmp_path / "accounts.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoice (id integer primary key, total real)")
    root = _project_on(tmp_path, f"sqlite:///{other}")
    with pytest.raises(CotagError, match=r"accounts\.db is not a cotag project's: it holds other tables \(invoice\)"):
        open_project(root)
    with sqlite3.connect(other) as conn:
        assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["invoice"]


@pytest.mark.parametrize("version", ["missing", "empty"])
def test_cotag_tables_without_a_schema_revision_are_refused_by_name(database_url, tmp_path, monkeypatch, version):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = init_project(tmp_path / "made", database_url=database_url)
    with project.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version" if version == "empty" else "DROP TABLE alembic_version"))
    project.close()
    wanted = "an empty alembic_version table" if version == "empty" else "no alembic_version table"
    with pytest.raises(CotagError, match=rf"holds cotag's tables \(.*code, coder, coding.*\) but {wanted}"):
        open_project(tmp_path / "made")


def test_a_coder_role_meeting_an_old_schema_is_told_the_lead_must_upgrade(postgres_url, tmp_path, monkeypatch):
    from cotag.store.database import SCHEMA_HEAD, make_engine
    from cotag.services.team import add_coder
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = init_project(tmp_path / "team", database_url=postgres_url)
    name = "g" + os.urandom(4).hex() + "_anna"
    url = add_coder(project, name=name)["url"]
    try:
        with project.engine.begin() as conn:  # as if made by the cotag before 0003
            conn.execute(text("DROP INDEX uq_coding_live"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
        monkeypatch.setenv("COTAG_DATABASE_URL", url)
        with pytest.raises(CotagError, match=rf"schema revision 0002 .* needs {SCHEMA_HEAD}; only the database owner can "
                                             rf"upgrade it, and {name} is not the owner.*Ask the lead"):
            open_project(project.root)
        engine = make_engine(postgres_url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        finally:
            engine.dispose()
    finally:
        drop_coder_role(project.engine, name)
        project.close()


# ---------------------------------------------------------------- waiting for SQLite's lock

HOLDER = textwrap.dedent("""
    import sys, time
    from cotag.project import open_project
    from cotag.store.database import begin_write
    project = open_project(sys.argv[1])
    with project.session() as session:
        begin_write(session, command="cotag merge ../anna-project")
        print("holding", flush=True)
        sys.stdin.readline()
""")


def test_a_waiting_write_names_the_command_holding_the_lock(sqlite_project, tmp_path):
    with sqlite_project.session() as session:
        make_document(session, "E001", [("R", ["We left for work."])])
        make_codes(session, [("push", "Push")])
    csv = tmp_path / "c.csv"
    csv.write_text("document,coder,code,start,end\nE001,anna,push,3,7\n", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(sqlite_project.root)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read()
        env = {**os.environ, "COTAG_LOCK_TIMEOUT": "0.5"}
        env.pop("COTAG_DATABASE_URL", None)
        waiting = subprocess.run([sys.executable, "-m", "cotag.cli", "--project", str(sqlite_project.root),
                                  "codings", "import", str(csv)], capture_output=True, text=True, env=env, timeout=120)
        assert waiting.returncode == 1 and "Traceback" not in waiting.stderr, waiting.stderr
        assert "is locked by `cotag merge ../anna-project` (process " + str(holder.pid) in waiting.stderr
        assert "waited 0.5 s and was not saved" in waiting.stderr and "COTAG_LOCK_TIMEOUT" in waiting.stderr
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
    # The holder finished: its note is gone and the same import now goes through.
    assert not (sqlite_project.root / "cotag.db-writer").exists()
    again = subprocess.run([sys.executable, "-m", "cotag.cli", "--project", str(sqlite_project.root),
                            "codings", "import", str(csv)], capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in os.environ.items() if k != "COTAG_DATABASE_URL"})
    assert again.returncode == 0, again.stderr
    with sqlite_project.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM coding")).scalar() == 1


def test_the_lock_wait_comes_from_cotag_toml_or_the_environment(sqlite_project, monkeypatch):
    from cotag.store.database import DatabaseBusy, begin_write

    config = sqlite_project.root / CONFIG_NAME
    config.write_text(config.read_text(encoding="utf-8").replace("[database]\n", "[database]\nlock_timeout = 0.2\n"),
                      encoding="utf-8")
    monkeypatch.delenv("COTAG_LOCK_TIMEOUT", raising=False)
    holder, waiter = open_project(sqlite_project.root), open_project(sqlite_project.root)
    try:
        with holder.session() as session:
            begin_write(session, command="cotag import transcripts/")
            with pytest.raises(DatabaseBusy, match=r"locked by `cotag import transcripts/` .*waited 0\.2 s"), \
                    waiter.session() as other:
                get_or_create_coder(other, name="anna")
    finally:
        holder.close()
        waiter.close()
    monkeypatch.setenv("COTAG_LOCK_TIMEOUT", "soon")
    with pytest.raises(CotagError, match="COTAG_LOCK_TIMEOUT = 'soon'"):
        open_project(sqlite_project.root).engine


def test_a_long_import_on_sqlite_commits_between_batches(sqlite_project, tmp_path, monkeypatch):
    """Coders saving codings during an import wait for one batch at most, not for the whole import."""
    from sqlalchemy import event

    from cotag import services
    from cotag.corpus import importer

    folder = tmp_path / "transcripts"
    folder.mkdir()
    for i in range(4):
        (folder / f"E00{i}.txt").write_text(f"Interviewer: Why?\n\nR: Number {i} left for work.\n", encoding="utf-8")
    monkeypatch.setattr(importer, "CHUNK_FILES", 1)
    commits: list[int] = []

    @event.listens_for(sqlite_project.engine, "commit")
    def _count(conn):
        with sqlite3.connect(sqlite_project.root / "cotag.db") as other:  # what another process sees
            commits.append(other.execute("SELECT count(*) FROM document").fetchone()[0])

    monkeypatch.setattr("cotag.store.database.BATCH_SECONDS", 0.0)
    report = services.import_transcripts(sqlite_project, paths=[folder])
    assert len(report.added) == 4
    # The engine's commit event comes just before each commit: another process saw the documents arrive one
    # batch at a time (one transaction would show [0]).
    assert commits == [0, 1, 2, 3]
