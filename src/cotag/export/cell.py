"""The quotes behind one cell of a code x attribute matrix (`cotag export matrix --by A --cell CODE:VALUE`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.attribution import format_value
from cotag.export.matrix import (AGE_BAND, MISSING, age_band, configured_age_bands, known_attributes,
                                 parse_age_bands)
from cotag.export.quotes import build_quotes, quote_summary
from cotag.export.scope import Scope, bulk, document_value, resolve

if TYPE_CHECKING:
    from cotag.project import Project


def parse_cell(spec: str) -> tuple[str, str]:
    code, sep, value = spec.partition(":")
    if not sep or not code.strip() or not value.strip():
        raise CotagError(f"--cell {spec!r}: write CODE:VALUE, e.g. --cell wages:female (VALUE as the matrix's "
                         "column heads it, or total)")
    return code.strip(), value.strip()


def export_cell_quotes(project: "Project", path: Path | None, *, cell: str, by: str, fmt: str | None = None,
                       scope: Scope = Scope(), age_bands: str | None = None, rollup: bool = True,
                       attribution_overrides: Iterable[str] = (), pseudonymise: bool = False
                       ) -> tuple[dict[str, Any], str | None]:
    """Write the quotes the matrix counts in the cell: codings of CODE (and, rolled up, its sub-codes) in the
    coded documents whose `by` value heads the column (every coded document for `total`).

    pseudonymise: quotes, attributions and the title through the pseudonym table; VALUE may then be the column's
    pseudonymised head, as the pseudonymised matrix prints it."""
    code, value = parse_cell(cell)
    fmt = writers.resolve_format(path, fmt)
    if path is not None:
        writers.check_writable(path)
    elif fmt in writers.BINARY_FORMATS:
        raise CotagError(f"{fmt} output needs a file name (e.g. cell.{fmt})")
    bands = parse_age_bands(age_bands or configured_age_bands(project.config)) if by == AGE_BAND else []
    layer = None
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)
    with project.session() as session:
        try:
            selection = resolve(session, replace(scope, codes=(code,)), with_text=True, with_units=True)
        except CotagError as exc:
            if str(exc).startswith("--codes:"):
                raise CotagError(f"--cell {cell!r}:" + str(exc)[len("--codes:"):]) from None
            raise
        known = known_attributes(selection.documents)
        if by not in known:
            raise CotagError(f"--by: unknown attribute {by!r} (attributes: {', '.join(known)})")
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
            if not chosen and layer is not None:  # the head as the pseudonymised matrix prints it
                chosen = {d for d, label in labels.items()
                          if private.value_label(layer, by, label).casefold() == value.casefold()}
            if not chosen:
                shown = sorted(set(labels.values()), key=str.casefold)
                raise CotagError(f"--cell {cell!r}: no column {value!r} in the matrix by {by} "
                                 f"(columns: {', '.join([*shown, 'total'])})")
        code_id = selection.tree.by_key()[code].id
        import numpy as np

        keep = np.isin(selection.codings.document_id, np.fromiter(chosen, dtype=np.int64))
        if not rollup:
            keep &= selection.codings.code_id == code_id
        selection.codings = selection.codings.take(keep)
        selection.documents = [d for d in selection.documents if d.id in chosen]
        table = build_quotes(selection, config=project.config, attribution_overrides=attribution_overrides,
                             pseudonyms=layer)
    head = private.value_label(layer, by, value) if layer is not None else value
    table.title = f"Quotes: {code} × {by} = {head}"
    if layer is not None:
        table.notes = [private.note(layer)]
    with bulk():
        text = writers.write(table, path, fmt)
    return {**quote_summary(table, path, fmt), "cell": {"code": code, "by": by, "value": head}}, text
