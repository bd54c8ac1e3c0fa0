"""`cotag revise`, `cotag revisions` and `cotag revisions review` from the command line (both back ends)."""

from __future__ import annotations

import json

from sqlmodel import select
from typer.testing import CliRunner

from cotag.cli import app
from cotag.store.models import Coding, Document, Event, RevisionItem

OLD = """---
id: E7
---
Interviewer: Why would people leave?

Respondent: Salaries are low here. My cousin earns five times more in Germany! My parents are old.
"""


def cli(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args], catch_exceptions=False)


def _coded(project, tmp_path):
    from factories import make_codes

    from cotag.store.codings import add_coding
    from cotag.store.coders import get_or_create_coder

    path = tmp_path / "E7.md"
    path.write_text(OLD, encoding="utf-8")
    assert cli(project, "import", str(path)).exit_code == 0
    with project.session() as session:
        codes = make_codes(session, [("wages", "Wages"), ("family", "Family")])
        doc = session.exec(select(Document)).one()
        coder = get_or_create_coder(session, name="aliya")
        for key, words in (("wages", "Salaries are low here."), ("wages", "My cousin earns five times more"),
                           ("family", "My parents are old.")):
            start = doc.text.index(words)
            add_coding(session, document_id=doc.id, code_id=codes[key].id, coder_id=coder.id, start=start,
                       end=start + len(words))
    return path


def test_import_of_a_changed_coded_file_points_at_revise(project, tmp_path):
    path = _coded(project, tmp_path)
    path.write_text(OLD.replace("five times", "six times"), encoding="utf-8")
    refused = cli(project, "import", str(path))
    assert refused.exit_code == 1 and "cotag revise" in refused.output


def test_revise_dry_run_then_revise_then_review_then_undo(project, tmp_path):
    path = _coded(project, tmp_path)
    with project.session() as session:
        before = sorted((c.start, c.end, c.code_id) for c in session.exec(select(Coding)))
    path.write_text(OLD.replace("Why would", "So why would").replace("five times", "six times"), encoding="utf-8")

    dry = cli(project, "revise", str(path), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert report["dry_run"] and report["revised"][0]["codings"] == {"kept": 0, "moved": 2, "changed": 1,
                                                                     "orphaned": 0}
    with project.session() as session:
        assert sorted((c.start, c.end, c.code_id) for c in session.exec(select(Coding))) == before

    done = cli(project, "revise", str(path), "--lead", "lena")
    assert done.exit_code == 0, done.output
    assert "changed coding of wages by aliya" in done.output and "'My cousin earns six times more'" in done.output

    listed = json.loads(cli(project, "revisions", "--json").output)
    assert [r["actor"] for r in listed] == ["lena"] and listed[0]["open"] == 1
    [flag] = listed[0]["flagged"]
    shown = cli(project, "revisions", str(listed[0]["id"]))
    assert f"[{flag['item']}] changed coding" in shown.output

    reviewed = cli(project, "revisions", "review", str(listed[0]["id"]), str(flag["item"]), "--remove",
                   "--lead", "lena")
    assert reviewed.exit_code == 0, reviewed.output
    with project.session() as session:
        item = session.exec(select(RevisionItem).where(RevisionItem.number == flag["item"])).one()
        assert item.review == "removed" and session.get(Coding, item.new_id).deleted_at is not None
        assert session.exec(select(Event).where(Event.kind == "revision.review")).one().payload["action"] == "remove"

    undone = cli(project, "revise", "--undo", str(listed[0]["id"]), "--lead", "lena")
    assert undone.exit_code == 0, undone.output
    with project.session() as session:
        live = sorted((c.start, c.end, c.code_id) for c in session.exec(select(Coding).where(
            Coding.deleted_at.is_(None))))
        # The coding the lead removed after the revision stays removed; the others are the originals again.
        assert live == [b for b in before if b[0] != before[1][0]] and len(live) == 2


def test_revise_of_an_unknown_document_is_a_clean_error(project, tmp_path):
    path = tmp_path / "X1.md"
    path.write_text(OLD.replace("id: E7", "id: X1"), encoding="utf-8")
    result = cli(project, "revise", str(path))
    assert result.exit_code == 1 and "no document 'X1'" in result.output and "Traceback" not in result.output
