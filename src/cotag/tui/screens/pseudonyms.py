"""The pseudonym table (a lead's, from any screen: ctrl+k): the entries, cotag's proposals, and the lead's decisions.

Every change is services.privacy (over cotag.privacy.decisions), the same use case `cotag pseudonyms accept|reject|add|remove|suggest` calls:
it writes pseudonyms.yaml in one rename and logs the decision. The screen gathers the lead's choice and queues the
decision on the app's writer; the table comes back read afresh, or the use case's refusal. The search for proposals
reads the whole corpus, so it runs in a worker and only its result is queued on the writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from cotag.keys import PSEUDONYMS
from cotag.services import privacy as decisions
from cotag.privacy.pseudonyms import KINDS, Entry, Found, Proposal, PseudonymTable, load_table
from cotag.tui.base import CotagScreen
from cotag.tui.bindings import bindings_for
from cotag.tui.lead_edits import LeadEdits
from cotag.tui.modals.confirm import Confirm

COLUMNS = ("", "real", "pseudonym", "kind", "found")


@dataclass(frozen=True)
class Row:
    """One line of the table: an accepted entry, or an open proposal (with its id)."""

    entry: Entry | None = None
    proposal: Proposal | None = None

    @property
    def real(self) -> str:
        return self.entry.real if self.entry is not None else self.proposal.real if self.proposal else ""

    def cells(self) -> tuple:
        # Text, not str: a DataTable reads a str as markup, and "[person 1]" would vanish as an unknown tag.
        if self.entry is not None:
            return ("✓", Text(self.entry.real), Text(self.entry.pseudonym), self.entry.kind, "")
        p = self.proposal
        assert p is not None
        where = ", ".join(p.documents[:2]) + (f" +{len(p.documents) - 2}" if len(p.documents) > 2 else "")
        found = f"{p.source}; {p.count}× in {where}" if p.count else f"{p.source}; {where}"
        return (p.id, Text(p.real), Text(p.pseudonym, style="dim italic"), p.kind, Text(found, style="dim"))


def table_rows(table: PseudonymTable) -> list[Row]:
    """The entries as the file lists them, then the open proposals (rejected ones stay in the file, not here)."""
    return ([Row(entry=e) for e in table.entries]
            + [Row(proposal=p) for p in table.proposals if p.status == "open"])


class PseudonymScreen(LeadEdits, CotagScreen[None]):
    """Entries (✓) and open proposals (their ids) in one table; the keys act on the highlighted row."""

    STATUS_ID = "ps-status"  # where a refusal is said (LeadEdits)
    BINDINGS = bindings_for(PSEUDONYMS)
    KEY_CONTEXTS = (PSEUDONYMS,)  # what help (?) lists first and the palette offers

    class Loaded(Message):
        """The table as pseudonyms.yaml now has it; after a decision, what it did and which row to highlight."""

        def __init__(self, table: PseudonymTable | None, *, done: str = "", focus: str | None = None,
                     error: str = "") -> None:
            super().__init__()
            self.table, self.done, self.focus, self.error = table, done, focus, error

    class Searched(Message):
        """What the search for proposals found (worker), before the writer adds it to the table."""

        def __init__(self, found: list[Found] | None, how: str, error: str = "") -> None:
            super().__init__()
            self.found, self.how, self.error = found, how, error

    def __init__(self, *, use_spacy: bool = True) -> None:
        super().__init__()
        self.use_spacy = use_spacy
        self.table: PseudonymTable | None = None
        self.rows: list[Row] = []
        self.message = ""
        self.searching = False

    @property
    def lead(self) -> str:
        return self.app.coding_session.actor

    def compose(self) -> ComposeResult:
        yield Static("Pseudonyms · loading…", id="ps-header", classes="screen-header")
        yield DataTable(id="ps-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="ps-status", classes="screen-status")
        # Compact, without the palette hint: the footer's keys fit 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column or "status")
        self._load()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="pseudonyms-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            self.post_message(self.Loaded(load_table(self.app.project)))
        except Exception as exc:  # noqa: BLE001 - a broken pseudonyms.yaml is said on the screen, line and all
            self.post_message(self.Loaded(None, error=str(exc)))

    def on_pseudonym_screen_loaded(self, message: Loaded) -> None:
        if message.table is None:
            self._failed(message.error)
            return
        previous = self.current
        self.table = message.table
        self.rows = table_rows(message.table)
        widget = self.query_one(DataTable)
        widget.clear()
        widget.add_rows([row.cells() for row in self.rows])
        focus = message.focus or (previous.real if previous is not None else None)
        keys = [row.real.casefold() for row in self.rows]
        if focus is not None and focus.casefold() in keys:
            widget.move_cursor(row=keys.index(focus.casefold()))
        self._header()
        widget.focus()
        if message.done:
            self.message = message.done
            self.notify(escape(message.done), timeout=4)
            self.app.pseudonyms_edited()
        self._status()

    def _header(self) -> None:
        table = self.table
        if table is None:
            return
        open_ = sum(p.status == "open" for p in table.proposals)
        rejected = len(table.proposals) - open_
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(f"Pseudonyms · {len(table.entries)} in use · {open_} proposed · {rejected} rejected · "
                      f"{table.path.name} (holds the real names: keep it out of shared folders)")
        self.query_one("#ps-header", Static).update(header)

    def _status(self) -> None:
        text = self.message or ("s searches the corpus for names, places and organisations to propose"
                                if not self.rows else "")
        self.query_one("#ps-status", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    @property
    def current(self) -> Row | None:
        if not self.rows or not self.is_mounted:
            return None
        index = self.query_one(DataTable).cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    # ------------------------------------------------------------ deciding

    def _run(self, job: Callable[[], str], *, focus: str | None = None) -> None:
        """Queue one decision on the writer; the table comes back read afresh, or the refusal."""
        project = self.app.project

        def run() -> tuple[str, PseudonymTable]:
            done = job()
            return done, load_table(project)

        self.app.writer.submit(run, target=self, reply=lambda r: self.Loaded(r[1], done=r[0], focus=focus))

    def _proposal(self, verb: str) -> Proposal | None:
        row = self.current
        if row is None or row.proposal is None:
            self._failed(f"{verb}: highlight a proposal (a row with an id such as p1; s searches for more)")
            return None
        return row.proposal

    def _entry(self, verb: str) -> Entry | None:
        row = self.current
        if row is None or row.entry is None:
            self._failed(f"{verb}: highlight a pseudonym in use (a ✓ row; a proposal is accepted with a or A)")
            return None
        return row.entry

    # ------------------------------------------------------------ actions (ids from cotag.keys.KEYMAP)

    def action_accept(self) -> None:
        proposal = self._proposal("accept")
        if proposal is None:
            return
        project, lead = self.app.project, self.lead
        self._run(lambda: "accepted " + ", ".join(f"{e.real!r} → {e.pseudonym}" for e in decisions.accept(
            project, [proposal.id], actor=lead)), focus=proposal.real)

    def action_accept_as(self) -> None:
        proposal = self._proposal("accept")
        if proposal is None:
            return
        project, lead = self.app.project, self.lead

        def accept(pseudonym: str) -> None:
            self._run(lambda: "accepted " + ", ".join(f"{e.real!r} → {e.pseudonym}" for e in decisions.accept(
                project, [proposal.id], pseudonym=pseudonym, actor=lead)), focus=proposal.real)

        self._ask(f"Pseudonym for {proposal.real!r}", "what exports print instead; enter to accept, esc to cancel",
                  proposal.pseudonym, accept)

    def action_reject(self) -> None:
        proposal = self._proposal("reject")
        if proposal is None:
            return
        project, lead = self.app.project, self.lead
        self._run(lambda: "rejected " + ", ".join(repr(p.real) for p in decisions.reject(
            project, [proposal.id], actor=lead)))

    def _ask_kind(self, real: str, value: str, then: Callable[[str], None]) -> None:
        self._ask(f"Kind of {real!r}", f"{', '.join(KINDS)}; enter to save, esc to cancel", value, then)

    def action_add_entry(self) -> None:
        project, lead = self.app.project, self.lead

        def with_real(real: str) -> None:
            def with_pseudonym(pseudonym: str) -> None:
                def with_kind(kind: str) -> None:
                    self._run(lambda: self._added(decisions.add(project, real, pseudonym, kind.strip().lower(),
                                                                actor=lead)), focus=real)

                self._ask_kind(real, "other", with_kind)

            self._ask(f"Pseudonym for {real!r}", "what exports print instead, e.g. [person 4]; esc to cancel", "",
                      with_pseudonym)

        self._ask("Real string", "as the transcripts write it (any case; inflected forms are found too); "
                                 "esc to cancel", "", with_real)

    @staticmethod
    def _added(entry: Entry) -> str:
        return f"{entry.real!r} → {entry.pseudonym} ({entry.kind})"

    def action_edit_entry(self) -> None:
        entry = self._entry("edit")
        if entry is None:
            return
        project, lead = self.app.project, self.lead

        def with_pseudonym(pseudonym: str) -> None:
            def with_kind(kind: str) -> None:
                self._run(lambda: self._added(decisions.add(project, entry.real, pseudonym, kind.strip().lower(),
                                                            replace=True, actor=lead)), focus=entry.real)

            self._ask_kind(entry.real, entry.kind, with_kind)

        self._ask(f"Pseudonym for {entry.real!r}", "what exports print instead; enter to go on, esc to cancel",
                  entry.pseudonym, with_pseudonym)

    def action_remove_entry(self) -> None:
        entry = self._entry("remove")
        if entry is None:
            return
        project, lead = self.app.project, self.lead

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(lambda: f"removed {decisions.remove(project, entry.real, actor=lead).real!r}")

        self.app.push_screen(Confirm(f"Remove the pseudonym of {entry.real!r}? Exports print {entry.real!r} "
                                     f"as written again."), answered)

    def action_suggest(self) -> None:
        if self.searching:
            return
        self.searching = True
        self.message = "searching the corpus for names, places and organisations…"
        self._status()
        self._search(self.use_spacy)

    @work(thread=True, exclusive=True, group="pseudonyms-search", exit_on_error=False)
    def _search(self, use_spacy: bool) -> None:
        from cotag.privacy.pseudonyms import load_pipeline, suggest

        try:
            nlp, how = load_pipeline(None) if use_spacy else (None, "spaCy not used")
            found = suggest(decisions.suggest_inputs(self.app.project), nlp=nlp)
        except Exception as exc:  # noqa: BLE001 - said on the screen; nothing was written
            self.post_message(self.Searched(None, "", error=f"suggest: {exc}"))
            return
        self.post_message(self.Searched(found, how))

    def on_pseudonym_screen_searched(self, message: Searched) -> None:
        self.searching = False
        if message.found is None:
            self._failed(message.error)
            return
        project, lead, found, how = self.app.project, self.lead, message.found, message.how
        spacy = how.startswith("entities")

        def record() -> str:
            result = decisions.record_found(project, found, spacy=spacy, actor=lead)
            return f"{len(result.added)} new proposals, {len(result.open)} open ({how})"

        self._run(record)

    def action_close(self) -> None:
        self.dismiss(None)
