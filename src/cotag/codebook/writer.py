"""Saving a codebook: an existing file updated in place (comments, order and layout kept), a new file
written nested; the result checked before the file is replaced."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from cotag.codebook.check import _read_text, parse_codebook_text
from cotag.codebook.comments import (
    _guess_indent,
    _key_column,
    _leave_behind,
    _shift_comments,
    _take_tail_lines,
)
from cotag.codebook.model import (
    _CANONICAL_ORDER,
    _LIST_FIELDS,
    STATUSES,
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
    _text,
)
from cotag.codebook.yamlsafe import _line_of_key, _rt_yaml, _syntax_problem
from cotag.files import write_atomically

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
        """Put comment lines back where a removed code was (comments.py: pseudonyms.yaml uses it too)."""
        _leave_behind(seq, position, previous, lines)

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
                # ruamel types start_mark as StreamMark, yet its comment tokens carry CommentMark.
                token.start_mark = CommentMark(column)  # type: ignore[assignment]
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
