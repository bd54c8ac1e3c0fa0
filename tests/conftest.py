"""Shared fixtures: projects on real SQLite files and on the real PostgreSQL server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
from dbsupport import POSTGRES_URL, REQUIRE_POSTGRES
# The invariant suite's hypothesis profiles, registered before the plugin reads --hypothesis-profile.
import invariants.profiles  # noqa: E402,F401

_pg_state: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None when the server answers, else why not (cached per run)."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(dsn, connect_timeout=3) as conn:
                conn.execute("select 1")
            _pg_state["reason"] = None
        except Exception as exc:  # any failure means: cannot test here
            _pg_state["reason"] = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}: {exc}"
    return _pg_state["reason"]


def need_postgres() -> None:
    reason = postgres_unavailable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (COTAG_REQUIRE_POSTGRES=1)")
        pytest.skip(reason + "; set COTAG_TEST_POSTGRES_URL to test against another server")


@pytest.fixture
def postgres_url():
    """A fresh schema on the PostgreSQL server for one test, dropped afterwards."""
    need_postgres()
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Run a storage test on both back ends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cotag.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def project(tmp_path, database_url, monkeypatch):
    from cotag.project import init_project

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    proj = init_project(tmp_path / "proj", database_url=database_url)
    yield proj
    proj.close()


@pytest.fixture
def sqlite_project(tmp_path, monkeypatch):
    from cotag.project import init_project

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    proj = init_project(tmp_path / "proj")
    yield proj
    proj.close()
