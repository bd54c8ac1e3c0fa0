"""`cotag merge`, `cotag export coder` and `cotag team` from the command line: messages, exit status, JSON."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_merge import CODES, build, code, snapshot


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


@pytest.fixture
def pair(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    lead, anna = build(tmp_path / "lead"), build(tmp_path / "anna")
    code(anna, "anna", "E001", "push", 36, 52)
    code(anna, "anna", "E002", "pull", 30, 44)
    yield lead, anna
    lead.close()
    anna.close()


def test_export_coder_then_merge_file(pair, tmp_path):
    lead, anna = pair
    path = tmp_path / "anna.cotag.json.gz"
    result = run(anna, "export", "coder", "--coder", "anna", str(path))
    assert result.exit_code == 0, result.output
    assert "wrote 2 coding(s)" in result.stdout and str(path) in result.stdout
    result = run(lead, "merge", str(path))
    assert result.exit_code == 0, result.output
    assert "added 2 coding(s)" in result.stdout
    result = run(lead, "merge", str(path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["codings_added"] == 0 and report["codings_unchanged"] == 2 and not report["refused"]
    assert snapshot(lead) == snapshot(anna)


def test_export_coder_unknown_coder_is_a_clean_error(pair, tmp_path):
    _, anna = pair
    result = run(anna, "export", "coder", "--coder", "zoe", str(tmp_path / "z.gz"))
    assert result.exit_code == 1
    assert "error: no coder named 'zoe'" in result.stderr and "Traceback" not in result.output


def test_merge_refusal_names_what_is_missing(pair, tmp_path):
    lead, _ = pair
    other = build(tmp_path / "other", codes=CODES + [("money", "Money")])
    code(other, "carl", "E001", "money", 36, 52)
    result = run(lead, "merge", str(other.root))
    assert result.exit_code == 1
    assert "refused; nothing was imported" in result.stderr and "money" in result.stderr
    assert snapshot(lead) == []
    other.close()


def test_merge_clash_then_rename(pair, tmp_path):
    lead, anna = pair
    assert run(lead, "merge", str(anna.root)).exit_code == 0
    other = build(tmp_path / "other")
    code(other, "anna", "E002", "push", 45, 58)
    result = run(lead, "merge", str(other.root))
    assert result.exit_code == 1 and "coder 'anna' exists in both" in result.stderr
    result = run(lead, "merge", str(other.root), "--as", "anna=anna_b")
    assert result.exit_code == 0, result.output
    assert "(coders: anna_b)" in result.stdout
    other.close()


def test_merge_dry_run(pair):
    lead, anna = pair
    result = run(lead, "merge", str(anna.root), "--dry-run")
    assert result.exit_code == 0 and "would add 2 coding(s)" in result.stdout
    assert snapshot(lead) == []


def test_team_add_coder_needs_postgres(pair):
    lead, _ = pair
    result = run(lead, "team", "add-coder", "anna")
    assert result.exit_code == 1 and "database roles need PostgreSQL" in result.stderr


@pytest.mark.postgres
def test_team_add_coder_on_postgres(postgres_url, tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = build(tmp_path / "pg", url=postgres_url)
    name = "cli_" + uuid.uuid4().hex[:8]
    try:
        result = run(project, "team", "add-coder", name, "--lead")
        assert result.exit_code == 0, result.output
        assert f"created role '{name}' (lead)" in result.stdout and f"postgresql+psycopg://{name}@" in result.stdout
        again = run(project, "team", "add-coder", name, "--json")  # re-running demotes, not fails
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["role"] == "coder" and not json.loads(again.stdout)["role_created"]
        rows = json.loads(run(project, "team", "coders", "--json").stdout)
        assert {"name": name, "role": "coder", "login": True} in rows
        # A password (from the environment, out of the shell history) is set on the role, never printed:
        # not even masked, since a coder pasting 'name:***@' would log in with '***'.
        monkeypatch.setenv("COTAG_NEW_CODER_PASSWORD", "s3cret-first")
        result = run(project, "team", "add-coder", name)
        assert result.exit_code == 0, result.output
        assert "s3cret" not in result.output and "***" not in result.output and "PGPASSWORD" in result.stdout
        with project.engine.connect() as conn:
            stored = conn.execute(text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": name}).scalar()
        assert stored and stored.startswith("SCRAM-SHA-256$")
    finally:
        from cotag.team import drop_coder_role

        project.close()
        from cotag.store.database import make_engine

        engine = make_engine(postgres_url)
        drop_coder_role(engine, name)
        engine.dispose()


@pytest.mark.postgres
def test_a_refusal_by_the_database_is_a_clean_message(postgres_url, tmp_path, monkeypatch):
    """A coder's role running what only the owner may (an import that logs as the system): no traceback."""
    from cotag.store.database import make_engine
    from cotag.services.team import add_coder
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = build(tmp_path / "pg", url=postgres_url)
    name = "cli_" + uuid.uuid4().hex[:8]
    try:
        url = add_coder(project, name=name)["url"]
        table = tmp_path / "own.csv"
        table.write_text(f"document,coder,code,start,end\nE001,{name},push,36,52\n", encoding="utf-8")
        monkeypatch.setenv("COTAG_DATABASE_URL", url)
        result = run(project, "codings", "import", str(table))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "error: the database refused this: new row violates row-level security policy" in result.stderr
        monkeypatch.delenv("COTAG_DATABASE_URL")
        assert snapshot(project) == []
    finally:
        project.close()
        engine = make_engine(postgres_url)
        drop_coder_role(engine, name)
        engine.dispose()


def test_merge_of_a_garbage_or_missing_file_is_a_clean_error(pair, tmp_path):
    lead, _ = pair
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 4)
    noise = tmp_path / "noise.gz"
    noise.write_bytes(b"\x1f\x8b" + bytes(range(200)))
    for path, message in ((garbage, "not a cotag project folder, SQLite project file or coder file"),
                          (tmp_path / "missing.cotag.json.gz", "no such file or folder"),
                          (noise, "not a readable cotag coder file")):
        result = run(lead, "merge", str(path))
        assert result.exit_code == 1, result.output
        assert f"error: {path}: {message}" in result.stderr and "Traceback" not in result.output
    assert snapshot(lead) == []


@pytest.mark.postgres
def test_team_role_promotes_an_existing_coder_on_postgres(postgres_url, tmp_path, monkeypatch):
    """`team role NAME --lead` on a coder who already has a role: the coder row, the grants and the log all change,
    so the promoted coder's own role may then change the codebook."""
    from cotag.store.database import make_engine
    from cotag.store.events import list_events
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = build(tmp_path / "pg", url=postgres_url)
    name = "cli_" + uuid.uuid4().hex[:8]
    try:
        url = json.loads(run(project, "team", "add-coder", name, "--json").stdout)["url"]
        result = run(project, "team", "role", name, "--lead", "--by", "owner")
        assert result.exit_code == 0 and f"{name} is now a lead" in result.stdout, result.output
        assert {"name": name, "role": "lead", "login": True} in json.loads(run(project, "team", "coders", "--json").stdout)
        assert "already a lead" in run(project, "team", "role", name, "--lead").stdout
        with project.session() as session:
            assert [(e.actor, e.payload) for e in list_events(session, kind="coder.role")] == \
                [("owner", {"coder": name, "from": "coder", "to": "lead"})]
        monkeypatch.setenv("COTAG_DATABASE_URL", url)
        renamed = run(project, "codebook", "rename", "push", "Push (renamed)", "--lead", name)
        assert renamed.exit_code == 0, renamed.output
        monkeypatch.delenv("COTAG_DATABASE_URL")
        demoted = run(project, "team", "role", name, "--coder")
        assert demoted.exit_code == 0 and f"{name} is now a coder" in demoted.stdout
    finally:
        project.close()
        engine = make_engine(postgres_url)
        drop_coder_role(engine, name)
        engine.dispose()


@pytest.mark.postgres
def test_add_coder_prints_a_command_that_pastes_whatever_the_name(postgres_url, tmp_path, monkeypatch):
    import shlex

    from cotag.store.database import make_engine
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = build(tmp_path / "pg", url=postgres_url)
    name = f"cli {uuid.uuid4().hex[:6]} O'Neil"
    try:
        result = run(project, "team", "add-coder", name)
        assert result.exit_code == 0, result.output
        line = next(x for x in result.stdout.splitlines() if " runs: " in x).split(" runs: ", 1)[1]
        words = shlex.split(line)
        url = json.loads(run(project, "team", "add-coder", name, "--json").stdout)["url"]
        assert words == [f"COTAG_DATABASE_URL={url}", "cotag", "code", "--coder", name]
    finally:
        project.close()
        engine = make_engine(postgres_url)
        drop_coder_role(engine, name)
        engine.dispose()
