"""Projects: cotag.toml, finding the project, the schema through migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text

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
