"""The code table as the one code tree, cotag.codebook.Codebook, with the ids codings point at.

The codebook file and the code table give the same tree type: the coding and codebook screens
(tui.codebook) and the exports (export.scope.CodeTree) are built from it. Apart from store/codes.py
so that a command that only queries codes does not load the codebook file's YAML machinery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cotag.codebook import Codebook, CodeSpec

# The model classes only for the type checker: the tree is read with store/plain_reads, so an export that
# needs it does not import SQLModel and build the model classes (report start-up, issue #14).
if TYPE_CHECKING:
    from cotag.store.models import Code


@dataclass
class StoredCode(CodeSpec):
    """A code as the code table holds it: the codebook file's fields and the ids codings and the tree point at.

    `parent_id` is None for a top-level code and for one whose parent is not among the codes the tree was
    built from, as `parent` (the parent's key) is.
    """

    id: int = 0
    parent_id: int | None = None
    merged_into_id: int | None = None


def codebook_of(codes: Iterable[Code] | Iterable[Any]) -> Codebook:
    """Code rows as a Codebook of StoredCode: depth-first, parents before children, siblings by position.

    Codes caught in a parent cycle (only a hand-edited database has one) come last, in position order,
    so a tree walk neither loses them nor loops.
    """
    rows: list[Any] = [c for c in codes if c.id is not None]
    by_id = {c.id: c for c in rows}
    in_order = sorted(rows, key=lambda c: (c.position, c.id or 0))
    children: dict[int | None, list[Code]] = {}
    for code in in_order:
        children.setdefault(code.parent_id if code.parent_id in by_id else None, []).append(code)
    ordered: list[Code] = []
    seen: set[int] = set()
    stack = list(reversed(children.get(None, [])))
    while stack:
        code = stack.pop()
        if code.id in seen:
            continue
        seen.add(code.id or 0)
        ordered.append(code)
        stack.extend(reversed(children.get(code.id, [])))
    ordered += [c for c in in_order if c.id not in seen]
    specs: list[CodeSpec] = []
    for code in ordered:
        parent = by_id.get(code.parent_id) if code.parent_id is not None else None
        specs.append(StoredCode(
            key=code.key, name=code.name, parent=parent.key if parent is not None else None,
            description=code.description or "", include=list(code.include or ()), exclude=list(code.exclude or ()),
            examples=list(code.examples or ()), keywords=list(code.keywords or ()), colour=code.colour,
            shortcut=code.shortcut, status=code.status, position=code.position, id=code.id or 0,
            parent_id=parent.id if parent is not None else None, merged_into_id=code.merged_into_id))
    return Codebook(title="", version=0, codes=specs)


def code_tree(session: Any) -> Codebook:
    """The project's codebook as the code table holds it (retired and merged codes included); ``session`` a
    Session or a plain Connection."""
    from cotag.store.plain_reads import code_rows

    return codebook_of(code_rows(session))
