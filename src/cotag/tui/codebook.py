"""The codebook as the coding screen shows it: codes in tree order, each with a colour and its shortcut."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.color import Color

# Used when a codebook gives a code no colour: distinct hues that read on dark and light themes.
PALETTE = ("#e06c75", "#61afef", "#98c379", "#e5c07b", "#c678dd", "#56b6c2", "#d19a66", "#be5046",
           "#7aa6da", "#b9ca4a", "#e78c45", "#c397d8", "#70c0b1", "#f0c674", "#d54e53", "#8abeb7")


@dataclass(frozen=True)
class CodeEntry:
    id: int
    key: str
    name: str
    parent_id: int | None
    depth: int
    colour: str
    shortcut: str | None
    description: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    active: bool
    status: str

    @property
    def color(self) -> Color:
        return Color.parse(self.colour)


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
    def from_codes(cls, codes: list) -> "Codebook":
        children: dict[int | None, list] = {}
        known = {code.id for code in codes}
        for code in codes:
            parent = code.parent_id if code.parent_id in known else None
            children.setdefault(parent, []).append(code)
        entries: list[CodeEntry] = []

        def walk(parent: int | None, depth: int) -> None:
            for code in sorted(children.get(parent, []), key=lambda c: (c.position, c.id)):
                entries.append(CodeEntry(
                    id=code.id, key=code.key, name=code.name, parent_id=parent, depth=depth,
                    colour=_colour(code.colour, len(entries)), shortcut=code.shortcut,
                    description=code.description or "", include=tuple(code.include or ()),
                    exclude=tuple(code.exclude or ()), examples=tuple(code.examples or ()),
                    keywords=tuple(code.keywords or ()), active=code.status == "active", status=code.status))
                walk(code.id, depth + 1)

        walk(None, 0)
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
