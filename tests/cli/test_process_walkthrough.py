"""docs/process.md runs as written: every command of its `sh` blocks, in order, on the demo project (but the two
that open the app), each exiting cleanly; and what they leave behind is what the page says they do."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "process.md"


def walkthrough() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_walkthrough_is_in_sh_blocks_and_marks_what_opens_the_app():
    lines = walkthrough()
    assert lines[0].startswith("cotag demo") and lines[1] == "cd study"
    assert all(line.startswith(("cotag ", "cd ")) for line in lines)
    opens = [line for line in lines if "# opens the app" in line]
    assert [shlex.split(line)[1] for line in opens] == ["code", "code", "reconcile"]


@pytest.mark.slow
def test_every_command_of_the_walkthrough_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    monkeypatch.delenv("COTAG_LEAD", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ruling = None
    outputs: dict[str, str] = {}
    for line in walkthrough():
        if "# opens the app" in line:
            continue
        words = shlex.split(line)
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            continue
        if "<ID>" in words:
            assert ruling is not None, f"{line}: no disagreement listed before it"
            words = [ruling if w == "<ID>" else w for w in words]
        result = runner.invoke(app, words[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
        assert "Traceback" not in result.output
        outputs[line] = result.output
        if words[1:3] == ["reconcile", "list"] and ruling is None:
            ruling = result.output.split()[0]
    # What the steps left: two rounds (the pilot closed), the main round planned over the other documents with a
    # stratified fifth double coded, the ruling an include example, tia's practice scored, the methods paragraph.
    rounds = json.loads(runner.invoke(app, ["round", "list", "--json"]).output)
    assert [(r["round"], r["closed_at"] is not None) for r in rounds] == [("pilot", True), ("main", False)]
    assert len(rounds[1]["documents"]) == 187 - 4 and len(rounds[1]["overlap_documents"]) == 37
    assert "would assign 183 document(s), 37 in the overlap sample" in next(
        out for line, out in outputs.items() if line.endswith("--dry-run"))
    assert "version: 2" in (Path.cwd() / "codebook.yaml").read_text(encoding="utf-8")
    progress = json.loads(outputs["cotag progress --round main --json"])
    assert progress["overlap"]["alpha"] is not None
    assert [r["left"] for r in progress["rounds"]] == [0]
    report = outputs["cotag train report --coder tia"]
    assert report.startswith("training report: tia against the consensus on 1 document(s) (E001)")
    methods = outputs["cotag agreement --by-round --format methods"]
    assert "Coding proceeded in 2 rounds" in methods and "stratified by group; seed 1" in methods
    assert "tia" not in methods
