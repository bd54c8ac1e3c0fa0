"""What the lead reads about rounds from the command line: `cotag progress` per round (what is left),
`cotag agreement --by-round` with intervals and the drift between rounds, and the methods paragraph on the rounds.
On SQLite and PostgreSQL (the `project` fixture)."""

from __future__ import annotations

import json

import pytest
from factories import make_codes, make_document
from typer.testing import CliRunner

from cotag.cli import app
from cotag.services import team as assignments

TURNS = [("R", [f"Sentence {t}.{i} of the answer." for i in range(4)]) for t in range(3)]


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def code(project, coder: str, document: str, units: list[int], key: str = "push", *, done: bool = True) -> None:
    from sqlmodel import select

    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import Code, Document, Unit

    with project.session() as session:
        who = get_or_create_coder(session, name=coder)
        doc = session.exec(select(Document).where(Document.external_id == document)).one()
        code_row = session.exec(select(Code).where(Code.key == key)).one()
        for index in units:
            unit = session.exec(select(Unit).where(Unit.document_id == doc.id, Unit.index == index)).one()
            coding_store.add_coding(session, document_id=doc.id, code_id=code_row.id, coder_id=who.id,
                                    start=unit.start, end=unit.end)
        if done:
            progress_store.touch(session, coder_id=who.id, document_id=doc.id, status="done")


@pytest.fixture
def two_rounds(project):
    """r1 (closed): E000-E002, anna and ben agree on every push; r2 (open): E003-E005, they part ways on some.
    zed (never assigned) codes E000 against everyone: a round's agreement must stay anna's and ben's."""
    with project.session() as session:
        for i in range(8):
            make_document(session, f"E{i:03}", TURNS, group="expert" if i % 2 else "graduate")
        make_codes(session, [("push", "Push"), ("pull", "Pull")])
    assignments.start_round(project, name="r1", lead="lena", documents=["E000", "E001", "E002"])
    assignments.assign(project, coders=["anna", "ben"], lead="lena", round_name="r1", overlap=1.0, seed=1)
    for document in ("E000", "E001", "E002"):
        for coder in ("anna", "ben"):
            code(project, coder, document, [0, 3, 7, 10])
            code(project, coder, document, [5], key="pull")
    code(project, "zed", "E000", [1, 2, 4, 6, 8, 9, 11])
    assignments.close_round(project, name="r1", lead="lena")
    assignments.start_round(project, name="r2", lead="lena")
    assignments.assign(project, coders=["anna", "ben"], lead="lena", round_name="r2", overlap=0.5,
                       documents=["E003", "E004", "E005", "E006"], stratify="group", seed=2)
    overlap = [r["document"] for r in assignments.list_assignments(project, round_name="r2") if r["overlap"]]
    for document in overlap:
        code(project, "anna", document, [0, 3, 7, 10])
        code(project, "ben", document, [0, 4, 8, 10], done=False)
        code(project, "anna", document, [5], key="pull")
        code(project, "ben", document, [5, 6], key="pull", done=False)
    return project, overlap


def test_progress_says_per_round_what_is_left(two_rounds):
    project, overlap = two_rounds
    result = run(project, "progress")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("round "))
    assert lines[header].split() == ["round", "state", "documents", "assignments", "done", "left", "docs", "left"]
    r1 = lines[header + 1].split()
    r2 = lines[header + 2].split()
    # r1: 3 documents x 2 coders, all done. r2: 4 documents, 2 in the overlap (2 coders), 2 with one coder:
    # 6 assignments; anna finished her overlap documents, ben none; nobody finished a single-coder one.
    assert r1 == ["r1", "closed", "3", "6", "6", "0", "0"]
    assert r2 == ["r2", "open", "4", "6", "2", "4", "4"]
    data = json.loads(run(project, "progress", "--json").output)
    assert [(r["round"], r["assignments"], r["done"], r["left"], r["documents_left"]) for r in data["rounds"]] == [
        ("r1", 6, 6, 0, 0), ("r2", 6, 2, 4, 4)]
    only = json.loads(run(project, "progress", "--round", "r2", "--json").output)
    assert [r["round"] for r in only["rounds"]] == ["r2"]
    # Assignments outside any round have a row of their own: every live assignment is in exactly one row.
    assignments.assign(project, coders=["carl"], lead="lena", documents=["E007"])
    data = json.loads(run(project, "progress", "--json").output)
    assert data["rounds"][-1] == {"round": "(no round)", "started": False, "closed": False, "documents": 1,
                                  "assignments": 1, "done": 0, "left": 1, "documents_left": 1, "unassigned": 0}
    assert sum(r["assignments"] for r in data["rounds"]) == sum(c["assigned"] for c in data["coders"])


def test_alpha_so_far_leaves_out_an_overlap_coder_who_has_not_started(two_rounds):
    project, _ = two_rounds
    assignments.start_round(project, name="r3", lead="lena")
    assignments.assign(project, coders=["anna", "ben", "carl"], lead="lena", round_name="r3", overlap=1.0,
                       documents=["E007"])
    code(project, "anna", "E007", [0, 1])
    code(project, "ben", "E007", [0, 2])
    overlap = assignments.progress(project, round_name="r3")["overlap"]
    assert overlap["coders"] == ["anna", "ben"] and overlap["alpha"] is not None
    table = run(project, "progress", "--round", "r3")
    assert "alpha so far on the overlap sample (1 document(s), anna, ben)" in table.output


def test_by_round_gives_intervals_and_the_drift_with_the_rounds_coders(two_rounds):
    project, _ = two_rounds
    result = run(project, "agreement", "--by-round", "--include-unfinished", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    r1, r2 = data["rounds"]
    # Each round compares the coders assigned in it, not zed who also coded E000.
    assert r1["compared"] == r2["compared"] == ["anna", "ben"]
    assert r1["report"]["coders"] == ["anna", "ben"]
    # Intervals by default (1000 replicates), per code and pooled.
    push = next(c for c in r2["report"]["views"]["all"]["codes"] if c["code"] == "push")
    assert push["ci"]["replicates"] == 1000 and push["ci"]["lo"] <= push["alpha"] <= push["ci"]["hi"]
    step = data["drift"]["push"][0]
    assert (step["from"], step["to"]) == ("r1", "r2")
    assert step["before"] == pytest.approx(1.0) and step["after"] < 1.0
    assert step["change"] == pytest.approx(step["after"] - step["before"])
    assert step["change_ci"] is not None and step["change_ci"][0] <= step["change"] <= step["change_ci"][1]
    assert "(pooled)" in data["drift"]
    table = run(project, "agreement", "--by-round", "--include-unfinished")
    assert "== drift: each code's alpha per round [95% interval]" in table.output
    assert any(line.startswith("push ") and "r1->r2" not in line and "[" in line for line in table.output.splitlines())
    md = run(project, "agreement", "--by-round", "--include-unfinished", "--format", "md").output
    headings = [line for line in md.splitlines() if line.startswith("# ")]
    assert [h.split(" (")[0] for h in headings] == ["# Round r1", "# Round r2", "# Drift: each code's alpha per round"
                                                    " [95% interval] and its change between consecutive rounds"
                                                    " [approximate 95% interval]"]
    assert "| code | r1 | r2 | r1->r2 |" in md
    # --bootstrap 0 leaves the intervals out, and says how to get them.
    quick = run(project, "agreement", "--by-round", "--include-unfinished", "--bootstrap", "0")
    assert "(no intervals: run with --bootstrap N, N > 0)" in quick.output
    # Without --by-round, no bootstrap unless asked (the default stays 0).
    plain = json.loads(run(project, "agreement", "--include-unfinished", "--format", "json").output)
    assert plain["bootstrap"] in (0, None)


def test_the_methods_paragraph_describes_the_rounds(two_rounds):
    project, overlap = two_rounds
    result = run(project, "agreement", "--by-round", "--include-unfinished", "--format", "methods")
    assert result.exit_code == 0, result.output
    overall, rounds = result.output.split("\n\n")
    assert overall.startswith("2 coders coded the interviews blind in cotag: anna") and "zed" not in overall
    assert rounds.startswith("Coding proceeded in 2 rounds, planned in cotag")
    assert "Round r1 ran from" in rounds and "Round r2 ran from" in rounds and "still open" in rounds
    assert (f"4 documents, coded by anna and ben; {len(overlap)} of them were coded by every coder "
            "(a share of 0.5, stratified by group; seed 2)") in rounds
    assert "From r1 to r2, pooled alpha changed by" in rounds and "approximate 95% interval" in rounds
