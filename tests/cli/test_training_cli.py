"""`cotag train` and `cotag train report`: a trainee codes documents that have a consensus and is scored
against it; the practice codings never enter agreement, reconciling, exports or the consensus."""

from __future__ import annotations

import json

import pytest
from factories import make_codes, make_document
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from cotag.cli import app
from cotag.store.coders import consensus_coder, get_or_create_coder
from cotag.store.codings import add_coding
from cotag.store.models import Document

TURNS = [("R", ["We left for work.", "My sister was there.", "It rained all day."])]
# unit spans in make_document's layout: "R: " then sentences separated by one space
S1, S2, S3 = (3, 20), (21, 41), (42, 60)


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def code(session, coder: str, document: str, key: str, span: tuple[int, int], codes) -> None:
    coder_row = consensus_coder(session) if coder == "consensus" else get_or_create_coder(session, name=coder)
    doc = session.exec(select(Document).where(Document.external_id == document)).one()
    add_coding(session, document_id=doc.id, code_id=codes[key].id, coder_id=coder_row.id, start=span[0],
               end=span[1])


@pytest.fixture
def study(project):
    """anna and ben code E000 and E001; the consensus covers E000 and E001; E002 has no consensus."""
    with project.session() as session:
        for i in range(3):
            make_document(session, f"E{i:03}", TURNS)
        codes = make_codes(session, [("work", "Work"), ("family", "Family")])
        get_or_create_coder(session, name="lena", role="lead")
        for coder, doc, key, span in [("anna", "E000", "work", S1), ("ben", "E000", "work", S1),
                                      ("anna", "E000", "family", S2), ("ben", "E000", "family", S3),
                                      ("anna", "E001", "work", S1), ("ben", "E001", "work", S1),
                                      ("consensus", "E000", "work", S1), ("consensus", "E000", "family", S2),
                                      ("consensus", "E001", "work", S1), ("consensus", "E001", "family", S2)]:
            code(session, coder, doc, key, span, codes)
    project.codes = codes
    return project


def agreement(project) -> dict:
    result = run(project, "agreement", "--include-unfinished", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_train_refuses_documents_without_consensus_naming_them(study):
    result = run(study, "train", "--coder", "tina", "--documents", "E000,E002", "--lead", "lena")
    assert result.exit_code == 1
    assert "E002 has no consensus yet" in result.output and "Traceback" not in result.output
    with study.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM training")).scalar() == 0


def test_train_refuses_a_coder_who_coded_the_document_and_a_plain_coder_as_lead(study):
    refused = run(study, "train", "--coder", "anna", "--documents", "E000", "--lead", "lena")
    assert refused.exit_code == 1 and "anna has already coded E000" in refused.output
    not_lead = run(study, "train", "--coder", "tina", "--documents", "E000", "--lead", "ben")
    assert not_lead.exit_code == 1 and "not a lead" in not_lead.output


def test_practice_never_changes_agreement_reconcile_or_exports_and_is_scored(study):
    before = agreement(study)
    reconcile_before = run(study, "reconcile", "list", "--json")
    export_before = run(study, "export", "quotes", "--all-coders")
    given = run(study, "train", "--coder", "tina", "--documents", "E000,E001", "--lead", "lena")
    assert given.exit_code == 0, given.output
    assert "tina trains on E000, E001" in given.output
    again = run(study, "train", "--coder", "tina", "--documents", "E001", "--lead", "lena", "--json")
    assert json.loads(again.output)["already"] == ["E001"]
    with study.session() as session:
        # tina agrees on work in E000, misses family in E000, adds family where the consensus has none
        code(session, "tina", "E000", "work", S1, study.codes)
        code(session, "tina", "E001", "work", S1, study.codes)
        code(session, "tina", "E001", "family", S3, study.codes)
        tina = get_or_create_coder(session, name="tina")
        from cotag.store.progress import touch
        touch(session, coder_id=tina.id, document_id=session.exec(select(Document).where(
            Document.external_id == "E000")).one().id, status="done")
    after = agreement(study)
    assert after == before
    assert "tina" not in json.dumps(after["coders"] if "coders" in after else after)
    reconcile_after = run(study, "reconcile", "list", "--json")
    assert reconcile_before.exit_code == 0 and reconcile_after.exit_code == 0, reconcile_after.output
    assert reconcile_after.output == reconcile_before.output
    export_after = run(study, "export", "quotes", "--all-coders")
    assert export_before.exit_code == 0 and "anna" in export_before.output, export_before.output
    assert export_after.output == export_before.output and "tina" not in export_after.output

    report = run(study, "train", "report", "--coder", "tina", "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    assert data["documents"] == ["E000", "E001"]
    rows = {r["code"]: r for r in data["codes"]}
    assert rows["work"]["alpha"] == pytest.approx(1.0)
    assert not rows["work"]["misses"] and not rows["work"]["extras"]
    family = rows["family"]
    assert [(m["document"], m["start"]) for m in family["misses"]] == [("E000", S2[0]), ("E001", S2[0])]
    assert [(m["document"], m["start"]) for m in family["extras"]] == [("E001", S3[0])]
    assert family["alpha"] is not None and family["alpha"] < 0.5
    assert family["rules"]["include"] == ["include family"] and family["rules"]["exclude"] == ["exclude family"]
    table = run(study, "train", "report", "--coder", "tina")
    assert "missed (the consensus has it): E000" in table.output and "include: include family" in table.output
    log = json.loads(run(study, "log", "--json").output)
    assert any(e["kind"] == "train.assign" and e["payload"]["coder"] == "tina" for e in log)


def test_report_refuses_an_unknown_unit_cleanly(study):
    result = run(study, "train", "report", "--coder", "anna", "--unit", "words")
    assert result.exit_code == 1 and "unknown unit 'words'; use turn, sentence or char" in result.output
    assert "Traceback" not in result.output


def test_report_without_training_documents_says_how(study):
    with study.session() as session:
        get_or_create_coder(session, name="tina")
    result = run(study, "train", "report", "--coder", "tina")
    assert result.exit_code == 1 and "cotag train --coder tina --documents" in result.output


def test_practice_stays_out_of_the_matrix_the_qdpx_file_and_progress(study, tmp_path):
    import zipfile

    assert run(study, "assign", "--coders", "anna,ben", "--documents", "E000,E001", "--overlap", "1",
               "--lead", "lena").exit_code == 0
    matrix_before = run(study, "export", "matrix", "--by", "group", "--all-coders", "--format", "md").output
    progress_before = json.loads(run(study, "progress", "--json").output)
    assert run(study, "train", "--coder", "tina", "--documents", "E000", "--lead", "lena").exit_code == 0
    with study.session() as session:
        code(session, "tina", "E000", "family", S3, study.codes)
    assert run(study, "export", "matrix", "--by", "group", "--all-coders", "--format", "md").output == matrix_before
    after = json.loads(run(study, "progress", "--json").output)
    assert [r["coder"] for r in after["coders"]] == ["anna", "ben"]
    assert after["coders"] == progress_before["coders"] and after["overlap"] == progress_before["overlap"]
    # The .qdpx file carries no practice coding (another tool, or cotag importing it, would count it as work),
    # and says so.
    exported = run(study, "export", "qdpx", str(tmp_path / "study.qdpx"))
    assert exported.exit_code == 0, exported.output
    assert "1 practice coding(s) of trainees left out" in exported.output
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        project_xml = archive.read("project.qde").decode("utf-8")
    import re

    tina = re.search(r'<User guid="([^"]+)" name="tina"', project_xml)
    assert tina is None or f'creatingUser="{tina.group(1)}"' not in project_xml
    assert 'name="anna"' in project_xml


def test_a_document_is_study_work_or_practice_for_a_coder_never_both(study):
    assert run(study, "assign", "--coders", "tina", "--documents", "E001", "--lead", "lena").exit_code == 0
    refused = run(study, "train", "--coder", "tina", "--documents", "E000,E001", "--lead", "lena")
    assert refused.exit_code == 1 and "tina is assigned E001 as study work" in refused.output
    assert run(study, "train", "--coder", "tina", "--documents", "E000", "--lead", "lena").exit_code == 0
    clash = run(study, "assign", "--coders", "tina,ben", "--documents", "E000", "--overlap", "1", "--lead", "lena")
    assert clash.exit_code == 1 and "cannot assign E000 to tina" in clash.output
    moved = run(study, "assign", "--document", "E001", "--coders", "ben", "--lead", "lena")
    assert moved.exit_code == 0, moved.output
    back = run(study, "assign", "--document", "E001", "--coders", "tina", "--lead", "lena")
    assert back.exit_code == 0  # E001 is not her practice
    assert json.loads(run(study, "assignments", "--coder", "tina", "--json").output)[0]["document"] == "E001"
    unknown = run(study, "assignments", "--coder", "tian")
    assert unknown.exit_code == 1 and "no coder named 'tian'" in unknown.output


def test_the_report_puts_each_ruling_beside_the_miss_it_settled(study):
    disagreements = json.loads(run(study, "reconcile", "list", "--coders", "anna,ben", "--json").output)
    family = next(d for d in (disagreements if isinstance(disagreements, list) else disagreements["disagreements"])
                  if d["code"] == "family" and d["document"] == "E000")
    ruled = run(study, "reconcile", "decide", family["id"], "--keep", "a", "--lead", "lena", "--coders", "anna,ben",
                "--note", "a sister is family")
    assert ruled.exit_code == 0, ruled.output
    assert run(study, "train", "--coder", "tina", "--documents", "E000,E001", "--lead", "lena").exit_code == 0
    with study.session() as session:
        code(session, "tina", "E000", "work", S1, study.codes)
        code(session, "tina", "E001", "work", S1, study.codes)
    data = json.loads(run(study, "train", "report", "--coder", "tina", "--json").output)
    misses = {m["document"]: m for m in next(r for r in data["codes"] if r["code"] == "family")["misses"]}
    # E000's miss is the passage the lead ruled on: the ruling stands beside it; E001's has none.
    assert [(r["ruling"], r["note"], r["lead"]) for r in misses["E000"]["rulings"]] == [
        ("a", "a sister is family", "lena")]
    assert misses["E001"]["rulings"] == []
    table = run(study, "train", "report", "--coder", "tina").output
    assert "ruling by lena: a - a sister is family" in table


def test_training_on_a_part_reconciled_document_is_said(study):
    assert run(study, "reconcile", "agreed", "--coders", "anna,ben", "--lead", "lena").exit_code == 0
    given = run(study, "train", "--coder", "tina", "--documents", "E000,E001", "--lead", "lena", "--json")
    assert given.exit_code == 0, given.output
    # E000: anna and ben still disagree on family (S2 against S3); E001 has nothing open.
    assert json.loads(given.output)["unfinished"] == [{"document": "E000", "coders": ["anna", "ben"], "open": 1}]
    with study.session() as session:
        code(session, "tina", "E000", "work", S1, study.codes)
    assert "note: E000 still has 1 open disagreement(s) between anna and ben" in run(
        study, "train", "report", "--coder", "tina").output
    disagreement = json.loads(run(study, "reconcile", "list", "--coders", "anna,ben", "--open", "--json").output)[0]
    assert run(study, "reconcile", "decide", disagreement["id"], "--keep", "a", "--lead", "lena",
               "--coders", "anna,ben").exit_code == 0
    assert json.loads(run(study, "train", "report", "--coder", "tina", "--json").output)["unfinished"] == []
