"""Codebook evolution by a lead: rename, move, merge, split, recode, retire, and save back to the YAML file.

Every operation keeps every coding (codings move between codes, none is
deleted), checks all its input before writing, runs as set-based SQL whatever
the number of codings, and is logged as an Event a methods section can cite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from cotag.errors import CotagError, NotFound
from cotag.reconcile import require_lead
from cotag.store import codebook_changes
from cotag.store import codings as coding_store
from cotag.store.codes import coding_counts, get_code, list_codes, require_code
from cotag.store.events import log_event
from cotag.store.models import (
    STATUS_ACTIVE,
    STATUS_MERGED,
    STATUS_RETIRED,
    Code,
    Coder,
)

RENAME = "codebook.rename"
MOVE = "codebook.move"
MERGE = "codebook.merge"
SPLIT = "codebook.split"
RECODE = "codebook.recode"
RETIRE = "codebook.retire"
SAVE = "codebook.save"

# The codebook file's key rule (see codebook.py): lower-case slug.
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")


def _id(code: Code) -> int:
    """A stored code's id (a row read from or flushed to the database always has one)."""
    assert code.id is not None, code.key
    return code.id


def _live_code(session, key: str, what: str) -> Code:
    code = require_code(session, key=key)
    if code.status == STATUS_MERGED:
        into = session.get(Code, code.merged_into_id) if code.merged_into_id else None
        raise CotagError(f"code {key!r} was merged into {into.key if into else '?'!r}; {what} that code instead")
    return code


def _ancestors(session, code: Code) -> list[Code]:
    out: list[Code] = []
    current = code
    while current.parent_id is not None:
        current = session.get(Code, current.parent_id)
        out.append(current)
    return out


def _is_descendant(session, code: Code, of: Code) -> bool:
    return any(a.id == of.id for a in _ancestors(session, code))


def _check_key(session, key: str) -> None:
    if not _KEY.match(key):
        raise CotagError(f"{key!r} is not a code key: use lower-case letters, digits, '-' or '_'")
    if get_code(session, key=key) is not None:
        raise CotagError(f"a code with key {key!r} already exists: choose another key, or merge into it")


def _next_position(session) -> int:
    return max((c.position for c in list_codes(session)), default=-1) + 1


# ---------------------------------------------------------------- operations

def rename(session, *, key: str, lead: str, name: str | None = None, new_key: str | None = None) -> dict[str, Any]:
    """A new name (free) and/or a new key (must be unused); codings follow because they point at the code's id."""
    lead_row = require_lead(session, name=lead)
    code = _live_code(session, key, "rename")
    if name is None and new_key is None:
        raise CotagError("rename needs a new name, a new key (--key), or both")
    if name is not None and not name.strip():
        raise CotagError("a code's name cannot be empty")
    if new_key is not None and new_key != key:
        _check_key(session, new_key)
    payload = {"code": key, "old_name": code.name}
    if name is not None:
        code.name = name.strip()
        payload["name"] = code.name
    if new_key is not None and new_key != key:
        code.key = new_key
        payload["new_key"] = new_key
    session.add(code)
    log_event(session, kind=RENAME, actor=lead_row.name, payload=payload)
    return payload


def move(session, *, key: str, lead: str, parent: str | None) -> dict[str, Any]:
    """Put a code under another parent (None: top level); a code cannot go under itself or its own descendant."""
    lead_row = require_lead(session, name=lead)
    code = _live_code(session, key, "move")
    old_parent = session.get(Code, code.parent_id).key if code.parent_id else None
    new_parent = None
    if parent is not None:
        new_parent = _live_code(session, parent, "move under")
        if new_parent.id == code.id or _is_descendant(session, new_parent, code):
            raise CotagError(f"cannot move {key!r} under {parent!r}: {parent!r} is {key!r} itself or one of its "
                             "children, which would make a loop")
    code.parent_id = new_parent.id if new_parent else None
    session.add(code)
    payload = {"code": key, "old_parent": old_parent, "parent": parent}
    log_event(session, kind=MOVE, actor=lead_row.name, payload=payload)
    return payload


def merge(session, *, source: str, target: str, lead: str) -> dict[str, Any]:
    """Merge code `source` into `target`: every coder's codings of source become target's, in one UPDATE.

    Source stays in the table, marked merged into target (codings and the
    audit trail still name it); its children move under target. Where a coder
    now has target twice on the same span, the newer copy is soft-deleted in a
    second set-based UPDATE, so agreement does not count it twice.
    """
    lead_row = require_lead(session, name=lead)
    src = _live_code(session, source, "merge")
    dst = _live_code(session, target, "merge into")
    if src.id == dst.id:
        raise CotagError(f"cannot merge {source!r} into itself")
    if _is_descendant(session, dst, src):
        raise CotagError(f"cannot merge {source!r} into its own child {target!r}: move {target!r} out first, "
                         f"or merge {target!r} into {source!r}")
    if dst.status != STATUS_ACTIVE:
        raise CotagError(f"cannot merge into {target!r}: it is {dst.status}")
    # Twins (a coder with both codes on one span) lose their newer copy before the move: the database
    # refuses two live copies of one coding.
    moved, duplicates = coding_store.move_codings(session, from_code_id=_id(src), to_code_id=_id(dst))
    children = [c for c in list_codes(session) if c.parent_id == src.id]
    if children:
        codebook_changes.reparent_children(session, from_code_id=_id(src), to_code_id=_id(dst))
    src.status = STATUS_MERGED
    src.merged_into_id = dst.id
    session.add(src)
    payload = {"code": source, "into": target, "codings": moved, "duplicates_removed": duplicates,
               "children_moved": [c.key for c in children]}
    log_event(session, kind=MERGE, actor=lead_row.name, payload=payload)
    return payload


def split(session, *, source: str, codings: Iterable[int], lead: str, target: str | None = None,
          new_key: str | None = None, new_name: str | None = None) -> dict[str, Any]:
    """Reassign chosen codings of `source` to an existing code, or to a new code the lead names here.

    A new code is created only on this explicit request (the codebook is a closed
    vocabulary); it goes beside `source`, under the same parent.
    """
    lead_row = require_lead(session, name=lead)
    src = _live_code(session, source, "split")
    ids = sorted({int(i) for i in codings})
    if not ids:
        raise CotagError("split needs the ids of the codings to move (see `cotag codings list --json`)")
    if (target is None) == (new_key is None):
        raise CotagError("split into either an existing code (--into KEY) or a new one (--new-key KEY --name NAME)")
    found = codebook_changes.live_coding_ids(session, ids=ids, code_id=_id(src))
    missing = [i for i in ids if i not in found]
    if missing:
        raise CotagError(f"coding(s) {', '.join(map(str, missing))} are not live codings of {source!r}: "
                         "nothing was moved")
    created = False
    if target is not None:
        dst = _live_code(session, target, "split into")
        if dst.status != STATUS_ACTIVE:
            raise CotagError(f"cannot split into {target!r}: it is {dst.status}")
        if dst.id == src.id:
            raise CotagError(f"cannot split {source!r} into itself")
    else:
        assert new_key is not None  # checked above: exactly one of target and new_key
        _check_key(session, new_key)
        if not new_name or not new_name.strip():
            raise CotagError("a new code needs a name (--name)")
        dst = Code(key=new_key, name=new_name.strip(), parent_id=src.parent_id, position=_next_position(session),
                   colour=src.colour)
        session.add(dst)
        session.flush()
        created = True
    moved = coding_store.reassign_code(session, from_code_id=_id(src), to_code_id=_id(dst), coding_ids=ids)
    payload = {"code": source, "into": dst.key, "created": created, "codings": ids, "moved": moved}
    log_event(session, kind=SPLIT, actor=lead_row.name, payload=payload)
    return payload


def recode(session, *, coding: int, code: str, lead: str) -> dict[str, Any]:
    """Give one coding another code; its span, coder and memo stay."""
    lead_row = require_lead(session, name=lead)
    row = coding_store.get_coding(session, coding_id=coding)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no live coding with id {coding}")
    dst = _live_code(session, code, "recode to")
    if dst.status != STATUS_ACTIVE:
        raise CotagError(f"cannot recode to {code!r}: it is {dst.status}")
    old = session.get(Code, row.code_id)
    if old is None:
        raise NotFound(f"coding {coding} has no code")
    if old.id == dst.id:
        raise CotagError(f"coding {coding} already has code {code!r}")
    coding_store.reassign_code(session, from_code_id=_id(old), to_code_id=_id(dst), coding_ids=[coding])
    owner = session.get(Coder, row.coder_id)
    payload = {"coding": coding, "coder": owner.name if owner else "", "code": old.key, "new_code": code, "start": row.start,
               "end": row.end}
    log_event(session, kind=RECODE, actor=lead_row.name, payload=payload)
    return payload


def retire(session, *, key: str, lead: str) -> dict[str, Any]:
    """Stop offering a code; its codings stay and still count in reports that ask for them."""
    lead_row = require_lead(session, name=lead)
    code = _live_code(session, key, "retire")
    if code.status == STATUS_RETIRED:
        raise CotagError(f"code {key!r} is already retired")
    code.status = STATUS_RETIRED
    session.add(code)
    kept = coding_counts(session).get(_id(code), 0)
    payload = {"code": key, "codings_kept": kept}
    log_event(session, kind=RETIRE, actor=lead_row.name, payload=payload)
    return payload


# ---------------------------------------------------------------- writing back to the YAML file

def _file_keys(path: Path) -> set[str]:
    from cotag.codebook import load_codebook

    return {spec.key for spec in load_codebook(path).codes}


def _renamed_keys(session, *, present: set[str]) -> dict[str, str]:
    """old key -> current key, for keys renamed in the project since the file was written (followed through chains)."""
    from cotag.store.events import list_events

    renames: dict[str, str] = {}
    for event in list_events(session, kind=RENAME):
        new_key = event.payload.get("new_key")
        if new_key:
            renames[event.payload["code"]] = new_key
    current = {c.key for c in list_codes(session)}
    out: dict[str, str] = {}
    for old in present:
        key, seen = old, set()
        while key in renames and key not in seen:
            seen.add(key)
            key = renames[key]
        if key != old and old not in current and key in current:
            out[old] = key
    return out


def _rewrite_keys(text: str, mapping: dict[str, str]) -> str:
    """Apply key renames to the file's own YAML (keys and parent references) so comments and layout stay."""
    import io

    from cotag.codebook import _rt_yaml

    yaml = _rt_yaml()
    data = yaml.load(text)

    def walk(items) -> None:
        for item in items or []:
            if not hasattr(item, "get"):
                continue
            if item.get("key") in mapping:
                item["key"] = mapping[item["key"]]
            if item.get("parent") in mapping:
                item["parent"] = mapping[item["parent"]]
            walk(item.get("children"))

    walk(data.get("codes"))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def project_codebook(session, *, title: str, version: int):
    """The project's codes as a Codebook; merged codes are written as retired (the file knows no 'merged')."""
    from cotag.codebook import Codebook, CodeSpec

    codes = list_codes(session)
    keys = {c.id: c.key for c in codes}
    # Parents first, as the file format wants; siblings keep their position.
    ordered: list[Code] = []
    children: dict[int | None, list[Code]] = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c)

    def visit(parent_id: int | None) -> None:
        for c in children.get(parent_id, []):
            ordered.append(c)
            visit(c.id)

    visit(None)
    specs = [CodeSpec(key=c.key, name=c.name, parent=keys.get(c.parent_id) if c.parent_id else None,
                      description=c.description, include=list(c.include), exclude=list(c.exclude),
                      examples=list(c.examples), keywords=list(c.keywords), colour=c.colour, shortcut=c.shortcut,
                      status=STATUS_ACTIVE if c.status == STATUS_ACTIVE else STATUS_RETIRED, position=i)
             for i, c in enumerate(ordered)]
    return Codebook(title=title, version=version, codes=specs)


def save(session, *, path: Path | str, lead: str, title: str | None = None) -> dict[str, Any]:
    """Write the project's codebook to `path` through save_codebook: comments and order kept, version + 1.

    Keys renamed in the project are first renamed in the file itself, because
    save_codebook matches codes by key and never drops one: without this a
    renamed code would be written twice, under its old and its new key.
    """
    from cotag.codebook import load_codebook, save_codebook
    from cotag.files import replace_atomically

    lead_row = require_lead(session, name=lead)
    path = Path(path)
    renamed: dict[str, str] = {}
    if path.exists():
        current = load_codebook(path)
        book = project_codebook(session, title=title or current.title, version=current.version)
        renamed = _renamed_keys(session, present={spec.key for spec in current.codes})
    else:
        book = project_codebook(session, title=title or path.stem, version=0)
    if renamed:
        # Rename in a sibling file, save through it, then swap it in: the original is untouched if saving fails.
        text = _rewrite_keys(path.read_text(encoding="utf-8"), renamed)
        saved_as: list = []

        def write(temp: Path) -> None:
            temp.write_text(text, encoding="utf-8")
            saved_as.append(save_codebook(book, temp))

        replace_atomically(path, write)  # keeps the file's mode, as save_codebook does
        saved = saved_as[0]
        saved.path = path
    else:
        saved = save_codebook(book, path)
    payload = {"path": str(path), "version": saved.version, "codes": len(saved.codes), "renamed_keys": renamed}
    log_event(session, kind=SAVE, actor=lead_row.name, payload=payload)
    return payload


# ---------------------------------------------------------------- what the codebook screen shows

@dataclass(frozen=True)
class CodingLine:
    """One live coding of a code, as a lead choosing codings to split or recode sees it."""

    id: int
    document: str  # external id
    coder: str
    start: int
    end: int
    memo: str
    excerpt: str


EXCERPT = 90  # characters of the coded text shown per coding


def code_overview(session) -> tuple[list[Code], dict[int, int]]:
    """Every code (merged and retired too) in codebook order, and live codings per code id."""
    return list_codes(session), coding_counts(session)


def codings_of_code(session, *, key: str, limit: int = 1000) -> tuple[list[CodingLine], int]:
    """The first `limit` live codings of one code (every coder), with the start of their text, and how many there are."""
    code = require_code(session, key=key)
    rows, total = codebook_changes.codings_of_code(session, code_id=_id(code), limit=limit, excerpt=EXCERPT)
    lines = [CodingLine(id=i, document=doc, coder=coder, start=start, end=end, memo=memo or "",
                        excerpt=" ".join((text or "")[:end - start].split()))
             for i, doc, coder, start, end, memo, text in rows]
    return lines, total


# ---------------------------------------------------------------- by name (services.codebook.run_operation)

OPERATIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "rename": rename, "move": move, "merge": merge, "split": split, "recode": recode, "retire": retire, "save": save,
}
