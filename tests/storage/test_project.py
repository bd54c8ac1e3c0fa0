"""Projects: cotag.toml, finding the project, the schema through migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, inspect, text

from cotag.errors import CotagError, ProjectNotFound
from cotag.project import CONFIG_NAME, find_project_root, init_project, open_project
from cotag.store import coders, events
from cotag.store.database import SCHEMA_HEAD, current_revision

TABLES = {"coder", "code", "document", "unit", "coding", "decision", "memo", "event", "progress"}


def test_init_creates_config_and_schema(project):
    assert (project.root / CONFIG_NAME).is_file()
    names = set(inspect(project.engine).get_table_names())
    assert TABLES <= names
    assert current_revision(project.engine) == SCHEMA_HEAD


def test_reopening_keeps_data(project):
    with project.session() as session:
        coders.get_or_create_coder(session, name="aigerim")
        events.log_event(session, kind="test", actor="aigerim", payload={"n": 1})
    url = project.database_url
    project.close()
    again = open_project(project.root)
    assert again.database_url == url
    with again.session() as session:
        assert [c.name for c in coders.list_coders(session)] == ["aigerim"]
        assert events.list_events(session)[0].payload == {"n": 1}
    again.close()


def test_default_is_sqlite_in_wal_mode(sqlite_project):
    db = sqlite_project.root / "cotag.db"
    assert db.is_file()
    with sqlite_project.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert sqlite3.connect(db).execute("select count(*) from alembic_version").fetchone() == (1,)


def test_project_found_from_subfolder_and_env(sqlite_project, monkeypatch, tmp_path):
    sub = sqlite_project.root / "a" / "b"
    sub.mkdir(parents=True)
    assert find_project_root(start=sub) == sqlite_project.root
    monkeypatch.setenv("COTAG_PROJECT", str(sqlite_project.root))
    assert find_project_root(start=tmp_path) == sqlite_project.root
    monkeypatch.delenv("COTAG_PROJECT")
    with pytest.raises(ProjectNotFound, match="cotag init"):
        find_project_root(start=tmp_path)


def test_explicit_project_without_config_is_named(tmp_path):
    with pytest.raises(ProjectNotFound, match=str(tmp_path)):
        find_project_root(explicit=tmp_path)


def test_database_url_env_overrides(sqlite_project, monkeypatch, tmp_path):
    other = tmp_path / "other.db"
    monkeypatch.setenv("COTAG_DATABASE_URL", f"sqlite:///{other}")
    proj = open_project(sqlite_project.root)
    assert other.is_file()
    assert TABLES <= set(inspect(proj.engine).get_table_names())
    proj.close()


def test_init_twice_refuses(sqlite_project):
    with pytest.raises(CotagError, match="already a cotag project"):
        init_project(sqlite_project.root)


def test_unreachable_database_is_a_clean_error(tmp_path):
    with pytest.raises(CotagError, match="cannot open database"):
        init_project(tmp_path / "p", database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert not (tmp_path / "p" / CONFIG_NAME).exists()


def test_broken_config_names_file(tmp_path):
    (tmp_path / CONFIG_NAME).write_text("[database\nurl=", encoding="utf-8")
    with pytest.raises(CotagError, match="not valid TOML"):
        open_project(tmp_path)


def test_consensus_name_is_reserved(project):
    with project.session() as session:
        with pytest.raises(CotagError, match="reserved"):
            coders.get_or_create_coder(session, name="consensus")
        lead = coders.get_or_create_coder(session, name="dana", role="lead")
        assert lead.role == "lead"
        assert coders.consensus_coder(session).role == "consensus"


def test_schema_head_is_the_newest_migration():
    # ensure_schema skips alembic when the database says SCHEMA_HEAD; a new migration must move it.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from cotag.store.database import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]


def test_migrations_build_exactly_the_models_schema(project):
    # The tables are only ever created through the migrations; they must be what models.py describes.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from cotag.store import models  # noqa: F401  (the tables)

    with project.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []


def test_an_old_database_is_upgraded_in_place_keeping_its_data(database_url, tmp_path, monkeypatch):
    from cotag.store.database import make_engine, upgrade

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    engine = make_engine(database_url)
    upgrade(engine, "0001")  # a project made by the first release
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO coder (name, role, created_at) VALUES ('aliya', 'coder', '2026-01-05 10:00:00')"))
        conn.execute(text(
            "INSERT INTO document (external_id, \"group\", text, attributes, content_hash, source_path, format, "
            "words, imported_at) VALUES ('E001', 'expert', 'R: Pay is low.', '{\"age\": 30}', 'h', 'E001.md', "
            "'md', 3, '2026-01-05 10:00:00')"))
        conn.execute(text(
            "INSERT INTO unit (document_id, \"index\", start, \"end\", turn, speaker, is_interviewer) "
            "SELECT id, 0, 3, 14, 0, 'R', false FROM document"))
    engine.dispose()
    proj = init_project(tmp_path / "proj", database_url=database_url)  # opening it runs the newer migrations
    assert current_revision(proj.engine) == SCHEMA_HEAD
    from cotag.store import documents

    with proj.session() as session:
        doc = documents.require_document(session, external_id="E001")
        [unit] = documents.list_units(session, document_id=doc.id)
        assert doc.attributes == {"age": 30} and doc.text[unit.start:unit.end] == "Pay is low."
        assert doc.text_length == len(doc.text) == 14  # backfilled by 0006 for the span check
        assert [c.name for c in coders.list_coders(session)] == ["aliya"]
    proj.close()


def test_a_database_from_a_newer_cotag_is_refused_by_name_and_left_alone(project):
    """An unknown schema revision is never 'upgraded' (alembic would fail with a traceback): it is named."""
    with project.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    root = project.root
    project.close()
    with pytest.raises(CotagError, match="schema revision '0999'.*newer cotag"):
        open_project(root)
    reopened_engine = create_engine(project.database_url)
    try:
        assert current_revision(reopened_engine) == "0999"  # nothing was changed
    finally:
        reopened_engine.dispose()
