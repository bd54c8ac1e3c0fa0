"""Every quote table and matrix of one scope, written from a single load of the project."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.matrix import (WITHIN, build_attribute_matrix, build_cooccurrence, configured_age_bands,
                                 known_attributes, matrix_about)
from cotag.export.quotes import build_quotes, check_widen, quote_summary
from cotag.export.scope import Scope, bulk, resolve

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.store.session import Session

# The comparisons the study reports (STUDY.md): groups, region, gender, age band, occupation, degree country.
DEFAULT_BY = ("group", "place", "gender", "age_band", "occupation", "degree_country")
QUOTE_FORMATS = ("csv", "xlsx", "md", "docx")
MATRIX_FORMATS = ("csv", "xlsx", "md")


@dataclass
class Bundle:
    """What write_tables wrote: one entry per file, and the attributes it left out (no document has them)."""

    files: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    coding: str = ""


def _formats(names: Iterable[str], allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = []
    for name in names:
        fmt = writers.resolve_format(None, name)
        if fmt not in allowed:
            raise CotagError(f"{option}: {fmt} is not offered here (choose from {', '.join(allowed)})")
        chosen.append(fmt)
    return list(dict.fromkeys(chosen))


def write_tables(project: "Project", session: Session, directory: Path, *, scope: Scope = Scope(),
                  quote_formats: Iterable[str] = QUOTE_FORMATS, matrix_formats: Iterable[str] = MATRIX_FORMATS,
                  by: Iterable[str] | None = None, cooccurrence: Iterable[str] = WITHIN, widen: str = "span",
                  attribution_overrides: Iterable[str] = (), age_bands: str | None = None,
                  excel: bool = False, pseudonymise: bool = False) -> Bundle:
    """quotes.<fmt>, matrix-by-<attribute>.<fmt> and cooccurrence-<unit|document>.<fmt> in directory.

    by=None means the study's usual comparisons, leaving out attributes no document has; attributes named
    explicitly must exist. The project is read once; every table is built from that one load.
    pseudonymise: every table through the pseudonym table (quotes and attributions, matrix heads, read-me filters).
    """
    check_widen(widen)
    quote_formats = _formats(quote_formats, QUOTE_FORMATS, "--quote-formats")
    matrix_formats = _formats(matrix_formats, MATRIX_FORMATS, "--matrix-formats")
    cooccurrence = list(cooccurrence)
    for within in cooccurrence:
        if within not in WITHIN:
            raise CotagError(f"--cooccurrence: unknown value {within!r} (choose {' or '.join(WITHIN)})")
    layer = None
    notes: tuple[str, ...] = ()
    shown_scope = scope
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)  # refused before the folder is made
        notes, shown_scope = (private.note(layer),), private.scope(scope, layer)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise CotagError(f"{directory}: exists and is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CotagError(f"cannot create folder {directory}: {exc.strerror or exc}") from None
    bundle = Bundle()
    selection = resolve(session, scope, with_text=bool(quote_formats), with_units=True)
    bundle.coding = selection.coding_label
    known = known_attributes(selection.documents)
    if by is None:
        attributes = [a for a in DEFAULT_BY if a in known]
        bundle.skipped = [a for a in DEFAULT_BY if a not in known]
    else:
        attributes = list(dict.fromkeys(by))
        for name in attributes:
            if name not in known:
                raise CotagError(f"--by: unknown attribute {name!r} (attributes: {', '.join(known)})")

    def save(result: Any, name: str, fmt: str, summary: dict[str, Any]) -> None:
        path = directory / f"{name}.{fmt}"
        if name == "quotes":
            about = writers.About("Themed quotes", selection.coding_label, shown_scope,
                                  documents=len(selection.documents), notes=(f"quotes widened to: {widen}", *notes))
        else:
            about = matrix_about(result, shown_scope, documents=len(selection.documents))
            about.notes = (*about.notes, *notes)
        writers.write(result, path, fmt, about=about, excel=excel)
        bundle.files.append({**summary, "path": str(path), "format": fmt})

    with bulk():
        if quote_formats:
            table = build_quotes(selection, widen=widen, config=project.config,
                                 attribution_overrides=attribution_overrides, pseudonyms=layer)
            table.notes = list(notes)
            for fmt in quote_formats:
                save(table, "quotes", fmt, quote_summary(table, None, fmt))
        bands = age_bands or configured_age_bands(project.config)
        for attribute in attributes:
            matrix = build_attribute_matrix(selection, by=attribute, age_bands=bands)
            if layer is not None:
                matrix = private.matrix(matrix, layer)
            for fmt in matrix_formats:
                save(matrix, f"matrix-by-{attribute}", fmt, {"kind": "attribute", "by": attribute,
                                                             "codes": len(matrix.rows.ids)})
        for within in cooccurrence:
            result = build_cooccurrence(selection, within=within)
            for fmt in matrix_formats:
                save(result, f"cooccurrence-{within}", fmt, {"kind": "cooccurrence", "within": within,
                                                              "codes": len(result.rows.ids)})
    return bundle
