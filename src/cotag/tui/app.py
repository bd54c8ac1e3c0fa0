"""The coding app and make_app, the one factory the CLI, the tests and the snapshot tests use."""

from __future__ import annotations

import asyncio
import threading

from textual.app import App

from cotag import coding
from cotag.coding import CoderInfo, CodingSession
from cotag.keys import APP
from cotag.search import CorpusIndex
from cotag.tui.bindings import bindings_for
from cotag.tui.codebook import Codebook
from cotag.tui.commands import CotagCommands
from cotag.tui.writer import WriteFailed, Writer

INDEX_PREFETCH_DELAY = 1.5  # seconds after start


class CotagApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "cotag"
    BINDINGS = bindings_for(APP)
    COMMANDS = App.COMMANDS | {CotagCommands}

    def __init__(self, project, *, session: CodingSession, document_id: int | None = None, unit: int | None = None,
                 resume: bool = True) -> None:
        super().__init__()
        self.project = project
        self.coding_session = session
        self.lead = session.lead
        self.codebook = Codebook.from_codes(coding.codebook(project, include_retired=True))
        self.writer = Writer(self)
        self.library_order: list[int] = []
        self.coder_names: dict[int, str] = {c.id: c.name for c in coding.coders(project)}
        self._start = (document_id, unit)
        if document_id is None and resume:
            point = session.resume_point()
            if point is not None:
                self._start = point
        self._index: CorpusIndex | None = None
        self._index_lock = threading.Lock()
        self.sub_title = f"{session.actor}{' (lead)' if session.lead else ''}"

    def on_mount(self) -> None:
        from cotag.tui.screens.library import LibraryScreen

        self.writer.start()
        self.push_screen(LibraryScreen())
        document_id, unit = self._start
        if document_id is not None:
            self.open_document(document_id, unit=unit)
        # The corpus index takes most of a second on the full corpus: build it once the first
        # screen is up, so the first search and the library's text filter answer at once.
        self.set_timer(INDEX_PREFETCH_DELAY, self._prefetch_index)

    def _prefetch_index(self) -> None:
        self.run_worker(self.corpus_index, thread=True, name="corpus index", group="index", exit_on_error=False)

    def on_unmount(self) -> None:
        self.writer.stop()

    # ------------------------------------------------------------ shared services for the screens

    def open_document(self, document_id: int, *, unit: int | None = None) -> None:
        from cotag.tui.screens.transcript import TranscriptScreen

        if isinstance(self.screen, TranscriptScreen):
            self.screen.load(document_id, unit=unit)
        else:
            self.push_screen(TranscriptScreen(document_id, unit=unit))

    def document_order(self) -> list[int]:
        """The library's order (as filtered there), for next and previous document."""
        from cotag.tui.screens.library import LibraryScreen

        for screen in self.screen_stack:
            if isinstance(screen, LibraryScreen) and screen.shown_rows:
                return [row.document_id for row in screen.shown_rows]
        return self.library_order

    def corpus_index(self) -> CorpusIndex:
        """Built once, on first search, in whichever worker thread asks first."""
        with self._index_lock:
            if self._index is None:
                self._index = CorpusIndex.build(self.project)
            return self._index

    def other_coders(self, document_id: int) -> list[CoderInfo]:
        owner = self.coding_session.owner_id
        found = coding.coders(self.project, document_id=document_id)
        self.coder_names.update({c.id: c.name for c in found})
        return [c for c in found if c.id != owner]

    def on_write_failed(self, message: WriteFailed) -> None:
        self.notify(message.error, severity="error", timeout=6)

    async def settle(self) -> None:
        """Wait for every queued write and running worker (tests and the benchmark)."""
        for _ in range(100):
            await self.writer.settle()
            busy = [w for w in self.workers if w.group != "writer" and not w.is_finished]
            if not busy and not self.writer.pending:
                return
            for worker in busy:
                try:
                    await worker.wait()
                except Exception:  # a cancelled or failed worker is settled too
                    pass
            await asyncio.sleep(0)

    # ------------------------------------------------------------ app-wide actions (ids from cotag.keys.KEYMAP)

    def action_search(self) -> None:
        from cotag.tui.modals.search import SearchModal

        def chosen(hit) -> None:
            if hit is not None:
                self.open_document(hit.document_id, unit=hit.unit)

        self.push_screen(SearchModal(), chosen)

    def action_help(self) -> None:
        from cotag.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_back(self) -> None:
        from cotag.tui.screens.library import LibraryScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, LibraryScreen):
            self.pop_screen()

    def action_library_filter(self) -> None:
        from cotag.tui.screens.library import LibraryScreen

        self.action_back()
        if isinstance(self.screen, LibraryScreen):
            self.screen.action_library_filter()

    def action_switch_panel(self) -> None:
        self.screen.focus_next()

    async def action_quit(self) -> None:
        # Nothing is lost by quitting at any moment, but a clean quit also saves the cursor.
        from cotag.tui.screens.transcript import TranscriptScreen

        for screen in self.screen_stack:
            if isinstance(screen, TranscriptScreen):
                screen.save_cursor_now()
        await self.writer.settle()
        self.exit()


def make_app(project, *, coder: str, lead: bool = False, document: str | None = None, unit: int | None = None,
             owner: str | None = None, resume: bool = True) -> CotagApp:
    """The coding app for `coder` (created on first use), optionally opening `document` (external id) at `unit`."""
    from cotag.store.documents import require_document

    session = CodingSession(project, coder=coder, lead=lead, owner=owner)
    document_id = None
    if document is not None:
        with project.session() as db:
            document_id = require_document(db, external_id=document).id
    return CotagApp(project, session=session, document_id=document_id, unit=unit, resume=resume)
