"""`cotag codings list|import` and `cotag code`: codings for scripts, checked tables in, clean errors."""

from __future__ import annotations

import json

import pytest
from factories import make_codes, make_document
from typer.testing import CliRunner

from cotag.cli import app
from cotag.coding import CodingSession
from cotag.services.coding import open_transcript
from cotag.store.codings import list_codings
from cotag.store.models import STATUS_RETIRED

SENTENCES = ["Salaries are low here.", "My brother left for Berlin.", "Corruption is everywhere."]


@pytest.fixture
def study(sqlite_project):
    with sqlite_project.session() as session:
        doc = make_document(session, "E001", [("Interviewer", ["Why did people leave?"]), ("Respondent", SENTENCES)])
        make_document(session, "G002", [("Respondent", ["I stayed."])], group="graduate")
        codes = make_codes(session, [("push", "Push"), ("wages", "Wages", "push", "1"), ("network", "Networks"),
                                     ("old", "Old")])
        codes["old"].status = STATUS_RETIRED
        doc_id = doc.id
    units = open_transcript(sqlite_project, document_id=doc_id, coder_ids=[], progress_coder_id=0).units
    return sqlite_project, doc_id, units


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def rows(project):
    with project.session() as session:
        return [(r.document, r.code, r.coder, r.start, r.end, r.memo) for r in list_codings(session)]


def write(tmp_path, text: str):
    path = tmp_path / "codings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_list_json_has_text_and_memo_and_filters(study):
    project, doc_id, units = study
    alice, bob = CodingSession(project, coder="alice"), CodingSession(project, coder="bob")
    alice.apply(document_id=doc_id, code="wages", start=units[1].start, end=units[1].end, memo="pay")
    bob.apply(document_id=doc_id, code="network", start=units[2].start, end=units[2].end)
    result = run(project, "codings", "list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"document": "E001", "code": "wages", "coder": "alice", "start": units[1].start, "end": units[1].end,
         "unit_start": 2, "unit_end": 2, "text": SENTENCES[0], "memo": "pay"},
        {"document": "E001", "code": "network", "coder": "bob", "start": units[2].start, "end": units[2].end,
         "unit_start": 3, "unit_end": 3, "text": SENTENCES[1], "memo": ""}]
    only_bob = json.loads(run(project, "codings", "list", "--coder", "bob", "--json").stdout)
    assert [r["coder"] for r in only_bob] == ["bob"]
    assert json.loads(run(project, "codings", "list", "--code", "wages", "--document", "E001", "--json").stdout)[0][
        "code"] == "wages"
    table = run(project, "codings", "list")
    assert table.exit_code == 0 and "Salaries are low here." in table.stdout and "2 coding(s)" in table.stdout
    # A coding over two sentences (its last word in the second) lists both units, numbered from 1 as the
    # transcript's status line numbers them.
    alice.apply(document_id=doc_id, code="network", start=units[1].start + 4, end=units[2].start + 3)
    across = json.loads(run(project, "codings", "list", "--coder", "alice", "--code", "network", "--json").stdout)
    assert (across[0]["unit_start"], across[0]["unit_end"]) == (2, 3)
    assert " 2-3 " in run(project, "codings", "list", "--coder", "alice", "--code", "network").stdout


def test_list_names_an_unknown_coder(study):
    project, _, _ = study
    result = run(project, "codings", "list", "--coder", "zed")
    assert result.exit_code == 1
    assert "error: no coder named 'zed'" in result.stderr


def test_import_offsets_units_and_unit_ranges(study, tmp_path):
    project, _, units = study
    path = write(tmp_path, "document,coder,code,start,end,unit,unit_start,unit_end,memo\n"
                           f"E001,alice,wages,{units[1].start},{units[1].start + 8},,,,low pay\n"
                           "E001,bob,network,,,3,,,\n"  # units are numbered from 1: units[2] is unit 3
                           "E001,bob,wages,,,,2,4,\"long, with comma\"\n"
                           "E001,bob,network,,,3,,,\n")  # the same row twice is added once
    result = run(project, "codings", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 3 coding(s) from 4 row(s); 1 already present" in result.stdout
    assert "new coders: alice, bob" in result.stdout
    assert rows(project) == [
        ("E001", "wages", "alice", units[1].start, units[1].start + 8, "low pay"),
        ("E001", "wages", "bob", units[1].start, units[3].end, "long, with comma"),
        ("E001", "network", "bob", units[2].start, units[2].end, "")]
    again = run(project, "codings", "import", str(path), "--json")
    assert json.loads(again.stdout)["added"] == 0 and json.loads(again.stdout)["already_present"] == 4


def test_import_reports_every_bad_row_by_line_and_adds_nothing(study, tmp_path):
    project, _, _ = study
    path = write(tmp_path, "document,coder,code,start,end,unit\n"
                           "E001,alice,wages,0,5,\n"  # line 2: fine
                           "X999,alice,wages,0,5,\n"  # line 3: no such document
                           "E001,alice,nope,0,5,\n"  # line 4: no such code
                           "E001,alice,old,0,5,\n"  # line 5: retired
                           "E001,alice,wages,9,3,\n"  # line 6: start after end
                           "E001,,wages,,,1\n"  # line 7: no coder
                           "E001,alice,wages,,,99\n"  # line 8: no such unit
                           "E001,alice,wages,x,5,\n"  # line 9: not a number
                           "E001,alice,wages,,,\n"  # line 10: no position
                           "E001,alice,wages,,,0\n")  # line 11: units are numbered from 1
    result = run(project, "codings", "import", str(path))
    assert result.exit_code == 1
    err = result.stderr
    assert "9 bad row(s) of 10, nothing imported" in err
    for line, words in [(3, "no document 'X999'"), (4, "no code with key 'nope'"), (5, "code 'old' (Old) is retired"),
                        (6, "span 9–3 is not inside"), (7, "coder is empty"), (8, "unit 99 is not in the document"),
                        (9, "start 'x' is not a whole number"), (10, "no position"),
                        (11, "unit 0: units are numbered from 1")]:
        assert f"line {line}: {words}" in err, (line, err)
    assert "line 2:" not in err
    assert rows(project) == []


def test_import_needs_the_columns(study, tmp_path):
    project, _, _ = study
    result = run(project, "codings", "import", str(write(tmp_path, "document,code,start,end\nE001,wages,0,5\n")))
    assert result.exit_code == 1 and "line 1: missing column(s) coder" in result.stderr
    result = run(project, "codings", "import", str(write(tmp_path, "document,coder,code,memo\nE001,a,wages,x\n")))
    assert result.exit_code == 1 and "needs start,end (offsets) or unit" in result.stderr


def test_consensus_rows_need_a_lead(study, tmp_path):
    project, _, units = study
    path = write(tmp_path, "document,coder,code,unit\nE001,consensus,wages,2\n")
    refused = run(project, "codings", "import", str(path))
    assert refused.exit_code == 1 and "line 2: rows for the 'consensus' coder need --lead NAME" in refused.stderr
    assert rows(project) == []
    accepted = run(project, "codings", "import", str(path), "--lead", "lena")
    assert accepted.exit_code == 0, accepted.output
    assert rows(project) == [("E001", "wages", "consensus", units[1].start, units[1].end, "")]


def test_code_command_opens_the_app_for_the_coder(study, monkeypatch):
    project, _, _ = study
    opened = {}

    def fake_run(self, *args, **kwargs):
        opened.update(coder=self.coding_session.actor, lead=self.lead, start=self._start)

    from cotag.tui.app import CotagApp

    monkeypatch.setattr(CotagApp, "run", fake_run)
    result = run(project, "code", "--coder", "alice", "--document", "G002")
    assert result.exit_code == 0, result.output
    assert opened["coder"] == "alice" and not opened["lead"] and opened["start"][0] is not None
    missing = run(project, "code", "--coder", "alice", "--document", "NOPE")
    assert missing.exit_code == 1 and "no document with id 'NOPE'" in missing.stderr
