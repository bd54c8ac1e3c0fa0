"""Corpus-wide search: a phrase, fuzzily, across every document; Enter jumps to the unit.

With the pseudonymised view on (ctrl+x) the search still runs over the stored text, and the hits are shown
through the pseudonym layer. A pseudonym typed in the query stands for the real string(s) it replaces, so what
the screen shows can be searched for ("[place 1]" finds Aktau, shown as [place 1]).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from cotag.privacy.layer import Pseudonymiser

DEBOUNCE = 0.15  # seconds of no typing before searching: one pass per pause, not per key
LIMIT = 200


class SearchModal(CotagModal[SearchHit | None]):
    """Returns the chosen hit, or None when cancelled."""

    BINDINGS = bindings_for(DIALOG, only={"cancel", "next_option", "previous_option"})

    class Results(Message):
        def __init__(self, query: str, result: SearchResult, units: int, shown: list[SearchHit]) -> None:
            super().__init__()
            self.query = query
            self.result = result
            self.units = units
            self.shown = shown  # the hits as listed: through the pseudonym layer while the view is on

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial = query
        self.hits: list[SearchHit] = []  # as stored: the one chosen is where the transcript jumps
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
        layer = cotag_app(self).pseudonymiser
        result = index.search_counted(real_query(query, layer) if layer else query, limit=LIMIT)
        shown = [pseudonymised_hit(hit, layer) for hit in result.hits] if layer else result.hits
        self.post_message(self.Results(query, result, len(index), shown))

    def show_pseudonyms(self, pseudonyms: "Pseudonymiser | None") -> None:
        """The pseudonymised view went on or off: the hits are searched and listed again."""
        if self.is_mounted:
            self._search(self.query_one(Input).value)

    def on_search_modal_results(self, message: Results) -> None:
        if message.query != self.query_one(Input).value:
            return  # typed on since: a newer search is coming
        result = message.result
        self.hits = result.hits
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._prompt(hit), id=f"{hit.document}:{hit.unit}") for hit in message.shown])
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


def real_query(query: str, layer: "Pseudonymiser") -> str:
    """The query with each pseudonym in it read as the real string it stands for (the first, where several
    spellings share one pseudonym): the index holds the stored text."""
    for entry in sorted(layer.entries, key=lambda e: -len(e.pseudonym)):
        if entry.pseudonym.strip():  # a function, not a template: a real string's backslashes stay as written
            query = re.compile(re.escape(entry.pseudonym), re.IGNORECASE).sub(partial(_literal, entry.real), query)
    return query


def _literal(text: str, _match: re.Match[str]) -> str:
    return text


def pseudonymised_hit(hit: SearchHit, layer: "Pseudonymiser") -> SearchHit:
    """The hit as listed: its whole unit read through the layer (a name cut at a snippet's edge is still
    replaced), the match moved onto the same words."""
    layered = layer.apply(hit.text)
    start, end = layered.map_span(hit.match_start, hit.match_end)
    return replace(hit, text=layered.text, match_start=start, match_end=end)
