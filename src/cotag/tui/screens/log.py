"""The audit log: every event, newest last, with who and when (a lead's, from any screen: ctrl+l)."""

from __future__ import annotations

from typing import Any

from cotag.tui.screens.table import TableScreen
from cotag.tui.base import cotag_app


class LogScreen(TableScreen):
    """The audit trail: every event, newest last, with who and when."""

    TITLE_TEXT, TABLE_ID = "Audit log", "log-table"
    CURSOR_ON_LAST = True  # newest last, and the cursor on it
    COLUMNS = ("when (UTC)", "who", "what", "details")
    PSEUDONYMISED = ("summary",)  # details may repeat an attribute value or a memo's words

    def __init__(self, *, kind: str | None = None, actor: str | None = None) -> None:
        super().__init__()
        self.kind, self.actor = kind, actor

    def fetch(self) -> list[dict[str, Any]]:
        from cotag.store.events import event_table

        with cotag_app(self).project.session() as session:
            return event_table(session, kind=self.kind, actor=self.actor)

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        return ([(row["at"].replace("T", " "), row["actor"] or "-", row["kind"], row["summary"]) for row in rows],
                f"Audit log · {len(rows)} event(s)")
