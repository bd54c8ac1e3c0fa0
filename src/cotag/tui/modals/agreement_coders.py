"""The agreement screen's choice of coders: which two (or more) to compare."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.widgets.ticks import TickList
from cotag.tui.base import CotagModal


class AgreementCoders(CotagModal[list[str] | None]):
    """Tick the coders to compare; None when cancelled, [] for the default (every coder, no lead)."""

    # Enter compares (before the list takes it as a tick): the one key the lead reaches for.
    BINDINGS = bindings_for(DIALOG, only={"cancel", "submit", "compare"}, priority={"compare"})

    def __init__(self, names: list[str], chosen: set[str]) -> None:
        super().__init__()
        self.names, self.chosen = names, chosen

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="agreement-coders"):
            yield Label("Compare these coders (two or more)", classes="dialog-title")
            yield TickList[str](*[(name, name, name in self.chosen) for name in self.names],
                                     id="agreement-coders")
            yield Label("space tick · enter compare · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(TickList).focus()

    def action_compare(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        picked = list(self.query_one(TickList).selected)
        if len(picked) == 1:
            self.notify("tick two coders or more (or none for the default)", severity="warning")
            return
        self.dismiss(picked)

    def action_cancel(self) -> None:
        self.dismiss(None)
