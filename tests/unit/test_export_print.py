"""Paper-ready layout read back from the files: xlsx print setup and Read me sheet, Word tables that fit."""

from __future__ import annotations

import zipfile

from cotag.services.export import export_matrix
from cotag.services.export import export_quotes
from cotag.export.scope import Scope
from cotag.export.writers import Grid, Sheet, Table, docx_bytes, table_widths, xlsx_bytes
from test_export_quotes import build_study

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def wide_grid(columns: int = 16) -> Grid:
    headers = ["code"] + [f"Place number {i} (n=12)" for i in range(columns - 1)]
    data = [["· Wages and income", "Corruption"]] + [["3 (25%) / 4", "1 (8%) / 1"] for _ in range(columns - 1)]
    return Grid(headers, data)


def test_xlsx_print_setup_and_read_me(project, tmp_path):
    import openpyxl

    build_study(project)
    out = tmp_path / "m.xlsx"
    export_matrix(project, out, scope=Scope(coders=("alice",), groups=("expert", "graduate"),
                                             where=("gender=female", "gender=male")), by="gender")
    book = openpyxl.load_workbook(out)
    for name in ("Respondents", "Share", "Excerpts"):
        sheet = book[name]
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.print_options.gridLines is True
        assert sheet.print_title_rows == "$1:$1"  # the header row repeats on every printed page
        # Five label columns (code, name, theme, sub-themes) and three counts: wider than a portrait page.
        assert sheet.page_setup.orientation == "landscape"
    assert book["Read me"].page_setup.orientation == "portrait"
    readme = dict(book["Read me"].iter_rows(min_row=2, values_only=True))
    assert readme["coding"] == "alice"
    assert readme["export"].startswith("Codes by gender")
    assert readme["groups"] == "expert, graduate"
    assert readme["filters"] == "gender=female, gender=male"
    assert readme["codes"].startswith("every active code") and readme["documents"] == "every document"
    assert readme["written"].endswith("UTC") and readme["by"].startswith("cotag ")


def test_wide_xlsx_prints_landscape():
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([Sheet("Wide", wide_grid()), Sheet("Narrow", Grid(
        ["code", "n"], [["a"], [1]]))])))
    assert book["Wide"].page_setup.orientation == "landscape"
    assert book["Narrow"].page_setup.orientation == "portrait"
    assert book.sheetnames[-1] == "Read me"
    assert book["Read me"].page_setup.fitToWidth == 1


def test_every_xlsx_has_a_read_me(project, tmp_path):
    import openpyxl

    from cotag.services.export import export_tables

    build_study(project)
    export_quotes(project, tmp_path / "q.xlsx", widen="sentence")
    readme = dict(openpyxl.load_workbook(tmp_path / "q.xlsx")["Read me"].iter_rows(min_row=2, values_only=True))
    assert readme["export"] == "Themed quotes" and readme["note"] == "quotes widened to: sentence"
    export_tables(project, tmp_path / "all", quote_formats=["xlsx"], matrix_formats=["xlsx"], by=["group"],
                  cooccurrence=["unit"])
    for name in ("quotes.xlsx", "matrix-by-group.xlsx", "cooccurrence-unit.xlsx"):
        book = openpyxl.load_workbook(tmp_path / "all" / name)
        readme = dict(book["Read me"].iter_rows(min_row=2, values_only=True))
        assert readme["coding"] == "all coders" and readme["documents"] == "every document (4 in scope)"


def section_and_table(content: bytes):
    import io

    import docx

    document = docx.Document(io.BytesIO(content))
    return document, document.sections[0], document.tables[0]


def test_wide_word_table_turns_landscape_and_fits():
    from docx.enum.section import WD_ORIENT

    document, section, table = section_and_table(docx_bytes([Table(wide_grid(12))]))
    assert len(document.tables) == 1  # twelve columns fit one landscape page
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635  # twips
    widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert len(widths) == 12 and sum(widths) <= text_width
    assert widths[0] > widths[1]  # the code column gets the room its names need, not an equal share
    assert min(widths) > 0.4 * 1440  # wider than the 0.4 in every column had on a portrait page
    header = table.rows[0]._tr
    assert header.trPr is not None and header.trPr.find(f"{W}tblHeader") is not None
    assert table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(f"{W}tblHeader") is None


def test_narrow_word_table_stays_portrait_at_natural_widths():
    from docx.enum.section import WD_ORIENT

    grid = Grid(["code", "total (n=4)"], [["Push factors", "Family ties"], ["3 (75%) / 5", "2 (50%) / 2"]])
    _, section, table = section_and_table(docx_bytes([Table(grid)]))
    assert section.orientation == WD_ORIENT.PORTRAIT
    widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert widths == table_widths(grid, 10 ** 9) and sum(widths) < 8640  # not stretched to the page


def test_matrix_docx_from_the_project_has_a_repeating_header(project, tmp_path):
    build_study(project)
    out = tmp_path / "m.docx"
    export_matrix(project, out, by="group")
    body = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert body.count("<w:tblHeader/>") == 1 and '<w:tblLayout w:type="fixed"/>' in body


def test_widths_shrink_towards_words_then_scale():
    grid = Grid(["a", "b"], [["word " * 30], ["x"]])
    assert sum(table_widths(grid, 3000)) <= 3000
    tiny = table_widths(Grid([f"c{i}" for i in range(50)], [["longwordhere"] for _ in range(50)]), 5000)
    assert len(tiny) == 50 and sum(tiny) <= 5000 and min(tiny) >= 1


def test_table_too_wide_for_any_page_splits_into_column_bands():
    """36 value columns cannot be read on one landscape page: bands of columns, each with the code column."""
    import io

    import docx

    grid = wide_grid(37)
    document = docx.Document(io.BytesIO(docx_bytes([Table(grid)])))
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635
    assert len(document.tables) > 1
    seen = []
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        assert header[0] == "code"
        assert [r.cells[0].text for r in table.rows[1:]] == ["· Wages and income", "Corruption"]
        seen.extend(header[1:])
        widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
        assert sum(widths) <= text_width and min(widths) >= 5 * 115  # no column squeezed below its words
    assert seen == grid.columns[1:]  # every column once, in order
