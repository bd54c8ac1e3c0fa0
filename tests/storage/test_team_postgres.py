"""A team on the real PostgreSQL server: concurrent coders lose and duplicate nothing, a killed coder leaves no
partial write, and row-level security refuses another coder's writes even in raw SQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from factories import make_codes, make_document
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError

pytestmark = pytest.mark.postgres

WORKER = Path(__file__).resolve().parent / "team_worker.py"
SENTENCES = [("Interviewer", ["Why did you come?"]), ("R", ["For work.", "And for my family.", "We stayed."])]


class Team:
    """A PostgreSQL project with one document, two codes, and login roles made by `cotag team add-coder`."""

    def __init__(self, project):
        self.project = project
        self.urls: dict[str, str] = {}
        self.prefix = "c" + uuid.uuid4().hex[:8] + "_"
        with project.session() as session:
            self.document_id = make_document(session, "E001", SENTENCES).id
            codes = make_codes(session, [("push", "Push"), ("pull", "Pull")])
            self.code_id = codes["push"].id

    def add(self, short: str, *, lead: bool = False) -> str:
        from cotag.services.team import add_coder

        name = self.prefix + short
        self.urls[name] = add_coder(self.project, name=name, lead=lead)["url"]
        return name

    def engine(self, name: str):
        from cotag.store.database import make_engine

        return make_engine(self.urls[name])

    def coder_id(self, name: str) -> int:
        with self.project.session() as session:
            return session.execute(text("SELECT id FROM coder WHERE name = :n"), {"n": name}).scalar_one()

    def drop(self) -> None:
        from cotag.team import drop_coder_role

        for name in self.urls:
            drop_coder_role(self.project.engine, name)


@pytest.fixture
def team(postgres_url, tmp_path, monkeypatch):
    from cotag.project import init_project

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = init_project(tmp_path / "team", database_url=postgres_url)
    made = Team(project)
    yield made
    # Roles are server-wide: drop them (and their grants) before the schema goes.
    made.drop()
    project.close()


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def rows(team: Team, sql: str, **params):
    with team.project.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


# ---------------------------------------------------------------- concurrency

@pytest.mark.parametrize("coders", [2, 10])
def test_concurrent_coders_lose_and_duplicate_nothing(team, coders):
    names = [team.add(f"k{i}") for i in range(coders)]
    procs = {name: spawn("code", team.urls[name], name, str(team.document_id), str(team.code_id), "2.5")
             for name in names}
    # Every process starts coding at the same moment, after the slow interpreter start-up.
    for proc in procs.values():
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs.values():
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reported: dict[str, list[tuple[int, int, int]]] = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        lines = [line.split() for line in out.splitlines()]
        reported[name] = [(int(i), int(s), int(e)) for k, *rest in lines if k == "ok" for i, s, e in [rest]]
        assert lines[-1] == ["done", str(len(reported[name]))]
        assert reported[name], f"{name} committed nothing in 2.5 s"
    # The windows really overlapped: some moment lies inside every process's span of commits.
    windows = rows(team, "SELECT min(c.created_at), max(c.created_at) FROM coding c GROUP BY c.coder_id")
    assert len(windows) == coders and max(w[0] for w in windows) < min(w[1] for w in windows)
    for name, committed in reported.items():
        in_db = rows(team, "SELECT c.id, c.start, c.\"end\" FROM coding c JOIN coder k ON k.id = c.coder_id "
                           "WHERE k.name = :n AND c.deleted_at IS NULL", n=name)
        # Every reported commit is there with its span, exactly once, and nothing unreported.
        assert sorted(in_db) == sorted(committed)
        assert len({(s, e) for _, s, e in in_db}) == len(in_db)
        events = rows(team, "SELECT payload FROM event WHERE actor = :n AND kind = 'coding.apply'", n=name)
        assert sorted(p["coding"] for (p,) in events) == sorted(i for i, _, _ in committed)
    total = rows(team, "SELECT count(*) FROM coding")[0][0]
    assert total == sum(len(ids) for ids in reported.values())


def test_killed_mid_transaction_leaves_no_partial_write(team):
    name = team.add("victim")
    proc = spawn("hang", team.urls[name], name, str(team.document_id), str(team.code_id), "50")
    try:
        line = proc.stdout.readline().strip()
        assert line == "pending", proc.stderr.read()
        # The rows exist on the server, uncommitted, while the process lives.
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    assert proc.returncode == -signal.SIGKILL
    coder_id = team.coder_id(name)
    assert rows(team, "SELECT count(*) FROM coding WHERE coder_id = :c", c=coder_id)[0][0] == 0
    assert rows(team, "SELECT count(*) FROM event WHERE actor = :n", n=name)[0][0] == 0
    assert rows(team, "SELECT count(*) FROM progress WHERE coder_id = :c", c=coder_id)[0][0] == 0
    # The server rolled the dead connection back and released its locks: the coder can carry on.
    engine = team.engine(name)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO progress (coder_id, document_id, status, cursor, updated_at) "
                              "VALUES (:c, :d, 'assigned', 0, now())"), {"c": coder_id, "d": team.document_id})
    finally:
        engine.dispose()


def test_killed_while_coding_keeps_every_reported_commit(team):
    name = team.add("busy")
    proc = spawn("code", team.urls[name], name, str(team.document_id), str(team.code_id), "30")
    reported: list[int] = []
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        deadline = time.time() + 30
        while len(reported) < 40 and time.time() < deadline:
            key, *values = proc.stdout.readline().split()
            assert key == "ok", proc.stderr.read()
            reported.append(int(values[0]))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # Lines already written before the kill are commits too.
        reported += [int(line.split()[1]) for line in proc.stdout.read().splitlines() if line.startswith("ok ")]
    finally:
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    coder_id = team.coder_id(name)
    in_db = {i for (i,) in rows(team, "SELECT id FROM coding WHERE coder_id = :c", c=coder_id)}
    assert set(reported) <= in_db
    # At most the one transaction committed between the commit and its "ok" line is unreported.
    assert len(in_db - set(reported)) <= 1
    events = {p["coding"] for (p,) in rows(team, "SELECT payload FROM event WHERE actor = :n", n=name)}
    assert events == in_db  # each coding with its event, never one without the other


# ---------------------------------------------------------------- row-level security

def _insert_coding(conn, team: Team, coder_id: int, start: int = 0):
    return conn.execute(text("INSERT INTO coding (document_id, code_id, coder_id, start, \"end\", memo, created_at) "
                             "VALUES (:d, :k, :c, :s, :s + 1, '', now()) RETURNING id"),
                        {"d": team.document_id, "k": team.code_id, "c": coder_id, "s": start}).scalar_one()


def test_rls_refuses_cross_coder_writes_in_raw_sql(team):
    anna, ben = team.add("anna"), team.add("ben")
    anna_id, ben_id = team.coder_id(anna), team.coder_id(ben)
    with team.project.engine.begin() as conn:  # the owner writes one coding for each
        _insert_coding(conn, team, anna_id, 0)
        ben_coding = _insert_coding(conn, team, ben_id, 5)
    engine = team.engine(anna)
    try:
        with engine.begin() as conn:
            own = _insert_coding(conn, team, anna_id, 9)  # her own: allowed
            # Blind: she sees her codings only.
            assert {c for (c,) in conn.execute(text("SELECT coder_id FROM coding"))} == {anna_id}
        with pytest.raises(ProgrammingError, match="row-level security"), engine.begin() as conn:
            _insert_coding(conn, team, ben_id, 20)
        with engine.begin() as conn:
            # Ben's rows are invisible to her UPDATE: nothing changes.
            result = conn.execute(text("UPDATE coding SET deleted_at = now(), memo = 'x' WHERE id = :i"),
                                  {"i": ben_coding})
            assert result.rowcount == 0
        # Handing her coding to Ben: no role may change a coding's coder (column grants, and a trigger).
        with pytest.raises(ProgrammingError, match="permission denied|keeps its coder"), engine.begin() as conn:
            conn.execute(text("UPDATE coding SET coder_id = :b WHERE id = :i"), {"b": ben_id, "i": own})
        # Nobody erases codings: removal is a soft delete.
        with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("DELETE FROM coding WHERE id = :i"), {"i": own})
        with pytest.raises(ProgrammingError, match="row-level security"), engine.begin() as conn:
            conn.execute(text("INSERT INTO event (at, actor, kind, payload) VALUES (now(), :a, 'x', '{}')"),
                         {"a": ben})
        with pytest.raises(ProgrammingError, match="row-level security"), engine.begin() as conn:
            conn.execute(text("INSERT INTO progress (coder_id, document_id, status, cursor, updated_at) "
                              "VALUES (:b, :d, 'done', 0, now())"), {"b": ben_id, "d": team.document_id})
        # A coder cannot make herself a lead.
        with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("UPDATE coder SET role = 'lead' WHERE id = :a"), {"a": anna_id})
    finally:
        engine.dispose()
    assert rows(team, "SELECT start, deleted_at FROM coding WHERE id = :i", i=ben_coding) == [(5, None)]
    assert rows(team, "SELECT count(*) FROM coding WHERE coder_id = :b", b=ben_id)[0][0] == 1


def test_lead_reads_all_and_inserts_only_own_and_consensus(team):
    from cotag.store.models import CONSENSUS_CODER

    anna, lead = team.add("anna"), team.add("lead", lead=True)
    anna_id = team.coder_id(anna)
    consensus_id = team.coder_id(CONSENSUS_CODER)
    with team.project.engine.begin() as conn:
        _insert_coding(conn, team, anna_id, 0)
    engine = team.engine(lead)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM coding WHERE coder_id = :a"), {"a": anna_id}).scalar() == 1
            _insert_coding(conn, team, consensus_id, 3)
        with pytest.raises(ProgrammingError, match="row-level security"), engine.begin() as conn:
            _insert_coding(conn, team, anna_id, 7)
    finally:
        engine.dispose()


def test_lead_codebook_merge_moves_every_coders_codings(team, monkeypatch):
    """A lead's own role may restructure the codebook: merging a code moves Anna's codings too."""
    from cotag import codebook_ops
    from cotag.project import open_project

    anna, lead = team.add("anna"), team.add("lead", lead=True)
    with team.project.engine.begin() as conn:
        _insert_coding(conn, team, team.coder_id(anna), 0)
    monkeypatch.setenv("COTAG_DATABASE_URL", team.urls[lead])
    project = open_project(team.project.root)
    try:
        with project.session() as session:
            assert codebook_ops.merge(session, source="push", target="pull", lead=lead)["codings"] == 1
    finally:
        project.close()
    assert rows(team, "SELECT k.key FROM coding c JOIN code k ON k.id = c.code_id") == [("pull",)]


def test_coding_session_as_a_coder_role(team, monkeypatch):
    """The app on a coder's own role: her session works; claiming another coder's name is refused by the server."""
    from cotag.coding import CodingSession
    from cotag.project import open_project

    anna, ben = team.add("anna"), team.add("ben")
    monkeypatch.setenv("COTAG_DATABASE_URL", team.urls[anna])
    project = open_project(team.project.root)
    try:
        session = CodingSession(project, coder=anna)
        change = session.apply(document_id=team.document_id, code="push", start=32, end=41)
        assert change is not None
        session.undo()
        impostor = CodingSession(project, coder=ben)  # the app trusts --coder; the database does not
        with pytest.raises(DBAPIError, match="row-level security"):
            impostor.apply(document_id=team.document_id, code="push", start=32, end=41)
    finally:
        project.close()
    assert rows(team, "SELECT count(*) FROM coding WHERE coder_id = :b", b=team.coder_id(ben))[0][0] == 0


def test_running_session_sees_the_leads_codebook_changes(team, monkeypatch):
    """A lead retires one code and adds another while a coder's session is open: no restart, no crash."""
    from cotag import coding
    from cotag.services import coding as coding_service
    from cotag.errors import CotagError
    from cotag.project import open_project
    from cotag.store.models import Code

    anna = team.add("anna")
    monkeypatch.setenv("COTAG_DATABASE_URL", team.urls[anna])
    project = open_project(team.project.root)
    try:
        session = coding.CodingSession(project, coder=anna)
        session.apply(document_id=team.document_id, code="pull", start=32, end=41)
        with team.project.engine.begin() as conn:  # the lead, on another connection
            conn.execute(text("UPDATE code SET status = 'retired' WHERE key = 'pull'"))
            conn.execute(Code.__table__.insert(), [{"key": "network", "name": "Network", "description": "",
                                                    "include": [], "exclude": [], "examples": [], "keywords": [],
                                                    "status": "active", "position": 9}])
        with pytest.raises(CotagError, match="'pull' .* is retired and cannot be applied"):
            session.apply(document_id=team.document_id, code="pull", start=42, end=60)
        session.apply(document_id=team.document_id, code="network", start=42, end=60)
        keys = [c.key for c in coding_service.codebook(project)]
        assert "network" in keys and "pull" not in keys
    finally:
        project.close()


def test_a_coder_role_exporting_another_coders_work_is_told_not_given_an_empty_file(team, monkeypatch, tmp_path):
    """Row-level security hides Ben's codings from Anna's role: her `export coder --coder ben` would write a file
    with none of them that looks complete. It is refused by name; her own export and a lead's of Ben work."""
    from cotag.coderfile import load_coder_file
    from cotag.services.team import export_coder_file
    from cotag.coding import CodingSession
    from cotag.errors import CotagError
    from cotag.project import open_project

    anna, ben, lena = team.add("anna"), team.add("ben"), team.add("lena", lead=True)
    for name in (ben, anna):
        monkeypatch.setenv("COTAG_DATABASE_URL", team.urls[name])
        project = open_project(team.project.root)
        try:
            CodingSession(project, coder=name).apply(document_id=team.document_id, code="push", start=32, end=41)
        finally:
            project.close()
    project = open_project(team.project.root)  # still Anna's role
    try:
        with pytest.raises(CotagError, match=f"logged in as coder '{anna}'.*cannot see {ben}'s work"):
            export_coder_file(project, coder=ben, path=tmp_path / "ben.cotag.json.gz")
        assert not (tmp_path / "ben.cotag.json.gz").exists()
        assert export_coder_file(project, coder=anna, path=tmp_path / "anna.cotag.json.gz")["codings"] == 1
    finally:
        project.close()
    monkeypatch.setenv("COTAG_DATABASE_URL", team.urls[lena])
    project = open_project(team.project.root)
    try:
        export_coder_file(project, coder=ben, path=tmp_path / "ben.cotag.json.gz")
    finally:
        project.close()
    assert len(load_coder_file(tmp_path / "ben.cotag.json.gz").codings) == 1
