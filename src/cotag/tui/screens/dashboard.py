"""The lead's dashboard (ctrl+u): per coder, documents assigned / started / done, codings, time spent and alpha so
far on the overlap sample; per round, what is left.

The figures come from services.team.dashboard (store/progress.py and the reliability core), computed in a worker that posts
them back as a message: alpha on a large overlap sample takes a moment, and the screen stays live meanwhile.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from cotag.keys import DASHBOARD
from cotag.tui.base import CotagScreen
from cotag.tui.bindings import bindings_for


def hours(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"


def figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


class DashboardScreen(CotagScreen[None]):
    """Two tables: the coders, then the rounds; the overlap sample's alpha in the header."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings_for(DASHBOARD)]
    KEY_CONTEXTS = (DASHBOARD,)  # what help (?) lists first and the palette offers

    class Computed(Message):
        def __init__(self, data: dict[str, Any] | None, error: str | None = None) -> None:
            super().__init__()
            self.data, self.error = data, error

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static("dashboard · computing…", id="db-header", classes="screen-header")
        yield DataTable(id="db-coders", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="db-rounds", cursor_type="row", zebra_stripes=True)
        yield Static("", id="db-status", classes="screen-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        coders = self.query_one("#db-coders", DataTable)
        for label in ("coder", "assigned", "started", "done", "codings", "time", "alpha"):
            coders.add_column(label, key=label)
        rounds = self.query_one("#db-rounds", DataTable)
        for label in ("round", "state", "documents", "assignments", "done", "left"):
            rounds.add_column(label, key=label)
        coders.focus()
        self._compute()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def _compute(self) -> None:
        from cotag.services.team import dashboard

        try:
            data = dashboard(self.app.project)
        except Exception as exc:  # noqa: BLE001 - said on the screen; the app keeps running
            self.post_message(self.Computed(None, f"dashboard: {exc}"))
            return
        self.post_message(self.Computed(data))

    def on_dashboard_screen_computed(self, message: Computed) -> None:
        header = self.query_one("#db-header", Static)
        if message.data is None:
            header.update(Text(message.error or "", style="bold red"))
            return
        self.data = data = message.data
        coders = self.query_one("#db-coders", DataTable)
        coders.clear()
        for row in data["coders"]:
            coders.add_row(Text(row["coder"], style="bold"), *(Text(str(row[k]), justify="right")
                                                               for k in ("assigned", "started", "done", "codings")),
                           Text(hours(row["time_spent"]), justify="right"),
                           Text(figure(row["alpha"]), justify="right"), key=row["coder"])
        rounds = self.query_one("#db-rounds", DataTable)
        rounds.clear()
        for row in data["rounds"]:
            state = "closed" if row["closed"] else "open" if row["started"] else "-"  # "-": a label, never started
            rounds.add_row(Text(row["round"], style="bold"), state,
                           *(Text(str(row[k]), justify="right") for k in ("documents", "assignments", "done", "left")),
                           key=row["round"])
        overlap = data["overlap"]
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("dashboard", style="bold")
        if overlap["alpha"] is not None:
            title.append(f" · alpha so far on the overlap sample ({len(overlap['documents'])} document(s)): "
                         f"{overlap['alpha']:.2f}")
        else:
            title.append(f" · alpha: {overlap['reason']}")
        header.update(title)
        left = sum(r["left"] for r in data["rounds"])
        status = ("no assignments yet: plan them with `cotag assign`" if not data["coders"] else
                  f"{len(data['coders'])} coders · {len(data['rounds'])} rounds · {left} assignments left · "
                  "alpha per coder: mean of their pairs on the overlap sample")
        self.query_one("#db-status", Static).update(Text(status, no_wrap=True, overflow="ellipsis"))

    def action_dashboard_refresh(self) -> None:
        self.query_one("#db-header", Static).update("dashboard · computing…")
        self._compute()
