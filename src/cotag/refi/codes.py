"""The code tree REFI-QDA files share (.qdc codebooks and .qdpx projects): our code fields packed into
REFI's one Description, codes written as nested <Code> elements, a file's codes read back with keys.

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
"""

from __future__ import annotations


import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cotag.codebook.model import CodeSpec
from cotag.refi import (
    RefiError,
    guid_key,
    local_name,
    stable_guid,
    xml_safe,
)


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
class CodeFields(CodeSpec):
    """One of our codes as the exporter needs it (from a YAML codebook or from the database): the codebook's
    CodeSpec, plus the code a retired one was merged into."""

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
        written = colour_hex(value)
    except ValueError:
        return None
    return written.upper() if written else None


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


