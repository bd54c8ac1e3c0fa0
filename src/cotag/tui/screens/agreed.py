"""The agreed spans of a reconciliation: where both coders marked the same characters, and whether each is
in the consensus yet (`A` on the reconcile screen)."""

from __future__ import annotations

from typing import Any

from cotag.services import reconcile
from cotag.tui.screens.table import TableScreen
from cotag.tui.base import cotag_app

AGREED_SHOWN = 2000


class AgreedScreen(TableScreen):
    """The agreed spans: where both coders marked the same characters, and whether each is in the consensus."""

    TITLE_TEXT, TABLE_ID = "Agreed spans", "agreed-table"
    COLUMNS = ("document", "code", "span", "in consensus", "text")
    PSEUDONYMISED = ("text",)

    def __init__(self, *, coders: list[str] | None = None, documents: list[str] | None = None) -> None:
        super().__init__()
        self.coders, self.documents = coders, documents

    def fetch(self) -> list[dict[str, Any]]:
        return reconcile.agreed_review(cotag_app(self).project, coders=self.coders, documents=self.documents)

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        # A whole corpus has tens of thousands of agreed spans; a table that long takes seconds to build
        # and nobody reads it on screen (`cotag reconcile list --agreed --json` has them all).
        shown = [(row["document"], row["code"], f"{row['start']}:{row['end']}",
                  "yes" if row["in_consensus"] else "pending", row["text"]) for row in rows[:AGREED_SHOWN]]
        written = sum(r["in_consensus"] for r in rows)
        where = f" in {', '.join(self.documents)}" if self.documents and len(self.documents) <= 3 else ""
        more = f" (first {AGREED_SHOWN} shown)" if len(rows) > AGREED_SHOWN else ""
        return shown, f"Agreed spans{where} · {len(rows)}{more} · {written} in the consensus"
