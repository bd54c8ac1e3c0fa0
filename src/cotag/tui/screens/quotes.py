"""A quote table on its own screen: the quotes behind a matrix or co-occurrence cell, or a saved query's passages.

The table is built in the screen's worker by the same core the CLI uses (`export matrix --cell`, `cotag query`),
so what the screen lists is what the export would write.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from cotag.tui.screens.table import TableScreen


class QuotesScreen(TableScreen):
    """Quotes, one a row: document, coder, attribution, then the quote (cut between words to fit)."""

    TITLE_TEXT, TABLE_ID = "Quotes", "quotes-table"
    COLUMNS = ("document", "coder", "attribution", "quote")
    # The quotes and their attributions follow the pseudonymised view (ctrl+x), whatever core built them.
    PSEUDONYMISED = ("attribution", "quote")

    def __init__(self, title: str, build: Callable[[], Any]) -> None:
        super().__init__()
        self.TITLE_TEXT = title
        self.build = build  # () -> QuoteTable, run in the worker
        self.table: Any = None
        self.title_shown = title

    def _layer(self, text: str) -> str:
        layer = self.app.pseudonymiser
        return layer(text) if layer is not None else text

    def compose(self) -> ComposeResult:
        # The title may name a cell's attribute value (a place): read through the view like the quotes.
        yield Static(f"{self._layer(self.TITLE_TEXT)} · loading…", id="table-header", classes="screen-header")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        # The highlighted quote in full: the table's quote column is cut to the terminal's width.
        yield Static("", id="quote-full")
        yield Footer(compact=True, show_command_palette=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.shown_rows):
            row = self.shown_rows[event.cursor_row]
            self.query_one("#quote-full", Static).update(Text.assemble(
                f"“{' '.join(row['quote'].split())}”", (f"  — {row['attribution']} · {row['document']}", "italic dim")))

    def fetch(self) -> list[dict[str, Any]]:
        self.table = self.build()
        self.title_shown = self._layer(self.table.title if self.table is not None else self.TITLE_TEXT)
        layer = self.app.pseudonymiser
        # With the view on, a name attribute the pseudonyms do not cover is withheld from the attribution, as
        # the pseudonymised exports withhold it, whichever template printed it (a cell's, a saved query's).
        return [{"document": q.document, "coder": q.coder, "quote": q.text,
                 "attribution": layer.withhold_names(q.attribution, q.attributes) if layer else q.attribution}
                for q in self.table.quotes]

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        title = self.title_shown
        respondents = len({row["document"] for row in rows})
        return ([(r["document"], r["coder"], r["attribution"], " ".join(r["quote"].split())) for r in rows],
                f"{title} · {len(rows)} quote(s) from {respondents} respondent(s)")
