"""Code x attribute matrices (respondents, share, excerpts) and code x code co-occurrence.

The attribute matrix is counted with numpy and written from plain lists: `cotag export matrix --by` is a
report a researcher waits for at the prompt, and importing pandas cost more than the whole 28 x 2 table
(issue #14). Its tables are `CountTable`s, which answer the few questions its readers ask of them (`.at`,
`.index`) and become a DataFrame on request. The co-occurrence matrix still uses pandas (a self-join).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.attribution import format_value
from cotag.export.quotes import path_columns
from cotag.export.scope import BUILTIN_ATTRIBUTES, Scope, Selection, attribute_keys, document_value, resolve

if TYPE_CHECKING:
    from cotag.store.session import Session  # for the type checker: importing it loads SQLModel
    import numpy as np
    import pandas as pd

    from cotag.project import Project

DEFAULT_AGE_BANDS = "24-34,35-44,45-54,55-64"
AGE_BAND = "age_band"
MISSING = "(missing)"
WITHIN = ("unit", "document")
MEASURES = ("respondents", "share", "excerpts")


# ---------------------------------------------------------------- age bands

@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int | None  # None: open-ended ("65+")

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"


def parse_age_bands(spec: str) -> list[AgeBand]:
    """'24-34,35-44,65+' -> bands; overlapping or malformed bands are refused with the offending text."""
    bands: list[AgeBand] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        closed = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part)
        open_ = re.fullmatch(r"(\d+)\s*\+", part)
        if closed:
            low, high = int(closed.group(1)), int(closed.group(2))
            if high < low:
                raise CotagError(f"--age-bands: band {part!r} ends before it starts")
            bands.append(AgeBand(low, high))
        elif open_:
            bands.append(AgeBand(int(open_.group(1)), None))
        else:
            raise CotagError(f"--age-bands: cannot read band {part!r} (write e.g. 24-34,35-44,65+)")
    if not bands:
        raise CotagError("--age-bands: no bands given (write e.g. 24-34,35-44,45-54,55-64)")
    bands.sort(key=lambda b: b.low)
    for before, after in zip(bands, bands[1:]):
        if before.high is None or before.high >= after.low:
            raise CotagError(f"--age-bands: bands {before.label} and {after.label} overlap")
    return bands


def age_of(value: Any) -> int | None:
    text = format_value(value)
    if text is None:
        return None
    match = re.search(r"\d+", text)
    return int(match.group(0)) if match else None


def age_band(value: Any, bands: list[AgeBand]) -> str:
    age = age_of(value)
    if age is None:
        return MISSING
    for band in bands:
        if age >= band.low and (band.high is None or age <= band.high):
            return band.label
    if age < bands[0].low:
        return f"under {bands[0].low}"
    last = bands[-1]
    if last.high is not None and age > last.high:
        return f"over {last.high}"
    return "other ages"


def age_band_order(bands: list[AgeBand]) -> list[str]:
    last = bands[-1]
    tail = [f"over {last.high}"] if last.high is not None else []
    return [f"under {bands[0].low}", *[b.label for b in bands], "other ages", *tail]


def configured_age_bands(config: dict | None) -> str:
    value = ((config or {}).get("export") or {}).get("age_bands", DEFAULT_AGE_BANDS)
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------- shared

def _natural_key(label: str) -> tuple:
    if label == MISSING:
        return (2, 0, "")
    number = re.fullmatch(r"-?\d+(?:\.\d+)?", label)
    return (0, float(label), "") if number else (1, 0, label.casefold())


@dataclass
class CodeRows:
    """The codes a table has rows for, with key, name and path (for the theme / sub-theme columns)."""

    ids: list[int]
    keys: list[str]
    names: list[str]
    paths: list[tuple[str, ...]]

    @classmethod
    def of(cls, selection: Selection) -> "CodeRows":
        ids = selection.row_codes()
        tree = selection.tree
        return cls(ids=ids, keys=[tree.codes[i].key for i in ids], names=[tree.codes[i].name for i in ids],
                   paths=[tree.path(i) for i in ids])

    @property
    def depth(self) -> int:
        return max((len(p) for p in self.paths), default=1)

    def label_columns(self) -> dict[str, list[str]]:
        """code, code_name and the path's theme / sub-theme columns, as lists."""
        data: dict[str, list[str]] = {"code": list(self.keys), "code_name": list(self.names)}
        for level, col in enumerate(path_columns(self.depth)):
            data[col] = [p[level] if level < len(p) else "" for p in self.paths]
        return data

    def label_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self.label_columns())

    def indented(self) -> list[str]:
        # Markdown and Word tables show the tree by indenting names; the reader needs no key.
        return ["· " * (len(p) - 1) + name for p, name in zip(self.paths, self.names)]


def _expand(selection: Selection, rows: CodeRows, rollup: bool, positions: "np.ndarray | None" = None
            ) -> tuple["np.ndarray", "np.ndarray"]:
    """(coding position, row position) for every row each coding counts towards.

    A coding counts for its own code's row and, rolled up, for each ancestor's row that the table has.
    positions: the codings to expand (default: all).
    """
    import numpy as np

    codings = selection.codings
    if positions is None:
        positions = np.arange(len(codings))
    code_ids = codings.code_id[positions]
    row_of = {code_id: i for i, code_id in enumerate(rows.ids)}
    distinct = np.unique(code_ids)
    chains = {int(c): [row_of[a] for a in (selection.tree.ancestors(int(c)) if rollup else [int(c)]) if a in row_of]
              for c in distinct}
    depth = max((len(chain) for chain in chains.values()), default=0)
    where = np.searchsorted(distinct, code_ids)
    coding_parts, row_parts = [], []
    for level in range(depth):
        lookup = np.array([chains[int(c)][level] if level < len(chains[int(c)]) else -1 for c in distinct],
                          dtype=np.int64)
        target = lookup[where]
        keep = target >= 0
        coding_parts.append(positions[keep])
        row_parts.append(target[keep])
    if not coding_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(coding_parts), np.concatenate(row_parts)


# ---------------------------------------------------------------- code x attribute

class CountTable:
    """A code x column table of numbers, labelled: what the attribute matrix holds instead of a DataFrame.

    It answers what the matrix's readers ask (`table.at[code, column]` or `.loc[...]`, `table.index`, `table.columns`,
    `table[column]`, and the column renaming and reordering of privacy.exports) without pandas;
    `to_frame()` gives the DataFrame when one is wanted.
    """

    def __init__(self, values: "np.ndarray", index: list[str], columns: list[str]) -> None:
        self.values, self.index, self.columns = values, list(index), list(columns)
        self._position = {c: i for i, c in enumerate(self.columns)}
        self._row = {k: i for i, k in enumerate(self.index)}

    @property
    def at(self) -> "_At":
        return _At(self)

    loc = at  # a cell by its labels, as a DataFrame's .loc[key, column]

    def column(self, name: str) -> list[Any]:
        """One column's values as Python numbers, in row order."""
        return self.values[:, self._position[name]].tolist()

    def __getitem__(self, key: str | list[str]) -> Any:
        if isinstance(key, list):  # columns in this order, as a DataFrame's frame[[...]]
            return CountTable(self.values[:, [self._position[c] for c in key]], self.index, key)
        return self.values[:, self._position[key]]

    def rename(self, *, columns: dict[str, str]) -> "CountTable":
        return CountTable(self.values, self.index, [columns.get(c, c) for c in self.columns])

    def to_numpy(self) -> "np.ndarray":
        return self.values

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self.values, index=self.index, columns=self.columns)


class _At:
    def __init__(self, table: CountTable) -> None:
        self.table = table

    def __getitem__(self, cell: tuple[str, str]) -> Any:
        key, column = cell
        return self.table.values[self.table._row[key], self.table._position[column]]


@dataclass
class AttributeMatrix:
    """Per code and attribute value: respondents who mention the code, their share, and coded excerpts."""

    by: str
    values: list[str]  # column labels in reading order; the total column (total_label) follows them
    n: dict[str, int]  # respondents per column, the share's denominator
    rows: CodeRows
    respondents: CountTable  # index: code key; columns: values + total
    excerpts: CountTable
    share: CountTable
    coding_label: str
    rollup: bool
    total_label: str = "total"
    total_excerpts: dict[str, int] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.values, self.total_label]

    def frame(self) -> "pd.DataFrame":
        """One wide table (CSV) as a DataFrame: what table() holds."""
        return self.table().to_frame()

    def table(self) -> writers.Grid:
        """One wide table (CSV): a first row with each column's respondents, then one row per code."""
        labels = self.rows.label_columns()
        names = list(labels)
        data: list[list[Any]] = [["All respondents (N)" if c == "code_name" else "", *labels[c]] for c in labels]
        for column in self.columns:
            for measure in MEASURES:
                first: int | float
                if measure == "respondents":
                    first, values = self.n[column], self.respondents.column(column)
                elif measure == "share":
                    first, values = 1.0, [round(v, 4) for v in self.share.column(column)]
                else:
                    first, values = self.total_excerpts.get(column, 0), self.excerpts.column(column)
                names.append(f"{column} {measure}")
                data.append([first, *values])
        return writers.Grid(names, data)

    def _sheet_grid(self, table: CountTable) -> writers.Grid:
        labels = self.rows.label_columns()
        names, data = list(labels), list(labels.values())
        for column in self.columns:
            names.append(f"{column} (n={self.n[column]})")
            data.append(table.column(column))
        return writers.Grid(names, data)

    def sheets(self) -> list[writers.Sheet]:
        freeze = f"{writers.column_letter(len(self.rows.label_columns()) + 1)}2"
        share = self._sheet_grid(self.share)
        percent = tuple(c for c in share.columns if c.endswith(")") and "(n=" in c)
        return [writers.Sheet("Respondents", self._sheet_grid(self.respondents), freeze=freeze),
                writers.Sheet("Share", share, percent=percent, freeze=freeze),
                writers.Sheet("Excerpts", self._sheet_grid(self.excerpts), freeze=freeze)]

    def blocks(self) -> list[writers.Block]:
        data: dict[str, list] = {"code": self.rows.indented()}
        for column in self.columns:
            data[f"{column} (n={self.n[column]})"] = [
                f"{r} ({s:.0%}) / {e}" for r, s, e in zip(self.respondents.column(column),
                                                         self.share.column(column), self.excerpts.column(column))]
        legend = (f"Each cell: respondents who mention the code (share of the column's respondents whose "
                  f"interviews this coding covers) / coded excerpts. Coding: {self.coding_label}."
                  + (" A code's row includes its sub-codes' codings." if self.rollup else ""))
        return [writers.Heading(f"Codes by {self.by}", 1), writers.Paragraph(legend),
                writers.Table(writers.Grid(list(data), list(data.values())))]

    def prevalence(self, *, depth: int | None = 1) -> list[dict[str, Any]]:
        """Tidy rows for a chart: one per code (at tree depth `depth`, None for all) and attribute value."""
        out = []
        for key, name, path in zip(self.rows.keys, self.rows.names, self.rows.paths):
            if depth is not None and len(path) != depth:
                continue
            for column in self.values:
                out.append({"code": key, "name": name, "value": column,
                            "respondents": int(self.respondents.at[key, column]), "n": self.n[column],
                            "share": float(self.share.at[key, column]),
                            "excerpts": int(self.excerpts.at[key, column])})
        return out


def known_attributes(documents) -> list[str]:
    keys = attribute_keys(documents)
    extra = [AGE_BAND] if "age" in keys else []
    return [*BUILTIN_ATTRIBUTES, "document", *keys, *extra]


def attribute_matrix(session: Session, scope: Scope = Scope(), *, by: str, age_bands: str | None = None,
                     rollup: bool = True, config: dict | None = None) -> AttributeMatrix:
    selection = resolve(session, scope)
    return build_attribute_matrix(selection, by=by, age_bands=age_bands or configured_age_bands(config),
                                  rollup=rollup)


def build_attribute_matrix(selection: Selection, *, by: str, age_bands: str = DEFAULT_AGE_BANDS,
                           rollup: bool = True) -> AttributeMatrix:
    import numpy as np

    known = known_attributes(selection.documents)
    if by not in known:
        raise CotagError(f"--by: unknown attribute {by!r} (attributes: {', '.join(known)})")
    bands = parse_age_bands(age_bands) if by == AGE_BAND else []
    value_of: dict[int, str] = {}
    coded = selection.coded_document_ids
    for document in selection.documents:
        if document.id not in coded:
            continue  # not coded yet: neither a mention nor a non-mention
        if by == AGE_BAND:
            value_of[document.id] = age_band(document_value(document, "age"), bands)
        else:
            value_of[document.id] = format_value(document_value(document, by)) or MISSING
    counts: dict[str, int] = {}
    for label in value_of.values():
        counts[label] = counts.get(label, 0) + 1
    if by == AGE_BAND:
        values = [v for v in [*age_band_order(bands), MISSING] if v in counts]
    else:
        values = sorted(counts, key=_natural_key)
    total = "total" if "total" not in counts else "total (all)"
    n = {v: counts[v] for v in values}
    n[total] = len(value_of)

    rows = CodeRows.of(selection)
    codings = selection.codings
    column_of = {label: i for i, label in enumerate(values)}
    sorted_ids = np.array(sorted(value_of), dtype=np.int64)
    sorted_columns = np.array([column_of[value_of[d]] for d in sorted(value_of)], dtype=np.int64)

    def column_for(documents: "np.ndarray") -> "np.ndarray":
        return sorted_columns[np.searchsorted(sorted_ids, documents)] if len(documents) else documents

    in_scope = np.flatnonzero(np.isin(codings.document_id, sorted_ids))
    coding_at, row_at = _expand(selection, rows, rollup, in_scope)
    documents = codings.document_id[coding_at]
    shape = (len(rows.ids), len(values) + 1)

    def table(row: "np.ndarray", document: "np.ndarray") -> CountTable:
        """Per row and column, the (row, document) pairs given; the last column counts each row's pairs."""
        grid = np.zeros(shape, dtype=np.int64)
        if len(row):
            np.add.at(grid, (row, column_for(document)), 1)
            grid[:, -1] = np.bincount(row, minlength=shape[0])
        return CountTable(grid, rows.keys, [*values, total])

    # Respondents: distinct (row, document) pairs; excerpts: codings, each counted once per row it reaches.
    if len(row_at):
        pairs = np.unique(np.stack([row_at, documents]), axis=1)
        respondents = table(pairs[0], pairs[1])
    else:
        respondents = table(row_at, documents)
    excerpts = table(row_at, documents)
    denominators = np.array([n[c] for c in [*values, total]], dtype=float)
    share = np.divide(respondents.values, denominators, out=np.zeros(shape), where=denominators != 0)
    # Every coding in scope has a row (its own code's), so the column totals count them all, once.
    per_column = np.bincount(column_for(codings.document_id[in_scope]), minlength=len(values))
    total_excerpts = {label: int(per_column[i]) for i, label in enumerate(values)}
    total_excerpts[total] = int(len(in_scope))
    return AttributeMatrix(by=by, values=values, n=n, rows=rows, respondents=respondents, excerpts=excerpts,
                           share=CountTable(share, rows.keys, [*values, total]), coding_label=selection.coding_label, rollup=rollup, total_label=total,
                           total_excerpts=total_excerpts)


# ---------------------------------------------------------------- code x code

@dataclass
class CooccurrenceMatrix:
    """Units (or documents) in which both codes occur; the diagonal counts those with the code at all."""

    within: str
    rows: CodeRows
    counts: "pd.DataFrame"  # index and columns: code keys
    coding_label: str
    rollup: bool

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        labels = self.rows.label_frame()[["code", "code_name"]]
        # concat, not join: a code keyed "code" must not collide with the label column.
        return pd.concat([labels, self.counts.reset_index(drop=True)], axis=1)

    def table(self) -> writers.Grid:
        return writers.Grid.from_frame(self.frame())

    def sheets(self) -> list[writers.Sheet]:
        return [writers.Sheet(f"Co-occurrence by {self.within}", self.table(), freeze="C2")]

    def blocks(self) -> list[writers.Block]:
        import pandas as pd

        named = pd.DataFrame({"code": self.rows.indented()})
        body = self.counts.reset_index(drop=True)
        body.columns = list(self.rows.keys)
        legend = (f"Each cell: {self.within}s in which both codes occur (the diagonal: {self.within}s with the code). "
                  f"Columns are code keys. Coding: {self.coding_label}."
                  + (" A code includes its sub-codes' codings." if self.rollup else ""))
        return [writers.Heading(f"Code co-occurrence within {self.within}s", 1), writers.Paragraph(legend),
                writers.Table(writers.Grid.from_frame(pd.concat([named, body], axis=1)))]

    def pairs(self) -> list[dict[str, Any]]:
        """Off-diagonal pairs, most frequent first: what a TUI list or a network view shows."""
        keys = list(self.counts.index)
        names = dict(zip(self.rows.keys, self.rows.names))
        out = []
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                count = int(self.counts.at[a, b])
                if count:
                    out.append({"a": a, "a_name": names[a], "b": b, "b_name": names[b], "count": count})
        return sorted(out, key=lambda p: (-p["count"], p["a"], p["b"]))


def cooccurrence(session: Session, scope: Scope = Scope(), *, within: str = "unit", rollup: bool = False
                 ) -> CooccurrenceMatrix:
    if within not in WITHIN:
        raise CotagError(f"--cooccurrence: unknown value {within!r} (choose {' or '.join(WITHIN)})")
    selection = resolve(session, scope, with_units=within == "unit")
    return build_cooccurrence(selection, within=within, rollup=rollup)


def build_cooccurrence(selection: Selection, *, within: str, rollup: bool = False) -> CooccurrenceMatrix:
    import numpy as np
    import pandas as pd

    if within not in WITHIN:
        raise CotagError(f"--cooccurrence: unknown value {within!r} (choose {' or '.join(WITHIN)})")
    rows = CodeRows.of(selection)
    codings = selection.codings
    in_scope = np.flatnonzero(np.isin(codings.document_id,
                                      np.array([d.id for d in selection.documents], dtype=np.int64)))
    coding_at, row_at = _expand(selection, rows, rollup, in_scope)
    if within == "document":
        places = codings.document_id[coding_at]
    else:
        units = selection.units
        if units is None:
            raise CotagError("co-occurrence within units needs the selection's units: resolve(..., with_units=True)")
        first, last = units.touched(codings.document_id[coding_at], codings.start[coding_at], codings.end[coding_at])
        spread = np.maximum(last - first + 1, 0)
        # One place per unit a coding overlaps: positions first..last of the unit table.
        offsets = np.arange(int(spread.sum())) - np.repeat(np.cumsum(spread) - spread, spread)
        places = np.repeat(first, spread) + offsets
        row_at = np.repeat(row_at, spread)
    # Pairs within each place by a self-join: the work grows with the codes per place, not places x codes.
    hits = pd.DataFrame({"place": places, "code": row_at}).drop_duplicates()
    pairs = hits.merge(hits, on="place", suffixes=("_a", "_b"))
    counted = pairs.groupby(["code_a", "code_b"]).size()
    size = len(rows.ids)
    grid = np.zeros((size, size), dtype=np.int64)
    if len(counted):
        grid[counted.index.get_level_values(0).to_numpy(), counted.index.get_level_values(1).to_numpy()] = \
            counted.to_numpy()
    return CooccurrenceMatrix(within=within, rows=rows, counts=pd.DataFrame(grid, index=rows.keys, columns=rows.keys),
                              coding_label=selection.coding_label, rollup=rollup)


# ---------------------------------------------------------------- what `export matrix` and the analysis screen write

def matrix_about(result: "AttributeMatrix | CooccurrenceMatrix", scope: Scope, documents: int | None = None
                 ) -> writers.About:
    """The workbook's read-me for a matrix: what it counts, whose coding, which scope."""
    if isinstance(result, AttributeMatrix):
        what = f"Codes by {result.by}: respondents, share, excerpts"
        notes = ["a code's row includes its sub-codes' codings" if result.rollup else "each code's own codings",
                 "share: of the column's respondents whose interviews this coding covers"]
    else:
        what = f"Code co-occurrence within {result.within}s"
        notes = ["a code includes its sub-codes' codings" if result.rollup else "each code's own codings"]
    return writers.About(what, result.coding_label, scope, documents=documents, notes=tuple(notes))


def theme_prevalence(session: Session, *, by: str = "group", scope: Scope = Scope(), depth: int | None = 1,
                     age_bands: str | None = None, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The analysis screen's bar chart: share of respondents per theme (tree depth 1) and attribute value."""
    matrix = attribute_matrix(session, scope, by=by, age_bands=age_bands, config=config)
    return matrix.prevalence(depth=depth)


def write_matrix(project: "Project", session: Session, path: Path | None, *, fmt: str | None = None,
                 scope: Scope = Scope(), by: str | None = None, within: str | None = None,
                 age_bands: str | None = None, rollup: bool | None = None, excel: bool = False,
                 pseudonymise: bool = False) -> tuple[dict[str, Any], str | None]:
    """Write a code x attribute matrix (--by) or a co-occurrence table (--cooccurrence).

    excel: a CSV starts with a byte-order mark (Excel then reads it as UTF-8).
    pseudonymise: column heads (attribute values) and the read-me's filters through the pseudonym table.
    """
    if (by is None) == (within is None):
        raise CotagError("choose either --by ATTRIBUTE (code x attribute matrix) or --cooccurrence unit|document")
    fmt = writers.output_format(path, fmt, example="matrix")
    layer = None
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)  # an empty table is refused before anything is read
    if by is not None:
        result: Any = attribute_matrix(session, scope, by=by, age_bands=age_bands, config=project.config,
                                       rollup=True if rollup is None else rollup)
        if layer is not None:
            result = private.matrix(result, layer)
        summary = {"kind": "attribute", "by": by, "columns": result.values, "n": result.n}
    elif within is not None:  # always, by the check above
        result = cooccurrence(session, scope, within=within, rollup=bool(rollup))
        summary = {"kind": "cooccurrence", "within": within}
    about = matrix_about(result, scope)
    if layer is not None:
        about = replace(about, scope=private.scope(scope, layer), notes=(*about.notes, private.note(layer)))
        summary["pseudonymised"] = len(layer.entries)
    text = writers.write(result, path, fmt, excel=excel, about=about)
    summary.update({"path": str(path) if path else None, "format": fmt, "codes": len(result.rows.ids),
                    "coding": result.coding_label})
    return summary, text
