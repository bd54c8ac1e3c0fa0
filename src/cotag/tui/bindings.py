"""Textual bindings built from cotag.keys.KEYMAP, so help, docs and the codebook check agree with the keys."""

from __future__ import annotations

from textual.binding import Binding

from cotag.keys import KEYMAP, binding_key

# The few actions worth a place in the footer; the rest are one `?` away.
FOOTER_ACTIONS = {"code_picker", "word_mode", "memo", "undo", "search", "help", "quit", "open"}

# Shorter footer labels than the help text, so the footer fits 80 columns.
FOOTER_LABELS = {"code_picker": "code", "word_mode": "words", "next_uncoded": "uncoded", "document_done": "done",
                 "library_filter": "filter", "search": "search", "back": "library", "memo": "memo"}


def bindings_for(*contexts: str, footer: set[str] | None = None, exclude: set[str] = frozenset()) -> list[Binding]:
    """One Binding per KEYMAP entry in these contexts; each carries the action id as its binding id."""
    shown = FOOTER_ACTIONS if footer is None else footer
    seen: set[str] = set()
    result: list[Binding] = []
    for spec in KEYMAP:
        if spec.context not in contexts or spec.id in exclude:
            continue
        first = spec.id not in seen
        seen.add(spec.id)
        result.append(Binding(binding_key(spec.key), spec.id, FOOTER_LABELS.get(spec.id, spec.description),
                              show=first and spec.id in shown, id=spec.id, tooltip=spec.description))
    return result
