"""Database writes, in order, on one worker thread: the screen never waits for a commit, and none is reordered."""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

from textual.message import Message
from textual.message_pump import MessagePump

from cotag.errors import CotagError


class WriteFailed(Message):
    """A write was refused (a CotagError) or failed; nothing of it was committed."""

    def __init__(self, error: str, *, refused: bool) -> None:
        super().__init__()
        self.error = error
        self.refused = refused


_STOP = object()


class Writer:
    """A queue served by one Textual thread worker.

    Every job runs in its own transaction (the job opens it), in submission
    order: two quick key presses never commit out of order, and a slow
    PostgreSQL round trip never freezes the screen. A job's result is posted
    back as a message; the worker never touches a widget.
    """

    def __init__(self, app) -> None:
        self._app = app
        self._queue: queue.Queue = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        return self._pending

    def start(self) -> None:
        self._app.run_worker(self._serve, thread=True, name="database writer", group="writer", exit_on_error=False)

    def stop(self) -> None:
        self._queue.put(_STOP)

    def submit(self, job: Callable[[], Any], *, target: MessagePump,
               reply: Callable[[Any], Message | None] | None = None) -> Future:
        """Run job() on the writer thread; post reply(result) to target, or WriteFailed on error."""
        future: Future = Future()
        with self._lock:
            self._pending += 1
        self._queue.put((job, target, reply, future))
        return future

    async def settle(self) -> None:
        """Wait until every job submitted so far has committed (tests, the benchmark, quitting)."""
        await asyncio.wrap_future(self.submit(lambda: None, target=self._app))

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            job, target, reply, future = item
            try:
                result = job()
            except CotagError as exc:
                target.post_message(WriteFailed(str(exc), refused=True))
                future.set_result(None)
            except Exception as exc:  # the database went away, a constraint failed: tell the coder, keep going
                target.post_message(WriteFailed(f"{exc.__class__.__name__}: {exc}", refused=False))
                future.set_result(None)
            else:
                message = reply(result) if reply is not None else None
                if message is not None:
                    target.post_message(message)
                future.set_result(result)
            finally:
                with self._lock:
                    self._pending -= 1
