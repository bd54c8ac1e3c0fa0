"""Reading like a document: paging through long transcripts, the picker's ranking by name, ticks without colour."""

from __future__ import annotations

from factories import make_document
from sqlmodel import select
from tui_helpers import live, settle

from cotag.store.models import Code
from cotag.tui.app import make_app
from cotag.tui.modals.code_picker import CodePicker
from cotag.tui.widgets.transcript_view import TranscriptView

SIZE = (100, 30)


async def test_a_name_match_ranks_above_a_keyword_match_in_the_picker(study):
    # "pay" is the whole of network's keyword but only part of the wages code's name: the name wins.
    with study.project.session() as session:
        codes = {c.key: c for c in session.exec(select(Code)).all()}
        codes["wages"].name = "Pay and wages"
        codes["network"].keywords = ["pay"]
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"pay")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CodePicker)
        options = picker.query_one("#picker-options")
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert shown[:2] == ["wages", "network"]
        await pilot.press("enter")
        await settle(pilot)
        assert [row[1] for row in live(study.project)] == ["wages"]


def long_document(session, units: int):
    turns = [("Respondent", [f"Sentence number {n} of a long answer about work."]) for n in range(units)]
    return make_document(session, "LONG", turns)


async def test_page_keys_home_end_and_g_move_through_a_long_transcript(study):
    with study.project.session() as session:
        long_document(session, 200)
    app = make_app(study.project, coder="alice", document="LONG")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        transcript = app.screen.query_one(TranscriptView)
        start = transcript.cursor
        await pilot.press("pagedown")
        await pilot.pause()
        paged = transcript.cursor
        assert paged - start > 5  # a screenful of one-line units, not one unit
        text = "\n".join("".join(s.text for s in transcript.render_line(y)) for y in range(transcript.size.height))
        assert f"Sentence number {paged} " in text  # the cursor's unit is on screen
        await pilot.press("pageup")
        await pilot.pause()
        assert transcript.cursor == start
        await pilot.press("end")
        await pilot.pause()
        assert transcript.cursor == 199
        text = "\n".join("".join(s.text for s in transcript.render_line(y)) for y in range(transcript.size.height))
        assert "Sentence number 199 " in text
        await pilot.press("home")
        await pilot.pause()
        assert transcript.cursor == 0
        await pilot.press("G")
        await pilot.pause()
        assert transcript.cursor == 199
        await pilot.press("g")
        await pilot.pause()
        assert transcript.cursor == 0


def widget_lines(widget) -> list[str]:
    return ["".join(segment.text for segment in widget.render_line(y)) for y in range(widget.size.height)]


async def test_the_coder_chooser_shows_ticks_as_x_not_only_colour(study):
    from cotag.coding import CodingSession
    from cotag.tui.widgets.ticks import TickList
    from cotag.tui.widgets.transcript_view import OVERLAY_SIDE

    for name in ("bob", "carl"):
        CodingSession(study.project, coder=name).apply(document_id=study.e001, code="wages",
                                                       start=study.units[1].start, end=study.units[1].end)
    app = make_app(study.project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await pilot.pause()
        chooser = app.screen.query_one(TickList)
        lines = [line.strip() for line in widget_lines(chooser) if line.strip()]
        assert [line[:3] for line in lines] == ["[ ]", "[ ]"]
        app.screen.set_focus(chooser)
        await pilot.press("down", "space")  # tick the second coder listed
        await pilot.pause()
        lines = [line.strip() for line in widget_lines(chooser) if line.strip()]
        ticked = [line.split()[1] for line in lines if line.startswith("[x]")]
        assert len(ticked) == 1 and [line[:3] for line in lines].count("[ ]") == 1
        radios = " ".join(str(radio.render()) for radio in app.screen.query("Choice"))
        assert "(*) side by side" in radios and "( ) overlaid" in radios
        await pilot.press("ctrl+s")
        await settle(pilot)
        chosen = next(c.id for c in app.other_coders(study.e001) if c.name == ticked[0])
        assert app.screen.query_one(TranscriptView).overlay == OVERLAY_SIDE
        assert {m.coder_id for m in app.screen.query_one(TranscriptView).marks_at(1, others=True)} == {chosen}


LONG_NAME = "Corruption and the rule of law in public hospitals"


async def test_at_80x24_long_code_names_are_shortened_at_a_word(study):
    from cotag.tui.widgets.codebook_panel import CodebookTree

    with study.project.session() as session:
        code = session.exec(select(Code).where(Code.key == "corruption")).one()
        code.name = LONG_NAME
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(CodebookTree)
        line = next(text for text in widget_lines(tree) if "Corruption" in text).rstrip()
        shown = line[line.index("Corruption"):]
        assert shown.endswith("…") and shown != LONG_NAME
        # Whole words only: what is shown is the name's first words, then the ellipsis.
        words = shown[:-1].split()
        assert words == LONG_NAME.split()[:len(words)]


async def test_at_80x24_no_footer_hint_is_cut(study):
    from textual.widgets._footer import FooterKey

    app = make_app(study.project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seen = set()
        # Every screen with a footer a lead reaches: transcript, analysis, codebook, pseudonyms, agreement,
        # revisions, dashboard, audit log, journal, library.
        for keys in ((), ("ctrl+t",), ("escape", "ctrl+e"), ("escape", "ctrl+k"), ("escape", "ctrl+a"),
                     ("escape", "ctrl+f"), ("escape", "ctrl+u"), ("escape", "ctrl+l"), ("escape", "ctrl+o"),
                     ("escape", "b")):
            await pilot.press(*keys)
            await settle(pilot)
            assert type(app.screen).__name__ not in seen, keys
            seen.add(type(app.screen).__name__)
            shown = [key for key in app.screen.query(FooterKey) if key.region.width]
            assert shown, app.screen
            for key in shown:
                # A hint is on screen whole or not at all.
                assert key.region.right <= 80, (type(app.screen).__name__, key.description, key.region)


async def test_the_cooccurrence_matrix_scrolls_both_ways_at_80x24(study):
    from textual.widgets import DataTable

    from factories import make_codes

    with study.project.session() as session:
        make_codes(session, [(f"theme-{n:02d}", f"Theme number {n}") for n in range(24)])
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#an-cooccurrence-table", DataTable)
        assert len(table.columns) > 20 and table.row_count > 20
        assert table.virtual_size.width > table.size.width and table.virtual_size.height > table.size.height
        assert app.screen.focused is table  # `2` gives the matrix the arrow keys
        await pilot.press(*["right"] * 20, *["down"] * 20)
        await settle(pilot)
        assert table.scroll_x > 0 and table.scroll_y > 0
        # The cell under the cursor is on screen: its column header and row label are in view.
        assert table.cursor_coordinate.column == 20 and table.cursor_coordinate.row == 20
        header = "".join(s.text for s in table.render_line(0))
        assert "theme-" in header
        # Scrolled sideways, each row still starts with its code's name.
        body = ["".join(s.text for s in table.render_line(y)).strip() for y in range(1, table.size.height)]
        assert all(line[:1].isalpha() or line.startswith("·") for line in body if line), body


async def test_at_80x24_the_status_line_cuts_attributes_between_words(study):
    from cotag.store.models import Document

    attributes = {"gender": "female", "age": 34, "occupation": "senior civil servant in the ministry of health",
                  "place": "Nur-Sultan"}
    with study.project.session() as session:
        session.exec(select(Document).where(Document.external_id == "E001")).one().attributes = attributes
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # the status line is drawn again at its full width
        await settle(pilot)
        line = widget_lines(app.screen.query_one("#doc-status"))[0]
        assert line.rstrip().endswith("coded") and "…" in line
        shown = line[line.index("female"):line.index("…")]
        whole = ", ".join(str(v) for v in attributes.values())
        # What is shown is the attributes' first whole words: no word is cut.
        assert whole.startswith(shown) and whole[len(shown)] in " ,", (shown, whole)
