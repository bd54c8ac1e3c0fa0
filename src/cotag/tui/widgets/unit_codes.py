"""The codings on the current selection: this coder's (editable) and, for a lead, other coders' (read-only)."""

from __future__ import annotations

from typing import Callable, Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from cotag.tui.codebook import Codebook
from cotag.tui.text import clip_words


class UnitCodes(OptionList):
    """Enter on one of your codings opens its memo."""

    def show(self, codebook: Codebook, text: str, own: Sequence, others: Sequence,
             coder_names: dict[int, str], *, shown: Callable[[int, int], str] | None = None,
             memo: Callable[[str], str] | None = None) -> None:
        """`shown(start, end)` gives a coding's excerpt as the transcript shows it (pseudonymised), `memo(text)` a
        memo; by default the stored text."""
        excerpt = shown or (lambda start, end: text[start:end])
        self._memo = memo or (lambda value: value)
        highlighted = self.highlighted_option.id if self.highlighted_option is not None else None
        self.clear_options()
        options: list[Option] = []
        for mark in own:
            options.append(Option(self._prompt(codebook, excerpt, mark, None), id=f"own:{mark.id}"))
        for mark in others:
            options.append(Option(self._prompt(codebook, excerpt, mark, coder_names.get(mark.coder_id, "?")),
                                  id=f"other:{mark.id}", disabled=True))
        if not options:
            options.append(Option(Text("no codes here yet", style="dim italic"), id="none", disabled=True))
        self.add_options(options)
        ids = [option.id for option in options]
        if highlighted in ids:
            self.highlighted = ids.index(highlighted)

    def on_focus(self) -> None:
        # Tabbing in lands on the first coding, so Enter opens its memo at once.
        if self.highlighted is None and self.option_count and not self.get_option_at_index(0).disabled:
            self.highlighted = 0

    def _prompt(self, codebook: Codebook, excerpt_of: Callable[[int, int], str], mark, coder: str | None) -> Text:
        entry = codebook.by_id.get(mark.code_id)
        colour = entry.colour if entry else "#888888"
        prompt = Text(no_wrap=True, overflow="ellipsis")
        prompt.append("■ ", style=colour)
        if coder is not None:
            prompt.append(f"{coder}: ", style="dim")
        prompt.append(entry.key if entry else str(mark.code_id), style="bold" if coder is None else "dim")
        if mark.memo:
            prompt.append(" ✎ ", style="bold")
            prompt.append(_cut(" ".join(self._memo(mark.memo).split())), style="italic")
        else:
            excerpt = " ".join(excerpt_of(mark.start, mark.end).split())
            prompt.append(f"  {_cut(excerpt)}", style="dim")
        return prompt


def _cut(text: str, limit: int = 60) -> str:
    """At most `limit` characters, with an ellipsis when cut: a memo must not look shorter than it is."""
    return clip_words(text, limit)
