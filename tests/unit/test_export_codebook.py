"""The codebook appendix (docx, md, xlsx) and Taguette's codebook CSV, read back from the files."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from cotag.errors import CotagError
from cotag.services.export import build_appendix, export_codebook
from cotag.export.matrix import attribute_matrix
from cotag.export.scope import Scope
from cotag.store import progress as progress_store
from cotag.store.coders import get_or_create_coder
from cotag.store.models import PROGRESS_DONE, Code
from test_export_quotes import build_study


def describe(project) -> None:
    """Definitions, rules and examples for two codes (make_codes leaves them empty)."""
    with project.session() as session:
        codes = {c.key: c for c in session.exec(select(Code))}
        codes["wages"].description = "Pay compared with abroad."
        codes["wages"].include = ["salary comparisons"]
        codes["wages"].exclude = ["pensions"]
        codes["wages"].examples = ["My cousin earns five times more."]
        codes["family"].description = "=staying for relatives"  # a definition that looks like a formula
        for code in codes.values():
            session.add(code)


def mark_done(project, ids, coders=("alice", "bob")) -> None:
    with project.session() as session:
        for name in coders:
            coder = get_or_create_coder(session, name=name)
            for document_id in ids["docs"].values():
                progress_store.touch(session, coder_id=coder.id, document_id=document_id, status=PROGRESS_DONE)


def test_frequencies_equal_the_matrix_by_group(project):
    build_study(project)
    appendix = build_appendix(project, agreement=False)
    with project.session() as session:
        matrix = attribute_matrix(session, Scope(), by="group", config=project.config)
    assert [c.key for c in appendix.codes] == matrix.rows.keys
    for code in appendix.codes:
        assert code.codings == matrix.excerpts.at[code.key, "total"]
        assert code.respondents == matrix.respondents.at[code.key, "total"]
        for group in ("expert", "graduate"):
            assert code.per_group[group] == (matrix.respondents.at[code.key, group],
                                             matrix.excerpts.at[code.key, group])
    push = next(c for c in appendix.codes if c.key == "push")
    assert (push.codings, push.respondents, push.per_group["expert"]) == (5, 3, (2, 4))


def test_frequencies_follow_the_chosen_coding(project):
    build_study(project)
    alice = build_appendix(project, Scope(coders=("alice",)), rollup=False, agreement=False)
    bob = build_appendix(project, Scope(coders=("bob",)), rollup=False, agreement=False)
    assert alice.coding_label == "alice" and bob.coding_label == "bob"
    lowpay = {a.key: a.codings for a in alice.codes}["lowpay"], {b.key: b.codings for b in bob.codes}["lowpay"]
    assert lowpay == (1, 1)
    assert {a.key: a.codings for a in alice.codes}["wages"] == 2 and {b.key: b.codings for b in bob.codes}["wages"] == 0


def test_agreement_that_cannot_be_computed_is_said_in_the_file(project, tmp_path):
    build_study(project)  # nobody marked a document done: no comparison exists
    out = tmp_path / "codebook.md"
    summary, _ = export_codebook(project, out, bootstrap=0)
    text = out.read_text(encoding="utf-8")
    assert summary["agreement"].startswith("not computed: ")
    assert "Agreement: not computed: agreement needs at least two coders" in text
    assert "Frequency: 5 codings, 3 respondents (75%)" in text


def test_alpha_with_interval_when_coders_compare(project, tmp_path):
    ids = build_study(project)
    mark_done(project, ids)
    appendix = build_appendix(project, bootstrap=200)
    from cotag.services.agreement import agreement_report as project_agreement

    report = project_agreement(project, bootstrap=200).report
    rows = {r.code: r for r in report.views["all"].rows}
    checked = 0
    for code in appendix.codes:
        row = rows.get(code.key)
        if row is not None and row.alpha.value is not None:
            assert code.agreement.alpha == pytest.approx(row.alpha.value)
            assert (code.agreement.low, code.agreement.high) == (row.ci.lo, row.ci.hi)
            checked += 1
    assert checked >= 1
    assert "Krippendorff's alpha" in appendix.agreement_note and "200 bootstrap replicates" in appendix.agreement_note


def test_agreement_csv_neutralises_formula_like_cells(project):
    """The agreement report's CSV goes through the same safe writer as every export."""
    from cotag.services.agreement import agreement_report as project_agreement
    from cotag.reliability.report import render_csv

    ids = build_study(project)
    mark_done(project, ids)
    report = project_agreement(project).report
    report.views["all"].rows[0].code = "=HYPERLINK(1)"
    rows = list(csv.reader(io.StringIO(render_csv(report), newline="")))
    assert "'=HYPERLINK(1)" in [r[2] for r in rows[1:]]
    assert "=HYPERLINK(1)" not in [r[2] for r in rows[1:]]


def test_docx_appendix_read_back(project, tmp_path):
    import docx

    build_study(project)
    describe(project)
    out = tmp_path / "codebook.docx"
    export_codebook(project, out, bootstrap=0)
    document = docx.Document(str(out))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Push factors (push)") in paragraphs
    assert ("Heading 2", "Wages and income (wages)") in paragraphs
    assert ("Heading 3", "Low pay (lowpay)") in paragraphs  # the hierarchy shows in the heading levels
    assert ("Normal", "Path: Push factors › Wages and income › Low pay") in paragraphs
    assert ("Normal", "Definition: Pay compared with abroad.") in paragraphs
    assert ("Normal", "Include: salary comparisons") in paragraphs
    assert ("Normal", "Exclude: pensions") in paragraphs
    assert ("Quote", "My cousin earns five times more.") in paragraphs
    summary = document.tables[-1]
    header = [c.text for c in summary.rows[0].cells]
    assert header == ["code", "codings", "respondents (n=4)", "expert (n=2)", "graduate (n=2)", "alpha [95% CI]"]
    wages = next(r for r in summary.rows if r.cells[0].text == "· Wages and income")
    assert [c.text for c in wages.cells[1:5]] == ["4", "3", "2 / 3", "1 / 1"]


def test_xlsx_appendix_read_back(project, tmp_path):
    import openpyxl

    build_study(project)
    describe(project)
    out = tmp_path / "codebook.xlsx"
    export_codebook(project, out, scope=Scope(coders=("alice",)), bootstrap=0)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Codebook", "Read me"]
    sheet = book["Codebook"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["lowpay"]["path"] == "Push factors > Wages and income > Low pay" and rows["lowpay"]["level"] == 3
    assert rows["wages"]["definition"] == "Pay compared with abroad." and rows["wages"]["exclude"] == "pensions"
    assert (rows["wages"]["codings"], rows["wages"]["expert codings"], rows["wages"]["graduate codings"]) == (3, 2, 1)
    assert rows["family"]["definition"] == "=staying for relatives"  # text in xlsx, never a formula
    assert sheet["E" + str(list(rows).index("family") + 2)].data_type == "s"
    readme = dict(book["Read me"].iter_rows(min_row=2, values_only=True))
    assert readme["coding"] == "alice" and readme["export"] == "Codebook appendix"


def test_taguette_csv_layout(project, tmp_path):
    build_study(project)
    describe(project)
    out = tmp_path / "codebook.csv"
    export_codebook(project, out)
    raw = out.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    # Taguette's importer: exactly one of tag/name/path, an optional description; sub-tags as dotted paths.
    header = rows[0]
    assert header == ["tag", "description"]
    assert sum(name in header for name in ("tag", "name", "path")) == 1
    tags = {r[0]: r[1] for r in rows[1:]}
    # the description carries the rules a coder needs, as cotag.refi.taguette writes them for a YAML codebook
    assert tags["Push factors.Wages and income.Low pay"].startswith("Low pay definition\n")
    assert "Examples: " in tags["Push factors.Wages and income.Low pay"]
    assert tags["Push factors.Wages and income"].startswith("Pay compared with abroad.\nInclude: ")
    assert tags["Retention factors.Family ties"].startswith("'=staying for relatives\n")  # neutralised, like every CSV
    assert len(rows) == 1 + 7


def test_format_from_suffix_and_refusals(project, tmp_path):
    build_study(project)
    summary, text = export_codebook(project, None, fmt="md", agreement=False)
    assert text.startswith("# Codebook") and summary["format"] == "md"
    with pytest.raises(CotagError, match="unknown format 'png'"):
        export_codebook(project, tmp_path / "x.md", fmt="png")
    with pytest.raises(CotagError, match="needs a file name"):
        export_codebook(project, None, fmt="docx")
    with pytest.raises(CotagError, match="--bootstrap"):
        export_codebook(project, tmp_path / "x.md", bootstrap=-1)
