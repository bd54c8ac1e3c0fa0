"""The codebook as data: codes (CodeSpec) in a tree (Codebook), the fields a file may hold, problems found in one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from cotag.errors import CotagError

#: Fields allowed at the top level of a codebook file.
TOP_FIELDS: tuple[str, ...] = ("codebook", "version", "codes")

#: Fields allowed in a code (``color`` is an alias of ``colour``).
CODE_FIELDS: tuple[str, ...] = (
    "key",
    "name",
    "description",
    "colour",
    "color",
    "shortcut",
    "status",
    "parent",
    "include",
    "exclude",
    "examples",
    "keywords",
    "children",
)

#: Allowed values of ``status``; the first is the default.
STATUSES: tuple[str, ...] = ("active", "retired")

#: Colour names a codebook may use instead of a hex value, with their hex.
COLOUR_NAMES: dict[str, str] = {
    "red": "#dc3545",
    "crimson": "#dc143c",
    "orange": "#fd7e14",
    "amber": "#ffbf00",
    "yellow": "#ffc107",
    "gold": "#ffd700",
    "olive": "#808000",
    "lime": "#32cd32",
    "green": "#28a745",
    "teal": "#20c997",
    "cyan": "#17a2b8",
    "blue": "#0d6efd",
    "navy": "#000080",
    "indigo": "#6610f2",
    "purple": "#6f42c1",
    "violet": "#ee82ee",
    "magenta": "#ff00ff",
    "pink": "#e83e8c",
    "brown": "#8b4513",
    "maroon": "#800000",
    "grey": "#6c757d",
    "gray": "#6c757d",
    "silver": "#c0c0c0",
    "black": "#000000",
    "white": "#ffffff",
}

_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_HEX_RE = re.compile(r"#(?:[0-9a-f]{3}|[0-9a-f]{6})\Z")
_LIST_FIELDS: tuple[str, ...] = ("include", "exclude", "examples", "keywords")
# Order in which save_codebook places fields it adds to a code: the order CODE_FIELDS lists them in.
_CANONICAL_ORDER: tuple[str, ...] = CODE_FIELDS


# --------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------


class CodebookProblem(NamedTuple):
    """One problem in a codebook file.

    ``line`` is 1-based (``None`` when the problem has no place, e.g. an
    unreadable file); ``key`` is the key of the code concerned, if any.
    """

    file: str
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f"[{self.key}] " if self.key else ""
        return f"{where}: {who}{self.message}"


class CodebookError(CotagError):
    """A codebook that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[CodebookProblem]):
        self.problems: list[CodebookProblem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


@dataclass
class CodeSpec:
    """One code as the codebook file defines it."""

    key: str
    name: str
    parent: str | None = None
    description: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    colour: str | None = None
    shortcut: str | None = None
    status: str = "active"
    #: Index in :attr:`Codebook.codes` (depth-first, parents before children).
    position: int = 0
    #: 1-based line of the code in its file (0 when not from a file).
    line: int = 0

    @property
    def retired(self) -> bool:
        return self.status == "retired"


@dataclass
class Codebook:
    """A checked codebook: codes in depth-first order, parents before children."""

    title: str
    version: int
    codes: list[CodeSpec]
    path: Path | None = None

    def by_key(self) -> dict[str, CodeSpec]:
        return {code.key: code for code in self.codes}

    def get(self, key: str) -> CodeSpec | None:
        for code in self.codes:
            if code.key == key:
                return code
        return None

    def children(self, key: str | None) -> list[CodeSpec]:
        """Direct children of ``key`` in order; ``None`` gives the top-level codes."""
        return [code for code in self.codes if code.parent == key]

    def descendants(self, key: str) -> list[CodeSpec]:
        """All codes below ``key``, depth-first."""
        out: list[CodeSpec] = []
        stack = list(reversed(self.children(key)))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(self.children(code.key)))
        return out

    def path_of(self, key: str) -> list[str]:
        """Names from the top-level ancestor down to ``key``.  KeyError if unknown."""
        codes = self.by_key()
        names: list[str] = []
        seen: set[str] = set()
        current: str | None = key
        while current is not None:
            if current in seen:
                raise ValueError(f"parent cycle at '{current}'")
            seen.add(current)
            code = codes[current]
            names.append(code.name)
            current = code.parent
        names.reverse()
        return names

    def depth(self, key: str) -> int:
        """0 for a top-level code, 1 for its children, and so on."""
        return len(self.path_of(key)) - 1

    def active_codes(self) -> list[CodeSpec]:
        return [code for code in self.codes if code.status == "active"]


def colour_hex(colour: str | None) -> str | None:
    """A checked colour as ``#rrggbb`` (names looked up, ``#rgb`` expanded)."""
    if colour is None:
        return None
    value = colour.strip().lower()
    if value in COLOUR_NAMES:
        return COLOUR_NAMES[value]
    if _HEX_RE.match(value):
        if len(value) == 4:
            return "#" + "".join(ch * 2 for ch in value[1:])
        return value
    raise ValueError(f"not a colour: {colour!r}")

