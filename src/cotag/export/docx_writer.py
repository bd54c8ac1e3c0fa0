"""The Word writer: headings, paragraphs, quotes and tables as a .docx document (python-docx)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from cotag.errors import CotagError

if TYPE_CHECKING:
    pass

from cotag.export.writers import Block, Grid, Heading, Paragraph, Quote, Table, cell_text
from cotag.export.xlsx_writer import _xml_text


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
    page, left, right = section.page_width, section.left_margin, section.right_margin
    if page is None or left is None or right is None:  # python-docx's default template sets all three
        raise CotagError("the Word template has no page size")
    width = int((page - left - right) / 635)  # EMU -> twips
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
