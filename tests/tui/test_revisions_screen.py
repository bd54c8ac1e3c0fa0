"""The lead's revisions screen (ctrl+f) driven with Pilot: accept, adjust and remove what a revision flagged,
checked against the database rows (the revision's items, the codings, the audit trail)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cotag.services import revision as service
from cotag.store.models import Coding, Document, Event, RevisionItem
from cotag.tui.app import make_app
from cotag.tui.modals.span import SpanEditor
from cotag.tui.screens.revisions import RevisionsScreen

SIZE = (120, 40)
OLD = """---
id: E7
---
Interviewer: Why would people leave?

Respondent: Salaries are low here. My cousin earns five times more in Germany! My parents are old.
"""
# "five" becomes "six" inside a coding (changed); "My parents are old." goes (its coding is orphaned).
NEW = OLD.replace("five times", "six times").replace(" My parents are old.", "")


@pytest.fixture
def revised(sqlite_project, tmp_path):
    from factories import make_codes

    from cotag.corpus.importer import import_paths
    from cotag.store.coders import get_or_create_coder
    from cotag.store.codings import add_coding

    project = sqlite_project
    path = tmp_path / "E7.md"
    path.write_text(OLD, encoding="utf-8")
    with project.session() as session:
        import_paths(session, paths=[path])
    with project.session() as session:
        codes = make_codes(session, [("wages", "Wages"), ("family", "Family")])
        doc = session.exec(select(Document)).one()
        aliya = get_or_create_coder(session, name="aliya")
        for key, words in (("wages", "Salaries are low here."), ("wages", "My cousin earns five times more"),
                           ("family", "My parents are old.")):
            start = doc.text.index(words)
            add_coding(session, document_id=doc.id, code_id=codes[key].id, coder_id=aliya.id, start=start,
                       end=start + len(words))
    path.write_text(NEW, encoding="utf-8")
    report = service.revise_paths(project, paths=[path], lead="lena")
    assert [f["status"] for f in report["revised"][0]["flagged"]] == ["changed", "orphaned"]
    return project


def items(project) -> list[tuple[int, str, str, str]]:
    with project.session() as session:
        return [(i.number, i.status, i.review, i.reviewed_by)
                for i in session.exec(select(RevisionItem).where(RevisionItem.status.in_(("changed", "orphaned")))
                                      .order_by(RevisionItem.number))]


def live_words(project) -> list[str]:
    with project.session() as session:
        text = session.exec(select(Document)).one().text
        return sorted(text[c.start:c.end] for c in session.exec(select(Coding).where(Coding.deleted_at.is_(None))))


def review_events(project) -> list[dict]:
    with project.session() as session:
        return [e.payload for e in session.exec(select(Event).where(Event.kind == "revision.review")
                                                .order_by(Event.id))]


async def settle(pilot) -> None:
    """Key presses handled, every write committed, and the revisions screen's queue read again if it is reading."""
    await pilot.pause()
    await pilot.app.settle()
    for _ in range(100):
        await pilot.pause(0.02)
        loading = [w for w in pilot.app.workers if w.group == "revisions-load" and not w.is_finished]
        if not loading:
            break
    await pilot.pause()


async def test_accept_then_adjust_an_orphan_onto_words_of_the_new_text(revised):
    project = revised
    app = make_app(project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RevisionsScreen)
        assert [(r["item"], r["status"]) for r in screen.rows] == [(2, "changed"), (3, "orphaned")]
        detail = str(screen.query_one("#revisions-detail").render())
        assert "My cousin earns five times more" in detail and "My cousin earns six times more" in detail

        await pilot.press("a")
        await settle(pilot)
        assert items(project) == [(2, "changed", "accepted", "lena"), (3, "orphaned", "", "")]
        assert [(r["item"], r["status"]) for r in screen.rows] == [(3, "orphaned")]

        # The lead puts the orphan onto "in Germany!", selected word by word.
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, SpanEditor)
        text = editor.text
        for _ in range(30):
            if text[slice(*editor.span)] == "in":
                break
            await pilot.press("l")
        await pilot.press("shift+right")
        assert text[slice(*editor.span)] == "in Germany!"
        await pilot.press("enter")
        await settle(pilot)
        assert items(project) == [(2, "changed", "accepted", "lena"), (3, "orphaned", "respanned", "lena")]
        assert screen.rows == []
    assert live_words(project) == ["My cousin earns six times more", "Salaries are low here.", "in Germany!"]
    assert [(e["item"], e["action"]) for e in review_events(project)] == [(2, "accept"), (3, "span")]


async def test_remove_the_carried_coding_and_a_ruling_only_noted(revised):
    project = revised
    app = make_app(project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert items(project) == [(2, "changed", "removed", "lena"), (3, "orphaned", "", "")]
        # Escape on the span editor changes nothing.
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RevisionsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RevisionsScreen)
    assert items(project) == [(2, "changed", "removed", "lena"), (3, "orphaned", "", "")]
    assert live_words(project) == ["Salaries are low here."]
    assert [(e["item"], e["action"], e.get("removed") is not None) for e in review_events(project)] == [
        (2, "remove", True)]


async def test_a_coder_has_no_revisions_screen(revised):
    app = make_app(revised, coder="aliya")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert not isinstance(app.screen, RevisionsScreen)
    assert items(revised) == [(2, "changed", "", ""), (3, "orphaned", "", "")]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("keys", [("ctrl+f",), ("ctrl+f", "down", "e")], ids=["queue", "span-editor"])
def test_snapshot_revisions(revised, snap_compare, size, keys):
    async def run(pilot):
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    app = make_app(revised, coder="lena", lead=True, resume=False)
    assert snap_compare(app, terminal_size=size, run_before=run)


async def test_an_orphaned_passage_memo_is_listed_never_removed_and_accepted(sqlite_project, tmp_path):
    from cotag.services import memos as memo_service
    from cotag.corpus.importer import import_paths
    from cotag.store.models import Memo

    project = sqlite_project
    path = tmp_path / "E7.md"
    path.write_text(OLD, encoding="utf-8")
    with project.session() as session:
        import_paths(session, paths=[path])
        text = session.exec(select(Document)).one().text
    start = text.index("My parents are old.")
    memo = memo_service.add_memo(project, coder="aliya", text="they depend on him", span=("E7", start, start + 19))
    path.write_text(NEW, encoding="utf-8")
    service.revise_paths(project, paths=[path], lead="lena")
    app = make_app(project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        assert [(r["kind"], r["status"], r["old_id"]) for r in screen.rows] == [("memo", "orphaned", memo.id)]
        detail = str(screen.query_one("#revisions-detail").render())
        assert f"passage memo {memo.id} by aliya" in detail and "kept on the document" in detail
        await pilot.press("x")  # a memo is its coder's words: not removed
        await settle(pilot)
        assert items(project) == [(1, "orphaned", "", "")]
        await pilot.press("a")
        await settle(pilot)
        assert items(project) == [(1, "orphaned", "accepted", "lena")]
        assert screen.rows == []
    with project.session() as session:
        kept = session.get(Memo, memo.id)
        assert (kept.start, kept.end, kept.text) == (None, None, "they depend on him")
