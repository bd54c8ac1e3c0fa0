"""The reconcile screen: a lead rules on each disagreement between two coders, and reads the audit log."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from cotag import reconcile
from cotag.errors import CotagError

# Key -> (action, footer label, binding id). Ids make keys remappable and let the docs test find them.
RECONCILE_KEYS = [
    ("a", "keep('a')", "keep A", "reconcile.keep_a"),
    ("b", "keep('b')", "keep B", "reconcile.keep_b"),
    ("2", "keep('both')", "both", "reconcile.keep_both"),
    ("0", "keep('none')", "neither", "reconcile.keep_none"),
    ("e", "edit", "edit", "reconcile.edit"),
    ("n", "note", "note", "reconcile.note"),
    ("right_square_bracket", "next_open", "next open", "reconcile.next_open"),
    ("left_square_bracket", "previous_open", "prev open", "reconcile.previous_open"),
    ("L", "log", "log", "reconcile.log"),
    ("C", "codebook", "codebook", "reconcile.codebook"),
    ("A", "agreed", "agreed", "reconcile.agreed"),
    ("q", "app.quit", "quit", "reconcile.quit"),
]

SCREEN_CSS = """
#rc-progress { height: 1; padding: 0 1; background: $boost; }
#rc-body { height: 1fr; }
#rc-list { width: 30%; min-width: 31; max-width: 44; }
#rc-detail { width: 1fr; padding: 0 1; }
#rc-context { margin-bottom: 1; }
#rc-sides { height: auto; margin-bottom: 1; }
.rc-side { width: 1fr; border: round $primary-lighten-2; padding: 0 1; height: auto; }
#rc-definition { border: round $secondary; padding: 0 1; height: auto; }
#rc-status { height: 1; padding: 0 1; }
"""


class ReconcileInput(ModalScreen[str | None]):
    """One line of input (a note, or an edit's span and code); None when cancelled."""

    DEFAULT_CSS = """
    ReconcileInput { align: center middle; }
    ReconcileInput > Vertical { width: 70; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel", id="reconcile.input_cancel")]

    def __init__(self, title: str, hint: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.hint, self.value = title, hint, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.value, id="rc-input")
            yield Label(self.hint)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_edit(text: str) -> tuple[tuple[int, int] | None, str | None]:
    """'120:188 wages', '120:188' or 'wages' -> (span, code key)."""
    span, code = None, None
    for token in text.split():
        if ":" in token:
            span = reconcile.parse_span(token)
        else:
            code = token
    if span is None and code is None:
        raise CotagError("give a span START:END, a code key, or both")
    return span, code


class ReconcileScreen(Screen[None]):
    """Disagreements on the left; the passage, both readings and the code's rules on the right."""

    DEFAULT_CSS = SCREEN_CSS
    BINDINGS = [Binding(key, action, label, id=binding_id) for key, action, label, binding_id in RECONCILE_KEYS]

    def __init__(self, project, *, lead: str, coders: list[str] | None = None,
                 documents: list[str] | None = None) -> None:
        super().__init__()
        self.project = project
        self.lead = lead
        self.coders = coders
        self.documents = documents
        self.workspace: reconcile.Workspace | None = None
        self.note = ""
        self.busy = False
        self.message = ""
        self.codebook_changed = False

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="rc-progress")
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
        yield Static("", id="rc-status")
        yield Footer()

    def on_mount(self) -> None:
        self.run_worker(lambda: self._reload(None), thread=True, group="reconcile", exit_on_error=False)

    # ------------------------------------------------------------ loading and showing (workers never touch widgets)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.message = message
        self.query_one("#rc-status", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error", timeout=6)

    def _loaded(self, workspace: reconcile.Workspace, focus_id: str | None) -> None:
        self.workspace = workspace
        self.busy = False
        items = workspace.disagreements
        options = self.query_one("#rc-list", OptionList)
        options.clear_options()
        options.add_options([Option(self._label(d), id=d.id) for d in items])
        if not items:
            self.query_one("#rc-context", Static).update("No disagreements between these coders: nothing to rule on.")
            self._show_progress()
            return
        index = self._index_of(focus_id)
        if index is None:
            # Resume: the first disagreement not ruled on yet, else the first.
            index = next((i for i, d in enumerate(items) if d.status == reconcile.OPEN), 0)
        options.highlighted = index
        options.focus()
        self._show(items[index])

    def _label(self, d: reconcile.Disagreement) -> Text:
        mark = "✓" if d.status == reconcile.DECIDED else "•"
        ruling = f" [{d.ruling}]" if d.ruling else ""
        return Text(f"{mark} {d.document} {d.code} u{d.first_unit}" + (f"–{d.last_unit}" if d.last_unit != d.first_unit
                                                                       else "") + ruling)

    def _index_of(self, disagreement_id: str | None) -> int | None:
        if self.workspace is None or disagreement_id is None:
            return None
        return next((i for i, d in enumerate(self.workspace.disagreements) if d.id == disagreement_id), None)

    @property
    def current(self) -> reconcile.Disagreement | None:
        if self.workspace is None:
            return None
        index = self.query_one("#rc-list", OptionList).highlighted
        if index is None or not (0 <= index < len(self.workspace.disagreements)):
            return None
        return self.workspace.disagreements[index]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.workspace is not None and event.option_index < len(self.workspace.disagreements):
            self._show(self.workspace.disagreements[event.option_index])

    def _show(self, d: reconcile.Disagreement) -> None:
        workspace = self.workspace
        before, region, after = workspace.context(d)
        context = Text()
        context.append(f"{d.document} · {d.code} · units {d.first_unit}–{d.last_unit}\n", style="bold")
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
                body.append(f"{span.start}:{span.end} ", style="dim")
                body.append(" ".join(text[span.start:span.end].split()) + "\n")
                if span.memo:
                    body.append(f"memo: {span.memo}\n", style="italic")
            # The coder's own memos on this code or this document, written apart from any coding.
            for memo in workspace.memos_for(d, name):
                on = f"on {memo.code}" if memo.code else f"on {memo.document}"
                body.append(f"memo {on}" + (f" “{memo.title}”" if memo.title else "") + ": ", style="bold italic")
                body.append(" ".join(memo.text.split())[:300] + "\n", style="italic")
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
        status = f"ruled: keep {d.ruling} by {d.lead}" + (f" — {d.note}" if d.note else "") \
            if d.status == reconcile.DECIDED else "open"
        self._show_progress(status)

    def _show_progress(self, status: str = "") -> None:
        progress = self.workspace.progress() if self.workspace else {"decided": 0, "disagreements": 0}
        current = self.current
        per_doc = ""
        if current is not None:
            row = next((r for r in progress["documents"] if r["document"] == current.document), None)
            if row:
                per_doc = f" · {current.document} {row['decided']}/{row['disagreements']}"
        coders = " vs ".join(self.workspace.coders) if self.workspace else ""
        self.query_one("#rc-progress", Static).update(
            f"{escape(self.lead)} reconciling {escape(coders)} · ruled {progress['decided']}/"
            f"{progress['disagreements']}{per_doc}")
        line = status + (f" · note for next ruling: {self.note}" if self.note else "")
        if self.message:
            line = f"{self.message} · {line}"
        self.query_one("#rc-status", Static).update(line)

    # ------------------------------------------------------------ rulings

    def action_keep(self, ruling: str) -> None:
        self._rule(ruling)

    def action_edit(self) -> None:
        d = self.current
        if d is None:
            return

        def chosen(value: str | None) -> None:
            if not value:
                return
            try:
                span, code = parse_edit(value)
            except CotagError as exc:
                self._failed(str(exc))
                return
            self._rule("edit", span=span, code=code)

        self.app.push_screen(ReconcileInput(f"Edit the ruling on {d.code} in {d.document}",
                                            "START:END and/or a code key, e.g. '120:188 wages'; enter to rule, "
                                            "esc to cancel", f"{d.start}:{d.end} {d.code}"), chosen)

    def action_note(self) -> None:
        def chosen(value: str | None) -> None:
            if value is not None:
                self.note = value
                self._show_progress()

        self.app.push_screen(ReconcileInput("A note for the next ruling", "enter to keep it, esc to cancel",
                                            self.note), chosen)

    def _rule(self, ruling: str, *, span: tuple[int, int] | None = None, code: str | None = None) -> None:
        d = self.current
        if d is None or self.busy or self.workspace is None:
            return
        self.busy = True
        self.message = ""
        note, workspace = self.note, self.workspace

        def work() -> None:
            try:
                reconcile.rule(self.project, disagreement_id=d.id, ruling=ruling, lead=self.lead, note=note,
                               coders=list(workspace.coders), documents=[d.document], span=span, code=code,
                               fingerprint=d.fingerprint)
            except CotagError as exc:
                workspace.refresh_document(self.project, d.document)
                self.app.call_from_thread(self._after_rule, d.id, str(exc))
                return
            workspace.refresh_document(self.project, d.document)
            self.app.call_from_thread(self._after_rule, d.id, None)

        self.run_worker(work, thread=True, group="reconcile", exit_on_error=False)

    def _after_rule(self, disagreement_id: str, error: str | None) -> None:
        if error is None:
            self.note = ""
        options = self.query_one("#rc-list", OptionList)
        items = self.workspace.disagreements
        options.clear_options()
        options.add_options([Option(self._label(d), id=d.id) for d in items])
        self.busy = False
        if not items:
            self._loaded(self.workspace, None)
            return
        index = self._index_of(disagreement_id)
        if error is not None:
            self._failed(error)
        elif index is not None:
            # Straight on to the next open disagreement, the natural rhythm of reconciling.
            index = self._next_open(index, step=1, include_current=False) if self._any_open() else index
        options.highlighted = index if index is not None else 0
        self._show(items[options.highlighted])

    def _any_open(self) -> bool:
        return any(d.status == reconcile.OPEN for d in self.workspace.disagreements)

    def _next_open(self, start: int, *, step: int, include_current: bool) -> int:
        items = self.workspace.disagreements
        for offset in range(0 if include_current else 1, len(items) + 1):
            index = (start + step * offset) % len(items)
            if items[index].status == reconcile.OPEN:
                return index
        return start

    def action_next_open(self) -> None:
        self._move_open(1)

    def action_previous_open(self) -> None:
        self._move_open(-1)

    def _move_open(self, step: int) -> None:
        if self.workspace is None or not self.workspace.disagreements:
            return
        options = self.query_one("#rc-list", OptionList)
        options.highlighted = self._next_open(options.highlighted or 0, step=step, include_current=False)

    def action_log(self) -> None:
        self.app.push_screen(LogScreen(self.project))

    def action_agreed(self) -> None:
        if self.workspace is None:
            return
        # The agreed spans of the document being reconciled: the review that goes with the rulings there.
        current = self.current
        documents = [current.document] if current is not None else self.documents
        self.app.push_screen(AgreedScreen(self.project, coders=list(self.workspace.coders), documents=documents))

    def action_codebook(self) -> None:
        from cotag.tui.screens.codebook_edit import CodebookScreen

        def changed() -> None:
            self.codebook_changed = True

        self.app.push_screen(CodebookScreen(self.project, lead=self.lead, on_change=changed))

    def on_screen_resume(self) -> None:
        # A merge, split or recode changes what the coders disagree on: compare afresh, stay on the same one.
        if self.codebook_changed and not self.busy:
            self.codebook_changed = False
            self.busy = True
            focus = self.current.id if self.current is not None else None
            self.run_worker(lambda: self._reload(focus), thread=True, group="reconcile", exit_on_error=False)

    def _reload(self, focus_id: str | None) -> None:
        """Compare the coders (again) in a worker; then show the disagreements, on focus_id if given."""
        try:
            workspace = reconcile.open_workspace(self.project, lead=self.lead, coders=self.coders,
                                                 documents=self.documents)
        except CotagError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._loaded, workspace, focus_id)


class TableScreen(Screen[None]):
    """A read-only table loaded in a worker: the lead's log and agreed-span review share this shape.

    A subclass names its title, table id and columns, reads its rows in `fetch` (worker thread)
    and turns them into table rows and a header line in `show` (app thread).
    """

    DEFAULT_CSS = SCREEN_CSS
    TITLE_TEXT = ""
    TABLE_ID = ""
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, project) -> None:
        super().__init__()
        self.project = project
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(f"{self.TITLE_TEXT} · loading…", id="rc-progress")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self.run_worker(self._load, thread=True, group=self.TABLE_ID, exit_on_error=False)

    def _load(self) -> None:
        rows = self.fetch()
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        # One bulk call: these tables run to thousands of rows.
        table_rows, header = self.show(rows)
        table.add_rows(table_rows)
        self.query_one("#rc-progress", Static).update(f"{header} · esc back")
        table.focus()


class LogScreen(TableScreen):
    """The audit trail: every event, newest last, with who and when."""

    TITLE_TEXT, TABLE_ID = "Audit log", "log-table"
    COLUMNS = ("when (UTC)", "who", "what", "details")
    BINDINGS = [Binding("escape", "app.pop_screen", "back", id="log.back"),
                Binding("q", "app.pop_screen", "back", show=False, id="log.close")]

    def __init__(self, project, *, kind: str | None = None, actor: str | None = None) -> None:
        super().__init__(project)
        self.kind, self.actor = kind, actor

    def fetch(self) -> list[dict[str, Any]]:
        from cotag.store.events import event_table

        with self.project.session() as session:
            return event_table(session, kind=self.kind, actor=self.actor)

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        return ([(row["at"].replace("T", " "), row["actor"] or "-", row["kind"], row["summary"][:120]) for row in rows],
                f"Audit log · {len(rows)} event(s)")

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        super()._loaded(rows)
        if rows:  # newest last, and the cursor on it
            self.query_one(DataTable).move_cursor(row=len(rows) - 1)


AGREED_SHOWN = 2000


class AgreedScreen(TableScreen):
    """Review the agreed spans: where both coders marked the same characters, and whether each is in the consensus."""

    TITLE_TEXT, TABLE_ID = "Agreed spans", "agreed-table"
    COLUMNS = ("document", "code", "span", "in consensus", "text")
    BINDINGS = [Binding("escape", "app.pop_screen", "back", id="agreed.back")]

    def __init__(self, project, *, coders: list[str] | None = None, documents: list[str] | None = None) -> None:
        super().__init__(project)
        self.coders, self.documents = coders, documents

    def fetch(self) -> list[dict[str, Any]]:
        return reconcile.agreed_review(self.project, coders=self.coders, documents=self.documents)

    def show(self, rows: list[dict[str, Any]]) -> tuple[list[tuple], str]:
        # A whole corpus has tens of thousands of agreed spans; a table that long takes seconds to build
        # and nobody reads it on screen (`cotag reconcile list --agreed --json` has them all).
        shown = [(row["document"], row["code"], f"{row['start']}:{row['end']}",
                  "yes" if row["in_consensus"] else "pending", row["text"][:90]) for row in rows[:AGREED_SHOWN]]
        written = sum(r["in_consensus"] for r in rows)
        where = f" in {', '.join(self.documents)}" if self.documents and len(self.documents) <= 3 else ""
        more = f" (first {AGREED_SHOWN} shown)" if len(rows) > AGREED_SHOWN else ""
        return shown, f"Agreed spans{where} · {len(rows)}{more} · {written} in the consensus"


class ReconcileApp(App[None]):
    """`cotag reconcile --lead NAME`: the reconcile screen on its own, for a lead."""

    TITLE = "cotag reconcile"
    # The coding app's stylesheet, so the dialogs this app shares with it (code picker) look the same.
    CSS_PATH = "../app.tcss"

    def __init__(self, project, *, lead: str, coders: list[str] | None = None,
                 documents: list[str] | None = None) -> None:
        super().__init__()
        self.project = project
        self.screen_args: dict[str, Any] = {"lead": lead, "coders": coders, "documents": documents}
        self.sub_title = f"{lead} (lead)"

    def on_mount(self) -> None:
        self.push_screen(ReconcileScreen(self.project, **self.screen_args))

    async def settle(self) -> None:
        """Wait until every worker is done (tests)."""
        await self.workers.wait_for_complete()


def make_reconcile_app(project, *, lead: str, coders: list[str] | None = None,
                       documents: list[str] | None = None) -> ReconcileApp:
    return ReconcileApp(project, lead=lead, coders=coders, documents=documents)


def run_reconcile(project, *, lead: str, coders: list[str] | None = None, documents: list[str] | None = None) -> None:
    make_reconcile_app(project, lead=lead, coders=coders, documents=documents).run()
