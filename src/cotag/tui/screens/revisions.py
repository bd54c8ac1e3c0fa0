"""The lead's review of what revisions of transcripts flagged (ctrl+f): each changed or orphaned coding with its old
words in the old text and its new words in the revised text; accept, adjust or remove it, each an audit event.

Reading is a worker that posts the queue; every verdict goes through the app's writer and calls the same use case
as `cotag revisions review` (services.revision.review), then the queue is read again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from cotag.keys import REVISIONS
from cotag.tui.base import CotagScreen
from cotag.tui.bindings import bindings_for
from cotag.tui.text import clip_words

COLUMNS = ("revision", "item", "document", "class", "code", "coder", "new words")
# The fields of a queue row that quote the transcript: read through the pseudonymised view (ctrl+x) when on.
SHOWN_TEXT = {"new_words", "reason", "old_context", "new_context"}


class RevisionsScreen(CotagScreen[None]):
    """Flagged items of each document's latest revision not reviewed yet, oldest revision first."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings_for(REVISIONS)]
    KEY_CONTEXTS = (REVISIONS,)

    class Loaded(Message):
        def __init__(self, rows: list[dict[str, Any]] | None, error: str | None = None,
                     shown: list[dict[str, Any]] | None = None) -> None:
            super().__init__()
            self.rows, self.error = rows, error
            self.shown: list[dict[str, Any]] = (rows or []) if shown is None else shown

    class Reviewed(Message):
        """A verdict committed (the writer's reply): read the queue again."""

        def __init__(self, result: dict[str, Any]) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []  # as stored: what a verdict works on
        self.shown: list[dict[str, Any]] = []  # as shown: through the pseudonym layer while the view is on
        self.last_verdict = ""

    def compose(self) -> ComposeResult:
        yield Static("Revisions to review · loading…", id="revisions-header", classes="screen-header")
        yield DataTable(id="revisions-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="revisions-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self._load()

    @work(thread=True, exclusive=True, group="revisions-load", exit_on_error=False)
    def _load(self) -> None:
        from cotag.services.revision import review_queue

        try:
            rows = review_queue(self.app.project)
            layer = self.app.pseudonymiser
            shown = rows if layer is None else [
                {k: layer(v) if k in SHOWN_TEXT else v for k, v in row.items()} for row in rows]
        except Exception as exc:  # noqa: BLE001 - said on the screen; the app keeps running
            self.post_message(self.Loaded(None, f"revisions: {exc}"))
            return
        self.post_message(self.Loaded(rows, shown=shown))

    def show_pseudonyms(self, pseudonyms: Any) -> None:
        """The app's pseudonymised view went on or off: the queue is read again (in the worker) through it."""
        if self.is_mounted:
            self._load()

    def on_revisions_screen_loaded(self, message: Loaded) -> None:
        header = self.query_one("#revisions-header", Static)
        if message.rows is None:
            header.update(message.error or "")
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.rows, self.shown = message.rows, message.shown
        table.clear()
        width = max(20, self.app.size.width - 60)
        # The words as Text: a table reads a str as markup, and a pseudonym such as "[city A]" would vanish.
        table.add_rows([(r["revision"], r["item"], r["document"], r["status"],
                         r["code"] if r["kind"] != "memo" else "(passage memo)",
                         r.get("coder") or r.get("lead") or "",
                         Text(clip_words(r.get("new_words") or r.get("reason") or "(its words were deleted)", width)))
                        for r in self.shown])
        count = len(self.rows)
        done = f" · {self.last_verdict}" if self.last_verdict else ""
        header.update(f"Revisions to review · {count} flagged item(s) not reviewed{done} · esc back")
        if self.rows:
            table.move_cursor(row=min(max(row, 0), count - 1))
        table.focus()
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _show_detail(self) -> None:
        detail = self.query_one("#revisions-detail", Static)
        # The row as shown (pseudonymised while the view is on), at the cursor.
        row = self.shown[self.query_one(DataTable).cursor_row] if self.current() is not None else None
        if row is None:
            detail.update("Nothing to review: every item revisions flagged has a verdict.")
            return
        out = Text()
        who = row.get("coder") or row.get("lead") or ""
        kind = {"decision": f"ruling of {row['code']}", "memo": f"passage memo {row['old_id']}"}.get(
            row["kind"], f"coding of {row['code']}")
        out.append(f"{row['status']} {kind} by {who} in {row['document']} "
                   f"(revision {row['revision']}, item {row['item']})\n", style="bold")
        if "old_context" in row:
            before, words, after = row["old_context"]
            out.append("before: ", style="dim")
            out.append(before)
            out.append(words, style="reverse")
            out.append(after + "\n")
        before, words, after = row["new_context"]
        out.append("now:    ", style="dim")
        out.append(before)
        if words:
            out.append(words, style="reverse bold")
        else:
            out.append("⁁", style="bold red")  # where the deleted words were
        out.append(after)
        if row["kind"] == "decision":
            out.append(f"\n{row.get('reason', '')}: rule on it on the reconcile screen; a notes it as seen",
                       style="italic")
        elif row["kind"] == "memo" and not row.get("new"):
            out.append("\nits words were deleted: the memo is kept on the document; a accepts that, e puts it on "
                       "other words", style="italic")
        detail.update(out)

    def _verdict(self, action: str, span: tuple[int, int] | None = None) -> None:
        row = self.current()
        if row is None:
            return
        from cotag.services.revision import review

        app: Any = self.app
        project, lead = app.project, app.coding_session.actor
        revision_id, number = row["revision"], row["item"]
        self.last_verdict = f"item {number} of revision {revision_id}: {action}"
        app.writer.submit(lambda: review(project, revision_id=revision_id, item_number=number, action=action,
                                         lead=lead, span=span),
                          target=self, reply=self.Reviewed)

    def on_revisions_screen_reviewed(self, message: Reviewed) -> None:
        self._load()

    # ids from cotag.keys.KEYMAP (the revisions context)
    def action_accept(self) -> None:
        self._verdict("accept")

    def action_remove(self) -> None:
        row = self.current()
        if row is not None and row["kind"] == "decision":
            self.notify("a ruling that is open again is ruled on on the reconcile screen; here only a applies",
                        severity="warning")
            return
        if row is not None and row["kind"] == "memo":
            self.notify("a passage memo is its coder's words: a keeps it where it is, e puts it on other words",
                        severity="warning")
            return
        self._verdict("remove")

    def action_adjust(self) -> None:
        row = self.current()
        if row is None:
            return
        if row["kind"] == "decision":
            self.notify("a ruling that is open again is ruled on on the reconcile screen; here only a applies",
                        severity="warning")
            return
        from cotag.tui.modals.span import SpanEditor

        def chosen(span: tuple[int, int] | None) -> None:
            if span is not None:
                self._verdict("span", span)

        new = tuple(row["new"]) if row.get("new") else None
        self.app.push_screen(SpanEditor(text=row["text"], passage=tuple(row["passage"]), start=new,
                                        title=f"{row['code'] or 'memo'} by {row.get('coder', '')}: the words it goes on"),
                             chosen)

    def action_close(self) -> None:
        self.dismiss(None)
