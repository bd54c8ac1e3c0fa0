"""Help: the keys of the screen it was opened from and of the whole app (from the key map), the codebook's
shortcuts when coding, and where the command palette is."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from cotag.keys import (AGREEMENT, ANALYSIS, APP, CODEBOOK, CODER, CONFIRM, DASHBOARD, DIALOG, HELP, JOURNAL, KEYMAP,
                        LEAD, LIBRARY, PSEUDONYMS, RECONCILE, REVISIONS, TABLE, WORD_MODE)
from cotag.tui.bindings import bindings_for
from cotag.tui.codebook import Codebook
from cotag.tui.base import cotag_app
from cotag.tui.base import CotagScreen

CONTEXT_TITLES = {CODER: "Coding a transcript", WORD_MODE: "Word mode (w): select part of a sentence",
                  LEAD: "Lead coder (cotag code --lead)", APP: "Everywhere",
                  RECONCILE: "Reconciling (cotag reconcile --lead)", CODEBOOK: "The codebook screen (lead)",
                  AGREEMENT: "Intercoder agreement (lead)", ANALYSIS: "Analysis", TABLE: "Audit log, agreed spans",
                  HELP: "Help", DIALOG: "Dialogs", CONFIRM: "Yes or no", LIBRARY: "The library",
                  JOURNAL: "The project journal", REVISIONS: "Revisions: review what a revision flagged (lead)",
                  DASHBOARD: "The lead's dashboard", PSEUDONYMS: "The pseudonym table (lead)"}
# The library and the transcript screen: the coder's keys.
CODING_HELP = (CODER, WORD_MODE, LEAD)

# How a key is written for people: "shift+down" -> "shift+↓".
_ARROWS = {"down": "↓", "up": "↑", "left": "←", "right": "→"}


def key_label(key: str) -> str:
    parts = key.split("+")
    return "+".join(_ARROWS.get(part, part) for part in parts)


# Where an action means more than its key-map description says.
DETAILS = {"open": "open: a document (library), a code (codebook panel: apply), a coding (its memo)",
           "switch_panel": "switch panel: transcript, codes on the selection, codebook"}


def help_tables(codebook: Codebook, *, contexts: tuple[str, ...] = CODING_HELP, width: int = 80) -> RenderableType:
    """The keys of `contexts` and of the whole app; the code shortcuts where codes are applied."""
    parts = []
    for context in (*contexts, APP):
        table = Table(title=CONTEXT_TITLES[context], title_justify="left", title_style="bold", show_header=False,
                      box=None, padding=(0, 2, 0, 1), expand=False)
        table.add_column("keys", style="bold", no_wrap=True, min_width=12)
        table.add_column("action")
        by_id: dict[str, tuple[list[str], str]] = {}
        for spec in KEYMAP:
            if spec.context == context:
                by_id.setdefault(spec.id, ([], spec.description))[0].append(key_label(spec.key))
        for spec_id, (keys, description) in by_id.items():
            table.add_row("  ".join(keys), DETAILS.get(spec_id, description))
        parts.append(table)
    if CODER in contexts:
        parts.append(_shortcuts(codebook))
    note = Text("Every action is also in the command palette (ctrl+p). Changes are saved as you make them; "
                "there is no save key.", style="dim")
    if width >= 110 and len(parts) > 2:
        # Wide terminal: two columns, so the whole key map fits on one screen.
        grid = Table.grid(padding=(0, 4))
        grid.add_column()
        grid.add_column()
        left, right = parts[:2], parts[2:]
        grid.add_row(Group(*_spaced(left)), Group(*_spaced(right)))
        return Group(grid, Text(""), note)
    return Group(*_spaced(parts), Text(""), note)


def _shortcuts(codebook: Codebook) -> Table:
    codes = Table(title="Code shortcuts (from the codebook): apply, or remove if already on the selection",
                  title_justify="left", title_style="bold", show_header=False, box=None, padding=(0, 2, 0, 1))
    codes.add_column("key", style="bold", no_wrap=True, min_width=12)
    codes.add_column("code")
    shortcuts = [entry for entry in codebook.active if entry.shortcut]
    for entry in shortcuts:
        codes.add_row(entry.shortcut, Text.assemble(("■ ", entry.colour or ""), entry.name, (f"  {entry.key}", "dim")))
    if not shortcuts:
        codes.add_row("", Text("no code has a shortcut: use c (code picker)", style="dim italic"))
    return codes


def _spaced(parts: list) -> list:
    spaced: list = []
    for part in parts:
        if spaced:
            spaced.append(Text(""))
        spaced.append(part)
    return spaced


class HelpScreen(CotagScreen[None]):
    BINDINGS = bindings_for(HELP)
    KEY_CONTEXTS = (HELP,)

    def __init__(self, contexts: tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.contexts = contexts or CODING_HELP

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_tables(cotag_app(self).codebook, contexts=self.contexts, width=self.app.size.width),
                         id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
