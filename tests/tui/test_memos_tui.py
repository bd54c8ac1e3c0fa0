"""Memos everywhere in the app, and a document's attributes edited from the library: real keys, database rows."""

from __future__ import annotations

from sqlalchemy import text
from tui_helpers import settle

from cotag.spans import word_spans

from cotag.tui.app import make_app
from cotag.tui.modals.attributes import AttributeEditor
from cotag.tui.modals.confirm import Confirm
from cotag.tui.modals.memo import MemoEditor
from cotag.tui.screens.journal import JournalScreen

SIZE = (120, 40)


def status_text(app) -> str:
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(app.screen.query_one("#doc-status").content)
    return console.export_text()


def memos(project) -> list[tuple]:
    with project.session() as session:
        return [tuple(r) for r in session.execute(text(
            'SELECT c.name, d.external_id, k."key", m.start, m."end", m.text FROM memo m '
            "JOIN coder c ON c.id = m.coder_id LEFT JOIN document d ON d.id = m.document_id "
            'LEFT JOIN code k ON k.id = m.code_id ORDER BY m.id')).all()]


def attributes(project, external_id: str) -> dict:
    from cotag.store.documents import require_document

    with project.session() as session:
        return dict(require_document(session, external_id=external_id).attributes)


async def test_a_passage_memo_on_selected_words_needs_no_code(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w", "l", "l", "shift+right", "shift+right", "ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*"why 2019?", "ctrl+s")
        await settle(pilot)
        u1 = study.units[1]
        words = word_spans(study.text, u1.start, u1.end)
        start, end = words[2][0], words[4][1]
        assert memos(study.project) == [("alice", "E001", None, start, end, "why 2019?")]
        # The status line marks a selection that has a passage memo; the next sentence has none.
        screen = app.screen
        assert screen.passage_memos == [(start, end)]
        assert "✎1" in status_text(app)
        # The same words again open that memo, and a save changes it rather than adding a second one.
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, MemoEditor) and "why 2019?" in app.screen.memo
        await pilot.press(*" and Berlin", "ctrl+s")
        await settle(pilot)
        assert memos(study.project) == [("alice", "E001", None, start, end, "why 2019? and Berlin")]
        with study.project.session() as session:
            assert session.execute(text("SELECT count(*) FROM coding")).scalar_one() == 0
        await pilot.press("escape", "escape", "j")
        await settle(pilot)
        assert "✎" not in status_text(app)
        await pilot.press("k")
        await settle(pilot)
        assert "✎1" in status_text(app)  # the whole sentence holds the memo's words


async def test_a_document_memo_from_the_transcript_and_from_the_library(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+d")
        await settle(pilot)
        await pilot.press(*"late interview", "ctrl+s")
        await settle(pilot)
        assert memos(study.project) == [("alice", "E001", None, None, None, "late interview")]
        await pilot.press("b")  # back to the library; the cursor is on E001
        await settle(pilot)
        await pilot.press("down", "m")
        await settle(pilot)
        await pilot.press(*"graduate", "ctrl+s")
        await settle(pilot)
        assert memos(study.project)[-1] == ("alice", "G002", None, None, None, "graduate")


async def test_escape_with_typed_text_asks_before_discarding(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+d")
        await settle(pilot)
        await pilot.press(*"half a thought", "escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # keep typing
        await settle(pilot)
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*" finished", "escape", "y")
        await settle(pilot)
        assert not isinstance(app.screen, (MemoEditor, Confirm))
        assert memos(study.project) == []
        await pilot.press("ctrl+d")  # nothing typed: esc closes at once
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, (MemoEditor, Confirm))


async def test_a_code_memo_from_the_codebook_screen(study):
    with study.project.session() as session:
        from cotag.store.coders import get_or_create_coder

        get_or_create_coder(session, name="lena", role="lead")
    app = make_app(study.project, coder="lena", lead=True, resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.press("down", "n")  # push, then wages
        await settle(pilot)
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*"net or gross?", "ctrl+s")
        await settle(pilot)
        assert memos(study.project) == [("lena", None, "wages", None, None, "net or gross?")]


async def test_the_journal(study):
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
        await pilot.press("n", *"day one", "ctrl+s")
        await settle(pilot)
        await pilot.press("n", *"day two", "ctrl+s")
        await settle(pilot)
        assert memos(study.project) == [("alice", None, None, None, None, "day one"),
                                        ("alice", None, None, None, None, "day two")]
        assert [row["text"] for row in app.screen.rows] == ["day one", "day two"]
        await pilot.press("enter")  # the cursor is on the newest entry
        await settle(pilot)
        await pilot.press(*", rainy", "ctrl+s")
        await settle(pilot)
        assert memos(study.project)[-1][-1] == "day two, rainy"
        assert app.screen.rows[-1]["text"] == "day two, rainy"


async def test_editing_a_documents_attributes_types_them_and_refuses_a_bad_value(study):
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")  # E001: gender, age, place
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, AttributeEditor) and editor.names == ["gender", "age", "place"]
        await pilot.press("tab", *["backspace"] * 2, *"thirty", "ctrl+s")
        await settle(pilot)
        assert app.screen is editor  # refused: the form stays, with what was typed
        error = str(editor.query_one("#attr-error").render())
        assert "age" in error and "'thirty'" in error and "not a number" in error
        assert attributes(study.project, "E001") == {"gender": "female", "age": 34, "place": "Almaty"}
        await pilot.press(*["backspace"] * 6, *"35", "tab", *["backspace"] * 6, "tab", *"languages", "tab",
                          *"kk; ru", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, AttributeEditor)
        assert attributes(study.project, "E001") == {"gender": "female", "age": 35, "languages": ["kk", "ru"]}
        with study.project.session() as session:
            payload = session.execute(text("SELECT payload FROM event WHERE kind = 'attributes.import'")).scalar_one()
        from cotag.attributes import sheet_attributes

        with study.project.session() as session:
            kept = sheet_attributes(session)["E001"]
        assert kept == {"age": 35, "place": None, "languages": ["kk", "ru"]}  # what a re-import re-applies
        assert "edit" in str(payload)


async def test_esc_in_the_attribute_form_with_typed_changes_asks_before_discarding_them(study):
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, AttributeEditor)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert not isinstance(app.screen, (AttributeEditor, Confirm))
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        await pilot.press("tab", *["backspace"] * 2, *"36", "escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm) and "attribute" in app.screen.question
        await pilot.press("n")  # keep typing: the form is back with what was typed, the cursor in its field
        await settle(pilot)
        assert app.screen is editor and editor.values()["age"] == "36"
        assert editor.focused is editor.query_one("#attr-1")
        await pilot.press("escape", "y")
        await settle(pilot)
        assert not isinstance(app.screen, (AttributeEditor, Confirm))
        assert attributes(study.project, "E001") == {"gender": "female", "age": 34, "place": "Almaty"}
