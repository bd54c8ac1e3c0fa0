"""The coding app driven with Pilot: every key press is checked against what the database now holds."""

from __future__ import annotations

from tui_helpers import live, settle, search_and_pick

from cotag.coding import CodingSession
from cotag.services import coding
from cotag.spans import word_spans
from cotag.keys import CODING_CONTEXTS, KEYMAP
from cotag.store.events import list_events
from cotag.tui.app import make_app
from cotag.tui.screens.help import DETAILS, HelpScreen, key_label
from cotag.tui.screens.library import LibraryScreen
from cotag.tui.screens.transcript import TranscriptScreen
from cotag.tui.widgets.transcript_view import OVERLAY_INLINE, OVERLAY_OFF, OVERLAY_SIDE, TranscriptView
from cotag.tui.widgets.unit_codes import UnitCodes

SIZE = (100, 30)


def view(app) -> TranscriptView:
    return app.screen.query_one(TranscriptView)


def status_text(app) -> str:
    """The transcript's status line as the coder reads it."""
    from rich.console import Console

    console = Console(width=app.size.width, record=True, file=open("/dev/null", "w"))
    console.print(app.screen.query_one("#doc-status").content)
    return console.export_text()


def screen_text(app) -> str:
    transcript = view(app)
    return "\n".join("".join(seg.text for seg in transcript.render_line(y)) for y in range(transcript.size.height))


async def test_shortcut_codes_the_extended_selection(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        assert view(app).cursor == 1  # a first visit starts at the first respondent unit
        await pilot.press("j", "shift+down", "1")
        await settle(pilot)
        u2, u3 = study.units[2], study.units[3]
        assert live(study.project) == [("E001", "wages", "alice", u2.start, u3.end, "")]
        # The coding shows on the current selection's list.
        prompts = [str(app.screen.query_one(UnitCodes).get_option_at_index(i).prompt)
                   for i in range(app.screen.query_one(UnitCodes).option_count)]
        assert any("wages" in p for p in prompts)
        assert "2/5 coded" in status_text(app)  # two of the five respondent units
        await pilot.press("u")
        await settle(pilot)
        assert "0/5 coded" in status_text(app)


async def test_same_code_on_the_same_span_toggles_off(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert len(live(study.project)) == 1
        await pilot.press("1")
        await settle(pilot)
        assert live(study.project) == []


async def test_undo_and_redo(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        u1 = study.units[1]
        await pilot.press("2")
        await settle(pilot)
        assert live(study.project) == [("E001", "corruption", "alice", u1.start, u1.end, "")]
        await pilot.press("u")
        await settle(pilot)
        assert live(study.project) == []
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert live(study.project) == [("E001", "corruption", "alice", u1.start, u1.end, "")]
        assert view(app).marks_at(1)  # repainted with the restored coding


async def test_memo_on_a_coding_and_its_undo(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"low pay")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [row[5] for row in live(study.project)] == ["low pay"]
        await pilot.press("u")
        await settle(pilot)
        assert [row[5] for row in live(study.project)] == [""]


async def test_word_mode_selects_part_of_a_sentence(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w", "l", "l", "shift+right", "shift+right", "1")
        await settle(pilot)
        u1 = study.units[1]
        words = word_spans(study.text, u1.start, u1.end)
        start, end = words[2][0], words[4][1]
        assert live(study.project) == [("E001", "wages", "alice", start, end, "")]
        assert study.text[start:end] == "in 2019 because"
        await pilot.press("escape")  # leaves word mode: the whole unit is selected again
        await pilot.pause()
        assert not view(app).word_mode and view(app).selection.start == u1.start


async def test_picker_applies_by_fuzzy_name_and_x_removes(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"netwrk", "enter")
        await settle(pilot)
        assert [row[1] for row in live(study.project)] == ["network"]
        await pilot.press("x")
        await settle(pilot)
        assert live(study.project) == []


async def test_retired_code_shortcut_does_nothing(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")  # the retired code's old shortcut
        await settle(pilot)
        assert live(study.project) == []


async def test_coders_are_blind_to_each_other(study):
    bob = CodingSession(study.project, coder="bob")
    u1 = study.units[1]
    bob.apply(document_id=study.e001, code="wages", start=u1.start, end=u1.end)
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert view(app).marks_at(1) == [] and view(app).marks_at(1, others=True) == []
        await pilot.press("o")  # the lead's overlay key means nothing to a coder
        await settle(pilot)
        assert view(app).overlay == OVERLAY_OFF and view(app).marks_at(1, others=True) == []
        await pilot.press("1")
        await settle(pilot)
        assert sorted(row[2] for row in live(study.project)) == ["alice", "bob"]


async def test_lead_sees_other_coders_read_only(study):
    bob = CodingSession(study.project, coder="bob")
    carl = CodingSession(study.project, coder="carl")
    u1 = study.units[1]
    bob.apply(document_id=study.e001, code="wages", start=u1.start, end=u1.end)
    carl.apply(document_id=study.e001, code="corruption", start=u1.start, end=u1.end)
    app = make_app(study.project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert view(app).overlay == OVERLAY_INLINE
        assert {m.coder_id for m in view(app).marks_at(1, others=True)} == {bob.owner_id, carl.owner_id}
        assert "bob:wages" in screen_text(app) and "carl:corruption" in screen_text(app)
        await pilot.press("o")
        await settle(pilot)
        assert view(app).overlay == OVERLAY_SIDE
        # Side by side: one column per coder, headed with their name, the code keys in it.
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "Respondent" in line)
        assert [cell.strip() for cell in header.split("│")[1:3]] == ["bob", "carl"]
        row = next(line for line in lines if "I left in 2019" in line)
        assert [cell.strip() for cell in row.split("│")[1:3]] == ["wages", "corruption"]
        await pilot.press("x")  # nothing of lena's here: bob's coding is not hers to remove
        await settle(pilot)
        assert sorted(live(study.project)) == [("E001", "corruption", "carl", u1.start, u1.end, ""),
                                               ("E001", "wages", "bob", u1.start, u1.end, "")]
        await pilot.press("1")  # lena's shortcut writes lena's coding, never theirs
        await settle(pilot)
        assert sorted(row[2] for row in live(study.project)) == ["bob", "carl", "lena"]
        await pilot.press("o")
        await settle(pilot)
        assert view(app).overlay == OVERLAY_OFF and view(app).marks_at(1, others=True) == []


async def test_lead_chooses_whose_codings_to_show(study):
    for name in ("bob", "carl"):
        session = CodingSession(study.project, coder=name)
        session.apply(document_id=study.e001, code="wages", start=study.units[1].start, end=study.units[1].end)
    app = make_app(study.project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await pilot.pause()
        from textual.widgets import SelectionList

        chooser = app.screen.query_one(SelectionList)
        carl = next(c.id for c in app.other_coders(study.e001) if c.name == "carl")
        chooser.select(carl)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert view(app).overlay == OVERLAY_SIDE
        assert {m.coder_id for m in view(app).marks_at(1, others=True)} == {carl}


async def test_search_then_enter_jumps_to_the_unit(study):
    app = make_app(study.project, coder="alice", document="G002")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"brothr in berlin")
        await pilot.pause(0.3)
        await settle(pilot)
        from textual.widgets import Label, OptionList

        # The hit is listed with its document, unit and the words around it.
        hits = app.screen.query_one(OptionList)
        assert hits.option_count == 1
        assert str(hits.get_option_at_index(0).prompt).split()[:3] == ["E001", "3", "My"]  # units from 1
        assert "1 unit in 1 document" in str(app.screen.query_one("#search-status", Label).content)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        assert app.screen.transcript.external_id == "E001"
        assert view(app).cursor == 2


async def test_library_filters_by_group_attribute_and_words_said(study):
    from textual.widgets import DataTable, Input, Select

    app = make_app(study.project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        screen.query_one("#group-filter", Select).value = "graduate"
        await settle(pilot)
        assert [r.external_id for r in screen.shown_rows] == ["G002"]
        screen.query_one("#group-filter", Select).clear()
        screen.query_one("#attribute-filter", Select).value = "place=Almaty"
        await settle(pilot)
        assert [r.external_id for r in screen.shown_rows] == ["E001"]
        screen.query_one("#attribute-filter", Select).clear()
        await pilot.press("f")
        for typed, found in (("G02", ["G002"]), ("alamty", ["E001"]), ("e00", ["E001"])):
            await pilot.press(*typed)
            await pilot.pause()
            assert [r.external_id for r in screen.shown_rows] == found, typed
            assert table.row_count == len(found)
            screen.query_one("#library-filter", Input).clear()
            await pilot.pause(0.4)
            await settle(pilot)
        await pilot.press(*"scholarship")
        await pilot.pause(0.4)
        await settle(pilot)
        assert [r.external_id for r in screen.shown_rows] == ["G002"]  # found in the text, not the id
        assert table.row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen) and app.screen.transcript.external_id == "G002"


async def test_library_shows_progress_and_opens_with_enter(study):
    alice = CodingSession(study.project, coder="alice")
    alice.apply(document_id=study.e001, code="wages", start=study.units[1].start, end=study.units[2].end)
    alice.mark_done(document_id=study.g002)
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = {r.external_id: r for r in app.screen.shown_rows}
        assert (rows["E001"].coded, rows["E001"].codable, rows["G002"].done) == (2, 5, True)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.transcript.external_id == "E001"


async def test_reopening_returns_to_the_saved_cursor(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 or app.return_code is None
    again = make_app(study.project, coder="alice")
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, TranscriptScreen)
        assert again.screen.transcript.external_id == "E001"
        assert view(again).cursor == 5


async def test_next_uncoded_done_and_next_document(study):
    alice = CodingSession(study.project, coder="alice")
    alice.apply(document_id=study.e001, code="wages", start=study.units[2].start, end=study.units[3].end)
    app = make_app(study.project, coder="alice", document="E001", unit=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert view(app).cursor == 5  # units 2 and 3 are coded, 4 is the interviewer
        await pilot.press("d")
        await settle(pilot)
        assert app.screen.transcript.done
        with study.project.session() as session:
            assert [e.kind for e in list_events(session, kind="progress.")] == ["progress.done"]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.screen.transcript.external_id == "G002"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.screen.transcript.external_id == "E001"
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert {r.external_id: r.done for r in app.screen.shown_rows} == {"E001": True, "G002": False}


async def test_help_lists_every_key(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))
        console.print(app.screen.query_one("#help-text").content)
        # One column at this width: a description wrapped onto a second line reads on after the spaces.
        shown = " ".join(console.export_text().split())
        for spec in KEYMAP:
            if spec.context not in CODING_CONTEXTS:
                continue  # another screen's keys: its own help lists them (tests/tui/test_keys_docs.py)
            assert key_label(spec.key) in shown, spec
            assert DETAILS.get(spec.id, spec.description) in shown, spec
        assert "Wages" in shown  # the codebook's shortcuts too
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TranscriptScreen)


async def test_command_palette_offers_every_action_here(study):
    from cotag.tui.commands import CotagCommands

    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = CotagCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        for wanted in ("Next unit", "Undo", "Redo", "Code picker", "Corpus search", "Help", "Quit",
                       "Mark document done", "Apply code: Wages (wages)"):
            assert wanted in names
        assert "Previous word (word mode)" not in names  # only in word mode
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"apply code wages")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert [row[1] for row in live(study.project)] == ["wages"]


async def test_a_long_document_opens_and_scrolls(sqlite_project):
    from factories import make_codes, make_document

    sentences = [f"Sentence number {i} says something about leaving." for i in range(3000)]
    with sqlite_project.session() as session:
        make_document(session, "BIG", [("Respondent", sentences[i:i + 10]) for i in range(0, 3000, 10)])
        make_codes(session, [("push", "Push", None, "1")])
    app = make_app(sqlite_project, coder="alice", document="BIG")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G", "1")
        await settle(pilot)
        assert view(app).cursor == 2999
        rows = live(sqlite_project)
        assert len(rows) == 1 and rows[0][3:5] == (view(app).units[2999].start, view(app).units[2999].end)
        assert "Sentence number 2999" in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        assert view(app).top == 0


async def test_back_to_the_library_and_into_another_document_reuses_the_screen(study):
    from cotag.tui.codebook import Codebook

    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        # A codebook change while the transcript is off screen still reaches it.
        app.codebook = Codebook(list(app.codebook.entries))
        await pilot.press("down", "enter")
        await pilot.pause()
        # Nothing of E001 is left to act on while G002 loads.
        assert app.screen is first and app.screen.transcript is None or app.screen.transcript.external_id == "G002"
        await settle(pilot)
        assert app.screen is first and app.screen.transcript.external_id == "G002"
        assert view(app).codebook is app.codebook
        assert "scholarship" in screen_text(app) and "wages" not in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("b", "up", "enter")
        await settle(pilot)
        assert app.screen is first and app.screen.transcript.external_id == "E001"
        assert view(app).cursor == 1 and [m.code_id for m in view(app).marks_at(1)]
    assert sorted((row[0], row[1]) for row in live(study.project)) == [("E001", "wages"), ("G002", "corruption")]


def definition_text(app) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(app.screen.query_one("#code-definition-text").content)
    return console.export_text()


async def test_codebook_panel_shows_the_highlighted_code_and_enter_applies_it(study):
    from cotag.tui.widgets.codebook_panel import CodebookTree

    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab")
        assert isinstance(app.focused, CodebookTree)
        await pilot.press("down", "down", "down")  # push, wages, corruption
        await pilot.pause()
        shown = definition_text(app)
        for part in ("Corruption", "corruption", "Push factors › Corruption", "Corruption definition",
                     "+ include corruption", "− exclude corruption", "“example corruption”"):
            assert part in shown, part
        # The tree shows each code's shortcut; the retired code is not offered.
        labels = [str(node.label) for node in app.focused.root.children[0].children]
        assert labels == ["■ 1 Wages", "■ 2 Corruption"]
        assert "Old code" not in " ".join(str(n.label) for n in app.focused.root.children)
        await pilot.press("enter")
        await settle(pilot)
        u1 = study.units[1]
        assert live(study.project) == [("E001", "corruption", "alice", u1.start, u1.end, "")]
        # Enter on one's own coding in "On this selection" opens its memo.
        await pilot.press("shift+tab")
        assert isinstance(app.focused, UnitCodes)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"ask about bribes", "ctrl+s")
        await settle(pilot)
        assert [row[5] for row in live(study.project)] == ["ask about bribes"]
        await pilot.press("u")  # undo reaches memo edits from the panel too
        await settle(pilot)
        assert [row[5] for row in live(study.project)] == [""]


async def test_remove_and_its_undo_from_the_keyboard(study):
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        u1 = study.units[1]
        await pilot.press("1", "2")
        await settle(pilot)
        assert sorted(row[1] for row in live(study.project)) == ["corruption", "wages"]
        await pilot.press("x")  # two codes here: the picker asks which
        await pilot.pause()
        await pilot.press(*"wages", "enter")
        await settle(pilot)
        assert live(study.project) == [("E001", "corruption", "alice", u1.start, u1.end, "")]
        await pilot.press("u")
        await settle(pilot)
        assert sorted(row[1] for row in live(study.project)) == ["corruption", "wages"]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert [row[1] for row in live(study.project)] == ["corruption"]
        assert [m.code_id for m in view(app).marks_at(1)] == [app.codebook.by_key["corruption"].id]


async def test_command_palette_offers_every_action_of_the_screen(study):
    from cotag.tui.commands import CotagCommands

    app = make_app(study.project, coder="lena", lead=True, document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")  # word mode: its keys are live too
        await pilot.pause()
        offered = {name for name, _, _ in CotagCommands(app.screen)._commands()}
        # Everything but the palette itself, and Enter's "open", which on this screen belongs to the panels.
        wanted = {spec.description.capitalize() for spec in KEYMAP
                  if spec.id not in ("command_palette", "open") and spec.context in CODING_CONTEXTS}
        assert wanted <= offered, wanted - offered
        await pilot.press("b")
        await settle(pilot)
        offered = {name for name, _, _ in CotagCommands(app.screen)._commands()}
        assert "Open" in offered and "Next unit" not in offered


async def test_the_app_tunes_the_garbage_collector_only_while_it_runs(study):
    import gc

    from cotag.tui.app import GC_THRESHOLD

    before = gc.get_threshold()
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert gc.get_threshold() == GC_THRESHOLD and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


async def test_the_status_note_belongs_to_the_document_it_is_about(study):
    # "✓ marked done" stayed on the status line of the next document, which was not done; an undo
    # reaching back into the last document said nothing of where it happened.
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1", "d")
        await settle(pilot)
        assert "marked done" in status_text(app)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.screen.transcript.external_id == "G002"
        assert "marked done" not in status_text(app) and "applied" not in status_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert live(study.project) == []
        assert "undid: applied wages" in status_text(app) and "in E001" in status_text(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        u1 = study.units[1]
        assert live(study.project) == [("E001", "wages", "alice", u1.start, u1.end, "")]
        assert "redid: applied wages" in status_text(app) and "in E001" in status_text(app)


async def test_a_search_jump_is_where_reopening_returns(study):
    # Landing on a unit by search and quitting without moving: the next session opened the
    # document visited before, and coming back to the searched document started at its top.
    app = make_app(study.project, coder="alice", document="G002")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        await search_and_pick(pilot, "brothr in berlin")
        assert app.screen.transcript.external_id == "E001" and view(app).cursor == 2
        await pilot.press("q")
        await pilot.pause()
    alice = CodingSession(study.project, coder="alice")
    assert alice.resume_point() == (study.e001, 2)
    again = make_app(study.project, coder="alice")
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.screen.transcript.external_id == "E001"
        assert view(again).cursor == 2


async def test_next_document_after_a_search_outside_the_library_filter(study):
    # `]` did nothing at all on a document the library's filter hides (reached by a search).
    app = make_app(study.project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"G002", "enter")
        await settle(pilot)
        assert app.screen.transcript.external_id == "G002"
        await search_and_pick(pilot, "brothr in berlin")
        assert app.screen.transcript.external_id == "E001"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.screen.transcript.external_id == "G002"  # the library's order: expert E001, then graduate G002


async def test_a_long_memo_shows_cut_with_an_ellipsis(study):
    # "On this selection" cut a memo at 60 characters with nothing to say there was more.
    memo = "pay as a push factor, but she also hints at the clinic's management; ask the team"
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1", "m")
        await settle(pilot)
        await pilot.press(*memo)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [row[5] for row in live(study.project)] == [memo]
        prompt = str(app.screen.query_one(UnitCodes).get_option_at_index(0).prompt)
        assert "pay as a push factor, but she also hints at the clinic's…" in prompt  # cut at a word


async def test_done_pressed_twice_quickly_reopens(study, monkeypatch):
    # The second `d` was decided from the screen's state before the first was committed: both
    # marked the document done, and the log had two progress.done and no reopen.
    import time

    slow = CodingSession.mark_done

    def mark_done(self, **kwargs):  # a database a little way off (PostgreSQL on the team's server)
        time.sleep(0.05)
        return slow(self, **kwargs)

    monkeypatch.setattr(CodingSession, "mark_done", mark_done)
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d", "d")
        await settle(pilot)
        assert not app.screen.transcript.done
        assert "✓ done" not in status_text(app)
        await pilot.press("d", "d", "d")
        await settle(pilot)
        assert app.screen.transcript.done
        assert "✓ done" in status_text(app)
    with study.project.session() as session:
        kinds = [e.kind for e in list_events(session, kind="progress.")]
    assert kinds == ["progress.done", "progress.reopen"] * 2 + ["progress.done"]
    assert {r.external_id: r.done for r in coding.library(study.project, coder_id=app.coding_session.owner_id)
            if r.external_id == "E001"} == {"E001": True}


def burst(app, *keys: str) -> None:
    """Keys as a fast typist sends them: all queued at once, none waiting for the last to be handled."""
    from textual import events

    for key in keys:
        character = {"escape": None, "right_square_bracket": "]"}.get(key, key)
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_typed_fast_after_c_are_not_code_shortcuts(study):
    # "c" then a quick "1" (a search in the picker that starts with a shortcut's character) applied
    # wages to the selection under the picker before the picker was up.
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "c", "1", "2")
        await settle(pilot)
        from cotag.tui.modals.code_picker import CodePicker

        assert isinstance(app.screen, CodePicker)
        assert live(study.project) == []
        await pilot.press("escape")
        # In order, the other way too: the picker closed by escape, the next key is a shortcut again.
        burst(app, "c", "escape", "2")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        u1 = study.units[1]
        assert live(study.project) == [("E001", "corruption", "alice", u1.start, u1.end, "")]


async def test_a_shortcut_typed_right_after_next_document_codes_nothing_out_of_sight(study):
    # "]" then a fast "2" coded the selection of the document being left, and the screen, already
    # showing the next document, said nothing of it.
    app = make_app(study.project, coder="alice", document="E001")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "right_square_bracket", "2")
        await settle(pilot)
        assert app.screen.transcript.external_id == "G002"
        assert [row[:2] for row in live(study.project)] in ([], [("G002", "corruption")])
        await pilot.press("2")
        await settle(pilot)
        assert [row[:2] for row in live(study.project)] in ([("G002", "corruption")], [])
        assert all(row[0] == "G002" for row in live(study.project))
