"""The real `cotag` process on a pseudo-terminal: `cotag demo` opens the app, and SIGKILL loses nothing committed."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from tui_helpers import live, settle

from cotag.tui.app import make_app
from cotag.tui.screens.transcript import TranscriptScreen
from cotag.tui.widgets.transcript_view import TranscriptView

COTAG = Path(sys.executable).with_name("cotag")
TIMEOUT = 60.0  # seconds; generous, the test machine is shared
ANSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


class Terminal:
    """`cotag code` on a pseudo-terminal of 100x30, as a coder runs it; output is drained so it never blocks."""

    def __init__(self, project_root: Path | None, *args: str) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
        env.pop("COTAG_DATABASE_URL", None)
        command = [str(COTAG), *(["--project", str(project_root), "code"] if project_root else []), *args]
        self.process = subprocess.Popen(command,
                                        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def text(self) -> str:
        """What was written, without the escape sequences (colours, cursor moves) between the words."""
        return ANSI.sub("", self.output.decode("utf-8", "replace"))

    def kill(self) -> int:
        os.kill(self.process.pid, signal.SIGKILL)
        code = self.process.wait(timeout=TIMEOUT)
        os.close(self.master)
        return code


def wait_for(condition, what: str, terminal: Terminal | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            # What the terminal showed last, and whether the program still runs: a timeout alone says nothing.
            seen = f"; exit code {terminal.process.poll()}; it showed: {terminal.text()[-1500:]!r}" if terminal else ""
            raise AssertionError(f"timed out waiting for {what}{seen}")
        time.sleep(0.05)


def test_the_readme_command_opens_the_app_on_the_demo_project(study):
    # `make demo` runs `cotag demo --dir demo-project`; on an existing project it opens it as it is
    # (building the real demo corpus would take a minute), as the lead coder "you".
    terminal = Terminal(None, "demo", "--dir", str(study.project.root))
    try:
        wait_for(lambda: "coder you" in terminal.text() and "G002" in terminal.text(), "the library",
                 terminal)
        assert "E001" in terminal.text() and "(lead)" in terminal.text()
        terminal.press("q")
        code = terminal.process.wait(timeout=TIMEOUT)
    finally:
        if terminal.process.poll() is None:
            terminal.kill()
    assert code == 0
    assert "demo project ready" in terminal.text()


def cursor_of(project, coder: str) -> tuple[str, int] | None:
    from sqlmodel import select

    from cotag.store.models import Coder, Document, Progress

    with project.session() as session:
        row = session.exec(select(Document.external_id, Progress.cursor)
                           .join(Progress, Progress.document_id == Document.id)
                           .join(Coder, Coder.id == Progress.coder_id).where(Coder.name == coder)).first()
        return tuple(row) if row else None


@pytest.mark.skipif(not COTAG.exists() or sys.platform == "win32", reason="needs the cotag script and a POSIX pty")
async def test_sigkill_right_after_a_coding_loses_nothing(study):
    root = study.project.root
    terminal = Terminal(root, "--coder", "alice", "--document", "E001")
    try:
        # The first visit starts on unit 1 (the first respondent unit); the first frame has its text.
        wait_for(lambda: "wages were too low" in terminal.text(), "the transcript on screen", terminal)
        terminal.press("j")
        time.sleep(0.2)
        terminal.press("1")
        # The moment the coding is in the database, with no pause for anything else: kill.
        wait_for(lambda: live(study.project), "the coding to be committed")
    finally:
        code = terminal.kill()
    assert code == -signal.SIGKILL

    u2 = study.units[2]
    assert live(study.project) == [("E001", "wages", "alice", u2.start, u2.end, "")]
    # The file is whole: the write-ahead log replays and the database checks clean.
    connection = sqlite3.connect(root / "cotag.db")
    try:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    # The unit coded is where the coder is taken back to.
    assert cursor_of(study.project, "alice") == ("E001", 2)
    again = make_app(study.project, coder="alice")
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, TranscriptScreen)
        assert again.screen.transcript.external_id == "E001"
        assert again.screen.query_one(TranscriptView).cursor == 2
        assert again.screen.query_one(TranscriptView).marks_at(2)
