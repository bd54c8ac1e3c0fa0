"""The suggestions on the current unit, with score and reason: the side panel's half of the ghost labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import Static

from cotag.tui.codebook import Codebook
from cotag.tui.text import clip_words


class SuggestionHint(Static):
    """Shown only while suggestions are on (the screen sets the class `-on`)."""

    def show(self, codebook: Codebook, suggestions: Sequence[Any], note: str = "") -> None:
        """The current unit's suggestions, best first; `note` says why there are none (not trained, restricted...)."""
        text = Text(no_wrap=False, overflow="fold")
        if not suggestions:
            text.append(note or "no suggestion on this unit", style="dim italic")
            self.update(text)
            return
        for i, suggestion in enumerate(suggestions):
            entry = codebook.by_key.get(suggestion.code)
            colour = entry.colour if entry else "#888888"
            if i:
                text.append("\n")
            text.append("◌ ", style=colour)
            text.append(suggestion.code, style=f"italic {colour}")
            text.append(f" {suggestion.score:.2f}", style="dim")
            why = describe(suggestion.reasons)
            if why:
                text.append(f"  {why}", style="dim")
        text.append("\nctrl+y accept · ctrl+w dismiss", style="dim")
        self.update(text)


def describe(reasons: Sequence[dict[str, Any]]) -> str:
    """The first reason in a few words: the keywords, or what the unit resembles."""
    for reason in reasons:
        if reason.get("kind") == "keyword":
            return "keyword: " + ", ".join(reason.get("keywords", []))
        if reason.get("kind") == "example":
            return "like: " + clip_words(" ".join(str(reason.get("example", "")).split()), 40)
        if reason.get("kind") == "similar":
            where = reason.get("document", "?") + (f" u{reason['unit']}" if "unit" in reason else "")
            return f"like {where}: " + clip_words(" ".join(str(reason.get("text", "")).split()), 30)
    return ""
