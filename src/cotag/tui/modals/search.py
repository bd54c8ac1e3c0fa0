"""Corpus-wide search: a phrase, fuzzily, across every document; Enter jumps to the unit."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from cotag.keys import DIALOG
from cotag.search import SearchHit, SearchResult
from cotag.tui.bindings import bindings_for
from cotag.tui.modals.code_picker import step_options
from cotag.tui.base import cotag_app
from cotag.tui.base import CotagModal

DEBOUNCE = 0.15  # seconds of no typing before searching: one pass per pause, not per key
LIMIT = 200


class SearchModal(CotagModal[SearchHit | None]):
    """Returns the chosen hit, or None when cancelled."""

    BINDINGS = bindings_for(DIALOG, only={"cancel", "next_option", "previous_option"})

    class Results(Message):
        def __init__(self, query: str, result: SearchResult, units: int) -> None:
            super().__init__()
            self.query = query
            self.result = result
            self.units = units

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial = query
        self.hits: list[SearchHit] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="search"):
            yield Label("Search the corpus", classes="dialog-title")
            yield Input(self.initial, placeholder="a phrase; small typos are forgiven", id="search-input")
            yield Label("", id="search-status", classes="dialog-subtitle")
            yield OptionList(id="search-hits")
            yield Label("enter jump · ↑↓ choose · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial:
            self._search(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self._search(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is not None and self.hits:
            self.dismiss(self.hits[options.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.hits[event.option_index])

    def _search(self, query: str) -> None:
        if not query.strip():
            self.hits = []
            self.query_one(OptionList).clear_options()
            self.query_one("#search-status", Label).update("")
            return
        self.query_one("#search-status", Label).update("searching…")
        self._run(query)

    @work(thread=True, exclusive=True, group="search")
    def _run(self, query: str) -> None:
        index = cotag_app(self).corpus_index()
        self.post_message(self.Results(query, index.search_counted(query, limit=LIMIT), len(index)))

    def on_search_modal_results(self, message: Results) -> None:
        if message.query != self.query_one(Input).value:
            return  # typed on since: a newer search is coming
        result = message.result
        self.hits = result.hits
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._prompt(hit), id=f"{hit.document}:{hit.unit}") for hit in self.hits])
        if self.hits:
            options.highlighted = 0
        units = "unit" if result.total == 1 else "units"
        docs = "document" if result.documents == 1 else "documents"
        listed = f", best {len(self.hits)} listed" if len(self.hits) < result.total else ""
        self.query_one("#search-status", Label).update(
            f"{result.total:,} {units} in {result.documents} {docs}{listed} (of {message.units:,} units)"
            if self.hits else f"nothing close to that in {message.units:,} units")

    def _prompt(self, hit: SearchHit) -> Text:
        width = max((self.query_one(OptionList).size.width or 70) - 16, 30)
        snippet, start, end = hit.context(width)
        prompt = Text(no_wrap=True, overflow="ellipsis")
        prompt.append(f"{hit.document:<6}", style="bold")
        prompt.append(f"{hit.unit + 1:>5} ", style="dim")  # numbered from 1, as on the transcript screen
        line = Text(snippet)
        line.stylize("bold reverse", start, end)
        prompt.append_text(line)
        return prompt

    def action_next_option(self) -> None:
        step_options(self.query_one(OptionList), 1)

    def action_previous_option(self) -> None:
        step_options(self.query_one(OptionList), -1)

    def action_cancel(self) -> None:
        self.dismiss(None)
