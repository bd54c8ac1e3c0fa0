"""The pseudonymised view (ctrl+x) on every screen that shows transcript text or attribute values, driven with
real key presses: with the view on, the real strings are nowhere on the screen and the pseudonyms are; off again,
the stored text is back. The team study's disagreement on Networks is the Berlin sentence; E001's place is Almaty.
"""

from __future__ import annotations

import html
import re

from test_revisions_screen import revised  # noqa: F401 - the fixture, shared with the revisions screen's tests
from test_snapshots import TEAM_CODINGS, lead_app, team  # noqa: F401 - the fixture, shared with the snapshots
from tui_helpers import settle

from cotag.services import privacy as decisions
from cotag.tui.app import make_app

SIZE = (160, 45)
REAL = ("Berlin", "Almaty")
SHOWN = ("[city B]", "[city A]")
assert TEAM_CODINGS  # the disagreements these tests read come from it


def pseudonyms(project) -> None:
    decisions.add(project, "Berlin", "[city B]", "place")
    decisions.add(project, "Almaty", "[city A]", "place")


def screen_text(app) -> str:
    """What the terminal shows, as text (the screenshot's text runs, joined)."""
    svg = app.export_screenshot()
    runs = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(runs)).replace("\xa0", " ")


def table_text(table) -> str:
    """Every cell and column head of a DataTable, whether or not it is scrolled into view."""
    heads = [str(column.label) for column in table.columns.values()]
    cells = [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]
    return "\n".join(heads + cells)


def options_text(options) -> str:
    return "\n".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


def pseudonymised(text: str, *, real: tuple[str, ...] = REAL, shown: tuple[str, ...] = SHOWN) -> bool:
    return all(r not in text for r in real) and all(s in text for s in shown)


async def test_agreement_disagreements_follow_the_view(team):  # noqa: F811
    from cotag.tui.screens.agreement import AgreementScreen

    pseudonyms(team.project)
    app = lead_app(team)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        codes = [row.code for row in screen.result.report.views[screen.view].rows]
        while screen.code != "network":
            await pilot.press("down")
            await settle(pilot)
        units = screen.query_one("#ag-units")
        assert "Berlin" in table_text(units), codes
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert pseudonymised(table_text(units), real=("Berlin",), shown=("[city B]",))
        text = screen_text(app)
        assert "Berlin" not in text and "[city B]" in text
        # Enter still opens the stored unit: the rows keep the real items.
        assert screen.items and "Berlin" in screen.items[0].text or "Berlin" in screen.items[-1].text
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert "Berlin" in table_text(units) and "[city B]" not in table_text(units)


async def test_search_hits_are_shown_pseudonymised_and_a_pseudonym_can_be_searched_for(team):  # noqa: F811
    from textual.widgets import Input, OptionList

    from cotag.tui.modals.search import SearchModal

    pseudonyms(team.project)
    app = make_app(team.project, coder="alice", document="E001", unit=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+x")
        await settle(pilot)
        await pilot.press("/")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SearchModal)
        await pilot.press(*"brother")
        await pilot.pause(0.3)
        await settle(pilot)
        hits = modal.query_one(OptionList)
        assert pseudonymised(options_text(hits), real=("Berlin",), shown=("[city B]",))
        assert "Berlin" not in screen_text(app)
        # What the screen shows can be searched for: the pseudonym stands for the stored string.
        modal.query_one(Input).value = "[city A]"
        await pilot.pause(0.3)
        await settle(pilot)
        assert modal.hits and all("Almaty" in hit.text for hit in modal.hits)  # the stored hit, to jump to
        assert "[city A]" in options_text(hits) and "Almaty" not in options_text(hits)
        # Off again while the dialog is open (the view's action: in the dialog's input ctrl+x cuts text), the
        # hits are listed again as stored.
        modal.query_one(Input).value = "brother"
        await pilot.pause(0.3)
        await settle(pilot)
        assert "[city B]" in options_text(hits)
        app.action_pseudonymised_view()
        await pilot.pause(0.3)
        await settle(pilot)
        assert "Berlin" in options_text(hits) and "[city B]" not in options_text(hits)
        # And with real keys: out of the dialog, the view on again, the dialog again.
        await pilot.press("escape", "ctrl+x")
        await settle(pilot)
        await pilot.press("/")
        await settle(pilot)
        await pilot.press(*"brother")
        await pilot.pause(0.3)
        await settle(pilot)
        hits = app.screen.query_one(OptionList)
        assert pseudonymised(options_text(hits), real=("Berlin",), shown=("[city B]",))


async def test_codebook_screen_excerpts_and_examples_follow_the_view(team):  # noqa: F811
    from sqlmodel import select

    from cotag.store.models import Code
    from cotag.tui.screens.codebook_edit import CodebookScreen
    from cotag.tui.widgets.ticks import TickList

    pseudonyms(team.project)
    with team.project.session() as session:
        network = session.exec(select(Code).where(Code.key == "network")).one()
        network.examples = ["a brother who went to Berlin first"]
        session.add(network)
    app = lead_app(team)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        while screen.current is None or screen.current.key != "network":
            await pilot.press("down")
            await settle(pilot)
        codings = screen.query_one("#cbe-codings", TickList)
        detail = screen.query_one("#cbe-detail")
        assert "Berlin" in options_text(codings) and "Berlin" in str(detail.render())
        await pilot.press("ctrl+x")
        await settle(pilot)
        shown = options_text(codings) + str(detail.render())
        assert pseudonymised(shown, real=("Berlin",), shown=("[city B]",))
        assert "Berlin" not in screen_text(app)
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert "Berlin" in options_text(codings) and "[city B]" not in options_text(codings)


async def test_analysis_heads_legend_and_cell_quotes_follow_the_view(team):  # noqa: F811
    from textual.widgets import DataTable

    from cotag.tui.screens.analysis import AnalysisScreen
    from cotag.tui.screens.quotes import QuotesScreen

    pseudonyms(team.project)
    app = lead_app(team)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnalysisScreen)
        while screen.by != "place":
            await pilot.press("a")
            await settle(pilot)
        table = screen.query_one("#an-prevalence-table", DataTable)
        legend = screen.query_one("#an-legend")
        assert "Almaty" in table_text(table) and "Almaty" in str(legend.render())
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert "[city A]" in table_text(table) and "Almaty" not in table_text(table)
        assert "[city A]" in str(legend.render()) and "Almaty" not in str(legend.render())
        assert "Almaty" not in screen_text(app)
        # The cell's quotes (enter on E001's column, Networks row): the Berlin sentence, pseudonymised.
        table.focus()
        row = [str(key.value) for key in table.rows].index("network")
        column = [str(key.value) for key in table.columns].index("value:Almaty")
        table.move_cursor(row=row, column=column)
        await pilot.press("enter")
        await settle(pilot)
        quotes = app.screen
        assert isinstance(quotes, QuotesScreen)
        shown = table_text(quotes.query_one(DataTable)) + screen_text(app)
        assert pseudonymised(shown)
        assert any("Berlin" in row["quote"] for row in quotes.rows)  # the stored rows are kept as they are
        # Off again with the quotes open: this screen and the analysis below it show the stored text.
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert "Berlin" in table_text(quotes.query_one(DataTable))
        await pilot.press("escape")
        await settle(pilot)
        assert "Almaty" in table_text(table) and "[city A]" not in table_text(table)


async def test_journal_entries_follow_the_view(team):  # noqa: F811
    from textual.widgets import DataTable

    from cotag.services.memos import add_memo
    from cotag.tui.screens.journal import JournalScreen

    pseudonyms(team.project)
    add_memo(team.project, coder="lena", text="The Almaty interviews talk about Berlin a lot.", journal=True)
    app = lead_app(team)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+x")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        assert pseudonymised(table_text(screen.query_one(DataTable)) + screen_text(app))
        assert "Almaty" in screen.rows[0]["text"]  # what enter opens to edit is the stored entry
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert "Almaty" in table_text(screen.query_one(DataTable))


async def test_the_revisions_queue_follows_the_view_and_a_verdict_lands_on_the_stored_item(revised):  # noqa: F811
    from test_revisions_screen import items
    from test_revisions_screen import settle as settle_queue
    from textual.widgets import DataTable

    from cotag.tui.screens.revisions import RevisionsScreen

    project = revised  # the revisions screen's own study: a coding changed, one orphaned
    decisions.add(project, "Germany", "[country 1]", "place")
    decisions.add(project, "cousin", "[relative 1]", "person")
    app = make_app(project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle_queue(pilot)
        await pilot.press("ctrl+f")
        await settle_queue(pilot)
        screen = app.screen
        assert isinstance(screen, RevisionsScreen)
        detail = screen.query_one("#revisions-detail")
        assert "Germany" in str(detail.render()) and "cousin" in table_text(screen.query_one(DataTable))
        await pilot.press("ctrl+x")
        await settle_queue(pilot)
        shown = str(detail.render()) + table_text(screen.query_one(DataTable)) + screen_text(app)
        assert pseudonymised(shown, real=("Germany", "cousin"), shown=("[country 1]", "[relative 1]"))
        await pilot.press("a")  # accept the changed coding: the verdict is on the stored item
        await settle_queue(pilot)
        assert items(project)[0][:3] == (2, "changed", "accepted")
        await pilot.press("ctrl+x")
        await settle_queue(pilot)
        assert "Germany" in str(detail.render())


async def test_a_cells_quotes_withhold_a_name_attribute_the_table_does_not_cover(team):  # noqa: F811
    from sqlmodel import select
    from textual.widgets import DataTable

    from cotag.store.models import Document
    from cotag.tui.screens.quotes import QuotesScreen

    pseudonyms(team.project)
    with team.project.session() as session:
        for document in session.exec(select(Document)):
            document.attributes = {**(document.attributes or {}), "name": "Aigerim Nurlanovna"}
            session.add(document)
    # A template that prints the respondent's name: the pseudonymised view must not show it.
    team.project.config["export"] = {"attribution": {group: "({name}, {place})" for group in ("expert", "graduate")}}
    app = lead_app(team)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        table = app.screen.query_one("#an-prevalence-table", DataTable)
        table.focus()
        table.move_cursor(row=[str(key.value) for key in table.rows].index("network"),
                          column=[str(key.value) for key in table.columns].index("value:total"))
        await pilot.press("enter")
        await settle(pilot)
        quotes = app.screen
        assert isinstance(quotes, QuotesScreen)
        assert "Aigerim Nurlanovna" in table_text(quotes.query_one(DataTable))  # the view is off: as stored
        await pilot.press("ctrl+x")
        await settle(pilot)
        shown = table_text(quotes.query_one(DataTable)) + screen_text(app)
        assert "Aigerim" not in shown and "[name withheld]" in shown
        assert "Almaty" not in shown
