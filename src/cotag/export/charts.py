"""The analysis screen's charts as PNG or SVG for a paper: theme frequency by group, and code co-occurrence.

The numbers come from cotag.export.analysis.Analysis, the object the screen draws from, so a figure in a
paper and the screen never disagree. matplotlib is imported only here, when a chart is drawn, with the Agg
back end (no display needed): `cotag --help` and every other command stay as fast as before.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.analysis import Analysis
from cotag.export.matrix import WITHIN
from cotag.export.scope import Scope, resolve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from cotag.project import Project
    from cotag.store.session import Session

CHART_KINDS = ("frequency", "cooccurrence")
CHART_FORMATS = ("png", "svg")
CHART_SUFFIXES = {".png": "png", ".svg": "svg"}
DPI = 300  # print resolution for PNG; SVG is vector and keeps its text as text


@dataclass
class FrequencyChart:
    """Share of respondents (percent) mentioning each theme, one series per attribute value."""

    by: str
    themes: list[str]  # theme keys, codebook order
    names: list[str]
    values: list[str]  # attribute values, the core's order
    n: dict[str, int]
    percent: dict[str, list[float]]  # value -> one percentage per theme
    coding: str

    @property
    def title(self) -> str:
        return f"Respondents mentioning each theme, by {self.by}"


@dataclass
class CooccurrenceChart:
    """Code x code counts: places (units or documents) where both codes occur; the diagonal, where one does."""

    within: str
    keys: list[str]
    names: list[str]
    counts: list[list[int]]
    coding: str

    @property
    def title(self) -> str:
        return f"Code co-occurrence within {self.within}s"


def frequency_chart(analysis: Analysis, by: str) -> FrequencyChart:
    rows = analysis.prevalence(by)
    themes: dict[str, str] = {}
    values: dict[str, int] = {}
    share: dict[tuple[str, str], float] = {}
    for row in rows:
        themes.setdefault(row["code"], row["name"])
        values.setdefault(row["value"], row["n"])
        share[(row["code"], row["value"])] = row["share"]
    percent = {value: [100 * share.get((code, value), 0.0) for code in themes] for value in values}
    return FrequencyChart(by=by, themes=list(themes), names=list(themes.values()), values=list(values), n=values,
                          percent=percent, coding=analysis.coding_label)


def cooccurrence_chart(analysis: Analysis, within: str) -> CooccurrenceChart:
    matrix = analysis.cooccurrence(within)
    keys = list(matrix.counts.index)
    return CooccurrenceChart(within=within, keys=keys, names=list(matrix.rows.names),
                             counts=[[int(v) for v in row] for row in matrix.counts.to_numpy().tolist()],
                             coding=analysis.coding_label)


def _pyplot():
    try:
        import matplotlib
    except ImportError:  # a dependency; only a broken install gets here
        raise CotagError("charts need matplotlib: pip install 'matplotlib>=3.8,<4'") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def figure(chart: FrequencyChart | CooccurrenceChart) -> "Figure":
    """The chart drawn on a matplotlib figure (the caller closes it)."""
    plt = _pyplot()
    if isinstance(chart, FrequencyChart):
        return _frequency_figure(plt, chart)
    return _cooccurrence_figure(plt, chart)


def _colours(plt, count: int) -> list:
    """Distinct colours for count series: tab10, tab20, then evenly along a perceptual map."""
    if count <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(count)]
    if count <= 20:
        return [plt.get_cmap("tab20")(i) for i in range(count)]
    return [plt.get_cmap("viridis")(i / (count - 1)) for i in range(count)]


def _frequency_figure(plt, chart: FrequencyChart) -> "Figure":
    import numpy as np

    themes, series = len(chart.themes), max(len(chart.values), 1)
    # Wide enough for every bar to be seen, tall enough for the legend beside the plot (one line per value).
    width_in = min(max(6.0, 0.5 * themes * min(series, 6) + 3), 16.0)
    height_in = max(4.5, 0.22 * len(chart.values) + 1.5)
    fig, ax = plt.subplots(figsize=(width_in, height_in), layout="constrained")
    width = 0.8 / series
    positions = np.arange(themes)
    for i, (value, colour) in enumerate(zip(chart.values, _colours(plt, len(chart.values)))):
        offset = (i - (series - 1) / 2) * width
        ax.bar(positions + offset, chart.percent[value], width, label=f"{value} (n={chart.n[value]})", color=colour)
    # Long theme names wrap under their bars; many themes tilt as well, so neighbours never overlap.
    tilt = themes > 8
    labels = [name if tilt else textwrap.fill(name, 16) for name in chart.names]
    ax.set_xticks(positions, labels, rotation=30 if tilt else 0, ha="right" if tilt else "center")
    ax.set_ylabel("% of respondents")
    top = max((v for values in chart.percent.values() for v in values), default=0.0)
    ax.set_ylim(0, max(5.0, min(100.0, top * 1.15)))
    ax.set_title(f"{chart.title}\ncoding: {chart.coding}")
    if chart.values:
        ax.legend(title=chart.by, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize="small" if len(chart.values) > 12 else "medium")
    else:
        ax.text(0.5, 0.5, "No coded themes in this coding yet", ha="center", transform=ax.transAxes)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _cooccurrence_figure(plt, chart: CooccurrenceChart) -> "Figure":
    import numpy as np

    size = len(chart.keys)
    side = max(4.0, 0.45 * size + 2.5)
    fig, ax = plt.subplots(figsize=(side + 1, side), layout="constrained")
    counts = np.array(chart.counts, dtype=float).reshape(size, size)
    # The scale follows the pairs (off the diagonal): the diagonal, each code alone, would wash them out.
    pairs = counts[~np.eye(size, dtype=bool)] if size > 1 else counts.ravel()
    vmax = pairs.max() if pairs.size and pairs.max() > 0 else max(counts.max() if size else 1, 1)
    image = ax.imshow(counts, cmap="Blues", vmin=0, vmax=vmax)
    ax.set_xticks(range(size), chart.names, rotation=45, ha="right")
    ax.set_yticks(range(size), chart.names)
    top = vmax
    if size <= 30:  # numbers in the cells while they stay legible
        for i in range(size):
            for j in range(size):
                ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if top and counts[i, j] > top / 2 else "black")
    from matplotlib.ticker import MaxNLocator

    bar = fig.colorbar(image, ax=ax, label=f"{chart.within}s with both codes (diagonal: with the code)",
                       shrink=0.8)
    bar.locator = MaxNLocator(integer=True)  # counts: no 1.25 of a unit
    bar.update_ticks()
    ax.set_title(f"{chart.title}\ncoding: {chart.coding}")
    return fig


def render_chart(chart: FrequencyChart | CooccurrenceChart, fmt: str) -> bytes:
    plt = _pyplot()
    # svg.fonttype none: labels stay text in the SVG (searchable, editable in a paper's figure); no date in the
    # metadata, so the same data gives the same file.
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cotag"}):
        fig = figure(chart)
        try:
            buffer = io.BytesIO()
            metadata = {"Date": None} if fmt == "svg" else {}
            fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
        finally:
            plt.close(fig)
    return buffer.getvalue()


def chart_format(path: Path, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in CHART_FORMATS:
            raise CotagError(f"--format: unknown chart format {fmt!r} (formats: {', '.join(CHART_FORMATS)})")
        return fmt
    found = CHART_SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise CotagError(f"{path}: cannot tell the image format from the suffix {path.suffix or '(none)'!r}; "
                         f"use .png or .svg, or pass --format")
    return found


def build_chart(session: Session, *, kind: str = "frequency", by: str = "group", within: str = "unit",
                scope: Scope = Scope(), config: dict[str, Any] | None = None) -> FrequencyChart | CooccurrenceChart:
    if kind not in CHART_KINDS:
        raise CotagError(f"--kind: unknown chart {kind!r} (choose {' or '.join(CHART_KINDS)})")
    if kind == "cooccurrence" and within not in WITHIN:
        raise CotagError(f"--within: unknown value {within!r} (choose {' or '.join(WITHIN)})")
    selection = resolve(session, scope, with_units=kind == "cooccurrence" and within == "unit")
    analysis = Analysis(selection=selection, scope=scope, config=dict(config or {}))
    return frequency_chart(analysis, by) if kind == "frequency" else cooccurrence_chart(analysis, within)


def write_chart(project: "Project", session: Session, path: Path, *, kind: str = "frequency", by: str = "group",
                within: str = "unit", fmt: str | None = None, scope: Scope = Scope(),
                pseudonymise: bool = False) -> dict[str, Any]:
    """pseudonymise: the bars' attribute values and the code names through the pseudonym table."""
    fmt = chart_format(path, fmt)
    writers.check_writable(path)
    layer = None
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)
    chart = build_chart(session, kind=kind, by=by, within=within, scope=scope, config=project.config)
    if layer is not None:
        from dataclasses import replace

        chart = private.chart(chart, layer) if isinstance(chart, FrequencyChart) \
            else replace(chart, names=[layer(n) for n in chart.names])
    writers.save_content(path, render_chart(chart, fmt))
    summary: dict[str, Any] = {"path": str(path), "format": fmt, "kind": kind, "coding": chart.coding}
    if isinstance(chart, FrequencyChart):
        summary.update({"by": by, "themes": chart.themes, "values": chart.values})
    else:
        summary.update({"within": within, "codes": chart.keys})
    return summary
