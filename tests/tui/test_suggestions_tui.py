"""Suggestions in the coding screen: ghost labels, accepted (a coding whose source says so) or dismissed for good."""

from __future__ import annotations

import json

from tui_helpers import live, settle

from cotag.store.codings import coding_source, list_codings
from cotag.store.events import list_events
from cotag.suggest.data import read_training
from cotag.suggest.live import DISMISS, EVALUATION_FILE
from cotag.suggest.model import MODEL_FILE, Suggester
from cotag.tui.app import make_app
from cotag.tui.screens.transcript import TranscriptScreen
from cotag.tui.widgets.suggestions import SuggestionHint
from cotag.tui.widgets.transcript_view import TranscriptView

SIZE = (100, 30)
EXAMPLES = {"wages": ["the wages were too low for a young doctor", "my salary was too low"],
            "corruption": ["the corruption in the hospitals made me tired", "bribes everywhere"],
            "network": ["my brother was already in Berlin", "friends were already there"]}


def train(project, *, passed=("wages", "corruption", "network"), include_coders: bool = False) -> Suggester:
    """A codebook-only suggester for the study, saved with an evaluation that let `passed` through."""
    from cotag.store.models import Code

    with project.session() as session:
        for code in session.exec(__import__("sqlmodel").select(Code)):
            if code.key in EXAMPLES:
                code.examples = EXAMPLES[code.key]
                session.add(code)
    with project.session() as session:
        data = read_training(session)
    data.include_coders = include_coders
    model = Suggester.train(data)
    model.save(project.root / MODEL_FILE)
    (project.root / EVALUATION_FILE).write_text(json.dumps({
        "against": "consensus", "threshold": 0.667, "passed": list(passed),
        "training_hash": model.meta["training_hash"], "codebook_hash": model.meta["codebook_hash"],
        "include_coders": include_coders}), encoding="utf-8")
    return model


def view(app) -> TranscriptView:
    return app.screen.query_one(TranscriptView)


async def test_off_by_default_then_accepted_with_its_source_and_undone(study):
    train(study.project)
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        assert view(app).cursor == 1  # "I left in 2019 because the wages were too low ..."
        assert view(app).ghosts == {}
        assert not app.screen.query_one(SuggestionHint).has_class("-on")
        await pilot.press("ctrl+y")  # off: nothing is accepted
        await settle(pilot)
        assert live(study.project) == []

        await pilot.press("ctrl+g")
        await settle(pilot)
        assert view(app).ghosts == {1: ("wages",)}
        assert app.screen.query_one(SuggestionHint).has_class("-on")
        assert "wages" in str(app.screen.query_one(SuggestionHint).render())
        await pilot.press("ctrl+y")
        await settle(pilot)
        unit = study.units[1]
        assert live(study.project) == [("E001", "wages", "alice", unit.start, unit.end, "")]
        with study.project.session() as session:
            (row,) = list_codings(session)
            source = coding_source(session, coding_id=row.id)
        assert source is not None and source.startswith("suggestion model=") and " score=" in source
        assert view(app).ghosts == {}  # accepted: no longer a suggestion
        await pilot.press("u")  # an accepted suggestion is undone like any coding
        await settle(pilot)
        assert live(study.project) == []


async def test_dismissed_suggestion_stays_dismissed_for_that_coder(study):
    train(study.project)
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert view(app).ghosts == {1: ("wages",)}
        await pilot.press("ctrl+w")
        await settle(pilot)
        assert view(app).ghosts == {}
        await pilot.press("j", "j")  # "Also the corruption in the hospitals made me tired."
        await settle(pilot)
        assert view(app).ghosts == {3: ("corruption",)}
    assert live(study.project) == []
    with study.project.session() as session:
        events = list_events(session, kind=DISMISS)
    assert [(e.actor, e.payload["code"], e.payload["start"]) for e in events] == [("alice", "wages", study.units[1].start)]

    # Later, in a new session: still dismissed for alice, but not for bob.
    study.project.config["suggest"] = {"show": True}
    for coder, expected in (("alice", {}), ("bob", {1: ("wages",)})):
        app = make_app(study.project, coder=coder, document="E001")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert view(app).cursor == 1
            assert view(app).ghosts == expected, coder


async def test_only_codes_that_passed_evaluation_are_offered(study):
    train(study.project, passed=("corruption",))
    study.project.config["suggest"] = {"show": True}
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).ghosts == {}  # wages did not pass
        await pilot.press("j", "j")
        await settle(pilot)
        assert view(app).ghosts == {3: ("corruption",)}
        await pilot.press("ctrl+g")  # [suggest] show = true only turns them on at start: the key turns them off
        await settle(pilot)
        assert view(app).ghosts == {} and not app.screen.query_one(SuggestionHint).has_class("-on")
        await pilot.press("k", "j")
        await settle(pilot)
        assert view(app).ghosts == {}


async def test_the_lead_restricts_blind_coders(study):
    # A suggester that learnt from coders' codings is not shown to a coder by default ("blind")...
    train(study.project, include_coders=True)
    study.project.config["suggest"] = {"show": True}
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).ghosts == {}
        assert "coders' codings" in str(app.screen.query_one(SuggestionHint).render())
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert live(study.project) == []
    # ... and with [suggest] coders = "none" a coder sees none at all, even from a blind-safe suggester,
    train(study.project)
    study.project.config["suggest"] = {"show": True, "coders": "none"}
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).ghosts == {}
    # while the lead still does (and the consensus coding records the suggestion).
    app = make_app(study.project, coder="lena", lead=True, owner="consensus", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).ghosts == {1: ("wages",)}
        await pilot.press("ctrl+y")
        await settle(pilot)
    assert [r[1:3] for r in live(study.project)] == [("wages", "consensus")]


def test_the_side_panel_names_the_similar_unit():
    from cotag.tui.widgets.suggestions import describe

    reason = {"kind": "similar", "document": "E010", "unit": 254, "start": 10, "end": 40,
              "text": "I like that I can walk to work.", "similarity": 0.95}
    assert describe([reason]).startswith("like E010 u254: I like that")
    assert describe([{"kind": "keyword", "keywords": ["came back"]}, reason]) == "keyword: came back"


async def test_a_coder_is_offered_nothing_on_a_document_the_suggester_learnt_from(study):
    """A trainee practising on a consensus document (or a third coder on a reconciled one) would otherwise be shown
    that document's consensus sentence by sentence: blindness holds there too; the lead still sees them."""
    from cotag.store import codings
    from cotag.store.coders import consensus_coder
    from cotag.store.codes import list_codes

    with study.project.session() as session:
        wages = next(c for c in list_codes(session) if c.key == "wages")
        unit = study.units[1]
        codings.add_codings(session, rows=[{"document_id": study.e001, "code_id": wages.id,
                                            "coder_id": consensus_coder(session).id,
                                            "start": unit.start, "end": unit.end}])
    model = train(study.project)
    assert model.meta["sources"] == ["consensus"] and model.training_documents == {"E001"}
    study.project.config["suggest"] = {"show": True}
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).cursor == 1 and view(app).ghosts == {}
        assert "learnt from its codings" in str(app.screen.query_one(SuggestionHint).render())
        await pilot.press("ctrl+y")
        await settle(pilot)
    assert live(study.project, "alice") == []
    app = make_app(study.project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).ghosts == {1: ("wages",)}
