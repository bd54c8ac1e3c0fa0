"""The application layer: each use case runs in its own transaction, committed whole or not at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from cotag.errors import CotagError
from cotag.store.coders import get_or_create_coder
from cotag.store.models import Code, Coding, Document, Event
from tests.factories import make_codes, make_document

REPO = Path(__file__).resolve().parents[2]


def _study(project):
    with project.session() as session:
        doc = make_document(session, "E001", [("Anna", ["One.", "Two.", "Three."])], group="expert")
        make_document(session, "G001", [("Boris", ["Four."])], group="graduate")
        codes = make_codes(session, [("push", "Push"), ("wages", "Wages", "push"), ("jobs", "Jobs", "push")])
        alice = get_or_create_coder(session, name="alice")
        get_or_create_coder(session, name="lena", role="lead")
        session.add(Coding(document_id=doc.id, code_id=codes["wages"].id, coder_id=alice.id, start=0, end=4))
        return {"doc": doc.id, "wages": codes["wages"].id}


def test_load_codebook_file_commits_codes_and_its_event(project):
    from cotag.services import load_codebook_file  # the old flat import path still works

    report = load_codebook_file(project, path=REPO / "codebooks" / "migration.yaml", actor="lena")
    with project.session() as session:  # a new transaction sees what the service committed
        keys = set(session.exec(select(Code.key)))
        logged = session.exec(select(Event).where(Event.kind == "codebook.load")).all()
    assert report["codes"] == len(keys) > 10
    assert len(logged) == 1 and logged[0].actor == "lena"


def test_a_failed_operation_leaves_nothing_behind(project):
    from cotag.services.codebook import run_operation

    _study(project)
    result = run_operation(project, "rename", key="wages", name="Pay", new_key="pay", lead="lena")
    assert result["new_key"] == "pay"
    with project.session() as session:
        assert session.exec(select(Code.name).where(Code.key == "pay")).one() == "Pay"
        before = (len(session.exec(select(Event)).all()), sorted(session.exec(select(Code.key))))
    # Merging into a key that does not exist fails after the lead was checked: no event, no change.
    with pytest.raises(CotagError):
        run_operation(project, "merge", source="jobs", target="nowhere", lead="lena")
    with pytest.raises(CotagError, match="unknown codebook operation"):
        run_operation(project, "explode", key="jobs", lead="lena")
    with project.session() as session:
        after = (len(session.exec(select(Event)).all()), sorted(session.exec(select(Code.key))))
    assert after == before


def test_status_counts_through_a_plain_connection(project):
    from cotag.services.corpus import status

    _study(project)
    data = status(project)
    assert data["documents"] == {"expert": 1, "graduate": 1}
    assert (data["units"], data["codes"], data["coders"], data["codings"]) == (4, 3, 2, 1)
    with project.session() as session:  # retiring a code and removing the coding show at once
        code = session.exec(select(Code).where(Code.key == "jobs")).one()
        code.status = "retired"
        session.add(code)
        coding = session.exec(select(Coding)).one()
        coding.deleted_at = coding.created_at
        session.add(coding)
    data = status(project)
    assert (data["codes"], data["codings"]) == (2, 0)


def test_overview_names_what_the_models_define():
    from cotag.project import CODEBOOK_JOURNAL_MARK
    from cotag.refi import journal
    from cotag.store import models, overview

    assert overview.STATUS_ACTIVE == models.STATUS_ACTIVE
    tables = {models.Document.__tablename__, models.Unit.__tablename__, models.Code.__tablename__,
              models.Coder.__tablename__, models.Coding.__tablename__}
    assert tables == {"document", "unit", "code", "coder", "coding"}
    assert CODEBOOK_JOURNAL_MARK == journal._JOURNAL_MARK


def test_attribute_import_commits_and_a_dry_run_does_not(project, tmp_path):
    from cotag.services.corpus import export_attributes, import_attributes

    _study(project)
    sheet = tmp_path / "attributes.csv"
    export_attributes(project, sheet)
    sheet.write_text("id,group,age\nE001,expert,41\nG001,graduate,\n", encoding="utf-8")
    dry = import_attributes(project, sheet, dry_run=True, actor="lena")
    assert [c.attribute for c in dry.changes] == ["age"]
    with project.session() as session:
        assert "age" not in (session.exec(select(Document).where(Document.external_id == "E001")).one().attributes)
    import_attributes(project, sheet, actor="lena")
    with project.session() as session:
        assert session.exec(select(Document).where(Document.external_id == "E001")).one().attributes["age"] == 41
        assert session.exec(select(Event).where(Event.kind == "attributes.import")).one().actor == "lena"


def test_rounds_and_assignments_through_the_services(project):
    from cotag.services import team

    _study(project)
    started = team.start_round(project, name="pilot", lead="lena", documents=["E001"])
    assert started["documents"] == ["E001"]
    plan = team.assign(project, coders=["alice", "bob"], lead="lena", round_name="pilot")
    assert [row["document"] for row in plan["documents"]] == ["E001"]
    assert [row["coders"] for row in team.list_assignments(project, round_name="pilot")] in ([["alice"]], [["bob"]])
    team.close_round(project, name="pilot", lead="lena")
    with pytest.raises(CotagError, match="closed"):
        team.assign(project, coders=["alice"], lead="lena", round_name="pilot")
    (row,) = team.rounds(project)
    assert row["closed_by"] == "lena"


def test_importing_the_services_package_loads_no_database_library():
    code = ("import sys, cotag.services; from cotag.services import load_codebook_file, status; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pandas', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO / "src")}).stdout.strip()
    assert out == "[]"
