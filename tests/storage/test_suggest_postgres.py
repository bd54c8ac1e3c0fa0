"""The suggester on a shared PostgreSQL database: a coder's role cannot learn from, evaluate against or be shown
other coders' work through it (row-level security decides what training reads; the lead's setting what is shown)."""

from __future__ import annotations

import json
import uuid

import pytest
from factories import make_codes, make_document
from typer.testing import CliRunner

from cotag.cli import app

pytestmark = pytest.mark.postgres

GARDEN = ["My grandmother grows tomatoes in the greenhouse.", "My father waters the beans behind the dacha."]
OTHER = ["The bus to the city was late again.", "The internet at home is slow."]


@pytest.fixture
def team(postgres_url, tmp_path, monkeypatch):
    """Six documents: the consensus coded D0-D3, coder anna D4 and coder ben D5 (both marked done); anna and ben
    are coders' roles, dana a lead's."""
    from cotag.project import init_project
    from cotag.services.team import add_coder
    from cotag.store import codings, progress
    from cotag.store.coders import consensus_coder, get_coder
    from cotag.store.documents import list_units
    from cotag.store.models import PROGRESS_DONE
    from cotag.team import drop_coder_role

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    owner = init_project(tmp_path / "team", database_url=postgres_url)
    prefix = "c" + uuid.uuid4().hex[:8] + "_"
    names = {short: prefix + short for short in ("anna", "ben", "dana")}
    urls = {short: add_coder(owner, name=name, lead=short == "dana")["url"] for short, name in names.items()}
    try:
        with owner.session() as s:
            made = make_codes(s, [("garden", "Gardening"), ("money", "Money")])
            who = {k: consensus_coder(s) for k in range(4)}
            who[4], who[5] = get_coder(s, name=names["anna"]), get_coder(s, name=names["ben"])
            rows = []
            for k in range(6):
                doc = make_document(s, f"D{k}", [("Interviewer", ["Tell me about home."]),
                                                 ("Aigul", [GARDEN[0], OTHER[0], GARDEN[1], OTHER[1]])])
                units = list_units(s, document_id=doc.id)
                rows += [{"document_id": doc.id, "code_id": made["garden"].id, "coder_id": who[k].id,
                          "start": units[i].start, "end": units[i].end} for i in (1, 3)]
                progress.touch(s, coder_id=who[k].id, document_id=doc.id, status=PROGRESS_DONE)
            codings.add_codings(s, rows=rows)
        yield owner, names, urls
    finally:
        for name in names.values():
            drop_coder_role(owner.engine, name)
        owner.close()


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def test_a_coders_role_learns_from_its_own_work_only(team, monkeypatch):
    owner, names, urls = team
    anna, ben = names["anna"], names["ben"]
    monkeypatch.setenv("COTAG_DATABASE_URL", urls["anna"])
    # blind default: the consensus is hidden from a coder's role, so the codebook alone teaches, and it says why
    result = run(owner, "suggest", "train", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sources"] == [] and data["documents"] == 0
    assert any(f"connected as coder {anna!r}" in n and "row-level security" in n for n in data["notes"])
    # even asking for the coders' work gives only anna's own: ben's codings and progress are not readable
    data = json.loads(run(owner, "suggest", "train", "--include-coders", "--json").stdout)
    assert data["sources"] == [anna] and data["documents"] == 1
    from cotag.suggest.model import MODEL_FILE, Suggester

    model = Suggester.load(owner.root / MODEL_FILE)
    assert {ref[0] for ref in model.similar_refs} == {"D4"}  # no unit of another coder's document to point to
    result = run(owner, "suggest", "evaluate", "--against", ben)
    assert result.exit_code == 1 and f"cannot read {ben}'s codings" in result.output
    result = run(owner, "suggest", "evaluate")
    assert result.exit_code == 1 and "cannot read the consensus" in result.output
    # the role appends its own audit events (row-level security allows only actor = the role)
    monkeypatch.delenv("COTAG_DATABASE_URL")
    from cotag.store.events import list_events

    with owner.session() as s:
        assert [e.actor for e in list_events(s, kind="suggest.train")] == [anna, anna]


def test_the_lead_learns_from_the_consensus_and_a_coder_is_not_shown_coders_work(team, monkeypatch):
    owner, names, urls = team
    monkeypatch.setenv("COTAG_DATABASE_URL", urls["dana"])
    result = run(owner, "suggest", "train", "--json", "--lead", "someone-else")
    assert result.exit_code == 0, result.output  # the lead's role is logged as itself, not refused by the database
    data = json.loads(result.stdout)
    assert data["sources"] == ["consensus"] and data["documents"] == 4 and data["notes"] == []
    data = json.loads(run(owner, "suggest", "train", "--include-coders", "--json").stdout)
    assert data["sources"] == ["consensus", names["anna"], names["ben"]]
    # that model learnt from coders' codings: a coder's role is shown nothing from it, whatever --coder says
    monkeypatch.setenv("COTAG_DATABASE_URL", urls["anna"])
    result = run(owner, "suggest", "D5", "--coder", names["dana"])
    assert result.exit_code == 1 and f"no suggestions for {names['anna']}" in result.output
    assert "learnt from coders' codings" in result.output
    monkeypatch.delenv("COTAG_DATABASE_URL")
    from cotag.store.events import list_events

    with owner.session() as s:
        assert [e.actor for e in list_events(s, kind="suggest.train")] == [names["dana"], names["dana"]]
