"""Calculator mode: agreement straight from a CSV file, like ReCal (`cotag agreement --matrix/--spans`).

Matrix CSV: a header row naming the coders, then one row per unit; an empty cell means
the coder did not rate that unit.  Spans CSV: columns coder, start, end, category.
Formats with examples are in docs/agreement.md.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from cotag.errors import CotagError
from cotag.reliability.bootstrap import (
    DEFAULT_SEED,
    DEFAULT_THRESHOLDS,
    METHODS,
    BootstrapResult,
    bootstrap_alpha,
    summarise_replicates,
)
from cotag.reliability.measures import LEVELS, MEASURES, compute
from cotag.reliability.unitized import Span, unitized_alpha, unitized_alpha_per_category

SPAN_COLUMNS = ("coder", "start", "end", "category")


class CalculatorError(CotagError):
    """A calculator input problem; the message names the file and, where it applies, the line."""


def _open_rows(path: str | Path) -> list[tuple[int, list[str]]]:
    """Return (line number, cells) for every non-blank CSV row."""
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = []
            reader = csv.reader(fh)
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                rows.append((reader.line_num, [c.strip() for c in cells]))
            return rows
    except FileNotFoundError:
        raise CalculatorError(f"{p}: file not found") from None
    except UnicodeDecodeError:
        raise CalculatorError(f"{p}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise CalculatorError(f"{p}: not a readable CSV file ({exc})") from None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_matrix(path: str | Path, level: str) -> tuple[list[str], np.ndarray, list[str] | None]:
    if level not in LEVELS:
        raise CalculatorError(f"unknown level {level!r}; valid levels: {', '.join(LEVELS)}")
    rows = _open_rows(path)
    if not rows:
        raise CalculatorError(f"{path}: the file is empty; expected a header row naming the coders")
    header_line, coders = rows[0]
    for col, name in enumerate(coders, start=1):
        if not name:
            raise CalculatorError(f"{path}, line {header_line}, column {col}: empty coder name in the header row")
    seen: set[str] = set()
    for col, name in enumerate(coders, start=1):
        if name in seen:
            raise CalculatorError(
                f"{path}, line {header_line}, column {col}: coder {name!r} appears twice in the header"
            )
        seen.add(name)
    if len(coders) < 2:
        raise CalculatorError(
            f"{path}, line {header_line}: the header names {len(coders)} coder(s); agreement needs 2 or more"
        )
    body = rows[1:]
    if not body:
        raise CalculatorError(f"{path}: no unit rows after the header")
    cells: list[list[str]] = []
    for line, row in body:
        if len(row) != len(coders):
            raise CalculatorError(
                f"{path}, line {line}: expected {len(coders)} cells (one per coder), found {len(row)}"
            )
        cells.append(row)
    for col, name in enumerate(coders, start=1):
        # a coder with no value would still count as a coder (Fleiss' kappa's "3 or more", n_coders)
        if not any(row[col - 1] for row in cells):
            raise CalculatorError(f"{path}, column {col} ({name}): the coder rated no unit; leave the column out")

    numbers = [[_number(c) if c else None for c in row] for row in cells]
    all_numeric = all(n is not None for row, nrow in zip(cells, numbers) for c, n in zip(row, nrow) if c)
    data = np.full((len(coders), len(cells)), np.nan)
    labels: list[str] | None = None
    if level != "nominal" or all_numeric:
        for u, ((line, row), nrow) in enumerate(zip(body, numbers)):
            for k, (text, value) in enumerate(zip(row, nrow)):
                if not text:
                    continue
                if value is None:
                    raise CalculatorError(
                        f"{path}, line {line}, column {k + 1} ({coders[k]}): {text!r} is not a number; "
                        f"the {level} level needs numeric values"
                    )
                data[k, u] = value
    else:
        # nominal labels: integer codes in order of first appearance
        index: dict[str, int] = {}
        for u, row in enumerate(cells):
            for k, text in enumerate(row):
                if text:
                    data[k, u] = index.setdefault(text, len(index))
        labels = list(index)
    return coders, data, labels


def read_matrix_csv(path: str | Path, level: str = "nominal") -> tuple[list[str], np.ndarray]:
    """Read a coders-in-columns CSV into (coders, coders x units float array, nan = missing).

    Nominal data may use category labels; they are mapped to integer codes in order of
    first appearance.  Ordinal, interval and ratio data must be numbers.
    """
    coders, data, _ = _read_matrix(path, level)
    return coders, data


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        value = _number(text)
        if value is not None and value.is_integer():
            return int(value)
        return None


def read_spans_csv(path: str | Path) -> list[Span]:
    """Read a spans CSV (header with columns coder, start, end, category; any order)."""
    return [span for _, span in _read_spans(path)]


def _read_spans(path: str | Path) -> list[tuple[int, Span]]:
    rows = _open_rows(path)
    if not rows:
        raise CalculatorError(f"{path}: the file is empty; expected a header row: {','.join(SPAN_COLUMNS)}")
    header_line, header = rows[0]
    names = [h.lower() for h in header]
    missing = [c for c in SPAN_COLUMNS if c not in names]
    if missing:
        raise CalculatorError(
            f"{path}, line {header_line}: header lacks column(s) {', '.join(missing)}; "
            f"expected {','.join(SPAN_COLUMNS)}"
        )
    pos = {c: names.index(c) for c in SPAN_COLUMNS}
    spans: list[tuple[int, Span]] = []
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise CalculatorError(f"{path}, line {line}: expected {len(header)} cells, found {len(row)}")
        coder, category = row[pos["coder"]], row[pos["category"]]
        if not coder:
            raise CalculatorError(f"{path}, line {line}: empty coder")
        if not category:
            raise CalculatorError(f"{path}, line {line}: empty category")
        bounds = []
        for col in ("start", "end"):
            text = row[pos[col]]
            value = _integer(text)
            if value is None:
                raise CalculatorError(f"{path}, line {line}: {col} {text!r} is not a whole number")
            bounds.append(value)
        start, end = bounds
        if not start < end:
            raise CalculatorError(f"{path}, line {line}: start ({start}) must be smaller than end ({end})")
        spans.append((line, Span(coder, start, end, category)))
    if not spans:
        raise CalculatorError(f"{path}: no spans after the header")
    return spans


MIN_UNITS = 20
MAX_UNDEFINED_SHARE = 0.05


def _bootstrap_other(measure: str, data: np.ndarray, level: str, n: int, seed: int) -> BootstrapResult:
    """Case-resampling percentile bootstrap of a kappa-type measure: whole units (columns) are redrawn.

    Units nobody rated carry nothing and are dropped first; a replicate where the measure is
    undefined (one value only) is counted, not averaged.  The calculator's files are small, so
    each replicate simply recomputes the measure.
    """
    x = data[:, (~np.isnan(data)).any(axis=0)]
    estimate = compute(measure, x, level=level).value
    units = x.shape[1]
    reps = np.full(n, np.nan)
    if estimate is not None and units >= 2:
        draws = np.random.default_rng(seed).integers(0, units, size=(n, units))
        for b in range(n):
            value = compute(measure, x[:, draws[b]], level=level).value
            reps[b] = np.nan if value is None else value
    if estimate is None:
        return BootstrapResult(None, "the measure is undefined for these data", None, 0.95, None, reps, None, n, n,
                               units, seed, level, "units")
    return summarise_replicates(float(estimate), reps, n, units, seed, level, "units", 0.95, DEFAULT_THRESHOLDS)


def _bootstrap_block(measure: str, data: np.ndarray, level: str, n: int, seed: int, method: str) -> dict[str, Any]:
    if method not in METHODS:
        raise CalculatorError(f"unknown bootstrap method {method!r}; use {' or '.join(METHODS)}")
    if measure == "krippendorff_alpha":
        r = bootstrap_alpha(data, n=n, seed=seed, level=level, method=method)
    elif method == "krippendorff":
        raise CalculatorError("the krippendorff bootstrap (Krippendorff 2013b) is defined for "
                              "krippendorff_alpha only; use --bootstrap-method cluster")
    else:
        r = _bootstrap_other(measure, data, level, n, seed)
    warnings = []
    if r.method != "krippendorff" and r.n_clusters < MIN_UNITS:
        warnings.append(f"only {r.n_clusters} units were resampled (fewer than {MIN_UNITS}): "
                        "the interval rests on too few units to be trusted")
    if r.n and r.n_undefined / r.n > MAX_UNDEFINED_SHARE and r.estimate is not None:
        warnings.append(f"{r.n_undefined} of {r.n} replicates ({r.n_undefined / r.n:.0%}) had no variation and "
                        "were left out; the interval describes the other replicates only")
    return {
        "method": "krippendorff" if r.method == "krippendorff" else "cluster",
        "interval": "percentile",
        "ci": list(r.ci) if r.ci is not None else None,
        "ci_level": r.ci_level,
        "replicates": r.n,
        "undefined_replicates": r.n_undefined,
        "units_resampled": r.n_clusters if r.method != "krippendorff" else None,
        "pairs_per_replicate": r.n_pairs,
        "p_below": {f"{k:.3f}": v for k, v in r.p_below.items()} if r.p_below is not None else None,
        "seed": r.seed,
        "note": r.note,
        "warnings": warnings,
    }


def calculate_matrix(path: str | Path, measure: str, level: str = "nominal", *, bootstrap: int = 0,
                     seed: int = DEFAULT_SEED, bootstrap_method: str = "cluster") -> dict[str, Any]:
    """Compute one measure on a matrix CSV; returns a JSON-ready dict.

    bootstrap: replicates for a percentile 95% interval (0 = none).  Alpha is bootstrapped by
    resampling units ("cluster") or by Krippendorff's 2013b pair resampling ("krippendorff");
    the other measures by resampling units.
    """
    if measure not in MEASURES:
        raise CalculatorError(f"unknown measure {measure!r}; valid measures: {', '.join(MEASURES)}")
    if bootstrap < 0:
        raise CalculatorError(f"--bootstrap needs a number of replicates >= 0; got {bootstrap}")
    coders, data, labels = _read_matrix(path, level)
    try:
        result = compute(measure, data, level=level)
        block = _bootstrap_block(measure, data, level, bootstrap, seed, bootstrap_method) if bootstrap else None
    except ValueError as exc:
        raise CalculatorError(f"{path}: {exc}") from None
    out: dict[str, Any] = {
        "measure": measure,
        "level": level,
        "value": result.value,
        "undefined_reason": result.undefined_reason,
        "n_units": result.n_units,
        "n_coders": result.n_coders,
        "coders": coders,
    }
    if labels is not None:
        out["categories"] = labels
    if block is not None:
        out["bootstrap"] = block
    return out


def calculate_spans(path: str | Path, begin: int, end: int) -> dict[str, Any]:
    """Unitized alpha (overall and per category) for a spans CSV on the continuum [begin, end)."""
    if not begin < end:
        raise CalculatorError(f"the continuum needs START < END; got {begin} {end}")
    lined = _read_spans(path)
    for line, s in lined:
        if s.start < begin or s.end > end:
            raise CalculatorError(
                f"{path}, line {line}: span {s.start}-{s.end} lies outside the continuum [{begin}, {end})"
            )
    spans = [s for _, s in lined]
    coders = list(dict.fromkeys(s.coder for s in spans))
    try:
        overall = unitized_alpha(spans, begin, end)
        per = unitized_alpha_per_category(spans, begin, end)
    except ValueError as exc:
        raise CalculatorError(f"{path}: {exc}") from None
    return {
        "measure": "unitized_alpha",
        "value": overall.value,
        "undefined_reason": overall.undefined_reason,
        "per_category": {cat: r.value for cat, r in per.items()},
        "per_category_undefined": {cat: r.undefined_reason for cat, r in per.items() if r.value is None},
        "continuum": [begin, end],
        "n_units": overall.n_units,
        "n_coders": overall.n_coders,
        "coders": coders,
        "merged_spans": overall.merged_spans,
    }
