"""The coder's reserved keys, as plain data.

This module is the single source of truth for the keys the coding screen
binds itself.  The TUI builds its bindings from :data:`KEYMAP`, the help
screen lists it, and the codebook checker refuses a code ``shortcut`` that
is one of :data:`RESERVED_KEYS`.  It imports nothing from the TUI toolkit.

Key names follow the usual terminal spelling: a single printable character
stands for itself (``"G"`` is shift+g), and named keys are written
``"down"``, ``"escape"``, ``"enter"``, ``"tab"``, ``"shift+down"``,
``"ctrl+r"``.  :func:`binding_key` turns a key into the name a TUI binding
expects (``"?"`` -> ``"question_mark"``).

One action may have several keys (``j`` and ``down`` both move to the next
unit): each key is its own :class:`KeySpec`, and the entries share the
action ``id``.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

__all__ = [
    "APP",
    "CODER",
    "CONTEXTS",
    "KEYMAP",
    "LEAD",
    "RESERVED_KEYS",
    "WORD_MODE",
    "KeySpec",
    "binding_key",
    "is_reserved",
    "keys_for",
]

#: Everywhere in the application.
APP = "app"
#: The coding screen (unit list, selection, coding).
CODER = "coder"
#: The coding screen while word mode is on (selection by words).
WORD_MODE = "word mode"
#: The coding screen, for a lead coder only.
LEAD = "lead"

CONTEXTS: tuple[str, ...] = (APP, CODER, WORD_MODE, LEAD)


class KeySpec(NamedTuple):
    """One reserved key.

    ``id`` names the action (shared by alternative keys for the same action),
    ``key`` is the key as typed, ``description`` is what it does (shown in
    help and in error messages), ``context`` is where it applies (one of
    :data:`CONTEXTS`).
    """

    id: str
    key: str
    description: str
    context: str


KEYMAP: list[KeySpec] = [
    # Moving through units.
    KeySpec("next_unit", "j", "next unit", CODER),
    KeySpec("next_unit", "down", "next unit", CODER),
    KeySpec("previous_unit", "k", "previous unit", CODER),
    KeySpec("previous_unit", "up", "previous unit", CODER),
    KeySpec("extend_down", "shift+down", "extend selection down", CODER),
    KeySpec("extend_up", "shift+up", "extend selection up", CODER),
    KeySpec("top", "g", "top", CODER),
    KeySpec("bottom", "G", "bottom", CODER),
    KeySpec("next_uncoded", "n", "next uncoded unit", CODER),
    # Word mode: select part of a unit.
    KeySpec("word_mode", "w", "word mode", CODER),
    KeySpec("previous_word", "h", "previous word (word mode)", WORD_MODE),
    KeySpec("previous_word", "left", "previous word (word mode)", WORD_MODE),
    KeySpec("next_word", "l", "next word (word mode)", WORD_MODE),
    KeySpec("next_word", "right", "next word (word mode)", WORD_MODE),
    KeySpec(
        "extend_word_left", "shift+left", "extend selection one word left", WORD_MODE
    ),
    KeySpec(
        "extend_word_right", "shift+right", "extend selection one word right", WORD_MODE
    ),
    # Selection and coding.
    KeySpec("clear_selection", "escape", "clear selection", CODER),
    KeySpec("open", "enter", "open", CODER),
    KeySpec("code_picker", "c", "code picker", CODER),
    KeySpec("memo", "m", "memo on coding", CODER),
    KeySpec("remove_code", "x", "remove code from selection", CODER),
    KeySpec("undo", "u", "undo", CODER),
    KeySpec("redo", "ctrl+r", "redo", CODER),
    # Documents.
    KeySpec("document_done", "d", "mark document done", CODER),
    KeySpec("next_document", "]", "next document", CODER),
    KeySpec("previous_document", "[", "previous document", CODER),
    # Lead coder.
    KeySpec("toggle_overlay", "o", "toggle other coders overlay (lead)", LEAD),
    KeySpec("choose_coder", "v", "choose visible coder (lead)", LEAD),
    # A lead's tools, from any screen of the app. Control keys, so no code shortcut is taken from the codebook.
    KeySpec("codebook_edit", "ctrl+e", "edit the codebook (lead)", APP),
    KeySpec("audit_log", "ctrl+l", "audit log (lead)", APP),
    KeySpec("agreement", "ctrl+a", "intercoder agreement (lead)", APP),
    # Everywhere.
    KeySpec("search", "/", "corpus search", APP),
    KeySpec("library_filter", "f", "library filter", APP),
    KeySpec("help", "?", "help", APP),
    KeySpec("quit", "q", "quit", APP),
    KeySpec("back", "b", "back to library", APP),
    KeySpec("switch_panel", "tab", "switch panel", APP),
    # A control key, so no code shortcut is taken from the codebook. A coder analyses only their own coding.
    KeySpec("analysis", "ctrl+t", "analysis: themes by group, co-occurrence, quotes", APP),
    KeySpec("command_palette", "ctrl+p", "command palette", APP),
]


def _single_character_keys(keymap: list[KeySpec]) -> dict[str, str]:
    reserved: dict[str, str] = {}
    for spec in keymap:
        if len(spec.key) != 1:
            continue
        if spec.key in reserved and spec.description not in reserved[spec.key]:
            reserved[spec.key] = f"{reserved[spec.key]}; {spec.description}"
        else:
            reserved.setdefault(spec.key, spec.description)
    return reserved


#: Single-character keys the coder binds -> what they do.  A code shortcut
#: may be any other printable, non-space character: digits, the remaining
#: letters, upper-case letters other than ``G``, most punctuation.
RESERVED_KEYS: dict[str, str] = _single_character_keys(KEYMAP)


def is_reserved(character: str) -> bool:
    """True if ``character`` is a single-character reserved key."""
    return character in RESERVED_KEYS


def keys_for(action_id: str) -> list[str]:
    """All keys bound to the action ``action_id``, in keymap order."""
    return [spec.key for spec in KEYMAP if spec.id == action_id]


_NAME_REPLACEMENTS: dict[str, str] = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def binding_key(key: str) -> str:
    """The name a terminal UI binding uses for ``key``.

    Letters, digits and named keys (``"down"``, ``"ctrl+r"``) are returned
    unchanged; ASCII punctuation is spelled out (``"?"`` -> ``"question_mark"``).
    Code shortcuts can be passed through this too.
    """
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key
    return _NAME_REPLACEMENTS.get(name, name)
