"""`cotag query` and `cotag queries` from the command line."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_export_quotes import EXPERT_FEMALE, build_study  # noqa: E402


@pytest.fixture
def study(sqlite_project):
    build_study(sqlite_project)
    return sqlite_project


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def test_query_to_file_save_and_rerun(study, tmp_path):
    out = tmp_path / "near.csv"
    result = run(study, "query", "wages NEAR/1 corruption", str(out), "--coder", "alice", "--save", "near")
    assert result.exit_code == 0, result.output
    assert "wrote 2 passages from 1 respondents for (wages NEAR/1 corruption)" in result.stdout
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["quote"], r["attribution"], r["coder"]) for r in rows] == [
        ("earns five times more", EXPERT_FEMALE, "alice"), ("Corruption is everywhere.", EXPERT_FEMALE, "alice")]
    listed = run(study, "queries")
    assert listed.exit_code == 0 and "near: wages NEAR/1 corruption   [--coder alice]" in listed.stdout
    again = run(study, "query", "--saved", "near", "--format", "md")
    assert again.exit_code == 0, again.output
    assert "> earns five times more" in again.stdout and "# Query: (wages NEAR/1 corruption)" in again.stdout
    # Whose coding given now replaces the stored --coder alice (not a clash of the two).
    everyone = run(study, "query", "--saved", "near", "--all-coders", "--json")
    assert everyone.exit_code == 0, everyone.output
    assert json.loads(everyone.stderr.splitlines()[-1])["coding"] == "all coders"


def test_query_where_and_txt(study):
    result = run(study, "query", "lowpay OR family", "--all-coders", "--where", "age>=40", "--format", "txt")
    assert result.exit_code == 0, result.output
    assert '"A teacher cannot live on this salary."' in result.stdout
    assert "My family keeps me here." not in result.stdout  # G002 has no age


@pytest.mark.parametrize("args, message", [
    (["query", "wages AND (family"], "at position 18"),
    (["query", "wages AND wagez"], "no code with key 'wagez' (did you mean wages?) at position 11"),
    (["query", "wages AND Family"], "no code with key 'Family' (did you mean family?)"),
    (["query", "Low pay"], "expected AND, OR, OVERLAP, NEAR/n or the end, found 'pay' at position 5"),
    (["query", "lowpay", "--where", "agee=30"], "unknown attribute 'agee'"),
    (["export", "matrix", "--cooccurrence", "unit", "--cell", "wagez:family"], "(did you mean wages?)"),
    (["query", "--saved", "nope"], "no saved query 'nope'"),
    (["query", "wages", "--where", "age=>3"], "unknown operator '=>'"),
])
def test_clean_errors(study, args, message):
    result = run(study, *args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_matrix_cell_quotes(study, tmp_path):
    out = tmp_path / "cell.csv"
    result = run(study, "export", "matrix", "--by", "gender", "--cell", "wages:male", "--coder", "alice", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 2 quotes from 2 respondents behind the cell wages:male (by gender)" in result.stdout
    with out.open(newline="", encoding="utf-8") as fh:
        assert sorted(r["document"] for r in csv.DictReader(fh)) == ["E002", "G001"]
    bad = run(study, "export", "matrix", "--cell", "wages:male")
    assert bad.exit_code == 1 and "--cell goes with --by ATTRIBUTE" in bad.output
    unknown = run(study, "export", "matrix", "--by", "gender", "--cell", "wagez:male")
    assert unknown.exit_code == 1 and "--cell 'wagez:male': no code with key 'wagez'" in unknown.output


def test_cooccurrence_cell_quotes_are_what_enter_on_the_cell_opens(study, tmp_path):
    """`export matrix --cooccurrence W --cell A:B` writes the codings the analysis screen's Enter on that cell
    lists: those of either code that share a unit (here a document) with one of the other."""
    from cotag.export.cell import analysis_pair_quotes
    from cotag.export.scope import Scope
    from cotag.services.export import load_analysis

    out = tmp_path / "pair.csv"
    result = run(study, "export", "matrix", "--cooccurrence", "document", "--cell", "wages:corruption",
                 "--coder", "alice", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 2 quotes from 1 respondents behind the cell wages:corruption (co-occurrence within documents)" \
        in result.stdout
    with out.open(newline="", encoding="utf-8") as fh:
        written = [(r["document"], r["code"], r["quote"]) for r in csv.DictReader(fh)]
    assert sorted(written) == [("E001", "corruption", "Corruption is everywhere."),
                               ("E001", "wages", "earns five times more")]
    screen = analysis_pair_quotes(load_analysis(study, Scope(coders=("alice",))), a="wages", b="corruption",
                                  within="document")
    assert sorted(zip(screen.data["document"], screen.data["code"], screen.data["text"])) == sorted(written)
    # Within units they never meet (different sentences): an empty table, not an error.
    units = run(study, "export", "matrix", "--cooccurrence", "unit", "--cell", "wages:corruption", "--coder", "alice",
                "--format", "md")
    assert units.exit_code == 0 and "0 quotes" in units.stdout
    unknown = run(study, "export", "matrix", "--cooccurrence", "unit", "--cell", "wages:corruptoin")
    assert unknown.exit_code == 1 and "--cell 'wages:corruptoin': no code with key 'corruptoin'" in unknown.output
    both = run(study, "export", "matrix", "--by", "gender", "--cooccurrence", "unit", "--cell", "wages:male")
    assert both.exit_code == 1 and "--cell goes with --by ATTRIBUTE" in both.output


def test_an_unquoted_expression_is_one_query_and_a_last_file_word_its_output(study, tmp_path):
    """A shell splits `cotag query wages NEAR/1 corruption out.csv` into words: they read as the quoted form."""
    out = tmp_path / "near.csv"
    split = run(study, "query", "wages", "NEAR/1", "corruption", str(out), "--coder", "alice")
    assert split.exit_code == 0, split.output
    assert "wrote 2 passages from 1 respondents for (wages NEAR/1 corruption)" in split.stdout and out.exists()
    on_stdout = run(study, "query", "(", "lowpay", "OR", "family", ")", "--all-coders", "--format", "txt")
    assert on_stdout.exit_code == 0 and '"A teacher cannot live on this salary."' in on_stdout.stdout
    negated = run(study, "query", "NOT", "wages", "--coder", "alice", "--format", "txt")
    assert negated.exit_code == 0, negated.output
    for unfinished in (["wages", "AND"], ["wages", "NEAR/1"]):  # NEAR/1 is a query word, not a file in a folder
        result = run(study, "query", *unfinished)
        assert result.exit_code == 1 and "at position" in result.output, result.output
    # Two words, no query word: EXPR then OUTPUT, as before; with no suffix and no --format, refused.
    no_suffix = run(study, "query", "wages", str(tmp_path / "plain"))
    assert no_suffix.exit_code == 1 and "cannot tell the format" in no_suffix.output
    assert not (tmp_path / "plain").exists()
