"""The reconcile screen's `+` / `-`: a ruling becomes an include or exclude example of its code, written to the
YAML codebook (comments kept, version up) and the project's codes; an open disagreement is refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cotag import services
from cotag.project import init_project
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder
from cotag.store.codes import require_code
from cotag.store.documents import list_units
from cotag.store.models import Event
from cotag.tui.app import Reconcile, make_app
from cotag.tui.screens.reconcile import ReconcileScreen
from tests.factories import make_document

CODEBOOK = """\
# Kept by the team: do not lose this line.
codebook: Migration
version: 1
codes:
  - key: wages   # pay and income
    name: Wages
  - key: jobs
    name: Jobs
"""


@pytest.fixture
def disputed(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = init_project(root, codebook="codebook.yaml")
    services.load_codebook_file(project, path=root / "codebook.yaml")
    with project.session() as session:
        doc = make_document(session, "E001", [("Anna", ["The pay was low.", "Jobs were scarce."])])
        alice, bob = get_or_create_coder(session, name="alice"), get_or_create_coder(session, name="bob")
        get_or_create_coder(session, name="lena", role="lead")
        units = [(u.start, u.end) for u in list_units(session, document_id=doc.id)]
        for coder, code, unit in ((alice, "wages", 0), (bob, "jobs", 1)):
            coding_store.add_coding(session, document_id=doc.id, code_id=require_code(session, key=code).id,
                                    coder_id=coder.id, start=units[unit][0], end=units[unit][1])
    yield project
    project.close()


async def settle(pilot) -> None:
    await pilot.app.settle()
    await pilot.pause()


async def test_plus_and_minus_turn_rulings_into_examples(disputed):
    project = disputed
    app = make_app(project, coder="lena", lead=True, reconcile=Reconcile(coders=["alice", "bob"]))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReconcileScreen)
        assert [d.code for d in app.screen.workspace.disagreements] == ["wages", "jobs"]
        # Not ruled yet: refused, nothing written.
        await pilot.press("plus")
        await settle(pilot)
        assert "rule on E001 wages first" in str(app.screen.query_one("#rc-status").render())
        assert (project.root / "codebook.yaml").read_text(encoding="utf-8") == CODEBOOK
        await pilot.press("a")  # keep alice's wages reading; the screen moves on to jobs
        await settle(pilot)
        await pilot.press("0")  # jobs: keep neither
        await settle(pilot)
        await pilot.press("minus")  # the jobs ruling becomes an exclude example
        await settle(pilot)
        await pilot.press("up")  # back to the wages ruling (the list has the focus)
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert "include example of wages saved" in str(app.screen.query_one("#rc-status").render())
        assert 'e.g. "The pay was low."' in str(app.screen.query_one("#rc-definition").render())
    text = (project.root / "codebook.yaml").read_text(encoding="utf-8")
    assert "# Kept by the team: do not lose this line." in text and "# pay and income" in text
    assert "version: 3" in text
    with project.session() as session:
        wages = require_code(session, key="wages").include
        assert len(wages) == 1 and wages[0].startswith('e.g. "The pay was low." (E001, ruling ')
        assert any("Jobs were scarce." in rule for rule in require_code(session, key="jobs").exclude)
        examples = [e.payload["kind"] for e in session.exec(select(Event).where(Event.kind == "codebook.example")
                                                             .order_by(Event.id))]
    assert examples == ["exclude", "include"]
