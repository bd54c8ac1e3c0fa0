"""The reconcile screen: a lead rules on each disagreement between two coders.

The comparison is read in a worker; each ruling goes through the app's writer
(one transaction, in the order the keys were pressed) and comes back as a
message. The screen moves on to the next open disagreement at once, as the lead
expects, and marks the one on its way to the database until it is committed.
"""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from cotag import reconcile
from cotag.reconcile_workspace import Workspace
from cotag.services import reconcile as reconcile_service
from cotag.errors import CotagError
from cotag.keys import RECONCILE
from cotag.privacy.pseudonyms import Layered, Pseudonymiser
from cotag.tui.bindings import bindings_for
from cotag.tui.modals.prompt import TextPrompt
from cotag.tui.modals.ruling import RulingEditor
from cotag.tui.writer import WriteFailed
from cotag.tui.base import CotagScreen


class ReconcileScreen(CotagScreen[None]):
    """Disagreements on the left; both readings, the passage and the code's rules on the right."""

    BINDINGS = bindings_for(RECONCILE)
    KEY_CONTEXTS = (RECONCILE,)  # what help (?) lists first and the palette offers

    class Loaded(Message):
        def __init__(self, workspace: Workspace | None, error: str | None, focus_id: str | None) -> None:
            super().__init__()
            self.workspace, self.error, self.focus_id = workspace, error, focus_id

    class Ruled(Message):
        """A ruling is committed; the workspace holds its document compared afresh."""

        def __init__(self, disagreement_id: str) -> None:
            super().__init__()
            self.disagreement_id = disagreement_id

    class ExampleAdded(Message):
        """A ruling became an include or exclude example of its code (codebook file and project)."""

        def __init__(self, result: dict) -> None:
            super().__init__()
            self.result = result

    def __init__(self, *, coders: list[str] | None = None, documents: list[str] | None = None) -> None:
        super().__init__()
        self.coders = coders
        self.documents = documents
        self.workspace: Workspace | None = None
        self.items: list[reconcile.Disagreement] = []  # as listed; the workspace may be newer (writer thread)
        self.note = ""
        self.message = ""
        # Rulings sent to the writer and not yet back, oldest first: (disagreement id, note given with it).
        self.in_flight: list[tuple[str, str]] = []
        self._codebook_seen = 0
        # Documents read through the pseudonym layer while the app's pseudonymised view (ctrl+x) is on.
        self._layered: dict[int, Layered] = {}

    @property
    def lead(self) -> str:
        return self.app.coding_session.actor

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="rc-progress", classes="screen-header")
        with Horizontal(id="rc-body"):
            yield OptionList(id="rc-list")
            # The two readings first: on an 80x24 terminal they are what must be in view; the
            # passage in context and the code's definition follow.
            with VerticalScroll(id="rc-detail"):
                with Horizontal(id="rc-sides"):
                    yield Static("", id="rc-a", classes="rc-side")
                    yield Static("", id="rc-b", classes="rc-side")
                yield Static("", id="rc-context")
                yield Static("", id="rc-definition")
        yield Static("", id="rc-status", classes="screen-status")
        # Compact, without the palette hint: the footer's keys fit 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._codebook_seen = self.app.codebook_edits
        self._load(None)

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="reconcile-load", exit_on_error=False)
    def _load(self, focus_id: str | None) -> None:
        """Compare the coders (again); the screen shows the disagreements, on focus_id if given."""
        try:
            workspace = reconcile_service.open_workspace(self.app.project, lead=self.lead, coders=self.coders,
                                                         documents=self.documents)
        except CotagError as exc:
            self.post_message(self.Loaded(None, str(exc), focus_id))
            return
        self.post_message(self.Loaded(workspace, None, focus_id))

    def on_reconcile_screen_loaded(self, message: Loaded) -> None:
        if message.workspace is None:
            self._failed(message.error or "")
            return
        self.workspace = message.workspace
        self._list(message.focus_id)

    def on_screen_resume(self) -> None:
        # A merge, split or recode changes what the coders disagree on: compare afresh, stay on the same one.
        if self.app.codebook_edits != self._codebook_seen:
            self._codebook_seen = self.app.codebook_edits
            self._load(self.current.id if self.current is not None else None)

    # ------------------------------------------------------------ showing

    @property
    def loaded(self) -> Workspace:
        """The workspace, once the worker has read it: every caller runs after on_..._loaded set it."""
        assert self.workspace is not None, "the reconcile workspace is used before it was loaded"
        return self.workspace

    def _list(self, focus_id: str | None) -> None:
        """List the workspace's disagreements; highlight focus_id, else the first open one, else the first."""
        self.items = list(self.loaded.disagreements)
        options = self.query_one("#rc-list", OptionList)
        options.clear_options()
        options.add_options([Option(self._label(d), id=d.id) for d in self.items])
        if not self.items:
            for side in ("#rc-a", "#rc-b", "#rc-definition"):
                self.query_one(side, Static).update("")
            self.query_one("#rc-context", Static).update("No disagreements between these coders: nothing to rule on.")
            self._show_progress()
            return
        index = self._index_of(focus_id)
        if index is None:
            index = self._next_open(0, step=1, include_current=True)
        options.highlighted = index
        options.focus()
        self._show(self.items[index])

    def _label(self, d: reconcile.Disagreement) -> Text:
        mark = "…" if self._pending(d) else "✓" if d.status == reconcile.DECIDED else "•"
        # Units numbered from 1 here as everywhere people read them (Unit.index is 0-based).
        units = f"u{d.first_unit + 1}" + (f"–{d.last_unit + 1}" if d.last_unit != d.first_unit else "")
        ruling = f" [{d.ruling}]" if d.ruling else ""
        return Text(f"{mark} {d.document} {d.code} {units}{ruling}", no_wrap=True, overflow="ellipsis")

    def _pending(self, d: reconcile.Disagreement) -> bool:
        return any(pending == d.id for pending, _ in self.in_flight)

    def _index_of(self, disagreement_id: str | None) -> int | None:
        return next((i for i, d in enumerate(self.items) if d.id == disagreement_id), None)

    @property
    def current(self) -> reconcile.Disagreement | None:
        index = self.query_one("#rc-list", OptionList).highlighted
        if index is None or not (0 <= index < len(self.items)):
            return None
        return self.items[index]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.items):
            self._show(self.items[event.option_index])

    def show_pseudonyms(self, pseudonyms: Pseudonymiser | None) -> None:
        """The app's pseudonymised view went on or off: the disagreement on show is drawn again through it."""
        self._layered = {}
        if self.workspace is not None and self.current is not None:
            self._show(self.current)

    def _layer_of(self, document_id: int) -> Layered | None:
        """The document's pseudonymised reading (once per document), or None while the view is off."""
        pseudonyms = self.app.pseudonymiser
        if pseudonyms is None:
            return None
        if document_id not in self._layered:
            self._layered[document_id] = pseudonyms.apply(self.loaded.texts.get(document_id, ""))
        return self._layered[document_id]

    def _show(self, d: reconcile.Disagreement) -> None:
        workspace = self.loaded
        layered = self._layer_of(d.document_id)
        if layered is None:
            before, region, after = workspace.context(d)
        else:
            # The same context, cut from the pseudonymised text around the words the disagreement covers.
            start, end = layered.map_span(d.start, d.end)
            before, region, after = workspace.context(replace(d, start=start, end=end), text=layered.text)
        context = Text()
        units = f"unit {d.first_unit + 1}" if d.first_unit == d.last_unit else \
            f"units {d.first_unit + 1}–{d.last_unit + 1}"
        context.append(f"{d.document} · {d.code} · {units}\n", style="bold")
        context.append(before, style="dim")
        context.append(region, style="reverse")
        context.append(after, style="dim")
        self.query_one("#rc-context", Static).update(context)
        text = workspace.texts.get(d.document_id, "")
        for side, name, spans in (("#rc-a", d.coders[0], d.a), ("#rc-b", d.coders[1], d.b)):
            body = Text()
            body.append(f"{'A' if side == '#rc-a' else 'B'}: {name}\n", style="bold")
            if not spans:
                body.append("(did not apply this code here)", style="italic dim")
            for span in spans:
                # The words the coder coded, as a quotation: the lead rules on what was said, not offsets.
                quoted = layered.span(span.start, span.end) if layered is not None else text[span.start:span.end]
                body.append("“" + " ".join(quoted.split()) + "”\n")
                if span.memo:
                    body.append(f"memo: {self._shown(span.memo)}\n", style="italic")
            # The coder's own memos on this code or this document, written apart from any coding.
            for memo in workspace.memos_for(d, name):
                if not body.plain.endswith("\n"):  # after "(did not apply ...)": a memo starts on its own line
                    body.append("\n")
                on = f"on {memo.code}" if memo.code else "on these words" if memo.start is not None \
                    else f"on {memo.document}"
                body.append(f"memo {on}" + (f" “{memo.title}”" if memo.title else "") + ": ", style="bold italic")
                body.append(" ".join(self._shown(memo.text).split())[:300] + "\n", style="italic")
            self.query_one(side, Static).update(body)
        code = workspace.codes.get(d.code, {})
        definition = Text()
        definition.append(f"{code.get('name', d.code)} ({d.code})\n", style="bold")
        definition.append((code.get("description") or "(no definition)") + "\n")
        for label, rules in (("include", code.get("include", [])), ("exclude", code.get("exclude", []))):
            for rule in rules:
                definition.append(f"{label}: ", style="bold green" if label == "include" else "bold red")
                definition.append(rule + "\n")
        self.query_one("#rc-definition", Static).update(definition)
        if self._pending(d):
            status = "saving the ruling…"
        elif d.status == reconcile.DECIDED:
            status = f"ruled: keep {d.ruling} by {d.lead}" + (f" — {d.note}" if d.note else "")
        else:
            status = "open"
        self._show_progress(status)

    def _shown(self, value: str) -> str:
        pseudonyms = self.app.pseudonymiser
        return pseudonyms(value) if pseudonyms is not None else value

    def _show_progress(self, status: str = "") -> None:
        workspace = self.workspace
        header = Text(no_wrap=True, overflow="ellipsis")
        if workspace is not None:
            progress = workspace.progress()
            current = self.current
            per_doc = ""
            if current is not None:
                row = next((r for r in progress["documents"] if r["document"] == current.document), None)
                if row:
                    per_doc = f" · {current.document} {row['decided']}/{row['disagreements']}"
            header.append(f"{self.lead} reconciling {' vs '.join(workspace.coders)} · ruled {progress['decided']}/"
                          f"{progress['disagreements']}{per_doc}")
        self.query_one("#rc-progress", Static).update(header)
        line = status + (f" · note for next ruling: {self.note}" if self.note else "")
        if self.message:
            line = f"{self.message} · {line}"
        self.query_one("#rc-status", Static).update(Text(line, no_wrap=True, overflow="ellipsis"))

    def _failed(self, message: str) -> None:
        self.message = message
        self.query_one("#rc-status", Static).update(Text(message, style="bold red"))
        self.notify(escape(message), severity="error", timeout=6)

    # ------------------------------------------------------------ rulings (ids from cotag.keys.KEYMAP)

    def action_keep_a(self) -> None:
        self._rule("a")

    def action_keep_b(self) -> None:
        self._rule("b")

    def action_keep_both(self) -> None:
        self._rule("both")

    def action_keep_none(self) -> None:
        self._rule("none")

    def action_edit_ruling(self) -> None:
        d = self.current
        if d is None:
            return

        def chosen(value: tuple[tuple[int, int], str] | None) -> None:
            if value is not None:
                span, code = value
                self._rule("edit", span=span, code=code)

        # Words selected as on the coding screen, starting from coder A's reading (or B's).
        reading = next(iter(d.a or d.b), None)
        self.app.push_screen(RulingEditor(
            text=self.loaded.texts.get(d.document_id, ""), region=(d.start, d.end),
            start=(reading.start, reading.end) if reading is not None else None, code=d.code,
            codebook=self.app.codebook, title=f"Edit the ruling on {d.code} in {d.document}"), chosen)

    def action_note(self) -> None:
        def chosen(value: str | None) -> None:
            if value is not None:
                self.note = value
                self._show_progress()

        self.app.push_screen(TextPrompt("A note for the next ruling", "enter keep it · esc cancel", self.note), chosen)

    def _rule(self, ruling: str, *, span: tuple[int, int] | None = None, code: str | None = None) -> None:
        d, workspace = self.current, self.workspace
        if d is None or workspace is None or self._pending(d):
            return
        project, lead, note = self.app.project, self.lead, self.note
        coders = list(workspace.coders)

        def job() -> None:
            try:
                reconcile_service.rule(project, disagreement_id=d.id, ruling=ruling, lead=lead, note=note,
                                       coders=coders, documents=[d.document], span=span, code=code,
                                       fingerprint=d.fingerprint)
            finally:
                # Refused or not, the document is compared again: a refusal often means a coder changed it.
                reconcile_service.refresh_document(project, workspace, d.document)

        self.in_flight.append((d.id, note))
        self.note = ""
        self.message = ""
        self.app.writer.submit(job, target=self, reply=lambda _: self.Ruled(d.id))
        options = self.query_one("#rc-list", OptionList)
        index = self._index_of(d.id)
        if index is None:  # the list was reloaded meanwhile; the reply redraws it
            return
        options.replace_option_prompt_at_index(index, self._label(d))
        # Straight on to the next open disagreement, the natural rhythm of reconciling.
        following = self._next_open(index, step=1, include_current=False)
        if following != index:
            options.highlighted = following
        else:
            self._show(d)

    def on_reconcile_screen_ruled(self, message: Ruled) -> None:
        self._landed(message.disagreement_id)

    def on_write_failed(self, message: WriteFailed) -> None:
        message.stop()
        failed, note = self._landed(None)
        self.note = note or self.note  # the note was for the ruling that did not happen
        if failed is not None and self._index_of(failed) is not None:
            self.query_one("#rc-list", OptionList).highlighted = self._index_of(failed)
        self._failed(message.error)

    def _landed(self, disagreement_id: str | None) -> tuple[str | None, str]:
        """The oldest ruling in flight is back: show the workspace as it now is, on the same disagreement."""
        landed, note = self.in_flight.pop(0) if self.in_flight else (disagreement_id, "")
        current = self.current
        self._list(current.id if current is not None else None)
        return landed, note

    def _next_open(self, start: int, *, step: int, include_current: bool) -> int:
        items = self.items
        for offset in range(0 if include_current else 1, len(items) + 1):
            index = (start + step * offset) % len(items)
            if items[index].status == reconcile.OPEN and not self._pending(items[index]):
                return index
        return start

    def action_next_open(self) -> None:
        self._move_open(1)

    def action_previous_open(self) -> None:
        self._move_open(-1)

    def _move_open(self, step: int) -> None:
        if not self.items:
            return
        options = self.query_one("#rc-list", OptionList)
        options.highlighted = self._next_open(options.highlighted or 0, step=step, include_current=False)

    # ------------------------------------------------------------ the lead's other views

    def action_reconcile_log(self) -> None:
        from cotag.tui.screens.log import LogScreen

        self.app.push_screen(LogScreen())

    def action_agreed(self) -> None:
        from cotag.tui.screens.agreed import AgreedScreen

        if self.workspace is None:
            return
        # The agreed spans of the document being reconciled: the review that goes with the rulings there.
        current = self.current
        documents = [current.document] if current is not None else self.documents
        self.app.push_screen(AgreedScreen(coders=list(self.workspace.coders), documents=documents))

    def action_reconcile_codebook(self) -> None:
        self.app.action_codebook_edit()

    # ------------------------------------------------------------ rulings teach the codebook

    def action_include_example(self) -> None:
        self._example("include")

    def action_exclude_example(self) -> None:
        self._example("exclude")

    def _example(self, kind: str) -> None:
        """The current ruling's passage becomes an example of its code (services.codebook), via the writer."""
        from cotag.services.codebook import example_from_ruling

        d, workspace = self.current, self.workspace
        if d is None or workspace is None:
            return
        if d.status != reconcile.DECIDED or self._pending(d):
            self._failed(f"rule on {d.document} {d.code} first: only a ruling becomes an example")
            return
        project, lead, coders, ruling = self.app.project, self.lead, list(workspace.coders), d.id

        def job() -> dict:
            return example_from_ruling(project, ruling=ruling, kind=kind, lead=lead, coders=coders)

        self.app.writer.submit(job, target=self, reply=self.ExampleAdded)

    def on_reconcile_screen_example_added(self, message: ExampleAdded) -> None:
        result = message.result
        if self.workspace is not None:
            code = self.workspace.codes.setdefault(result["code"], {})
            code[result["kind"]] = [*code.get(result["kind"], []), result["text"]]
        self.message = f"{result['kind']} example of {result['code']} saved (codebook version {result['version']})"
        current = self.current
        if current is not None:
            self._show(current)
        self.app.check_codebook(quiet=True)
