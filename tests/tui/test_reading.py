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
