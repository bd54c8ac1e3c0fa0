"""A codebook as the CSV file Taguette imports (Taguette reads codebooks only as CSV, not .qdc).

Taguette 1.5's importer (``taguette/import_codebook.py``) wants a header naming exactly one
of ``tag``, ``name`` or ``path`` (two of them is an error), takes an optional
``description`` column, and guesses the encoding with chardet. Sub-tags are written as
Taguette shows them, with dots: ``barriers.cost``. So the file has two columns, ``tag`` and
``description``, in UTF-8 with a byte order mark (chardet then cannot mistake it).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = ["describe", "taguette_rows", "write_taguette_codebook"]

HEADER = ("tag", "description")


def _fields(codebook_or_codes: Any) -> list:
    from cotag.refi.qdc import CodeFields, codebook_to_fields

    if hasattr(codebook_or_codes, "codes") and not isinstance(codebook_or_codes, (list, tuple)):
        return codebook_to_fields(codebook_or_codes)
    codes = list(codebook_or_codes)
    if all(isinstance(c, CodeFields) for c in codes):
        return codes
    return codebook_to_fields(SimpleNamespace(codes=codes))  # the codes of a loaded YAML codebook


def describe(description: str, include, exclude, examples) -> str:
    """The description and the rules a coder needs, in plain lines (Taguette has one text field)."""
    parts = [description.strip()] if description.strip() else []
    for label, items in (("Include", include), ("Exclude", exclude), ("Examples", examples)):
        if items:
            parts.append(f"{label}: " + "; ".join(item.strip() for item in items))
    return "\n".join(parts)


def _description(code) -> str:
    return describe(code.description, code.include, code.exclude, code.examples)


def taguette_rows(codebook_or_codes: Any) -> list[tuple[str, str]]:
    """(tag path, description) for every code that is not merged into another, parents first."""
    codes = _fields(codebook_or_codes)
    by_key = {code.key: code for code in codes}

    def path(code, seen: frozenset = frozenset()) -> str:
        parent = by_key.get(code.parent) if code.parent else None
        if parent is None or parent.key in seen:
            return code.name.strip()
        return f"{path(parent, seen | {code.key})}.{code.name.strip()}"

    return [(path(code), _description(code)) for code in codes if not code.merged_into and code.status != "merged"]


def write_taguette_codebook(codebook_or_codes: Any, path: Path | str) -> int:
    """Write the CSV (atomically: a failed write leaves no half file); returns the number of tags.

    ``codebook_or_codes`` is a loaded YAML codebook (:func:`cotag.codebook.load_codebook`), its
    list of codes, or the :class:`cotag.refi.qdc.CodeFields` of a project (``fields_from_db``)."""
    from cotag.export.writers import BOM, csv_rows
    from cotag.refi.qdpx_export import write_atomically

    rows = taguette_rows(codebook_or_codes)
    # cotag's one CSV writer: a description starting with = + - @ is never run as a formula by a spreadsheet
    write_atomically(Path(path), (BOM + csv_rows([HEADER, *rows])).encode("utf-8"))
    return len(rows)
