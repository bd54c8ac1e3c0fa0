"""Formula injection: every CSV cotag writes neutralises cells a spreadsheet would run; --excel adds a BOM."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cotag.services.export import export_matrix
from cotag.services.export import export_quotes
from cotag.export.writers import FORMULA_TRIGGERS, Grid, csv_rows, csv_safe, csv_text
from test_export_quotes import build_study

SRC = Path(__file__).resolve().parents[2] / "src" / "cotag"


def test_formula_like_text_gets_a_leading_quote():
    for cell in ("=SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1", "=HYPERLINK(\"x\")"):
        assert csv_safe(cell) == "'" + cell


def test_numbers_and_plain_text_stay_as_they_are():
    for cell in (-0.12, -3, 0.5, "-0.12", "+3", "-1e-3", "plain", "", "a=b", "E-mail", None):
        assert csv_safe(cell) == cell


@given(st.text(max_size=30))
def test_no_written_cell_starts_a_formula(text):
    """Read back with the csv module, no text cell begins with a trigger unless it is a bare number."""
    grid = Grid(["memo", "n"], [[text], [-1.5]])
    for row in list(csv.reader(io.StringIO(csv_text(grid), newline="")))[1:]:
        memo, number = row
        assert number == "-1.5"
        if memo and memo[0] in FORMULA_TRIGGERS:
            assert re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", memo)
        elif text and text[0] in FORMULA_TRIGGERS and not memo.startswith("'"):
            raise AssertionError(f"{text!r} written as {memo!r}")


def test_csv_rows_is_safe_and_keeps_numbers():
    text = csv_rows([["code", "alpha", "note"], ["wages", -0.12, "=1+1"]], lineterminator="\n")
    assert text == "code,alpha,note\nwages,-0.12,'=1+1\n"


def test_quote_memo_is_neutralised_in_the_file(project, tmp_path):
    ids = build_study(project)
    from cotag.store.codings import add_coding
    from cotag.store.coders import get_or_create_coder

    with project.session() as session:
        alice = get_or_create_coder(session, name="alice")
        text = ids["texts"]["E002"]
        start = text.index("A teacher")
        add_coding(session, document_id=ids["docs"]["E002"], code_id=ids["codes"]["corruption"], coder_id=alice.id,
                   start=start, end=start + 9, memo="=SUM(A1)")
    out = tmp_path / "quotes.csv"
    export_quotes(project, out)
    raw = out.read_bytes()
    assert b"'=SUM(A1)" in raw and b",=SUM(A1)" not in raw
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM unless asked


def test_excel_flag_writes_a_byte_order_mark(project, tmp_path):
    build_study(project)
    out = tmp_path / "m.csv"
    export_matrix(project, out, by="group", excel=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["code", "code_name"]
    text = tmp_path / "q.csv"
    export_quotes(project, text, excel=True)
    assert text.read_bytes()[:3] == b"\xef\xbb\xbf"


def test_every_csv_writer_goes_through_writers():
    """No module writes CSV by itself: csv.writer, DictWriter and to_csv live only in export/writers.py."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "export" / "writers.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(|\.to_csv\(", text):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
