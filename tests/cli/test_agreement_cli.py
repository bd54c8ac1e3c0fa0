"""`cotag agreement` (project report and calculator mode) and `cotag simulate-coders` from the command line."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_agreement_simulate import write_reference
from test_agreement_units import build_agreement_study


def run(project, *args: str):
    root = [] if project is None else ["--project", str(project.root)]
    return CliRunner().invoke(app, [*root, *args])


@pytest.fixture
def study(sqlite_project):
    return build_agreement_study(sqlite_project)


def test_agreement_table_names_rule_and_views(study):
    result = run(study, "agreement")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "coders: ann (2 documents), ben (2 documents)" in out
    assert "rule: unit: sentence" in out and "at least 1 character" in out
    assert "all units: all 6 respondent sentences" in out and "coded-only" in out
    assert "pooled alpha over" in out


def test_agreement_json_options(study):
    result = run(study, "agreement", "--coders", "ann,ben", "--unit", "turn", "--codes", "wages,family",
                 "--min-overlap", "2", "--bootstrap", "50", "--seed", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unit"] == "turn" and data["coders"] == ["ann", "ben"]
    assert "at least 2 characters" in data["rule"]
    assert [c["code"] for c in data["views"]["all"]["codes"]] == ["wages", "family"]
    assert data["bootstrap"] == {"replicates": 50, "seed": 3, "resampled": "unit", "method": "cluster",
                                 "interval": "percentile, 95%"}
    assert data["views"]["all"]["bootstrap_clusters"] == 3  # three speaker turns
    assert any("fewer than 20" in w for w in data["views"]["all"]["warnings"])
    wages = data["views"]["all"]["codes"][0]
    assert wages["alpha"] == pytest.approx(1.0) and wages["both"] == 2


def test_agreement_include_unfinished_group_documents(study):
    result = run(study, "agreement", "--coders", "ann,cem", "--format", "json")
    assert result.exit_code == 1 and "--include-unfinished" in result.output
    result = run(study, "agreement", "--coders", "ann,cem", "--include-unfinished", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["documents"] == ["D1"]
    result = run(study, "agreement", "--group", "graduate", "--format", "csv", "--include-interviewer")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["rule"].endswith("interviewer turns included")
    assert {r["view"] for r in rows} == {"all", "coded"}
    result = run(study, "agreement", "--documents", "D2", "--format", "md", "--min-fraction", "0.5")
    assert result.exit_code == 0 and "at least 50% of its length" in result.stdout


def test_agreement_methods_and_output_file(study, tmp_path):
    out = tmp_path / "methods.txt"
    result = run(study, "agreement", "--format", "methods", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "ann (2 documents) and ben (2 documents)" in text and "Krippendorff's alpha" in text


def test_agreement_errors(study):
    assert "unknown unit" in run(study, "agreement", "--unit", "page").output
    assert "unknown format" in run(study, "agreement", "--format", "pdf").output
    assert "at least two coder names" in run(study, "agreement", "--coders", "ann").output
    assert "no coder named 'zoe'" in run(study, "agreement", "--coders", "ann,zoe").output
    assert "--matrix or --spans" in run(study, "agreement", "--measure", "scott_pi").output
    assert "fraction" in run(study, "agreement", "--min-fraction", "2").output


def test_agreement_names_a_bad_group_document_or_idle_coder(study):
    result = run(study, "agreement", "--group", "phd")
    assert result.exit_code == 1 and "no document group 'phd' (groups: expert, graduate)" in result.stderr
    result = run(study, "agreement", "--group", "expert", "--documents", "D9")
    assert result.exit_code == 1 and "no document with id 'D9'" in result.stderr
    # cem has marked nothing done: naming cem must not make a 3-coder (Conger) report with cem contributing nothing
    result = run(study, "agreement", "--coders", "ann,ben,cem", "--format", "json")
    assert result.exit_code == 1 and "--coders: 'cem' coded no document in scope" in result.stderr
    assert "--include-unfinished" in result.stderr
    result = run(study, "agreement", "--coders", "ann,ben,cem", "--include-unfinished", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["kappa"] == "conger_kappa"


def test_agreement_output_that_cannot_be_written(study, tmp_path):
    for target, message in ((tmp_path / "missing" / "a.csv", "does not exist"), (tmp_path, "is a folder")):
        result = run(study, "agreement", "--format", "csv", "--output", str(target))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.startswith(f"error: cannot write {target}") and message in result.stderr


def test_calculator_matrix_and_spans(tmp_path):
    matrix = tmp_path / "m.csv"
    matrix.write_text("ann,ben,cem\n1,1,\n2,2,2\n,3,3\n1,2,1\n", encoding="utf-8")
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", "krippendorff_alpha", "--level",
                 "interval", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["measure"] == "krippendorff_alpha" and data["level"] == "interval" and "value" in data
    # docs/agreement.md: calculator output is JSON unless --format table asks for the one-line summary
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", "percent_agreement")
    assert result.exit_code == 0 and json.loads(result.stdout)["measure"] == "percent_agreement"
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", "percent_agreement", "--format", "table")
    assert result.exit_code == 0 and result.stdout.startswith("percent_agreement: ")
    spans = tmp_path / "s.csv"
    spans.write_text("coder,start,end,category\nann,0,42,barrier\nben,3,40,barrier\nben,57,80,motive\n"
                     "ann,55,80,motive\n", encoding="utf-8")
    result = run(None, "agreement", "--spans", str(spans), "--continuum", "0", "100", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["per_category"]) == {"barrier", "motive"} and data["value"] is not None
    assert "--continuum" in run(None, "agreement", "--spans", str(spans)).output
    assert "--measure" in run(None, "agreement", "--matrix", str(matrix)).output
    bad = run(None, "agreement", "--matrix", str(matrix), "--measure", "nope")
    assert bad.exit_code == 1 and "unknown measure" in bad.output


def test_calculator_bootstrap_gives_intervals_with_their_footing(tmp_path):
    matrix = tmp_path / "raw4raters.csv"
    matrix.write_text(RAW4RATERS_CSV, encoding="utf-8")
    # alpha resamples the 11 pairable units (unit 12 has one rating); kappas every rated unit
    for measure, units in (("krippendorff_alpha", 11), ("conger_kappa", 12)):
        result = run(None, "agreement", "--matrix", str(matrix), "--measure", measure, "--bootstrap", "300",
                     "--seed", "4")
        assert result.exit_code == 0, result.output
        boot = json.loads(result.stdout)["bootstrap"]
        lo, hi = boot["ci"]
        assert lo < hi and boot["replicates"] == 300 and boot["method"] == "cluster"
        assert boot["units_resampled"] == units and boot["undefined_replicates"] >= 0
        assert any("fewer than 20" in w for w in boot["warnings"])  # 12 units
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", "krippendorff_alpha", "--bootstrap", "300",
                 "--bootstrap-method", "krippendorff", "--format", "table")
    assert result.exit_code == 0, result.output
    assert "95% percentile interval [" in result.stdout and "krippendorff bootstrap" in result.stdout
    assert "pairs, " in result.stdout and "per replicate" in result.stdout
    bad = run(None, "agreement", "--matrix", str(matrix), "--measure", "fleiss_kappa", "--bootstrap", "10",
              "--bootstrap-method", "krippendorff")
    assert bad.exit_code == 1 and "krippendorff_alpha only" in bad.output
    spans = tmp_path / "s.csv"
    spans.write_text("coder,start,end,category\nann,0,4,x\nben,1,4,x\n", encoding="utf-8")
    bad = run(None, "agreement", "--spans", str(spans), "--continuum", "0", "10", "--bootstrap", "10")
    assert bad.exit_code == 1 and "--bootstrap applies to --matrix" in bad.output


def test_project_report_names_the_krippendorff_bootstrap(study):
    result = run(study, "agreement", "--bootstrap", "200", "--bootstrap-method", "krippendorff", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["bootstrap"]["method"] == "krippendorff" and data["bootstrap"]["resampled"] == "pairs of values"
    ci = next(c["ci"] for c in data["views"]["all"]["codes"] if c["ci"])
    assert ci["method"] == "krippendorff" and ci["pairs_per_replicate"] > 0 and ci["clusters_resampled"] is None
    methods = run(study, "agreement", "--bootstrap", "200", "--bootstrap-method", "krippendorff",
                  "--format", "methods").stdout
    assert "Krippendorff's (2013b) bootstrap" in methods and "Hayes and Krippendorff" in methods
    table = run(study, "agreement", "--bootstrap", "200", "--bootstrap-method", "krippendorff").stdout
    assert "pair bootstrap, as in KALPHA" in table
    bad = run(study, "agreement", "--bootstrap", "20", "--bootstrap-method", "pairs")
    assert bad.exit_code == 1 and "unknown --bootstrap-method" in bad.output
    bad = run(study, "agreement", "--bootstrap", "20", "--bootstrap-method", "krippendorff", "--cluster", "turn")
    assert bad.exit_code == 1 and "--cluster belongs to the cluster bootstrap" in bad.output


def test_simulate_coders_command(sqlite_project, tmp_path):
    ref = write_reference(sqlite_project, tmp_path)
    result = run(sqlite_project, "simulate-coders", "aliya", "bauyrzhan", "--noise", "0", "--documents", "3",
                 "--seed", "2", "--reference", str(ref), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["codings"] == {"aliya": 6, "bauyrzhan": 6} and len(data["documents"]) == 3
    result = run(sqlite_project, "agreement", "--format", "json")
    assert json.loads(result.stdout)["views"]["all"]["pooled_alpha"] == pytest.approx(1.0)
    again = run(sqlite_project, "simulate-coders", "aliya", "--reference", str(ref))
    assert again.exit_code == 1 and "already has codings" in again.output


# Gwet's cac.raw4raters (irrCAC README): 12 subjects x 4 raters with missing ratings, and the
# published value of each coefficient (Scott's pi for 3+ raters is Fleiss' kappa in Gwet's form,
# hence the same figure); Krippendorff 2011's matrix for alpha at all four levels.
RAW4RATERS_CSV = "r1,r2,r3,r4\n1,1,,1\n2,2,3,2\n3,3,3,3\n3,3,3,3\n2,2,2,2\n1,2,3,4\n4,4,4,4\n1,1,2,1\n" \
                 "2,2,2,2\n,5,5,5\n,,1,1\n,,3,\n"
RAW4RATERS_PUBLISHED = {"percent_agreement": 0.8181818, "gwet_ac1": 0.77544, "fleiss_kappa": 0.76117,
                        "scott_pi": 0.76117, "brennan_prediger": 0.77273, "krippendorff_alpha": 0.74342,
                        "conger_kappa": 0.76282}  # conger.kappa.raw(cac.raw4raters): pa .8181818, pe .2334252


@pytest.mark.parametrize("measure", sorted(RAW4RATERS_PUBLISHED))
def test_calculator_json_reproduces_published_values_for_every_measure(tmp_path, measure):
    matrix = tmp_path / "raw4raters.csv"
    matrix.write_text(RAW4RATERS_CSV, encoding="utf-8")
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", measure, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["measure"] == measure and data["value"] == pytest.approx(RAW4RATERS_PUBLISHED[measure], abs=5e-6)


@pytest.mark.parametrize(("level", "published"),
                         [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_calculator_json_krippendorff_2011_at_every_level(tmp_path, level, published):
    matrix = tmp_path / "k2011.csv"
    matrix.write_text(RAW4RATERS_CSV.replace("\n,,3,\n", "\n,3,,\n"), encoding="utf-8")  # K2011: unit 12 by B
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", "krippendorff_alpha", "--level", level,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.stdout)["value"], 3) == published


def test_calculator_json_cohen_1960(tmp_path):
    # Cohen (1960), Table 2: 200 units; kappa .492 (p_o .70, p_c .41)
    table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    rows = [f"{i},{j}" for i in range(3) for j in range(3) for _ in range(table[i][j])]
    matrix = tmp_path / "cohen.csv"
    matrix.write_text("A,B\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(None, "agreement", "--matrix", str(matrix), "--measure", "cohen_kappa", "--format", "json")
    assert round(json.loads(result.stdout)["value"], 3) == 0.492


def test_calculator_json_krippendorff_2004_unitizing(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    from test_reliability_calculator import SPANS_CSV

    spans = tmp_path / "k2004.csv"
    spans.write_text(SPANS_CSV, encoding="utf-8")
    result = run(None, "agreement", "--spans", str(spans), "--continuum", "150", "450", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert round(data["per_category"]["c"], 4) == 0.7286 and data["per_category"]["k"] == 1.0
    assert round(data["value"], 6) == 0.858665


def test_every_agreement_option_and_measure_is_documented():
    import re

    import typer.main

    from cotag.reliability.measures import LEVELS, MEASURES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "agreement.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in ("agreement", "simulate-coders"):
        for param in group.commands[name].params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert re.search(re.escape(option) + r"(?![a-z-])", doc), (name, option)
    for name in (*MEASURES, *LEVELS, "per_category", '"value"'):
        assert name in doc, name


def _lead_codes_and_marks_done(project):
    from sqlmodel import select

    from cotag.store import codings, progress
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import PROGRESS_DONE, Code, Document, Unit

    with project.session() as s:
        lena = get_or_create_coder(s, name="lena", role="lead")
        d1 = s.exec(select(Document).where(Document.external_id == "D1")).one()
        unit = s.exec(select(Unit).where(Unit.document_id == d1.id, Unit.index == 3)).one()
        family = s.exec(select(Code).where(Code.key == "family")).one()
        codings.add_coding(s, document_id=d1.id, code_id=family.id, coder_id=lena.id, start=unit.start, end=unit.end)
        progress.touch(s, coder_id=lena.id, document_id=d1.id, status=PROGRESS_DONE)


def test_a_lead_who_codes_does_not_change_the_default_agreement(study):
    """Issue #12.2: the default set is every coder who is not a lead; a lead is compared only when named."""
    before = run(study, "agreement", "--format", "json", "--bootstrap", "100", "--seed", "1")
    assert before.exit_code == 0, before.output
    _lead_codes_and_marks_done(study)
    after = run(study, "agreement", "--format", "json", "--bootstrap", "100", "--seed", "1")
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["coders"] == ["ann", "ben"]
    assert json.loads(after.stdout)["kappa"] == "cohen_kappa"
    assert json.loads(after.stdout)["views"] == json.loads(before.stdout)["views"]
    named = run(study, "agreement", "--coders", "ann,ben,lena", "--format", "json")
    assert named.exit_code == 0, named.output
    assert json.loads(named.stdout)["coders"] == ["ann", "ben", "lena"]
