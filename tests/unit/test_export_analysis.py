"""The analysis screen's data, without a terminal: the same figures and quotes the exports give."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_export_quotes import EXPERT_FEMALE, EXPERT_NO_PLACE, GRADUATE_US, add_consensus, build_study

from cotag.errors import CotagError
from cotag.export.analysis import default_export_path
from cotag.services.export import load_analysis
from cotag.services.export import coding_choices, export_view
from cotag.export.matrix import cooccurrence
from cotag.services.export import theme_prevalence
from cotag.services.export import quotes_for_code
from cotag.export.scope import Scope


def test_one_load_gives_the_exports_figures(project):
    build_study(project)
    analysis = load_analysis(project)
    assert analysis.coding_label == "all coders" and analysis.respondents == 4
    for by in ("group", "gender", "age_band", "degree_country"):
        assert analysis.prevalence(by) == theme_prevalence(project, by=by), by
        assert analysis.prevalence(by, depth=None) == theme_prevalence(project, by=by, depth=None), by
    with project.session() as session:
        for within in ("unit", "document"):
            assert analysis.cooccurrence(within).counts.equals(cooccurrence(session, within=within).counts)
    for key in ("push", "wages", "lowpay", "retention", "pull"):
        assert analysis.quotes_for(key) == quotes_for_code(project, code=key), key


def test_prevalence_table_has_every_code_and_the_total(project):
    build_study(project)
    table = load_analysis(project).prevalence_table("group")
    assert [(r["code"], r["depth"]) for r in table] == [("push", 1), ("wages", 2), ("lowpay", 3),
                                                        ("corruption", 2), ("pull", 1), ("retention", 1),
                                                        ("family", 2)]
    push = {c["value"]: (c["respondents"], c["n"], c["excerpts"]) for c in table[0]["cells"]}
    # alice: E001 wages, E001 corruption, E002 lowpay, G001 wages; bob: E001 lowpay.
    assert push == {"expert": (2, 2, 4), "graduate": (1, 2, 1), "total": (3, 4, 5)}
    pull = {c["value"]: (c["respondents"], c["share"]) for c in table[4]["cells"]}
    assert pull == {"expert": (0, 0.0), "graduate": (0, 0.0), "total": (0, 0.0)}


def test_codes_count_their_subtrees_quotes(project):
    build_study(project)
    codes = load_analysis(project).codes()
    assert [(c.key, c.depth, c.quotes) for c in codes] == [
        ("push", 1, 5), ("wages", 2, 4), ("lowpay", 3, 2), ("corruption", 2, 1), ("pull", 1, 0),
        ("retention", 1, 2), ("family", 2, 2)]


def test_quotes_carry_the_export_attribution_and_widen(project):
    build_study(project)
    analysis = load_analysis(project)
    wages = analysis.quotes_for("wages")
    assert {(q.document, q.attribution) for q in wages} == {("E001", EXPERT_FEMALE), ("E002", EXPERT_NO_PLACE),
                                                            ("G001", GRADUATE_US)}
    widened = analysis.widened("sentence")
    assert widened.selection is analysis.selection and analysis.widen == "span"
    assert widened.quotes_for("wages") == quotes_for_code(project, code="wages", widen="sentence")
    assert "My cousin earns five times more in Berlin." in [q.text for q in widened.quotes_for("wages")]
    with pytest.raises(CotagError, match="--widen"):
        analysis.widened("paragraph")
    with pytest.raises(CotagError, match="no code with key 'wagez'"):
        analysis.quotes_for("wagez")


def test_comparisons_put_the_studys_first(project):
    build_study(project)
    comparisons = load_analysis(project).comparisons()
    assert comparisons[:6] == ["group", "place", "gender", "age_band", "occupation", "degree_country"]
    assert "residence_country" in comparisons and "id" not in comparisons and "document" not in comparisons


def test_whose_coding(project):
    ids = build_study(project)
    assert [(c.label, c.scope) for c in coding_choices(project)] == [
        ("all coders", Scope()), ("alice", Scope(coders=("alice",))), ("bob", Scope(coders=("bob",)))]
    # A coder who is not the lead is offered only their own coding: analysis must not unblind.
    assert [c.label for c in coding_choices(project, viewer="bob", lead=False)] == ["bob"]
    with pytest.raises(CotagError):
        coding_choices(project, lead=False)
    add_consensus(project, ids, [("E001", "wages", "My cousin earns five times more in Berlin.")])
    choices = coding_choices(project)
    assert [c.label for c in choices] == ["consensus", "all coders", "alice", "bob"]
    assert load_analysis(project, choices[0].scope).coding_label == "consensus"
    assert load_analysis(project, choices[1].scope).coding_label == "all coders"


def test_export_view_writes_through_the_export_functions(project, tmp_path):
    import openpyxl

    build_study(project)
    assert default_export_path(project, "quotes", code="wages") == project.root / "exports" / "quotes-wages.docx"
    assert default_export_path(project, "prevalence", by="place").name == "matrix-by-place.xlsx"
    assert default_export_path(project, "cooccurrence", within="document").name == "cooccurrence-document.xlsx"
    summary = export_view(project, "exports/by-gender.xlsx", kind="prevalence", by="gender")
    path = project.root / "exports" / "by-gender.xlsx"
    assert summary["path"] == str(path) and summary["kind"] == "prevalence"
    sheet = openpyxl.load_workbook(path)["Respondents"]
    assert [c.value for c in sheet[1]][-3:] == ["female (n=2)", "male (n=2)", "total (n=4)"]
    summary = export_view(project, tmp_path / "a" / "b" / "lowpay.csv", kind="quotes", code="lowpay",
                          scope=Scope(coders=("bob",)))
    assert (summary["quotes"], summary["coding"]) == (1, "bob")
    text = (tmp_path / "a" / "b" / "lowpay.csv").read_text(encoding="utf-8")
    assert "Salaries are low here." in text and "A teacher cannot" not in text
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CotagError, match="not a folder"):
        export_view(project, blocker / "q.csv", kind="quotes")
    with pytest.raises(CotagError, match="nothing to export"):
        export_view(project, tmp_path / "q.csv", kind="chart")


def test_analysis_does_not_import_textual():
    script = ("import json, sys, cotag.export.analysis\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
