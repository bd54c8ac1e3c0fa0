"""`cotag memo add`, `cotag memos` and `cotag export memos`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_export_quotes import build_study  # noqa: E402


@pytest.fixture
def study(project):
    build_study(project)
    return project


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def memo_rows(project):
    with project.session() as session:
        return session.execute(text('SELECT c.name, d.external_id, k."key", m.start, m."end", m.text FROM memo m '
                                    "JOIN coder c ON c.id = m.coder_id LEFT JOIN document d ON d.id = m.document_id "
                                    'LEFT JOIN code k ON k.id = m.code_id ORDER BY m.id')).all()


def test_memos_on_a_passage_a_document_a_code_and_the_journal(study, tmp_path):
    phrase = "My cousin earns five times more in Berlin."
    with study.session() as session:
        body = session.execute(text("SELECT text FROM document WHERE external_id = 'E001'")).scalar_one()
    start = body.index(phrase)
    span = f"E001:{start}:{start + len(phrase)}"
    assert run(study, "memo", "add", "--coder", "alice", "--span", span, "Berlin as the yardstick").exit_code == 0
    assert run(study, "memo", "add", "--coder", "alice", "--document", "E001", "Talks about family late").exit_code == 0
    assert run(study, "memo", "add", "--coder", "bob", "--code", "wages", "Split net and gross?").exit_code == 0
    entry = tmp_path / "entry.txt"
    entry.write_text("Day 1: coded E001.\n\nThe interviewer leads.", encoding="utf-8")
    added = run(study, "memo", "add", "--coder", "alice", "--journal", "--file", str(entry), "--title", "Day 1",
                "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["kind"] == "journal"

    assert memo_rows(study) == [
        ("alice", "E001", None, start, start + len(phrase), "Berlin as the yardstick"),
        ("alice", "E001", None, None, None, "Talks about family late"),
        ("bob", None, "wages", None, None, "Split net and gross?"),
        ("alice", None, None, None, None, "Day 1: coded E001.\n\nThe interviewer leads."),
    ]
    listed = run(study, "memos", "--document", "E001", "--json")
    assert listed.exit_code == 0, listed.output
    shown = json.loads(listed.stdout)
    assert [(m["kind"], m["passage"]) for m in shown] == [("passage", phrase), ("document", "")]
    text_listing = run(study, "memos", "--coder", "bob")
    assert "code wages · bob" in text_listing.stdout and "Split net and gross?" in text_listing.stdout
    assert "Berlin" not in text_listing.stdout
    with study.session() as session:
        kinds = session.execute(text("SELECT kind, actor FROM event WHERE kind = 'memo.add' ORDER BY id")).all()
    assert kinds == [("memo.add", "alice"), ("memo.add", "alice"), ("memo.add", "bob"), ("memo.add", "alice")]


@pytest.mark.parametrize("args, message", [
    (["--span", "E001:5:2", "x"], "start before end"),
    (["--span", "E001:0:99999", "x"], "the span must end within it"),
    (["--span", "E999:0:3", "x"], "E999"),
    (["--document", "E001", "--code", "wages", "x"], "exactly one of"),
    (["--journal"], "the memo is empty"),
    (["--code", "nope", "x"], "nope"),
    (["--code", "wagez", "x"], "no code with key 'wagez' in the project's codebook (did you mean wages?)"),
    (["--journal", "--file", "missing.txt"], "--file missing.txt: no such file"),
])
def test_bad_memos_are_refused_and_nothing_is_written(study, args, message):
    result = run(study, "memo", "add", "--coder", "alice", *args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert memo_rows(study) == []


def test_the_database_refuses_a_span_outside_its_text(study):
    """Whoever writes (a script, raw SQL), a passage memo's span stays inside its document's text."""
    with study.session() as session:
        doc_id, length = session.execute(text("SELECT id, length(text) FROM document WHERE external_id = 'E001'")).one()
        coder = session.execute(text("SELECT id FROM coder WHERE name = 'alice'")).scalar_one()
    for start, end, document in ((0, length + 1, doc_id), (4, 2, doc_id), (0, 3, None)):
        with pytest.raises(Exception, match="(?i)memo span|ck_memo_span"):
            with study.session() as session:
                session.execute(text('INSERT INTO memo (coder_id, document_id, start, "end", title, text, '
                                     "created_at, updated_at) VALUES (:c, :d, :s, :e, '', 'x', :t, :t)"),
                                {"c": coder, "d": document, "s": start, "e": end, "t": "2026-12-06 07:00:00"})
    assert memo_rows(study) == []


def test_export_memos_markdown_docx_and_pseudonymised(study, tmp_path):
    from cotag.privacy.pseudonyms import load_table

    phrase = "My cousin earns five times more in Berlin."
    with study.session() as session:
        body = session.execute(text("SELECT text FROM document WHERE external_id = 'E001'")).scalar_one()
    start = body.index(phrase)
    run(study, "memo", "add", "--coder", "alice", "--span", f"E001:{start}:{start + len(phrase)}",
        "Compares with Berlin; the cousin Aigerim said the same")
    run(study, "memo", "add", "--coder", "alice", "--journal", "Met Aigerim in Berlin today")
    run(study, "memo", "add", "--coder", "alice", "--code", "wages", "Berlin comes up again")

    md = run(study, "export", "memos")
    assert md.exit_code == 0, md.output
    assert "## Project journal" in md.stdout and "### E001" in md.stdout and "### Wages and income (wages)" in md.stdout
    assert f"> {phrase}" in md.stdout and "Aigerim" in md.stdout

    out = tmp_path / "memos.docx"
    result = run(study, "export", "memos", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["memos"] == 3
    with zipfile.ZipFile(out) as docx:
        body_xml = docx.read("word/document.xml").decode("utf-8")
    assert "Met Aigerim in Berlin today" in body_xml

    refused = run(study, "export", "memos", str(tmp_path / "p.md"), "--pseudonymise")
    assert refused.exit_code == 1 and "has no pseudonyms yet" in refused.output
    table = load_table(study)
    table.add("Berlin", "City-1", "place")
    table.add("Aigerim", "Person-1", "person")
    table.save()
    for name in ("p.md", "p.docx", "p.csv"):
        path = tmp_path / name
        result = run(study, "export", "memos", str(path), "--pseudonymise")
        assert result.exit_code == 0, result.output
        content = (zipfile.ZipFile(path).read("word/document.xml").decode("utf-8") if name.endswith(".docx")
                   else path.read_text(encoding="utf-8"))
        assert "Berlin" not in content and "Aigerim" not in content, name
        assert "City-1" in content and "Person-1" in content, name


def test_edit_a_memo_only_as_its_coder(study):
    added = run(study, "memo", "add", "--coder", "alice", "--journal", "first draft", "--json")
    memo_id = json.loads(added.stdout)["id"]
    edited = run(study, "memo", "edit", str(memo_id), "second draft", "--coder", "alice", "--title", "Day 1")
    assert edited.exit_code == 0 and "updated" in edited.stdout
    refused = run(study, "memo", "edit", str(memo_id), "hijacked", "--coder", "bob")
    assert refused.exit_code == 1 and f"memo {memo_id}: no memo of bob's" in refused.output
    assert memo_rows(study) == [("alice", None, None, None, None, "second draft")]
    kinds = run(study, "memos", "--kind", "journal,diary")
    assert kinds.exit_code == 1 and "unknown memo kind(s) diary" in kinds.output
    with study.session() as session:
        events = session.execute(text("SELECT kind FROM event WHERE kind LIKE 'memo.%' ORDER BY id")).scalars().all()
    assert events == ["memo.add", "memo.edit"]


def test_a_passage_memo_on_units_numbered_from_1(study):
    """`--span ID:uFIRST:uLAST` (or `ID:uN`) takes whole units, numbered as the transcript screen numbers them;
    the memo is stored on their characters, and listings say characters in words."""
    from cotag.store.documents import list_units, require_document

    with study.session() as session:
        document = require_document(session, external_id="E001")
        units = sorted(list_units(session, document_id=int(document.id or 0)), key=lambda u: u.index)
        body = document.text
    added = run(study, "memo", "add", "--coder", "alice", "--span", "E001:u2:u3", "--json", "two sentences")
    assert added.exit_code == 0, added.output
    memo = json.loads(added.stdout)
    assert (memo["start"], memo["end"]) == (units[1].start, units[2].end)
    assert memo["passage"] == " ".join(body[units[1].start:units[2].end].split())
    one = run(study, "memo", "add", "--coder", "alice", "--span", "E001:u1", "the first sentence")
    assert one.exit_code == 0, one.output
    assert f"passage in E001 (characters {units[0].start}-{units[0].end})" in one.stdout
    assert f'"{body[units[0].start:units[0].end]}"' in one.stdout
    for spec, message in (("E001:u0", "units are numbered from 1"), ("E001:u3:u2", "first unit comes after"),
                          (f"E001:u1:u{len(units) + 1}", f"E001 has units 1-{len(units)}"),
                          ("E001:u1:5", "DOCUMENT:uFIRST:uLAST")):
        refused = run(study, "memo", "add", "--coder", "alice", "--span", spec, "x")
        assert refused.exit_code == 1 and message in refused.output, (spec, refused.output)
    assert len(memo_rows(study)) == 2
