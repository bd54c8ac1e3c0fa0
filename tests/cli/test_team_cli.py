"""`cotag merge`, `cotag export coder` and `cotag team` from the command line: messages, exit status, JSON."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest
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
    finally:
        from cotag.team import drop_coder_role

        project.close()
        from cotag.store.database import make_engine

        engine = make_engine(postgres_url)
        drop_coder_role(engine, name)
        engine.dispose()
