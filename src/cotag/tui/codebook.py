"""The codebook as the coding screen shows it: codes in tree order, each with a colour and its shortcut."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from textual.color import Color

from cotag import codebook as codebook_model
from cotag.store.code_tree import StoredCode, codebook_of
from cotag.store.models import Code

# Used when a codebook gives a code no colour: distinct hues that read on dark and light themes.
PALETTE = ("#e06c75", "#61afef", "#98c379", "#e5c07b", "#c678dd", "#56b6c2", "#d19a66", "#be5046",
           "#7aa6da", "#b9ca4a", "#e78c45", "#c397d8", "#70c0b1", "#f0c674", "#d54e53", "#8abeb7")


@dataclass
class CodeEntry(StoredCode):
    """A code of the one code tree (cotag.codebook.Codebook, from the code table) as the screens draw it:
    its depth in the tree, and its colour resolved (the codebook's, or one from the palette)."""

    depth: int = 0
    active: bool = True

    @property
    def color(self) -> Color:
        return Color.parse(self.colour or PALETTE[0])


# Every field a stored code has: an entry carries them all.
STORED_FIELDS = tuple(f.name for f in fields(StoredCode))


def _colour(raw: str | None, position: int) -> str:
    if raw:
        try:
            return Color.parse(raw).hex
        except Exception:  # a colour name Textual does not know: fall back, never crash the screen
            pass
    return PALETTE[position % len(PALETTE)]


@dataclass
class Codebook:
    """Codes by id, by key and by shortcut; `entries` is depth-first tree order."""

    entries: list[CodeEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id = {entry.id: entry for entry in self.entries}
        self.by_key = {entry.key: entry for entry in self.entries}
        self.by_shortcut = {entry.shortcut: entry for entry in self.entries if entry.shortcut and entry.active}

    @classmethod
    def from_codes(cls, codes: Iterable[Code]) -> "Codebook":
        """The code rows (as the coding library or the codebook overview read them) as the screens show them."""
        return cls.from_codebook(codebook_of(codes))

    @classmethod
    def from_codebook(cls, codebook: codebook_model.Codebook) -> "Codebook":
        """Entries in the codebook's depth-first order; a code caught in a parent cycle is not shown."""
        depth: dict[str, int] = {}
        entries: list[CodeEntry] = []
        for spec in codebook.codes:
            if not isinstance(spec, StoredCode) or (spec.parent is not None and spec.parent not in depth):
                continue  # not reachable from the top: only a hand-edited database has such a code
            depth[spec.key] = 0 if spec.parent is None else depth[spec.parent] + 1
            values = {name: getattr(spec, name) for name in STORED_FIELDS}
            values.update(colour=_colour(spec.colour, len(entries)), depth=depth[spec.key],
                          active=spec.status == "active")
            entries.append(CodeEntry(**values))
        return cls(entries)

    @property
    def active(self) -> list[CodeEntry]:
        return [entry for entry in self.entries if entry.active]

    def path(self, entry: CodeEntry) -> str:
        """'push › wages': the code with its ancestors, as researchers name a theme."""
        names = [entry.name]
        parent = self.by_id.get(entry.parent_id) if entry.parent_id else None
        while parent is not None:
            names.append(parent.name)
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return " › ".join(reversed(names))
