"""The Excel writer: sheets as an .xlsx package written directly (shared strings, column widths, frozen panes)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable


if TYPE_CHECKING:
    pass

from cotag.export.writers import About, Grid, Sheet, _encode_columns, cell_text, is_missing


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
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
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


