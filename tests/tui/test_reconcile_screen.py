"""The reconcile screen driven with Pilot: rule, resume, revisit, edit, refuse; checked against the database."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cotag.errors import CotagError
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder
from cotag.store.documents import list_units
from cotag.store.models import Coding, Decision, Event
from cotag.tui.app import Reconcile, make_app
from cotag.tui.modals.prompt import TextPrompt
from cotag.tui.modals.ruling import RulingEditor
from cotag.tui.screens.log import LogScreen
from cotag.tui.screens.reconcile import ReconcileScreen
from tests.factories import make_codes, make_document

SIZE = (120, 36)


@pytest.fixture
def disputed(sqlite_project):
    """Three disagreements between alice and bob in E001, one agreed span."""
    project = sqlite_project
    with project.session() as session:
        doc = make_document(session, "E001", [("Anna", ["The pay was low.", "Jobs were scarce.", "Rent is high."]),
                                              ("Interviewer", ["And now?"]), ("Anna", ["I miss home."])])
        codes = make_codes(session, [("wages", "Wages"), ("jobs", "Jobs"), ("homeland", "Homeland")])
        alice, bob = get_or_create_coder(session, name="alice"), get_or_create_coder(session, name="bob")
        get_or_create_coder(session, name="lena", role="lead")
        units = [(u.start, u.end) for u in list_units(session, document_id=doc.id)]
        for coder, code, unit, memo in ((alice, "wages", 0, "pay is low"), (bob, "jobs", 1, ""),
                                        (alice, "wages", 2, ""), (alice, "homeland", 4, ""),
                                        (bob, "homeland", 4, "")):
            coding_store.add_coding(session, document_id=doc.id, code_id=codes[code].id, coder_id=coder.id,
                                    start=units[unit][0], end=units[unit][1], memo=memo)
    return project, units


async def settle(pilot) -> None:
    await pilot.app.settle()
    await pilot.pause()


def make_reconcile_app(project, *, lead: str, coders: list[str]):
    """What `cotag reconcile --lead NAME --coders A,B` opens: the app, on the reconcile screen."""
    return make_app(project, coder=lead, lead=True, reconcile=Reconcile(coders=coders))


def decisions(project):
    with project.session() as session:
        return [(d.ruling, d.note, d.superseded_at is None) for d in session.exec(select(Decision).order_by(Decision.id))]


def consensus(project):
    with project.session() as session:
        return [(r.code, r.start, r.end) for r in coding_store.list_codings(session, coders=["consensus"])]


def kinds(project):
    with project.session() as session:
        return [e.kind for e in session.exec(select(Event).order_by(Event.id))]


def screen(app) -> ReconcileScreen:
    assert isinstance(app.screen, ReconcileScreen)
    return app.screen


def static_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_rule_resume_and_revisit(disputed):
    project, units = disputed
    app = make_reconcile_app(project, lead="lena", coders=["alice", "bob"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rc = screen(app)
        assert [d.code for d in rc.workspace.disagreements] == ["wages", "jobs", "wages"]
        # Opening wrote the agreed span into the consensus.
        assert consensus(project) == [("homeland", *units[4])]
        # Both readings, the memo and the code's rules are on screen.
        assert "pay is low" in static_text(app, "#rc-a") and "did not apply" in static_text(app, "#rc-b")
        # The words alice coded, not their offsets; units numbered from 1 in the list and the passage.
        start, end = units[0]
        assert "“The pay was low.”" in static_text(app, "#rc-a") and f"{start}:{end}" not in static_text(app, "#rc-a")
        assert "E001 · wages · unit 1\n" in static_text(app, "#rc-context")
        listed = app.screen.query_one("#rc-list")
        assert str(listed.get_option_at_index(0).prompt).split()[1:] == ["E001", "wages", "u1"]
        assert "include: include wages" in static_text(app, "#rc-definition")
        assert "ruled 0/3" in static_text(app, "#rc-progress")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"clear", "enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert decisions(project) == [("a", "clear", True)]
        assert ("wages", *units[0]) in consensus(project)
        # On to the next open one (jobs): keep neither.
        assert rc.current.code == "jobs"
        await pilot.press("0")
        await settle(pilot)
        assert "ruled 2/3" in static_text(app, "#rc-progress")
    # Resume: a new session opens on the one disagreement still open.
    app = make_reconcile_app(project, lead="lena", coders=["alice", "bob"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rc = screen(app)
        assert rc.current.status == "open" and rc.current.first_unit == 2
        # Revisit the first ruling: go up to it and keep B (nothing) instead.
        await pilot.press("up", "up")
        await settle(pilot)
        assert rc.current.first_unit == 0 and rc.current.ruling == "a"
        await pilot.press("b")
        await settle(pilot)
    assert decisions(project) == [("a", "clear", False), ("none", "", True), ("b", "", True)]
    assert ("wages", *units[0]) not in consensus(project)
    assert kinds(project).count("reconcile.revisit") == 1 and kinds(project).count("reconcile.decide") == 2


async def test_edit_ruling_and_stale_disagreement(disputed):
    project, units = disputed
    app = make_reconcile_app(project, lead="lena", coders=["alice", "bob"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rc = screen(app)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, RulingEditor)
        # The words of alice's reading are selected, as on the coding screen; one word less, and another code.
        passage = str(app.screen.query_one("#ruling-passage").render())
        assert "The pay was low." in passage
        await pilot.press("shift+left")
        await pilot.pause()
        assert "code: Wages (wages)" in str(app.screen.query_one("#ruling-code").render())
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"jobs", "enter")
        await settle(pilot)
        assert "code: Jobs (jobs)" in str(app.screen.query_one("#ruling-code").render())
        await pilot.press("enter")
        await settle(pilot)
        start, end = units[0]
        assert ("jobs", start, start + len("The pay was")) in consensus(project)
        assert decisions(project) == [("edit", "", True)]
        # A coder changes their codings under the lead's eyes: the ruling is refused, nothing written.
        stale = rc.current
        with project.session() as session:
            row = session.exec(select(Coding).where(Coding.start == stale.start, Coding.deleted_at.is_(None))).first()
            coding_store.soft_delete(session, coding=row)
        before = (decisions(project), consensus(project))
        await pilot.press("a")
        await settle(pilot)
        assert (decisions(project), consensus(project)) == before
        assert "no longer exists" in rc.message or "no disagreement" in rc.message


async def test_a_coder_cannot_open_the_reconcile_screen(disputed):
    project, _ = disputed
    with pytest.raises(CotagError, match="not a lead"):
        make_reconcile_app(project, lead="bob", coders=["alice", "bob"])
    assert decisions(project) == [] and consensus(project) == []


async def test_log_view_lists_events(disputed):
    project, _ = disputed
    app = make_reconcile_app(project, lead="lena", coders=["alice", "bob"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert [row["kind"] for row in app.screen.rows][-2:] == ["reconcile.agreed", "reconcile.decide"]
        assert app.screen.rows[-1]["actor"] == "lena"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReconcileScreen)


async def test_both_coders_memos_on_the_code_and_document_are_shown(disputed):
    from cotag.store.coders import require_coder
    from cotag.store.memos import add_memo
    from cotag.store.models import Code

    project, units = disputed
    with project.session() as session:
        alice, bob = require_coder(session, name="alice"), require_coder(session, name="bob")
        wages = session.exec(select(Code).where(Code.key == "wages")).one()
        doc_id = session.exec(select(Coding.document_id)).first()
        add_memo(session, coder_id=alice.id, code_id=wages.id, title="scope", text="Only pay, not benefits.")
        add_memo(session, coder_id=bob.id, document_id=doc_id, text="Anna talks about money throughout.")
        add_memo(session, coder_id=bob.id, code_id=session.exec(select(Code).where(Code.key == "homeland")).one().id,
                 text="not this one")
        # Passage memos: one on the disputed sentence (shown), one on a sentence far from it (not shown).
        first, last = units[0], units[-1]
        add_memo(session, coder_id=alice.id, document_id=doc_id, start=first[0], end=first[0] + 3, text="irony?")
        add_memo(session, coder_id=alice.id, document_id=doc_id, start=last[0], end=last[1], text="elsewhere")
    app = make_reconcile_app(project, lead="lena", coders=["alice", "bob"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).current.code == "wages"
        a, b = static_text(app, "#rc-a"), static_text(app, "#rc-b")
        assert "memo on wages “scope”: Only pay, not benefits." in a
        assert "memo on E001: Anna talks about money throughout." in b
        assert "memo on these words: irony?" in a
        assert "not this one" not in a + b and "elsewhere" not in a + b
        # A side that did not apply the code says so on its own line, before its memos.
        assert "(did not apply this code here)\nmemo on E001" in b


async def test_rulings_typed_quickly_are_committed_in_order_one_per_disagreement(disputed):
    """No key waits for the database: `a` then `0` at once rule the first and the next open disagreement."""
    project, units = disputed
    app = make_reconcile_app(project, lead="lena", coders=["alice", "bob"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "0", "2")
        await settle(pilot)
        rc = screen(app)
        assert [d.ruling for d in rc.items] == ["a", "none", "both"]
        assert "ruled 3/3" in static_text(app, "#rc-progress")
    assert decisions(project) == [("a", "", True), ("none", "", True), ("both", "", True)]
    with project.session() as session:
        kept = [(e.payload.get("ruling"), e.actor) for e in session.exec(select(Event).order_by(Event.id))
                if e.kind == "reconcile.decide"]
    assert kept == [("a", "lena"), ("none", "lena"), ("both", "lena")]
    # jobs (bob's alone) kept by neither; both wages rulings keep alice's reading.
    assert sorted(consensus(project)) == sorted([("homeland", *units[4]), ("wages", *units[0]), ("wages", *units[2])])


def test_cotag_reconcile_opens_the_one_app_on_the_reconcile_screen(disputed, monkeypatch):
    from typer.testing import CliRunner

    from cotag.cli import app as cli
    from cotag.tui.app import CotagApp

    project, _ = disputed
    opened = {}

    def fake_run(self, *args, **kwargs):
        opened.update(actor=self.coding_session.actor, lead=self.lead, reconcile=self.reconcile)

    monkeypatch.setattr(CotagApp, "run", fake_run)
    result = CliRunner().invoke(cli, ["--project", str(project.root), "reconcile", "--lead", "lena",
                                      "--coders", "alice,bob", "--document", "E001"])
    assert result.exit_code == 0, result.output
    assert opened == {"actor": "lena", "lead": True, "reconcile": Reconcile(coders=["alice", "bob"],
                                                                            documents=["E001"])}
    refused = CliRunner().invoke(cli, ["--project", str(project.root), "reconcile", "--lead", "bob"])
    assert refused.exit_code == 1 and "not a lead" in refused.output and opened["actor"] == "lena"
