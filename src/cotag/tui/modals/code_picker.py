"""The code picker: type a few letters of a code's name, key or keyword; Enter applies the best match."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from cotag.keys import DIALOG
from cotag.tui.bindings import bindings_for
from cotag.tui.codebook import CodeEntry, Codebook
from cotag.tui.widgets.codebook_panel import code_label
from cotag.tui.base import CotagModal

CUTOFF = 55.0


def step_options(options: OptionList, step: int) -> None:
    """Move a dialog's list while the focus stays in its text field."""
    if options.option_count:
        current = options.highlighted or 0
        options.highlighted = min(max(current + step, 0), options.option_count - 1)


def rank_codes(entries: list[CodeEntry], query: str) -> list[CodeEntry]:
    """Codes best matching `query` first; all of them in codebook order for an empty query.

    What was typed found in a code's name (or key) ranks above what was found only in one of its
    keywords, however close the keyword: a coder types the name they remember, and a keyword is
    there to find a code whose name they do not. Fuzzy matches (typos) come after exact ones.
    """
    from rapidfuzz import fuzz
    from rapidfuzz.utils import default_process

    query = query.strip()
    if not query:
        return list(entries)
    typed = default_process(query)
    scored: list[tuple[int, float, int, CodeEntry]] = []
    for order, entry in enumerate(entries):
        name_score = max(fuzz.WRatio(query, entry.name, processor=default_process),
                         fuzz.WRatio(query, entry.key, processor=default_process))
        keyword_score = max((fuzz.partial_ratio(query, word, processor=default_process) * 0.95
                             for word in entry.keywords), default=0.0)
        if entry.shortcut and query == entry.shortcut:
            tier = 0  # typing the shortcut itself picks that code
        elif typed and (typed in default_process(entry.name) or typed in default_process(entry.key)):
            tier = 1
        elif typed and any(typed in default_process(word) for word in entry.keywords):
            tier = 2
        else:
            tier = 3
        score = max(name_score, keyword_score)
        if tier <= 2 or score >= CUTOFF:
            scored.append((tier, score, order, entry))
    scored.sort(key=lambda item: (item[0], -item[1], item[2]))
    return [entry for *_, entry in scored]


class CodePicker(CotagModal[str | None]):
    """Returns the chosen code's key, or None when cancelled."""

    BINDINGS = bindings_for(DIALOG, only={"cancel", "next_option", "previous_option"})

    def __init__(self, codebook: Codebook, *, title: str = "Apply a code", keys: list[str] | None = None,
                 subtitle: str = "") -> None:
        super().__init__()
        self.codebook = codebook
        self.title_text = title
        self.subtitle = subtitle
        entries = codebook.active if keys is None else [codebook.by_key[k] for k in keys if k in codebook.by_key]
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="picker"):
            yield Label(self.title_text, classes="dialog-title")
            if self.subtitle:
                yield Label(self.subtitle, classes="dialog-subtitle")
            yield Input(placeholder="name, key or keyword…", id="picker-input")
            yield OptionList(id="picker-options")
            yield Label("enter apply · ↑↓ choose · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        ranked = rank_codes(self.entries, query)
        options.add_options([Option(self._prompt(entry), id=entry.key) for entry in ranked])
        if ranked:
            options.highlighted = 0

    def _prompt(self, entry: CodeEntry) -> Text:
        label = code_label(entry)
        if entry.parent_id:
            parent = self.codebook.by_id.get(entry.parent_id)
            if parent is not None:
                label.append(f"  {parent.name}", style="dim")
        label.append(f"  {entry.key}", style="dim italic")
        return label

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option = self.query_one(OptionList).highlighted_option
        if option is not None:
            self.dismiss(option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_next_option(self) -> None:
        step_options(self.query_one(OptionList), 1)

    def action_previous_option(self) -> None:
        step_options(self.query_one(OptionList), -1)

    def action_cancel(self) -> None:
        self.dismiss(None)
