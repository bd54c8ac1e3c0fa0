"""REFI-QDA codebooks (.qdc), and the code tree shared with .qdpx projects.

REFI gives a code a name, a colour, ``isCodable``, children and one plain-text
``Description``. Our codes have more (key, include/exclude rules, examples,
keywords, shortcut, status), so the exporter packs them into ``Description`` in
this layout, which :func:`unpack_description` reads back exactly::

    <the description, as many lines as it has>
    <blank line, only when there is a description>
    Include:
    - <rule>
    Exclude:
    - <rule>
    Examples:
    - <example>
      <a second line of the same example, indented by two spaces>
    Keywords:
    - <keyword>
    Colour: <colour name, only when the codebook names its colour>
    Key: <key>
    Shortcut: <one character>
    Status: <retired | merged>
    Merged into: <key>

Empty sections and default fields are left out; ``Key:`` is always written, and a
block is only taken for ours when it follows the last blank line, parses as above
and has a ``Key:`` line, so other tools' descriptions are read as plain text.

The codebook's title and version, for which REFI has no field, travel in a
``<?cotag {...}?>`` processing instruction that other tools skip.
"""

from __future__ import annotations

from contextlib import contextmanager

import json
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cotag.refi import (
    KNOWN_NAMESPACE_VERSIONS,
    NS_CODEBOOK,
    PI_TARGET,
    RefiError,
    guid_key,
    local_name,
    namespace_of,
    parse_xml,
    stable_guid,
    xml_safe,
)

__all__ = [
    "CodeFields",
    "Packed",
    "QdcReport",
    "RefiCode",
    "build_code_elements",
    "codebook_to_fields",
    "export_qdc",
    "fields_from_db",
    "import_qdc",
    "merge_codes",
    "pack_description",
    "read_code_tree",
    "read_qdc",
    "slugify",
    "unpack_description",
]

_SECTIONS = (("include", "Include:"), ("exclude", "Exclude:"), ("examples", "Examples:"), ("keywords", "Keywords:"))
_FIELDS = (("colour", "Colour: "), ("key", "Key: "), ("shortcut", "Shortcut: "), ("status", "Status: "),
           ("merged_into", "Merged into: "))
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
# Pseudo-users tools add for themselves (ATLAS.ti 8.4 and 23+ share this GUID).
TOOL_USER_GUIDS = {"c32a2bd5-537f-4838-8b17-df9efbafdf4b"}
#: Deepest code hierarchy read from a file (real codebooks have fewer than ten levels; a deeper tree
#: is a hostile file, and the YAML codebook could not be written or read back).
MAX_CODE_DEPTH = 50
#: Most codes read from one file (the largest real codebook we hold has 262).
MAX_CODES = 100_000
#: Largest .qdc read (a codebook of the largest size above is a few megabytes).
MAX_QDC_BYTES = 64 * 2**20


# ---------------------------------------------------------------- description layout

@dataclass
class Packed:
    """A code's fields as packed into a REFI Description."""

    description: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    colour: str | None = None
    key: str | None = None
    shortcut: str | None = None
    status: str | None = None
    merged_into: str | None = None

    @property
    def ours(self) -> bool:
        return self.key is not None


def pack_description(fields: CodeFields) -> str:
    """The Description text for a code (layout in this module's docstring)."""
    lines: list[str] = []
    for name, header in _SECTIONS:
        items = getattr(fields, name)
        if items:
            lines.append(header)
            for item in items:
                first, *rest = str(item).split("\n")
                lines.append("- " + first)
                lines.extend("  " + more for more in rest)
    colour = (fields.colour or "").strip().lower()
    if colour and not re.fullmatch(r"#[0-9a-f]{6}", colour):
        # A name ("red") or "#abc": the XML attribute holds the hex, this line what the codebook says.
        lines.append("Colour: " + colour)
    lines.append("Key: " + fields.key)
    if fields.shortcut:
        lines.append("Shortcut: " + fields.shortcut)
    if fields.status and fields.status != "active":
        lines.append("Status: " + fields.status)
    if fields.merged_into:
        lines.append("Merged into: " + fields.merged_into)
    block = "\n".join(lines)
    return f"{fields.description}\n\n{block}" if fields.description else block


def _parse_block(block: str) -> Packed | None:
    packed = Packed()
    section: list[str] | None = None
    seen: set[str] = set()
    for line in block.split("\n"):
        header = next((name for name, text in _SECTIONS if line == text), None)
        if header is not None:
            if header in seen:
                return None
            seen.add(header)
            section = getattr(packed, header)
            continue
        if line.startswith("- ") and section is not None:
            section.append(line[2:])
            continue
        if line.startswith("  ") and section:
            section[-1] += "\n" + line[2:]
            continue
        for name, prefix in _FIELDS:
            if line.startswith(prefix) and name not in seen:
                seen.add(name)
                setattr(packed, name, line[len(prefix):])
                section = None
                break
        else:
            return None
    if packed.key is None or not _KEY_RE.match(packed.key):
        return None
    return packed


def unpack_description(text: str | None) -> Packed:
    """Read a Description: our packed fields when the layout is ours, else all of it as description."""
    text = text or ""
    cut = text.rfind("\n\n")
    head, block = (text[:cut], text[cut + 2:]) if cut >= 0 else ("", text)
    packed = _parse_block(block) if block else None
    if packed is None:
        return Packed(description=text)
    packed.description = head
    return packed


# ---------------------------------------------------------------- our side: code fields

@dataclass
class CodeFields:
    """One of our codes as the exporter needs it (from a YAML codebook or from the database)."""

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
    merged_into: str | None = None


def codebook_to_fields(codebook) -> list[CodeFields]:
    return [CodeFields(key=c.key, name=c.name, parent=c.parent, description=c.description or "",
                       include=list(c.include), exclude=list(c.exclude), examples=list(c.examples),
                       keywords=list(c.keywords), colour=c.colour, shortcut=c.shortcut, status=c.status or "active")
            for c in codebook.codes]


def fields_from_db(session) -> list[CodeFields]:
    """The project's codes, parents before children, in codebook order."""
    from cotag.store.codes import list_codes

    codes = list_codes(session)
    by_id = {c.id: c for c in codes}
    out = [CodeFields(key=c.key, name=c.name, parent=by_id[c.parent_id].key if c.parent_id in by_id else None,
                      description=c.description or "", include=list(c.include or []), exclude=list(c.exclude or []),
                      examples=list(c.examples or []), keywords=list(c.keywords or []), colour=c.colour,
                      shortcut=c.shortcut, status=c.status,
                      merged_into=by_id[c.merged_into_id].key if c.merged_into_id in by_id else None)
           for c in codes]
    return _parents_first(out)


def _parents_first(codes: list[CodeFields]) -> list[CodeFields]:
    children: dict[str | None, list[CodeFields]] = {}
    keys = {c.key for c in codes}
    for code in codes:
        children.setdefault(code.parent if code.parent in keys else None, []).append(code)
    ordered: list[CodeFields] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        code = stack.pop()
        ordered.append(code)
        stack.extend(reversed(children.get(code.key, [])))
    return ordered


def colour_attribute(colour: str | None) -> str | None:
    """The XML ``color`` for one of our colours (names resolved; REFI only takes #rgb/#rrggbb)."""
    if not colour:
        return None
    value = colour.strip().lower()
    if _HEX.match(value):
        return value.upper()
    from cotag.codebook import colour_hex

    try:
        return colour_hex(value).upper()
    except ValueError:
        return None


def build_code_elements(parent_element, codes: list[CodeFields], *, namespace: uuid.UUID, ns: str,
                        note_refs: dict[str, list[str]] | None = None,
                        keep_guids: dict[str, str] | None = None) -> dict[str, str]:
    """Nested <Code> elements under ``parent_element``; returns key -> GUID.

    ``keep_guids`` (key -> GUID) are GUIDs another tool gave the codes, written again."""
    from lxml import etree

    guids = {code.key: (keep_guids or {}).get(code.key) or stable_guid(namespace, "code", code.key)
             for code in codes}
    elements: dict[str, Any] = {}
    for code in codes:
        owner = elements.get(code.parent, parent_element) if code.parent else parent_element
        element = etree.SubElement(owner, f"{{{ns}}}Code", guid=guids[code.key], name=xml_safe(code.name),
                                   isCodable="true")
        colour = colour_attribute(code.colour)
        if colour:
            element.set("color", colour)
        etree.SubElement(element, f"{{{ns}}}Description").text = xml_safe(pack_description(code))
        for note_guid in (note_refs or {}).get(code.key, []):
            etree.SubElement(element, f"{{{ns}}}NoteRef", targetGUID=note_guid)
        elements[code.key] = element
    return guids


# ---------------------------------------------------------------- their side: the code tree

@dataclass
class RefiCode:
    """A code as a REFI file has it, with the key and parent we give it."""

    guid: str  # as written in the file
    name: str
    parent_guid: str | None
    codable: bool
    colour: str | None  # "#rrggbb", lower case, or None
    packed: Packed
    key: str = ""
    parent_key: str | None = None
    note_guids: list[str] = field(default_factory=list)
    synthetic: bool = False  # a parent we made up for a flattened "A::B" name

    @property
    def description(self) -> str:
        return self.packed.description


# Cyrillic to Latin for keys. Russian follows ICAO Doc 9303 (the Russian passport scheme since
# 2014: ж zh, х kh, ц ts, щ shch, ы y, ю iu, я ia, ъ ie, ь dropped); Kazakh's own letters follow the
# 2021 Kazakh Latin alphabet with its diacritics dropped (ә a, ғ g, қ q, ң n, ө o, ұ u, ү u, һ h,
# і i); Ukrainian and Belarusian є ie, ї i, ґ g, ў u. Upper case maps as lower case (keys are lower case).
CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y",
    "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    "є": "ie", "ї": "i", "ґ": "g", "ў": "u",
}
_CYRILLIC_TABLE = str.maketrans({**CYRILLIC_TO_LATIN, **{k.upper(): v for k, v in CYRILLIC_TO_LATIN.items()}})


def slugify(text: str) -> str:
    """A key from a name: ASCII lower case, digits, '-'.

    Accents are dropped and Cyrillic (Russian, Kazakh) is transliterated (``CYRILLIC_TO_LATIN``),
    so "Заработная плата" is ``zarabotnaia-plata``; other scripts give ''."""
    text = text.translate(_CYRILLIC_TABLE)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-_")
    return slug[:60].strip("-_")


def _normalise_colour(value: str | None, where: str, warnings: list[str]) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _HEX.match(text):
        hexpart = text[1:].lower()
        return "#" + ("".join(ch * 2 for ch in hexpart) if len(hexpart) == 3 else hexpart)
    if re.fullmatch(r"#[0-9a-fA-F]{8}", text):  # alpha channel (invalid REFI): keep the colour
        warnings.append(f"{where}: colour {text!r} has an alpha channel; kept as #{text[1:7].lower()}")
        return "#" + text[1:7].lower()
    numbers = re.findall(r"\d+", text)
    if len(numbers) in (3, 4) and all(int(n) < 256 for n in numbers[:3]):
        warnings.append(f"{where}: colour {text!r} is not #rrggbb; converted")
        return "#" + "".join(f"{int(n):02x}" for n in numbers[:3])
    warnings.append(f"{where}: colour {text!r} is not a colour REFI-QDA allows; dropped")
    return None


def read_code_tree(codes_element, *, origin: str, warnings: list[str], where: str) -> list[RefiCode]:
    """The codes under a <Codes> element, parents before children, hierarchy restored.

    Nesting is kept as it is. Flattened hierarchies are rebuilt for top-level codes only:
    ``A::B`` (ATLAS.ti 8) always, creating ``A`` if it is missing; ``a.b`` (Taguette) only
    when a code ``a`` exists, since dots are common in ordinary names.
    """
    codes: list[RefiCode] = []
    # Depth-first with an explicit stack, in document order: a hostile file can nest thousands
    # of codes, which a recursive walk (and later the YAML codebook writer) cannot take.
    stack: list[tuple[Any, str | None, int]] = [(element, None, 0)
                                                for element in reversed(list(codes_element))]
    while stack:
        child, parent_guid, depth = stack.pop()
        if local_name(child.tag) != "Code":
            continue
        if depth >= MAX_CODE_DEPTH:
            raise RefiError(f"{where}: code {child.get('name')!r} is nested more than {MAX_CODE_DEPTH} levels deep "
                            f"(MAX_CODE_DEPTH); cotag refuses deeper code trees")
        if len(codes) >= MAX_CODES:
            raise RefiError(f"{where}: more than {MAX_CODES} codes (MAX_CODES); cotag refuses larger codebooks")
        guid = child.get("guid") or ""
        name = child.get("name")
        if name is None or not name.strip():
            warnings.append(f"{where}: code {guid or '(no guid)'} has no name; called 'unnamed code'")
            name = "unnamed code"
        description = None
        notes: list[str] = []
        for sub in child:
            tag = local_name(sub.tag)
            if tag == "Description":
                description = sub.text or ""
            elif tag == "NoteRef" and sub.get("targetGUID"):
                notes.append(sub.get("targetGUID"))
        codable = (child.get("isCodable") or "true").strip().lower() not in ("false", "0")
        code = RefiCode(guid=guid, name=name, parent_guid=parent_guid, codable=codable,
                        colour=_normalise_colour(child.get("color"), f"{where}: code {name!r}", warnings),
                        packed=unpack_description(description), note_guids=notes)
        codes.append(code)
        stack.extend((sub, guid, depth + 1) for sub in reversed(list(child)))
    _unflatten(codes, origin)
    return codes


def _unflatten(codes: list[RefiCode], origin: str) -> None:
    by_name = {c.name: c for c in codes if c.parent_guid is None}
    made = 0
    for code in list(codes):
        if code.parent_guid is not None or code.packed.ours:
            continue
        if "::" in code.name:
            parts = [p.strip() for p in code.name.split("::")]
            if len(parts) < 2 or not all(parts):
                continue
            parent_guid = None
            for depth in range(1, len(parts)):
                path = "::".join(parts[:depth])
                parent = by_name.get(path)
                if parent is None:
                    made += 1
                    parent = RefiCode(guid=f"synthetic-{made}-{path}", name=parts[depth - 1],
                                      parent_guid=parent_guid, codable=False, colour=None, packed=Packed(),
                                      synthetic=True)
                    by_name[path] = parent
                    codes.insert(codes.index(code), parent)
                parent_guid = parent.guid
            code.parent_guid = parent_guid
            code.name = parts[-1]
        elif origin.lower().startswith("taguette") and "." in code.name.strip("."):
            head, _, leaf = code.name.rpartition(".")
            parent = by_name.get(head)
            if parent is not None and leaf:
                code.parent_guid = parent.guid
                code.name = leaf
    _order_parents_first(codes)


def _order_parents_first(codes: list[RefiCode]) -> None:
    children: dict[str | None, list[RefiCode]] = {}
    guids = {guid_key(c.guid) for c in codes}
    for code in codes:
        parent = guid_key(code.parent_guid) if code.parent_guid and guid_key(code.parent_guid) in guids else None
        children.setdefault(parent, []).append(code)
    ordered: list[RefiCode] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        code = stack.pop()
        ordered.append(code)
        stack.extend(reversed(children.get(guid_key(code.guid), [])))
    codes[:] = ordered


def assign_keys(codes: list[RefiCode], taken: Iterable[str] = ()) -> None:
    """Give every code a unique key: its packed key when it has one, else a slug of its name."""
    used = set(taken)
    by_guid = {guid_key(c.guid): c for c in codes}
    # Packed keys first, so a slug never steals a key a later code carries explicitly.
    for code in codes:
        key = code.packed.key
        if key and key not in used:
            code.key = key
            used.add(key)
    for code in codes:
        if not code.key:
            parent = by_guid.get(guid_key(code.parent_guid)) if code.parent_guid else None
            base = slugify(code.name) or "code"
            candidates = [base]
            if parent is not None:
                candidates.append(f"{parent.key or slugify(parent.name) or 'code'}-{base}"[:80])
            key = next((c for c in candidates if c not in used), None)
            n = 2
            while key is None:
                if f"{base}-{n}" not in used:
                    key = f"{base}-{n}"
                n += 1
            code.key = key
            used.add(key)
    for code in codes:
        parent = by_guid.get(guid_key(code.parent_guid)) if code.parent_guid else None
        code.parent_key = parent.key if parent is not None else None


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


def merge_codes(session, codes: list[RefiCode], *, update: bool) -> CodeMerge:
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
    shortcuts = {c.shortcut: c.key for c in existing if c.shortcut}
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
            if shortcut and shortcut in shortcuts:
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
    :class:`CodebookJournal` moves it into place once the database has committed).
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


# ---------------------------------------------------------------- the YAML codebook follows the database

_JOURNAL_MARK = ".pending-"
_IMPORT_EVENTS = ("import.qdpx", "import.qdc")
# A journal of an import running on another machine (a shared folder) is left alone this long.
_FOREIGN_JOURNAL_SECONDS = 3600


def _digest(data: bytes | None) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:12] if data is not None else "none"


def _host() -> str:
    import hashlib
    import socket

    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


class CodebookJournal:
    """The project's YAML codebook, changed only after the database has the same codes.

    An import writes the new YAML to a journal file beside the codebook
    (``.codebook.yaml.pending-<token>``) inside its transaction, records the token in the
    import's event, and moves the journal onto the codebook once the transaction has
    committed. A crash before the commit leaves the codebook as it was (the journal is
    dropped on the next start); a crash after it leaves a journal whose token the database
    holds, which :func:`recover_codebook_journal` puts in place on the next start.
    """

    def __init__(self, project):
        import os
        import uuid as _uuid

        self.path: Path | None = project.codebook_path
        self.journal: Path | None = None
        base = self.path.read_bytes() if self.path is not None and self.path.is_file() else None
        self.token = f"{_digest(base)}-{_host()}-{os.getpid()}-{_uuid.uuid4().hex[:8]}"

    def stage(self, project, session, keys: Iterable[str], *, title: str | None = None,
              version: int = 0) -> str | None:
        """Write what the codebook file will hold into the journal (inside the transaction)."""
        if self.path is None:
            return None
        self.journal = self.path.parent / f".{self.path.name}{_JOURNAL_MARK}{self.token}"
        line = update_project_codebook(project, session, keys, title=title, version=version, target=self.journal)
        if not self.journal.exists():  # nothing to change
            self.journal = None
        return line

    @property
    def payload(self) -> dict[str, str]:
        """What the import's event records, so a restart knows the journal was committed."""
        return {"codebook_journal": self.token} if self.journal is not None else {}

    def publish(self) -> None:
        """After the commit: the journal becomes the codebook file (atomically)."""
        import os

        if self.journal is None or self.path is None:
            return
        try:
            os.replace(self.journal, self.path)
        except FileNotFoundError:
            pass  # another cotag process starting up has already put it in place
        self.journal = None

    def discard(self) -> None:
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
            self.journal = None


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@contextmanager
def journalled_session(project):
    """A session whose codebook journal is put in place only once the session has committed (and dropped
    if it does not): every import that changes the project's codes goes through this one sequence."""
    from cotag.refi import crash_point

    recover_codebook_journal(project)
    journal = CodebookJournal(project)
    try:
        with project.session() as session:
            yield session, journal
            crash_point("codebook-staged")
    except BaseException:
        journal.discard()
        raise
    crash_point("committed")
    journal.publish()


def recover_codebook_journal(project) -> list[str]:
    """Finish or drop what a killed import left beside the YAML codebook; lines saying what was done.

    A journal whose token the database recorded was committed: it becomes the codebook file,
    unless that file changed since the import began (then the file as it is now wins). A journal
    the database never recorded is dropped, unless the import that wrote it is still running."""
    import os
    import time

    path = project.codebook_path
    if path is None or not path.parent.is_dir():
        return []
    prefix = f".{path.name}{_JOURNAL_MARK}"
    journals = [p for p in path.parent.iterdir() if p.name.startswith(prefix)]
    if not journals:
        return []
    from cotag.store.refi_loads import import_event_payloads

    with project.session() as session:
        events = import_event_payloads(session, kinds=_IMPORT_EVENTS, limit=500)
    committed = {e.get("codebook_journal") for e in events if isinstance(e, dict)}
    done: list[str] = []
    for journal in journals:
        token = journal.name[len(prefix):]
        parts = token.split("-")
        if len(parts) != 4 or not parts[2].isdigit():
            continue  # not ours
        base, host, pid = parts[0], parts[1], int(parts[2])
        if token in committed:
            current = path.read_bytes() if path.is_file() else None
            if _digest(current) == base:
                os.replace(journal, path)
                done.append(f"{path}: completed by a committed import that was interrupted")
            else:
                journal.unlink(missing_ok=True)
                done.append(f"{path}: changed since an interrupted import; kept as it is")
            continue
        if host == _host() and _alive(pid):
            continue
        if host != _host() and time.time() - journal.stat().st_mtime < _FOREIGN_JOURNAL_SECONDS:
            continue
        journal.unlink(missing_ok=True)
        done.append(f"{path}: left as it was by an import that was interrupted before it committed")
    return done


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


# ---------------------------------------------------------------- .qdc files

def _write_pi(root, data: dict[str, Any]) -> None:
    from lxml import etree

    # JSON inside a processing instruction; "?>" would end it early, so it is escaped.
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("?>", "?\\u003e")
    root.addprevious(etree.PI(PI_TARGET, xml_safe(payload)))


def read_pi(root) -> dict[str, Any]:
    node = root.getprevious()
    while node is not None:
        if getattr(node, "target", None) == PI_TARGET:
            try:
                data = json.loads(node.text or "{}")
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        node = node.getprevious()
    return {}


def export_qdc(path: Path | str, *, codes: list[CodeFields], title: str, version: int,
               namespace: uuid.UUID) -> dict[str, Any]:
    """Write a .qdc codebook; it is checked against the Codebook XSD before it replaces ``path``."""
    from lxml import etree

    from cotag import __version__
    from cotag.refi.qdpx_export import write_atomically
    from cotag.refi.validate import validate_codebook_bytes

    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK}, origin=f"cotag {__version__}")
    codes_element = etree.SubElement(root, f"{{{NS_CODEBOOK}}}Codes")
    if not codes:
        raise RefiError("the codebook has no codes; a REFI-QDA codebook needs at least one")
    build_code_elements(codes_element, _parents_first(codes), namespace=namespace, ns=NS_CODEBOOK)
    _write_pi(root, {"codebook": title, "version": version})
    data = etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8", pretty_print=True)
    problems = validate_codebook_bytes(data)
    if problems:
        raise RefiError("the codebook export does not validate (nothing written):\n" + "\n".join(problems))
    write_atomically(Path(path), data)
    return {"file": str(path), "codes": len(codes), "title": title, "version": version}


@dataclass
class QdcReport:
    file: str
    origin: str = ""
    title: str = ""
    version: int = 0
    codes: int = 0
    warnings: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    codebook_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_qdc(path: Path | str) -> tuple[list[RefiCode], QdcReport]:
    """Parse a .qdc leniently: schema problems (Taguette's empty <Sets/>) are warnings."""
    from cotag.refi.validate import validate_codebook_bytes

    path = Path(path)
    report = QdcReport(file=str(path))
    try:
        if not path.is_file():
            raise RefiError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_QDC_BYTES + 1)
    except OSError as exc:
        raise RefiError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_QDC_BYTES:
        raise RefiError(f"{path}: larger than {MAX_QDC_BYTES} bytes (MAX_QDC_BYTES), more than any codebook; refused")
    root = parse_xml(data, str(path))
    kind = local_name(root.tag)
    if kind == "Project":
        raise RefiError(f"{path}: this is a REFI-QDA project, not a codebook; use `cotag import qdpx`")
    if kind != "CodeBook":
        raise RefiError(f"{path}: not a REFI-QDA codebook (the root element is <{kind}>, not <CodeBook>)")
    ns = namespace_of(root.tag)
    if ns != NS_CODEBOOK:
        known = not ns or (ns.startswith("urn:QDA-XML:codebook:")
                           and ns.split("codebook:", 1)[1] in KNOWN_NAMESPACE_VERSIONS)
        report.warnings.append(f"namespace {ns or '(none)'} read as {NS_CODEBOOK}"
                               + ("" if known else " (not a namespace REFI-QDA tools are known to write)"))
    report.origin = root.get("origin") or ""
    for problem in validate_codebook_bytes(data, lenient_namespace=True):
        report.warnings.append(f"schema: {problem} (read anyway)")
    codes_element = next((c for c in root if local_name(c.tag) == "Codes"), None)
    if codes_element is None:
        raise RefiError(f"{path}: the codebook has no <Codes> element")
    codes = read_code_tree(codes_element, origin=report.origin, warnings=report.warnings, where=str(path))
    if not codes:
        raise RefiError(f"{path}: the codebook has no codes")
    _check_guids(codes, str(path))
    for element in root:
        if local_name(element.tag) == "Sets":
            sets = [s for s in element if local_name(s.tag) == "Set"]
            if not sets:
                report.warnings.append("empty <Sets/> (Taguette writes one; REFI-QDA needs at least one Set): "
                                       "ignored")
            if sets:
                report.not_carried.append(f"{len(sets)} code set(s) (code groups): "
                                          + ", ".join(repr(s.get("name") or "") for s in sets[:10])
                                          + (" ..." if len(sets) > 10 else ""))
    synthetic = [c.name for c in codes if c.synthetic]
    if synthetic:
        report.warnings.append(f"{len(synthetic)} parent code(s) made for flattened 'A::B' names: "
                               + ", ".join(synthetic[:10]))
    folders = sum(1 for c in codes if not c.codable and not c.synthetic)
    if folders:
        report.warnings.append(f"{folders} code(s) marked isCodable=\"false\" (folders) imported as ordinary "
                               f"parent codes")
    meta = read_pi(root)
    report.title = str(meta.get("codebook") or path.stem)
    try:
        report.version = max(int(meta.get("version", 0)), 0)
    except (TypeError, ValueError):
        report.version = 0
    assign_keys(codes)
    report.codes = len(codes)
    return codes, report


def _check_guids(codes: list[RefiCode], where: str) -> None:
    seen: dict[str, str] = {}
    for code in codes:
        if code.synthetic:
            continue
        key = guid_key(code.guid)
        if not key:
            raise RefiError(f"{where}: code {code.name!r} has no guid")
        if key in seen:
            raise RefiError(f"{where}: GUID {code.guid} is used by two codes ({seen[key]!r} and {code.name!r})")
        seen[key] = code.name


def codes_to_codebook(codes: list[RefiCode], *, title: str, version: int, warnings: list[str]):
    """A YAML Codebook from a file's codes (invalid shortcuts and empty items dropped, with a warning)."""
    from cotag.codebook import Codebook, CodeSpec
    from cotag.keys import RESERVED_KEYS

    specs = []
    shortcuts: set[str] = set()
    for position, code in enumerate(codes):
        values = _code_values(code)
        shortcut = code.packed.shortcut
        if shortcut and (len(shortcut) != 1 or shortcut in RESERVED_KEYS or shortcut in shortcuts
                         or not shortcut.isprintable() or shortcut.isspace()):
            warnings.append(f"code {code.key}: shortcut {shortcut!r} cannot be used; dropped")
            shortcut = None
        if shortcut:
            shortcuts.add(shortcut)
        lists = {}
        for name in ("include", "exclude", "examples", "keywords"):
            items = [item.strip() for item in values[name]]
            if any(not item for item in items):
                warnings.append(f"code {code.key}: empty {name} item dropped")
            lists[name] = [item for item in items if item]
        colour = values["colour"]
        specs.append(CodeSpec(key=code.key, name=code.name.strip() or code.key, parent=code.parent_key,
                              description=values["description"].strip(), colour=colour, shortcut=shortcut,
                              status="retired" if values["status"] in ("retired", "merged") else "active",
                              position=position, **lists))
    return Codebook(title=title, version=version, codes=specs)


def import_qdc(path: Path | str, *, project=None, into: Path | str | None = None) -> QdcReport:
    """Import a codebook: into a YAML file (``into``), else into the project (database and its YAML file)."""
    from cotag.codebook import save_codebook

    codes, report = read_qdc(path)
    if into is not None:
        into = Path(into)
        codebook = codes_to_codebook(codes, title=report.title, version=report.version, warnings=report.warnings)
        if not into.exists():
            # save_codebook writes version + 1 to a new file: start one lower so the version survives.
            codebook.version = max(report.version - 1, 0)
        try:
            saved = save_codebook(codebook, into)
        except OSError as exc:  # a missing or read-only folder: say so, not a traceback
            raise RefiError(f"{into}: cannot write: {exc.strerror}") from None
        report.added = [c.key for c in codebook.codes]
        report.codebook_file = f"{into}: {len(codebook.codes)} code(s), version {saved.version}"
        return report
    if project is None:
        raise RefiError("no project to import the codebook into (give --into FILE.yaml to write a YAML codebook)")
    from cotag.store.events import log_event

    with journalled_session(project) as (session, journal):
        merge = merge_codes(session, codes, update=True)
        report.added, report.updated, report.matched = merge.added, merge.updated, merge.matched
        report.warnings.extend(merge.warnings)
        line = journal.stage(project, session, merge.added + merge.updated)
        report.codebook_file = line or ("the project names no codebook file ([codebook] path in cotag.toml): "
                                        "the codes are in the database only")
        log_event(session, kind="import.qdc", payload={"file": str(path), "added": len(merge.added),
                                                       "updated": len(merge.updated),
                                                       "matched": len(merge.matched), **journal.payload})
    return report
