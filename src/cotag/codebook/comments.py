"""Comments and blank lines in a round-trip YAML tree: where ruamel.yaml keeps them, and moving them with
the item they belong to when save_codebook moves or appends a code, or when an item leaves a list (a code moved
away; a pseudonym proposal accepted, in privacy/pseudonyms.py)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken


def _guess_indent(text: str, key: str = "codes") -> tuple[int, int]:
    """(sequence, offset) indentation of the list under the top-level ``key`` in ``text``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if re.match(rf"{re.escape(key)}\s*:\s*(#.*)?$", line):
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
    entry: list[Any] | None = items.get(key)
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
    if rest == "\n" and entry is not None:
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
            # ruamel types start_mark as StreamMark, yet its comment tokens carry CommentMark (ruamel does this too).
            token.start_mark = CommentMark(max(0, mark.column + delta))  # type: ignore[assignment]
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


def _leave_behind(seq: CommentedSeq, position: int, previous: Any, lines: list[str]) -> None:
    """Put comment lines back where a removed item of ``seq`` was: after the item before it, above the one
    that now stands at ``position``, or at the end of the list."""
    if isinstance(previous, CommentedMap) and _append_tail_lines(previous, lines):
        return
    if previous is None:
        while lines and not lines[0].strip():
            lines = lines[1:]
    tokens = [CommentToken(line.lstrip(" ") + "\n", CommentMark(_indent(line))) for line in lines]
    if position < len(seq):
        entry = seq.ca.items.setdefault(position, [None, None, None, None])
        entry[1] = tokens + list(entry[1] or [])
        return
    if seq.ca.comment is None:
        seq.ca.comment = [None, None]  # the emitter writes ca.end only with this set
    if seq.ca.end is None:
        seq.ca.end = []
    seq.ca.end.extend(tokens)


def remove_item(seq: CommentedSeq, position: int) -> list[str]:
    """Delete ``seq[position]`` (a mapping) and keep the comment lines after it that belong to what follows
    (indented less than its keys: a note above the next item, or the file's closing lines). Its own comments
    (at the end of one of its lines) go with it. Returns the lines kept."""
    item = seq[position]
    following = _take_tail_lines(item, leading=False) if isinstance(item, CommentedMap) else []
    previous = seq[position - 1] if position > 0 else None
    del seq[position]
    if following:
        _leave_behind(seq, position, previous, following)
    return following
