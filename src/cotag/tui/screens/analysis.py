"""The analysis screen: themes by respondent group as a bar chart, code co-occurrence, quotes per code, and the
saved queries.

Enter on a cell of the themes table or the co-occurrence matrix opens the quotes it counts (as
`cotag export matrix --cell CODE:VALUE` writes them); enter on a saved query (`cotag query --save`) runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from cotag.errors import CotagError
from cotag.export.analysis import Analysis, CodingChoice, default_export_path
from cotag.services.export import coding_choices, export_view, load_analysis
from cotag.export.quotes import WIDEN
from cotag.query import saved_queries
from cotag.keys import ANALYSIS
from cotag.tui.bindings import bindings_for
from cotag.tui.modals.export import ExportDialog
from cotag.tui.text import clip_words
from cotag.tui.base import CotagScreen

# The chart compares at most this many attribute values (the largest); the table below it lists them all.
CHART_SERIES = 6
# A code with tens of thousands of quotes would make a list no one scrolls; the export has them all.
QUOTE_LIMIT = 300
# One colour per attribute value on the chart, as RGB so the legend beside it can match exactly.
SERIES_COLOURS = [(97, 175, 239), (229, 192, 123), (152, 195, 121), (224, 108, 117), (198, 120, 221),
                  (86, 182, 194)]
# Column keys are prefixed: a code or an attribute value may itself be called "code".
LABEL_COLUMN = "label"

@dataclass
class Loaded:
    """What a load worker hands back: plain data, built off the UI thread."""

    choices: list[CodingChoice]
    choice: int
    analysis: Analysis
    by: str
    prevalence: list[dict[str, Any]]
    table: list[dict[str, Any]]
    within: str
    cooccurrence: Any
    codes: list[Any]
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    queries_error: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # attribute value -> as shown (pseudonymised view)


class AnalysisScreen(CotagScreen[None]):
    """Three tabs over one load of the project; every figure comes from cotag.export, none is computed here."""

    # Enter before the focused table or list: it opens the cell's quotes or runs the query, whatever has focus.
    BINDINGS = bindings_for(ANALYSIS, priority={"open_cell"})
    KEY_CONTEXTS = (ANALYSIS,)  # what help (?) lists first and the palette offers

    class Ready(Message):
        """A full load is done (or failed: `error`); `generation` says which request it answers."""

        def __init__(self, generation: int, loaded: Loaded | None, error: str | None = None) -> None:
            super().__init__()
            self.generation, self.loaded, self.error = generation, loaded, error

    class Recomputed(Message):
        """One view computed again from the analysis on show: by an attribute, within, or widened quotes."""

        def __init__(self, analysis: Analysis, what: str, value: Any, error: str | None = None) -> None:
            super().__init__()
            self.analysis, self.what, self.value, self.error = analysis, what, value, error

    class Exported(Message):
        def __init__(self, what: str, summary: dict[str, Any] | None, error: str | None = None) -> None:
            super().__init__()
            self.what, self.summary, self.error = what, summary, error

    def __init__(self, project, *, viewer: str | None = None, lead: bool = True, by: str = "group",
                 within: str = "unit") -> None:
        super().__init__()
        self.project = project
        self.viewer, self.lead = viewer, lead
        self.by, self.within = by, within
        self.widen = "span"  # quotes as coded; s widens them to the sentence, then the turn
        self.choices: list[CodingChoice] = []
        self.choice = 0
        self.analysis: Analysis | None = None
        self.prevalence: list[dict[str, Any]] = []  # what the chart plots, as the core returned it
        self.chart_series: list[str] = []  # the attribute values on the chart
        # Attribute value -> its head, legend entry and label as shown: pseudonymised while the view is on.
        self.labels: dict[str, str] = {}
        self.table_rows: list[dict[str, Any]] = []
        self.cooccurrence: Any = None  # the CooccurrenceMatrix on show
        self.codes: list[Any] = []
        self.code: str | None = None  # the quote browser's code
        self.quotes: list[Any] = []
        self.last_export: dict[str, Any] | None = None
        self.saved: dict[str, dict[str, Any]] = {}  # the saved queries on the Queries tab
        # Each full load asked for gets a number; an answer to an older one is dropped.
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="an-status", classes="screen-header")
        with TabbedContent(initial="an-prevalence"):
            with TabPane("Themes", id="an-prevalence"):
                yield Static("", id="an-legend")
                yield PlotextPlot(id="an-chart")
                yield DataTable(id="an-prevalence-table", zebra_stripes=True, cursor_type="cell", fixed_columns=1)
            with TabPane("Co-occurrence", id="an-cooccurrence"):
                yield Static("", id="an-pairs")
                # The code column stays put while the matrix scrolls sideways: a count is read against its code.
                yield DataTable(id="an-cooccurrence-table", zebra_stripes=True, cursor_type="cell", fixed_columns=1)
            with TabPane("Quotes", id="an-quotes"):
                with Horizontal():
                    yield OptionList(id="an-codes")
                    with Vertical(id="an-quote-side"):
                        yield Static("", id="an-quote-head")
                        yield OptionList(id="an-quote-list")
            with TabPane("Queries", id="an-queries"):
                yield Static("", id="an-queries-head")
                yield OptionList(id="an-queries-list")
        yield Static("", id="an-message", classes="screen-status")
        # Compact, without the palette hint: the footer's keys fit 80 columns (ctrl+p still opens the palette).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._focus_tab("an-prevalence")
        self._start_load()

    # The widget each tab's keys work on. The screen opened with the tab bar focused, where the arrows switch tabs:
    # after `2` a user's → went to the Quotes tab instead of along the matrix, and enter opened nothing.
    TAB_FOCUS = {"an-prevalence": "#an-prevalence-table", "an-cooccurrence": "#an-cooccurrence-table",
                 "an-quotes": "#an-codes", "an-queries": "#an-queries-list"}

    def _focus_tab(self, pane: str | None) -> None:
        if pane in self.TAB_FOCUS:
            self.query_one(self.TAB_FOCUS[pane]).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab shown (by 1-4, a click or the tab bar's arrows): its table or list takes the keys."""
        self._focus_tab(event.pane.id)

    # ------------------------------------------------------------ loading (workers return data; never touch widgets)

    def _scope(self):
        return self.choices[self.choice].scope if self.choices else None

    def _start_load(self, wanted: str | None = None) -> None:
        """Load in a worker; `wanted` is the label of the coding to show (None: the default)."""
        self.generation += 1
        self.query_one("#an-status", Static).update("loading…")
        self._load(self.generation, wanted, self.by, self.within, self.widen)

    @work(thread=True, exclusive=True, group="analysis-load", exit_on_error=False)
    def _load(self, generation: int, wanted: str | None, by: str, within: str, widen: str) -> None:
        try:
            # Asked again on every load: a consensus or a new coder may have appeared since.
            choices = coding_choices(self.project, viewer=self.viewer, lead=self.lead)
            labels = [c.label for c in choices]
            choice = labels.index(wanted) if wanted in labels else 0
            analysis = load_analysis(self.project, choices[choice].scope, widen=widen,
                                     pseudonyms=getattr(self.app, "pseudonymiser", None))
            comparisons = analysis.comparisons()
            chosen = by if by in comparisons else (comparisons[0] if comparisons else by)
            loaded = Loaded(choices=choices, choice=choice, analysis=analysis, by=chosen,
                            prevalence=analysis.prevalence(chosen), table=analysis.prevalence_table(chosen),
                            within=within, cooccurrence=analysis.cooccurrence(within), codes=analysis.codes(),
                            labels=analysis.value_labels(chosen) if chosen in comparisons else {})
            try:
                loaded.queries = saved_queries(self.project)
            except CotagError as exc:  # a broken queries.yaml is said on its tab; the analysis still shows
                loaded.queries_error = str(exc)
            analysis.quote_table().quotes  # noqa: B018 - the browser's rows, built here rather than on first highlight
        except Exception as exc:  # noqa: BLE001 - any failure must reach the screen, not leave it loading
            self.post_message(self.Ready(generation, None, failure(exc)))
            return
        self.post_message(self.Ready(generation, loaded))

    def on_analysis_screen_ready(self, message: Ready) -> None:
        if message.generation != self.generation:
            return
        if message.loaded is None:
            self._failed(message.error or "")
            return
        loaded = message.loaded
        self.choices, self.choice = loaded.choices, loaded.choice
        self.analysis = loaded.analysis
        self.by, self.within = loaded.by, loaded.within
        self._show_status()
        self._show_prevalence(loaded.prevalence, loaded.table, loaded.labels)
        self._show_cooccurrence(loaded.cooccurrence)
        self._show_codes(loaded.codes)
        self._show_queries(loaded.queries, loaded.queries_error)

    def _failed(self, message: str) -> None:
        self.query_one("#an-message", Static).update(Text(message, style="bold red"))
        self.notify(escape(message), severity="error", timeout=6)

    @work(thread=True, exclusive=True, group="analysis-view", exit_on_error=False)
    def _recompute(self, analysis: Analysis, what: str, value: Any) -> None:
        """by: prevalence for another attribute; within: co-occurrence; widen: the quotes widened."""
        try:
            if what == "by":
                result: Any = (analysis.prevalence(value), analysis.prevalence_table(value),
                               analysis.value_labels(value))
            elif what == "within":
                result = analysis.cooccurrence(value)
            elif what == "pseudonyms":
                layer, by = value
                shown = analysis.pseudonymised(layer)
                shown.quote_table().quotes  # noqa: B018 - builds the quote table off the UI thread
                themes = (shown.prevalence(by), shown.prevalence_table(by), shown.value_labels(by)) \
                    if by in shown.comparisons() else None
                result = (shown, shown.codes(), themes)
            else:
                widened = analysis.widened(value)
                widened.quote_table().quotes  # noqa: B018 - builds the quote table off the UI thread
                result = (widened, widened.codes())
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Recomputed(analysis, what, value, failure(exc)))
            return
        self.post_message(self.Recomputed(analysis, what, (value, result)))

    def on_analysis_screen_recomputed(self, message: Recomputed) -> None:
        if message.analysis is not self.analysis:
            return  # the coding or the project was loaded again since
        if message.error is not None:
            self._failed(message.error)
            return
        value, result = message.value
        if message.what == "by":
            self.by = value
            self._show_status()
            self._show_prevalence(*result)
        elif message.what == "within":
            self.within = value
            self._show_status()
            self._show_cooccurrence(result)
        elif message.what == "pseudonyms":
            self.analysis = result[0]
            self._show_status()
            if result[2] is not None:  # the legend and column heads name attribute values: shown again
                self._show_prevalence(*result[2])
            self.code, code = None, self.code
            self._show_codes(result[1], keep=code)
        else:
            analysis, codes = result
            self.analysis, self.widen = analysis, analysis.widen
            self._show_status()
            self.code, code = None, self.code
            self._show_codes(codes, keep=code)

    def _show_status(self) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        quotes = len(analysis.quote_table())
        others = " · o: other codings" if len(self.choices) > 1 else ""
        self.query_one("#an-status", Static).update(Text(
            f"Analysis · coding: {analysis.coding_label} · {analysis.respondents} respondents · {quotes} quotes "
            f"· by {self.by} · within {self.within}s · quotes: {analysis.widen}"
            f"{' · pseudonymised' if analysis.pseudonyms is not None else ''}{others}"))

    def show_pseudonyms(self, pseudonyms) -> None:
        """The app's pseudonymised view (ctrl+x) went on or off: the quotes, and the attribute values heading the
        themes' legend and columns, are read again through it (in the worker)."""
        if self.analysis is not None:
            self._recompute(self.analysis, "pseudonyms", (pseudonyms, self.by))

    # ------------------------------------------------------------ themes by group

    def _show_prevalence(self, prevalence: list[dict[str, Any]], table_rows: list[dict[str, Any]],
                         heads: dict[str, str] | None = None) -> None:
        self.prevalence, self.table_rows = prevalence, table_rows
        self.labels = heads or {}  # attribute values as shown: the legend and the column heads use them
        head_of = self.labels.get
        # The values with most respondents, in the core's order (sizes come with each row as n).
        sizes: dict[str, int] = {}
        for row in prevalence:
            sizes[row["value"]] = row["n"]
        largest = sorted(sizes, key=lambda v: -sizes[v])[:CHART_SERIES]
        self.chart_series = [v for v in sizes if v in largest]
        themes: dict[str, str] = {}
        share: dict[tuple[str, str], float] = {}
        for row in prevalence:
            themes.setdefault(row["code"], row["name"])
            share[(row["code"], row["value"])] = row["share"]
        chart = self.query_one("#an-chart", PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        if themes and self.chart_series:
            # Upright bars: a terminal has more columns than rows, and each theme gets a group of bars.
            room = max(8, (self.size.width - 10) // max(len(themes), 1) - 2)
            labels = [clip_words(name, room) for name in themes.values()]  # shortened at a word
            series = [[round(100 * share.get((code, value), 0.0), 1) for code in themes]
                      for value in self.chart_series]
            colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
            # The legend is drawn beside the chart, not in it: plotext's own legend covers the tallest bars.
            plt.multiple_bar(labels, series, color=colours)  # type: ignore[arg-type]  # one colour per series: plotext takes a list
            top = max((v for values in series for v in values), default=0.0)
            plt.ylim(0, max(5.0, min(100.0, top * 1.15)))
            shown = "" if len(sizes) <= CHART_SERIES else f"; the {CHART_SERIES} largest of {len(sizes)}, all below"
            plt.title(f"% of respondents mentioning each theme, by {self.by}{shown}")
            legend = Text()
            for value, (r, g, b) in zip(self.chart_series, colours):
                legend.append("■ ", style=f"rgb({r},{g},{b})")
                legend.append(f"{head_of(value, value)} (n={sizes[value]})   ")
        else:
            plt.title("No coded themes in this coding yet")
            legend = Text("")
        self.query_one("#an-legend", Static).update(legend)
        chart.refresh()
        data = self.query_one("#an-prevalence-table", DataTable)
        data.clear(columns=True)
        if not table_rows:
            return
        data.add_column("code", key=LABEL_COLUMN)
        for cell in table_rows[0]["cells"]:
            # Text, not str: DataTable reads a str label as markup, and a value may hold brackets.
            data.add_column(Text(f"{head_of(cell['value'], cell['value'])} (n={cell['n']})"), key=f"value:{cell['value']}")
        for row in table_rows:
            label = Text("· " * (row["depth"] - 1) + row["name"], style="bold" if row["depth"] == 1 else "")
            data.add_row(label, *[Text(cell_label(c), justify="right") for c in row["cells"]], key=row["code"])

    def action_next_attribute(self) -> None:
        if self.analysis is None:
            return
        comparisons = self.analysis.comparisons()
        if not comparisons:
            return
        at = comparisons.index(self.by) if self.by in comparisons else -1
        self._recompute(self.analysis, "by", comparisons[(at + 1) % len(comparisons)])

    # ------------------------------------------------------------ co-occurrence

    def _show_cooccurrence(self, matrix) -> None:
        self.cooccurrence = matrix
        pairs = matrix.pairs()[:5]
        top = "; ".join(f"{p['a_name']} + {p['b_name']}: {p['count']}" for p in pairs) or "no two codes meet"
        self.query_one("#an-pairs", Static).update(Text(
            f"{self.within.capitalize()}s with both codes (diagonal: with the code). Most frequent pairs: {top}"))
        data = self.query_one("#an-cooccurrence-table", DataTable)
        data.clear(columns=True)
        keys = list(matrix.counts.index)
        data.add_column("code", key=LABEL_COLUMN)
        for key in keys:
            data.add_column(Text(key), key=f"code:{key}")
        for key, name in zip(matrix.rows.keys, matrix.rows.indented()):
            counts = matrix.counts.loc[key]
            data.add_row(Text(name), *[Text(str(int(counts[k])), justify="right") for k in keys], key=key)

    def action_toggle_within(self) -> None:
        if self.analysis is not None:
            self._recompute(self.analysis, "within", "document" if self.within == "unit" else "unit")

    # ------------------------------------------------------------ quotes per code

    def _show_codes(self, codes: list[Any], keep: str | None = None) -> None:
        self.codes = codes
        keep = keep or self.code
        options = self.query_one("#an-codes", OptionList)
        options.clear_options()
        options.add_options([Option(Text.assemble("· " * (c.depth - 1), c.name, (f"  {c.quotes}", "dim")), id=c.key)
                             for c in codes])
        keys = [c.key for c in codes]
        if not codes:
            self._show_quotes(None)
            return
        index = keys.index(keep) if keep in keys else 0
        options.highlighted = index
        self._show_quotes(codes[index].key)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "an-codes" and event.option.id is not None and event.option.id != self.code:
            self._show_quotes(event.option.id)

    def _show_quotes(self, key: str | None) -> None:
        self.code = key
        head = self.query_one("#an-quote-head", Static)
        listing = self.query_one("#an-quote-list", OptionList)
        listing.clear_options()
        if key is None or self.analysis is None:
            self.quotes = []
            head.update("No codes to browse.")
            return
        # Filtering rows of the table built at load time: quick enough for the UI thread.
        self.quotes = self.analysis.quotes_for(key)
        name = next((c.name for c in self.codes if c.key == key), key)
        shown = self.quotes[:QUOTE_LIMIT]
        more = f" (first {QUOTE_LIMIT}; e exports all)" if len(self.quotes) > QUOTE_LIMIT else ""
        head.update(Text(f"{name}: {len(self.quotes)} quotes{more}", style="bold"))
        several = len({q.coder for q in shown}) > 1
        options: list[Option | None] = []
        for i, quote in enumerate(shown):
            source = " · ".join(p for p in (quote.attribution, quote.document, quote.coder if several else "") if p)
            if options:
                options.append(None)  # a rule between quotes, so one ends visibly before the next begins
            options.append(Option(Text.assemble(quote.text, "\n", (f"— {source}", "italic dim")), id=f"q{i}"))
        listing.add_options(options)

    def action_next_widen(self) -> None:
        if self.analysis is not None:
            self._recompute(self.analysis, "widen", WIDEN[(WIDEN.index(self.widen) + 1) % len(WIDEN)])

    # ------------------------------------------------------------ coding, tabs, reload

    def action_next_coding(self) -> None:
        if len(self.choices) < 2:
            if self.choices:
                self.notify(escape(f"only one coding to show: {self.choices[0].label}"), timeout=3)
            return
        self._start_load(self.choices[(self.choice + 1) % len(self.choices)].label)

    def action_reload(self) -> None:
        self._start_load(self.choices[self.choice].label if self.choices else None)

    def action_themes_tab(self) -> None:
        self.query_one(TabbedContent).active = "an-prevalence"

    def action_cooccurrence_tab(self) -> None:
        self.query_one(TabbedContent).active = "an-cooccurrence"

    def action_quotes_tab(self) -> None:
        self.query_one(TabbedContent).active = "an-quotes"

    def action_queries_tab(self) -> None:
        self.query_one(TabbedContent).active = "an-queries"

    def action_close(self) -> None:
        self.dismiss(None)

    # ------------------------------------------------------------ saved queries; a cell's quotes

    def _show_queries(self, queries: dict[str, dict[str, Any]], error: str | None) -> None:
        self.saved = queries
        head = self.query_one("#an-queries-head", Static)
        listing = self.query_one("#an-queries-list", OptionList)
        listing.clear_options()
        if error:
            head.update(Text(error, style="bold red"))
            return
        if not queries:
            head.update(Text('No saved queries yet: cotag query "wages AND family" --save NAME'))
            return
        whose = "" if self.lead else f" (on your own coding, {self.viewer})"
        noun = "saved query" if len(queries) == 1 else "saved queries"
        head.update(Text(f"{len(queries)} {noun}{whose} · enter runs the highlighted one"))
        options: list[Option] = []
        for name, entry in sorted(queries.items()):
            extra = ", ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                              for k, v in entry.items() if k != "query")
            options.append(Option(Text.assemble((name, "bold"), "  ", entry["query"],
                                                (f"  [{extra}]" if extra else "", "dim")), id=name))
        listing.add_options(options)
        listing.highlighted = 0

    def _open_quotes(self, title: str, build) -> None:
        from cotag.tui.screens.quotes import QuotesScreen

        self.app.push_screen(QuotesScreen(title, build))

    def action_open_cell(self) -> None:
        """Enter: the quotes behind the highlighted cell, or the highlighted saved query's passages."""
        from cotag.export.cell import analysis_cell_quotes, analysis_pair_quotes
        from cotag.services.queries import run_saved

        analysis, tab = self.analysis, self.query_one(TabbedContent).active
        if analysis is None:
            return
        if tab == "an-queries":
            listing = self.query_one("#an-queries-list", OptionList)
            if listing.highlighted is None or not self.saved:
                return
            name = listing.get_option_at_index(listing.highlighted).id or ""
            project, coding = self.project, self._scope()
            own = None if self.lead else self.viewer
            self._open_quotes(f"Query {name}", lambda: run_saved(project, name, coding=coding, own=own))
            return
        if tab not in ("an-prevalence", "an-cooccurrence"):
            return
        table = self.query_one("#an-prevalence-table" if tab == "an-prevalence" else "#an-cooccurrence-table",
                               DataTable)
        if not table.row_count:
            return
        keys = table.coordinate_to_cell_key(table.cursor_coordinate)
        row, column = str(keys.row_key.value), str(keys.column_key.value)
        if tab == "an-prevalence":
            by = self.by
            value = column.split(":", 1)[1] if column.startswith("value:") else "total"
            self._open_quotes(f"Quotes: {row} × {by} = {self.labels.get(value, value)}",
                              lambda: analysis_cell_quotes(analysis, code=row, by=by, value=value))
        else:
            within = self.within
            other = column.split(":", 1)[1] if column.startswith("code:") else row
            self._open_quotes(f"Quotes: {row} with {other}",
                              lambda: analysis_pair_quotes(analysis, a=row, b=other, within=within))

    # ------------------------------------------------------------ export

    def _export_target(self) -> tuple[str, str, dict[str, Any]]:
        """What the active tab shows, as (kind, description, options) for export_view."""
        tab = self.query_one(TabbedContent).active
        if tab == "an-cooccurrence":
            return "cooccurrence", f"co-occurrence within {self.within}s", {"within": self.within}
        if tab == "an-quotes":
            if self.code is None:
                raise CotagError("no code chosen: nothing to export")
            return "quotes", f"quotes of {self.code} and its sub-codes", {"code": self.code}
        return "prevalence", f"codes by {self.by}", {"by": self.by}

    def action_export(self) -> None:
        if self.analysis is None or not self.choices:
            return
        try:
            kind, what, options = self._export_target()
        except CotagError as exc:
            self._failed(str(exc))
            return
        scope, widen = self._scope(), self.widen
        suggested = default_export_path(self.project, kind, **options)
        # What is on show is what is written: with the pseudonymised view on, the file is pseudonymised too.
        if self.analysis.pseudonyms is not None:
            options = {**options, "pseudonymise": True}
            what += ", pseudonymised"

        def chosen(value: str | None) -> None:
            if value:
                self.query_one("#an-message", Static).update(Text(f"writing {what}…"))
                self._export(Path(value), what, kind, scope, widen, options)

        self.app.push_screen(ExportDialog(f"Export {what} (coding: {self.analysis.coding_label})", suggested),
                             chosen)

    @work(thread=True, group="analysis-export", exit_on_error=False)
    def _export(self, path: Path, what: str, kind: str, scope, widen: str, options: dict[str, Any]) -> None:
        try:
            summary = export_view(self.project, path, kind=kind, scope=scope, widen=widen, **options)
        except Exception as exc:  # noqa: BLE001 - a failed export is said on the screen
            self.post_message(self.Exported(what, None, failure(exc)))
            return
        self.post_message(self.Exported(what, summary))

    def on_analysis_screen_exported(self, message: Exported) -> None:
        if message.summary is None:
            self._failed(message.error or "")
            return
        summary = self.last_export = message.summary
        count = f"{summary['quotes']} quotes" if "quotes" in summary else f"{summary['codes']} codes"
        text = f"wrote {message.what} ({count}, {summary['format']}) to {summary['path']}"
        self.query_one("#an-message", Static).update(Text(text))
        self.notify(escape(text), timeout=6)


def failure(exc: Exception) -> str:
    """A domain error is already a sentence for the user; anything else is named with its type."""
    return str(exc) if isinstance(exc, CotagError) else f"analysis failed: {type(exc).__name__}: {exc}"


def cell_label(cell: dict[str, Any]) -> str:
    """'61 (43%) / 97': respondents (share) / excerpts, as the Markdown matrix writes a cell."""
    return f"{cell['respondents']} ({cell['share']:.0%}) / {cell['excerpts']}"
