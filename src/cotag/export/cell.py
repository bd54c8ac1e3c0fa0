"""The quotes behind one cell of a code x attribute matrix (`cotag export matrix --by A --cell CODE:VALUE`)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.attribution import format_value
from cotag.export.matrix import (AGE_BAND, MISSING, age_band, configured_age_bands, known_attributes,
                                 parse_age_bands)
from cotag.export.quotes import build_quotes, quote_summary
from cotag.export.scope import Scope, Selection, bulk, document_value, resolve

if TYPE_CHECKING:
    from cotag.export.analysis import Analysis
    from cotag.export.quotes import QuoteTable
    from cotag.project import Project
    from cotag.store.session import Session


def parse_cell(spec: str) -> tuple[str, str]:
    code, sep, value = spec.partition(":")
    if not sep or not code.strip() or not value.strip():
        raise CotagError(f"--cell {spec!r}: write CODE:VALUE, e.g. --cell wages:female (VALUE as the matrix's "
                         "column heads it, or total)")
    return code.strip(), value.strip()


def _hint(selection: Selection, key: str) -> str:
    from cotag.export.scope import close_keys

    close = close_keys(selection.tree, key)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def narrow_to_cell(selection: Selection, *, code: str, by: str, value: str, bands: list, rollup: bool = True,
                   spec: str | None = None, label_of: Callable[[str], str] | None = None) -> Selection:
    """The selection cut (in place) to what the matrix counts in one cell: codings of code (rolled up: and of its
    sub-codes) in the coded documents whose `by` value heads the column (every coded document for `total`).
    The analysis screen's Enter on a cell and `export matrix --cell` both cut here. label_of(label) is the
    column's head as printed (pseudonymised), which VALUE may also name."""
    import numpy as np

    cell = spec or f"{code}:{value}"
    known = known_attributes(selection.documents)
    if by not in known:
        raise CotagError(f"--by: unknown attribute {by!r} (attributes: {', '.join(known)})")
    found = selection.tree.by_key().get(code)
    if found is None:
        raise CotagError(f"--cell {cell!r}: no code with key {code!r}{_hint(selection, code)}")
    labels = {}
    for document in selection.documents:
        if document.id in selection.coded_document_ids:
            labels[document.id] = (age_band(document_value(document, "age"), bands) if by == AGE_BAND
                                   else format_value(document_value(document, by)) or MISSING)
    if value.casefold() in ("total", "total (all)") and not any(v.casefold() == value.casefold()
                                                                  for v in labels.values()):
        chosen = set(labels)
    else:
        chosen = {d for d, label in labels.items() if label.casefold() == value.casefold()}
        if not chosen and label_of is not None:
            chosen = {d for d, label in labels.items() if label_of(label).casefold() == value.casefold()}
        if not chosen:
            shown = sorted(set(labels.values()), key=str.casefold)
            raise CotagError(f"--cell {cell!r}: no column {value!r} in the matrix by {by} "
                             f"(columns: {', '.join([*shown, 'total'])})")
    codes = np.fromiter(selection.tree.subtree(int(found.id or 0)) if rollup else [found.id], dtype=np.int64)
    keep = np.isin(selection.codings.document_id, np.fromiter(chosen, dtype=np.int64))
    keep &= np.isin(selection.codings.code_id, codes)
    selection.codings = selection.codings.take(keep)
    selection.documents = [d for d in selection.documents if d.id in chosen]
    return selection


def write_cell_quotes(project: "Project", session: Session, path: Path | None, *, cell: str, by: str | None = None,
                      within: str | None = None, fmt: str | None = None, scope: Scope = Scope(),
                      age_bands: str | None = None, rollup: bool | None = None,
                      attribution_overrides: Iterable[str] = (), pseudonymise: bool = False
                      ) -> tuple[dict[str, Any], str | None]:
    """Write the quotes the matrix counts in the cell: codings of CODE (and, rolled up, its sub-codes) in the
    coded documents whose `by` value heads the column (every coded document for `total`). With `within` (a
    co-occurrence matrix) the cell is CODE:CODE, and its quotes those narrow_to_pair keeps.

    pseudonymise: quotes, attributions and the title through the pseudonym table; VALUE may then be the column's
    pseudonymised head, as the pseudonymised matrix prints it."""
    if within is not None:
        return _write_pair_quotes(project, session, path, cell=cell, within=within, fmt=fmt, scope=scope,
                                  rollup=bool(rollup), attribution_overrides=attribution_overrides,
                                  pseudonymise=pseudonymise)
    if by is None:
        raise CotagError("--cell CODE:VALUE goes with --by ATTRIBUTE (or --cooccurrence unit|document)")
    rollup = True if rollup is None else rollup
    code, value = parse_cell(cell)
    fmt = writers.output_format(path, fmt, example="cell")
    bands = parse_age_bands(age_bands or configured_age_bands(project.config)) if by == AGE_BAND else []
    layer = None
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)
    try:
        selection = resolve(session, replace(scope, codes=(code,)), with_text=True, with_units=True)
    except CotagError as exc:
        if str(exc).startswith("--codes:"):
            raise CotagError(f"--cell {cell!r}:" + str(exc)[len("--codes:"):]) from None
        raise
    # VALUE may name the column's head as the pseudonymised matrix prints it.
    label_of = partial(private.value_label, layer, by) if layer is not None else None
    narrow_to_cell(selection, code=code, by=by, value=value, bands=bands, rollup=rollup, spec=cell,
                   label_of=label_of)
    table = build_quotes(selection, config=project.config, attribution_overrides=attribution_overrides,
                         pseudonyms=layer)
    head = private.value_label(layer, by, value) if layer is not None else value
    table.title = f"Quotes: {code} × {by} = {head}"
    if layer is not None:
        table.notes = [private.note(layer)]
    with bulk():
        text = writers.write(table, path, fmt)
    return {**quote_summary(table, path, fmt), "cell": {"code": code, "by": by, "value": head}}, text


def _write_pair_quotes(project: "Project", session: Session, path: Path | None, *, cell: str, within: str,
                       fmt: str | None, scope: Scope, rollup: bool, attribution_overrides: Iterable[str],
                       pseudonymise: bool) -> tuple[dict[str, Any], str | None]:
    """The quotes behind one cell of the co-occurrence matrix (`--cooccurrence W --cell A:B`): what Enter on that
    cell of the analysis screen opens."""
    a, b = parse_cell(cell)
    fmt = writers.output_format(path, fmt, example="cell")
    layer = None
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)
    try:
        selection = resolve(session, replace(scope, codes=tuple(dict.fromkeys((a, b)))), with_text=True,
                            with_units=True)
        narrow_to_pair(selection, a=a, b=b, within=within, rollup=rollup)
    except CotagError as exc:
        message = str(exc)
        for prefix in ("--codes: ", "no code"):
            if message.startswith(prefix):
                raise CotagError(f"--cell {cell!r}: " + message.removeprefix("--codes: ")) from None
        raise
    table = build_quotes(selection, config=project.config, attribution_overrides=attribution_overrides,
                         pseudonyms=layer)
    table.title = f"Quotes: {a} with {b} in the same {within}" if a != b else f"Quotes: {a}"
    if layer is not None:
        table.notes = [private.note(layer)]
    with bulk():
        text = writers.write(table, path, fmt)
    return {**quote_summary(table, path, fmt), "cell": {"code": a, "with": b, "within": within}}, text


def narrow_to_pair(selection: Selection, *, a: str, b: str, within: str, rollup: bool = False) -> Selection:
    """The selection cut (in place) to what a co-occurrence cell counts: the codings of a that share a unit (or,
    within documents, a document) with a coding of b, and those of b that share one with a. On the diagonal
    (a == b): every coding of a. Codes are their own codings unless rolled up, as the matrix counts them."""
    import numpy as np

    from cotag.export.matrix import WITHIN

    if within not in WITHIN:
        raise CotagError(f"co-occurrence within {within!r}: choose {' or '.join(WITHIN)}")
    tree = selection.tree.by_key()
    for key in (a, b):
        if key not in tree:
            raise CotagError(f"no code with key {key!r}{_hint(selection, key)}")

    def ids(key: str) -> "np.ndarray":
        found = int(tree[key].id or 0)
        return np.fromiter(selection.tree.subtree(found) if rollup else [found], dtype=np.int64)

    codings = selection.codings
    in_scope = np.isin(codings.document_id, np.array([d.id for d in selection.documents], dtype=np.int64))
    of_a = in_scope & np.isin(codings.code_id, ids(a))
    of_b = in_scope & np.isin(codings.code_id, ids(b))
    if a == b:
        selection.codings = codings.take(of_a)
        return selection
    if within == "document":
        first = last = codings.document_id
    else:
        if selection.units is None:
            raise CotagError("co-occurrence within units needs the selection's units: resolve(..., with_units=True)")
        first, last = selection.units.touched(codings.document_id, codings.start, codings.end)

    def places(mask: "np.ndarray") -> set[int]:
        return {p for i in np.flatnonzero(mask) for p in range(int(first[i]), int(last[i]) + 1)}

    a_places, b_places = places(of_a), places(of_b)
    keep = np.zeros(len(codings.code_id), dtype=bool)
    for i in np.flatnonzero(of_a | of_b):
        others = b_places if of_a[i] else a_places
        # A coding of both codes (rolled up, a parent and its child) meets the other side through either.
        if of_a[i] and of_b[i]:
            others = a_places | b_places
        keep[i] = any(p in others for p in range(int(first[i]), int(last[i]) + 1))
    selection.codings = codings.take(keep)
    return selection


def analysis_cell_quotes(analysis: "Analysis", *, code: str, by: str, value: str) -> "QuoteTable":
    """The quotes behind one cell of the analysis screen's themes table (code x attribute value, or total)."""
    bands = parse_age_bands(configured_age_bands(analysis.config)) if by == AGE_BAND else []
    selection = narrow_to_cell(dataclass_copy(analysis.selection), code=code, by=by, value=value, bands=bands)
    table = build_quotes(selection, widen=analysis.widen, config=analysis.config)
    table.title = f"Quotes: {code} × {by} = {value}"
    return table


def analysis_pair_quotes(analysis: "Analysis", *, a: str, b: str, within: str) -> "QuoteTable":
    """The quotes behind one cell of the analysis screen's co-occurrence matrix."""
    selection = narrow_to_pair(dataclass_copy(analysis.selection), a=a, b=b, within=within)
    table = build_quotes(selection, widen=analysis.widen, config=analysis.config)
    table.title = f"Quotes: {a} with {b} in the same {within}" if a != b else f"Quotes: {a}"
    return table


def dataclass_copy(selection: Selection) -> Selection:
    """A shallow copy: narrowing rebinds its codings and documents, the analysis keeps its own."""
    return replace(selection)
