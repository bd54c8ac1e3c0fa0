"""`cotag assign`, `cotag assignments` and `cotag progress` from the command line."""

from __future__ import annotations

import json

import pytest
from factories import make_document
from sqlalchemy import text
from typer.testing import CliRunner

from cotag.cli import app

SENTENCES = [("R", ["We left for work.", "My sister was there."])]


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


@pytest.fixture
def corpus(project):
    with project.session() as session:
        for i in range(9):
            make_document(session, f"E{i:03}", SENTENCES, group="expert" if i < 6 else "graduate")
    return project


def test_assign_then_list(corpus):
    result = run(corpus, "assign", "--coders", "anna,ben,carl", "--overlap", "0.2", "--stratify", "group",
                 "--seed", "4", "--round", "pilot", "--lead", "lena")
    assert result.exit_code == 0, result.output
    assert "assigned 9 document(s), 2 in the overlap sample" in result.output
    # 0.2 of 6 experts rounds to 1, of 3 graduates to 1 (at least one per stratum)
    assert "overlap sample per group: expert 1 of 6, graduate 1 of 3" in result.output
    listed = json.loads(run(corpus, "assignments", "--json").output)
    assert len(listed) == 9 and {r["round"] for r in listed} == {"pilot"}
    assert sorted(r["document"] for r in listed if r["overlap"]) == sorted(
        r["document"] for r in listed if r["coders"] == ["anna", "ben", "carl"])
    theirs = run(corpus, "assignments", "--coder", "anna")
    assert theirs.exit_code == 0
    assert all("anna" in line for line in theirs.output.splitlines()[:-1])
    with corpus.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assignment")).scalar() == 2 * 3 + 7


def test_dry_run_stores_nothing_and_reassign_is_logged(corpus):
    dry = run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena", "--dry-run", "--json")
    assert dry.exit_code == 0 and json.loads(dry.output)["dry_run"] is True
    with corpus.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assignment")).scalar() == 0
    assert run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena").exit_code == 0
    moved = run(corpus, "assign", "--document", "E003", "--coders", "carl", "--lead", "lena")
    assert moved.exit_code == 0 and "-> carl" in moved.output
    log = run(corpus, "log", "--json")
    assert any(e["kind"] == "assign.reassign" for e in json.loads(log.output))


@pytest.mark.parametrize("args, message", [
    (["--coders", "anna", "--overlap", "2"], "--overlap 2.0"),
    (["--coders", "anna", "--documents", "E001,X9"], "'X9'"),
    (["--coders", "anna,anna"], "more than once"),
    (["--coders", "anna", "--document", "E001", "--overlap", "0.5"], "--document reassigns one document"),
    (["--coders", "anna", "--documents", ""], "--documents needs at least one document id"),
    (["--coders", "anna", "--documents", " , "], "--documents needs at least one document id"),
])
def test_bad_input_is_one_clean_error(corpus, args, message):
    result = run(corpus, "assign", *args, "--lead", "lena")
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    with corpus.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assignment")).scalar() == 0


def test_progress_table_and_json(corpus):
    assert run(corpus, "progress").output.startswith("no assignments")
    assert run(corpus, "assign", "--coders", "anna,ben", "--round", "r1", "--lead", "lena").exit_code == 0
    table = run(corpus, "progress", "--round", "r1")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["coder", "assigned", "started", "done", "codings", "time", "alpha"]
    assert [line.split()[:2] for line in lines[1:3]] == [["anna", "5"], ["ben", "4"]] or \
        [line.split()[:2] for line in lines[1:3]] == [["anna", "4"], ["ben", "5"]]
    assert "not computable: no overlap sample" in table.output
    data = json.loads(run(corpus, "progress", "--json").output)
    assert sum(row["assigned"] for row in data["coders"]) == 9
    assert data["overlap"]["alpha"] is None


def test_rounds_and_agreement_by_round(corpus):
    started = run(corpus, "round", "start", "pilot", "--documents", "E000,E001", "--lead", "lena")
    assert started.exit_code == 0 and "started round 'pilot'" in started.output
    assert run(corpus, "assign", "--coders", "anna,ben", "--round", "pilot", "--overlap", "1",
               "--lead", "lena").exit_code == 0
    assert run(corpus, "round", "close", "pilot", "--lead", "lena").exit_code == 0
    refused = run(corpus, "assign", "--coders", "anna", "--round", "pilot", "--lead", "lena")
    assert refused.exit_code == 1 and "'pilot' was closed" in refused.output
    listed = json.loads(run(corpus, "round", "list", "--json").output)
    assert [(r["round"], r["documents"]) for r in listed] == [("pilot", ["E000", "E001"])]
    # Nobody has coded yet: the round's block says why there is no report, in every format asked for.
    table = run(corpus, "agreement", "--by-round")
    assert table.exit_code == 0, table.output
    assert "== round pilot" in table.output and "not computable" in table.output
    data = json.loads(run(corpus, "agreement", "--by-round", "--format", "json").output)
    assert data["rounds"][0]["round"] == "pilot" and data["rounds"][0]["report"] is None
    bad = run(corpus, "agreement", "--by-round", "--format", "csv")
    assert bad.exit_code == 1 and "--by-round prints table, md, json or methods" in bad.output


def test_progress_time_spent_is_active_time(corpus):
    """Gaps between a coder's recorded actions count up to five minutes each: 2 + 5 (a 40-minute break) = 7."""
    from datetime import datetime, timedelta

    from sqlmodel import select

    from cotag.coding import CodingSession
    from cotag.dashboard import active_time
    from cotag.store.models import Event

    assert active_time([]) == timedelta() and active_time([datetime(2026, 1, 1)]) == timedelta()
    assert run(corpus, "assign", "--coders", "anna", "--documents", "E001", "--lead", "lena").exit_code == 0
    with corpus.session() as session:
        make_codes_once(session)
    work = CodingSession(corpus, coder="anna")
    document_id = corpus_document_id(corpus, "E001")
    for start, end in ((0, 5), (6, 10), (11, 15)):
        work.apply(document_id=document_id, code="work", start=start, end=end)
    with corpus.session() as session:
        events = session.exec(select(Event).where(Event.actor == "anna").order_by(Event.id)).all()
        assert len(events) == 3
        for event, minutes in zip(events, (0, 2, 42)):
            event.at = datetime(2026, 3, 2, 9, 0) + timedelta(minutes=minutes)
            session.add(event)
    data = json.loads(run(corpus, "progress", "--json").output)
    assert data["coders"][0]["time_spent"] == 7 * 60
    assert run(corpus, "progress").output.splitlines()[1].split()[-2:] == ["0h07", "n/a"]  # alone: no alpha
    # A started round counts only the time spent while it was open: these actions came before it.
    assert run(corpus, "round", "start", "later", "--lead", "lena").exit_code == 0
    assert run(corpus, "assign", "--coders", "anna", "--documents", "E002", "--round", "later",
               "--lead", "lena").exit_code == 0
    later = json.loads(run(corpus, "progress", "--round", "later", "--json").output)
    assert later["coders"][0]["time_spent"] == 0


def make_codes_once(session) -> None:
    from factories import make_codes

    make_codes(session, [("work", "Work")])


def corpus_document_id(project, external_id: str) -> int:
    from cotag.store.documents import require_document

    with project.session() as session:
        return require_document(session, external_id=external_id).id


def test_the_main_round_after_a_pilot_plans_only_what_no_round_has(corpus):
    assert run(corpus, "round", "start", "pilot", "--documents", "E000,E001", "--lead", "lena").exit_code == 0
    assert run(corpus, "assign", "--round", "pilot", "--overlap", "1", "--coders", "anna,ben",
               "--lead", "lena").exit_code == 0
    twice = run(corpus, "assign", "--round", "main", "--coders", "anna,ben", "--lead", "lena", "--dry-run")
    assert "note: 2 of these document(s) are also assigned in round 'pilot'" in twice.output
    main = run(corpus, "assign", "--round", "main", "--unassigned", "--coders", "anna,ben", "--lead", "lena",
               "--json")
    assert main.exit_code == 0, main.output
    assert sorted(r["document"] for r in json.loads(main.output)["documents"]) == [f"E{i:03}" for i in range(2, 9)]
    assert json.loads(main.output)["also_in_rounds"] == {}
    # Planning main again re-plans its own documents (they are not another round's).
    again = json.loads(run(corpus, "assign", "--round", "main", "--unassigned", "--coders", "anna,ben,carl",
                           "--lead", "lena", "--json").output)
    assert len(again["documents"]) == 7 and again["replaced"] == 7
    run(corpus, "assign", "--round", "late", "--documents", "E002,E003,E004,E005,E006,E007,E008", "--coders",
        "carl", "--lead", "lena")
    nothing = run(corpus, "assign", "--round", "extra", "--unassigned", "--coders", "anna", "--lead", "lena")
    assert nothing.exit_code == 1 and "that another round has not planned (--unassigned)" in nothing.output
    mixed = run(corpus, "assign", "--document", "E000", "--unassigned", "--coders", "anna", "--lead", "lena")
    assert mixed.exit_code == 1 and "--document reassigns one document" in mixed.output


def test_without_lead_the_projects_only_lead_plans(corpus, monkeypatch):
    monkeypatch.delenv("COTAG_LEAD", raising=False)
    none_yet = run(corpus, "assign", "--coders", "anna,ben", "--overlap", "0.2", "--dry-run")
    assert none_yet.exit_code == 1
    assert "cotag assign is the lead's: name the lead with --lead NAME" in none_yet.output
    assert "no lead yet" in none_yet.output
    assert run(corpus, "round", "start", "pilot", "--lead", "lena").exit_code == 0  # lena becomes the lead
    planned = run(corpus, "assign", "--coders", "anna,ben", "--overlap", "0.2", "--round", "pilot")
    assert planned.exit_code == 0, planned.output
    assert run(corpus, "round", "close", "pilot").exit_code == 0
    log = json.loads(run(corpus, "log", "--json").output)
    assert [(e["kind"], e["actor"]) for e in log if e["kind"].startswith(("assign", "round"))] == [
        ("round.start", "lena"), ("assign.plan", "lena"), ("round.close", "lena")]
    assert run(corpus, "round", "start", "main", "--lead", "mia").exit_code == 0  # a second lead
    two = run(corpus, "round", "close", "main")
    assert two.exit_code == 1 and "this project's leads are lena, mia" in two.output


def test_reassign_is_a_command_of_its_own(corpus):
    assert run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena").exit_code == 0
    owner = next(r["coders"] for r in json.loads(run(corpus, "assignments", "--json").output) if r["document"] == "E003")
    other = "ben" if owner == ["anna"] else "anna"
    moved = run(corpus, "reassign", "E003", "--coders", other, "--lead", "lena")
    assert moved.exit_code == 0 and f"E003: {owner[0]} -> {other}" in moved.output
    same = run(corpus, "reassign", "E003", "--coders", other, "--lead", "lena")
    assert same.exit_code == 0 and f"E003: already {other}'s; nothing changed" in same.output
    log = json.loads(run(corpus, "log", "--json").output)
    assert sum(e["kind"] == "assign.reassign" for e in log) == 1
    missing = run(corpus, "reassign", "E404", "--coders", "anna", "--lead", "lena")
    assert missing.exit_code == 1 and "'E404' has no assignment" in missing.output
    assert "new coder" not in moved.output


def test_a_name_that_is_not_a_coder_yet_is_said_to_be_new(corpus):
    """assign creates coders (a plan comes before they start), so a misspelt name would quietly get documents."""
    dry = run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena", "--dry-run")
    assert "note: new coder(s) anna, ben would be added" in dry.output
    assert json.loads(run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena", "--dry-run", "--json")
                      .output)["new_coders"] == ["anna", "ben"]
    first = run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena")
    assert "note: new coder(s) anna, ben added" in first.output
    again = run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena")
    assert again.exit_code == 0 and "new coder" not in again.output
    typo = run(corpus, "reassign", "E003", "--coders", "anan", "--lead", "lena")
    assert typo.exit_code == 0 and "note: new coder(s) anan added" in typo.output


def test_dry_run_writes_no_row_of_any_kind(corpus):
    def counts():
        with corpus.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                    for t in ("assignment", "coder", "event", "coding_round")}

    before = counts()
    dry = run(corpus, "assign", "--coders", "anna,ben,carl", "--overlap", "0.5", "--stratify", "group",
              "--round", "pilot", "--lead", "newlead", "--dry-run")
    assert dry.exit_code == 0 and "would assign 9 document(s)" in dry.output
    assert counts() == before


def test_progress_names_an_unknown_round(corpus):
    assert run(corpus, "assign", "--coders", "anna,ben", "--lead", "lena", "--round", "pilot").exit_code == 0
    wrong = run(corpus, "progress", "--round", "pilto")
    assert wrong.exit_code == 1 and "no round 'pilto' (rounds: pilot)" in wrong.output
    assert run(corpus, "progress", "--round", "pilot").exit_code == 0
