"""The project journal (ctrl+o): dated entries on how the analysis goes, newest last; n writes one, enter edits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.widgets import DataTable

from cotag.keys import JOURNAL, TABLE
from cotag.tui.bindings import bindings_for
from cotag.tui.screens.table import TableScreen

if TYPE_CHECKING:
    from cotag.tui.app import CotagApp


class JournalScreen(TableScreen):
    """A coder sees their own entries; a lead sees everyone's (and edits only their own)."""

    BINDINGS = bindings_for(TABLE, JOURNAL, priority={"edit_entry"})
    KEY_CONTEXTS: tuple[str, ...] = (JOURNAL, TABLE)
    TITLE_TEXT, TABLE_ID = "Project journal", "journal-table"
    CURSOR_ON_LAST = True
    COLUMNS = ("when (UTC)", "who", "entry")
    PSEUDONYMISED = ("title", "text")  # an entry may name a respondent; editing opens the stored text

    def fetch(self) -> list[dict[str, Any]]:
        from cotag.memos import JOURNAL as KIND
        from cotag.services.memos import memos

        app = cast("CotagApp", self.app)
        session = app.coding_session
        coders = None if app.lead else [session.actor]
        return [{"id": v.id, "coder": v.coder, "at": v.created_at.strftime("%Y-%m-%d %H:%M"), "title": v.title,
                 "text": v.text} for v in memos(app.project, coders=coders, kinds=[KIND])]

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        shown = [(row["at"], row["coder"], " ".join(f"{row['title']}: {row['text']}".lstrip(": ").split()))
                 for row in rows]
        return shown, f"Project journal · {len(rows)} entr{'y' if len(rows) == 1 else 'ies'} · n new · enter edit"

    def reload(self) -> None:
        self.query_one(DataTable).clear(columns=True)
        self._load()

    def action_new_entry(self) -> None:
        from cotag.tui.memos import MemoTarget, open_memo

        open_memo(self.app, MemoTarget("New journal entry", new=True))

    def action_edit_entry(self) -> None:
        from cotag.tui.memos import MemoTarget, open_memo

        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        row = self.rows[table.cursor_row]
        if row["coder"] != cast("CotagApp", self.app).coding_session.actor:
            self.notify(f"This is {row['coder']}'s entry: a memo is changed only by the coder who wrote it.",
                        severity="warning", timeout=4)
            return
        open_memo(self.app, MemoTarget(f"Journal entry of {row['at']}", memo_id=row["id"]), text=row["text"])
