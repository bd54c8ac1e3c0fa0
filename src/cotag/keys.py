"""Every key of the app, as plain data.

This module is the single source of truth for the keys the TUI binds, screen
by screen (a *context*).  The TUI builds its bindings from :data:`KEYMAP`, the
help screen and docs/keys.md list it, and the codebook checker refuses a code
``shortcut`` that is one of :data:`RESERVED_KEYS` (the single-character keys
of the coding screen).  It imports nothing from the TUI toolkit.

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
    "AGREEMENT",
    "ANALYSIS",
    "APP",
    "CODEBOOK",
    "CODER",
    "CODING_CONTEXTS",
    "CONFIRM",
    "CONTEXTS",
    "DIALOG",
    "HELP",
    "JOURNAL",
    "KEYMAP",
    "LEAD",
    "LIBRARY",
    "DASHBOARD",
    "PSEUDONYMS",
    "RECONCILE",
    "RESERVED_KEYS",
    "REVISIONS",
    "TABLE",
    "WORD_MODE",
    "KeySpec",
    "binding_key",
    "is_reserved",
    "keys_for",
    "markdown_table",
]

#: Everywhere in the application.
APP = "app"
#: The coding screen (unit list, selection, coding).
CODER = "coder"
#: The coding screen while word mode is on (selection by words).
WORD_MODE = "word mode"
#: The coding screen, for a lead coder only.
LEAD = "lead"

#: The lead's reconcile screen (`cotag reconcile --lead NAME`).
RECONCILE = "reconcile"
#: The lead's codebook screen (ctrl+e).
CODEBOOK = "codebook"
#: The lead's agreement screen (ctrl+a).
AGREEMENT = "agreement"
#: The analysis screen (ctrl+t).
ANALYSIS = "analysis"
#: The lead's review of what a revision of a transcript flagged (ctrl+f).
REVISIONS = "revisions"
#: The lead's pseudonym table (ctrl+k).
PSEUDONYMS = "pseudonyms"
#: The read-only tables: the audit log, the agreed spans, quotes of a matrix cell or a saved query.
TABLE = "table"
#: The library (the list of documents).
LIBRARY = "library"
#: The project journal (ctrl+o).
JOURNAL = "journal"
#: The help screen.
HELP = "help"
#: The library: the documents, the coder's assigned ones first.
LIBRARY = "library"
#: The lead's dashboard (ctrl+u): progress per coder and round.
DASHBOARD = "dashboard"
#: Every dialog (code picker, memo, search, a one-line prompt, ...).
DIALOG = "dialog"
#: A yes-or-no question.
CONFIRM = "confirm"

#: The contexts whose keys are live while a coder codes a transcript: a code
#: shortcut must not be one of their single-character keys.  The other screens
#: apply no code shortcut, so their keys (reconcile's `a`, analysis's `1`) leave
#: those characters free for the codebook.
CODING_CONTEXTS: tuple[str, ...] = (APP, CODER, WORD_MODE, LEAD)
CONTEXTS: tuple[str, ...] = CODING_CONTEXTS + (RECONCILE, CODEBOOK, AGREEMENT, ANALYSIS, TABLE, HELP, DIALOG,
                                               CONFIRM, LIBRARY, JOURNAL, REVISIONS, DASHBOARD, PSEUDONYMS)


class KeySpec(NamedTuple):
    """One reserved key.

    ``id`` names the action (shared by alternative keys for the same action;
    the screen's method is ``action_<id>``), ``key`` is the key as typed,
    ``description`` is what it does (shown in help and in error messages),
    ``context`` is where it applies (one of :data:`CONTEXTS`), ``footer`` is
    the short label under which the footer shows it (empty: not in the footer).
    """

    id: str
    key: str
    description: str
    context: str
    footer: str = ""


KEYMAP: list[KeySpec] = [
    # Moving through units.
    KeySpec("next_unit", "j", "next unit", CODER),
    KeySpec("next_unit", "down", "next unit", CODER),
    KeySpec("previous_unit", "k", "previous unit", CODER),
    KeySpec("previous_unit", "up", "previous unit", CODER),
    KeySpec("extend_down", "shift+down", "extend selection down", CODER),
    KeySpec("extend_up", "shift+up", "extend selection up", CODER),
    KeySpec("page_down", "pagedown", "a screenful down", CODER),
    KeySpec("page_up", "pageup", "a screenful up", CODER),
    KeySpec("top", "g", "top", CODER),
    KeySpec("top", "home", "top", CODER),
    KeySpec("bottom", "G", "bottom", CODER),
    KeySpec("bottom", "end", "bottom", CODER),
    KeySpec("next_uncoded", "n", "next uncoded unit", CODER),
    # Word mode: select part of a unit.
    KeySpec("word_mode", "w", "word mode", CODER, "words"),
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
    KeySpec("open", "enter", "open", CODER, "open"),
    KeySpec("code_picker", "c", "code picker", CODER, "code"),
    KeySpec("memo", "m", "memo on coding", CODER, "memo"),
    # Control keys: memos need no code, and take no character a code shortcut could use.
    KeySpec("passage_memo", "ctrl+n", "memo on the selected passage (no code needed)", CODER),
    KeySpec("document_memo", "ctrl+d", "memo on the document", CODER),
    KeySpec("remove_code", "x", "remove code from selection", CODER),
    KeySpec("undo", "u", "undo", CODER, "undo"),
    KeySpec("redo", "ctrl+r", "redo", CODER),
    # Documents.
    KeySpec("document_done", "d", "mark document done", CODER),
    KeySpec("next_document", "]", "next document", CODER),
    KeySpec("previous_document", "[", "previous document", CODER),
    # Code suggestions (off by default). Control keys, so no code shortcut is taken from the codebook.
    KeySpec("toggle_suggestions", "ctrl+g", "suggestions on or off (ghost labels on the current unit)", CODER),
    KeySpec("accept_suggestion", "ctrl+y", "accept the suggested code on the current unit", CODER),
    KeySpec("dismiss_suggestion", "ctrl+w", "dismiss the suggested code on the current unit", CODER),
    # Lead coder.
    KeySpec("toggle_overlay", "o", "toggle other coders overlay (lead)", LEAD),
    KeySpec("choose_coder", "v", "choose visible coder (lead)", LEAD),
    # A lead's tools, from any screen of the app. Control keys, so no code shortcut is taken from the codebook.
    KeySpec("codebook_edit", "ctrl+e", "edit the codebook (lead)", APP),
    KeySpec("audit_log", "ctrl+l", "audit log (lead)", APP),
    KeySpec("agreement", "ctrl+a", "intercoder agreement (lead)", APP),
    KeySpec("revisions", "ctrl+f", "review codings a transcript's revision flagged (lead)", APP),
    KeySpec("pseudonyms", "ctrl+k", "the pseudonym table: proposals, accept, reject, edit (lead)", APP),
    # Shows names as exports with --pseudonymise print them; selections still land on the stored text.
    KeySpec("pseudonymised_view", "ctrl+x", "show the text pseudonymised, or as stored", APP),
    # Everywhere.
    KeySpec("search", "/", "corpus search", APP, "search"),
    KeySpec("library_filter", "f", "library filter", APP),
    KeySpec("help", "?", "help", APP, "help"),
    KeySpec("quit", "q", "quit", APP, "quit"),
    KeySpec("back", "b", "back to library", APP),
    KeySpec("switch_panel", "tab", "switch panel", APP),
    # A control key, so no code shortcut is taken from the codebook. A coder analyses only their own coding.
    KeySpec("analysis", "ctrl+t", "analysis: themes by group, co-occurrence, quotes", APP),
    KeySpec("command_palette", "ctrl+p", "command palette", APP),
    KeySpec("journal", "ctrl+o", "the project journal", APP),
    KeySpec("dashboard", "ctrl+u", "the lead's dashboard: progress per coder and round (lead)", APP),
    # The lead's screens and analysis. A footer label (the fifth field) only for the keys a footer of
    # 80 columns has room for; `?` lists them all.
    # The reconcile screen: rule on each disagreement between two coders.
    KeySpec("keep_a", "a", "keep coder A's reading", RECONCILE, "keep A"),
    KeySpec("keep_b", "b", "keep coder B's reading", RECONCILE, "keep B"),
    KeySpec("keep_both", "2", "keep both readings", RECONCILE, "both"),
    KeySpec("keep_none", "0", "keep neither reading", RECONCILE, "neither"),
    KeySpec("edit_ruling", "e", "rule with other words or another code", RECONCILE, "edit"),
    KeySpec("note", "n", "note for the next ruling", RECONCILE, "note"),
    KeySpec("next_open", "]", "next open disagreement", RECONCILE),
    KeySpec("previous_open", "[", "previous open disagreement", RECONCILE),
    KeySpec("reconcile_log", "L", "audit log", RECONCILE),
    KeySpec("reconcile_codebook", "C", "codebook screen", RECONCILE),
    KeySpec("agreed", "A", "review the agreed spans", RECONCILE),
    KeySpec("include_example", "+", "make the ruled passage an include example of the code", RECONCILE),
    KeySpec("exclude_example", "-", "make the ruled passage an exclude example of the code", RECONCILE),
    # The codebook screen: a lead changes the codes every coder uses.
    KeySpec("rename", "r", "rename the code", CODEBOOK, "rename"),
    KeySpec("rekey", "K", "give the code a new key", CODEBOOK),
    KeySpec("move", "m", "move the code under another", CODEBOOK, "move"),
    KeySpec("move_top", "T", "move the code to the top level", CODEBOOK),
    KeySpec("merge", "M", "merge the code into another", CODEBOOK, "merge"),
    KeySpec("split", "s", "move the ticked codings to another code", CODEBOOK, "split"),
    KeySpec("recode", "c", "recode the highlighted coding", CODEBOOK, "recode"),
    KeySpec("retire", "x", "retire the code", CODEBOOK, "retire"),
    KeySpec("save", "w", "write the codebook file", CODEBOOK, "save"),
    KeySpec("codebook_log", "L", "the codebook's audit log", CODEBOOK),
    KeySpec("code_memo", "n", "memo on the code", CODEBOOK),
    KeySpec("close", "escape", "close", CODEBOOK),
    # The agreement screen.
    KeySpec("cycle_unit", "t", "sentence or speaker-turn units", AGREEMENT, "unit"),
    KeySpec("toggle_view", "v", "all units or coded-only units", AGREEMENT, "view"),
    KeySpec("choose_coders", "c", "choose the coders to compare", AGREEMENT, "coders"),
    KeySpec("close", "escape", "close", AGREEMENT, "back"),
    # The analysis screen.
    KeySpec("themes_tab", "1", "themes by group", ANALYSIS),
    KeySpec("cooccurrence_tab", "2", "code co-occurrence", ANALYSIS),
    KeySpec("quotes_tab", "3", "quotes per code", ANALYSIS),
    KeySpec("queries_tab", "4", "saved queries (cotag query --save)", ANALYSIS),
    KeySpec("open_cell", "enter", "quotes of the cell (themes, co-occurrence); run the saved query", ANALYSIS),
    KeySpec("next_attribute", "a", "compare by the next attribute", ANALYSIS, "by"),
    KeySpec("toggle_within", "w", "co-occurrence within units or documents", ANALYSIS, "unit/doc"),
    KeySpec("next_coding", "o", "another coding (a coder's, the consensus)", ANALYSIS, "coding"),
    KeySpec("next_widen", "s", "quotes as coded, widened to the sentence or turn", ANALYSIS, "span"),
    KeySpec("export", "e", "export what is on show", ANALYSIS, "export"),
    KeySpec("reload", "r", "read the project again", ANALYSIS),
    KeySpec("close", "escape", "close", ANALYSIS, "back"),
    # The revisions screen: the lead's verdict on each coding a revision flagged (changed or orphaned).
    KeySpec("accept", "a", "accept where the revision put it (or, for an orphan, its removal)", REVISIONS, "accept"),
    KeySpec("adjust", "e", "put it on other words of the revised text", REVISIONS, "adjust"),
    KeySpec("remove", "x", "remove the carried coding", REVISIONS, "remove"),
    KeySpec("close", "escape", "close", REVISIONS, "back"),
    # The pseudonym table (pseudonyms.yaml): the lead decides on each proposal and edits the entries.
    # Footer label "find", not "suggest": with the global keys the footer is 81 columns and cut "q quit" at 80.
    KeySpec("suggest", "s", "search the corpus for names, places and organisations to propose", PSEUDONYMS,
            "find"),
    KeySpec("accept", "a", "accept the highlighted proposal", PSEUDONYMS, "accept"),
    KeySpec("accept_as", "A", "accept the highlighted proposal with another pseudonym", PSEUDONYMS),
    KeySpec("reject", "r", "reject the highlighted proposal", PSEUDONYMS, "reject"),
    KeySpec("add_entry", "n", "add a pseudonym by hand", PSEUDONYMS, "new"),
    KeySpec("edit_entry", "e", "change the highlighted pseudonym or its kind", PSEUDONYMS, "edit"),
    KeySpec("remove_entry", "x", "remove the highlighted pseudonym", PSEUDONYMS, "remove"),
    KeySpec("close", "escape", "close", PSEUDONYMS, "back"),
    # The audit log and the agreed spans.
    KeySpec("close", "escape", "close", TABLE, "back"),
    KeySpec("close", "q", "close", TABLE),
    # The library.
    KeySpec("edit_attributes", "e", "edit the document's attributes", LIBRARY, "attributes"),
    KeySpec("document_memo", "m", "memo on the document", LIBRARY, "memo"),
    # The journal.
    KeySpec("new_entry", "n", "new journal entry", JOURNAL, "new"),
    KeySpec("edit_entry", "enter", "edit the entry (your own)", JOURNAL, "edit"),
    # Help.
    KeySpec("close", "escape", "close", HELP, "close"),
    KeySpec("close", "?", "close", HELP),
    # Dialogs.
    KeySpec("cancel", "escape", "cancel", DIALOG),
    KeySpec("submit", "ctrl+s", "save, show or compare (dialogs with several fields)", DIALOG),
    KeySpec("next_option", "down", "next option", DIALOG),
    KeySpec("previous_option", "up", "previous option", DIALOG),
    KeySpec("compare", "enter", "compare the ticked coders (agreement); rule with the selected words (edited ruling)",
            DIALOG),
    KeySpec("choose_code", "c", "the code that stands (an edited ruling)", DIALOG),
    # The library.
    KeySpec("library_assigned", "a", "your assigned documents only, or every document", LIBRARY),
    # The lead's dashboard.
    KeySpec("dashboard_refresh", "r", "compute the figures again", DASHBOARD, "refresh"),
    KeySpec("yes", "y", "yes", CONFIRM, "yes"),
    KeySpec("yes", "enter", "yes", CONFIRM),
    KeySpec("no", "n", "no", CONFIRM, "no"),
    KeySpec("no", "escape", "no", CONFIRM),
]


def _single_character_keys(keymap: list[KeySpec]) -> dict[str, str]:
    reserved: dict[str, str] = {}
    for spec in keymap:
        if len(spec.key) != 1 or spec.context not in CODING_CONTEXTS:
            continue
        if spec.key in reserved and spec.description not in reserved[spec.key]:
            reserved[spec.key] = f"{reserved[spec.key]}; {spec.description}"
        else:
            reserved.setdefault(spec.key, spec.description)
    return reserved


#: Single-character keys the coding screen binds -> what they do.  A code shortcut
#: may be any other printable, non-space character: digits, the remaining
#: letters, upper-case letters other than ``G``, most punctuation.
RESERVED_KEYS: dict[str, str] = _single_character_keys(KEYMAP)


def is_reserved(character: str) -> bool:
    """True if ``character`` is a single-character reserved key."""
    return character in RESERVED_KEYS


def keys_for(action_id: str, context: str | None = None) -> list[str]:
    """All keys bound to the action ``action_id`` (in ``context``, if given), in keymap order."""
    return [spec.key for spec in KEYMAP if spec.id == action_id and context in (None, spec.context)]


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


def markdown_table(context: str) -> str:
    """The keys of one context as docs/keys.md shows them (a test keeps the page equal to this)."""
    rows = ["| key | action id | what it does |", "|---|---|---|"]
    for spec in KEYMAP:
        if spec.context == context:
            key = spec.key.replace("|", "\\|")  # a pipe would end the table cell
            rows.append(f"| `{key}` | `{spec.id}` | {spec.description} |")
    return "\n".join(rows) + "\n"
