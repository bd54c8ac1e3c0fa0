"""A REFI-QDA project file as read: a .qdpx archive or a bare .qde with its folder, within limits.

:class:`Package` unpacks the project XML and finds the source and note texts it names, refusing any
file outside the project file unless the user names a folder (``--sources``); every read counts
against the ``MAX_*`` limits below, measured while unpacking (a zip's own table can lie).
"""

from __future__ import annotations

import lzma
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from cotag.refi import (
    RefiError,
    local_name,
    parse_xml,
)

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
                    path = self.folder / folder / leaf
                    data = self._read_confined(path, self.folder, ref)
                    if data is not None:
                        return data, str(path), internal
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


