"""The transcript screen: read a document unit by unit, select, and apply codes from the keyboard."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TextArea

from cotag import spans
from cotag.coding import APPLY, Change
from cotag.coding_views import Transcript
from cotag.services import coding
from cotag.keys import CODER, LEAD, WORD_MODE
from cotag.tui.bindings import bindings_for
from cotag.tui.modals.code_picker import CodePicker
from cotag.tui.suggesting import Suggesting
from cotag.tui.transcript_memos import TranscriptMemos
from cotag.tui.transcript_overlay import LeadOverlay
from cotag.tui.widgets.codebook_panel import CodebookPanel, CodebookTree
from cotag.tui.widgets.suggestions import SuggestionHint
from cotag.tui.widgets.transcript_view import OVERLAY_OFF, TranscriptView
from cotag.tui.widgets.unit_codes import UnitCodes
from cotag.tui.writer import WriteFailed
from cotag.tui.text import clip_words
from cotag.tui.base import CotagScreen

CURSOR_SAVE_DELAY = 0.6  # seconds: save where the coder is once they pause, not on every key
WORD_ACTIONS = {"previous_word", "next_word", "extend_word_left", "extend_word_right"}
LEAD_ACTIONS = {"toggle_overlay", "choose_coder"}


class CodingsChanged(Message):
    """A committed change: this coder's codings in the document as they now are, and what to tell the coder."""

    def __init__(self, document_id: int, marks: list, note: str = "", done: bool | None = None) -> None:
        super().__init__()
        self.document_id = document_id
        self.marks = marks
        self.note = note
        self.done = done


class TranscriptScreen(Suggesting, LeadOverlay, TranscriptMemos, CotagScreen[None]):
    # Enter ("open") belongs to the library and the dialogs; here it would only shadow the code tree's Enter.
    BINDINGS = bindings_for(CODER, WORD_MODE, LEAD, exclude={"open"})
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    class Loaded(Message):
        def __init__(self, transcript: Transcript, unit: int | None, others: list, layered=None) -> None:
            super().__init__()
            self.transcript = transcript
            self.unit = unit
            self.others = others
            self.layered = layered  # the pseudonymised reading, while the app's pseudonymised view is on

    class Layered(Message):
        """The open document read through the pseudonym layer (None: show it as stored)."""

        def __init__(self, document_id: int, layered) -> None:
            super().__init__()
            self.document_id, self.layered = document_id, layered

    def __init__(self, document_id: int, *, unit: int | None = None) -> None:
        super().__init__()
        self.document_id = document_id
        self.start_unit = unit
        self.transcript: Transcript | None = None
        self.own: list = []
        self.others: list = []
        self.other_ids: list[int] = []
        self.overlay = OVERLAY_OFF
        self.note = ""
        self._save_timer: Timer | None = None
        self._saved_cursor: tuple[int, int] | None = None
        self._coded_cache: tuple[int, int] | None = None  # cleared whenever `own` or `transcript` changes
        self.passage_memos: list[tuple[int, int]] = []  # this coder's passage memos in the document

    # ------------------------------------------------------------ layout and loading

    def compose(self) -> ComposeResult:
        yield Static(id="doc-status")
        with Horizontal(id="transcript-body"):
            yield TranscriptView(id="transcript")
            with Vertical(id="side"):
                yield UnitCodes(id="unit-codes")
                yield SuggestionHint(id="suggestions")
                yield CodebookPanel(id="codebook")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#unit-codes").border_title = "On this selection"
        self.query_one("#codebook-tree").border_title = "Codebook"
        view = self.query_one(TranscriptView)
        view.set_codebook(self.app.codebook)
        view.empty_message = "Loading…"
        self.query_one(CodebookPanel).set_codebook(self.app.codebook)
        view.focus()
        self.suggestions_mount()
        self.load(self.document_id, unit=self.start_unit)

    def reopen(self) -> None:
        """Before this (kept) screen is shown again for another document: nothing stale on screen or to act on."""
        self.transcript = None
        self.own = []
        self._coded_cache = None
        self.others = []
        self.note = ""
        self._saved_cursor = None
        if self.app.codebook is not getattr(self.query_one(CodebookPanel), "codebook", None):
            # The codebook changed while the screen was off the stack (refreshes walk the stack only).
            self.query_one(TranscriptView).set_codebook(self.app.codebook)
            self.query_one(CodebookPanel).set_codebook(self.app.codebook)
        view = self.query_one(TranscriptView)
        view.clear()
        view.focus()
        self._refresh_side()

    def load(self, document_id: int, *, unit: int | None = None) -> None:
        """Open a document here (also for next/previous document and search jumps)."""
        self.save_cursor_now()
        if document_id != self.document_id:
            self.note = ""  # "✓ marked done", "applied …" were about the last document, not this one
            # Until the new one is in, keys must not act on the document being left: a fast "]", "2"
            # coded the old document's selection, out of sight.
            self.transcript = None
        self.document_id = document_id
        self._load(document_id, unit, list(self.other_ids) if self.overlay != OVERLAY_OFF else [])

    @work(thread=True, exclusive=True, group="transcript-load")
    def _load(self, document_id: int, unit: int | None, other_ids: list[int]) -> None:
        session = self.app.coding_session
        transcript = coding.open_transcript(self.app.project, document_id=document_id, coder_ids=[session.owner_id],
                                            progress_coder_id=session.owner_id)
        others = session.marks(document_id=document_id, coder_ids=other_ids) if other_ids else []
        pseudonyms = self.app.pseudonymiser
        self.post_message(self.Loaded(transcript, unit, others,
                                      pseudonyms.apply(transcript.text) if pseudonyms is not None else None))

    def on_transcript_screen_loaded(self, message: Loaded) -> None:
        if message.transcript.document_id != self.document_id:
            return
        self.transcript = message.transcript
        self.own = list(message.transcript.marks)
        self._coded_cache = None
        self.others = message.others
        view = self.query_one(TranscriptView)
        cursor = message.unit
        if cursor is None:
            cursor = message.transcript.cursor
            if not message.transcript.visited:
                # First visit: start where the coding starts, at the first respondent unit.
                cursor = spans.next_uncoded(message.transcript.units, [], after=-1) or 0
        view.show(message.transcript, cursor=cursor)
        view.set_marks(self.own, self.others)
        if message.layered is not None and self.app.pseudonymiser is not None:
            view.set_layer(message.layered, self.app.pseudonymiser)
        # Saved already only if the database has the coder here. A jump to a unit (search, agreement
        # screen) lands elsewhere: save it like any move, or reopening would not come back to it.
        stored = message.transcript.visited and view.cursor == message.transcript.cursor
        jumped = message.unit is not None and not stored
        self._saved_cursor = None if jumped else (self.document_id, view.cursor)
        self.app.sub_title = message.transcript.external_id
        self.passage_memos = []
        self.memos_changed()
        self._refresh_side()
        self.suggestions_document_loaded()

    # ------------------------------------------------------------ the pseudonymised view (ctrl+x, the app's)

    def show_pseudonyms(self, pseudonyms) -> None:
        """The app's pseudonymised view went on or off, or the table changed: read the document through it."""
        if self.transcript is None:
            return  # the load on its way reads the app's layer itself
        if pseudonyms is None:
            self.query_one(TranscriptView).set_layer(None)
            self._refresh_side()
            return
        self._apply_layer(self.transcript.document_id, self.transcript.text, pseudonyms)

    @work(thread=True, exclusive=True, group="transcript-layer")
    def _apply_layer(self, document_id: int, text: str, pseudonyms) -> None:
        self.post_message(self.Layered(document_id, pseudonyms.apply(text)))

    def on_transcript_screen_layered(self, message: Layered) -> None:
        if self.transcript is None or message.document_id != self.transcript.document_id:
            return
        if self.app.pseudonymiser is None:
            return  # switched off again while this was computed
        self.query_one(TranscriptView).set_layer(message.layered, self.app.pseudonymiser)
        self._refresh_side()

    # ------------------------------------------------------------ status and side panel

    def _refresh_side(self) -> None:
        view = self.query_one(TranscriptView)
        selection = view.selection
        own: list = []
        others: list = []
        if selection is not None and self.transcript is not None:
            own = [m for m in self.own if m.start < selection.end and m.end > selection.start]
            if self.overlay != OVERLAY_OFF:
                others = [m for m in self.others if m.start < selection.end and m.end > selection.start]
        text = self.transcript.text if self.transcript else ""
        layer = view.pseudonym_layer
        self.query_one(UnitCodes).show(self.app.codebook, text, own, others, self.app.coder_names,
                                       shown=layer.span if layer is not None else None,
                                       memo=self.app.pseudonymiser if layer is not None else None)
        self._refresh_status()

    def _refresh_status(self) -> None:
        status = self.query_one("#doc-status", Static)
        transcript = self.transcript
        if transcript is None:
            status.update(Text(" loading…", style="dim"), layout=False)
            return
        view = self.query_one(TranscriptView)
        left = Text(no_wrap=True, overflow="ellipsis")
        left.append(f" {transcript.external_id}", style="bold")
        if transcript.group:
            left.append(f" · {transcript.group}")
        attributes = transcript.attributes
        pseudonyms = self.app.pseudonymiser if view.pseudonym_layer is not None else None
        if pseudonyms is not None:
            attributes = pseudonyms.attributes(attributes)
        values = [str(v) for k, v in attributes.items() if v not in (None, "") and k != "synthetic"]
        right = Text(no_wrap=True, justify="right")
        if self.note:
            right.append(self.note + "  ", style="italic")
        if view.pseudonym_layer is not None:
            right.append(" PSEUDONYMS ", style="bold reverse")
            right.append(" ")
        if view.word_mode:
            right.append(" WORDS ", style="bold reverse")
            right.append(" ")
        if self.overlay != OVERLAY_OFF:
            names = sorted({self.app.coder_names.get(m.coder_id, "?") for m in self.others})
            right.append(f" {self.overlay}: {', '.join(names) or 'no codings'} ", style="reverse")
            right.append(" ")
        selection = view.selection
        if selection is not None and self.passage_memos:
            notes = sum(1 for start, end in self.passage_memos if start < selection.end and end > selection.start)
            if notes:
                right.append(f"✎{notes} ", style="bold")
        coded, codable = self._coded_count()
        right.append(f"{view.cursor + 1}/{len(transcript.units)}", style="bold")
        right.append(f" · {coded}/{codable} coded")
        if transcript.done:
            right.append(" · ✓ done", style="bold")
        right.append(" ")
        if values:
            # Cut between words where the line runs out ('private sector…', not 'Nur-Sult…').
            room = status.size.width - right.cell_len - left.cell_len - 3
            shown = clip_words(", ".join(values), room) if status.size.width and room > 0 else ", ".join(values)
            left.append(" · " + shown, style="dim")
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True)
        grid.add_column(no_wrap=True, justify="right")
        grid.add_row(left, right)
        # One line, always: no layout pass for it on every key press.
        status.update(grid, layout=False)

    def _coded_count(self) -> tuple[int, int]:
        """(respondent units this coder covered, respondent units), counted again only when codings change.

        The status line is redrawn on every key press; on a 20,000-unit transcript a
        recount each time would cost more than the rest of the key press.
        """
        if self._coded_cache is None and self.transcript is not None:
            codable = [u for u in self.transcript.units if not u.is_interviewer]
            covered = spans.covered_units(codable, [(m.start, m.end) for m in self.own])
            self._coded_cache = (len(covered), len(codable))
        return self._coded_cache or (0, 0)

    def on_transcript_view_selection_changed(self, message: TranscriptView.SelectionChanged) -> None:
        self._refresh_side()
        self.refresh_ghosts()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(CURSOR_SAVE_DELAY, self.save_cursor_now)

    def save_cursor_now(self) -> None:
        """Queue a save of the cursor unless it is already saved (leaving, quitting, after a pause)."""
        views = self.query(TranscriptView)
        # A pending timer can fire while the screen is being taken down, its view already gone: nothing to save
        # then (leaving and quitting saved the cursor before that).
        if self.transcript is None or not self.is_mounted or not views:
            return
        where = (self.transcript.document_id, views.first().cursor)
        if where == self._saved_cursor:
            return
        self._saved_cursor = where
        session = self.app.coding_session
        self.app.writer.submit(lambda: session.save_cursor(document_id=where[0], unit=where[1]), target=self)

    def on_screen_suspend(self) -> None:
        self.save_cursor_now()

    # ------------------------------------------------------------ applying codes

    def shortcut(self, event: events.Key) -> None:
        """Apply the code whose shortcut this key is (the app calls it, in key order: see CotagApp.on_key)."""
        # Code shortcuts come from the codebook, not from KEYMAP: the codebook check
        # guarantees they never collide with a reserved key.
        if event.character is None or isinstance(self.focused, (Input, TextArea)):
            return
        entry = self.app.codebook.by_shortcut.get(event.character)
        if entry is not None:
            event.stop()
            event.prevent_default()
            self.apply_code(entry.key)

    def apply_code(self, key: str) -> None:
        """Toggle the code on the selection: applied if absent, removed if this exact coding exists."""
        view = self.query_one(TranscriptView)
        selection = view.selection
        if self.transcript is None or selection is None:
            return
        session, document_id = self.app.coding_session, self.transcript.document_id
        # Where the coder just coded is where a killed session resumes: the cursor is saved in
        # the coding's own transaction, not after the pause. (`_saved_cursor` is left alone: if the
        # coding is refused, nothing was saved, and the save after the pause must still happen.)
        cursor = view.cursor

        def job():
            change = session.toggle(document_id=document_id, code=key, start=selection.start, end=selection.end,
                                    cursor=cursor)
            return change, session.marks(document_id=document_id)

        self.app.writer.submit(job, target=self, reply=lambda result: CodingsChanged(
            document_id, result[1], ("✓ applied " if result[0].kind == APPLY else "✗ removed ") + key))

    def on_codebook_tree_code_chosen(self, event: CodebookTree.CodeChosen) -> None:
        self.apply_code(event.entry.key)

    def on_codings_changed(self, message: CodingsChanged) -> None:
        if self.transcript is None or message.document_id != self.transcript.document_id:
            return
        self.own = list(message.marks)
        self._coded_cache = None
        if message.done is not None:
            self.transcript.done = message.done
        self.note = message.note
        self.query_one(TranscriptView).set_marks(self.own, self.others)
        self._refresh_side()
        self.refresh_ghosts()

    def on_write_failed(self, message: WriteFailed) -> None:
        # Handled here: without stop() the message bubbles on to the app, which would say it all again.
        message.stop()
        self.app.notify(message.error, title="not saved" if not message.refused else "refused",
                        severity="error" if not message.refused else "warning", timeout=6)
        if message.refused:
            # Often the code was retired or merged by the lead a moment ago: show the current codebook now.
            self.app.check_codebook()

    def _submit_change(self, job, verb: str, empty: str = "no change") -> None:
        if self.transcript is None:
            return
        session, document_id = self.app.coding_session, self.transcript.document_id

        def run():
            change: Change | None = job()
            return change, session.marks(document_id=document_id)

        def reply(result):
            change = result[0]
            note = f"{verb} {change.describe()}".strip() if change else empty
            if change and change.document_id != document_id:
                note += f" in {change.document}"  # undo and redo reach back into other documents
            return CodingsChanged(document_id, result[1], note)

        self.app.writer.submit(run, target=self, reply=reply)

    def _own_on_selection(self) -> list:
        view = self.query_one(TranscriptView)
        selection = view.selection
        if selection is None:
            return []
        return [m for m in self.own if m.start < selection.end and m.end > selection.start]

    def _choose_coding(self, title: str, then) -> None:
        """One of this coder's codings on the selection: the only one, the one picked, or the exact-span one."""
        marks = self._own_on_selection()
        if not marks:
            self.app.notify("None of your codes is on this selection.", severity="warning", timeout=3)
            return
        selection = self.query_one(TranscriptView).selection
        if len(marks) == 1:
            then(marks[0])
            return
        by_key: dict[str, object] = {}
        for mark in marks:
            entry = self.app.codebook.by_id.get(mark.code_id)
            key = entry.key if entry else str(mark.code_id)
            exact = mark.start == selection.start and mark.end == selection.end
            if key not in by_key or exact:
                by_key[key] = mark

        def chosen(key: str | None) -> None:
            if key is not None and key in by_key:
                then(by_key[key])

        self.app.push_screen(CodePicker(self.app.codebook, title=title, keys=list(by_key)), chosen)

    # ------------------------------------------------------------ actions (ids from cotag.keys.KEYMAP)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WORD_ACTIONS:
            return self.query_one(TranscriptView).word_mode
        if action in LEAD_ACTIONS:
            return self.app.lead
        return True

    def action_next_unit(self) -> None:
        self.query_one(TranscriptView).move(1)

    def action_previous_unit(self) -> None:
        self.query_one(TranscriptView).move(-1)

    def action_extend_down(self) -> None:
        self.query_one(TranscriptView).move(1, extend=True)

    def action_extend_up(self) -> None:
        self.query_one(TranscriptView).move(-1, extend=True)

    def action_page_down(self) -> None:
        self.query_one(TranscriptView).page(1)

    def action_page_up(self) -> None:
        self.query_one(TranscriptView).page(-1)

    def action_top(self) -> None:
        self.query_one(TranscriptView).go_to(0)

    def action_bottom(self) -> None:
        view = self.query_one(TranscriptView)
        view.go_to(len(view.units) - 1)

    def action_next_uncoded(self) -> None:
        view = self.query_one(TranscriptView)
        position = spans.next_uncoded(view.units, [(m.start, m.end) for m in self.own], after=view.cursor)
        if position is None:
            self.app.notify("Every respondent unit in this document has one of your codes.", timeout=3)
        else:
            view.go_to(position)

    def action_word_mode(self) -> None:
        view = self.query_one(TranscriptView)
        view.toggle_word_mode()
        self.refresh_bindings()

    def action_previous_word(self) -> None:
        self.query_one(TranscriptView).move_word(-1)

    def action_next_word(self) -> None:
        self.query_one(TranscriptView).move_word(1)

    def action_extend_word_left(self) -> None:
        self.query_one(TranscriptView).move_word(-1, extend=True)

    def action_extend_word_right(self) -> None:
        self.query_one(TranscriptView).move_word(1, extend=True)

    def action_clear_selection(self) -> None:
        self.query_one(TranscriptView).clear_selection()
        self.refresh_bindings()

    def action_code_picker(self) -> None:
        selection = self.query_one(TranscriptView).selected_text

        def chosen(key: str | None) -> None:
            if key is not None:
                self.apply_code(key)

        excerpt = " ".join(selection.split())
        self.app.push_screen(CodePicker(self.app.codebook, subtitle=f"“{excerpt[:70]}{'…' if len(excerpt) > 70 else ''}”"),
                             chosen)

    def action_remove_code(self) -> None:
        session = self.app.coding_session
        self._choose_coding("Remove which code?",
                            lambda mark: self._submit_change(lambda: session.remove(coding_id=mark.id), "✗"))

    def action_undo(self) -> None:
        self._submit_change(self.app.coding_session.undo, "undid:", "nothing to undo")

    def action_redo(self) -> None:
        self._submit_change(self.app.coding_session.redo, "redid:", "nothing to redo")

    def action_document_done(self) -> None:
        if self.transcript is None:
            return
        session, document_id, done = self.app.coding_session, self.transcript.document_id, not self.transcript.done
        # Flipped now, not when the commit comes back (a reply would undo a later press): a quick
        # second press reopens, as it says.
        self.transcript.done = done

        def job():
            session.mark_done(document_id=document_id, done=done)
            return session.marks(document_id=document_id)

        self.app.writer.submit(job, target=self, reply=lambda marks: CodingsChanged(
            document_id, marks, "✓ marked done" if done else "reopened"))

    def action_next_document(self) -> None:
        self._step_document(1)

    def action_previous_document(self) -> None:
        self._step_document(-1)

    def _step_document(self, step: int) -> None:
        order = self.app.document_order()
        if self.document_id not in order:
            # Reached by a search or the agreement screen, outside the library's filter: step in the whole library.
            order = self.app.library_order
        if self.document_id not in order:
            return
        position = order.index(self.document_id) + step
        if not 0 <= position < len(order):
            self.app.notify("No more documents that way.", timeout=2)
            return
        target = order[position]
        plan = self.app.assignment_plan()
        if not plan or target in plan:
            self.load(target)
            return
        # As the library does: a document the coder was not given (when they were given some) only once they say yes.
        from cotag.tui.modals.confirm import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                self.load(target)

        self.app.push_screen(Confirm("The next document is not one of your assigned documents. Code it anyway?"
                                     if step > 0 else
                                     "The previous document is not one of your assigned documents. Code it anyway?"),
                             answered)
