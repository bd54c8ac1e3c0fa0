"""The invariant suite's profiles and its back ends: every law runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from invariants import profiles  # noqa: F401  (registers the invariants and deep profiles)


class Backend:
    """Fresh projects on one back end, as many as a test's examples need; all closed (and dropped) at the end."""

    def __init__(self, kind: str, root, postgres_url: str | None):
        self.kind = kind
        self.root = root
        self.postgres_url = postgres_url
        self.projects: list = []
        self.schemas: list[str] = []
        self.count = 0

    def folder(self, name: str):
        self.count += 1
        path = self.root / f"{self.count:04d}-{name}"
        path.mkdir(parents=True)
        return path

    def url(self) -> str | None:
        if self.kind == "sqlite":
            return None  # the project's own cotag.db
        import psycopg
        from dbsupport import POSTGRES_URL

        schema = "inv_" + uuid.uuid4().hex[:12]
        with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        sep = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"

    def project(self, name: str, *, sqlite: bool = False):
        """A new project; `sqlite` for a coder's own copy, which is a SQLite file whatever the lead uses."""
        from cotag.project import init_project

        project = init_project(self.folder(name) / "proj", database_url=None if sqlite else self.url())
        self.projects.append(project)
        return project

    def close(self) -> None:
        for project in self.projects:
            project.close()
        if self.schemas:
            import psycopg
            from dbsupport import POSTGRES_URL

            with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"),
                                 autocommit=True) as conn:
                for schema in self.schemas:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _need_postgres() -> None:
    # tests/conftest.py's check, by the same rules: skipped without a server unless COTAG_REQUIRE_POSTGRES=1.
    from dbsupport import POSTGRES_URL, REQUIRE_POSTGRES

    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure means: cannot test here
        reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (COTAG_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    if request.param == "postgres":
        _need_postgres()
    made = Backend(request.param, tmp_path, None)
    yield made
    made.close()
