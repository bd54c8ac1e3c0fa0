"""Respondent attributes in a spreadsheet: one row per document out, typed and all-or-nothing back in.

A value set from a spreadsheet is the researcher's later, deliberate word on a respondent, so it
outlives the transcript's front matter: the audit trail keeps every change (kind
``attributes.import``) and the transcript importer re-applies them when it re-reads a file.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from cotag.errors import CotagError
from cotag.store import respondents
from cotag.store.session import Session

IMPORT_EVENT = "attributes.import"
# Columns that are the document's own, not attributes.
ID_COLUMN, GROUP_COLUMN = "id", "group"
LIST_SEPARATOR = ";"
TRUE_WORDS, FALSE_WORDS = ("true", "yes"), ("false", "no")
SUFFIXES = {".csv": "csv", ".xlsx": "xlsx"}

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def _format(path: Path) -> str:
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise CotagError(f"{path}: use a .csv or .xlsx file (the suffix picks the format)")
    return found


# ---------------------------------------------------------------- values as cells

def cell_text(value: Any) -> str:
    """The one way a stored value is written in a cell; import treats a cell reading exactly so as unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _sheet_cell(value: Any) -> Any:
    """Numbers stay numbers in Excel; everything else is written as its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return cell_text(value)


def _kind(values: Iterable[Any]) -> str:
    """What an attribute holds across the project: number, boolean, date, list, mapping or text."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return "new"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "number"
    if all(isinstance(v, str) and (_DATE.fullmatch(v) or _DATETIME.fullmatch(v)) for v in present):
        return "date"
    if any(isinstance(v, list) for v in present):
        return "list"
    if all(isinstance(v, dict) for v in present):
        return "mapping"
    return "text"


def _infer(text: str) -> Any:
    """A cell of an attribute no document has yet: the type it reads as."""
    low = text.casefold()
    if low in ("true", "false"):
        return low == "true"
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _DATE.fullmatch(text) or _DATETIME.fullmatch(text):
        return _parse(text, "date")
    if LIST_SEPARATOR in text:
        return _parse(text, "list")
    return text


def _parse(text: str, kind: str) -> Any:
    """A non-empty cell as a value of kind; ValueError says what was expected."""
    if kind == "new":
        return _infer(text)
    if kind == "number":
        if _INT.fullmatch(text):
            return int(text)
        if _FLOAT.fullmatch(text):
            return float(text)
        raise ValueError("is not a number (the other documents' values are numbers)")
    if kind == "boolean":
        low = text.casefold()
        if low in TRUE_WORDS or low in FALSE_WORDS:
            return low in TRUE_WORDS
        raise ValueError("is not true/false (the other documents' values are true or false)")
    if kind == "date":
        try:
            if _DATE.fullmatch(text):
                return _dt.date.fromisoformat(text).isoformat()
            if _DATETIME.fullmatch(text):
                return _dt.datetime.fromisoformat(text.replace(" ", "T")).isoformat()
        except ValueError:
            raise ValueError("is not a real date (write YYYY-MM-DD)") from None
        raise ValueError("is not a date (write YYYY-MM-DD, as the other documents' values are)")
    if kind == "list":
        return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
    if kind == "mapping":
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValueError('is not a JSON object such as {"city": "Almaty"} (the other documents\' values are)')
        return value
    return text


def _storable(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            raise ValueError("holds a character the database cannot store (NUL or a lone surrogate)")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("is not a finite number")
    elif isinstance(value, list):
        for item in value:
            _storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)


# ---------------------------------------------------------------- export

def documents_with_attributes(session: Session) -> list[tuple[str, str, dict[str, Any]]]:
    return respondents.documents_with_attributes(session)


def attribute_columns(documents: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    from cotag.export.scope import ATTRIBUTE_ORDER

    keys = {k for _, _, attrs in documents for k in attrs} - {ID_COLUMN, GROUP_COLUMN}
    ranked = [k for k in ATTRIBUTE_ORDER if k in keys]
    return ranked + sorted(keys - set(ranked))


def export_attributes(session: Session, path: Path) -> dict[str, Any]:
    """Write one row per document (id, group, each attribute) to a CSV or Excel file."""
    from cotag.export import writers

    fmt = _format(path)
    documents = documents_with_attributes(session)
    keys = attribute_columns(documents)
    columns = [ID_COLUMN, GROUP_COLUMN, *keys]
    data = [[d[0] for d in documents], [d[1] for d in documents]]
    convert = cell_text if fmt == "csv" else _sheet_cell
    data += [[convert(attrs.get(key)) for _, _, attrs in documents] for key in keys]
    grid = writers.Grid(columns, data)
    content: str | bytes = (writers.csv_text(grid) if fmt == "csv"
                            else writers.xlsx_bytes([writers.Sheet("attributes", grid, freeze="B2")]))
    writers.save_content(path, content)
    return {"path": str(path), "format": fmt, "documents": len(documents), "attributes": keys}


# ---------------------------------------------------------------- import

@dataclass(frozen=True)
class Change:
    document: str
    attribute: str
    old: Any
    new: Any  # None: the attribute is removed

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "attribute": self.attribute, "old": self.old, "new": self.new}


@dataclass
class AttributeImport:
    path: str
    dry_run: bool
    documents: int = 0  # rows read
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "dry_run": self.dry_run, "documents": self.documents,
                "changed_documents": len({c.document for c in self.changes}),
                "changes": [c.as_dict() for c in self.changes]}


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return cell_text(value)
    return str(value)


def read_sheet(path: Path) -> list[list[str]]:
    """The file's rows as trimmed text, the header first."""
    fmt = _format(path)
    if not path.is_file():
        raise CotagError(f"{path}: no such file")
    if fmt == "csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CotagError(f"{path}: not UTF-8 text (byte {exc.start}); save the sheet as CSV UTF-8") from None
        except OSError as exc:
            raise CotagError(f"{path}: cannot read: {exc.strerror or exc}") from None
        try:
            return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise CotagError(f"{path}: not a readable CSV file ({exc})") from None
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CotagError(f"{path}: not a readable Excel file ({exc})") from None
    try:
        sheet = book.worksheets[0]
        return [[_xlsx_text(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _unescaped(text: str) -> str:
    """A cell as typed before CSV export guarded it against formula injection ('=x written for =x)."""
    from cotag.export import writers

    if text.startswith("'") and writers.csv_safe(text[1:]) == text:
        return text[1:]
    return text


def import_attributes(session: Session, path: Path, *, dry_run: bool = False, actor: str = "") -> AttributeImport:
    """Set documents' attributes from a sheet: every cell is checked before anything changes."""
    from cotag.export import writers
    from cotag.store.events import log_event

    rows = read_sheet(path)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise CotagError(f"{path}: the file is empty; it needs a header row starting with {ID_COLUMN!r}")
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    if not header or header[0].casefold() != ID_COLUMN:
        raise CotagError(f"{path}: row 1: the first column must be {ID_COLUMN!r} (the document id), "
                         f"not {header[0] if header else ''!r}")
    seen: dict[str, int] = {}
    for number, name in enumerate(header, 1):
        if not name:
            raise CotagError(f"{path}: row 1, column {number}: the column has no name")
        if name in seen:
            raise CotagError(f"{path}: row 1: column {name!r} appears twice (columns {seen[name]} and {number})")
        seen[name] = number
    documents = {external_id: _Respondent(group, attributes)
                 for external_id, group, attributes in respondents.documents_with_attributes(session)}
    attribute_names = [n for n in header[1:] if n != GROUP_COLUMN]
    kinds = {name: _kind(d.attributes.get(name) for d in documents.values() if d.attributes)
             for name in attribute_names}

    problems: list[str] = []
    report = AttributeImport(path=str(path), dry_run=dry_run)
    planned: dict[str, dict[str, Any]] = {}
    row_of: dict[str, int] = {}
    for number, row in enumerate(rows[1:], 2):
        if not any(row):
            continue
        row = list(row) + [""] * (len(header) - len(row))
        extra = [c for c in row[len(header):] if c]
        if extra:
            problems.append(f"{path}: row {number}: a value beyond the last named column ({extra[0]!r})")
            continue
        external_id = row[0]
        if not external_id:
            problems.append(f"{path}: row {number}, column {ID_COLUMN}: no document id")
            continue
        if external_id in row_of:
            problems.append(f"{path}: row {number}, column {ID_COLUMN}: document {external_id!r} is also on "
                            f"row {row_of[external_id]}")
            continue
        row_of[external_id] = number
        document = documents.get(external_id)
        if document is None:
            problems.append(f"{path}: row {number}, column {ID_COLUMN}: no document with id {external_id!r} "
                            "in the project (see `cotag documents list`)")
            continue
        report.documents += 1
        current = dict(document.attributes or {})
        for name, text in zip(header[1:], row[1:]):
            if name == GROUP_COLUMN:
                if text != (document.group or ""):
                    problems.append(f"{path}: row {number}, column {GROUP_COLUMN}: {text!r} is not the document's "
                                    f"group {document.group!r}; the group is changed by importing the transcript "
                                    "with --group, not from this sheet")
                continue
            old = current.get(name)
            if text in (cell_text(old), writers.csv_safe(cell_text(old))):
                continue  # as exported: unchanged, whatever the type
            text = _unescaped(text)
            try:
                new = None if not text else _parse(text, kinds[name])
                _storable(new)
            except ValueError as exc:
                problems.append(f"{path}: row {number}, column {name}: {text!r} {exc}")
                continue
            if new == old and type(new) is type(old):
                continue
            planned.setdefault(external_id, {})[name] = new
            report.changes.append(Change(external_id, name, old, new))
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise CotagError("nothing was changed:\n" + "\n".join(shown))
    if dry_run or not report.changes:
        return report
    respondents.set_attributes(session, {external_id: _applied(documents[external_id].attributes or {}, values)
                                         for external_id, values in planned.items()})
    log_event(session, kind=IMPORT_EVENT, actor=actor,
              payload={"path": str(path), "changes": [c.as_dict() for c in report.changes]})
    return report


@dataclass(frozen=True)
class _Respondent:
    """What the sheet is checked against: a document's group and stored attributes."""

    group: str
    attributes: dict[str, Any]


def _applied(attributes: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """attributes with values set (None: removed); a new dict, so the JSON column sees the change."""
    out = dict(attributes)
    for name, value in values.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def sheet_attributes(session: Session) -> dict[str, dict[str, Any]]:
    """Per document id, the last value each attribute was given from a spreadsheet (None: removed there)."""
    latest: dict[str, dict[str, Any]] = {}
    for payload in respondents.event_payloads(session, kind=IMPORT_EVENT):
        for change in (payload or {}).get("changes", []):
            latest.setdefault(change["document"], {})[change["attribute"]] = change.get("new")
    return latest


def keep_sheet_attributes(front_matter: dict[str, Any], sheet: dict[str, Any] | None) -> dict[str, Any]:
    """A re-imported transcript's attributes: its front matter, with the spreadsheet's values on top."""
    return _applied(front_matter, sheet) if sheet else front_matter
