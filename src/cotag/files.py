"""Writing a file so that readers only ever see the old whole file or the new whole file, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _mode_for(path: Path) -> int:
    """The mode the finished file should have: the existing file's (a codebook shared 0644 with a team stays
    0644), or what an ordinary new file gets under the user's umask. Never mkstemp's owner-only 0600, which
    would otherwise outlive the rename and lock teammates out of a shared file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def replace_atomically(path: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Let `write` fill a temporary file beside `path`, flush it to disk, and rename it over `path`.

    For writers that need a file name of their own (openpyxl, python-docx, zipfile); on any failure the
    temporary file is removed and `path` is untouched. OSError propagates: callers name the file in their
    own error type.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    temp = Path(temp_name)
    try:
        mode = _mode_for(path)
        write(temp)
        with open(temp, "rb+") as handle:  # the rename must not reach the disk before the data does
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomically(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace `path` with `data` (text is written as UTF-8 with \\n line ends) in one rename."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    def write(temp: Path) -> None:
        temp.write_bytes(raw)

    replace_atomically(path, write)
