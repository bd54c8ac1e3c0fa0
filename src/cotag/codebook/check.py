"""Checking a codebook file: every problem with file, line and code key (never raising for content
problems), and loading a valid one as a Codebook."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from cotag.codebook.model import (
    _KEY_RE,
    _LIST_FIELDS,
    CODE_FIELDS,
    STATUSES,
    TOP_FIELDS,
    Codebook,
    CodebookError,
    CodebookProblem,
    CodeSpec,
)
from cotag.codebook.values import (
    _Bad,
    _describe,
    _is_bool,
    _norm_colour,
    _norm_description,
    _norm_list,
    _norm_name,
    _norm_parent,
    _norm_shortcut,
    _norm_status,
    _slug_hint,
    _text,
    _unknown_field_message,
)
from cotag.codebook.yamlsafe import _line_of_item, _line_of_key, _load_text, _syntax_problem, _UnreadableValues

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


