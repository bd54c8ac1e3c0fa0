"""Read a REFI-QDA project (.qdpx, or a bare .qde) into a cotag project, all or nothing.

The file is read and checked completely before the database is touched (:func:`plan_import`);
then everything is written in one transaction (:func:`apply_plan`). Any error, in the file or
while writing, leaves the project as it was.

What real tools write and this module accepts (docs/refi-qda.md has the details):

* namespaces ``urn:QDA-XML:project:1.0``, ``1:0``, ``0:4``, ``0:10`` or none;
* ``project.qde``, ``Project.qde`` or ``<name>.qde`` at the zip root; ``sources/`` or ``Sources/``;
* ``internal://`` and bare paths; ``relative://`` and ``absolute://`` when the archive holds
  the file, or under the folder the user names (``--sources``): a project file is untrusted
  and never reads a file outside itself on its own (:class:`Package`);
* source files with a BOM and CRLF; offsets in code points or UTF-16 units, with or without
  CRLF counted as one (:mod:`cotag.refi.offsets` detects which and the report says so);
* one selection with several codings, or one selection per code; hierarchy nested or
  flattened as ``A::B``.

Codings keep their coder (``Coding@creatingUser``); into a project that has coders, the
user says which coder each of the file's users is (:func:`_map_users`). Pictures, PDFs, audio, video, links that
are not annotations, graphs and sets that are not document groups cannot be carried over;
the report lists them with counts.

Errors that stop an import: not a zip/qde, a qde that is not XML or not a project, a
``CodeRef`` to no code, a selection outside its text, a missing ``internal://`` file inside
an archive, a source file that is not UTF-8, two codes with one GUID, a file outside the
project file, a DTD, a limit passed (``MAX_*`` below), a user without a coder.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import stat
import struct
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from cotag.refi import (
    KNOWN_NAMESPACE_VERSIONS,
    NS_PROJECT,
    RefiError,
    crash_point,
    guid_key,
    local_name,
    namespace_of,
    parse_datetime,
    parse_xml,
)
from cotag.refi.offsets import (
    PositionMap,
    Selection,
    SourceText,
    anchor,
    at_word_boundaries,
    decode_source,
    detect_reading,
    quote_matches,
    source_text,
)
from cotag.refi.qdc import TOOL_USER_GUIDS, RefiCode, assign_keys, read_code_tree, read_pi

__all__ = ["ImportPlan", "ImportReport", "apply_plan", "import_qdpx", "open_package", "plan_import"]

_DOCUMENT_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".pdf", ".odt", ".md")
_OTHER_SOURCES = {"PictureSource": ("picture", "PictureSelection"), "PDFSource": ("PDF", "PDFSelection"),
                  "AudioSource": ("audio", "AudioSelection"), "VideoSource": ("video", "VideoSelection")}
FALLBACK_CODER = "refi-import"
_MAX_ERRORS = 25
_MAX_FILE = 2**31 - 1  # REFI-QDA's limit for one file in a .qdpx (spec section 8.5)

# Limits on what one import reads, so that a small hostile file cannot take the machine's memory
# (a 2 MB zip can unpack to gigabytes). Sizes are counted while unpacking, never taken from the zip's
# own table, which can lie. docs/refi-qda.md lists them; each error names the file and the limit.
#: Largest project.qde (unpacked); its XML tree takes several times this in memory.
MAX_QDE_BYTES = 256 * 2**20
#: Largest source or note text (unpacked); 64 MiB is some ten million words.
MAX_SOURCE_BYTES = 64 * 2**20
#: Everything read from one project file together (unpacked).
MAX_TOTAL_BYTES = 1024 * 2**20
#: Most entries in a .qdpx archive.
MAX_ARCHIVE_ENTRIES = 100_000
#: Most text sources and selections in one project file.
MAX_TEXT_SOURCES = 100_000
MAX_SELECTIONS = 5_000_000
_CHUNK = 2**20
# What reading a damaged or hostile zip member can raise besides BadZipFile.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
                    RuntimeError, ValueError, NotImplementedError, struct.error)


class _Refused(Exception):
    """A reference to a file the import must not read; the caller adds which source it was."""


# ---------------------------------------------------------------- report

def _read_capped(path: Path, limit: int, limit_name: str, what: str, error: type[Exception]) -> bytes:
    """A file outside the archive, read only up to `limit` bytes: its stated size is checked first, and
    what is really read is counted too (a file can grow, or a device report no size)."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise error(f"{path}: {size} bytes, more than cotag reads {what} ({limit}, {limit_name})")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{path}: more than {limit} bytes ({limit_name}); refused")
    return data


@dataclass
class ImportReport:
    file: str
    origin: str = ""
    project_name: str = ""
    namespace: str = ""
    project: str = ""  # folder of the project imported into
    found: dict[str, int] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)
    offsets: dict[str, Any] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    codebook_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ---------------------------------------------------------------- the package (zip or bare .qde)

class Package:
    """A .qdpx archive or a bare .qde with its folder: the XML and a way to find source files.

    Source and note texts come from inside the archive (for a bare .qde: its ``sources/``
    folder). A reference to a file anywhere else (``absolute://``, ``relative://``, a path
    with folders) is refused by name, unless ``sources`` names a folder the user trusts; then
    only files under that folder are read: no ``..``, and no symbolic link leading out of it.
    """

    def __init__(self, path: Path, sources: Path | str | None = None):
        self.path = path
        self.archive: zipfile.ZipFile | None = None
        self.entries: dict[str, str] = {}  # lower-case name -> name in the zip
        self.qde_name = path.name
        self.sources = Path(sources) if sources is not None else None
        self.read_bytes = 0  # unpacked so far, against MAX_TOTAL_BYTES
        if self.sources is not None and not self.sources.is_dir():
            raise RefiError(f"--sources {self.sources}: no such folder")
        data = self._open()
        self.root = parse_xml(data, f"{path}: {self.qde_name}" if self.archive else str(path))
        kind = local_name(self.root.tag)
        if kind == "CodeBook":
            raise RefiError(f"{path}: this is a REFI-QDA codebook, not a project; use `cotag import qdc`")
        if kind != "Project":
            raise RefiError(f"{path}: {self.qde_name} is not a REFI-QDA project (its root element is <{kind}>, "
                            f"not <Project>)")

    def _open(self) -> bytes:
        path = self.path
        if not path.is_file():
            raise RefiError(f"{path}: no such file")
        try:
            is_zip = zipfile.is_zipfile(path)
        except _ZIP_READ_ERRORS:
            is_zip = False
        if is_zip:
            try:
                self.archive = zipfile.ZipFile(path)
                names = self.archive.namelist()
            except _ZIP_READ_ERRORS as exc:
                raise RefiError(f"{path}: broken zip archive: {exc}") from None
            if len(names) > MAX_ARCHIVE_ENTRIES:
                raise RefiError(f"{path}: the archive holds {len(names)} entries, more than cotag reads "
                                f"({MAX_ARCHIVE_ENTRIES}, MAX_ARCHIVE_ENTRIES)")
            self.entries = {name.lower(): name for name in names}
            qdes = [n for n in names if "/" not in n.rstrip("/") and n.lower().endswith(".qde")]
            if not qdes:
                shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "") if names else "nothing"
                raise RefiError(f"{path}: not a .qdpx project: the zip has no .qde file at its root "
                                f"(it holds {shown})")
            if len(qdes) > 1:
                raise RefiError(f"{path}: more than one .qde file at the zip root ({', '.join(qdes)}); "
                                f"a .qdpx holds exactly one")
            self.qde_name = qdes[0]
            return self._unpack(self.qde_name, MAX_QDE_BYTES, "MAX_QDE_BYTES")
        data = _read_capped(path, MAX_QDE_BYTES, "MAX_QDE_BYTES", "as a project", RefiError)
        self.read_bytes += len(data)
        if data.startswith(b"PK\x03\x04"):
            raise RefiError(f"{path}: damaged zip archive (its table of contents cannot be read); export the "
                            f".qdpx again")
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise RefiError(f"{path}: not a REFI-QDA project: neither a zip archive (.qdpx) nor XML (.qde)")
        return data

    def _unpack(self, name: str, limit: int, limit_name: str) -> bytes:
        """One member, unpacked in pieces and counted as it comes: the zip's stated size can lie."""
        assert self.archive is not None
        info = self.archive.getinfo(name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise RefiError(f"{self.path}: {name} is a symbolic link, not a file stored in the archive; cotag reads "
                            f"only what the archive holds: refused")
        if info.file_size > _MAX_FILE:  # what the zip says, checked first: it costs nothing
            raise RefiError(f"{self.path}: {name} would unpack to {info.file_size} bytes, more than REFI-QDA allows "
                            f"({_MAX_FILE})")
        if info.file_size > limit:
            raise RefiError(f"{self.path}: {name} would unpack to {info.file_size} bytes, more than cotag reads "
                            f"({limit}, {limit_name})")
        pieces: list[bytes] = []
        size = 0
        try:
            with self.archive.open(info) as stream:
                while True:
                    piece = stream.read(_CHUNK)
                    if not piece:
                        break
                    size += len(piece)
                    if size > limit:
                        raise RefiError(f"{self.path}: {name} unpacks to more than {limit} bytes ({limit_name}); "
                                        f"refused, and the rest was not unpacked")
                    if self.read_bytes + size > MAX_TOTAL_BYTES:
                        raise RefiError(f"{self.path}: the files read from the archive unpack to more than "
                                        f"{MAX_TOTAL_BYTES} bytes together (MAX_TOTAL_BYTES), reached at {name}; "
                                        f"refused")
                    pieces.append(piece)
        except _ZIP_READ_ERRORS as exc:
            raise RefiError(f"{self.path}: cannot read {name} from the archive: {exc}") from None
        self.read_bytes += size
        return b"".join(pieces)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def _zip_read(self, name: str) -> bytes | None:
        real = self.entries.get(name.lower())
        if real is None or self.archive is None or real.endswith("/"):
            return None
        return self._unpack(real, MAX_SOURCE_BYTES, "MAX_SOURCE_BYTES")

    def _read_confined(self, candidate: Path, root: Path, reference: str) -> bytes | None:
        """A file under ``root`` (both resolved: a symbolic link may not lead out), or None when absent."""
        if not os.path.lexists(candidate):
            return None
        try:
            real_root = root.resolve()
            resolved = candidate.resolve()
        except (OSError, RuntimeError) as exc:  # a loop of symbolic links, a name the system refuses
            raise _Refused(f"{reference}: cannot follow {candidate}: {exc}") from None
        if not resolved.is_relative_to(real_root):
            raise _Refused(f"{reference} leads to {resolved}, outside {real_root} (a symbolic link); refused")
        if not resolved.is_file():
            return None
        data = _read_capped(resolved, MAX_SOURCE_BYTES, "MAX_SOURCE_BYTES", "as one text", _Refused)
        if self.read_bytes + len(data) > MAX_TOTAL_BYTES:
            raise _Refused(f"the texts read together are more than {MAX_TOTAL_BYTES} bytes (MAX_TOTAL_BYTES), "
                           f"reached at {resolved}")
        self.read_bytes += len(data)
        return data

    def find(self, reference: str) -> tuple[bytes | None, str, bool]:
        """(bytes or None, where it was looked for, internal?) for a plainTextPath-style reference.

        Raises :class:`_Refused` for a reference to a file outside the project file that may not be read."""
        ref = reference.strip()
        scheme, sep, rest = ref.partition("://")
        if not sep:
            scheme, rest = "", ref
        scheme = scheme.lower()
        internal = scheme == "internal"
        names = list(dict.fromkeys([rest, unquote(rest)]))
        # Inside the package, by file name only: sources/ (any case), then the archive's root.
        for name in names:
            leaf = PurePosixPath(name.replace("\\", "/")).name
            if not leaf or leaf in (".", ".."):
                continue
            if self.archive is not None:
                for candidate in (f"sources/{leaf}", leaf, name.lstrip("/")):
                    data = self._zip_read(candidate)
                    if data is not None:
                        return data, candidate, internal
            else:
                for folder in ("sources", "Sources"):
                    candidate = self.folder / folder / leaf
                    data = self._read_confined(candidate, self.folder, ref)
                    if data is not None:
                        return data, str(candidate), internal
        posix = rest.replace("\\", "/")
        outside = scheme in ("relative", "absolute") or (not scheme and ("/" in posix.strip("/") or
                                                                          posix.startswith("/") or ":" in posix))
        if not outside:
            return None, ref, internal
        if self.sources is None:
            raise _Refused(f"{ref} is a file outside the project file, which cotag does not read; to read texts "
                           f"from a folder you trust, pass --sources DIR (only files under DIR are read)")
        for name in names:
            data, where = self._external(scheme, name.replace("\\", "/"), ref)
            if data is not None:
                return data, where, internal
        return None, f"{ref} (not found under --sources {self.sources})", internal

    def _external(self, scheme: str, name: str, reference: str) -> tuple[bytes | None, str]:
        # basePath names a folder on the machine that wrote the file: --sources stands in for it.
        assert self.sources is not None
        parts = PurePosixPath(name).parts
        if ".." in parts:
            raise _Refused(f"{reference}: a path with '..' is refused")
        candidates: list[Path] = []
        if scheme == "absolute" or name.startswith("/"):
            absolute = Path(name)
            try:
                inside = absolute.is_absolute() and absolute.resolve().is_relative_to(self.sources.resolve())
            except (OSError, RuntimeError, ValueError):
                inside = False
            if inside:
                candidates.append(absolute)
        else:
            relative = name.lstrip("/")
            if relative and ":" not in relative:
                candidates.append(self.sources / relative)
        leaf = PurePosixPath(name).name
        if leaf and leaf not in (".", ".."):
            candidates.append(self.sources / leaf)
        for candidate in candidates:
            data = self._read_confined(candidate, self.sources, reference)
            if data is not None:
                return data, str(candidate)
        return None, name


def open_package(path: Path | str, *, sources: Path | str | None = None) -> Package:
    return Package(Path(path), sources=sources)


# ---------------------------------------------------------------- the plan

@dataclass
class PlannedCoding:
    code_guid: str
    user_guid: str | None
    start: int
    end: int
    memo: str = ""
    created_at: datetime | None = None


@dataclass
class PlannedDocument:
    guid: str
    name: str
    text: str
    source_path: str
    attributes: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    codings: list[PlannedCoding] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass
class PlannedMemo:
    user_guid: str | None
    title: str
    text: str
    document_guid: str | None = None
    code_guid: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    guid: str | None = None  # the Note's GUID, written again on export


@dataclass
class PlannedUser:
    guid: str
    name: str
    role: str = "coder"


@dataclass
class ImportPlan:
    report: ImportReport
    users: dict[str, PlannedUser]  # guid_key -> user
    default_user: str | None  # guid_key of the user for things that name none
    codes: list[RefiCode]
    documents: list[PlannedDocument]
    memos: list[PlannedMemo]
    # Title and version of the exporting project's YAML codebook (cotag files only), for a new codebook.yaml.
    codebook_title: str | None = None
    codebook_version: int = 0


@dataclass
class _Source:
    element: Any
    guid: str
    name: str
    text: SourceText
    positions: PositionMap
    where: str
    stored: tuple[str, Any]  # the text as stored, and where a position in source.text.text lands in it
    selections: list[tuple[Any, Selection]] = field(default_factory=list)


def stored_text(text: str) -> tuple[str, Any]:
    """``text`` as the transcript importer stores text, and a function moving positions into it.

    The transcript importer's normalisation (:func:`cotag.corpus.formats._normalise`) drops NUL
    and other control characters (PostgreSQL refuses NUL) and turns form feeds and Unicode line
    separators into newlines. It works character by character here, so each selection can be
    moved by what was dropped or widened before it."""
    from bisect import bisect_left

    from cotag.corpus.formats import _normalise

    if _normalise(text) == text:
        return text, lambda position: position
    replaced = {ch: _normalise(ch) for ch in set(text)}
    replaced = {ch: new for ch, new in replaced.items() if new != ch}
    pattern = re.compile("[" + "".join(re.escape(ch) for ch in replaced) + "]")
    starts: list[int] = []  # position of each changed character
    shifts: list[int] = []  # total change in length up to and including it
    shift = 0
    for match in pattern.finditer(text):
        shift += len(replaced[match.group()]) - 1
        starts.append(match.start())
        shifts.append(shift)

    def moved(position: int) -> int:
        before = bisect_left(starts, position)  # changed characters before the position
        return position + (shifts[before - 1] if before else 0)

    return pattern.sub(lambda m: replaced[m.group()], text), moved


def _children(element, tag: str) -> list:
    # lxml filters by tag in C; "{*}" matches any namespace (1.0, 1:0, 0:4) and none.
    return list(element.iterchildren(f"{{*}}{tag}"))


def _child(element, tag: str):
    return next(element.iterchildren(f"{{*}}{tag}"), None)


def _text_of(element) -> str:
    return element.text or "" if element is not None else ""


def _describe(element) -> str:
    name = element.get("name")
    return f"{local_name(element.tag)} {name!r}" if name else f"{local_name(element.tag)} {element.get('guid')}"


def _document_name(element, reference: str, origin: str) -> str:
    name = (element.get("name") or "").strip()
    if not name:
        leaf = PurePosixPath((reference.partition("://")[2] or reference).replace("\\", "/")).name
        name = PurePosixPath(leaf).stem or element.get("guid") or "document"
    elif not origin.lower().startswith("cotag"):
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in _DOCUMENT_SUFFIXES and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


_TEXT_KEPT = "cotag:text"


def _variable_value(holder, variables: dict[str, tuple[str, str, bool]], warnings: list[str]) -> tuple[str, Any] | None:
    import json

    ref = _child(holder, "VariableRef")
    if ref is None:
        return None
    info = variables.get(guid_key(ref.get("targetGUID")))
    if info is None:
        warnings.append(f"a VariableValue points at {ref.get('targetGUID')}, which is no variable; skipped")
        return None
    name, _type, as_json = info
    for element in holder:
        tag = local_name(element.tag)
        if tag == "VariableRef":
            continue
        text = element.text or ""
        if _type == _TEXT_KEPT:
            return name, text
        if as_json and tag == "TextValue":
            try:
                return name, json.loads(text)
            except ValueError:
                return name, text
        if tag == "BooleanValue":
            return name, text.strip().lower() in ("true", "1")
        if tag == "IntegerValue":
            try:
                return name, int(text.strip())
            except ValueError:
                return name, text
        if tag == "FloatValue":
            try:
                return name, float(text.strip())
            except ValueError:
                return name, text
        return name, text  # TextValue, DateValue, DateTimeValue: kept as written
    return name, None


def plan_import(package: Package, *, offsets: str | None = None) -> ImportPlan:
    """Read and check everything; raise RefiError listing every error, or return what to write."""
    from cotag.refi.qdpx_export import JSON_VARIABLE
    from cotag.refi.validate import semantic_problems, validate_project_tree

    root = package.root
    path = package.path
    report = ImportReport(file=str(path), origin=root.get("origin") or "", project_name=root.get("name") or "")
    origin = report.origin
    errors: list[str] = []
    warnings = report.warnings
    not_carried = report.not_carried

    ns = namespace_of(root.tag)
    report.namespace = ns or "(none)"
    if ns != NS_PROJECT:
        version = ns.split("project:", 1)[1] if ns.startswith("urn:QDA-XML:project:") else None
        known = version in KNOWN_NAMESPACE_VERSIONS or not ns
        warnings.append(f"namespace {ns or '(none)'} read as {NS_PROJECT}"
                        + ("" if known else " (not a namespace REFI-QDA tools are known to write)"))
    for problem in validate_project_tree(root, lenient_namespace=True):
        warnings.append(f"schema: {problem} (read anyway)")
    for problem in semantic_problems(root):
        if problem.kind == "code-ref":
            errors.append(problem.message)
        elif problem.kind not in ("text-content",):
            warnings.append(problem.message)

    # -- users
    users: dict[str, PlannedUser] = {}
    names_used: Counter = Counter()
    users_element = _child(root, "Users")
    for element in _children(users_element, "User") if users_element is not None else []:
        guid = element.get("guid") or ""
        name = (element.get("name") or "").strip() or (element.get("id") or "").strip() or f"user-{guid_key(guid)[:8]}"
        names_used[name] += 1
        users[guid_key(guid)] = PlannedUser(guid=guid, name=name)
    for name, count in names_used.items():
        if count > 1:
            warnings.append(f"{count} users are named {name!r}: their work goes to one coder")
    meta = read_pi(root) if origin.lower().startswith("cotag") else {}
    roles = meta.get("roles")
    codebook_title = meta.get("codebook") if isinstance(meta.get("codebook"), str) else None
    try:
        codebook_version = max(int(meta.get("version") or 0), 0)
    except (TypeError, ValueError):
        codebook_version = 0
    if isinstance(roles, dict):
        for user in users.values():
            if roles.get(user.name) in ("coder", "lead", "consensus"):
                user.role = roles[user.name]
    for user in users.values():
        if user.name == "consensus":
            user.role = "consensus"

    def user_for(*candidates: str | None) -> str | None:
        for candidate in candidates:
            if candidate:
                key = guid_key(candidate)
                if key not in users:
                    # A dangling user reference (already warned): keep the work under its own coder.
                    users[key] = PlannedUser(guid=candidate, name=f"user-{key[:8]}")
                return key
        return None

    project_user = guid_key(root.get("creatingUserGUID")) if root.get("creatingUserGUID") else None
    real_users = [k for k in users if k not in TOOL_USER_GUIDS]
    default_user = (project_user if project_user in users else
                    (real_users[0] if len(real_users) == 1 else None))

    # -- codes
    codebook = _child(root, "CodeBook")
    codes_element = _child(codebook, "Codes") if codebook is not None else None
    codes = read_code_tree(codes_element, origin=origin, warnings=warnings, where=str(path)) \
        if codes_element is not None else []
    seen_guids: dict[str, str] = {}
    for code in codes:
        if code.synthetic:
            continue
        key = guid_key(code.guid)
        if key in seen_guids:
            errors.append(f"GUID {code.guid} is used by two codes ({seen_guids[key]!r} and {code.name!r})")
        seen_guids[key] = code.name
    assign_keys(codes)
    code_by_guid = {guid_key(c.guid): c for c in codes}
    synthetic = [c.name for c in codes if c.synthetic]
    if synthetic:
        warnings.append(f"{len(synthetic)} parent code(s) created for flattened 'A::B' names: "
                        + ", ".join(synthetic[:10]))
    folders = sum(1 for c in codes if not c.codable and not c.synthetic)
    if folders:
        warnings.append(f"{folders} code(s) marked isCodable=\"false\" (folders) imported as ordinary parent codes")

    # -- notes (memos): text now, owner decided by whoever refers to them
    notes: dict[str, dict[str, Any]] = {}
    notes_element = _child(root, "Notes")
    for element in _children(notes_element, "Note") if notes_element is not None else []:
        content = _child(element, "PlainTextContent")
        text = ""
        if content is not None:
            text = _text_of(content)
        elif element.get("plainTextPath"):
            try:
                data, where, _internal = package.find(element.get("plainTextPath"))
            except _Refused as exc:
                errors.append(f"note {element.get('name')!r}: plainTextPath {exc}")
                data, where = None, None
            if data is None:
                if where is not None:
                    not_carried.append(f"note {element.get('name')!r}: its text file {where} is not in the file")
            else:
                try:
                    text = stored_text(decode_source(data, where).text)[0]
                except RefiError as exc:
                    errors.append(str(exc))
        elif element.get("richTextPath"):
            not_carried.append(f"note {element.get('name')!r}: rich text only ({element.get('richTextPath')})")
        description = _text_of(_child(element, "Description")).strip()
        if description:
            text = f"{description}\n\n{text}" if text else description
        notes[guid_key(element.get("guid"))] = {
            "title": element.get("name") or "", "text": text,
            "user": user_for(element.get("creatingUser")),
            "created": parse_datetime(element.get("creationDateTime")),
            "modified": parse_datetime(element.get("modifiedDateTime")), "used": False,
            # QualCoder writes a text annotation as a Note holding the annotated span.
            "spans": [s for s in _children(element, "PlainTextSelection")]}

    def note_text(guid: str | None) -> str:
        note = notes.get(guid_key(guid))
        if note is None:
            return ""
        note["used"] = True
        return note["text"]

    memos: list[PlannedMemo] = []
    memo_of_note: dict[str, PlannedMemo] = {}

    def memo_from_note(guid: str, *, document: str | None = None, code: str | None = None) -> None:
        note = notes.get(guid_key(guid))
        if note is None:
            return
        note["used"] = True
        memo = memo_of_note.get(guid_key(guid))
        if memo is None:
            memo = PlannedMemo(user_guid=note["user"], title=note["title"], text=note["text"],
                               created_at=note["created"], updated_at=note["modified"], guid=guid)
            memo_of_note[guid_key(guid)] = memo
            memos.append(memo)
        # A memo has at most one document and one code; a note shared more widely keeps the first of each.
        for attribute, value in (("document_guid", document), ("code_guid", code)):
            current = getattr(memo, attribute)
            if value and current is None:
                setattr(memo, attribute, value)
            elif value and guid_key(current) != guid_key(value):
                warnings.append(f"note {note['title']!r} is attached to several "
                                f"{'documents' if attribute == 'document_guid' else 'codes'}: kept on the first")

    for code in codes:
        for note_guid in code.note_guids:
            memo_from_note(note_guid, code=code.guid)

    # NVivo ties annotations to selections with Links from a note: they become the selection's memo.
    link_notes: dict[str, list[str]] = defaultdict(list)
    links_element = _child(root, "Links")
    other_links = 0
    for link in _children(links_element, "Link") if links_element is not None else []:
        origin_guid, target_guid = guid_key(link.get("originGUID")), guid_key(link.get("targetGUID"))
        if origin_guid in notes:
            link_notes[target_guid].append(origin_guid)
        elif target_guid in notes:
            link_notes[origin_guid].append(target_guid)
        else:
            other_links += 1

    # -- variables and cases
    variables: dict[str, tuple[str, str, bool]] = {}
    # Attributes cotag keeps as text but exported typed (dates, numbers): read back as text.
    text_attributes = {n for n in (meta.get("text_attributes") or []) if isinstance(n, str)}
    variables_element = _child(root, "Variables")
    for element in _children(variables_element, "Variable") if variables_element is not None else []:
        as_json = _text_of(_child(element, "Description")).strip() == JSON_VARIABLE
        type_name = element.get("typeOfVariable") or "Text"
        if (element.get("name") or "") in text_attributes:
            type_name = _TEXT_KEPT
        variables[guid_key(element.get("guid"))] = (element.get("name") or "", type_name, as_json)
    case_attributes: dict[str, dict[str, Any]] = defaultdict(dict)
    cases_element = _child(root, "Cases")
    case_refs = 0
    for case in _children(cases_element, "Case") if cases_element is not None else []:
        values = dict(v for v in (_variable_value(h, variables, warnings) for h in _children(case, "VariableValue"))
                      if v is not None)
        case_refs += len(_children(case, "CodeRef")) + len(_children(case, "SelectionRef"))
        for ref in _children(case, "SourceRef"):
            attributes = case_attributes[guid_key(ref.get("targetGUID"))]
            if case.get("name"):
                attributes.setdefault("__case__", case.get("name"))
            attributes.update(values)
    if case_refs:
        not_carried.append(f"{case_refs} code or selection reference(s) inside Cases (cases carry only "
                           f"document attributes here)")

    # -- sets: a set of sources only, holding a document no other such set holds, is its group
    source_sets: dict[str, list[str]] = {}
    set_names: dict[str, str] = {}
    other_sets: list[str] = []
    sets_element = _child(root, "Sets")
    for element in _children(sets_element, "Set") if sets_element is not None else []:
        members = [guid_key(m.get("targetGUID") or m.get("guid")) for m in _children(element, "MemberSource")]
        if members and not _children(element, "MemberCode") and not _children(element, "MemberNote"):
            source_sets[guid_key(element.get("guid"))] = members
            set_names[guid_key(element.get("guid"))] = element.get("name") or ""
        else:
            other_sets.append(element.get("name") or "")
    membership: dict[str, list[str]] = defaultdict(list)
    for set_guid, members in source_sets.items():
        for member in members:
            membership[member].append(set_guid)
    group_of = {member: set_names[sets[0]] for member, sets in membership.items() if len(sets) == 1}
    unused_sets = [set_names[g] for g, members in source_sets.items() if not all(m in group_of for m in members)]
    if other_sets:
        not_carried.append(f"{len(other_sets)} code set(s): " + ", ".join(repr(n) for n in other_sets[:10])
                           + (" ..." if len(other_sets) > 10 else ""))
    if unused_sets:
        not_carried.append(f"{len(unused_sets)} document set(s) whose documents are in several sets (a document "
                           f"has one group): " + ", ".join(repr(n) for n in unused_sets[:10])
                           + (" ..." if len(unused_sets) > 10 else ""))

    # -- sources
    sources_element = _child(root, "Sources")
    source_elements = list(sources_element) if sources_element is not None else []
    text_sources: list[_Source] = []
    counts = Counter()
    other_counts: dict[str, list[Any]] = defaultdict(list)
    for element in source_elements:
        tag = local_name(element.tag)
        if tag in _OTHER_SOURCES:
            other_counts[tag].append(element)
            continue
        if tag != "TextSource":
            continue
        counts["text_sources"] += 1
        selections = _children(element, "PlainTextSelection")
        counts["selections"] += len(selections)
        if counts["text_sources"] > MAX_TEXT_SOURCES or counts["selections"] > MAX_SELECTIONS:
            raise RefiError(f"{path}: more than {MAX_TEXT_SOURCES} text sources (MAX_TEXT_SOURCES) or "
                            f"{MAX_SELECTIONS} selections (MAX_SELECTIONS); cotag refuses a project this large")
        coded = sum(len(_children(s, "Coding")) for s in selections) + len(_children(element, "Coding"))
        counts["codings"] += coded
        content = _child(element, "PlainTextContent")
        reference = element.get("plainTextPath") or ""
        label = _describe(element)
        lost = f"{len(selections)} selection(s), {coded} coding(s)"
        if content is not None:
            text = source_text(_text_of(content))
            where = f"{label} (PlainTextContent)"
        elif reference:
            try:
                data, where, internal = package.find(reference)
            except _Refused as exc:
                errors.append(f"{label}: plainTextPath {exc}")
                continue
            if data is None:
                if internal and package.archive is not None:
                    errors.append(f"{label}: plainTextPath {reference} is not in the archive's sources/")
                else:
                    not_carried.append(f"{label}: its text {where} is not in the file or beside it ({lost})")
                continue
            try:
                text = decode_source(data, where)
            except RefiError as exc:
                errors.append(str(exc))
                continue
        else:
            rich = element.get("richTextPath")
            not_carried.append(f"{label}: {'rich text only (' + rich + ')' if rich else 'no text'}, no plain text "
                               f"to anchor selections on ({lost})")
            continue
        stored = stored_text(text.text)
        if not stored[0].strip():
            not_carried.append(f"{label}: its text is empty ({lost})")
            continue
        source = _Source(element=element, guid=element.get("guid") or "", name=_document_name(element, reference,
                         origin), text=text, positions=PositionMap(text), where=where, stored=stored)
        for selection in selections:
            try:
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            except (TypeError, ValueError):
                errors.append(f"{label}: selection {selection.get('guid')} has positions that are not whole numbers")
                continue
            source.selections.append((selection, Selection(start, end, selection.get("name"))))
        text_sources.append(source)
    report.found = {"users": len(_children(users_element, "User")) if users_element is not None else 0,
                    "codes": sum(1 for c in codes if not c.synthetic), "text_sources": counts["text_sources"],
                    "selections": counts["selections"], "codings": counts["codings"], "notes": len(notes),
                    "variables": len(variables),
                    "cases": len(_children(cases_element, "Case")) if cases_element is not None else 0,
                    "sets": len(source_sets) + len(other_sets)}
    for tag, elements in other_counts.items():
        kind, selection_tag = _OTHER_SOURCES[tag]
        n_sel = sum(len(list(e.iter(f"{{*}}{selection_tag}"))) + len(list(e.iter("{*}PlainTextSelection")))
                    for e in elements)
        n_cod = sum(len(list(e.iter("{*}Coding"))) for e in elements)
        names = ", ".join(repr(e.get("name") or e.get("guid")) for e in elements[:5])
        not_carried.append(f"{len(elements)} {kind} source(s) ({names}{' ...' if len(elements) > 5 else ''}) with "
                           f"{n_sel} selection(s) and {n_cod} coding(s): cotag codes text only")
        report.found[f"{kind.lower()}_sources"] = len(elements)
    if other_links:
        not_carried.append(f"{other_links} link(s) between objects (REFI Links other than note annotations)")
    graphs = _child(root, "Graphs")
    if graphs is not None and len(_children(graphs, "Graph")):
        not_carried.append(f"{len(_children(graphs, 'Graph'))} graph(s) (network views)")

    # -- offsets: one reading for the whole file
    detection = detect_reading([(s.positions, [sel for _, sel in s.selections]) for s in text_sources],
                               origin=origin, forced=offsets)
    report.offsets = detection.as_dict()

    # -- documents, selections, codings
    documents: list[PlannedDocument] = []
    annotations = 0
    names_taken: Counter = Counter()
    empty_selections = 0
    for source in text_sources:
        name = source.name
        names_taken[name] += 1
        if names_taken[name] > 1:
            name = f"{name} ({names_taken[name]})"
            warnings.append(f"two sources are named {source.name!r}: the second is imported as {name!r}")
        attributes = dict(case_attributes.get(guid_key(source.guid), {}))
        case_name = attributes.pop("__case__", None)
        if case_name and case_name != source.name and case_name != name:
            attributes.setdefault("case", case_name)
        for holder in _children(source.element, "VariableValue"):
            value = _variable_value(holder, variables, warnings)
            if value is not None:
                attributes[value[0]] = value[1]
        document = PlannedDocument(guid=source.guid, name=name, text=source.stored[0],
                                   source_path=f"{path}#{source.where}" if package.archive else source.where,
                                   attributes=attributes, group=group_of.get(guid_key(source.guid), ""),
                                   created_at=parse_datetime(source.element.get("creationDateTime")))
        description = _text_of(_child(source.element, "Description")).strip()
        if description:
            memos.append(PlannedMemo(user_guid=user_for(source.element.get("creatingUser")),
                                     title="Source description", text=description, document_guid=source.guid))
        text = source.text.text
        stored, moved = source.stored
        for ref in _children(source.element, "NoteRef"):
            note = notes.get(guid_key(ref.get("targetGUID")))
            if note is not None and note["spans"]:
                annotations += 1
                for span_element in note["spans"]:
                    memo = _annotation_memo(note, span_element, source, detection.reading, errors)
                    if memo is not None:
                        memo.document_guid = source.guid
                        memos.append(memo)
                note["used"] = True
                continue
            memo_from_note(ref.get("targetGUID"), document=source.guid)
        quoted = matched = boundaries = 0
        for element, selection in source.selections:
            span = anchor(source.positions, detection.reading, selection)
            if span is None:
                errors.append(f"{_describe(source.element)}: selection {element.get('guid')} "
                              f"[{selection.start}, {selection.end}) is outside the text "
                              f"({source.positions.lengths[detection.reading]} positions when offsets are "
                              f"{detection.reading})")
                continue
            start, end = span
            boundaries += at_word_boundaries(text, start, end)
            name_attr = (selection.name or "").strip()
            if name_attr and not name_attr.startswith("line:"):
                quoted += 1
                matched += quote_matches(name_attr, text[start:end])
            start, end = moved(start), moved(end)
            description = _text_of(_child(element, "Description")).strip()
            # cotag (for QualCoder) writes its codings' memos into the Description as well: not twice.
            own_notes = [notes[guid_key(r.get("targetGUID"))]["text"] for c in _children(element, "Coding")
                         for r in _children(c, "NoteRef") if guid_key(r.get("targetGUID")) in notes]
            if description and description == "\n\n".join(dict.fromkeys(n.strip() for n in own_notes if n.strip())):
                description = ""
            comment_parts = [description]
            comment_parts += [note_text(ref.get("targetGUID")) for ref in _children(element, "NoteRef")]
            comment_parts += [note_text(g) for g in link_notes.get(guid_key(element.get("guid")), [])]
            comment = "\n\n".join(p for p in comment_parts if p)
            codings = _children(element, "Coding")
            if not codings:
                if comment:
                    memos.append(PlannedMemo(
                        user_guid=user_for(element.get("creatingUser"), source.element.get("creatingUser")),
                        title=f"Comment at {start}-{end}", text=f"“{stored[start:end]}”\n\n{comment}",
                        document_guid=source.guid, created_at=parse_datetime(element.get("creationDateTime"))))
                else:
                    empty_selections += 1
                continue
            for coding in codings:
                ref = _child(coding, "CodeRef")
                target = ref.get("targetGUID") if ref is not None else None
                if guid_key(target) not in code_by_guid:
                    if ref is None:
                        errors.append(f"{_describe(source.element)}: a coding in selection {element.get('guid')} "
                                      f"has no CodeRef")
                    continue  # a CodeRef to no code is already an error from the semantic check
                memo_parts = [comment] + [note_text(r.get("targetGUID")) for r in _children(coding, "NoteRef")]
                document.codings.append(PlannedCoding(
                    code_guid=target,
                    user_guid=user_for(coding.get("creatingUser"), element.get("creatingUser"),
                                       source.element.get("creatingUser")) or default_user,
                    start=start, end=end, memo="\n\n".join(p for p in memo_parts if p),
                    created_at=parse_datetime(coding.get("creationDateTime"))))
        for coding in _children(source.element, "Coding"):
            ref = _child(coding, "CodeRef")
            target = ref.get("targetGUID") if ref is not None else None
            if guid_key(target) in code_by_guid:
                memo = "\n\n".join(note_text(r.get("targetGUID")) for r in _children(coding, "NoteRef"))
                document.codings.append(PlannedCoding(
                    code_guid=target, user_guid=user_for(coding.get("creatingUser"),
                                                         source.element.get("creatingUser")) or default_user,
                    start=0, end=len(stored), memo=memo, created_at=parse_datetime(coding.get("creationDateTime"))))
        report.sources.append({"name": name, "selections": len(source.selections), "word_boundaries": boundaries,
                               "named_with_quote": quoted, "quote_matches": matched,
                               "crlf": len(source.text.crlf), "above_bmp": len(source.text.astral),
                               "bom": source.text.had_bom})
        if quoted and matched < quoted:
            warnings.append(f"{name}: {quoted - matched} of {quoted} selection name(s) differ from the selected "
                            f"text (a name can be a title rather than the quote)")
        documents.append(document)
    report.found["annotations"] = annotations
    if empty_selections:
        warnings.append(f"{empty_selections} selection(s) with no coding and no comment: nothing to import")
    rich = sum(1 for s in text_sources if s.element.get("richTextPath"))
    if rich:
        not_carried.append(f"{rich} rich-text version(s) of imported sources (.docx): formatting is not carried "
                           f"over; the plain text, which selections address, is")

    # Notes nobody refers to are project memos; a project Description is one too.
    for ref in _children(root, "NoteRef"):
        memo_from_note(ref.get("targetGUID"))
    for guid, note in notes.items():
        if not note["used"]:
            memo_from_note(guid)
    description = _text_of(_child(root, "Description")).strip()
    if description:
        memos.append(PlannedMemo(user_guid=user_for(root.get("creatingUserGUID")), title="Project description",
                                 text=description))

    if errors:
        shown = errors[:_MAX_ERRORS] + ([f"... and {len(errors) - _MAX_ERRORS} more"] if len(errors) > _MAX_ERRORS
                                        else [])
        raise RefiError(f"{path}: cannot import, nothing was imported:\n" + "\n".join(f"  {e}" for e in shown))

    # Users: the tool's own pseudo-user only when something is attributed to it.
    referenced = {c.user_guid for d in documents for c in d.codings} | {m.user_guid for m in memos}
    if default_user is None and (None in referenced):
        users[FALLBACK_CODER] = PlannedUser(guid=FALLBACK_CODER, name=FALLBACK_CODER)
        default_user = FALLBACK_CODER
        warnings.append(f"some codings or memos name no user: they are attributed to coder {FALLBACK_CODER!r}")
    for key in list(users):
        if users[key].name == "default" and key not in referenced and key != default_user:
            # QualCoder lists its placeholder coder "default" whether or not anyone coded as it.
            warnings.append("user 'default' (QualCoder's placeholder coder) has no work: not made a coder")
            del users[key]
            continue
        if key in TOOL_USER_GUIDS and key not in referenced:
            warnings.append(f"user {users[key].name!r} is the exporting tool's own pseudo-user with no work: "
                            f"not made a coder")
            del users[key]
    return ImportPlan(report=report, users=users, default_user=default_user, codes=codes, documents=documents,
                      codebook_title=codebook_title, codebook_version=codebook_version,
                      memos=memos)


def _annotation_memo(note: dict[str, Any], span_element, source: _Source, reading: str,
                     errors: list[str]) -> PlannedMemo | None:
    """A QualCoder text annotation (a Note holding a span of the source) as a memo on that span."""
    try:
        selection = Selection(int(span_element.get("startPosition")), int(span_element.get("endPosition")), None)
    except (TypeError, ValueError):
        errors.append(f"note {note['title']!r}: annotation span {span_element.get('guid')} has positions that are "
                      f"not whole numbers")
        return None
    span = anchor(source.positions, reading, selection)
    if span is None:
        errors.append(f"note {note['title']!r}: annotation [{selection.start}, {selection.end}) is outside the text "
                      f"of {_describe(source.element)}")
        return None
    stored, moved = source.stored
    start, end = moved(span[0]), moved(span[1])
    # A memo has no span of its own: the title names it and the text quotes it, as comments do.
    return PlannedMemo(user_guid=note["user"], title=note["title"] or f"Annotation at {start}-{end}",
                       text=f"“{stored[start:end]}”\n\n{note['text']}", created_at=note["created"] or note["modified"],
                       updated_at=note["modified"])


# ---------------------------------------------------------------- writing

def _units_for(documents: list[PlannedDocument]) -> list[list]:
    """Speaker turns and sentence units, as the transcript importer makes them."""
    from cotag.corpus.formats import ParsedTranscript
    from cotag.corpus.sentences import sentence_spans
    from cotag.corpus.speakers import find_turns
    from cotag.store.documents import UnitRow

    parsed = [ParsedTranscript(path=Path(d.name), text=d.text, metadata={}, turns=find_turns(d.text),
                               format="qdpx") for d in documents]
    spans = sentence_spans(parsed) if parsed else []
    return [[UnitRow(index=i, start=s, end=e, turn=turn, speaker=p.turns[turn].speaker,
                     is_interviewer=p.turns[turn].is_interviewer) for i, (turn, s, e) in enumerate(doc_spans)]
            for p, doc_spans in zip(parsed, spans)]


def _work_by_user(plan: ImportPlan) -> dict[str, Counter]:
    """user key -> how many codings and memos the file attributes to them."""
    work: dict[str, Counter] = defaultdict(Counter)
    for document in plan.documents:
        for coding in document.codings:
            work[coding.user_guid or plan.default_user]["coding"] += 1
    for memo in plan.memos:
        work[memo.user_guid or plan.default_user]["memo"] += 1
    return work


def _map_users(session, plan: ImportPlan, user_map: dict[str, str], *, fresh: bool,
               lead: str | None) -> dict[str, int]:
    """user key -> coder id, by the user's explicit ``--as FILE_USER=CODER`` mapping.

    Into an existing project nothing is matched by name: a user in the file called "ana" need
    not be this project's ana, and a file must not be able to write the consensus coding. So
    every user with work in the file needs a mapping, and a mapping onto the consensus coding
    needs a lead (``--lead``). Users the file lists without any work are left out. A new
    project made from the file (``--into``, or a project with no coders yet) takes its users as
    they are, with their roles; a mapping there only renames."""
    import shlex

    from cotag.store.coders import consensus_coder, get_coder, get_or_create_coder, require_lead
    from cotag.store.models import CONSENSUS_CODER, ROLE_CODER

    names = {user.name for user in plan.users.values()}
    unknown = [old for old in user_map if old not in names]
    if unknown:
        raise RefiError(f"{plan.report.file}: --as names no user of the file: {', '.join(map(repr, unknown))} "
                        f"(its users: {', '.join(map(repr, sorted(names))) or 'none'})")
    work = _work_by_user(plan)
    coder_ids: dict[str, int] = {}
    if fresh:
        for key, user in plan.users.items():
            name = user_map.get(user.name, user.name)
            role = "consensus" if name == CONSENSUS_CODER else (ROLE_CODER if user.role == "consensus" else user.role)
            coder_ids[key] = get_or_create_coder(session, name=name, role=role).id
        return coder_ids
    needed: dict[str, list[str]] = defaultdict(list)  # file user name -> keys
    for key, user in plan.users.items():
        if work.get(key):
            needed[user.name].append(key)
        elif user.name not in user_map:
            plan.report.warnings.append(f"user {user.name!r} has no codings or memos in the file: not made a coder")
    missing = [name for name in needed if name not in user_map]
    if missing:
        lines = []
        for name in missing:
            done = Counter()
            for key in needed[name]:
                done.update(work[key])
            what = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(done.items()))
            here = get_coder(session, name=name)
            lines.append(f"  {name!r} ({what}): " + (f"this project has a {here.role} of that name; the file's "
                                                      f"user need not be them" if here is not None
                                                      else "no coder of that name here"))
        example = " ".join("--as " + shlex.quote(f"{name}={name}") for name in missing[:3])
        raise RefiError(f"{plan.report.file}: say which coder of this project each user of the file is; nothing was "
                        f"imported. Users needing a mapping:\n" + "\n".join(lines) +
                        f"\nPass --as FILE_USER=CODER once for each (repeatable), e.g. {example}. CODER is an "
                        f"existing coder (the work becomes theirs) or a new name (a new coder). Mapping onto "
                        f"{CONSENSUS_CODER!r} writes the consensus coding and needs --lead NAME.")
    for name, keys in needed.items():
        target = user_map[name].strip()
        if target == CONSENSUS_CODER:
            if not lead:
                raise RefiError(f"{plan.report.file}: --as {name}={CONSENSUS_CODER} writes the consensus coding, "
                                f"which only a lead may do: pass --lead NAME (or map {name!r} to another coder)")
            require_lead(session, name=lead)
            coder_id = consensus_coder(session).id
        else:
            coder = get_coder(session, name=target) if target else None
            coder_id = (coder or get_or_create_coder(session, name=target, role=ROLE_CODER)).id
        for key in keys:
            coder_ids[key] = coder_id
    return coder_ids


def apply_plan(project, plan: ImportPlan, *, user_map: dict[str, str] | None = None, fresh: bool = False,
               lead: str | None = None) -> ImportReport:
    """Write the plan in one transaction; any failure rolls everything back.

    The project's YAML codebook is changed only once the transaction has committed
    (:class:`cotag.refi.qdc.CodebookJournal`)."""
    from cotag.refi.qdc import journalled_session

    report = plan.report
    report.project = str(project.root)
    imported = Counter()
    with journalled_session(project) as (session, journal):
        _write_plan(session, project, plan, report, imported, journal, user_map or {}, fresh, lead)
    return report


def _write_plan(session, project, plan: ImportPlan, report: ImportReport, imported: Counter, journal,
                user_map: dict[str, str], fresh: bool, lead: str | None) -> None:
    from cotag.corpus.importer import content_hash, count_words
    from cotag.refi.identity import record_identity
    from cotag.refi.qdc import merge_codes
    from cotag.store import documents as doc_store
    from cotag.store.codings import add_codings
    from cotag.store.events import log_event
    from cotag.store.memos import add_memo
    from cotag.store.refi_loads import has_coders, live_coding_keys, memo_keys

    # A project without coders yet has nobody the file's users could be mistaken for: it takes them
    # as a new project made with --into does.
    fresh = fresh or not has_coders(session)
    fresh_coders = fresh
    coder_ids = _map_users(session, plan, user_map, fresh=fresh, lead=lead)
    imported["coders"] = len({v for v in coder_ids.values()})

    merge = merge_codes(session, plan.codes, update=False)
    report.warnings.extend(merge.warnings)
    imported["codes_added"] = len(merge.added)
    imported["codes_matched"] = len(merge.matched)

    known_hashes = doc_store.documents_by_hash(session)
    new_docs: list[PlannedDocument] = []
    new_by_hash: dict[str, PlannedDocument] = {}
    targets: dict[str, int] = {}  # source guid_key -> document id
    aliases: dict[str, str] = {}  # source guid_key -> guid_key of a new source with the same text
    reused: list[str] = []
    for document in plan.documents:
        digest = content_hash(document.text)
        existing = doc_store.get_document(session, external_id=document.name)
        if existing is not None and existing.content_hash == digest:
            targets[guid_key(document.guid)] = existing.id
            reused.append(document.name)
            continue
        twin = new_by_hash.get(digest)
        if twin is not None or digest in known_hashes:
            if twin is not None:
                aliases[guid_key(document.guid)] = guid_key(twin.guid)
                other_name = twin.name
            else:
                other = doc_store.get_document(session, external_id=known_hashes[digest])
                targets[guid_key(document.guid)] = other.id
                other_name = other.external_id
            report.warnings.append(f"source {document.name!r} has the same text as document {other_name!r}: "
                                   f"its codings go there")
            reused.append(document.name)
            continue
        if existing is not None:
            base, n = document.name, 2
            while doc_store.get_document(session, external_id=f"{base}-{n}") is not None:
                n += 1
            report.warnings.append(f"document {base!r} exists with a different text: this source is imported "
                                   f"as {f'{base}-{n}'!r}")
            document.name = f"{base}-{n}"
        new_by_hash[digest] = document
        new_docs.append(document)
    for document, units in zip(new_docs, _units_for(new_docs)):
        values = {"external_id": document.name, "group": document.group, "text": document.text,
                  "attributes": document.attributes, "content_hash": content_hash(document.text),
                  "source_path": document.source_path, "format": "qdpx", "words": count_words(document.text)}
        row = doc_store.add_document(session, values=values, units=units)
        targets[guid_key(document.guid)] = row.id
        imported["units"] += len(units)
    for alias, twin in aliases.items():
        targets[alias] = targets[twin]
    imported["documents_added"] = len(new_docs)
    imported["documents_reused"] = len(reused)

    rows: dict[tuple, dict[str, Any]] = {}
    duplicates = 0
    for document in plan.documents:
        document_id = targets[guid_key(document.guid)]
        for coding in document.codings:
            code = merge.by_guid[guid_key(coding.code_guid)]
            coder_id = coder_ids[coding.user_guid or plan.default_user]
            key = (document_id, code.id, coder_id, coding.start, coding.end)
            if key in rows:
                duplicates += 1
                if coding.memo and coding.memo not in rows[key]["memo"]:
                    rows[key]["memo"] = (rows[key]["memo"] + "\n\n" + coding.memo).strip()
                continue
            row = {"document_id": document_id, "code_id": code.id, "coder_id": coder_id, "start": coding.start,
                   "end": coding.end, "memo": coding.memo}
            if coding.created_at is not None:
                row["created_at"] = coding.created_at
            rows[key] = row
    reused_ids = {targets[guid_key(d.guid)] for d in plan.documents} - {targets[guid_key(d.guid)] for d in new_docs}
    existing_keys = live_coding_keys(session, document_ids=reused_ids)
    fresh = [row for key, row in rows.items() if key not in existing_keys]
    add_codings(session, rows=fresh)
    imported["codings"] = len(fresh)
    imported["codings_already_present"] = len(rows) - len(fresh)
    if duplicates:
        report.warnings.append(f"{duplicates} coding(s) repeated in the file (same span, code and coder) "
                               f"imported once")

    # Memos already here (same coder, document, code, title and text) are not added again, so importing the
    # same file twice, or a file exported from this project, adds no memo twice. Counted: two equal memos in
    # the file and one here adds one.
    identity: dict[str, dict[int, str | None]] = {
        "documents": {targets[guid_key(d.guid)]: d.guid for d in new_docs},
        "codes": {merge.by_guid[guid_key(c.guid)].id: c.guid for c in plan.codes
                  if not c.synthetic and guid_key(c.guid) in merge.by_guid},
        # A user mapped onto an existing coder (or several users onto one) does not rename that coder's GUID.
        "coders": {coder_id: plan.users[key].guid for key, coder_id in coder_ids.items()
                   if key in plan.users and fresh_coders and list(coder_ids.values()).count(coder_id) == 1},
        "memos": {}}
    held_memos = memo_keys(session)
    imported["memos"] = 0
    for memo in plan.memos:
        coder_id = coder_ids[memo.user_guid or plan.default_user]
        document_id = targets.get(guid_key(memo.document_guid)) if memo.document_guid else None
        code_id = merge.by_guid[guid_key(memo.code_guid)].id if memo.code_guid else None
        key = (coder_id, document_id, code_id, memo.title, memo.text)
        if held_memos[key] > 0:
            held_memos[key] -= 1
            imported["memos_already_present"] += 1
            continue
        row = add_memo(session, coder_id=coder_id, title=memo.title, text=memo.text, document_id=document_id,
                       code_id=code_id, created_at=memo.created_at, updated_at=memo.updated_at)
        imported["memos"] += 1
        if memo.guid:
            identity["memos"][row.id] = memo.guid

    record_identity(session, file=report.file, guids=identity,
                    document_created={targets[guid_key(d.guid)]: d.created_at for d in new_docs})
    report.codebook_file = journal.stage(project, session, merge.added, title=plan.codebook_title,
                                         version=plan.codebook_version)
    if report.codebook_file is None and merge.added:
        report.warnings.append("the project names no codebook file ([codebook] path in cotag.toml): the new "
                               "codes are in the database only")
    report.imported = dict(imported)
    log_event(session, kind="import.qdpx", payload={"file": report.file, "origin": report.origin,
                                                    "offsets": report.offsets.get("reading"), **report.imported,
                                                    **journal.payload})


_BUILDING = ".cotag-import-"


def _clear_abandoned_builds(into: Path) -> None:
    """Remove the temporary folders of earlier ``--into`` imports of ``into`` that were killed.

    They hold a copy of someone's interviews: they should not linger. A folder whose import
    is still running (its process is alive) is left alone."""
    from cotag.refi.qdc import _alive

    prefix = f".{into.name}{_BUILDING}"
    try:
        siblings = list(into.parent.iterdir())
    except OSError:
        return
    for folder in siblings:
        if not folder.name.startswith(prefix) or not folder.is_dir() or folder.is_symlink():
            continue
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def import_qdpx(path: Path | str, *, project=None, into: Path | str | None = None,
                offsets: str | None = None, sources: Path | str | None = None,
                user_map: dict[str, str] | None = None, lead: str | None = None) -> ImportReport:
    """Import into ``project``, or into a new project created at ``into``; all or nothing.

    ``sources`` is a folder from which texts the file names outside itself may be read.
    ``user_map`` maps the file's user names to this project's coders (required for every user
    with work when importing into an existing project; see :func:`_map_users`); ``lead`` is the
    lead allowing a mapping onto the consensus coding.

    A new project is built in a temporary folder beside ``into`` and renamed into place when it
    is complete, so an import that is killed leaves nothing at ``into`` and can simply be run again."""
    import tempfile

    from cotag.project import CONFIG_NAME, init_project

    package = open_package(path, sources=sources)
    try:
        plan = plan_import(package, offsets=offsets)
    finally:
        package.close()
    del package  # the XML tree is no longer needed: free it before sentence splitting
    if into is None:
        if project is None:
            raise RefiError("no project to import into (run inside a project, pass --project, or use --into DIR)")
        return apply_plan(project, plan, user_map=user_map, lead=lead)
    into = Path(into).absolute()
    if (into / CONFIG_NAME).exists():
        raise RefiError(f"{into} is already a cotag project; import into it without --into")
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise RefiError(f"{into}: exists and is not an empty folder; --into needs a new or empty folder")
    name = plan.report.project_name or Path(path).stem
    try:
        into.parent.mkdir(parents=True, exist_ok=True)
        _clear_abandoned_builds(into)
        building = Path(tempfile.mkdtemp(prefix=f".{into.name}{_BUILDING}{os.getpid()}-", dir=into.parent))
    except OSError as exc:  # a folder that cannot be made (read-only place, missing drive): say so
        raise RefiError(f"{into}: cannot create the project: {exc.strerror or exc}") from None
    try:
        try:
            new_project = init_project(building, codebook="codebook.yaml", name=name)
        except OSError as exc:
            raise RefiError(f"{into}: cannot create the project: {exc.strerror}") from None
        try:
            report = apply_plan(new_project, plan, user_map=user_map, fresh=True, lead=lead)
        finally:
            new_project.close()
        crash_point("into-built")
        try:
            os.replace(building, into)  # onto a missing or empty folder (POSIX rename replaces an empty one)
        except OSError:
            try:
                into.rmdir()
                os.replace(building, into)
            except OSError as exc:
                raise RefiError(f"{into}: cannot move the new project into place: {exc.strerror or exc}") from None
    except BaseException:
        # Nothing half-imported: the project made for this import goes with it.
        shutil.rmtree(building, ignore_errors=True)
        raise
    report.project = str(into)
    if report.codebook_file:
        report.codebook_file = report.codebook_file.replace(str(building), str(into))
    return report
