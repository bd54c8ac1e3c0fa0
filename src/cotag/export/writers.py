"""One writer per format (CSV, Excel, Markdown, Word), shared by quote tables and matrices.

CSV and Markdown are here with what every writer shares; Excel in :mod:`cotag.export.xlsx_writer`,
Word in :mod:`cotag.export.docx_writer` (their names importable from here too).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Union

from cotag.errors import CotagError

if TYPE_CHECKING:
    import pandas as pd
    from cotag.export.xlsx_writer import PORTRAIT_WIDTH as PORTRAIT_WIDTH
    from cotag.export.xlsx_writer import column_letter as column_letter
    from cotag.export.xlsx_writer import is_wide_sheet as is_wide_sheet
    from cotag.export.xlsx_writer import sheet_name as sheet_name
    from cotag.export.xlsx_writer import xlsx_bytes as xlsx_bytes
    from cotag.export.docx_writer import LANDSCAPE_MARGIN as LANDSCAPE_MARGIN
    from cotag.export.docx_writer import column_bands as column_bands
    from cotag.export.docx_writer import docx_bytes as docx_bytes
    from cotag.export.docx_writer import is_wide_table as is_wide_table
    from cotag.export.docx_writer import table_widths as table_widths

FORMATS = ("csv", "xlsx", "md", "docx")
SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".markdown": "md", ".docx": "docx"}
BINARY_FORMATS = ("xlsx", "docx")


# ---------------------------------------------------------------- what exporters hand the writers

@dataclass
class Grid:
    """A table as columns: one list of cell values per column, all the same length."""

    columns: list[str]
    data: list[list[Any]] = field(default_factory=list)

    @classmethod
    def from_frame(cls, frame: "pd.DataFrame") -> "Grid":
        # iloc, not frame[name]: a co-occurrence table may repeat a column name.
        return cls([str(c) for c in frame.columns], [frame.iloc[:, i].tolist() for i in range(frame.shape[1])])

    def __len__(self) -> int:
        return len(self.data[0]) if self.data else 0

    def rows(self, start: int = 0, stop: int | None = None) -> "Grid":
        """Rows start..stop as a grid of their own."""
        return Grid(self.columns, [column[start:stop] for column in self.data])

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(dict(zip(self.columns, self.data)), columns=self.columns)


@dataclass
class Heading:
    text: str
    level: int  # 1 title, 2 theme, 3 code, 4 deeper


@dataclass
class Paragraph:
    text: str


@dataclass
class Quote:
    text: str
    attribution: str
    source: str = ""  # "E001", or "E001 · alice" when several coders are shown


@dataclass
class Table:
    grid: Grid  # cells already formatted as the reader should see them


Block = Union[Heading, Paragraph, Quote, Table]


@dataclass
class Sheet:
    name: str
    grid: Grid
    wrap: tuple[str, ...] = ()  # long-text columns: wrapped, wide
    percent: tuple[str, ...] = ()  # fractions shown as percentages
    freeze: str = "A2"  # header row (and leading label columns) stay in view


class Exportable(Protocol):
    """What an exporter builds; each writer asks only for the shape it writes."""

    def table(self) -> Grid: ...

    def sheets(self) -> list[Sheet]: ...

    def blocks(self) -> list[Block]: ...


# ---------------------------------------------------------------- format and path

def resolve_format(path: Path | None, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower().lstrip(".")
        fmt = "md" if fmt == "markdown" else fmt
        if fmt not in FORMATS:
            raise CotagError(f"--format: unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
        return fmt
    if path is None:
        return "csv"
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise CotagError(f"{path}: cannot tell the format from the suffix {path.suffix or '(none)'!r}; "
                         f"use .csv, .xlsx, .md or .docx, or pass --format")
    return found


def output_format(path: Path | None, fmt: str | None, *, example: str, resolved: str | None = None) -> str:
    """The format of an export, checked before any work: a file that cannot be written is named with its path,
    and a binary format (xlsx, docx) asked for on standard output is refused with a file name to give instead.
    `resolved`: a format the caller settled itself (a query's txt)."""
    fmt = resolved or resolve_format(path, fmt)
    if path is not None:
        check_writable(path)
    elif fmt in BINARY_FORMATS:
        raise CotagError(f"{fmt} output needs a file name (e.g. {example}.{fmt})")
    return fmt


def check_writable(path: Path) -> None:
    """Fail before the work, not after it: a missing folder or a read-only place is named with the path."""
    if path.is_dir():
        raise CotagError(f"cannot write {path}: it is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CotagError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CotagError(f"cannot write {path}: permission denied")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write beside the target and rename, so a failure never leaves half a file where a good one was."""
    from cotag.files import replace_atomically

    check_writable(path)
    try:
        replace_atomically(path, write)
    except OSError as exc:
        raise CotagError(f"cannot write {path}: {exc.strerror or exc}") from None


@dataclass
class About:
    """What a file holds, for the "Read me" sheet every workbook carries: which coding, what scope, when.

    scope: a cotag.export.scope.Scope (read by attribute, so this module needs no store import).
    """

    what: str
    coding: str = ""
    scope: Any = None
    documents: int | None = None  # documents in scope, when known
    notes: tuple[str, ...] = ()

    def rows(self) -> list[tuple[str, str]]:
        from datetime import datetime, timezone

        from cotag import __version__

        scope = self.scope
        listed = lambda names, every: ", ".join(names) if names else every  # noqa: E731
        rows = [("export", self.what), ("coding", self.coding or "(not applicable)")]
        if scope is not None:
            rows += [("codes", listed(scope.codes, "every active code, and any code with codings")),
                     ("groups", listed(scope.groups, "every group")),
                     ("documents", listed(scope.documents, "every document")
                      + (f" ({self.documents} in scope)" if self.documents is not None else "")),
                     ("filters", listed(scope.where, "none"))]
        rows += [(f"note {i}" if len(self.notes) > 1 else "note", note) for i, note in enumerate(self.notes, 1)]
        rows += [("written", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
                 ("by", f"cotag {__version__}")]
        return rows

    def sheet(self) -> "Sheet":
        rows = self.rows()
        return Sheet("Read me", Grid(["item", "value"], [[r[0] for r in rows], [r[1] for r in rows]]),
                     wrap=("value",))


def render(exportable: Exportable, fmt: str, *, about: About | None = None, excel: bool = False) -> str | bytes:
    """The file's content in fmt; excel: CSV starts with a byte-order mark, so Excel reads it as UTF-8."""
    if fmt == "csv":
        return (BOM if excel else "") + csv_text(exportable.table())
    if fmt == "md":
        return markdown_text(exportable.blocks())
    if fmt == "xlsx":
        from cotag.export.xlsx_writer import xlsx_bytes

        return xlsx_bytes(exportable.sheets(), about=about)
    from cotag.export.docx_writer import docx_bytes

    return docx_bytes(exportable.blocks())


def write(exportable: Exportable, path: Path | None, fmt: str, *, about: About | None = None,
          excel: bool = False) -> str | None:
    """Write to path in fmt; with no path, return the text (CSV or Markdown) for stdout."""
    if path is None:
        if fmt in BINARY_FORMATS:
            raise CotagError(f"{fmt} output needs a file name (e.g. quotes.{fmt})")
        content = render(exportable, fmt, about=about, excel=excel)
        assert isinstance(content, str)
        return content
    content = render(exportable, fmt, about=about, excel=excel)
    save_content(path, content)
    return None


def save_content(path: Path, content: str | bytes) -> None:
    """Write text (UTF-8) or bytes to path, atomically."""

    def save(target: Path) -> None:
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            # newline="": CSV rows end in \r\n (RFC 4180) and must not become \r\r\n on Windows.
            with target.open("w", encoding="utf-8", newline="") as fh:
                fh.write(content)

    _atomic(path, save)


# ---------------------------------------------------------------- cells

def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value  # NaN
    if isinstance(value, (str, int)):
        return False
    # pandas' NA and NaT exist only once pandas is loaded: an export that never needed pandas (a matrix, issue
    # #14's start-up) does not import it here to ask
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def cell_text(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _encode_columns(grid: Grid, encode: Callable[[Any, int], str]) -> list[list[str]]:
    """Each cell encoded once per distinct value in its column: attributes repeat for every quote."""
    out = []
    for position, column in enumerate(grid.data):
        try:
            cache = {value: encode(value, position) for value in set(column)}
            out.append([cache[value] for value in column])
        except TypeError:  # an unhashable value: encode every cell
            out.append([encode(value, position) for value in column])
    return out


# ---------------------------------------------------------------- CSV

# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
# a memo "=SUM(A1)" or "=HYPERLINK(...)" would come alive in LibreOffice or Excel.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A bare number such as -0.12 or +3 is data a spreadsheet reads as a number, never a formula: left as written.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
BOM = "\ufeff"


def csv_safe(value: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula: text starting with = + - @, tab or CR gets a leading '.

    OWASP's advice for CSV injection. Numbers (and text that is only a number) stay as they are, so a
    negative alpha is still a number when the file is opened.
    """
    if isinstance(value, str) and value and value[0] in FORMULA_TRIGGERS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_field(value: Any, _position: int = 0) -> str:
    # The csv module's QUOTE_MINIMAL rules; written by hand so that repeated values are encoded once.
    if is_missing(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = csv_safe(str(value))
        if '"' in value or "," in value or "\n" in value or "\r" in value:
            return '"' + value.replace('"', '""') + '"'
        return value
    return repr(value) if isinstance(value, float) else str(value)


def csv_text(grid: Grid) -> str:
    """UTF-8 CSV with a header row: what pandas, R and LibreOffice read by default (Excel users get .xlsx).

    Every CSV cotag writes goes through here or csv_rows, so every one is safe from formula injection.
    """
    lines = [",".join(_csv_field(c) for c in grid.columns)]
    lines.extend(map(",".join, zip(*_encode_columns(grid, _csv_field))))
    return "\r\n".join(lines) + "\r\n"


def csv_rows(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> str:
    """Rows (a header first) as CSV text, each text cell made safe (csv_safe): for writers that build rows."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- Markdown

# An underscore inside a word (coder_a, degree_country) cannot start emphasis in CommonMark: left as it is.
_MD_INLINE = re.compile(r"([\\`*\[\]<>|]|(?<![^\W_])_|_(?![^\W_]))")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+\-])|(\d+)([.)]))(?=\s|$)")


_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|]|^\s*(?:[#>+\-]|\d+[.)])(?:\s|$)|\s\s|[\n\r\t]|^\s|\s$")


def _escape_line_start(match: re.Match) -> str:
    # "# x" and "- x" escape their marker; "1. x" its punctuation (a backslash before a digit stays literal).
    indent, marker, digits, punctuation = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{digits}\\{punctuation}"


def md_escape(text: str) -> str:
    """Escape what would change the rendering, and nothing else: the file is also read as plain text."""
    text = str(text)
    if not _MD_SPECIAL.search(text):  # plain prose, the usual case: one scan and done
        return text
    text = _MD_INLINE.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(_escape_line_start, text)


def markdown_text(blocks: list[Block]) -> str:
    out: list[str] = []
    tails: dict[tuple[str, str], str] = {}  # attribution and source repeat for every quote of a respondent
    texts: dict[str, str] = {}  # with several coders, the same quote appears once per coder
    for block in blocks:
        if isinstance(block, Quote):
            key = (block.attribution, block.source)
            if key not in tails:
                tail = " · ".join(md_escape(p) for p in key if p)
                tails[key] = f"\n>\n> — {tail}" if tail else ""
            if block.text not in texts:
                texts[block.text] = md_escape(block.text)
            out.append(f"> {texts[block.text]}{tails[key]}")
        elif isinstance(block, Heading):
            out.append(f"{'#' * max(1, min(block.level, 6))} {md_escape(block.text)}")
        elif isinstance(block, Paragraph):
            out.append(md_escape(block.text))
        elif isinstance(block, Table):
            out.append(_markdown_table(block.grid))
    return "\n\n".join(out) + "\n"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _markdown_table(grid: Grid) -> str:
    headers = [md_escape(c) or " " for c in grid.columns]
    numeric = [bool(column) and all(_is_number(v) for v in column) for column in grid.data]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    for row in zip(*grid.data):
        lines.append("| " + " | ".join(md_escape(cell_text(v)) for v in row) + " |")
    return "\n".join(lines)


# The Excel and Word writers live in their own modules (xlsx_writer, docx_writer), which import this one; their
# names are still importable from here, loaded on first use.
_MOVED = {**dict.fromkeys(['PORTRAIT_WIDTH', 'column_letter', 'is_wide_sheet', 'sheet_name', 'xlsx_bytes'], "cotag.export.xlsx_writer"),
          **dict.fromkeys(['LANDSCAPE_MARGIN', 'column_bands', 'docx_bytes', 'is_wide_table', 'table_widths'], "cotag.export.docx_writer")}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'cotag.export.writers' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
