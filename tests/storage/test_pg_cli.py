"""The command line on a PostgreSQL project does what it does on SQLite: the same commands, run on both back ends
from `cotag init --db`, give the same results (status, import, codebook, codings, agreement, reconcile, exports,
log, export coder and merge)."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from cotag.cli import app

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = ("E001", "E002", "E003")


def cli(project: Path | None, *args: str, ok: bool = True):
    argv = (["--project", str(project)] if project else []) + list(args)
    result = CliRunner().invoke(app, argv)
    if ok:
        assert result.exit_code == 0, f"cotag {' '.join(args)}: {result.output}"
    return result


def cli_json(project: Path, *args: str):
    return json.loads(cli(project, *args, "--json").stdout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Three transcripts of the demo corpus, and two coders' readings of them built from its reference coding."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "transcripts"
    folder.mkdir()
    for external_id in DOCUMENTS:
        shutil.copy(REPO / "transcripts" / "experts" / f"{external_id}.md", folder)
    with open(REPO / "transcripts" / "reference.csv", newline="", encoding="utf-8") as fh:
        reference = [r for r in csv.DictReader(fh) if r["document"] in DOCUMENTS]
    assert len(reference) > 20
    rows = []
    for i, r in enumerate(reference):
        if i % 5:  # anna misses every fifth reference coding: disagreements to reconcile
            rows.append({"document": r["document"], "coder": "anna", "code": r["code"], "start": r["start"],
                         "end": r["end"], "memo": "first pass" if i == 1 else ""})
        if i % 7:
            rows.append({"document": r["document"], "coder": "ben", "code": r["code"], "start": r["start"],
                         "end": r["end"], "memo": ""})
    with open(root / "codings.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["document", "coder", "code", "start", "end", "memo"])
        writer.writeheader()
        writer.writerows(rows)
    return root


def flow(root: Path, corpus: Path, url: str | None) -> dict:
    """Every step of a study through the CLI; returns what a researcher would compare between back ends."""
    project = root / "study"
    init = ["init", str(project), "--codebook", str(REPO / "codebooks" / "migration.yaml")]
    cli(None, *init, *(["--db", url] if url else []))
    out: dict = {}
    cli(project, "codebook", "load")
    out["import"] = {k: v for k, v in cli_json(project, "import", str(corpus / "transcripts")).items()
                     if k not in ("seconds", "elapsed")}
    out["codings_import"] = cli_json(project, "codings", "import", str(corpus / "codings.csv"))
    out["status"] = {k: v for k, v in cli_json(project, "status").items() if k not in ("root", "database", "path")}
    out["documents"] = cli_json(project, "documents", "list")
    out["show"] = cli(project, "documents", "show", "E001").stdout
    # The lead restructures the codebook: codings follow on either back end.
    cli(project, "codebook", "rename", "corruption", "Corruption and bribes", "--lead", "lena")
    cli(project, "codebook", "merge", "lower-corruption", "corruption", "--lead", "lena")
    cli(project, "codebook", "save", str(root / "saved.yaml"), "--lead", "lena")
    out["saved_codebook"] = (root / "saved.yaml").read_text(encoding="utf-8")
    out["codings"] = sorted(json.dumps(row, sort_keys=True) for row in cli_json(project, "codings", "list"))
    agreement = cli(project, "agreement", "--include-unfinished", "--format", "json").stdout
    out["agreement"] = json.loads(agreement)
    disagreements = cli_json(project, "reconcile", "list", "--coders", "anna,ben")
    out["disagreements"] = disagreements
    first = disagreements[0] if isinstance(disagreements, list) else disagreements["disagreements"][0]
    out["decide"] = cli_json(project, "reconcile", "decide", first["id"], "--keep", "b", "--lead", "lena",
                             "--coders", "anna,ben", "--note", "ben is right")
    cli(project, "reconcile", "agreed", "--lead", "lena", "--coders", "anna,ben")
    out["progress"] = cli(project, "reconcile", "progress", "--coders", "anna,ben").stdout
    cli(project, "export", "quotes", str(root / "quotes.csv"))
    out["quotes"] = (root / "quotes.csv").read_text(encoding="utf-8")
    cli(project, "export", "matrix", "--by", "gender", str(root / "matrix.csv"))
    out["matrix"] = (root / "matrix.csv").read_text(encoding="utf-8")
    cli(project, "export", "tables", str(root / "tables"))
    out["tables"] = {p.name: p.read_bytes() for p in sorted((root / "tables").iterdir()) if p.suffix == ".csv"}
    cli(project, "export", "qdc", str(root / "study.qdc"))
    out["qdc"] = (root / "study.qdc").read_text(encoding="utf-8")
    cli(project, "export", "qdpx", str(root / "study.qdpx"))
    with zipfile.ZipFile(root / "study.qdpx") as qdpx:
        out["qdpx_files"] = len(qdpx.namelist())
    out["log"] = [(e["actor"], e["kind"]) for e in cli_json(project, "log")]
    out["coder_file"] = {k: v for k, v in cli_json(project, "export", "coder", "--coder", "anna",
                                                   str(root / "anna.cotag.json.gz")).items()
                         if k not in ("path", "bytes")}
    out["project"] = project
    return out


def test_every_command_on_postgres_as_on_sqlite(tmp_path, corpus, postgres_url, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    on_sqlite = flow(tmp_path / "sqlite", corpus, None)
    on_postgres = flow(tmp_path / "pg", corpus, postgres_url)
    pg_project, sqlite_project = on_postgres.pop("project"), on_sqlite.pop("project")
    for step in on_sqlite:
        assert on_postgres[step] == on_sqlite[step], step
    assert on_postgres["status"]["documents"] == {"expert": 3}
    assert on_postgres["codings_import"]["added"] > 20
    assert ("lena", "reconcile.decide") in on_postgres["log"]
    assert ("lena", "codebook.merge") in on_postgres["log"] and on_postgres["tables"]
    assert "Corruption and bribes" in on_postgres["saved_codebook"]
    # Non-empty results, so that the comparison above compares something.
    assert on_postgres["quotes"].count("\n") > 5 and on_postgres["matrix"].count("\n") > 3
    assert on_postgres["disagreements"] and on_postgres["coder_file"]["codings"] > 10

    # `cotag init --db` made the schema through the migrations: at head, with the row-level security of 0002.
    from cotag.store.database import SCHEMA_HEAD

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
            secured = set(conn.execute(text("SELECT relname FROM pg_class WHERE relrowsecurity "
                                            "AND relnamespace = current_schema()::regnamespace")).scalars())
            assert {"coding", "progress", "memo", "event", "decision"} <= secured
    finally:
        engine.dispose()

    # Merge both ways between the back ends: a coder file from SQLite into PostgreSQL adds nothing new (the
    # same codings are there), a new coder's work comes across once, and the PostgreSQL project merges into SQLite.
    extra = tmp_path / "extra.csv"
    extra.write_text("document,coder,code,start,end,memo\nE002,carl,employment,0,40,\n", encoding="utf-8")
    cli(sqlite_project, "codings", "import", str(extra))
    cli(sqlite_project, "export", "coder", "--coder", "carl", str(tmp_path / "carl.cotag.json.gz"))
    report = cli_json(pg_project, "merge", str(tmp_path / "carl.cotag.json.gz"))
    assert report["codings_added"] == 1 and not report["refused"]
    again = cli_json(pg_project, "merge", str(tmp_path / "carl.cotag.json.gz"))
    assert (again["codings_added"], again["events_added"], again["codings_unchanged"]) == (0, 0, 1)
    # The SQLite project's coders did the same work, but separately (other creation times): a clash, refused.
    clash = cli(sqlite_project, "merge", str(pg_project), ok=False)
    assert clash.exit_code == 1 and "coder 'anna' exists in both projects with different work" in clash.stderr
    # A fresh SQLite project with the same corpus and codebook takes the whole PostgreSQL project, once.
    fresh = tmp_path / "fresh"
    cli(None, "init", str(fresh), "--codebook", str(REPO / "codebooks" / "migration.yaml"))
    cli(fresh, "codebook", "load")
    cli(fresh, "import", str(corpus / "transcripts"))
    everything = len(cli_json(pg_project, "codings", "list"))
    merged = cli_json(fresh, "merge", str(pg_project))
    assert merged["codings_added"] == everything and not merged["refused"]
    assert cli_json(fresh, "merge", str(pg_project))["codings_added"] == 0
    assert sorted(json.dumps(r, sort_keys=True) for r in cli_json(fresh, "codings", "list")) == \
        sorted(json.dumps(r, sort_keys=True) for r in cli_json(pg_project, "codings", "list"))
    refused = cli(pg_project, "merge", str(tmp_path / "missing.db"), ok=False)
    assert refused.exit_code == 1 and "no such file" in refused.stderr
    rows = cli_json(pg_project, "codings", "list")
    assert [(r["coder"], r["code"]) for r in rows if r["coder"] == "carl"] == [("carl", "employment")]


def test_init_db_refuses_an_unreachable_server_cleanly(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    result = cli(None, "init", str(tmp_path / "p"), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot open database" in result.stderr
    assert not (tmp_path / "p" / "cotag.toml").exists()  # no half-made project left behind

