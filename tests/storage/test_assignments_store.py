"""Assignments stored on SQLite and PostgreSQL: the plan's rows, reassignment with history and an audit event,
rows that are never rewritten, and on PostgreSQL row-level security with real coder and lead roles."""

from __future__ import annotations

import uuid

import pytest
from factories import make_document
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cotag.services import team as assignments
from cotag.errors import CotagError

SENTENCES = [("R", ["We left for work.", "My sister was there."])]


def _documents(project, count: int = 10) -> None:
    with project.session() as session:
        for i in range(count):
            make_document(session, f"E{i:03}", SENTENCES, attributes={"gender": "fm"[i % 2]})


def _live(project) -> list[tuple[str, str, bool, str]]:
    with project.engine.connect() as conn:
        return sorted(conn.execute(text(
            "SELECT d.external_id, c.name, a.overlap, a.round_name FROM assignment a JOIN document d ON d.id = a.document_id "
            "JOIN coder c ON c.id = a.coder_id WHERE a.removed_at IS NULL")).all())


def test_assign_stores_the_plan(project):
    _documents(project)
    result = assignments.assign(project, coders=["anna", "ben"], lead="lena", overlap=0.2, stratify="gender",
                                round_name="r1", seed=7)
    rows = _live(project)
    overlap_docs = {d for d, _, o, _ in rows if o}
    # One overlap document per gender stratum (0.2 of 5), coded by both; every other document by one coder.
    assert len(overlap_docs) == 2 and {d for d in overlap_docs} == {r["document"] for r in result["documents"] if r["overlap"]}
    assert all(sorted(c for d2, c, _, _ in rows if d2 == d) == ["anna", "ben"] for d in overlap_docs)
    assert len(rows) == 12 and {r[3] for r in rows} == {"r1"}
    per_coder = {name: sum(c == name for _, c, _, _ in rows) for name in ("anna", "ben")}
    assert per_coder == {"anna": 6, "ben": 6}
    # A dry run stores nothing; the same seed gives the same plan.
    again = assignments.assign(project, coders=["anna", "ben"], lead="lena", overlap=0.2, stratify="gender",
                               round_name="r1", seed=7, dry_run=True)
    assert again["documents"] == result["documents"] and _live(project) == rows


def test_reassign_keeps_history_and_is_logged(project):
    _documents(project, 3)
    assignments.assign(project, coders=["anna"], lead="lena")
    out = assignments.reassign(project, document="E001", coders=["ben", "carl"], lead="lena")
    assert out["from"] == ["anna"] and out["to"] == ["ben", "carl"]
    assert [r for r in _live(project) if r[0] == "E001"] == [("E001", "ben", False, ""), ("E001", "carl", False, "")]
    with project.engine.connect() as conn:
        removed = conn.execute(text("SELECT count(*) FROM assignment WHERE removed_at IS NOT NULL")).scalar()
        event = conn.execute(text("SELECT actor, payload FROM event WHERE kind = 'assign.reassign'")).one()
    assert removed == 1
    assert event[0] == "lena"
    assert [r["coders"] for r in assignments.list_assignments(project, coder="carl")] == [["ben", "carl"]]


def test_bad_requests_name_the_value(project):
    _documents(project, 2)
    with pytest.raises(CotagError, match="'E999'"):
        assignments.assign(project, coders=["anna"], lead="lena", documents=["E000", "E999"])
    with pytest.raises(CotagError, match="'shoe_size'"):
        assignments.assign(project, coders=["anna"], lead="lena", stratify="shoe_size")
    with pytest.raises(CotagError, match="'E001' has no assignment"):
        assignments.reassign(project, document="E001", coders=["anna"], lead="lena")
    assignments.assign(project, coders=["anna"], lead="lena")
    with project.session() as session:
        from cotag.store.coders import get_or_create_coder
        get_or_create_coder(session, name="ben")
    with pytest.raises(CotagError, match="ben is a coder, not a lead"):
        assignments.assign(project, coders=["anna"], lead="ben")
    assert len(_live(project)) == 2


def test_an_assignment_is_never_rewritten(project):
    _documents(project, 1)
    assignments.assign(project, coders=["anna"], lead="lena")
    with pytest.raises(DBAPIError, match="never rewritten"):
        with project.engine.begin() as conn:
            conn.execute(text("UPDATE assignment SET overlap = NOT overlap"))
    assert _live(project) == [("E000", "anna", False, "")]


# ---------------------------------------------------------------- PostgreSQL roles

@pytest.fixture
def team(postgres_url, tmp_path, monkeypatch):
    from cotag.project import Project, init_project
    from cotag.services.team import add_coder
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    project = init_project(tmp_path / "team", database_url=postgres_url)
    prefix = "a" + uuid.uuid4().hex[:8] + "_"
    names = {short: prefix + short for short in ("anna", "ben", "lena")}
    urls = {short: add_coder(project, name=name, lead=short == "lena")["url"] for short, name in names.items()}
    _documents(project, 6)
    as_role = {short: Project(root=project.root, config=project.config, database_url=url)
               for short, url in urls.items()}
    yield project, names, as_role
    for p in as_role.values():
        p.close()
    for name in names.values():
        drop_coder_role(project.engine, name)
    project.close()


@pytest.mark.postgres
def test_postgres_coder_sees_only_their_assignments(team):
    project, names, as_role = team
    # The lead plans through their own role: RLS lets a lead insert.
    assignments.assign(as_role["lena"], coders=[names["anna"], names["ben"]], lead=names["lena"], overlap=0.34, seed=1)
    everything = assignments.list_assignments(project)
    anna_sees = assignments.list_assignments(as_role["anna"])
    assert {r["document"] for r in anna_sees} == {r["document"] for r in everything if names["anna"] in r["coders"]}
    # Only her own rows: an overlap document shows her, not ben.
    assert all(r["coders"] == [names["anna"]] for r in anna_sees)
    assert len(assignments.list_assignments(as_role["lena"])) == len(everything) == 6


@pytest.mark.postgres
def test_postgres_coder_cannot_assign(team):
    project, names, as_role = team
    with pytest.raises(CotagError, match="not a lead"):
        assignments.assign(as_role["anna"], coders=[names["anna"]], lead=names["anna"])
    # Even in raw SQL the role may not add or remove an assignment.
    assignments.assign(project, coders=[names["ben"]], lead=names["lena"])
    with pytest.raises(DBAPIError):
        with as_role["anna"].engine.begin() as conn:
            anna = conn.execute(text("SELECT id FROM coder WHERE name = :n"), {"n": names["anna"]}).scalar_one()
            conn.execute(text("INSERT INTO assignment (document_id, coder_id, round_name, overlap, assigned_by, "
                              "created_at) SELECT id, :a, '', false, '', now() FROM document"), {"a": anna})
    with pytest.raises(DBAPIError, match="permission denied"):
        with as_role["anna"].engine.begin() as conn:
            conn.execute(text("UPDATE assignment SET removed_at = now()"))
    assert len(_live(project)) == 6


# ---------------------------------------------------------------- progress

def _code_unit(project, coder: str, document: str, unit: int, *, done: bool = False) -> None:
    from sqlmodel import select

    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import Code, Document, Unit

    with project.session() as session:
        who = get_or_create_coder(session, name=coder)
        doc = session.exec(select(Document).where(Document.external_id == document)).one()
        span = session.exec(select(Unit).where(Unit.document_id == doc.id, Unit.index == unit)).one()
        code = session.exec(select(Code).where(Code.key == "push")).one()
        coding_store.add_coding(session, document_id=doc.id, code_id=code.id, coder_id=who.id,
                                start=span.start, end=span.end)
        if done:
            progress_store.touch(session, coder_id=who.id, document_id=doc.id, status="done")


def _codes(project) -> None:
    from factories import make_codes

    with project.session() as session:
        make_codes(session, [("push", "Push")])


def test_progress_counts_per_coder_and_alpha_on_the_overlap(project):
    _documents(project, 4)
    _codes(project)
    assignments.assign(project, coders=["anna", "ben"], lead="lena", overlap=1.0)
    _code_unit(project, "anna", "E000", 0, done=True)
    _code_unit(project, "anna", "E001", 1)
    _code_unit(project, "ben", "E000", 0)
    data = assignments.progress(project)
    # time spent (active time between recorded actions) is tested with the dashboard; here only its presence
    assert all(row.pop("time_spent") >= 0 for row in data["coders"])
    # Each coder's alpha so far: the mean of their pairs' (one pair here: the pooled figure).
    assert [row.pop("alpha") for row in data["coders"]] == [pytest.approx(1.0), pytest.approx(1.0)]
    assert data["pairs"] == [{"coders": ["anna", "ben"], "alpha": pytest.approx(1.0)}]
    assert data["coders"] == [{"coder": "anna", "assigned": 4, "started": 2, "done": 1, "codings": 2},
                              {"coder": "ben", "assigned": 4, "started": 1, "done": 0, "codings": 1}]
    overlap = data["overlap"]
    assert overlap["coders"] == ["anna", "ben"] and len(overlap["documents"]) == 4
    # Both coded E000's first unit and nothing else in it (anna's E001 has no partner yet): full agreement.
    assert overlap["alpha"] == pytest.approx(1.0) and overlap["reason"] is None


def test_progress_says_why_alpha_is_not_computable(project):
    _documents(project, 2)
    assignments.assign(project, coders=["anna", "ben"], lead="lena")
    assert "no overlap sample" in assignments.progress(project)["overlap"]["reason"]
    assignments.assign(project, coders=["anna", "ben"], lead="lena", overlap=1.0, round_name="r2")
    reason = assignments.progress(project, round_name="r2")["overlap"]["reason"]
    assert reason and "fewer than two of the overlap sample's coders have coded in it yet (none of anna, ben)" in reason


@pytest.mark.postgres
def test_postgres_coder_sees_only_their_own_progress(team):
    project, names, as_role = team
    _codes(project)
    assignments.assign(project, coders=[names["anna"], names["ben"]], lead=names["lena"], overlap=1.0)
    _code_unit(project, names["anna"], "E000", 0)
    _code_unit(project, names["ben"], "E000", 0)
    mine = assignments.progress(as_role["anna"])
    assert [row["coder"] for row in mine["coders"]] == [names["anna"]]
    assert mine["coders"][0]["codings"] == 1
    assert mine["overlap"]["alpha"] is None and "may see" in mine["overlap"]["reason"]
    lead = assignments.progress(as_role["lena"])
    assert [row["coder"] for row in lead["coders"]] == sorted([names["anna"], names["ben"]])
    assert lead["overlap"]["alpha"] == pytest.approx(1.0)


# ---------------------------------------------------------------- rounds

def test_rounds_start_close_and_scope_the_plan(project):
    _documents(project, 6)
    started = assignments.start_round(project, name="pilot", lead="lena", documents=["E000", "E001"])
    assert started["closed_at"] is None
    # With no --documents, a plan in a round that named its documents covers exactly those.
    assignments.assign(project, coders=["anna", "ben"], lead="lena", round_name="pilot", overlap=1.0)
    assert {r[0] for r in _live(project)} == {"E000", "E001"}
    with pytest.raises(CotagError, match="'pilot' was already started"):
        assignments.start_round(project, name="pilot", lead="lena")
    assignments.close_round(project, name="pilot", lead="lena")
    with pytest.raises(CotagError, match="'pilot' was closed"):
        assignments.assign(project, coders=["anna"], lead="lena", round_name="pilot")
    with pytest.raises(CotagError, match="already closed"):
        assignments.close_round(project, name="pilot", lead="lena")
    with pytest.raises(CotagError, match="no round 'main'"):
        assignments.close_round(project, name="main", lead="lena")
    with pytest.raises(CotagError, match="'E404'"):
        assignments.start_round(project, name="main", lead="lena", documents=["E404"])
    assignments.start_round(project, name="main", lead="lena")
    assignments.assign(project, coders=["anna"], lead="lena", round_name="main", documents=["E002", "E003"])
    listed = assignments.rounds(project)
    assert [(r["round"], r["documents"], r["closed_at"] is not None) for r in listed] == [
        ("pilot", ["E000", "E001"], True), ("main", ["E002", "E003"], False)]
    with project.engine.connect() as conn:
        kinds = [k for (k,) in conn.execute(text("SELECT kind FROM event WHERE kind LIKE 'round.%' ORDER BY id"))]
        stored = conn.execute(text("SELECT name, closed_by FROM coding_round ORDER BY id")).all()
    assert kinds == ["round.start", "round.close", "round.start"]
    assert [tuple(r) for r in stored] == [("pilot", "lena"), ("main", "")]


def test_agreement_by_round_and_drift(project):
    from cotag.reliability.units import Selection

    _documents(project, 4)
    _codes(project)
    assignments.start_round(project, name="r1", lead="lena", documents=["E000", "E001"])
    assignments.assign(project, coders=["anna", "ben"], lead="lena", round_name="r1", overlap=1.0)
    assignments.close_round(project, name="r1", lead="lena")
    assignments.start_round(project, name="r2", lead="lena", documents=["E002", "E003"])
    assignments.assign(project, coders=["anna", "ben"], lead="lena", round_name="r2", overlap=1.0)
    # Round 1: they agree on E000's first unit. Round 2: in E002 anna also codes a unit ben does not.
    _code_unit(project, "anna", "E000", 0)
    _code_unit(project, "ben", "E000", 0)
    _code_unit(project, "anna", "E002", 0)
    _code_unit(project, "ben", "E002", 0)
    _code_unit(project, "anna", "E002", 1)
    data = assignments.agreement_by_round(project, Selection(include_unfinished=True))
    alpha = {b["round"]: b["report"].views["all"].rows[0].alpha.value for b in data["rounds"]}
    assert alpha["r1"] == pytest.approx(1.0) and alpha["r2"] < 1.0
    [step] = data["drift"]["push"]
    assert (step["from"], step["to"], step["before"], step["after"]) == ("r1", "r2", 1.0, alpha["r2"])
    assert step["change"] == pytest.approx(alpha["r2"] - 1.0)
    assert step["before_ci"] is None and step["change_ci"] is None  # no bootstrap asked for here


def test_agreement_by_round_needs_a_round(project):
    from cotag.reliability.units import Selection

    with pytest.raises(CotagError, match="no rounds yet"):
        assignments.agreement_by_round(project, Selection())


@pytest.mark.postgres
def test_postgres_names_a_coder_without_a_role(team):
    project, names, as_role = team
    with pytest.raises(CotagError, match="no coder 'nobody_here'.*cotag team add-coder"):
        assignments.assign(as_role["lena"], coders=[names["anna"], "nobody_here"], lead=names["lena"])
    assert _live(project) == []


@pytest.mark.postgres
def test_postgres_a_coders_role_sees_its_own_rounds_progress_and_assignments_only(team):
    project, names, as_role = team
    _codes(project)
    assignments.start_round(as_role["lena"], name="r1", lead=names["lena"])
    assignments.assign(as_role["lena"], coders=[names["anna"], names["ben"]], lead=names["lena"], round_name="r1",
                       overlap=0.34, seed=1)
    _code_unit(project, names["anna"], "E000", 0, done=True)
    everyone = assignments.progress(as_role["lena"])
    mine = assignments.progress(as_role["anna"])
    [lead_round] = everyone["rounds"]
    [anna_round] = mine["rounds"]
    # The lead's row counts both coders' assignments; anna's role counts only hers (what is left for her).
    assert lead_round["assignments"] == 6 + 2  # 6 documents, 2 in the overlap sample coded by both
    assert anna_round["assignments"] == sum(1 for r in assignments.list_assignments(project)
                                            if names["anna"] in r["coders"])
    assert [c["coder"] for c in mine["coders"]] == [names["anna"]]
    # Asking for another coder's assignments as anna's role shows nothing of theirs.
    assert assignments.list_assignments(as_role["anna"], coder=names["ben"]) == []
    assert assignments.list_assignments(as_role["lena"], coder=names["ben"])


@pytest.mark.postgres
def test_postgres_the_commands_run_as_a_coders_role_show_that_coder_only(team, monkeypatch):
    """`cotag assignments`, `cotag progress` and `cotag round list` with COTAG_DATABASE_URL set to the coder's
    login, as a coder on a team database runs them."""
    import json

    from typer.testing import CliRunner

    from cotag.cli import app

    project, names, as_role = team
    _codes(project)
    assignments.start_round(as_role["lena"], name="r1", lead=names["lena"])
    assignments.assign(as_role["lena"], coders=[names["anna"], names["ben"]], lead=names["lena"], round_name="r1",
                       overlap=0.34, seed=1)
    _code_unit(project, names["ben"], "E000", 0, done=True)

    def cli(role: str, *args: str):
        monkeypatch.setenv("COTAG_DATABASE_URL", str(as_role[role].database_url))
        result = CliRunner().invoke(app, ["--project", str(project.root), *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    listed = cli("anna", "assignments", "--json")
    assert listed and all(row["coders"] == [names["anna"]] for row in listed)
    progress = cli("anna", "progress", "--json")
    assert [row["coder"] for row in progress["coders"]] == [names["anna"]]
    assert progress["coders"][0]["codings"] == 0 and progress["coders"][0]["done"] == 0  # ben's work is not hers
    assert progress["rounds"][0]["assignments"] == len(listed) and progress["overlap"]["alpha"] is None
    assert [r["round"] for r in cli("anna", "round", "list", "--json")] == ["r1"]
    lead = cli("lena", "progress", "--json")
    assert sorted(row["coder"] for row in lead["coders"]) == sorted([names["anna"], names["ben"]])
    assert lead["rounds"][0]["done"] == 1


def test_reassigning_says_whose_codings_stay(project):
    _documents(project, 2)
    _codes(project)
    assignments.assign(project, coders=["anna"], lead="lena", documents=["E000"])
    _code_unit(project, "anna", "E000", 0)
    moved = assignments.reassign(project, document="E000", coders=["ben"], lead="lena")
    assert moved["from"] == ["anna"] and moved["to"] == ["ben"] and moved["kept_codings"] == {"anna": 1}
    again = assignments.reassign(project, document="E000", coders=["ben", "carl"], lead="lena")
    assert again["kept_codings"] == {}  # ben stays on it; nobody taken off has codings
