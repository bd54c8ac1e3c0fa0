"""What people read from the command line: the words of each reading in `reconcile list`, units numbered from 1."""

from __future__ import annotations

import json

from tests.cli.test_lead_cli import ok, study  # noqa: F401  (the fixture, used by name)


def test_reconcile_list_shows_the_words_each_coder_coded_and_units_from_1(study):  # noqa: F811
    project, units, _ = study
    out = ok(project, "reconcile", "list", "--coders", "alice,bob").stdout
    lines = out.splitlines()
    wages = next(i for i, line in enumerate(lines) if " wages " in line)
    assert "unit 1 " in lines[wages] + " " and "0:" not in lines[wages]  # no offsets, the first unit is 1
    assert lines[wages + 1].split() == ["alice:", "“The", "pay", "was", "low.”"]
    assert lines[wages + 2].strip() == "bob: (did not apply this code here)"
    jobs = next(i for i, line in enumerate(lines) if " jobs " in line)
    assert "unit 2 " in lines[jobs] + " " and lines[jobs + 2].strip() == "bob: “Jobs were scarce.”"
    rows = json.loads(ok(project, "reconcile", "list", "--coders", "alice,bob", "--json").stdout)
    assert rows[0]["units"] == [1, 1] and rows[0]["a"][0]["text"] == "The pay was low."
    assert rows[1]["units"] == [2, 2] and rows[1]["b"][0]["text"] == "Jobs were scarce."


def test_documents_show_json_numbers_units_from_1_beside_the_stored_index(study):  # noqa: F811
    project, units, _ = study
    turns = json.loads(ok(project, "documents", "show", "E001", "--json").stdout)["turns"]
    listed = [(u["index"], u["number"], u["start"]) for turn in turns for u in turn["units"]]
    assert listed == [(i, i + 1, start) for i, (start, _) in enumerate(units)]
