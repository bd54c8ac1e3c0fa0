"""The coding app and make_app, the one factory the CLI, the tests and the snapshot tests use."""

from __future__ import annotations

import asyncio
import gc
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.message import Message

from cotag.coding import CodingSession
from cotag.coding_views import CoderInfo
from cotag.services import coding
from cotag.keys import APP
from cotag.privacy.pseudonyms import Pseudonymiser
from cotag.search import CorpusIndex
from cotag.tui.bindings import bindings_for
from cotag.tui.codebook import Codebook
from cotag.tui.commands import CotagCommands
from cotag.tui.writer import WriteFailed, Writer

if TYPE_CHECKING:  # imported where used: the transcript screen pulls in the coding widgets
    from cotag.suggest.live import LiveSuggester
    from cotag.tui.screens.transcript import TranscriptScreen

INDEX_PREFETCH_DELAY = 1.5  # seconds after start
# Collect garbage less often while the app runs (restored when it stops): see on_mount.
GC_THRESHOLD = (20_000, 20, 100)
# How often a running session looks for a codebook change made elsewhere (the lead on another machine,
# `cotag codebook load`): one small query of the code table, so ten coders on one server cost nothing.
CODEBOOK_POLL = 3.0  # seconds
LEAD_TOOLS = {"codebook_edit", "audit_log", "agreement", "revisions", "dashboard",
              "pseudonyms"}  # KEYMAP action ids only a lead may run


@dataclass(frozen=True)
class Reconcile:
    """The app opened on the reconcile screen (`cotag reconcile --lead NAME`): whose codings, which documents."""

    coders: list[str] | None = None
    documents: list[str] | None = None


class CodebookRead(Message):
    """The codebook as the database now has it; `quiet` when the change is this lead's own."""

    def __init__(self, codebook: Codebook, quiet: bool) -> None:
        super().__init__()
        self.codebook, self.quiet = codebook, quiet


class PseudonymsRead(Message):
    """The pseudonym layer read from pseudonyms.yaml for the pseudonymised view (None: none, or unreadable)."""

    def __init__(self, layer: Pseudonymiser | None, error: str = "", quiet: bool = False) -> None:
        super().__init__()
        self.layer, self.error, self.quiet = layer, error, quiet


class CotagApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "cotag"
    BINDINGS = bindings_for(APP)
    COMMANDS = App.COMMANDS | {CotagCommands}

    def __init__(self, project, *, session: CodingSession, document_id: int | None = None, unit: int | None = None,
                 resume: bool = True, reconcile: Reconcile | None = None) -> None:
        super().__init__()
        self.reconcile = reconcile
        # How many codebook changes this app has made (the codebook screen): a screen that depends on the
        # codes (the reconcile screen) compares its count when it comes back to the top.
        self.codebook_edits = 0
        self.project = project
        self.coding_session = session
        self.lead = session.lead
        self.codebook = Codebook.from_codes(coding.codebook(project, include_retired=True))
        self.writer = Writer(self)
        self.library_order: list[int] = []
        self.coder_names: dict[int, str] = {c.id: c.name for c in coding.coders(project)}
        self._start = (document_id, unit)
        if document_id is None and resume and reconcile is None:
            point = session.resume_point()
            if point is not None:
                self._start = point
        self._index: CorpusIndex | None = None
        self.suggester: LiveSuggester | None = None  # loaded once, when suggestions are first turned on
        self._transcript_screen: TranscriptScreen | None = None  # kept for reuse (see open_document)
        self._index_lock = threading.Lock()
        self._stopped = False
        # The pseudonym layer while the pseudonymised view (ctrl+x) is on; screens read it, None shows the text.
        self.pseudonymiser: Pseudonymiser | None = None
        self.sub_title = f"{session.actor}{' (lead)' if session.lead else ''}"

    def on_mount(self) -> None:
        from cotag.tui.screens.library import LibraryScreen

        # With the screens and the corpus index loaded, a full collection took 0.1-0.25 s, and opening
        # a 20,000-unit transcript allocates enough to start several: the open and the key presses
        # around it stalled. Objects alive now live as long as the app, so freeze them out of every
        # collection, and collect the young generations less often.
        self._gc_threshold = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        self.writer.start()
        self.push_screen(LibraryScreen())
        document_id, unit = self._start
        if self.reconcile is not None:
            from cotag.tui.screens.reconcile import ReconcileScreen

            self.push_screen(ReconcileScreen(coders=self.reconcile.coders, documents=self.reconcile.documents))
        elif document_id is not None:
            self.open_document(document_id, unit=unit)
        # The corpus index takes most of a second on the full corpus: build it once the first
        # screen is up, so the first search and the library's text filter answer at once.
        self.set_timer(INDEX_PREFETCH_DELAY, self._prefetch_index)
        self.set_interval(CODEBOOK_POLL, self.check_codebook)

    def _prefetch_index(self) -> None:
        self.run_worker(self.corpus_index, thread=True, name="corpus index", group="index", exit_on_error=False)

    def on_unmount(self) -> None:
        self.writer.stop()
        # Under the index's lock: an index built in a worker as the app stops must not freeze again after this.
        with self._index_lock:
            self._stopped = True
            if getattr(self, "_gc_threshold", None) is not None:  # mounted: put the collector back as it was
                gc.set_threshold(*self._gc_threshold)
                gc.unfreeze()

    # ------------------------------------------------------------ shared services for the screens

    def open_document(self, document_id: int, *, unit: int | None = None) -> None:
        from cotag.tui.screens.transcript import TranscriptScreen

        if isinstance(self.screen, TranscriptScreen):
            self.screen.load(document_id, unit=unit)
            return
        # One transcript screen is kept (installed) and reused: back to the library and into the next
        # document then costs a database read and a paint, not building the whole screen again.
        cached = self._transcript_screen
        if cached is not None and cached not in self.screen_stack:
            cached.reopen()
            # Reading starts first: the worker is on its way while the screen is brought back.
            cached.load(document_id, unit=unit)
            self.push_screen(cached)
            return
        screen = TranscriptScreen(document_id, unit=unit)
        if cached is None:
            self._transcript_screen = screen
            self.install_screen(screen, name="transcript")
        self.push_screen(screen)

    def document_order(self) -> list[int]:
        """The library's order (as filtered there), for next and previous document."""
        from cotag.tui.screens.library import LibraryScreen

        for screen in self.screen_stack:
            if isinstance(screen, LibraryScreen) and screen.shown_rows:
                return [row.document_id for row in screen.shown_rows]
        return self.library_order

    def assignment_plan(self) -> dict[int, str]:
        """Document id -> "assigned" or "training" for this coder, as the library read it (empty: none given)."""
        from cotag.tui.screens.library import LibraryScreen

        for screen in self.screen_stack:
            if isinstance(screen, LibraryScreen):
                return screen.plan
        return {}

    def corpus_index(self) -> CorpusIndex:
        """Built once, on first search, in whichever worker thread asks first."""
        with self._index_lock:
            if self._index is None:
                from cotag.services.queries import corpus_index

                self._index = corpus_index(self.project)
                if not self._stopped:
                    gc.freeze()  # the index lives as long as the app: out of every collection from now on
            return self._index

    def other_coders(self, document_id: int) -> list[CoderInfo]:
        """Every coder but this one, with their codings in the document (a query: call it from a worker)."""
        owner = self.coding_session.owner_id
        return [c for c in coding.coders(self.project, document_id=document_id) if c.id != owner]

    def on_write_failed(self, message: WriteFailed) -> None:
        self.notify(message.error, severity="error", timeout=6)

    # ------------------------------------------------------------ memos (on a passage, a document, a code; the journal)

    def on_memo_found(self, message) -> None:
        from cotag.tui.memos import edit_found

        edit_found(self, message)

    def on_memo_saved(self, message) -> None:
        from rich.markup import escape

        from cotag.tui.screens.journal import JournalScreen

        if message.view is not None:
            self.notify(escape(f"✎ memo saved on {message.view.about}"), timeout=3)
        for screen in self.screen_stack:
            if isinstance(screen, JournalScreen):
                screen.reload()
            elif hasattr(screen, "memos_changed"):  # the transcript marks a selection that has a passage memo
                screen.memos_changed()

    # ------------------------------------------------------------ a lead's codebook changes, made elsewhere

    def check_codebook(self, *, quiet: bool = False) -> None:
        """Read the codebook again (in a worker); if a lead changed it, show the new one without a restart.

        Runs every CODEBOOK_POLL seconds and after a refused write (a code retired a moment ago is then
        gone from the panel before the coder tries it twice). The coding itself never relies on this:
        CodingSession.apply checks the code's status in the database in the same transaction.
        """
        self._read_codebook(quiet)

    @work(thread=True, group="codebook-poll", exclusive=True, exit_on_error=False)
    def _read_codebook(self, quiet: bool) -> None:
        self.post_message(CodebookRead(Codebook.from_codes(coding.codebook(self.project, include_retired=True)), quiet))

    def on_codebook_read(self, message: CodebookRead) -> None:
        if message.codebook.entries == self.codebook.entries:
            return
        if message.quiet:
            self.show_codebook(message.codebook)  # the lead's own change: no note needed
        else:
            self.codebook_changed(message.codebook)

    def codebook_edited(self) -> None:
        """The codebook screen changed the codebook: every panel, picker and shortcut follows at once."""
        self.codebook_edits += 1
        self.check_codebook(quiet=True)

    def show_codebook(self, fresh: Codebook) -> None:
        """Put `fresh` in every panel and reload the open transcript (a merge or recode moves codings)."""
        from cotag.tui.screens.transcript import TranscriptScreen
        from cotag.tui.widgets.codebook_panel import CodebookPanel
        from cotag.tui.widgets.transcript_view import TranscriptView

        self.codebook = fresh
        for screen in self.screen_stack:
            for panel in screen.query(CodebookPanel):
                panel.set_codebook(fresh)
            for view in screen.query(TranscriptView):
                view.set_codebook(fresh)
            if isinstance(screen, TranscriptScreen) and screen.transcript is not None:
                screen.load(screen.document_id, unit=screen.query_one(TranscriptView).cursor)

    def codebook_changed(self, fresh: Codebook) -> None:
        """Someone else changed the codebook: show it, and say what changed."""
        old = self.codebook
        self.show_codebook(fresh)
        added = [e.name for e in fresh.active if e.key not in old.by_key]
        gone = [e.name for e in old.active if e.key in fresh.by_key and not fresh.by_key[e.key].active]
        renamed = [f"{e.name} → {fresh.by_key[e.key].name}" for e in old.entries
                   if e.key in fresh.by_key and fresh.by_key[e.key].name != e.name]
        parts = [f"{label}: {', '.join(names)}" for label, names in
                 (("new", added), ("no longer applicable", gone), ("renamed", renamed)) if names]
        self.notify("; ".join(parts) or "codes reordered or redefined", title="The codebook changed", timeout=8)

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
                self.open_asking(hit.document_id, unit=hit.unit)

        self.push_screen(SearchModal(), chosen)

    def open_asking(self, document_id: int, *, unit: int | None = None) -> None:
        """Open a document; one the coder was not given (when they were given some) only once they say yes, as
        the library and the next-document keys do: a search hit must not start codings there unasked."""
        plan = self.assignment_plan()
        if not plan or document_id in plan:
            self.open_document(document_id, unit=unit)
            return
        from cotag.tui.modals.confirm import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                self.open_document(document_id, unit=unit)

        self.push_screen(Confirm("That document is not one of your assigned documents. Code it anyway?"), answered)

    def action_help(self) -> None:
        from cotag.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "KEY_CONTEXTS", None)))

    def action_back(self) -> None:  # type: ignore[override]  # synchronous: callers here rely on the pops being queued at once
        from cotag.tui.screens.library import LibraryScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, LibraryScreen):
            self.pop_screen()

    def action_library_filter(self) -> None:
        from cotag.tui.screens.library import LibraryScreen

        self.action_back()
        if isinstance(self.screen, LibraryScreen):
            self.screen.action_library_filter()

    def on_key(self, event: events.Key) -> None:
        # A code's shortcut is applied here, where the key bindings run, so in the order the keys were
        # typed: after `c` or `m` the next keys are the dialog's. On the screen, a fast "c", "a" coded the
        # selection with `a`'s code before the picker was up.
        from cotag.tui.screens.transcript import TranscriptScreen

        if isinstance(self.screen, TranscriptScreen):
            self.screen.shortcut(event)

    def action_switch_panel(self) -> None:
        self.screen.focus_next()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The lead's tools are off for a coder: only a lead changes the codebook, and the log would unblind coding.
        if action in LEAD_TOOLS:
            return self.lead
        return True

    def action_codebook_edit(self) -> None:
        from cotag.tui.screens.codebook_edit import CodebookScreen

        if not isinstance(self.screen, CodebookScreen):
            self.push_screen(CodebookScreen())

    def action_audit_log(self) -> None:
        from cotag.tui.screens.log import LogScreen

        if not isinstance(self.screen, LogScreen):
            self.push_screen(LogScreen())

    def action_agreement(self) -> None:
        from cotag.tui.screens.agreement import AgreementScreen

        if not isinstance(self.screen, AgreementScreen):
            self.push_screen(AgreementScreen())

    def action_revisions(self) -> None:
        from cotag.tui.screens.revisions import RevisionsScreen

        if not isinstance(self.screen, RevisionsScreen):
            self.push_screen(RevisionsScreen())

    def action_dashboard(self) -> None:
        from cotag.tui.screens.dashboard import DashboardScreen

        if not isinstance(self.screen, DashboardScreen):
            self.push_screen(DashboardScreen())

    def action_pseudonyms(self) -> None:
        from cotag.tui.screens.pseudonyms import PseudonymScreen

        if not isinstance(self.screen, PseudonymScreen):
            self.push_screen(PseudonymScreen())

    # ------------------------------------------------------------ the pseudonymised view

    def action_pseudonymised_view(self) -> None:
        if self.pseudonymiser is not None:
            self.pseudonymiser = None
            self._show_pseudonyms()
            self.notify("Text as stored.", timeout=2)
        else:
            self._read_pseudonyms(False)

    def pseudonyms_edited(self) -> None:
        """The pseudonym screen changed the table: a pseudonymised view shows the new pseudonyms at once."""
        if self.pseudonymiser is not None:
            self._read_pseudonyms(True)

    @work(thread=True, group="pseudonyms-read", exclusive=True, exit_on_error=False)
    def _read_pseudonyms(self, quiet: bool) -> None:
        from cotag.privacy.pseudonyms import load_table

        try:
            self.post_message(PseudonymsRead(load_table(self.project).pseudonymiser(), quiet=quiet))
        except Exception as exc:  # noqa: BLE001 - a broken pseudonyms.yaml is said, the view stays as it was
            self.post_message(PseudonymsRead(None, error=str(exc), quiet=quiet))

    def on_pseudonyms_read(self, message: PseudonymsRead) -> None:
        if message.error:
            self.notify(message.error, severity="error", timeout=6)
            return
        if not message.layer:
            self.pseudonymiser = None
            self._show_pseudonyms()
            self.notify("No pseudonyms yet: the lead proposes and accepts them on the pseudonym screen (ctrl+k) "
                        "or with `cotag pseudonyms suggest`.", severity="warning", timeout=6)
            return
        self.pseudonymiser = message.layer
        self._show_pseudonyms()
        if not message.quiet:
            self.notify(f"Pseudonymised view: {len(message.layer.entries)} pseudonyms; coding still lands on "
                        f"the stored words.", timeout=4)

    def _show_pseudonyms(self) -> None:
        for screen in self.screen_stack:
            show = getattr(screen, "show_pseudonyms", None)
            if show is not None:
                show(self.pseudonymiser)

    async def action_analysis(self) -> None:
        from cotag.tui.screens.analysis import AnalysisScreen

        if isinstance(self.screen, AnalysisScreen):
            return
        # Codings still queued for the database would be missing from the figures.
        await self.writer.settle()
        self.push_screen(AnalysisScreen(self.project, viewer=self.coding_session.actor, lead=self.lead))

    def action_journal(self) -> None:
        from cotag.tui.screens.journal import JournalScreen

        if not isinstance(self.screen, JournalScreen):
            self.push_screen(JournalScreen())

    async def action_quit(self) -> None:
        # Nothing is lost by quitting at any moment, but a clean quit also saves the cursor.
        from cotag.tui.screens.transcript import TranscriptScreen

        for screen in self.screen_stack:
            if isinstance(screen, TranscriptScreen):
                screen.save_cursor_now()
        await self.writer.settle()
        self.exit()


def make_app(project, *, coder: str, lead: bool = False, document: str | None = None, unit: int | None = None,
             owner: str | None = None, resume: bool = True, reconcile: Reconcile | None = None) -> CotagApp:
    """The app for `coder` (created on first use), optionally opening `document` (external id) at `unit`.

    With `reconcile`, the lead `coder` starts on the reconcile screen (the library is one screen down).
    """
    from cotag.store.documents import require_document

    session = CodingSession(project, coder=coder, lead=lead, owner=owner)
    document_id = None
    if document is not None:
        with project.session() as db:
            document_id = require_document(db, external_id=document).id
    return CotagApp(project, session=session, document_id=document_id, unit=unit, resume=resume, reconcile=reconcile)
