"""`cotag codebook example`: a ruling becomes an include or exclude example of its code, in the YAML file
(comments kept, version up by one), in the project's codebook, and in the audit log."""

from __future__ import annotations

import json

import pytest
from factories import make_document
from typer.testing import CliRunner

from cotag import services
from cotag.services import reconcile as reconcile_service
from cotag.cli import app
from cotag.store.coders import get_or_create_coder
from cotag.store.codes import require_code
from cotag.store.codings import add_coding

CODEBOOK = """\
# Our study's codebook: the team keeps notes here.
codebook: Migration
version: 3
codes:
  - key: work   # economic reasons
    name: Work
    include: [their own job]
  - key: family
    name: Family
"""
# 'R: We left for work. My sister was there.\\n': units 3-20 and 21-41
TURNS = [("R", ["We left for work.", "My sister was there."])]


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


@pytest.fixture
def ruled(project):
    path = project.root / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    services.load_codebook_file(project, path=path)
    with project.session() as session:
        doc = make_document(session, "E001", TURNS)
        get_or_create_coder(session, name="lena", role="lead")
        work = require_code(session, key="work")
        anna = get_or_create_coder(session, name="anna")
        add_coding(session, document_id=doc.id, code_id=work.id, coder_id=anna.id, start=21, end=41)
        ben = get_or_create_coder(session, name="ben")
        family = require_code(session, key="family")
        add_coding(session, document_id=doc.id, code_id=family.id, coder_id=ben.id, start=3, end=20)
    [disagreement] = [d for d in reconcile_service.list_disagreements(project, coders=["anna", "ben"]) if d["code"] == "work"]
    reconcile_service.rule(project, disagreement_id=disagreement["id"], ruling="none", lead="lena", coders=["anna", "ben"],
                   note="a sister is family, not work")
    project.ruling_id = disagreement["id"]
    return project


def test_a_ruling_becomes_an_exclude_example_keeping_comments(ruled):
    path = ruled.root / "codebook.yaml"
    result = run(ruled, "codebook", "example", "--ruling", ruled.ruling_id, "--exclude", "--lead", "lena",
                 "--coders", "anna,ben", "--codebook", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == 4 and data["code"] == "work" and data["kind"] == "exclude"
    text = path.read_text(encoding="utf-8")
    assert "# Our study's codebook: the team keeps notes here." in text and "# economic reasons" in text
    assert "version: 4" in text
    assert f'e.g. "My sister was there." (E001, ruling {ruled.ruling_id}: a sister is family, not work)' in text
    from cotag.codebook import load_codebook

    assert load_codebook(path).get("work").exclude == [data["text"]]
    assert load_codebook(path).get("work").include == ["their own job"]
    with ruled.session() as session:
        assert require_code(session, key="work").exclude == [data["text"]]
    log = json.loads(run(ruled, "log", "--json").output)
    assert any(e["kind"] == "codebook.example" and e["payload"]["ruling"] == ruled.ruling_id for e in log)

    again = run(ruled, "codebook", "example", "--ruling", ruled.ruling_id, "--exclude", "--lead", "lena",
                "--coders", "anna,ben", "--codebook", str(path))
    assert again.exit_code == 1 and "already an exclude example" in again.output
    assert "version: 4" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["--ruling", "nope", "--include"], "no ruling on disagreement 'nope'"),
    (["--include", "--exclude"], "choose one of --include and --exclude"),
])
def test_bad_requests_leave_the_file_alone(ruled, args, message):
    path = ruled.root / "codebook.yaml"
    if "--ruling" not in args:
        args = ["--ruling", ruled.ruling_id, *args]
    result = run(ruled, "codebook", "example", *args, "--lead", "lena", "--codebook", str(path))
    assert result.exit_code != 0 and message in result.output
    assert path.read_text(encoding="utf-8") == CODEBOOK


def test_a_plain_coder_may_not_add_examples(ruled):
    path = ruled.root / "codebook.yaml"
    result = run(ruled, "codebook", "example", "--ruling", ruled.ruling_id, "--include", "--lead", "anna",
                 "--codebook", str(path))
    assert result.exit_code == 1 and "not a lead" in result.output
    assert path.read_text(encoding="utf-8") == CODEBOOK
