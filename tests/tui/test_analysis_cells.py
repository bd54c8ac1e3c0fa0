"""Enter on a themes or co-occurrence cell opens its quotes; the Queries tab runs saved queries (Pilot, real keys)."""

from __future__ import annotations

from test_analysis_screen import open_analysis, study  # noqa: F401 - the fixture is shared
from tui_helpers import settle

from cotag.services.export import export_cell_quotes
from cotag.export.scope import Scope
from cotag.query import save_query
from cotag.tui.app import make_app
from cotag.tui.screens.analysis import AnalysisScreen
from cotag.tui.screens.quotes import QuotesScreen

SIZE = (120, 40)


def shown(screen: QuotesScreen) -> list[tuple[str, str, str]]:
    return [(r["document"], r["coder"], r["quote"]) for r in screen.rows]


async def test_enter_on_a_themes_cell_opens_the_quotes_export_matrix_cell_writes(study):  # noqa: F811
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_analysis(pilot)
        # The themes table has the keys as the screen opens. Row 2 is wages (push, wages, lowpay, ...); column 1
        # is expert.
        await pilot.press("down", "right", "enter")
        await settle(pilot)
        quotes = app.screen
        assert isinstance(quotes, QuotesScreen)
        summary, text = export_cell_quotes(study, None, cell="wages:expert", by="group", scope=Scope())
        assert summary["quotes"] == len(quotes.rows) == 3
        assert sorted(shown(quotes)) == [("E001", "alice", "Salaries are low here."),
                                         ("E001", "bob", "Salaries are low here."),
                                         ("E002", "alice", "A teacher cannot live on this salary.")]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AnalysisScreen)
        # The code column is the row's total.
        await pilot.press("left", "enter")
        await settle(pilot)
        assert len(app.screen.rows) == 4  # and G001's


async def test_enter_on_a_cooccurrence_cell_opens_the_quotes_of_both_codes(study):  # noqa: F811
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = screen.query_one("#an-cooccurrence-table")
        assert screen.focused is table  # `2` hands the arrows to the matrix, not to the tab bar
        keys = list(screen.cooccurrence.counts.index)
        await pilot.press(*["down"] * keys.index("wages"), *["right"] * (1 + keys.index("corruption")), "enter")
        await settle(pilot)
        assert isinstance(app.screen, QuotesScreen)
        # Wages and corruption meet in E001's first sentence (alice's codings).
        assert sorted(shown(app.screen)) == [("E001", "alice", "Salaries are low"),
                                             ("E001", "alice", "Salaries are low here.")]
        await pilot.press("escape")
        await settle(pilot)
        steps = keys.index("family") - keys.index("wages"), keys.index("wages") - keys.index("corruption")
        await pilot.press(*["down" if steps[0] > 0 else "up"] * abs(steps[0]),
                          *["right" if steps[1] > 0 else "left"] * abs(steps[1]), "enter")
        await settle(pilot)
        assert shown(app.screen) == []  # they never share a sentence


async def test_the_queries_tab_lists_and_runs_saved_queries(study):  # noqa: F811
    save_query(study, "pay-and-bribes", "wages AND corruption", options={"coder": ["alice"]})
    save_query(study, "family", "family", options={})
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert screen.query_one("TabbedContent").active == "an-queries"
        listing = screen.query_one("#an-queries-list")
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == ["family",
                                                                                             "pay-and-bribes"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QuotesScreen)
        assert shown(app.screen) == [("E001", "alice", "Salaries are low")]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("up", "enter")  # no coder stored: the screen's coding (every coder)
        await settle(pilot)
        assert sorted(shown(app.screen)) == [("E001", "alice", "I stay for my parents."),
                                             ("G002", "bob", "My family keeps me here.")]


async def test_a_coder_runs_saved_queries_on_their_own_coding_only(study):  # noqa: F811
    save_query(study, "family", "family", options={"all_coders": True})
    app = make_app(study, coder="bob")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert str(screen.query_one("#an-queries-head").render()).startswith("1 saved query (on your own coding, bob)")
        await pilot.press("enter")
        await settle(pilot)
        assert shown(app.screen) == [("G002", "bob", "My family keeps me here.")]
