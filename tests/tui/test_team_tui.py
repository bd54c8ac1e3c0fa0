"""The coding app on a shared PostgreSQL project, each coder on their own database role: blind coding, the
lead's view, and a lead's codebook change made on another connection while a coder's app is running."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from tui_helpers import build_study, live, settle

from cotag import codebook_ops, services
from cotag.project import Project, init_project
from cotag.services.team import add_coder
from cotag.team import drop_coder_role
from cotag.tui import app as app_module
from cotag.tui.app import make_app
from cotag.tui.screens.transcript import TranscriptScreen
from cotag.tui.widgets.codebook_panel import CodebookTree
from cotag.tui.widgets.transcript_view import TranscriptView

pytestmark = pytest.mark.postgres

SIZE = (100, 30)


class PgStudy:
    """The Pilot study (tests/tui/tui_helpers.py) on a fresh PostgreSQL schema, with login roles per coder."""

    def __init__(self, owner: Project):
        self.owner = owner
        self.study = build_study(owner)
        self.prefix = "u" + uuid.uuid4().hex[:8] + "_"
        self.projects: list[Project] = []
        self.roles: list[str] = []

    def role(self, short: str, *, lead: bool = False) -> tuple[str, Project]:
        """A coder role made by `cotag team add-coder`, and the project as that role opens it."""
        name = self.prefix + short
        url = add_coder(self.owner, name=name, lead=lead)["url"]
        self.roles.append(name)
        project = Project(root=self.owner.root, config=self.owner.config, database_url=url)
        self.projects.append(project)
        return name, project

    def close(self) -> None:
        for project in self.projects:
            project.close()
        # Roles are server-wide: drop them (and their grants) before the schema goes.
        for name in self.roles:
            drop_coder_role(self.owner.engine, name)
        self.owner.close()


@pytest.fixture
def pg(postgres_url, tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    made = PgStudy(init_project(tmp_path / "team", database_url=postgres_url))
    yield made
    made.close()


def view(app) -> TranscriptView:
    return app.screen.query_one(TranscriptView)


def tree_names(app) -> list[str]:
    found: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if child.data is not None:
                found.append(child.data.name)
            walk(child)

    walk(app.screen.query_one(CodebookTree).root)
    return found


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def wait_for(pilot, condition, *, seconds: float = 10.0) -> None:
    """Let the app run (its timers and workers) until condition() holds; the poll is real, not called by hand."""
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    assert condition(), "the running app did not pick up the change"


async def test_coder_on_own_role_applies_a_code_on_postgres(pg):
    anna, project = pg.role("anna")
    app = make_app(project, coder=anna, document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        await pilot.press("j", "shift+down", "1")
        await settle(pilot)
        u2, u3 = pg.study.units[2], pg.study.units[3]
        assert live(pg.owner) == [("E001", "wages", anna, u2.start, u3.end, "")]
        assert view(app).marks_at(2) and view(app).marks_at(3)
        await pilot.press("1")  # the same code on the same span toggles off: a soft delete, not a DELETE
        await settle(pilot)
        assert live(pg.owner) == []
        assert not [n for n in notes(app) if "refused" in n or "Error" in n]


async def test_two_coders_at_once_are_blind_and_the_lead_sees_both(pg):
    anna, anna_project = pg.role("anna")
    ben, ben_project = pg.role("ben")
    lena, lead_project = pg.role("lena", lead=True)
    apps = {anna: make_app(anna_project, coder=anna, document="E001"),
            ben: make_app(ben_project, coder=ben, document="E001")}
    async with apps[anna].run_test(size=SIZE) as pa, apps[ben].run_test(size=SIZE) as pb:
        await settle(pa)
        await settle(pb)
        # Both code the same sentence with different codes, interleaved, each app in its own transactions.
        await asyncio.gather(pa.press("1"), pb.press("2"))
        await pa.press("j", "3")
        await settle(pa)
        await settle(pb)
        u1, u2 = pg.study.units[1], pg.study.units[2]
        assert sorted(live(pg.owner)) == sorted([("E001", "wages", anna, u1.start, u1.end, ""),
                                                 ("E001", "network", anna, u2.start, u2.end, ""),
                                                 ("E001", "corruption", ben, u1.start, u1.end, "")])
        # Each app shows only its own coder's codings, and on reload still sees nobody else's.
        for name, pilot in ((anna, pa), (ben, pb)):
            app = pilot.app
            app.screen.load(pg.study.e001)
            await settle(pilot)
            owners = {m.coder_id for m in app.screen.own}
            assert owners == {app.coding_session.owner_id}
            # The others are listed (coder names are not secret) but their codings are hidden by the database.
            assert {c.name: c.codings for c in app.other_coders(pg.study.e001)}[anna if name == ben else ben] == 0
            assert app.coding_session.marks(document_id=pg.study.e001, coder_ids=[c.id for c in
                                            app.other_coders(pg.study.e001)]) == []
    # The lead's app lists both coders and overlays their codings.
    lead_app = make_app(lead_project, coder=lena, lead=True, document="E001")
    async with lead_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        others = {c.name: c.codings for c in lead_app.other_coders(pg.study.e001)}
        assert others[anna] == 2 and others[ben] == 1
        lead_app.screen.action_toggle_overlay()
        await settle(pilot)
        assert {lead_app.coder_names[m.coder_id] for m in lead_app.screen.others} == {anna, ben}


def write_codebook(folder) -> str:
    """The study's codebook (tests/tui/tui_helpers.py) as a file, version 2, with one new code: family."""
    path = folder / "codebook.yaml"
    path.write_text("""codebook: Study
version: 2
codes:
  - key: push
    name: Push factors
    children:
      - {key: wages, name: Wages, shortcut: "1"}
      - {key: corruption, name: Corruption, shortcut: "2"}
  - key: pull
    name: Pull factors
    children:
      - {key: network, name: Networks, shortcut: "3"}
      - {key: family, name: Family, shortcut: "5"}
""", encoding="utf-8")
    return str(path)


async def test_running_app_picks_up_the_leads_codebook_changes(pg, tmp_path, monkeypatch):
    """A new code loaded, a rename and a retirement, on other connections: the coder's app shows them unrestarted."""
    monkeypatch.setattr(app_module, "CODEBOOK_POLL", 0.3)
    anna, project = pg.role("anna")
    lena, lead_project = pg.role("lena", lead=True)
    app = make_app(project, coder=anna, document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Corruption" in tree_names(app) and "Family" not in tree_names(app)
        # The owner loads a new version of the codebook file (`cotag codebook load`) with a new code...
        services.load_codebook_file(pg.owner, path=write_codebook(tmp_path))
        with lead_project.session() as session:  # ...and the lead, on her own role, renames and retires.
            codebook_ops.rename(session, key="wages", lead=lena, name="Low wages")
            codebook_ops.retire(session, key="corruption", lead=lena)
        await wait_for(pilot, lambda: "family" in app.codebook.by_key)
        await settle(pilot)
        names = tree_names(app)
        assert "Family" in names and "Low wages" in names
        assert "Corruption" not in names and "Wages" not in names
        assert "2" not in app.codebook.by_shortcut  # the retired code's key no longer applies it
        assert any("Family" in n and "Corruption" in n and "Low wages" in n for n in notes(app))
        # The new code's key works at once.
        await pilot.press("5")
        await settle(pilot)
        u1 = pg.study.units[1]
        assert live(pg.owner) == [("E001", "family", anna, u1.start, u1.end, "")]


async def test_coding_on_a_code_retired_a_moment_ago_is_refused_with_a_message(pg, monkeypatch):
    """The lead retires a code; before the app has noticed, the coder presses its key: a message, no crash."""
    monkeypatch.setattr(app_module, "CODEBOOK_POLL", 3600)  # the app must not have noticed by itself
    anna, project = pg.role("anna")
    lena, lead_project = pg.role("lena", lead=True)
    app = make_app(project, coder=anna, document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with lead_project.session() as session:
            codebook_ops.retire(session, key="corruption", lead=lena)
        assert app.codebook.by_shortcut["2"].key == "corruption"  # still the stale codebook
        await pilot.press("2")
        await settle(pilot)
        assert live(pg.owner) == []
        assert any("'corruption' (Corruption) is retired and cannot be applied" in n for n in notes(app))
        assert len([n for n in notes(app) if "is retired" in n]) == 1  # said once, not by screen and app both
        assert app.is_running and isinstance(app.screen, TranscriptScreen)
        # The refusal made the app read the codebook again: the code is gone from the panel and its key.
        await wait_for(pilot, lambda: "2" not in app.codebook.by_shortcut)
        assert "Corruption" not in tree_names(app)
        # And the coder carries on with another code.
        await pilot.press("1")
        await settle(pilot)
        u1 = pg.study.units[1]
        assert live(pg.owner) == [("E001", "wages", anna, u1.start, u1.end, "")]
