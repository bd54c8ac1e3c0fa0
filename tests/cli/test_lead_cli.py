"""`cotag reconcile`, `cotag codebook rename|move|merge|split|recode|retire|save` and `cotag log` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cotag.cli import app
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder
from cotag.store.documents import list_units, require_document
from cotag.store.models import Coding, Decision
from tests.factories import make_codes, make_document

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def study(sqlite_project):
    project = sqlite_project
    with project.session() as session:
        doc = make_document(session, "E001", [("Anna", ["The pay was low.", "Jobs were scarce."]),
                                              ("Interviewer", ["And now?"]), ("Anna", ["I miss home."])])
        codes = make_codes(session, [("wages", "Wages"), ("jobs", "Jobs"), ("homeland", "Homeland")])
        alice = get_or_create_coder(session, name="alice")
        bob = get_or_create_coder(session, name="bob")
        get_or_create_coder(session, name="lena", role="lead")
        units = [(u.start, u.end) for u in list_units(session, document_id=doc.id)]

        def add(coder, code, start, end, memo=""):
            return coding_store.add_coding(session, document_id=doc.id, code_id=codes[code].id, coder_id=coder.id,
                                           start=start, end=end, memo=memo).id

        ids = {"wages_a": add(alice, "wages", *units[0], memo="low pay"), "jobs_b": add(bob, "jobs", *units[1]),
               "home_a": add(alice, "homeland", *units[3]), "home_b": add(bob, "homeland", *units[3])}
    return project, units, ids


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def ok(project, *args: str):
    result = run(project, *args)
    assert result.exit_code == 0, result.output
    return result


def test_list_decide_and_consensus_in_codings_list(study):
    project, units, _ = study
    rows = json.loads(ok(project, "reconcile", "list", "--coders", "alice,bob", "--json").stdout)
    assert [(r["code"], r["status"]) for r in rows] == [("wages", "open"), ("jobs", "open")]
    wages = rows[0]
    assert set(wages) >= {"id", "document", "code", "a", "b", "status"}
    assert wages["a"][0]["memo"] == "low pay" and wages["b"] == []
    out = ok(project, "reconcile", "decide", wages["id"], "--keep", "a", "--note", "clear pay talk", "--lead", "lena")
    assert "ruled on" in out.stdout
    ok(project, "reconcile", "decide", rows[1]["id"], "--keep", "none", "--lead", "lena")
    consensus = json.loads(ok(project, "codings", "list", "--coder", "consensus", "--json").stdout)
    assert sorted((c["code"], c["start"], c["end"]) for c in consensus) == [
        ("homeland", *units[3]), ("wages", *units[0])]
    assert json.loads(ok(project, "reconcile", "list", "--open", "--json").stdout) == []
    progress = json.loads(ok(project, "reconcile", "progress", "--json").stdout)
    assert (progress["decided"], progress["open"]) == (2, 0)


def test_revisit_and_edit_from_the_command_line(study):
    project, units, _ = study
    rows = json.loads(ok(project, "reconcile", "list", "--json").stdout)
    jobs = rows[1]["id"]
    ok(project, "reconcile", "decide", jobs, "--keep", "b", "--lead", "lena")
    start, end = units[1]
    out = ok(project, "reconcile", "decide", jobs, "--keep", "edit", "--span", f"{start}:{end - 1}",
             "--code", "wages", "--lead", "lena")
    assert "changed the ruling" in out.stdout
    consensus = json.loads(ok(project, "codings", "list", "--coder", "consensus", "--json").stdout)
    assert ("wages", start, end - 1) in [(c["code"], c["start"], c["end"]) for c in consensus]
    assert ("jobs", start, end) not in [(c["code"], c["start"], c["end"]) for c in consensus]
    kinds = [e["kind"] for e in json.loads(ok(project, "log", "--kind", "reconcile", "--json").stdout)]
    assert kinds[:2] == ["reconcile.decide", "reconcile.agreed"] and kinds[-1] == "reconcile.revisit"


def test_agreed_spans_can_be_reviewed_and_written(study):
    project, units, _ = study
    rows = json.loads(ok(project, "reconcile", "list", "--agreed", "--json").stdout)
    with project.session() as session:
        text = require_document(session, external_id="E001").text[units[3][0]:units[3][1]]
    assert rows == [{"document": "E001", "code": "homeland", "start": units[3][0], "end": units[3][1],
                     "in_consensus": False, "text": text}]
    # The words, not offsets: what the lead reviews.
    listed = ok(project, "reconcile", "list", "--agreed").stdout
    assert listed.splitlines()[:2] == ["E001  homeland  pending", f"    \u201c{text}\u201d"]
    assert f"{units[3][0]}:{units[3][1]}" not in listed
    assert "added 1" in ok(project, "reconcile", "agreed", "--lead", "lena").stdout
    assert json.loads(ok(project, "reconcile", "list", "--agreed", "--json").stdout)[0]["in_consensus"] is True


def test_refusals_are_clean_errors_and_change_nothing(study):
    project, _, _ = study
    rows = json.loads(ok(project, "reconcile", "list", "--json").stdout)
    result = run(project, "reconcile", "decide", rows[0]["id"], "--keep", "a", "--lead", "bob")
    assert result.exit_code == 1 and "bob is a coder, not a lead" in result.stderr
    result = run(project, "reconcile", "decide", "ffffffffffff", "--keep", "a", "--lead", "lena")
    assert result.exit_code == 1 and "no disagreement ffffffffffff" in result.stderr
    result = run(project, "reconcile", "list", "--coders", "alice")
    assert result.exit_code == 1 and "two names" in result.stderr
    with project.session() as session:
        assert session.exec(select(Decision)).all() == []
    assert "Traceback" not in result.output


def test_codebook_operations_from_the_command_line(study, tmp_path):
    project, _, ids = study
    ok(project, "codebook", "rename", "wages", "Pay", "--key", "pay", "--lead", "lena")
    ok(project, "codebook", "move", "jobs", "--parent", "pay", "--lead", "lena")
    result = run(project, "codebook", "merge", "pay", "jobs", "--lead", "lena")
    assert result.exit_code == 1 and "its own child" in result.stderr
    ok(project, "codebook", "move", "jobs", "--top", "--lead", "lena")
    out = ok(project, "codebook", "merge", "homeland", "pay", "--lead", "lena")
    assert "2 coding(s) moved" in out.stdout
    ok(project, "codebook", "split", "pay", "--codings", str(ids["home_b"]), "--new-key", "nostalgia",
       "--name", "Nostalgia", "--lead", "lena")
    ok(project, "codebook", "recode", str(ids["home_a"]), "jobs", "--lead", "lena")
    ok(project, "codebook", "retire", "nostalgia", "--lead", "lena")
    result = run(project, "codebook", "rename", "pay", "--key", "jobs", "--lead", "lena")
    assert result.exit_code == 1 and "already exists" in result.stderr
    with project.session() as session:
        by_id = {c.id: c.code_id for c in session.exec(select(Coding))}
    assert len(set(by_id.values())) == 3  # pay, jobs, nostalgia: nothing deleted, everything moved
    path = tmp_path / "book.yaml"
    out = ok(project, "codebook", "save", str(path), "--lead", "lena", "--json")
    assert json.loads(out.stdout)["version"] == 1
    events = json.loads(ok(project, "log", "--kind", "codebook", "--coder", "lena", "--json").stdout)
    assert [e["kind"] for e in events] == ["codebook.rename", "codebook.move", "codebook.move", "codebook.merge",
                                           "codebook.split", "codebook.recode", "codebook.retire", "codebook.save"]


def test_save_defaults_to_the_project_codebook(sqlite_project):
    project = sqlite_project
    shutil.copy(REPO / "codebooks" / "migration.yaml", project.root / "codebook.yaml")
    config = (project.root / "cotag.toml").read_text().replace('# path = "codebooks/codebook.yaml"',
                                                                'path = "codebook.yaml"')
    (project.root / "cotag.toml").write_text(config)
    ok(project, "codebook", "load")
    ok(project, "codebook", "retire", "wages", "--lead", "lena")
    assert "(version 2)" in ok(project, "codebook", "save", "--lead", "lena").stdout
    assert "status: retired" in (project.root / "codebook.yaml").read_text()


def test_log_filters_and_text_output(study):
    project, _, _ = study
    ok(project, "codebook", "retire", "jobs", "--lead", "lena")
    out = ok(project, "log").stdout
    assert "codebook.retire" in out and "lena" in out
    assert json.loads(ok(project, "log", "--since", "2999-01-01", "--json").stdout) == []
    assert json.loads(ok(project, "log", "--coder", "nobody", "--json").stdout) == []
    result = run(project, "log", "--since", "yesterday")
    assert result.exit_code == 1 and "not an ISO date" in result.stderr


def test_reconcile_screen_needs_a_lead(study):
    project, _, _ = study
    result = run(project, "reconcile")
    assert result.exit_code == 1 and "--lead NAME" in result.stderr


def test_every_lead_command_and_screen_key_is_documented():
    import typer.main

    from cotag.keys import CODEBOOK, KEYMAP, RECONCILE

    text = (REPO / "docs" / "reconcile.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in group.commands["reconcile"].commands:
        assert f"`cotag reconcile {name}" in text, name
    for name in ("rename", "move", "merge", "split", "recode", "retire", "save"):
        assert f"`cotag codebook {name}" in text, name
    assert "`cotag log [--since ISO-DATE] [--coder NAME] [--kind PREFIX]" in text
    assert "`cotag reconcile --lead NAME [--coders A,B] [--documents ID,...]`" in text
    for spec in KEYMAP:
        if spec.context == RECONCILE:
            assert f"`{spec.key}`" in text, spec
    section = text[text.index("### The codebook screen"):text.index("### Writing back to the file")]
    for spec in KEYMAP:
        if spec.context == CODEBOOK:
            assert f"| `{spec.key}` |" in section, spec


def test_a_plain_coder_cannot_make_themselves_lead(study, tmp_path):
    """--lead never promotes a coder who already codes: they could rule on their own disagreements."""
    from cotag.coding import CodingSession
    from cotag.errors import PermissionDenied
    from cotag.store.coders import get_coder

    project, units, ids = study
    with pytest.raises(PermissionDenied, match="bob is a coder, not a lead"):
        CodingSession(project, coder="bob", lead=True)
    table = tmp_path / "consensus.csv"
    table.write_text(f"document,coder,code,start,end\nE001,consensus,jobs,{units[1][0]},{units[1][1]}\n",
                     encoding="utf-8")
    refused = run(project, "codings", "import", str(table), "--lead", "bob")
    assert refused.exit_code == 1 and "bob is a coder, not a lead" in refused.stderr
    assert "cotag team role bob --lead" in refused.stderr
    refused = run(project, "reconcile", "decide", "1", "--keep", "b", "--lead", "bob")
    assert refused.exit_code == 1 and "not a lead" in refused.stderr
    with project.session() as session:
        assert get_coder(session, name="bob").role == "coder"
        assert session.exec(select(Decision)).all() == []
    # the explicit, logged way: the owner makes bob a lead, and then he may act as one
    assert "bob is now a lead" in ok(project, "team", "role", "bob", "--lead", "--by", "lena").stdout
    assert "already a lead" in ok(project, "team", "role", "bob", "--lead").stdout
    events = json.loads(ok(project, "log", "--json").stdout)
    role_events = [e for e in events if e["kind"] == "coder.role"]
    assert len(role_events) == 1 and role_events[0]["actor"] == "lena"
    assert role_events[0]["payload"] == {"coder": "bob", "from": "coder", "to": "lead"}
    ok(project, "codings", "import", str(table), "--lead", "bob")
    consensus = json.loads(ok(project, "codings", "list", "--coder", "consensus", "--json").stdout)
    assert [(c["code"], c["start"]) for c in consensus] == [("jobs", units[1][0])]
    assert "bob is now a coder" in ok(project, "team", "role", "bob", "--coder").stdout
