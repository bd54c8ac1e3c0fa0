"""One writer per format (CSV, Excel, Markdown, Word), shared by quote tables and matrices."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Union

from cotag.errors import CotagError

if TYPE_CHECKING:
    import pandas as pd

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
        return xlsx_bytes(exportable.sheets(), about=about)
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
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pandas is a dependency; this only keeps the helper usable alone
        return False


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


# ---------------------------------------------------------------- Excel

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: <= 31 characters, none of []:*?/\\, no apostrophe at either end.

    'History' is reserved by Excel; names are unique ignoring case, as Excel compares them.
    """
    base = " ".join(_SHEET_BAD.sub(" ", name).split()).strip("'") or "Sheet"
    if base.casefold() == "history":
        base = "History (theme)"
    # Excel also refuses a name that begins or ends with an apostrophe, which truncation can expose.
    base = base[:31].rstrip().strip("'").rstrip() or "Sheet"
    candidate, n = base, 2
    while candidate.casefold() in taken:
        tail = f" ({n})"
        candidate = base[:31 - len(tail)].rstrip() + tail
        n += 1
    taken.add(candidate.casefold())
    return candidate




def _column_width(header: str, values: Iterable[str], wrapped: bool) -> float:
    if wrapped:
        return 80 if header in ("quote", "text") else 40
    longest = max((len(v) for v in values), default=0)
    return float(min(max(len(header), longest, 6) + 2, 40))


# SpreadsheetML written directly: openpyxl builds a Python object per cell, which made a corpus-wide quote
# table (60,000 rows) take seconds. Each distinct value's cell is built once per column and reused; cells carry
# no `r` reference (optional in ECMA-376 18.3.1.4: a cell follows the one before it), so they can be. Text goes
# to the shared-strings part, as Excel writes it: a repeated attribute is stored once. Files are read back
# with openpyxl in the tests.
_XLSX_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_XLSX_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE4EE"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyAlignment="1">'
    '<alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top"/></xf>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_HEADER, _WRAP, _PERCENT, _TOP = 1, 2, 3, 4
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_CELL_LIMIT = 32767


_XML_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    if len(value) > _EXCEL_CELL_LIMIT:  # Excel refuses longer cells; only a runaway widened quote gets here
        value = value[:_EXCEL_CELL_LIMIT - 1] + "…"
    if not _XML_SPECIAL.search(value):  # most text needs no escaping; one scan decides
        return value
    value = _XML_ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _split_cell(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    column = 0
    for ch in match.group(1):
        column = column * 26 + ord(ch) - 64
    return column, int(match.group(2))


class _SharedStrings:
    """The workbook's string table: each distinct text once, cells refer to it by position."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.index)
        return self.index[text]

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{_xml_text(t)}</t></si>' for t in self.index)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'uniqueCount="{len(self.index)}">{items}</sst>')


def _xlsx_cell(style: int, strings: _SharedStrings) -> Callable[[Any, int], str]:
    empty = f'<c s="{style}"/>'

    def encode(value: Any, _position: int) -> str:
        if hasattr(value, "item"):  # numpy scalars: their repr is not a number Excel reads
            value = value.item()
        if isinstance(value, str):
            if not value:
                return empty
            # A shared string is text, never a formula: a quote that begins with "=" stays as written.
            return f'<c s="{style}" t="s"><v>{strings(value)}</v></c>'
        if isinstance(value, bool):
            return f'<c s="{style}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                return empty
            return f'<c s="{style}"><v>{value!r}</v></c>'
        if is_missing(value):
            return empty
        return encode(str(value), _position)

    return encode


# Portrait Letter or A4 with Excel's default margins holds about this many characters of column width.
PORTRAIT_WIDTH = 90


def is_wide_sheet(widths: Iterable[float]) -> bool:
    """More columns than a portrait page holds at a readable size: print it landscape."""
    return sum(widths) > PORTRAIT_WIDTH


def _sheet_xml(sheet: Sheet, strings: _SharedStrings, *, selected: bool) -> tuple[str, str]:
    """The worksheet part and its used range."""
    grid = sheet.grid
    headers = grid.columns
    ncols, nrows = len(headers), len(grid)
    wrapped, percent = set(sheet.wrap), set(sheet.percent)
    styles = [_WRAP if h in wrapped else _PERCENT if h in percent else _TOP for h in headers]
    encoders = [_xlsx_cell(style, strings) for style in styles]
    used = f"A1:{column_letter(ncols)}{nrows + 1}" if ncols else "A1"
    # Widths from a sample: the longest of thousands of rows changes nothing a reader sees.
    widths = [_column_width(header, (cell_text(v) for v in values[:500]), header in wrapped)
              for header, values in zip(headers, grid.data)]
    # Printed, every sheet fits the page's width (as many pages down as it needs); wide ones turn landscape.
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f"<worksheet {_XLSX_NS}>",
                      '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>', f'<dimension ref="{used}"/>']
    x, y = _split_cell(sheet.freeze)
    tab = ' tabSelected="1"' if selected else ""
    if x > 1 or y > 1:
        pane = {(True, True): "bottomRight", (False, True): "bottomLeft", (True, False): "topRight"}[(x > 1, y > 1)]
        splits = (f' xSplit="{x - 1}"' if x > 1 else "") + (f' ySplit="{y - 1}"' if y > 1 else "")
        out.append(f'<sheetViews><sheetView workbookViewId="0"{tab}><pane{splits} topLeftCell="{sheet.freeze}" '
                   f'activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{sheet.freeze}" '
                   f'sqref="{sheet.freeze}"/></sheetView></sheetViews>')
    else:
        out.append(f'<sheetViews><sheetView workbookViewId="0"{tab}/></sheetViews>')
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if ncols:
        out.append("<cols>")
        for i, width in enumerate(widths, start=1):
            out.append(f'<col min="{i}" max="{i}" width="{width:g}" customWidth="1"/>')
        out.append("</cols>")
    out.append('<sheetData><row r="1">')
    out.extend(f'<c s="{_HEADER}" t="s"><v>{strings(h)}</v></c>' for h in headers)
    out.append("</row>")
    encoded = _encode_columns(grid, lambda value, position: encoders[position](value, position))
    out.extend(f'<row r="{number}">{"".join(cells)}</row>' for number, cells in enumerate(zip(*encoded), start=2))
    out.append("</sheetData>")
    if ncols:
        out.append(f'<autoFilter ref="{used}"/>')
    out.append('<printOptions gridLines="1"/>')
    out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    orientation = "landscape" if is_wide_sheet(widths) else "portrait"
    out.append(f'<pageSetup orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>')
    out.append("</worksheet>")
    return "".join(out), used


def _xml_attr(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


def xlsx_bytes(sheets: list[Sheet], *, about: About | None = None) -> bytes:
    """A workbook of sheets and, last, a "Read me" sheet saying what it holds (coding, scope, date)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    sheets = [*(sheets or [Sheet("Sheet", Grid([], []))]), (about or About("cotag export")).sheet()]
    taken: set[str] = set()
    names = [sheet_name(s.name, taken) for s in sheets]
    n = len(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, n + 1))
        + '<Override PartName="/docProps/app.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
          '<Override PartName="/docProps/core.xml" '
          'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
          '</Types>')
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'extended-properties" Target="docProps/app.xml"/></Relationships>')
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           '<Application>cotag</Application></Properties>')
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>cotag</dc:creator></cp:coreProperties>')
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
          'relationships/styles" Target="styles.xml"/>'
          f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
          'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("docProps/app.xml", app)
        archive.writestr("docProps/core.xml", core)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/styles.xml", _XLSX_STYLES)
        filters = []
        strings = _SharedStrings()
        for i, (sheet, name) in enumerate(zip(sheets, names), start=1):
            xml, used = _sheet_xml(sheet, strings, selected=i == 1)
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
            if sheet.grid.columns:
                a, b = used.split(":")
                absolute = "$" + re.sub(r"(\d+)", r"$\1", a) + ":$" + re.sub(r"(\d+)", r"$\1", b)
                quoted = name.replace("'", "''")
                filters.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i - 1}" hidden="1">'
                               f"{_xml_text(chr(39) + quoted + chr(39))}!{absolute}</definedName>")
                # Print titles: the header row repeats at the top of every printed page.
                filters.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i - 1}">'
                               f"{_xml_text(chr(39) + quoted + chr(39))}!$1:$1</definedName>")
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<workbook {_XLSX_NS}><bookViews><workbookView/></bookViews><sheets>"
            + "".join(f'<sheet name="{_xml_attr(name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(names, start=1))
            + "</sheets>" + (f"<definedNames>{''.join(filters)}</definedNames>" if filters else "")
            + "</workbook>")
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/sharedStrings.xml", strings.xml())
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


# ---------------------------------------------------------------- Word

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_BODY = "word/document.xml"


def _docx_template() -> tuple[bytes, dict[str, str], int]:
    """python-docx's default document, with an Attribution style added: the package the body goes into."""
    import io

    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt

    document = Document()
    styles = document.styles
    attribution = styles.add_style("Attribution", WD_STYLE_TYPE.PARAGRAPH)
    attribution.base_style = styles["Normal"]
    attribution.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    attribution.paragraph_format.right_indent = Inches(0.6)
    attribution.paragraph_format.space_after = Pt(14)
    attribution.font.size = Pt(10)
    names = ("Title", "Quote", "Attribution", "Normal", "Table Grid", *[f"Heading {n}" for n in range(1, 10)])
    ids = {name: styles[name].style_id for name in names}
    section = document.sections[0]
    width = int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU -> twips
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), ids, width


def docx_bytes(blocks: list[Block]) -> bytes:
    """Word: headings, quotes in the Quote style each followed by an Attribution paragraph, and tables.

    python-docx builds each paragraph through its object layer (about 0.2 ms apiece, minutes for a corpus);
    the body is written as WordprocessingML text instead and placed into python-docx's own package, so styles,
    settings and relationships stay the library's.
    """
    import io
    import zipfile

    package, style, width = _docx_template()
    source = zipfile.ZipFile(io.BytesIO(package))
    xml = source.read(_DOCX_BODY).decode("utf-8")
    at = xml.rfind("<w:sectPr")
    if at < 0:
        raise CotagError("python-docx's template has no section properties; cannot place the body")
    section = xml[at:]
    if any(isinstance(b, Table) and is_wide_table(b.grid, width) for b in blocks):
        section, width = _landscape(section)
    body: list[str] = []
    tails: dict[str, str] = {}

    def paragraph(style_name: str, text: str, keep_with_next: bool = False) -> str:
        keep = "<w:keepNext/>" if keep_with_next else ""
        return (f'<w:p><w:pPr><w:pStyle w:val="{style[style_name]}"/>{keep}</w:pPr>'
                f'<w:r><w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r></w:p>')

    quotes: dict[tuple[str, bool], str] = {}
    for block in blocks:
        if isinstance(block, Quote):
            tail = " · ".join(p for p in (block.attribution, block.source) if p)
            # A quote never parts from its attribution: keep-with-next on the quote.
            key = (block.text, bool(tail))
            if key not in quotes:
                quotes[key] = paragraph("Quote", block.text, keep_with_next=bool(tail))
            body.append(quotes[key])
            if tail:
                if tail not in tails:
                    tails[tail] = paragraph("Attribution", tail)
                body.append(tails[tail])
        elif isinstance(block, Heading):
            level = min(block.level - 1, 9)
            body.append(paragraph("Title" if level <= 0 else f"Heading {level}", block.text, keep_with_next=True))
        elif isinstance(block, Paragraph):
            body.append(paragraph("Normal", block.text))
        elif isinstance(block, Table):
            body.append(_docx_table(block.grid, style["Table Grid"], width))
    xml = xml[:at] + "".join(body) + section
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            data = xml.encode("utf-8") if item.filename == _DOCX_BODY else source.read(item.filename)
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return buffer.getvalue()


# Calibri 11 pt averages about 0.08 in a character; a cell's left and right margins add 0.15 in.
_TWIPS_PER_CHAR = 115
_CELL_PADDING = 216
_WRAP_AT = 40  # characters: longer text wraps inside its column rather than widening it
_WORD_AT = 16  # the longest word a column keeps whole when space is short
LANDSCAPE_MARGIN = 1080  # 0.75 in: a landscape page gives the table the room it was turned for


def _column_needs(header: str, values: Iterable[str]) -> tuple[int, int]:
    """(natural, minimum) width of a column in twips: its longest line up to _WRAP_AT, its longest word."""
    longest = word = 0
    for text in (header, *values):
        for line in text.splitlines() or [""]:
            longest = max(longest, len(line))
            word = max(word, max((len(w) for w in line.split()), default=0))
    natural = min(max(longest, 3), _WRAP_AT) * _TWIPS_PER_CHAR + _CELL_PADDING
    minimum = min(max(word, 3), _WORD_AT) * _TWIPS_PER_CHAR + _CELL_PADDING
    return natural, min(minimum, natural)


def table_widths(grid: Grid, available: int) -> list[int]:
    """Column widths (twips) fitted to content: natural widths when they fit, else shrunk towards each
    column's longest word, else scaled down evenly (a table wider than any page still fits its width)."""
    needs = [_column_needs(h, [cell_text(v) for v in column[:500]]) for h, column in zip(grid.columns, grid.data)]
    if not needs:
        return [available]
    natural = [n for n, _ in needs]
    minimum = [m for _, m in needs]
    if sum(natural) <= available:
        return natural
    if sum(minimum) <= available:
        spare = (available - sum(minimum)) / max(sum(natural) - sum(minimum), 1)
        return [int(m + (n - m) * spare) for n, m in needs]
    return [max(int(m * available / sum(minimum)), 1) for m in minimum]


def is_wide_table(grid: Grid, portrait_width: int) -> bool:
    """Wider than a portrait page at natural widths: the document turns landscape."""
    return sum(table_widths(grid, 10 ** 9)) > portrait_width


def _landscape(section: str) -> tuple[str, int]:
    """The section properties turned landscape with narrower side margins, and the new text width."""
    match = re.search(r'<w:pgSz w:w="(\d+)" w:h="(\d+)"[^>]*/>', section)
    if match is None:
        raise CotagError("python-docx's template has no page size; cannot turn the page")
    short, long_ = sorted((int(match.group(1)), int(match.group(2))))
    section = section.replace(match.group(0), f'<w:pgSz w:w="{long_}" w:h="{short}" w:orient="landscape"/>')
    section = re.sub(r'w:right="\d+"', f'w:right="{LANDSCAPE_MARGIN}"', section, count=1)
    section = re.sub(r'w:left="\d+"', f'w:left="{LANDSCAPE_MARGIN}"', section, count=1)
    return section, long_ - 2 * LANDSCAPE_MARGIN


def column_bands(grid: Grid, available: int) -> list[Grid]:
    """The table as it fits the page: whole, or in bands of columns, each repeating the first (label) column.

    A matrix by an attribute with dozens of values cannot fit one page at any readable width; squeezed into
    one table every column would be a few characters wide. Each band holds as many columns as fit at their
    minimum width (longest word).
    """
    if len(grid.columns) < 3:
        return [grid]
    needs = [_column_needs(h, [cell_text(v) for v in column[:500]])[1] for h, column in zip(grid.columns, grid.data)]
    if sum(needs) <= available:
        return [grid]
    bands: list[list[int]] = [[]]
    used = needs[0]
    for index in range(1, len(grid.columns)):
        if bands[-1] and used + needs[index] > available:
            bands.append([])
            used = needs[0]
        bands[-1].append(index)
        used += needs[index]
    return [Grid([grid.columns[0], *[grid.columns[i] for i in band]],
                 [grid.data[0], *[grid.data[i] for i in band]]) for band in bands]


def _docx_table(grid: Grid, style_id: str, width: int) -> str:
    bands = column_bands(grid, width)
    if len(bands) > 1:
        return "".join(_docx_table(band, style_id, width) for band in bands)
    ncols = max(len(grid.columns), 1)
    widths = table_widths(grid, width) if grid.columns else [width]

    def cell(text: str, column: int, bold: bool = False) -> str:
        run_props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{widths[column]}" w:type="dxa"/></w:tcPr><w:p><w:r>{run_props}'
                f'<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r></w:p></w:tc>')

    # tblHeader: Word repeats the header row at the top of every page the table runs onto.
    rows = ['<w:tr><w:trPr><w:tblHeader/></w:trPr>'
            + "".join(cell(h, i, bold=True) for i, h in enumerate(grid.columns)) + "</w:tr>"]
    rows.extend("<w:tr>" + "".join(cell(cell_text(v), i) for i, v in enumerate(row)) + "</w:tr>"
                for row in zip(*grid.data))
    # A fixed layout: Word keeps the widths given instead of re-measuring (and squeezing) every column.
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="{style_id}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/>'
            f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
            f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>'
            + "".join(f'<w:gridCol w:w="{widths[i]}"/>' for i in range(ncols))
            + "</w:tblGrid>" + "".join(rows) + "</w:tbl>"
            # Word needs a paragraph between a table and what follows (two tables would otherwise merge).
            + "<w:p/>")
