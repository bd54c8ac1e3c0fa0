"""A read-only table loaded in a worker: the shape the audit log and the agreed-span review share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from cotag.keys import TABLE
from cotag.tui.bindings import bindings_for
from cotag.tui.text import clip_words
from cotag.tui.base import CotagScreen


def fit_last_column(columns: tuple[str, ...], rows: list[tuple], width: int) -> list[tuple]:
    """The last (free-text) column cut between words, so every row ends on screen rather than mid-word at its edge."""
    if not rows:
        return rows
    # Each column is as wide as its widest cell, plus a cell's padding of one column either side.
    used = sum(max(cell_len(columns[i]), *(cell_len(str(row[i])) for row in rows)) + 2
               for i in range(len(columns) - 1))
    room = max(20, width - used - 3)  # the last cell's padding and the scroll bar
    return [(*row[:-1], clip_words(str(row[-1]), room)) for row in rows]


class TableScreen(CotagScreen[None]):
    """A table loaded in a worker.

    A subclass names its title, table id and columns, reads its rows in `fetch`
    (worker thread) and turns them into table rows and a header line in `show`.
    """

    BINDINGS = bindings_for(TABLE)
    KEY_CONTEXTS: tuple[str, ...] = (TABLE,)  # what help (?) lists first and the palette offers
    TITLE_TEXT = ""
    TABLE_ID = ""
    COLUMNS: tuple[str, ...] = ()
    CURSOR_ON_LAST = False
    # The row fields the pseudonymised view (ctrl+x) reads through the pseudonym layer: texts and quotes.
    PSEUDONYMISED: tuple[str, ...] = ()

    class Loaded(Message):
        def __init__(self, rows: list[dict[str, Any]] | None, error: str | None = None,
                     shown: list[dict[str, Any]] | None = None) -> None:
            super().__init__()
            self.rows, self.error = rows, error
            self.shown: list[dict[str, Any]] = (rows or []) if shown is None else shown

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []  # as stored: what an action (edit, open) works on
        self.shown_rows: list[dict[str, Any]] = []  # as shown: through the pseudonym layer while the view is on

    def compose(self) -> ComposeResult:
        yield Static(f"{self.TITLE_TEXT} · loading…", id="table-header", classes="screen-header")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        # Compact, without the palette hint: the footer's keys fit 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="table-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            rows = self.fetch()
            layer = getattr(self.app, "pseudonymiser", None)
            shown = rows
            if layer is not None and self.PSEUDONYMISED:
                # Copies: the stored rows stay for actions (an edit must never save the pseudonymised text).
                shown = [{k: layer(v) if k in self.PSEUDONYMISED else v for k, v in row.items()} for row in rows]
        except Exception as exc:  # noqa: BLE001 - said on the screen; the app keeps running
            self.post_message(self.Loaded(None, f"{self.TITLE_TEXT}: {exc}"))
            return
        self.post_message(self.Loaded(rows, shown=shown))

    def show_pseudonyms(self, pseudonyms: Any) -> None:
        """The app's pseudonymised view went on or off: the rows are read again (in the worker) through it."""
        if self.PSEUDONYMISED and self.is_mounted:
            self._load()

    if TYPE_CHECKING:  # what every subclass defines (declared for the type checker; no body to fall back on)
        def fetch(self) -> list[Any]:
            """The rows, read in the worker thread."""

        def show(self, rows: list[Any]) -> tuple[list[tuple], str]:
            """The table rows and the header line for `rows`."""

    def on_table_screen_loaded(self, message: Loaded) -> None:
        header = self.query_one("#table-header", Static)
        if message.rows is None:
            header.update(message.error or "")
            return
        self.rows, self.shown_rows = message.rows, message.shown
        table = self.query_one(DataTable)
        cursor = table.cursor_row if table.row_count else None
        table.clear(columns=True)  # loaded again when the pseudonymised view is toggled
        # One bulk call: these tables run to thousands of rows.
        table_rows, title = self.show(message.shown)
        table_rows = fit_last_column(self.COLUMNS, table_rows, self.app.size.width)
        # Each column as wide as its widest cell, set here: the table's own measuring waits for an idle
        # moment, and a busy app would draw the first rows cut to the headers' widths.
        for i, column in enumerate(self.COLUMNS):
            table.add_column(column, width=max([cell_len(column)] + [cell_len(str(row[i])) for row in table_rows]))
        # Text, not str: a table reads a str as markup, and a pseudonym such as "[city A]" would vanish from it.
        table.add_rows([tuple(Text(cell) if isinstance(cell, str) else cell for cell in row) for row in table_rows])
        header.update(f"{title} · esc back")
        if cursor is not None and self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        elif self.CURSOR_ON_LAST and self.rows:
            table.move_cursor(row=len(self.rows) - 1)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
