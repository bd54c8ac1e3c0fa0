"""Textual bindings built from cotag.keys.KEYMAP, so help, docs and the codebook check agree with the keys."""

from __future__ import annotations

from collections.abc import Collection

from textual.binding import Binding, BindingType

from cotag.keys import KEYMAP, binding_key


def bindings_for(*contexts: str, only: Collection[str] | None = None, exclude: Collection[str] = frozenset(),
                 priority: Collection[str] = frozenset()) -> list[BindingType]:
    """One Binding per KEYMAP entry in these contexts; each carries the action id as its binding id.

    The footer shows an action once, under its KEYMAP footer label, if it has one. Actions in
    `priority` run before the focused widget sees the key (a list would otherwise take enter).
    """
    seen: set[str] = set()
    # Textual's own element type for BINDINGS, so a screen can assign the list as its BINDINGS.
    result: list[BindingType] = []
    for spec in KEYMAP:
        if spec.context not in contexts or spec.id in exclude or (only is not None and spec.id not in only):
            continue
        first = spec.id not in seen
        seen.add(spec.id)
        result.append(Binding(binding_key(spec.key), spec.id, spec.footer or spec.description,
                              show=first and bool(spec.footer), id=spec.id, tooltip=spec.description,
                              priority=spec.id in priority))
    return result
