"""Codebooks: a YAML file of codes, checked, loaded and written back.

A codebook file names its codes by a stable ``key`` and arranges them in a
tree, either by nesting (``children:``) or by naming a ``parent:`` key.  The
full format is described in ``docs/codebook.md``.

* :func:`check_codebook` / :func:`parse_codebook_text` report every problem
  in a file (with file, line and code key) and never raise for content
  problems.
* :func:`load_codebook` returns a :class:`Codebook` or raises
  :class:`CodebookError` listing all problems.
* :func:`save_codebook` writes a codebook back.  An existing file is updated
  in place with ruamel.yaml's round-trip mode, so comments, order and layout
  survive; codes are matched by key and never deleted; ``version`` goes up
  by one on each save.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import CommentMark, MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from cotag.errors import CotagError
from cotag.files import write_atomically
from cotag.keys import RESERVED_KEYS

__all__ = [
    "CODE_FIELDS",
    "COLOUR_NAMES",
    "STATUSES",
    "TOP_FIELDS",
    "CodeSpec",
    "Codebook",
    "CodebookError",
    "CodebookProblem",
    "check_codebook",
    "colour_hex",
    "format_check_report",
    "load_codebook",
    "parse_codebook_text",
    "save_codebook",
]

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
# Order in which save_codebook places fields it adds to a code.
_CANONICAL_ORDER: tuple[str, ...] = (
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


# --------------------------------------------------------------------------
# Reading values
# --------------------------------------------------------------------------


class _Bad(Exception):
    """A field value of the wrong kind; the message completes 'FIELD ...'."""


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, ScalarBoolean))


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if _is_bool(value):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return "a date"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _text(value: Any) -> str | None:
    """Text from a scalar: strings as they are, whole numbers as written (``key: 01`` is "01")."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not _is_bool(value):
        if type(value) is not int:
            # ruamel keeps how a number with a leading zero, 0x, 0o or "_" was written (a
            # ScalarInt); str() would turn "01" into "1" and "0x1f" into "31". Write it back out.
            out = StringIO()
            YAML(typ="rt").dump(value, out)
            return out.getvalue().split("\n", 1)[0]
        return str(int(value))
    return None


def _norm_name(value: Any) -> str:
    if value is None:
        raise _Bad("is empty")
    text = _text(value)
    if text is None:
        raise _Bad(f"must be text, not {_describe(value)}")
    text = text.strip()
    if not text:
        raise _Bad("is empty")
    return text


def _norm_description(value: Any) -> str:
    if value is None:
        return ""
    text = _text(value)
    if text is None:
        raise _Bad(f"must be text, not {_describe(value)} (put it in quotes)")
    return text.strip()


def _norm_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = str(value).strip()
        return [text] if text else []
    if isinstance(value, list):
        items: list[str] = []
        for index, item in enumerate(value, start=1):
            text = _text(item)
            if text is None or not text.strip():
                kind = "empty" if text is not None else _describe(item)
                raise _Bad(f"item {index} is {kind}: each item must be text")
            items.append(text.strip())
        return items
    raise _Bad(f"must be a string or a list of strings, not {_describe(value)}")


def _norm_colour(value: Any) -> str:
    if value is None:
        raise _Bad(
            'is empty; quote hex colours (colour: "#d9534f") because # starts a YAML comment'
        )
    if not isinstance(value, str):
        raise _Bad(f"must be text, not {_describe(value)}")
    colour = str(value).strip().lower()
    if colour in COLOUR_NAMES or _HEX_RE.match(colour):
        return colour
    hint = ""
    close = difflib.get_close_matches(colour, list(COLOUR_NAMES), n=1)
    if close:
        hint = f" (did you mean '{close[0]}'?)"
    raise _Bad(
        f"'{value}' is not a colour{hint}: use #rgb, #rrggbb or one of "
        + ", ".join(COLOUR_NAMES)
    )


def _norm_shortcut(value: Any) -> str:
    if value is None:
        raise _Bad('is empty; write it in quotes (shortcut: "1")')
    text = _text(value)
    if text is None:
        raise _Bad(f"must be one character, not {_describe(value)}")
    if text == "":
        raise _Bad("is empty")
    if len(text) > 1:
        raise _Bad(f"'{text}' is longer than one character")
    if not text.isprintable() or text.isspace():
        raise _Bad(f"{text!r} is not a visible character")
    if text in RESERVED_KEYS:
        raise _Bad(f"'{text}' is reserved for {RESERVED_KEYS[text]}")
    return text


def _norm_status(value: Any) -> str:
    if value is None:
        return STATUSES[0]
    text = value.strip().lower() if isinstance(value, str) else None
    if text in STATUSES:
        return text
    shown = f"'{value}'" if isinstance(value, str) else _describe(value)
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(text or "", list(STATUSES), n=1)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
    raise _Bad(f"{shown} is not a status{hint}: use 'active' or 'retired'")


def _norm_parent(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value)
    if text is None:
        raise _Bad(f"must be the key of another code, not {_describe(value)}")
    return text.strip() or None


def _slug_hint(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-_")
    if slug and _KEY_RE.match(slug) and slug != text:
        return f" (try '{slug}')"
    return ""


def _unknown_field_message(name: Any, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    shown = str(name)
    hint = ""
    close = difflib.get_close_matches(shown, allowed, n=1, cutoff=0.6)
    if close:
        hint = f" (did you mean '{close[0]}'?)"
    return f"unknown field '{shown}'{hint}; allowed fields: " + ", ".join(allowed)


def _syntax_problem(filename: str, error: YAMLError) -> CodebookProblem:
    if isinstance(error, _UnreadableValues):  # not syntax: a value or an alias (saving an existing file)
        mark, message = error.found[0]
        return CodebookProblem(filename, mark.line + 1, None, message)
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "cannot parse"
        message = f"YAML syntax error: {problem}"
        if mark is not None:
            message += f" (column {mark.column + 1})"
        if error.context and error.problem and error.context_mark is not None:
            message += f"; {error.context} at line {error.context_mark.line + 1}"
        if "'\\t'" in str(problem):
            message += "; indent with spaces, not tabs"
        return CodebookProblem(filename, mark.line + 1 if mark else None, None, message)
    position = getattr(error, "position", None)
    return CodebookProblem(
        filename,
        None,
        None,
        f"YAML error: {error}"
        if position is None
        else f"YAML error at character {position}: {error}",
    )


#: Values a codebook file may hold, counting each repetition made by a YAML alias: a real codebook
#: has some tens of thousands; "billion laughs" (aliases of aliases) would have billions.
MAX_YAML_VALUES = 200_000

#: Characters of a number in a codebook file. Python refuses to convert numbers of more than 4,300
#: digits, and no version or key needs a hundred.
MAX_NUMBER_DIGITS = 100

# Values whose construction can fail on what the file says (a date that does not exist, "!!int ten").
_TYPED_SCALARS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "timestamp", "binary"))


class _UnreadableValues(MarkedYAMLError):
    """Values the YAML reader cannot turn into data, each as (mark, message); found before constructing."""

    def __init__(self, found: list[tuple[Any, str]]):
        self.found = found
        super().__init__(problem=found[0][1], problem_mark=found[0][0])


class _CheckedConstructor(RoundTripConstructor):
    """ruamel's round-trip reader, which first looks over the parsed document for what would crash
    it (an impossible date, a number of thousands of digits) or make it lie (an alias inside its own
    anchor reads as an empty value; an alias bomb expands to billions of values)."""

    def get_single_data(self) -> Any:
        node = self.composer.get_single_node()
        if node is None:
            return None
        found = _unreadable_values(node, self)
        if found:
            raise _UnreadableValues(found)
        return self.construct_document(node)


def _unreadable_values(root: Any, constructor: Any) -> list[tuple[Any, str]]:
    """Walk the node graph once (aliases are shared nodes, so this is linear in the file)."""
    found: list[tuple[Any, str]] = []
    expanded: dict[int, int] = {}  # node id -> values it stands for, aliases expanded
    open_: set[int] = set()  # the nodes being walked: a child among them is an alias inside its anchor
    reported: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    too_many = False
    while stack:
        node, leaving = stack.pop()
        ident = id(node)
        children = _child_nodes(node)
        if leaving:
            open_.discard(ident)
            expanded[ident] = 1 + sum(expanded.get(id(child), 0) for child in children)
            if expanded[ident] > MAX_YAML_VALUES and not too_many:
                too_many = True
                found.append((node.start_mark, f"YAML aliases here expand to {expanded[ident]:,} values, more than "
                                               f"the {MAX_YAML_VALUES:,} a codebook may hold (an alias bomb?)"))
            continue
        if ident in expanded:
            continue
        if ident in open_:
            if ident not in reported:
                reported.add(ident)
                anchor = getattr(node, "anchor", None) or "?"
                found.append((node.start_mark, f"the YAML alias *{anchor} is used inside its own anchor &{anchor}: "
                                               "a value that contains itself (write the value out instead)"))
            continue
        problem = _node_problem(node, constructor)
        if problem:
            found.append((node.start_mark, problem))
        if not children:
            expanded[ident] = 1
            continue
        open_.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children))
    return found


def _child_nodes(node: Any) -> list[Any]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


# The node kind each standard tag needs: "!!set x" or "!!int [1]" makes ruamel fail without a line.
_TAG_KINDS = {
    **{f"tag:yaml.org,2002:{name}": ScalarNode
       for name in ("str", "null", "bool", "int", "float", "timestamp", "binary", "merge", "value", "yaml")},
    **{f"tag:yaml.org,2002:{name}": MappingNode for name in ("map", "set")},
    **{f"tag:yaml.org,2002:{name}": SequenceNode for name in ("seq", "omap", "pairs")},
}
_KIND_NAMES = {ScalarNode: "a single value", MappingNode: "a mapping", SequenceNode: "a list"}


def _node_problem(node: Any, constructor: Any) -> str | None:
    tag = str(node.tag)
    kind = _TAG_KINDS.get(tag)
    if kind is not None and not isinstance(node, kind):
        return f"!!{tag[18:]} must be {_KIND_NAMES[kind]}, not {_KIND_NAMES.get(type(node), 'this')}"
    if not isinstance(node, ScalarNode) or tag not in _TYPED_SCALARS:
        return None
    written = str(node.value)
    shown = repr(written if len(written) <= 40 else written[:40] + "...")
    if str(node.tag).endswith(":int") and len(written.replace("_", "")) > MAX_NUMBER_DIGITS:
        return (f"a number of {len(written):,} digits is longer than the {MAX_NUMBER_DIGITS} allowed; "
                "write it in quotes to keep it as text")
    try:
        constructor.construct_object(node, deep=True)
    except YAMLError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as error:
        kind = "a real date or time" if str(node.tag).endswith(":timestamp") else f"a valid {str(node.tag)[18:]}"
        return f"{shown} is not {kind} ({error}); write it in quotes to keep it as text"
    return None


def _rt_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _CheckedConstructor
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _load_text(text: str) -> Any:
    return _rt_yaml().load(text)


def _line_of_key(mapping: Any, name: Any, default: int) -> int:
    try:
        return mapping.lc.key(name)[0] + 1
    except Exception:  # noqa: BLE001 - no position info: fall back
        return default


def _line_of_item(seq: Any, index: int, default: int) -> int:
    try:
        return seq.lc.item(index)[0] + 1
    except Exception:  # noqa: BLE001
        return default


# --------------------------------------------------------------------------
# Parsing and checking
# --------------------------------------------------------------------------


class _Raw:
    """A code as found in the file, before the tree is built."""

    __slots__ = (
        "key",
        "line",
        "nested",
        "nested_parent",
        "order",
        "parent_field",
        "parent_line",
        "shortcut_line",
        "spec",
    )

    def __init__(self) -> None:
        self.key: str | None = None
        self.spec: dict[str, Any] = {}
        self.line = 0
        self.nested_parent: str | None = None
        self.nested = False  # inside some code's children (even one with a bad key)
        self.parent_field: str | None = None
        self.parent_line = 0
        self.shortcut_line = 0
        self.order = 0


class _Checker:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[CodebookProblem] = []
        self.raws: list[_Raw] = []
        self.seen: set[int] = (
            set()
        )  # ids of code mappings already walked (YAML aliases)

    def add(self, line: int | None, key: str | None, message: str) -> None:
        self.problems.append(CodebookProblem(self.filename, line, key, message))

    # -- top level --------------------------------------------------------

    def run(self, text: str) -> tuple[Codebook | None, list[CodebookProblem]]:
        try:
            data = _load_text(text)
        except _UnreadableValues as error:
            for mark, message in error.found:
                self.add(mark.line + 1, None, message)
            self.problems.sort(key=lambda p: p.line or 0)
            return None, self.problems
        except YAMLError as error:
            self.problems.append(_syntax_problem(self.filename, error))
            return None, self.problems
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as error:
            # Some YAML the checks above do not foresee, on which ruamel's reader fails without a line.
            self.add(None, None, f"the YAML cannot be read ({type(error).__name__}: {error})")
            return None, self.problems
        if data is None:
            self.add(
                1, None, "the file is empty: expected 'codebook', 'version' and 'codes'"
            )
            return None, self.problems
        if not isinstance(data, dict):
            self.add(
                1,
                None,
                f"the top level must be a mapping with 'codebook', 'version' and 'codes', "
                f"not {_describe(data)}",
            )
            return None, self.problems

        for name in data:
            if name not in TOP_FIELDS:
                self.add(
                    _line_of_key(data, name, 1),
                    None,
                    _unknown_field_message(name, TOP_FIELDS),
                )

        title = ""
        if "codebook" in data and data["codebook"] is not None:
            value = _text(data["codebook"])
            if value is None:
                self.add(
                    _line_of_key(data, "codebook", 1),
                    None,
                    f"codebook (the title) must be text, not {_describe(data['codebook'])}",
                )
            else:
                title = value.strip()

        version = 0
        if "version" in data:
            value = data["version"]
            if isinstance(value, int) and not _is_bool(value) and value >= 0:
                version = int(value)
            else:
                shown = f"'{value}'" if isinstance(value, str) else _describe(value)
                self.add(
                    _line_of_key(data, "version", 1),
                    None,
                    f"version must be a whole number (0 or more), not {shown}",
                )

        if "codes" not in data:
            self.add(1, None, "missing 'codes': list the codes under 'codes:'")
        elif not isinstance(data["codes"], list):
            value = data["codes"]
            extra = (
                "; write 'codes: []' for a codebook with no codes yet"
                if value is None
                else ""
            )
            self.add(
                _line_of_key(data, "codes", 1),
                None,
                f"'codes' must be a list of codes, not {_describe(value)}{extra}",
            )
        else:
            self.walk(data["codes"], None, False, _line_of_key(data, "codes", 1))

        self.check_relations()
        if self.problems:
            self.problems.sort(key=lambda p: p.line or 0)
            return None, self.problems
        return Codebook(title=title, version=version, codes=self.build_tree()), []

    # -- codes ------------------------------------------------------------

    def walk(
        self, seq: list, nested_parent: str | None, nested: bool, line: int
    ) -> None:
        for index, item in enumerate(seq):
            item_line = _line_of_item(seq, index, line)
            if not isinstance(item, dict):
                hint = ""
                if isinstance(item, str) and _KEY_RE.match(item):
                    hint = f" (did you mean '- key: {item}' with a name?)"
                self.add(
                    item_line,
                    None,
                    f"each code must be a mapping with at least 'key' and 'name', "
                    f"not {_describe(item)}{hint}",
                )
                continue
            if id(item) in self.seen:
                self.add(
                    item_line,
                    None,
                    "the same code appears twice (a YAML alias): write each code once",
                )
                continue
            self.seen.add(id(item))
            raw = self.code(item, item_line, nested_parent, nested)
            children = item.get("children")
            if children is None:
                continue
            if not isinstance(children, list):
                self.add(
                    _line_of_key(item, "children", item_line),
                    raw.key,
                    f"children must be a list of codes, not {_describe(children)}",
                )
                continue
            self.walk(children, raw.key, True, item_line)

    def code(self, m: dict, line: int, nested_parent: str | None, nested: bool) -> _Raw:
        raw = _Raw()
        raw.line = line
        raw.nested_parent = nested_parent
        raw.nested = nested
        raw.order = len(self.raws)
        self.raws.append(raw)

        # key
        shown_key: str | None = None
        if "key" not in m:
            self.add(
                line,
                None,
                "missing key: every code needs a stable 'key' such as 'push-factors'",
            )
        else:
            key_line = _line_of_key(m, "key", line)
            text = _text(m["key"])
            if text is None:
                self.add(key_line, None, f"key must be text, not {_describe(m['key'])}")
            else:
                text = text.strip()
                shown_key = text or None
                if not _KEY_RE.match(text):
                    self.add(
                        key_line,
                        shown_key,
                        f"invalid key '{text}': use lower-case letters, digits, '-' and '_', "
                        f"starting with a letter or digit{_slug_hint(text)}",
                    )
                else:
                    raw.key = text
        who = raw.key or shown_key

        for name in m:
            if name not in CODE_FIELDS:
                self.add(
                    _line_of_key(m, name, line),
                    who,
                    _unknown_field_message(name, CODE_FIELDS),
                )

        spec: dict[str, Any] = {}
        # name (required)
        if "name" not in m:
            self.add(line, who, "missing name")
        else:
            self.field(m, "name", _norm_name, spec, line, who)
        self.field(m, "description", _norm_description, spec, line, who)
        for name in _LIST_FIELDS:
            self.field(m, name, _norm_list, spec, line, who)
        if "colour" in m and "color" in m:
            self.add(
                _line_of_key(m, "color", line),
                who,
                "both 'colour' and 'color' given: keep one",
            )
        elif "color" in m:
            self.field(m, "color", _norm_colour, spec, line, who, store_as="colour")
        else:
            self.field(m, "colour", _norm_colour, spec, line, who)
        if self.field(m, "shortcut", _norm_shortcut, spec, line, who):
            raw.shortcut_line = _line_of_key(m, "shortcut", line)
        self.field(m, "status", _norm_status, spec, line, who)
        if "parent" in m:
            raw.parent_line = _line_of_key(m, "parent", line)
            parent_spec: dict[str, Any] = {}
            if self.field(m, "parent", _norm_parent, parent_spec, line, who):
                raw.parent_field = parent_spec["parent"]
        raw.spec = spec
        return raw

    def field(
        self,
        m: dict,
        name: str,
        norm: Any,
        spec: dict,
        line: int,
        who: str | None,
        store_as: str | None = None,
    ) -> bool:
        if name not in m:
            return False
        try:
            spec[store_as or name] = norm(m[name])
        except _Bad as bad:
            self.add(_line_of_key(m, name, line), who, f"{name} {bad}")
            return False
        return True

    # -- relations between codes -----------------------------------------

    def check_relations(self) -> None:
        first: dict[str, _Raw] = {}
        for raw in self.raws:
            if raw.key is None:
                continue
            if raw.key in first:
                self.add(
                    raw.line,
                    raw.key,
                    f"duplicate key '{raw.key}': defined at lines {first[raw.key].line} "
                    f"and {raw.line}; keys must be unique in the whole file",
                )
            else:
                first[raw.key] = raw

        parents: dict[str, str] = {}
        for key, raw in first.items():
            if raw.nested:
                if (
                    raw.nested_parent is not None
                    and raw.parent_field is not None
                    and raw.parent_field != raw.nested_parent
                ):
                    self.add(
                        raw.parent_line,
                        key,
                        f"nested under '{raw.nested_parent}' but says parent: "
                        f"'{raw.parent_field}'; use one or the other",
                    )
                if raw.nested_parent is not None:
                    parents[key] = raw.nested_parent
                continue
            if raw.parent_field is None:
                continue
            if raw.parent_field not in first:
                hint = ""
                close = difflib.get_close_matches(raw.parent_field, list(first), n=1)
                if close:
                    hint = f" (did you mean '{close[0]}'?)"
                self.add(
                    raw.parent_line, key, f"unknown parent '{raw.parent_field}'{hint}"
                )
                continue
            parents[key] = raw.parent_field

        done: set[str] = set()
        for key in first:
            trail: list[str] = []
            on_trail: set[str] = set()
            current: str | None = key
            while current is not None and current not in done:
                if current in on_trail:
                    self.report_cycle(trail[trail.index(current) :], first)
                    break
                trail.append(current)
                on_trail.add(current)
                current = parents.get(current)
            done.update(trail)

        seen_shortcuts: dict[str, _Raw] = {}
        for raw in self.raws:
            shortcut = raw.spec.get("shortcut")
            if shortcut is None:
                continue
            if shortcut in seen_shortcuts:
                other = seen_shortcuts[shortcut]
                self.add(
                    raw.shortcut_line,
                    raw.key,
                    f"duplicate shortcut '{shortcut}': also used by "
                    f"'{other.key or '?'}' at line {other.shortcut_line}",
                )
            else:
                seen_shortcuts[shortcut] = raw

    def report_cycle(self, cycle: list[str], first: dict[str, _Raw]) -> None:
        # Start the cycle at the first code (in file order) that names a parent.
        explicit = [k for k in cycle if first[k].parent_field is not None]
        start = min(explicit or cycle, key=lambda k: first[k].order)
        at = cycle.index(start)
        ordered = cycle[at:] + cycle[:at]
        raw = first[start]
        self.add(
            raw.parent_line or raw.line,
            start,
            "parent cycle: "
            + " -> ".join(ordered + [start])
            + " (a code cannot be its own ancestor)",
        )

    # -- tree ---------------------------------------------------------------

    def build_tree(self) -> list[CodeSpec]:
        children: dict[str | None, list[_Raw]] = {}
        for raw in self.raws:
            parent = raw.nested_parent if raw.nested else raw.parent_field
            children.setdefault(parent, []).append(raw)
        codes: list[CodeSpec] = []
        stack: list[tuple[_Raw, str | None]] = [
            (raw, None) for raw in reversed(children.get(None, []))
        ]
        while stack:
            raw, parent = stack.pop()
            assert raw.key is not None
            spec = raw.spec
            codes.append(
                CodeSpec(
                    key=raw.key,
                    name=spec["name"],
                    parent=parent,
                    description=spec.get("description", ""),
                    include=spec.get("include", []),
                    exclude=spec.get("exclude", []),
                    examples=spec.get("examples", []),
                    keywords=spec.get("keywords", []),
                    colour=spec.get("colour"),
                    shortcut=spec.get("shortcut"),
                    status=spec.get("status", STATUSES[0]),
                    position=len(codes),
                    line=raw.line,
                )
            )
            stack.extend(
                (child, raw.key) for child in reversed(children.get(raw.key, []))
            )
        return codes


def parse_codebook_text(
    text: str, filename: str = "<string>"
) -> tuple[Codebook | None, list[CodebookProblem]]:
    """Check codebook YAML ``text``.

    Returns ``(codebook, [])`` when the text is a valid codebook and
    ``(None, problems)`` otherwise, with every problem found, in line order.
    Never raises for problems in the text.
    """
    try:
        return _Checker(filename).run(text)
    except RecursionError:
        # The YAML reader recurses once per level: some 150 levels of nesting exhaust Python's stack.
        return None, [
            CodebookProblem(
                filename,
                None,
                None,
                "the file is nested too deeply to read (codes inside codes more than 100 levels "
                "deep?); write deep codes flat, naming their parent with 'parent:'",
            )
        ]


def _read_text(path: Path) -> tuple[str | None, list[CodebookProblem]]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [
            CodebookProblem(
                name, None, None, f"cannot read the codebook: {error.strerror or error}"
            )
        ]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [
            CodebookProblem(
                name, line, None, "the file is not UTF-8 text; save it as UTF-8"
            )
        ]


def check_codebook(
    path: str | os.PathLike[str],
) -> tuple[Codebook | None, list[CodebookProblem]]:
    """Check the codebook file at ``path``; see :func:`parse_codebook_text`.

    An unreadable or non-UTF-8 file is reported as a problem too.
    """
    path = Path(path)
    text, problems = _read_text(path)
    if text is None:
        return None, problems
    codebook, problems = parse_codebook_text(text, str(path))
    if codebook is not None:
        codebook.path = path
    return codebook, problems


def load_codebook(path: str | os.PathLike[str]) -> Codebook:
    """Load a codebook file; raise :class:`CodebookError` listing every problem."""
    codebook, problems = check_codebook(path)
    if problems or codebook is None:
        raise CodebookError(problems)
    return codebook


def format_check_report(
    name: str | os.PathLike[str],
    codebook: Codebook | None,
    problems: list[CodebookProblem],
) -> str:
    """The text ``cotag codebook check FILE`` prints (problems go to stderr, exit 1)."""
    if problems or codebook is None:
        lines = [str(problem) for problem in problems]
        lines.append(f"{name}: {len(problems)} problem(s)")
        return "\n".join(lines)
    return f"{name}: ok, {len(codebook.codes)} codes, version {codebook.version}"


# --------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------


_DEFAULTS: dict[str, Any] = {
    "description": "",
    "include": [],
    "exclude": [],
    "examples": [],
    "keywords": [],
    "colour": None,
    "shortcut": None,
    "status": STATUSES[0],
}
_NORMALIZERS: dict[str, Any] = {
    "name": _norm_name,
    "description": _norm_description,
    "include": _norm_list,
    "exclude": _norm_list,
    "examples": _norm_list,
    "keywords": _norm_list,
    "colour": _norm_colour,
    "shortcut": _norm_shortcut,
    "status": _norm_status,
}
_MISSING = object()


def _spec_value(code: CodeSpec, name: str) -> Any:
    value = getattr(code, name)
    if name in _LIST_FIELDS:
        return [str(item).strip() for item in value]
    if name == "description":
        return (value or "").strip()
    if name == "colour":
        return value.strip().lower() if value else None
    if name == "status":
        return (value or STATUSES[0]).strip().lower()
    if name == "name":
        return str(value).strip()
    return value or None


def _yaml_value(name: str, value: Any, old: Any) -> Any:
    if name in _LIST_FIELDS:
        seq = CommentedSeq(value)
        if isinstance(old, CommentedSeq):
            if old.fa.flow_style():
                seq.fa.set_flow_style()
            else:
                seq.fa.set_block_style()
        elif name == "keywords":
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if name == "shortcut" or (name == "colour" and value.startswith("#")):
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value + "\n")
    return value


def _insert_field(m: CommentedMap, name: str, value: Any) -> None:
    """Set ``m[name]``; a new field goes to its place in the canonical order."""
    if name in m:
        m[name] = value
        return
    rank = _CANONICAL_ORDER.index(name)
    position = 0
    for index, existing in enumerate(m):
        if existing in _CANONICAL_ORDER and _CANONICAL_ORDER.index(existing) < rank:
            position = index + 1
    m.insert(position, name, value)


def _code_mapping(code: CodeSpec) -> CommentedMap:
    m = CommentedMap()
    m["key"] = code.key
    _update_fields(m, code)
    return m


def _update_fields(m: CommentedMap, code: CodeSpec) -> None:
    for name in (
        "name",
        "description",
        "colour",
        "shortcut",
        "status",
        "include",
        "exclude",
        "examples",
        "keywords",
    ):
        file_name = name
        if name == "colour" and "color" in m and "colour" not in m:
            file_name = "color"
        desired = _spec_value(code, name)
        old = m.get(file_name, _MISSING)
        if old is not _MISSING:
            try:
                current = _NORMALIZERS[name](old)
            except _Bad:
                current = _MISSING
            if current == desired:
                continue
        if name != "name" and desired == _DEFAULTS[name]:
            if file_name in m:
                del m[file_name]
            continue
        _insert_field(
            m, file_name, _yaml_value(name, desired, None if old is _MISSING else old)
        )


class _Loc:
    __slots__ = ("container", "depth", "mapping", "owner")

    def __init__(
        self,
        mapping: CommentedMap,
        container: CommentedSeq,
        owner: CommentedMap | None,
        depth: int,
    ):
        self.mapping = mapping
        self.container = container  # the list holding the mapping
        self.owner = owner  # the code whose 'children' list it is; None at top level
        self.depth = depth  # 0 for the top-level list


def _index_file_codes(codes: CommentedSeq) -> dict[str, _Loc]:
    index: dict[str, _Loc] = {}

    def walk(seq: CommentedSeq, owner: CommentedMap | None, depth: int) -> None:
        for item in seq:
            if not isinstance(item, CommentedMap):
                continue
            key = _text(item.get("key"))
            if key is not None:
                index.setdefault(key.strip(), _Loc(item, seq, owner, depth))
            children = item.get("children")
            if isinstance(children, CommentedSeq):
                walk(children, item, depth + 1)

    walk(codes, None, 0)
    return index


def _file_parent(loc: _Loc) -> str | None:
    if loc.owner is not None:
        key = _text(loc.owner.get("key"))
        return key.strip() if key is not None else None
    try:
        return _norm_parent(loc.mapping.get("parent"))
    except _Bad:
        return None


def _guess_indent(text: str) -> tuple[int, int]:
    """(sequence, offset) indentation of the codes list in ``text``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"codes\s*:\s*(#.*)?$", line):
            for following in lines[number + 1 :]:
                stripped = following.lstrip(" ")
                if not stripped or stripped.startswith("#"):
                    continue
                if stripped.startswith("- "):
                    offset = len(following) - len(stripped)
                    after = stripped[1:]
                    sequence = offset + 1 + (len(after) - len(after.lstrip(" ")))
                    return max(sequence, offset + 2), offset
                break
            break
    return 4, 2


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _tail_slot(node: Any) -> tuple[dict, Any, int] | None:
    """Where ruamel keeps the comment lines that follow ``node``'s last line.

    Returns ``(ca.items, key, slot)``; ``None`` when the node ends in a flow
    collection (ruamel then attaches those comments to what follows).
    """
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if not node or node.fa.flow_style():
            return None
        if isinstance(node, CommentedMap):
            last: Any = list(node.keys())[-1]
            slot = 2
        else:
            last = len(node) - 1
            slot = 0
        value = node[last]
        if isinstance(value, (CommentedMap, CommentedSeq)):
            return _tail_slot(value) if value and not value.fa.flow_style() else None
        return node.ca.items, last, slot
    return None


def _key_column(mapping: CommentedMap) -> int | None:
    try:
        column = mapping.lc.col
    except AttributeError:
        return None
    return column if isinstance(column, int) else None


def _take_tail_lines(mapping: CommentedMap, *, leading: bool) -> list[str]:
    """Remove and return comment lines at the end of a code that belong to the next code.

    Only lines indented less than the code's fields are candidates.  With
    ``leading`` (the code before a moved one) the comment block right above
    the next code is taken, up to a blank line.  Without it (the moved code
    itself) every trailing shallow comment and the blank lines among them are
    taken, so a heading for what follows stays in place.
    """
    limit = _key_column(mapping)
    where = _tail_slot(mapping)
    if limit is None or where is None:
        return []
    items, key, slot = where
    entry = items.get(key)
    token = entry[slot] if entry else None
    if not isinstance(token, CommentToken):
        return []
    segments = token.value.split("\n")
    head, body = segments[0], segments[1:]
    if body and body[-1] == "":
        body.pop()
    taken: list[str] = []
    while body:
        line = body[-1]
        is_comment = line.strip().startswith("#") and _indent(line) < limit
        if is_comment or (not leading and not line.strip()):
            if leading and not is_comment:
                break
            taken.insert(0, body.pop())
            continue
        break
    while taken and not taken[0].strip() and leading:
        taken.pop(0)
    if not any(line.strip() for line in taken):
        return []
    rest = head + "\n" + "".join(line + "\n" for line in body)
    if rest == "\n":
        entry[slot] = None
    else:
        token.value = rest
    return taken


def _append_tail_lines(mapping: CommentedMap, lines: list[str]) -> bool:
    """Add comment lines after a code's last line; False if there is no place."""
    where = _tail_slot(mapping)
    if where is None:
        return False
    items, key, slot = where
    entry = items.setdefault(key, [None, None, None, None])
    token = entry[slot]
    if isinstance(token, CommentToken):
        value = token.value if token.value.endswith("\n") else token.value + "\n"
    else:
        value = "\n"
        token = CommentToken(value, CommentMark(0))
        entry[slot] = token
    if value.endswith("\n\n") and lines and not lines[0].strip():
        lines = lines[1:]
    token.value = value + "".join(line + "\n" for line in lines)
    return True


def _shift_comments(node: Any, delta: int) -> None:
    """Re-indent the comments inside a moved code by ``delta`` columns."""
    if not delta or not isinstance(node, (CommentedMap, CommentedSeq)):
        return
    seen: set[int] = set()

    def shift(token: Any) -> None:
        if not isinstance(token, CommentToken) or id(token) in seen:
            return
        seen.add(id(token))
        mark = token.start_mark
        if mark is not None and isinstance(getattr(mark, "column", None), int):
            token.start_mark = CommentMark(max(0, mark.column + delta))
        head, *rest = token.value.split("\n")
        moved = [
            " " * max(0, _indent(line) + delta) + line.lstrip(" ")
            if line.strip()
            else line
            for line in rest
        ]
        token.value = "\n".join([head, *moved])

    def shift_all(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                shift_all(item)
        else:
            shift(value)

    def walk(current: Any) -> None:
        if not isinstance(current, (CommentedMap, CommentedSeq)):
            return
        ca = current.ca
        shift_all(list(ca.items.values()))
        if ca.comment:
            shift_all(ca.comment)
        if ca.end:
            shift_all(ca.end)
        children = current.values() if isinstance(current, CommentedMap) else current
        for child in children:
            walk(child)

    walk(node)


class _Updater:
    def __init__(self, data: CommentedMap, filename: str, sequence: int, offset: int):
        self.data = data
        self.filename = filename
        self.sequence = sequence
        self.offset = offset
        self.codes: CommentedSeq = data["codes"]
        self.index = _index_file_codes(self.codes)
        # Where a moved or new child goes when its parent has no 'children'
        # list yet: follow the style most of the file's child codes use.
        flat = sum(
            1
            for loc in self.index.values()
            if loc.owner is None and loc.mapping.get("parent") is not None
        )
        nested = sum(1 for loc in self.index.values() if loc.owner is not None)
        self.flat_style = flat > nested

    def fail(self, key: str | None, message: str) -> CodebookError:
        return CodebookError([CodebookProblem(self.filename, None, key, message)])

    def apply(self, codebook: Codebook) -> None:
        wanted = {code.key: code for code in codebook.codes}
        done: set[str] = set()

        def ensure(code: CodeSpec, trail: tuple[str, ...]) -> None:
            if code.key in done:
                return
            if code.key in trail:
                raise self.fail(
                    code.key, "parent cycle: " + " -> ".join(trail + (code.key,))
                )
            parent = code.parent
            if parent is not None and parent in wanted:
                ensure(wanted[parent], trail + (code.key,))
            self.place(code)
            done.add(code.key)

        for code in codebook.codes:
            ensure(code, ())

    def place(self, code: CodeSpec) -> None:
        loc = self.index.get(code.key)
        if loc is None:
            self.attach(code.key, _code_mapping(code), code.parent, None)
            return
        _update_fields(loc.mapping, code)
        if _file_parent(loc) != code.parent:
            comment = self.detach(loc)
            self.attach(code.key, loc.mapping, code.parent, comment)

    def detach(self, loc: _Loc) -> list[CommentToken]:
        """Take the code out of its list; return the comment lines that belong above it.

        Comment lines right above the code (no blank line between) go with
        it; comment lines after it that are indented less than its fields
        (a heading for what follows) stay where they were.
        """
        seq = loc.container
        position = next((i for i, item in enumerate(seq) if item is loc.mapping), None)
        if position is None:
            return []
        previous = seq[position - 1] if position > 0 else None
        above: list[CommentToken] = []
        if position == 0:
            above = self.take_first_comment(loc)
        elif isinstance(previous, CommentedMap):
            above = [
                CommentToken(line.strip() + "\n", CommentMark(0))
                for line in _take_tail_lines(previous, leading=True)
            ]
        entry = seq.ca.items.get(position)
        if entry and entry[1]:
            above.extend(entry[1])
        following = _take_tail_lines(loc.mapping, leading=False)
        del seq[position]
        if following:
            self.leave_behind(seq, position, previous, following)
        if loc.owner is not None and len(seq) == 0 and loc.owner.get("children") is seq:
            del loc.owner["children"]
        return above

    def take_first_comment(self, loc: _Loc) -> list[CommentToken]:
        """The comment block between 'codes:'/'children:' and the first code."""
        holder = loc.owner if loc.owner is not None else self.data
        name = "children" if loc.owner is not None else "codes"
        entry = holder.ca.items.get(name)
        tokens = entry[3] if entry and len(entry) > 3 else None
        if not tokens:
            return []
        blanks = [i for i, token in enumerate(tokens) if not token.value.strip()]
        start = blanks[-1] + 1 if blanks else 0
        taken, kept = list(tokens[start:]), list(tokens[:start])
        entry[3] = kept or None
        seq_comment = loc.container.ca.comment
        if seq_comment and len(seq_comment) > 1:
            seq_comment[1] = list(kept) or None
        return taken

    def leave_behind(
        self, seq: CommentedSeq, position: int, previous: Any, lines: list[str]
    ) -> None:
        """Put comment lines back where a removed code was."""
        if isinstance(previous, CommentedMap) and _append_tail_lines(previous, lines):
            return
        if previous is None:
            while lines and not lines[0].strip():
                lines = lines[1:]
        tokens = [
            CommentToken(line.lstrip(" ") + "\n", CommentMark(_indent(line)))
            for line in lines
        ]
        if position < len(seq):
            entry = seq.ca.items.setdefault(position, [None, None, None, None])
            entry[1] = tokens + list(entry[1] or [])
            return
        if seq.ca.comment is None:
            seq.ca.comment = [
                None,
                None,
            ]  # the emitter writes ca.end only with this set
        if seq.ca.end is None:
            seq.ca.end = []
        seq.ca.end.extend(tokens)

    def append(
        self,
        seq: CommentedSeq,
        mapping: CommentedMap,
        depth: int,
        above: list[CommentToken] | None,
    ) -> None:
        seq.append(mapping)
        column = self.offset + depth * self.sequence
        old_key_column = _key_column(mapping)
        if old_key_column is not None:
            _shift_comments(
                mapping, column + self.sequence - self.offset - old_key_column
            )
        if not above:
            return
        for token in above:
            if token.value.strip():
                token.start_mark = CommentMark(column)
        seq.ca.items[len(seq) - 1] = [None, above, None, None]

    def attach(
        self,
        key: str,
        mapping: CommentedMap,
        parent: str | None,
        comment: list[CommentToken] | None,
    ) -> None:
        if parent is None:
            if "parent" in mapping:
                del mapping["parent"]
            self.append(self.codes, mapping, 0, comment)
            self.index[key] = _Loc(mapping, self.codes, None, 0)
            return
        parent_loc = self.index.get(parent)
        if parent_loc is None:
            raise self.fail(
                key,
                f"unknown parent '{parent}': it is neither in the codebook "
                f"nor in the file",
            )
        owner = parent_loc.mapping
        depth = parent_loc.depth + 1
        children = owner.get("children")
        if isinstance(children, CommentedSeq):
            if "parent" in mapping:
                del mapping["parent"]
            self.append(children, mapping, depth, comment)
            self.index[key] = _Loc(mapping, children, owner, depth)
        elif self.flat_style:
            _insert_field(mapping, "parent", parent)
            self.append(self.codes, mapping, 0, comment)
            self.index[key] = _Loc(mapping, self.codes, None, 0)
        else:
            if "parent" in mapping:
                del mapping["parent"]
            children = CommentedSeq()
            _insert_field(owner, "children", children)
            self.append(children, mapping, depth, comment)
            self.index[key] = _Loc(mapping, children, owner, depth)


def _updated_text(
    codebook: Codebook, text: str, filename: str, expected_version: int | None
) -> str:
    yaml = _rt_yaml()
    sequence, offset = _guess_indent(text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    if text.lstrip().startswith("---"):
        yaml.explicit_start = True
    try:
        data = yaml.load(text)
    except YAMLError as error:
        raise CodebookError([_syntax_problem(filename, error)]) from None
    if not isinstance(data, CommentedMap) or not isinstance(
        data.get("codes"), CommentedSeq
    ):
        raise CodebookError(
            [
                CodebookProblem(
                    filename,
                    1,
                    None,
                    "cannot update this file: it is not a mapping with a 'codes' list",
                )
            ]
        )

    old_version = data.get("version", 0)
    if not isinstance(old_version, int) or _is_bool(old_version) or old_version < 0:
        raise CodebookError(
            [
                CodebookProblem(
                    filename,
                    _line_of_key(data, "version", 1),
                    None,
                    f"version must be a whole number (0 or more), not {_describe(old_version)}",
                )
            ]
        )
    if expected_version is not None and int(old_version) != expected_version:
        raise CodebookError(
            [
                CodebookProblem(
                    filename,
                    _line_of_key(data, "version", 1),
                    None,
                    f"the file changed since it was loaded: version {int(old_version)} on disk, "
                    f"expected {expected_version}; load it again and redo the change",
                )
            ]
        )

    current_title = (
        _text(data.get("codebook")) if data.get("codebook") is not None else ""
    )
    if (current_title or "").strip() != codebook.title.strip():
        _insert_top(data, "codebook", codebook.title, 0)

    _Updater(data, filename, sequence, offset).apply(codebook)

    new_version = int(old_version) + 1
    if "version" in data:
        data["version"] = new_version
    else:
        _insert_top(data, "version", new_version, 1 if "codebook" in data else 0)

    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _insert_top(data: CommentedMap, name: str, value: Any, position: int) -> None:
    if name in data:
        data[name] = value
    else:
        data.insert(position, name, value)


def _fresh_text(codebook: Codebook, version: int) -> str:
    data = CommentedMap()
    data["codebook"] = codebook.title
    data["version"] = version
    codes = CommentedSeq()
    data["codes"] = codes
    mappings: dict[str, CommentedMap] = {}
    known = {code.key for code in codebook.codes}
    pending = list(codebook.codes)
    # Parents before children, whatever order the list is in.
    while pending:
        progressed = False
        rest: list[CodeSpec] = []
        for code in pending:
            parent = code.parent
            if parent is not None and parent in known and parent not in mappings:
                rest.append(code)
                continue
            mapping = _code_mapping(code)
            mappings[code.key] = mapping
            progressed = True
            if parent is None:
                codes.append(mapping)
            elif parent in mappings:
                owner = mappings[parent]
                if "children" not in owner:
                    owner["children"] = CommentedSeq()
                owner["children"].append(mapping)
            else:  # unknown parent: kept as written so the check reports it
                _insert_field(mapping, "parent", parent)
                codes.append(mapping)
        if not progressed:
            keys = " -> ".join(code.key for code in rest)
            raise CodebookError(
                [
                    CodebookProblem(
                        str(codebook.path or "<codebook>"),
                        None,
                        rest[0].key,
                        f"parent cycle among: {keys}",
                    )
                ]
            )
        pending = rest

    data.yaml_set_start_comment(
        "cotag codebook (format: docs/codebook.md).\n"
        "Comments and order are kept when cotag saves this file."
    )
    yaml = _rt_yaml()
    out = StringIO()
    yaml.dump(data, out)
    lines = out.getvalue().splitlines()
    # A blank line before each top-level code, for readability.
    result: list[str] = []
    in_codes = False
    for line in lines:
        if line.startswith("codes:"):
            in_codes = True
            result.append("")
        elif in_codes and line.startswith("  - ") and result and result[-1] != "codes:":
            result.append("")
        result.append(line)
    return "\n".join(result) + "\n"


def save_codebook(
    codebook: Codebook,
    path: str | os.PathLike[str],
    *,
    expected_version: int | None = None,
) -> Codebook:
    """Write ``codebook`` to ``path`` and return the codebook as saved.

    If the file exists it is updated in place (ruamel.yaml round-trip), so
    comments, field order and layout survive:

    * codes are matched by ``key``; changed fields are rewritten, fields that
      went back to their default are removed, unchanged fields are left as
      written;
    * a code whose parent changed is moved to the end of its new parent's
      ``children`` (or, in a file that uses ``parent:``, to the end of the
      list with ``parent:`` set); a code that became top-level goes to the
      end of ``codes``;
    * codes not in the file are added at the end of their parent's children
      or of the top-level list;
    * codes in the file but not in ``codebook.codes`` are left as they are:
      saving never deletes a code (retire it with ``status: retired``);
    * ``version`` becomes the file's version + 1 (written if absent).

    If the file does not exist, a fresh nested file is written with version
    ``codebook.version + 1``.

    The result is checked before anything is written: if it would not be a
    valid codebook, :class:`CodebookError` is raised and the file is left
    untouched.  With ``expected_version``, the save is refused when the
    file's version differs (someone saved it since it was loaded).  The file
    is replaced atomically.  ``codebook`` itself is not modified.
    """
    path = Path(path)
    filename = str(path)
    if path.exists():
        text, problems = _read_text(path)
        if text is None:
            raise CodebookError(problems)
        new_text = _updated_text(codebook, text, filename, expected_version)
    else:
        new_text = _fresh_text(codebook, codebook.version + 1)
    saved, problems = parse_codebook_text(new_text, f"{filename} (not saved)")
    if problems or saved is None:
        raise CodebookError(problems)
    write_atomically(path, new_text)  # keeps the file's mode: a team's shared codebook stays readable
    saved.path = path
    return saved
