"""The project's YAML codebook changed only after the database has committed the same codes: a journal
file beside it, put in place after the commit, or on the next start after a crash."""

from __future__ import annotations

from contextlib import contextmanager

from collections.abc import Iterable
from pathlib import Path

from cotag.refi.code_merge import update_project_codebook


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


