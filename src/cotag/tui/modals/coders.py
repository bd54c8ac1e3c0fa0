"""The lead's coder chooser: whose codings to show beside their own, and how."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, RadioButton, RadioSet

from cotag.coding_views import CoderInfo
from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.widgets.ticks import Choice, TickList
from cotag.tui.widgets.transcript_view import OVERLAY_INLINE, OVERLAY_SIDE
from cotag.tui.base import CotagModal


class CoderChooser(CotagModal[tuple[list[int], str] | None]):
    """Returns (coder ids, overlay mode), or None when cancelled. The codings shown stay read-only."""

    BINDINGS = bindings_for(DIALOG, only={"cancel", "submit"})

    def __init__(self, coders: list[CoderInfo], *, chosen: list[int], mode: str) -> None:
        super().__init__()
        self.coders = coders
        self.chosen = set(chosen)
        self.mode = mode if mode in (OVERLAY_INLINE, OVERLAY_SIDE) else OVERLAY_SIDE

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="coders"):
            yield Label("Show other coders' codings (read-only)", classes="dialog-title")
            if self.coders:
                yield TickList[int](*[(f"{c.name}  ({c.codings} in this document, {c.role})", c.id,
                                            c.id in self.chosen) for c in self.coders], id="coders-list")
            else:
                yield Label("No other coder has codings in this project yet.", classes="dialog-subtitle")
            with RadioSet(id="coders-mode"):
                yield Choice("side by side", value=self.mode == OVERLAY_SIDE, id="mode-side")
                yield Choice("overlaid", value=self.mode == OVERLAY_INLINE, id="mode-overlay")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Show", variant="primary", compact=True, id="coders-show")
                yield Button("Cancel", compact=True, id="coders-cancel")
            yield Label("space tick · ctrl+s show · esc cancel", classes="dialog-hint")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "coders-show":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        chosen = list(self.query_one(TickList).selected) if self.coders else []
        mode = OVERLAY_INLINE if self.query_one("#mode-overlay", RadioButton).value else OVERLAY_SIDE
        self.dismiss((chosen, mode))

    def action_cancel(self) -> None:
        self.dismiss(None)
