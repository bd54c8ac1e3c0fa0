"""`cotag attributes export|import` from the command line: the report, --dry-run, clean errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_attributes import attributes, write_transcript  # noqa: E402


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), "attributes", *args])


def test_export_edit_import(sqlite_project, tmp_path):
    from cotag import services

    folder = tmp_path / "t"
    write_transcript(folder, "E001")
    write_transcript(folder, "E002", gender="male", age=45, extra="Nobody stays.")
    assert services.import_transcripts(sqlite_project, paths=[folder]).ok
    out = tmp_path / "people.csv"
    result = run(sqlite_project, "export", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 2 documents with 5 attributes" in result.stdout
    text = out.read_text(encoding="utf-8").replace("E002,expert,male,45", "E002,expert,male,46")
    out.write_text(text, encoding="utf-8")

    dry = run(sqlite_project, "import", str(out), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "E002  age: '45' -> '46'" in dry.stdout and "dry run: nothing was changed" in dry.stdout
    assert attributes(sqlite_project)["E002"]["age"] == 45

    done = run(sqlite_project, "import", str(out), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["changes"] == [{"document": "E002", "attribute": "age", "old": 45, "new": 46}]
    assert attributes(sqlite_project)["E002"]["age"] == 46


def test_bad_cell_is_a_clean_error(sqlite_project, tmp_path):
    from cotag import services

    folder = tmp_path / "t"
    write_transcript(folder, "E001")
    assert services.import_transcripts(sqlite_project, paths=[folder]).ok
    sheet = tmp_path / "s.csv"
    sheet.write_text("id,age\nE001,old\n", encoding="utf-8")
    result = run(sqlite_project, "import", str(sheet))
    assert result.exit_code == 1
    assert f"error: nothing was changed:\n{sheet}: row 2, column age: 'old' is not a number" in result.output
    assert "Traceback" not in result.output
    assert attributes(sqlite_project)["E001"]["age"] == 38
