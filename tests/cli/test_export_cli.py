"""`cotag export quotes|matrix` from the command line: files written, options passed through, clean errors."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_export_quotes import EXPERT_FEMALE, EXPERT_NO_PLACE, GRADUATE_US, add_consensus, build_study  # noqa: E402


@pytest.fixture
def study(sqlite_project):
    ids = build_study(sqlite_project)
    return sqlite_project, ids


def run(project, *args: str):
    result = CliRunner().invoke(app, ["--project", str(project.root), "export", *args])
    return result


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_quotes_to_csv_with_options(study, tmp_path):
    project, _ = study
    out = tmp_path / "wages.csv"
    result = run(project, "quotes", str(out), "--codes", "wages", "--coder", "alice", "--widen", "sentence")
    assert result.exit_code == 0, result.output
    assert "wrote 3 quotes from 3 respondents (codes: 2, themes: 1)" in result.stdout
    assert "coding: alice" in result.stdout
    rows = read_csv(out)
    assert [(r["code"], r["document"], r["quote"], r["attribution"]) for r in rows] == [
        ("wages", "E001", "My cousin earns five times more in Berlin.", EXPERT_FEMALE),
        ("wages", "G001", "In the US my salary would be ten times higher.", GRADUATE_US),
        ("lowpay", "E002", "A teacher cannot live on this salary.", EXPERT_NO_PLACE)]


def test_quotes_every_format_by_suffix(study, tmp_path):
    import docx
    import openpyxl

    project, _ = study
    for suffix in ("csv", "xlsx", "md", "docx"):
        result = run(project, "quotes", str(tmp_path / f"q.{suffix}"), "--group", "expert")
        assert result.exit_code == 0, result.output
    assert {r["group"] for r in read_csv(tmp_path / "q.csv")} == {"expert"}
    assert openpyxl.load_workbook(tmp_path / "q.xlsx").sheetnames == ["Push factors", "Retention factors", "Read me"]
    assert "> — (male, 45, teacher) · E002 · alice" in (tmp_path / "q.md").read_text(encoding="utf-8")
    styles = {p.style.name for p in docx.Document(tmp_path / "q.docx").paragraphs}
    assert {"Quote", "Attribution", "Heading 1", "Heading 2"} <= styles


def test_format_option_and_stdout(study, tmp_path):
    project, _ = study
    result = run(project, "quotes", "--format", "md", "--where", "gender=female", "--where", "group=graduate")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Themed quotes") and "G002" in result.stdout and "E001" not in result.stdout
    out = tmp_path / "table.txt"
    assert run(project, "quotes", str(out), "--format", "csv").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("code,code_name,theme")


def test_attribution_on_the_command_line(study, tmp_path):
    project, _ = study
    out = tmp_path / "q.csv"
    result = run(project, "quotes", str(out), "--attribution", "({gender|cap}, {age})",
                 "--attribution", 'graduate="({degree_country})"')
    assert result.exit_code == 0, result.output
    by_doc = {r["document"]: r["attribution"] for r in read_csv(out)}
    assert by_doc == {"E001": "(Female, 38)", "E002": "(Male, 45)", "G001": "(USA)", "G002": "(Austria)"}


def test_consensus_default_and_all_coders(study, tmp_path):
    project, ids = study
    add_consensus(project, ids, [("G001", "wages", "In the US my salary would be ten times higher.")])
    result = run(project, "quotes", "--json", str(tmp_path / "q.csv"))
    assert json.loads(result.stdout)["coding"] == "consensus" and json.loads(result.stdout)["quotes"] == 1
    result = run(project, "quotes", "--all-coders", "--json", str(tmp_path / "q.csv"))
    assert json.loads(result.stdout)["quotes"] == 7


def test_matrix_by_attribute_and_cooccurrence(study, tmp_path):
    import openpyxl

    project, _ = study
    out = tmp_path / "m.csv"
    result = run(project, "matrix", str(out), "--by", "age_band", "--age-bands", "30-39,40+")
    assert result.exit_code == 0, result.output
    push = next(r for r in read_csv(out) if r["code"] == "push")
    assert (push["30-39 respondents"], push["40+ respondents"], push["(missing) respondents"]) == ("2", "1", "0")
    result = run(project, "matrix", str(tmp_path / "co.xlsx"), "--cooccurrence", "document", "--codes", "push")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "co.xlsx")["Co-occurrence by document"]
    header = [c.value for c in sheet[1]]
    assert header == ["code", "code_name", "push", "wages", "lowpay", "corruption"]
    wages = [c.value for c in sheet[3]]
    assert wages[0] == "wages" and wages[header.index("corruption")] == 1 and wages[header.index("wages")] == 2
    result = run(project, "matrix", "--by", "group", "--no-rollup", "--coder", "bob", "--format", "md")
    assert "| Push factors | 0 (0%) / 0 | 0 (0%) / 0 | 0 (0%) / 0 |" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["quotes", "--codes", "wagez"], "no code with key 'wagez'"),
    (["quotes", "--where", "religion=none"], "unknown attribute 'religion'"),
    (["quotes", "--where", "gender"], "write attribute=value"),
    (["quotes", "--where", "place=Astana"], "no document has place='Astana' (place values: Almaty)"),
    (["matrix", "--by", "group", "--where", "gender=female", "--where", "gender=nonbinary"],
     "no document has gender='nonbinary' (gender values: female, male)"),
    (["quotes", "--attribution", "({gender}, {agee})"], "unknown attribute {agee}"),
    (["quotes", "--attribution", "({gender|loud})"], "unknown filter 'loud'"),
    (["quotes", "--attribution", "nobody={gender}"], "no group named 'nobody'"),
    (["quotes", "--widen", "paragraph"], "'paragraph'"),
    (["quotes", "--coder", "mallory"], "no coder named 'mallory'"),
    (["quotes", "--consensus"], "no consensus coding yet"),
    (["quotes", "q.xlsx", "--format", "pdf"], "unknown format 'pdf'"),
    (["quotes", "--format", "docx"], "needs a file name"),
    (["matrix", "--by", "religion"], "unknown attribute 'religion'"),
    (["matrix"], "either --by"),
    (["matrix", "--by", "age_band", "--age-bands", "20-30,25-35"], "overlap"),
])
def test_errors_are_one_clean_line(study, args, message):
    project, _ = study
    result = run(project, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_unwritable_path(study, tmp_path):
    project, _ = study
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        target = locked / "q.csv"
        result = run(project, "quotes", str(target))
        if result.exit_code == 0:  # running as root: permissions do not bind; a missing folder still does
            target.unlink()
            result = run(project, "quotes", str(tmp_path / "missing" / "q.csv"))
            assert result.exit_code == 1 and "missing" in result.stderr
        else:
            assert f"cannot write {target}" in result.stderr
    finally:
        locked.chmod(0o700)
    result = run(project, "matrix", str(tmp_path), "--by", "group", "--format", "csv")
    assert result.exit_code == 1 and "is a folder" in result.stderr


def test_tables_writes_every_table_from_one_load(study, tmp_path):
    project, _ = study
    out = tmp_path / "tables"
    result = run(project, "tables", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    names = sorted(Path(f["path"]).name for f in summary["files"])
    # Every default comparison exists in the hand-built project, so nothing is skipped.
    expected = {"quotes.csv", "quotes.xlsx", "quotes.md", "quotes.docx"}
    expected |= {f"matrix-by-{a}.{f}" for a in ("group", "place", "gender", "age_band", "occupation",
                                                 "degree_country") for f in ("csv", "xlsx", "md")}
    expected |= {f"cooccurrence-{w}.{f}" for w in ("unit", "document") for f in ("csv", "xlsx", "md")}
    assert set(names) == expected and summary["skipped"] == []
    # Byte for byte what the single commands write.
    assert run(project, "quotes", str(tmp_path / "q.csv")).exit_code == 0
    assert (out / "quotes.csv").read_bytes() == (tmp_path / "q.csv").read_bytes()
    assert run(project, "quotes", str(tmp_path / "q.md")).exit_code == 0
    assert (out / "quotes.md").read_bytes() == (tmp_path / "q.md").read_bytes()
    assert run(project, "matrix", str(tmp_path / "m.csv"), "--by", "age_band").exit_code == 0
    assert (out / "matrix-by-age_band.csv").read_bytes() == (tmp_path / "m.csv").read_bytes()
    assert run(project, "matrix", str(tmp_path / "c.md"), "--cooccurrence", "unit").exit_code == 0
    assert (out / "cooccurrence-unit.md").read_bytes() == (tmp_path / "c.md").read_bytes()


def test_tables_into_a_place_that_cannot_be_a_folder(study, tmp_path):
    project, _ = study
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run(project, "tables", str(blocker / "sub"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"error: cannot create folder {blocker / 'sub'}")


def test_tables_choices_and_skipped_attributes(study, tmp_path):
    project, _ = study
    out = tmp_path / "t"
    result = run(project, "tables", str(out), "--quote-formats", "none", "--matrix-formats", "md",
                 "--cooccurrence", "none", "--by", "gender,group")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["matrix-by-gender.md", "matrix-by-group.md"]
    result = run(project, "tables", str(tmp_path / "u"), "--by", "religion")
    assert result.exit_code == 1 and "unknown attribute 'religion'" in result.stderr
    result = run(project, "tables", str(tmp_path / "v"), "--quote-formats", "pdf")
    assert result.exit_code == 1 and "unknown format 'pdf'" in result.stderr
    with project.session() as session:
        from cotag.store.models import Document
        from sqlmodel import select

        for document in session.exec(select(Document)):
            document.attributes = {k: v for k, v in document.attributes.items() if k != "degree_country"}
            session.add(document)
    result = run(project, "tables", str(tmp_path / "w"), "--quote-formats", "none", "--matrix-formats", "csv")
    assert result.exit_code == 0 and "no document has degree_country" in result.stdout
    assert not (tmp_path / "w" / "matrix-by-degree_country.csv").exists()


# ---------------------------------------------------------------- paper-ready outputs

def test_codebook_formats_by_suffix_and_stdout(study, tmp_path):
    import docx
    import openpyxl

    project, _ = study
    for name in ("cb.docx", "cb.md", "cb.xlsx", "cb.csv"):
        result = run(project, "codebook", str(tmp_path / name), "--bootstrap", "0")
        assert result.exit_code == 0, result.output
        assert f"wrote the codebook (7 codes) to {tmp_path / name}" in result.stdout
    assert docx.Document(str(tmp_path / "cb.docx")).paragraphs[0].text == "Codebook"
    assert openpyxl.load_workbook(tmp_path / "cb.xlsx").sheetnames == ["Codebook", "Read me"]
    assert (tmp_path / "cb.csv").read_text(encoding="utf-8").splitlines()[0] == "tag,description"
    shown = run(project, "codebook", "--no-agreement", "--coder", "alice")
    assert shown.exit_code == 0 and shown.stdout.startswith("# Codebook")
    assert "Frequencies count the alice coding" in shown.stdout
    csv_out = run(project, "codebook", "--format", "csv", "--excel")
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("\ufefftag,description")


def test_codebook_json_summary_and_errors(study, tmp_path):
    project, _ = study
    result = run(project, "codebook", str(tmp_path / "cb.md"), "--bootstrap", "0", "--json")
    summary = json.loads(result.stdout)
    assert summary["codes"] == 7 and summary["agreement"].startswith("not computed")
    bad = run(project, "codebook", str(tmp_path / "cb.pdf"))
    assert bad.exit_code != 0 and "error:" in bad.output and "Traceback" not in bad.output


def test_excel_flag_on_quotes_and_matrix(study, tmp_path):
    project, _ = study
    assert run(project, "quotes", str(tmp_path / "q.csv"), "--excel").exit_code == 0
    assert (tmp_path / "q.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert run(project, "matrix", str(tmp_path / "m.csv"), "--by", "group").exit_code == 0
    assert not (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert run(project, "tables", str(tmp_path / "all"), "--quote-formats", "csv", "--matrix-formats", "none",
               "--cooccurrence", "none", "--excel").exit_code == 0
    assert (tmp_path / "all" / "quotes.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_chart_command(study, tmp_path):
    project, _ = study
    out = tmp_path / "themes.svg"
    result = run(project, "chart", str(out), "--by", "gender")
    assert result.exit_code == 0, result.output
    assert f"wrote the frequency chart to {out} (svg; coding: all coders)" in result.stdout
    assert "<svg" in out.read_text(encoding="utf-8")
    png = tmp_path / "co.png"
    result = run(project, "chart", str(png), "--kind", "cooccurrence", "--within", "document", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["within"] == "document"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    bad = run(project, "chart", str(tmp_path / "c.png"), "--kind", "pie")
    assert bad.exit_code != 0 and "error: --kind: unknown chart 'pie'" in bad.output


def test_cli_start_does_not_import_matplotlib():
    import subprocess

    code = "import sys, cotag.cli; cotag.cli.app; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
