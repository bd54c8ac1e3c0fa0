"""Read-only tables a lead looks through: the audit log, and the agreed spans of a reconciliation."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from cotag import reconcile
from cotag.keys import TABLE
from cotag.tui.bindings import bindings_for

AGREED_SHOWN = 2000


class TableScreen(Screen[None]):
    """A table loaded in a worker.

    A subclass names its title, table id and columns, reads its rows in `fetch`
    (worker thread) and turns them into table rows and a header line in `show`.
    """

    BINDINGS = bindings_for(TABLE)
    KEY_CONTEXTS = (TABLE,)  # what help (?) lists first and the palette offers
    TITLE_TEXT = ""
    TABLE_ID = ""
    COLUMNS: tuple[str, ...] = ()
    CURSOR_ON_LAST = False

    class Loaded(Message):
        def __init__(self, rows: list[dict[str, Any]] | None, error: str | None = None) -> None:
            super().__init__()
            self.rows, self.error = rows, error

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(f"{self.TITLE_TEXT} · loading…", id="table-header", classes="screen-header")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self._load()

    @work(thread=True, exclusive=True, group="table-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            rows = self.fetch()
        except Exception as exc:  # noqa: BLE001 - said on the screen; the app keeps running
            self.post_message(self.Loaded(None, f"{self.TITLE_TEXT}: {exc}"))
            return
        self.post_message(self.Loaded(rows))

    def on_table_screen_loaded(self, message: Loaded) -> None:
        header = self.query_one("#table-header", Static)
        if message.rows is None:
            header.update(message.error or "")
            return
        self.rows = message.rows
        table = self.query_one(DataTable)
        # One bulk call: these tables run to thousands of rows.
        table_rows, title = self.show(message.rows)
        table.add_rows(table_rows)
        header.update(f"{title} · esc back")
        if self.CURSOR_ON_LAST and self.rows:
            table.move_cursor(row=len(self.rows) - 1)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)


class LogScreen(TableScreen):
    """The audit trail: every event, newest last, with who and when."""

    TITLE_TEXT, TABLE_ID = "Audit log", "log-table"
    CURSOR_ON_LAST = True  # newest last, and the cursor on it
    COLUMNS = ("when (UTC)", "who", "what", "details")

    def __init__(self, *, kind: str | None = None, actor: str | None = None) -> None:
        super().__init__()
        self.kind, self.actor = kind, actor

    def fetch(self) -> list[dict[str, Any]]:
        from cotag.store.events import event_table

        with self.app.project.session() as session:
            return event_table(session, kind=self.kind, actor=self.actor)

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        return ([(row["at"].replace("T", " "), row["actor"] or "-", row["kind"], row["summary"][:120]) for row in rows],
                f"Audit log · {len(rows)} event(s)")



class AgreedScreen(TableScreen):
    """The agreed spans: where both coders marked the same characters, and whether each is in the consensus."""

    TITLE_TEXT, TABLE_ID = "Agreed spans", "agreed-table"
    COLUMNS = ("document", "code", "span", "in consensus", "text")

    def __init__(self, *, coders: list[str] | None = None, documents: list[str] | None = None) -> None:
        super().__init__()
        self.coders, self.documents = coders, documents

    def fetch(self) -> list[dict[str, Any]]:
        return reconcile.agreed_review(self.app.project, coders=self.coders, documents=self.documents)

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        # A whole corpus has tens of thousands of agreed spans; a table that long takes seconds to build
        # and nobody reads it on screen (`cotag reconcile list --agreed --json` has them all).
        shown = [(row["document"], row["code"], f"{row['start']}:{row['end']}",
                  "yes" if row["in_consensus"] else "pending", row["text"][:90]) for row in rows[:AGREED_SHOWN]]
        written = sum(r["in_consensus"] for r in rows)
        where = f" in {', '.join(self.documents)}" if self.documents and len(self.documents) <= 3 else ""
        more = f" (first {AGREED_SHOWN} shown)" if len(rows) > AGREED_SHOWN else ""
        return shown, f"Agreed spans{where} · {len(rows)}{more} · {written} in the consensus"
