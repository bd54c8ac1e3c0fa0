"""A file's codes brought into a project: matched by key or by name under the same parent, new ones
added; and the project's YAML codebook brought up to date with them."""

from __future__ import annotations


from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cotag.refi import (
    guid_key,
)
from cotag.refi.codes import CodeFields, RefiCode, _parents_first, fields_from_db


# ---------------------------------------------------------------- merging codes into a project

@dataclass
class CodeMerge:
    by_guid: dict[str, Any] = field(default_factory=dict)  # guid_key -> Code row
    added: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _code_values(code: RefiCode) -> dict[str, Any]:
    packed = code.packed
    colour = code.colour
    if packed.colour:
        from cotag.codebook import colour_hex

        try:
            if colour is None or colour_hex(packed.colour) == colour:
                colour = packed.colour
        except ValueError:
            pass
    status = packed.status if packed.status in ("active", "retired", "merged") else "active"
    return {"name": code.name, "description": packed.description, "include": list(packed.include),
            "exclude": list(packed.exclude), "examples": list(packed.examples), "keywords": list(packed.keywords),
            "colour": colour, "status": status}


def file_shortcuts(project) -> dict[str, str]:
    """shortcut -> code key in the project's YAML codebook, for codes the database may not hold yet (a starter
    codebook from `cotag init`): the import writes its codes into that file, which refuses a shortcut twice."""
    from cotag.codebook import load_codebook

    path = project.codebook_path
    if path is None or not path.is_file():
        return {}
    return {spec.shortcut: spec.key for spec in load_codebook(path).codes if spec.shortcut}


def merge_codes(session, codes: list[RefiCode], *, update: bool,
                taken_shortcuts: dict[str, str] | None = None) -> CodeMerge:
    """Bring a file's codes into the project's code table.

    A code is the same as a project code when its packed key names one, or when it has the
    same name under the same parent. New codes keep their key when it is free, else get a
    suffix. With ``update`` (codebook import) matched codes take the file's fields; without
    it (project import) they stay as they are.
    """
    from cotag.store.codes import list_codes
    from cotag.store.refi_loads import insert_code, update_code

    result = CodeMerge()
    existing = list_codes(session)
    by_key = {c.key: c for c in existing}
    by_name = {(c.parent_id, c.name.casefold()): c for c in existing}
    # The file's shortcuts first, the table's over them: a code in both keeps its own.
    shortcuts = {**(taken_shortcuts or {}), **{c.shortcut: c.key for c in existing if c.shortcut}}
    position = max((c.position for c in existing), default=-1) + 1
    keys_used = set(by_key)
    merged_into: list[tuple[Any, str]] = []
    key_map: dict[str, str] = {}  # file key -> project key

    for code in codes:
        parent_row = result.by_guid.get(guid_key(code.parent_guid)) if code.parent_guid else None
        parent_id = parent_row.id if parent_row is not None else None
        match = by_key.get(code.packed.key) if code.packed.key else None
        if match is None:
            match = by_name.get((parent_id, code.name.casefold()))
        values = _code_values(code)
        shortcut = code.packed.shortcut
        if match is not None:
            key_map[code.key] = match.key
            result.by_guid[guid_key(code.guid)] = match
            if update:
                if shortcut and shortcuts.get(shortcut, match.key) != match.key:
                    result.warnings.append(f"code {match.key}: shortcut {shortcut!r} is already used by "
                                           f"{shortcuts[shortcut]}; not taken")
                    shortcut = match.shortcut
                values.update(shortcut=shortcut, parent_id=parent_id)
                changed = {k: v for k, v in values.items() if getattr(match, k) != v}
                if changed:
                    update_code(session, match, **changed)
                    if match.shortcut:
                        shortcuts[match.shortcut] = match.key
                    result.updated.append(match.key)
                else:
                    result.matched.append(match.key)
            else:
                result.matched.append(match.key)
        else:
            key = code.key
            if key in keys_used:
                base, n = key, 2
                while f"{base}-{n}" in keys_used:
                    n += 1
                key = f"{base}-{n}"
                result.warnings.append(f"code {code.name!r}: key {code.key!r} is taken in this project; "
                                       f"imported as {key!r}")
            if shortcut and shortcuts.get(shortcut, key) != key:  # the file's own code of that key may hold it
                result.warnings.append(f"code {key}: shortcut {shortcut!r} is already used by "
                                       f"{shortcuts[shortcut]}; left without a shortcut")
                shortcut = None
            row = insert_code(session, key=key, parent_id=parent_id, shortcut=shortcut, position=position, **values)
            position += 1
            keys_used.add(key)
            by_key[key] = row
            by_name[(parent_id, code.name.casefold())] = row
            if shortcut:
                shortcuts[shortcut] = key
            key_map[code.key] = key
            result.by_guid[guid_key(code.guid)] = row
            result.added.append(key)
        if code.packed.merged_into:
            merged_into.append((result.by_guid[guid_key(code.guid)], code.packed.merged_into))
    for row, target in merged_into:
        target_row = by_key.get(key_map.get(target, target))
        if target_row is not None and (row.key in result.added or update):
            update_code(session, row, merged_into_id=target_row.id)
    session.flush()
    return result


def update_project_codebook(project, session, keys: Iterable[str], *, title: str | None = None,
                            version: int = 0, target: Path | None = None) -> str | None:
    """Write the given project codes into the project's YAML codebook (added or updated, never removed).

    ``title`` and ``version`` are used only when the file does not exist yet (a project made by an
    import): they are what the exporting project's codebook said. An existing file keeps its own.
    With ``target`` the result goes there and the codebook file itself is left alone (the journal
    :class:`cotag.refi.journal.CodebookJournal` moves it into place once the database has committed).
    Returns a line for the report, or None when the project names no codebook file.
    """
    from cotag.codebook import Codebook, load_codebook, save_codebook

    path = project.codebook_path
    keys = set(keys)
    if path is None:
        return None
    fields = fields_from_db(session)
    by_key = {f.key: f for f in fields}
    if path.exists():
        current = load_codebook(path)
        in_file = set(current.by_key())
        wanted = [f for f in fields if f.key in keys]
        # A new code's parent must be in the file or in the list for save_codebook to place it.
        for f in list(wanted):
            parent = f.parent
            while parent and parent not in in_file and parent not in {w.key for w in wanted}:
                wanted.append(by_key[parent])
                parent = by_key[parent].parent
        if not wanted:
            return f"codebook file {path}: unchanged"
        codebook = Codebook(title=current.title, version=current.version, codes=_to_specs(_parents_first(wanted)))
        if target is not None:
            target.write_bytes(path.read_bytes())  # save_codebook updates a file in place: start from the current one
    else:
        # save_codebook writes version + 1 to a new file: start one lower so the version survives.
        codebook = Codebook(title=title or project.name, version=max(version - 1, 0), codes=_to_specs(fields))
    saved = save_codebook(codebook, target if target is not None else path)
    return f"codebook file {path}: {len(codebook.codes)} code(s) written, now version {saved.version}"


def _to_specs(fields: list[CodeFields]):
    """YAML code specs (YAML strips text and has no 'merged' status)."""
    from cotag.codebook import CodeSpec

    specs = []
    for position, f in enumerate(fields):
        specs.append(CodeSpec(
            key=f.key, name=f.name.strip() or f.key, parent=f.parent, description=(f.description or "").strip(),
            include=[i.strip() for i in f.include if i.strip()], exclude=[i.strip() for i in f.exclude if i.strip()],
            examples=[i.strip() for i in f.examples if i.strip()], keywords=[i.strip() for i in f.keywords if i.strip()],
            colour=f.colour, shortcut=f.shortcut, status="retired" if f.status in ("retired", "merged") else "active",
            position=position))
    return specs


