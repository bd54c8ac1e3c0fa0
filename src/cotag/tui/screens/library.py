"""The library: every document with its group, attributes, length and this coder's progress; filter and open.

The coder's assigned documents (and training documents) come first, marked; `a` shows only those, or every
document again. Opening a document the coder was not given, when they were given some, asks first: codings in
another coder's document count in agreement and progress as that document's extra reading.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static

from cotag.coding_views import LibraryRow
from cotag.services import coding
from cotag.keys import CODER, LEAD, LIBRARY, WORD_MODE
from cotag.privacy.pseudonyms import Pseudonymiser
from cotag.tui.bindings import bindings_for
from cotag.tui.text import clip_words
from cotag.tui.base import CotagScreen

CODING_HELP = (CODER, WORD_MODE, LEAD)  # as the help screen lists for the coder's screens
TEXT_FILTER_DELAY = 0.25  # seconds: search what was said once the coder pauses typing
MIN_TEXT_FILTER = 3
ID_CUTOFF = 85.0
LABEL_CUTOFF = 80.0
MIN_FUZZY_FILTER = 5


def _progress_bar(coded: int, codable: int, width: int = 6) -> Text:
    """A bar and the count itself: a rounded percentage would show one coded unit of 222 as 0%."""
    share = coded / codable if codable else 0.0
    filled = round(share * width)
    if coded and not filled:
        filled = 1  # started is not the same as untouched
    bar = Text()
    bar.append("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {coded:>3}/{codable}")
    return bar


def _chosen(value):
    """A Select's value, or None when nothing is chosen."""
    return None if value is Select.NULL else value


class LibraryScreen(CotagScreen[None]):
    # Enter opens the highlighted document (the "open" action of the key map).
    BINDINGS = bindings_for(CODER, only={"open"}) + bindings_for(LIBRARY)
    KEY_CONTEXTS = (LIBRARY, *CODING_HELP)  # what help (?) lists first and the palette offers
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    class Loaded(Message):
        def __init__(self, rows: list[LibraryRow], plan: dict[int, str]) -> None:
            super().__init__()
            self.rows = rows
            self.plan = plan  # document id -> "assigned" or "training", for this coder

    class FormLoaded(Message):
        """A document's attributes read for the form (or why they could not be)."""

        def __init__(self, form, error: str | None = None) -> None:
            super().__init__()
            self.form, self.error = form, error

    class TextMatches(Message):
        def __init__(self, query: str, documents: set[int]) -> None:
            super().__init__()
            self.query = query
            self.documents = documents

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[LibraryRow] = []
        self.shown_rows: list[LibraryRow] = []
        self.text_matches: set[int] = set()
        self._text_query = ""
        self._timer: Timer | None = None
        self.plan: dict[int, str] = {}
        self.assigned_only = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield Input(placeholder="filter: id, attribute, words", id="library-filter", compact=True)
            yield Select([], prompt="any group", id="group-filter", allow_blank=True, compact=True)
            yield Select([], prompt="any attribute", id="attribute-filter", allow_blank=True, compact=True)
        yield DataTable(id="documents", cursor_type="row", zebra_stripes=True)
        yield Static(id="library-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("id", key="id")
        table.add_column("group", key="group")
        table.add_column("attributes", key="attributes")
        table.add_column("units", key="units")
        table.add_column("coded", key="coded")
        table.add_column("", key="status")
        self.query_one("#library-status", Static).update(Text(" loading documents…", style="dim"))
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        # Back from a transcript: progress has moved on.
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="library-load")
    def _load(self) -> None:
        from cotag.services.team import coder_plan

        coder_id = self.app.coding_session.owner_id
        rows = coding.library(self.app.project, coder_id=coder_id)
        self.post_message(self.Loaded(rows, coder_plan(self.app.project, coder_id=coder_id)))

    def on_library_screen_loaded(self, message: Loaded) -> None:
        first = not self.rows
        self.plan = message.plan
        table = self.query_one(DataTable)
        if self.plan and "plan" not in table.columns:
            table.add_column("", key="plan")  # only for a coder who was given documents
        # The coder's own documents first (a stable sort: each part keeps the reading order).
        self.rows = sorted(message.rows, key=lambda row: row.document_id not in self.plan)
        self.app.library_order = [row.document_id for row in self.rows]
        if first:
            groups = sorted({row.group for row in self.rows if row.group})
            self.query_one("#group-filter", Select).set_options([(g, g) for g in groups])
            pairs = sorted({f"{k}={v}" for row in self.rows for k, v in row.attributes.items()
                            if v not in (None, "") and k != "synthetic"})
            self.query_one("#attribute-filter", Select).set_options([(p, p) for p in pairs])
        self.apply_filters()

    def show_pseudonyms(self, pseudonyms: Pseudonymiser | None) -> None:
        """The app's pseudonymised view went on or off: the attribute column follows (app.pseudonymiser)."""
        if self.rows:
            self.apply_filters()

    # ------------------------------------------------------------ filtering

    def _matches(self, row: LibraryRow, query: str, group, attribute) -> bool:
        if self.assigned_only and row.document_id not in self.plan:
            return False
        if group is not None and row.group != group:
            return False
        if attribute is not None:
            key, _, value = str(attribute).partition("=")
            if str(row.attributes.get(key)) != value:
                return False
        if not query:
            return True
        from rapidfuzz import fuzz

        label = " ".join([row.external_id, row.group, *(str(v) for v in row.attributes.values())]).lower()
        needle = query.lower()
        if needle in label:
            return True
        # A mistyped id ("G02" for G002), or a mistyped attribute ("Alamty"); a short query must be
        # exact, since two letters of three match nearly everything.
        if fuzz.ratio(needle, row.external_id.lower()) >= ID_CUTOFF:
            return True
        if len(needle) >= MIN_FUZZY_FILTER and fuzz.partial_ratio(needle, label) >= LABEL_CUTOFF:
            return True
        return self._text_query == query and row.document_id in self.text_matches

    def apply_filters(self) -> None:
        query = self.query_one("#library-filter", Input).value.strip()
        group = _chosen(self.query_one("#group-filter", Select).value)
        attribute = _chosen(self.query_one("#attribute-filter", Select).value)
        self.shown_rows = [row for row in self.rows if self._matches(row, query, group, attribute)]
        table = self.query_one(DataTable)
        current = self._highlighted_id()
        table.clear()
        wide = self.app.size.width >= 110
        pseudonyms = self.app.pseudonymiser  # the pseudonymised view (ctrl+x): attributes as exports print them
        for row in self.shown_rows:
            values = pseudonyms.attributes(row.attributes) if pseudonyms is not None else row.attributes
            attrs = ", ".join(str(v) for k, v in values.items() if v not in (None, "") and k != "synthetic")
            limit = 60 if wide else 26
            attrs = clip_words(attrs, limit)
            status = Text("✓ done", style="bold green") if row.done else Text("started", style="yellow") \
                if row.started else Text("")
            given = self.plan.get(row.document_id)
            plan = Text("● yours", style="bold cyan") if given == "assigned" else \
                Text("◆ training", style="bold magenta") if given == "training" else Text("")
            cells = [Text(row.external_id, style="bold"), row.group, Text(attrs, style="dim"),
                     Text(str(row.units), justify="right"), _progress_bar(row.coded, row.codable), status]
            if "plan" in table.columns:
                cells.append(plan)
            table.add_row(*cells, key=str(row.document_id))
        if current is not None and any(r.document_id == current for r in self.shown_rows):
            table.move_cursor(row=table.get_row_index(str(current)), animate=False)
        self._update_status(query)

    def _update_status(self, query: str) -> None:
        done = sum(1 for row in self.rows if row.done)
        shown = len(self.shown_rows)
        status = Text(no_wrap=True, overflow="ellipsis")
        status.append(f" {len(self.rows)} documents", style="bold")
        if shown != len(self.rows):
            status.append(f" · {shown} shown")
        if self.plan:
            status.append(f" · {len(self.plan)} yours" + (" (a: all)" if self.assigned_only else " (a: only these)"))
        status.append(f" · {done} done · coder {self.app.coding_session.actor}")
        if self.app.lead:
            status.append(" (lead)", style="bold")
        if query and len(query) >= MIN_TEXT_FILTER and self._text_query != query:
            status.append(" · searching what was said…", style="dim italic")
        self.query_one("#library-status", Static).update(status)

    def _highlighted_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # an empty or just-cleared table has no cursor cell
            return None
        return int(key.value) if key.value is not None else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self.apply_filters()
        if self._timer is not None:
            self._timer.stop()
        query = event.value.strip()
        if len(query) >= MIN_TEXT_FILTER:
            self._timer = self.set_timer(TEXT_FILTER_DELAY, lambda: self._filter_text(query))

    @work(thread=True, exclusive=True, group="library-text")
    def _filter_text(self, query: str) -> None:
        documents = self.app.corpus_index().matching_documents(query)
        self.post_message(self.TextMatches(query, documents))

    def on_library_screen_text_matches(self, message: TextMatches) -> None:
        if message.query != self.query_one("#library-filter", Input).value.strip():
            return
        self._text_query, self.text_matches = message.query, message.documents
        self.apply_filters()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.apply_filters()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open(int(str(event.row_key.value)))

    # ------------------------------------------------------------ actions

    def open(self, document_id: int) -> None:
        """Open a document; one the coder was not given (when they were given some) only once they say yes."""
        if not self.plan or document_id in self.plan:
            self.app.open_document(document_id)
            return
        from cotag.tui.modals.confirm import Confirm

        name = next((row.external_id for row in self.rows if row.document_id == document_id), str(document_id))

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.open_document(document_id)

        self.app.push_screen(Confirm(f"{name} is not one of your assigned documents. Code it anyway?"), answered)

    def action_open(self) -> None:
        document_id = self._highlighted_id()
        if document_id is not None:
            self.open(document_id)

    def action_library_assigned(self) -> None:
        if not self.plan:
            self.notify("no documents are assigned to you: every document is shown", timeout=4)
            return
        self.assigned_only = not self.assigned_only
        self.apply_filters()

    def action_library_filter(self) -> None:
        self.query_one("#library-filter", Input).focus()

    def action_edit_attributes(self) -> None:
        document_id = self._highlighted_id()
        row = next((r for r in self.rows if r.document_id == document_id), None)
        if row is not None:
            self._load_form(row.external_id)

    @work(thread=True, exclusive=True, group="library-form", exit_on_error=False)
    def _load_form(self, external_id: str) -> None:
        from cotag.services.corpus import attribute_form

        try:
            self.post_message(self.FormLoaded(attribute_form(self.app.project, document=external_id)))
        except Exception as exc:  # noqa: BLE001 - said on the screen; the library keeps working
            self.post_message(self.FormLoaded(None, str(exc)))

    def on_library_screen_form_loaded(self, message: FormLoaded) -> None:
        from rich.markup import escape

        from cotag.tui.modals.attributes import AttributeEditor

        if message.form is None:
            self.app.notify(escape(message.error or ""), severity="error", timeout=6)
            return
        document = message.form.document

        def done(changes: list | None) -> None:
            if changes is None:
                return
            said = "; ".join(f"{c.attribute}: {c.old!r} → {c.new!r}" for c in changes) or "nothing changed"
            self.app.notify(escape(f"{document}: {said}"), timeout=5)
            if changes:
                self.reload()

        self.app.push_screen(AttributeEditor(message.form), done)

    def action_document_memo(self) -> None:
        from cotag.tui.memos import MemoTarget, open_memo

        document_id = self._highlighted_id()
        row = next((r for r in self.rows if r.document_id == document_id), None)
        if row is not None:
            open_memo(self.app, MemoTarget(f"Memo on {row.external_id}", document_id=row.document_id))
