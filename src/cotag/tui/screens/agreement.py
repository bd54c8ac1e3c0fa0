"""The agreement screen (lead): per-code alpha, kappa, agreement and prevalence; drill down to disagreeing units.

Everything is computed by the domain core (`cotag.reliability.disagreements`) in a
worker thread; the screen only formats what comes back.  Enter on a code lists the
units where the coders part ways; enter on a unit opens the transcript there.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from cotag.errors import CotagError
from cotag.reliability.disagreements import ProjectAgreement, UnitDisagreement, disagreement_counts
# The use cases (each in its own transaction) are services.agreement's; the screen's names for them stay.
from cotag.services.agreement import agreement_report as project_agreement
from cotag.services.agreement import unit_disagreements as project_disagreements
from cotag.keys import AGREEMENT
from cotag.reliability.measures import REASON_NO_VARIATION, REASON_TOO_FEW_CODERS, REASON_TOO_FEW_UNITS
from cotag.reliability.report import THRESHOLD, CodeRow
from cotag.reliability.units import Selection
from cotag.tui.bindings import bindings_for
from cotag.tui.modals.agreement_coders import AgreementCoders
from cotag.tui.text import clip_words
from cotag.tui.base import CotagScreen

# The unit kinds offered here; character units are left to the CLI (one row per character
# run is a long list, and unitising every character of the corpus takes a while).
UNIT_CYCLE = ("sentence", "turn")
VIEW_TITLES = {"all": "all units", "coded": "coded-only"}

BELOW_STYLE = "bold red"
THRESHOLD_TEXT = f"{THRESHOLD:.3f}".lstrip("0")  # ".667", as methods sections write it


def fmt(value: float | None) -> str:
    """A coefficient as the screen (and its tests) show it: three decimals, an em dash when undefined."""
    return "—" if value is None else f"{value:.3f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


# The note column's words, short on purpose: with the study's longest code names (21 letters) an 80-column
# terminal has eight columns left for it, and "below .667" or "no variation" was cut mid-word there. The header
# line and docs/keys.md spell them out; without colour the note still says which rows are below.
SHORT_REASONS = {REASON_NO_VARIATION: "no var.", REASON_TOO_FEW_UNITS: "< 2 units", REASON_TOO_FEW_CODERS: "< 2 coders"}


def note(row: CodeRow) -> str:
    if row.alpha.value is None:
        reason = row.alpha.undefined_reason or "undefined"
        return SHORT_REASONS.get(reason, reason.split(":")[0])
    return f"< {THRESHOLD_TEXT}" if row.below else ""


def row_cells(row: CodeRow, disagreements: int) -> list[Text]:
    """One code's cells; a code whose alpha lies below the threshold is shown in bold red throughout."""
    cells = [row.code, fmt(row.alpha.value), fmt(row.kappa.value), pct(row.percent.value), pct(row.prevalence),
             str(row.pairable), str(disagreements), note(row)]
    if row.below:
        style = BELOW_STYLE
    elif row.alpha.value is None:
        style = "dim"
    else:
        style = ""
    return [Text(c, style=style) for c in cells]


class AgreementScreen(CotagScreen[None]):
    BINDINGS = bindings_for(AGREEMENT)
    KEY_CONTEXTS = (AGREEMENT,)  # what help (?) lists first and the palette offers

    class Computed(Message):
        def __init__(self, result: ProjectAgreement | None, counts: dict[str, int], error: str | None,
                     kind: str, coders: tuple[str, ...] | None) -> None:
            super().__init__()
            self.result, self.counts, self.error, self.kind, self.coders = result, counts, error, kind, coders

    class Drilled(Message):
        def __init__(self, code: str, kind: str, items: list[UnitDisagreement], error: str | None = None,
                     texts: list[str] | None = None) -> None:
            super().__init__()
            self.code, self.kind, self.items, self.error = code, kind, items, error
            # Each unit's text as shown: through the pseudonym layer while the pseudonymised view is on.
            self.texts = [item.text for item in items] if texts is None else texts

    class CodersRead(Message):
        """Everyone who could be compared (every coder but the consensus), for the `c` dialog."""

        def __init__(self, names: list[str]) -> None:
            super().__init__()
            self.names = names

    def __init__(self, *, kind: str = "sentence", view: str = "all") -> None:
        super().__init__()
        self.kind = kind
        self.view = view
        self.result: ProjectAgreement | None = None
        self.counts: dict[str, int] = {}
        self.error: str | None = None
        self.code: str | None = None
        self.items: list[UnitDisagreement] = []
        # Whose agreement: None is every coder (not a lead) who marked a document done; `c` narrows it to a
        # pair (or more), and the choice is remembered for the project, so it is read once when the screen opens.
        self.coders: tuple[str, ...] | None = None
        self._choice_read = False

    def compose(self) -> ComposeResult:
        yield Static("computing agreement…", id="ag-header", classes="screen-header")
        yield DataTable(id="ag-codes", cursor_type="row", zebra_stripes=True)
        yield Static("", id="ag-units-title", classes="screen-header")
        yield DataTable(id="ag-units", cursor_type="row", zebra_stripes=True)
        # Compact, without the palette hint: the footer's keys fit 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#ag-units", DataTable).add_columns("document", "unit", "applied by", "not applied by", "text")
        self._start_compute()

    # ------------------------------------------------------------ workers (never touch widgets)

    def _start_compute(self) -> None:
        self._compute(self.kind, self.coders, not self._choice_read)

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False)
    def _compute(self, kind: str, coders: tuple[str, ...] | None, read_choice: bool) -> None:
        from cotag.services import agreement_coders

        try:
            if read_choice:
                coders = agreement_coders(self.app.project)
            result = project_agreement(self.app.project, Selection(coders=coders), kind=kind)
        except CotagError as exc:  # e.g. fewer than two coders: said on the screen
            self.post_message(self.Computed(None, {}, str(exc), kind, coders))
            return
        except Exception as exc:  # noqa: BLE001 - a failed report must not take the coding app down
            self.post_message(self.Computed(None, {}, f"could not compute agreement: {exc!r}", kind, coders))
            return
        self.post_message(self.Computed(result, disagreement_counts(result.data), None, kind, coders))

    @work(thread=True, exclusive=True, group="agreement-drill", exit_on_error=False)
    def _drill(self, result: ProjectAgreement, code: str) -> None:
        try:
            items = project_disagreements(self.app.project, result.data, code)
            layer = self.app.pseudonymiser
            texts = [layer(item.text) if layer is not None else item.text for item in items]
        except Exception as exc:  # noqa: BLE001 - as above: report it, keep the app
            self.post_message(self.Drilled(code, result.data.kind, [], f"could not list the disagreements: {exc!r}"))
            return
        self.post_message(self.Drilled(code, result.data.kind, items, texts=texts))

    def show_pseudonyms(self, pseudonyms) -> None:
        """The app's pseudonymised view went on or off: the disagreeing units are listed again (in the worker)."""
        if self.result is not None and self.code is not None:
            self.code = None
            self._drill_current()

    # ------------------------------------------------------------ showing

    def on_agreement_screen_computed(self, message: Computed) -> None:
        if message.kind != self.kind or (self._choice_read and message.coders != self.coders):
            return  # a result for a unit kind or coders the lead has since switched away from
        if not self._choice_read:
            self.coders, self._choice_read = message.coders, True
        self.result, self.counts, self.error = message.result, message.counts, message.error
        self._show_table()
        if self.result is not None and self.result.data.codes:
            table = self.query_one("#ag-codes", DataTable)
            table.focus()
            self._drill_current()

    def _show_table(self, keep: str | None = None) -> None:
        header = self.query_one("#ag-header", Static)
        table = self.query_one("#ag-codes", DataTable)
        table.clear(columns=True)
        if self.result is None:
            header.update(Text(f"agreement: {self.error or 'nothing to show'}", style="bold red"))
            self._show_units(None, [])
            return
        self._show_header()
        report = self.result.report
        v = report.views[self.view]
        kappa = {"cohen_kappa": "κ Cohen", "conger_kappa": "κ Conger"}.get(report.kappa_name, "κ Fleiss")
        for label, key in (("code", "code"), ("alpha", "alpha"), (kappa, "kappa"), ("agree", "agree"),
                           ("prev", "prev"), ("n", "n"), ("disagree", "disagree"), ("note", "note")):
            table.add_column(label, key=key)
        for row in v.rows:
            table.add_row(*row_cells(row, self.counts.get(row.code, 0)), key=row.code)
        if keep is not None and keep in [r.code for r in v.rows]:
            table.move_cursor(row=[r.code for r in v.rows].index(keep))

    def _show_header(self) -> None:
        """Four lines, the key facts first, each cut between words at the screen's edge rather than wrapped,
        so the tables keep the room on an 80x24 terminal; the codes below threshold are red in the table too."""
        if self.result is None:
            return
        report = self.result.report
        v = report.views[self.view]
        width = max(self.app.size.width - 2, 40)
        coders = " vs ".join(f"{c} ({len(report.coded[c])} docs)" for c in report.coders)
        pooled = fmt(v.pooled.value) if v.pooled.value is not None else f"undefined ({v.pooled.undefined_reason})"
        below = report.below_threshold(self.view)
        lines = Text(no_wrap=True, overflow="ellipsis")
        lines.append(clip_words(f"{coders} · {report.kind} units · {len(report.documents)} documents coded by "
                                f"two or more", width) + "\n")
        if below:
            count = f"{len(below)} code{'s' if len(below) != 1 else ''} below {THRESHOLD_TEXT}"
            lines.append(count, style=BELOW_STYLE)
            lines.append(" · pooled alpha ")
        else:
            count = f"no code with a defined alpha below {THRESHOLD_TEXT}"
            lines.append(f"{count} · pooled alpha ")
        summary = f"{pooled} (mean per-code {fmt(v.mean_alpha)}) over {v.pooled.n_units} (unit, code) decisions"
        room = width - len(count) - len(" · pooled alpha ")
        if below:
            summary += f" · below: {', '.join(below)}"
        lines.append(clip_words(summary, room) + "\n")
        lines.append(clip_words(f"{VIEW_TITLES[self.view]}: {v.denominator}", width) + "\n", style="dim")
        lines.append(clip_words(f"rule: {report.rule}", width), style="dim")
        self.query_one("#ag-header", Static).update(lines)

    def on_resize(self) -> None:
        self._show_header()

    def _drill_current(self) -> None:
        table = self.query_one("#ag-codes", DataTable)
        if self.result is None or table.row_count == 0:
            return
        code = self.result.report.views[self.view].rows[table.cursor_row].code
        if code != self.code:  # the units of a code are the same in both views
            self.code = code
            self.query_one("#ag-units-title", Static).update(Text(f"finding disagreements on {code}…", style="dim"))
            self._drill(self.result, code)

    def on_agreement_screen_drilled(self, message: Drilled) -> None:
        if message.code != self.code or message.kind != self.kind:
            return
        if message.error is not None:
            self.query_one("#ag-units-title", Static).update(Text(message.error, style="bold red"))
            self.notify(escape(message.error), severity="error")
            return
        self._show_units(message.code, message.items, message.texts)

    def _show_units(self, code: str | None, items: list[UnitDisagreement], texts: list[str] | None = None) -> None:
        self.items = items
        table = self.query_one("#ag-units", DataTable)
        table.clear()
        title = self.query_one("#ag-units-title", Static)
        if code is None:
            title.update("")
            return
        noun = {"sentence": "sentences", "turn": "speaker turns"}.get(self.kind, "units")
        title.update(Text(f"{len(items)} {noun} where the coders disagree on {code}"
                          + (" — enter opens the transcript there" if items else ""), style="bold"))
        for i, (item, text) in enumerate(zip(items, texts if texts is not None else [it.text for it in items])):
            table.add_row(item.document, "" if item.unit is None else str(item.unit + 1),
                          # Text, not str: a table reads a str as markup, and "[city B]" would vanish.
                          ", ".join(item.applied), ", ".join(item.not_applied), Text(text), key=str(i))

    # ------------------------------------------------------------ events and actions

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "ag-codes":
            event.stop()
            self._drill_current()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "ag-codes":
            self._drill_current()
            self.query_one("#ag-units", DataTable).focus()
        elif event.data_table.id == "ag-units" and 0 <= event.cursor_row < len(self.items):
            self.open_unit(self.items[event.cursor_row])

    def open_unit(self, item: UnitDisagreement) -> None:
        """Jump into the transcript at the unit (the app's own document opener)."""
        if item.document_id is None:
            self.notify(f"{item.document} is not in the project", severity="error")
            return
        self.app.open_document(item.document_id, unit=item.unit)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_cycle_unit(self) -> None:
        self.kind = UNIT_CYCLE[(UNIT_CYCLE.index(self.kind) + 1) % len(UNIT_CYCLE)] \
            if self.kind in UNIT_CYCLE else UNIT_CYCLE[0]
        self._recompute()

    def _recompute(self) -> None:
        self.result, self.code, self.items = None, None, []
        self.query_one("#ag-header", Static).update(Text(f"computing agreement over {self.kind} units…", style="dim"))
        self.query_one("#ag-codes", DataTable).clear(columns=True)
        self._show_units(None, [])
        self._start_compute()

    def action_choose_coders(self) -> None:
        """Compare a chosen pair (or set) of coders instead of the default (every coder, no lead)."""
        self._read_coders()

    @work(thread=True, exclusive=True, group="agreement-coders", exit_on_error=False)
    def _read_coders(self) -> None:
        from cotag.store.coders import list_coders
        from cotag.store.models import CONSENSUS_CODER

        with self.app.project.session() as session:
            self.post_message(self.CodersRead([c.name for c in list_coders(session) if c.name != CONSENSUS_CODER]))

    def on_agreement_screen_coders_read(self, message: CodersRead) -> None:
        if self.coders is not None:
            current = set(self.coders)
        else:
            current = set(self.result.report.coders) if self.result is not None else set()

        def chosen(picked: list[str] | None) -> None:
            if picked is None:
                return
            self.coders = tuple(sorted(picked)) if picked else None  # nothing ticked: the default again
            self._choice_read = True
            self._remember(self.coders)
            self._recompute()

        self.app.push_screen(AgreementCoders(message.names, current), chosen)

    def _remember(self, coders: tuple[str, ...] | None) -> None:
        """For the project, in the audit trail: the next time (or on another machine) it compares these again."""
        from cotag.services import remember_agreement_coders

        project, actor = self.app.project, self.app.coding_session.actor
        self.app.writer.submit(lambda: remember_agreement_coders(project, coders=coders, actor=actor), target=self)

    def action_toggle_view(self) -> None:
        if self.result is None:
            return
        self.view = "coded" if self.view == "all" else "all"
        self._show_table(keep=self.code)

