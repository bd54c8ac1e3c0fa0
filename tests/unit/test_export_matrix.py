"""Matrices: exact counts on a hand-built project, age bands, co-occurrence, formats read back, the demo reference."""

from __future__ import annotations

import csv
import importlib.util
from collections import defaultdict
from pathlib import Path

import pytest

from cotag.errors import CotagError
from cotag.export.matrix import attribute_matrix, cooccurrence, parse_age_bands
from cotag.services.export import export_matrix, theme_prevalence
from cotag.export.scope import Scope
from cotag.store.codings import add_coding
from cotag.store.coders import get_or_create_coder
from test_export_quotes import build_study

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "transcripts" / "reference.csv"


def matrix(project, scope=Scope(), **kwargs):
    with project.session() as session:
        return attribute_matrix(session, scope, config=project.config, **kwargs)


def cells(m, key):
    return ({c: int(m.respondents.at[key, c]) for c in m.columns},
            {c: int(m.excerpts.at[key, c]) for c in m.columns})


def test_counts_by_group_are_exact(project):
    build_study(project)
    m = matrix(project, by="group")
    assert m.values == ["expert", "graduate"] and m.n == {"expert": 2, "graduate": 2, "total": 4}
    assert list(m.respondents.index) == ["push", "wages", "lowpay", "corruption", "pull", "retention", "family"]
    # A code's row counts its sub-codes' codings (push = wages + lowpay + corruption).
    assert cells(m, "push") == ({"expert": 2, "graduate": 1, "total": 3}, {"expert": 4, "graduate": 1, "total": 5})
    assert cells(m, "wages") == ({"expert": 2, "graduate": 1, "total": 3}, {"expert": 3, "graduate": 1, "total": 4})
    assert cells(m, "lowpay") == ({"expert": 2, "graduate": 0, "total": 2}, {"expert": 2, "graduate": 0, "total": 2})
    assert cells(m, "pull") == ({"expert": 0, "graduate": 0, "total": 0}, {"expert": 0, "graduate": 0, "total": 0})
    assert cells(m, "retention") == ({"expert": 1, "graduate": 1, "total": 2}, {"expert": 1, "graduate": 1, "total": 2})
    assert m.share.at["push", "expert"] == 1.0 and m.share.at["push", "graduate"] == 0.5
    assert m.share.at["push", "total"] == 0.75 and m.share.at["corruption", "total"] == 0.25


def test_one_coder_without_rollup(project):
    build_study(project)
    m = matrix(project, Scope(coders=("alice",)), by="group", rollup=False)
    assert cells(m, "wages") == ({"expert": 1, "graduate": 1, "total": 2}, {"expert": 1, "graduate": 1, "total": 2})
    assert cells(m, "push")[0] == {"expert": 0, "graduate": 0, "total": 0}
    assert cells(m, "lowpay")[0] == {"expert": 1, "graduate": 0, "total": 1}


def test_filters_change_the_denominator(project):
    build_study(project)
    m = matrix(project, Scope(where=("gender=female",)), by="group")
    assert m.n == {"expert": 1, "graduate": 1, "total": 2}
    assert cells(m, "retention")[0] == {"expert": 1, "graduate": 1, "total": 2}
    assert m.share.at["retention", "total"] == 1.0
    chosen = matrix(project, Scope(codes=("retention",)), by="gender")
    assert list(chosen.respondents.index) == ["retention", "family"]


def test_age_bands(project):
    build_study(project)
    m = matrix(project, by="age_band")
    assert m.values == ["24-34", "35-44", "45-54", "(missing)"]
    assert m.n == {"24-34": 1, "35-44": 1, "45-54": 1, "(missing)": 1, "total": 4}
    assert cells(m, "push")[0] == {"24-34": 1, "35-44": 1, "45-54": 1, "(missing)": 0, "total": 3}
    assert cells(m, "push")[1] == {"24-34": 1, "35-44": 3, "45-54": 1, "(missing)": 0, "total": 5}
    custom = matrix(project, by="age_band", age_bands="30-39,40+")
    assert custom.values == ["30-39", "40+", "(missing)"] and custom.n["30-39"] == 2
    narrow = matrix(project, by="age_band", age_bands="35-40")
    assert narrow.values == ["under 35", "35-40", "over 40", "(missing)"]


@pytest.mark.parametrize("spec, message", [("24-34,30-40", "overlap"), ("old", "'old'"), ("40-30", "ends before"),
                                           ("", "no bands")])
def test_bad_age_bands(spec, message):
    with pytest.raises(CotagError, match=message):
        parse_age_bands(spec)


def test_unknown_attribute_and_conflicting_choices(project, tmp_path):
    build_study(project)
    with pytest.raises(CotagError, match="unknown attribute 'religion'") as info:
        matrix(project, by="religion")
    assert "degree_country" in str(info.value) and "age_band" in str(info.value)
    with pytest.raises(CotagError, match="either --by"):
        export_matrix(project, tmp_path / "m.csv", by="group", within="unit")
    with pytest.raises(CotagError, match="either --by"):
        export_matrix(project, tmp_path / "m.csv")
    with pytest.raises(CotagError, match="'sentence'"):
        export_matrix(project, tmp_path / "m.csv", within="sentence")


def add_overlaps(project, ids) -> None:
    """alice: family on E001's wages sentence; bob: wages on E001's low-pay sentence."""
    with project.session() as session:
        alice = get_or_create_coder(session, name="alice")
        bob = get_or_create_coder(session, name="bob")
        text = ids["texts"]["E001"]
        for coder, key, phrase in ((alice, "family", "My cousin earns five times more in Berlin."),
                                   (bob, "wages", "Salaries are low here.")):
            start = text.index(phrase)
            add_coding(session, document_id=ids["docs"]["E001"], code_id=ids["codes"][key], coder_id=coder.id,
                       start=start, end=start + len(phrase))


def test_cooccurrence_within_units_and_documents(project):
    ids = build_study(project)
    add_overlaps(project, ids)
    with project.session() as session:
        units = cooccurrence(session, within="unit").counts
        documents = cooccurrence(session, within="document").counts
        rolled = cooccurrence(session, within="unit", rollup=True).counts
    assert units.at["wages", "family"] == units.at["family", "wages"] == 1
    assert units.at["wages", "lowpay"] == 1 and units.at["wages", "corruption"] == 0
    assert [units.at[k, k] for k in ("wages", "lowpay", "corruption", "family", "pull")] == [3, 2, 1, 3, 0]
    assert documents.at["wages", "lowpay"] == 1 and documents.at["corruption", "family"] == 1
    assert [documents.at[k, k] for k in ("wages", "lowpay", "corruption", "family")] == [2, 2, 1, 2]
    assert rolled.at["push", "push"] == 5 and rolled.at["push", "retention"] == 1 and rolled.at["wages", "wages"] == 4


def test_a_coding_across_two_units_counts_in_both(sqlite_project):
    ids = build_study(sqlite_project)
    with sqlite_project.session() as session:
        alice = get_or_create_coder(session, name="alice")
        text = ids["texts"]["E001"]
        start = text.index("in Berlin.")
        add_coding(session, document_id=ids["docs"]["E001"], code_id=ids["codes"]["pull"], coder_id=alice.id,
                   start=start, end=text.index("everywhere"))
        table = cooccurrence(session, within="unit").counts
    assert table.at["pull", "pull"] == 2 and table.at["pull", "wages"] == 1 and table.at["pull", "corruption"] == 1


def test_prevalence_rows_for_the_analysis_screen(project):
    build_study(project)
    rows = theme_prevalence(project, by="group")
    assert {(r["code"], r["value"]) for r in rows} == {(k, g) for k in ("push", "pull", "retention")
                                                       for g in ("expert", "graduate")}
    push_grad = next(r for r in rows if r["code"] == "push" and r["value"] == "graduate")
    assert push_grad == {"code": "push", "name": "Push factors", "value": "graduate", "respondents": 1, "n": 2,
                         "share": 0.5, "excerpts": 1}


def test_pairs_most_frequent_first(project):
    ids = build_study(project)
    add_overlaps(project, ids)
    with project.session() as session:
        pairs = cooccurrence(session, within="document").pairs()
    assert pairs[0]["count"] >= pairs[-1]["count"] and all(p["a"] != p["b"] for p in pairs)
    assert {"a": "wages", "a_name": "Wages and income", "b": "corruption", "b_name": "Corruption", "count": 1} in pairs


# ---------------------------------------------------------------- formats read back

def test_csv_matrix(sqlite_project, tmp_path):
    build_study(sqlite_project)
    out = tmp_path / "m.csv"
    summary, _ = export_matrix(sqlite_project, out, by="group")
    assert summary["columns"] == ["expert", "graduate"]
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:5] == ["code", "code_name", "theme", "sub-theme", "sub-theme 2"]
    assert rows[0]["code_name"] == "All respondents (N)"
    first = rows[0]
    assert (first["expert respondents"], first["graduate respondents"], first["total respondents"]) == ("2", "2", "4")
    assert rows[0]["total excerpts"] == "7"
    push = next(r for r in rows if r["code"] == "push")
    assert (push["expert respondents"], push["expert share"], push["expert excerpts"]) == ("2", "1.0", "4")
    assert (push["graduate share"], push["total share"]) == ("0.5", "0.75")
    lowpay = next(r for r in rows if r["code"] == "lowpay")
    assert ((lowpay["theme"], lowpay["sub-theme"], lowpay["sub-theme 2"])
            == ("Push factors", "Wages and income", "Low pay"))


def test_xlsx_matrix(sqlite_project, tmp_path):
    import openpyxl

    build_study(sqlite_project)
    out = tmp_path / "m.xlsx"
    export_matrix(sqlite_project, out, by="gender")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Respondents", "Share", "Excerpts", "Read me"]
    share = book["Share"]
    header = [c.value for c in share[1]]
    assert header[-3:] == ["female (n=2)", "male (n=2)", "total (n=4)"]
    assert share.freeze_panes == "F2"
    row = list(share[2])
    assert row[0].value == "push" and row[header.index("male (n=2)")].value == 1.0
    assert row[header.index("female (n=2)")].value == 0.5 and "%" in row[header.index("female (n=2)")].number_format
    excerpts = [c.value for c in book["Excerpts"][2]]
    assert excerpts[0] == "push" and excerpts[-3:] == [3, 2, 5]  # female: E001's three


def test_markdown_matrix_and_cooccurrence(sqlite_project, tmp_path):
    from markdown_it import MarkdownIt

    ids = build_study(sqlite_project)
    out = tmp_path / "m.md"
    export_matrix(sqlite_project, out, by="group")
    tokens = MarkdownIt().enable("table").parse(out.read_text(encoding="utf-8"))
    cells_ = [t.children[0].content if t.children else "" for t in tokens if t.type == "inline"]
    assert "Codes by group" in cells_
    header = cells_.index("code")
    assert cells_[header:header + 4] == ["code", "expert (n=2)", "graduate (n=2)", "total (n=4)"]
    push = cells_.index("Push factors")
    assert cells_[push:push + 4] == ["Push factors", "2 (100%) / 4", "1 (50%) / 1", "3 (75%) / 5"]
    assert "· Wages and income" in cells_ and "· · Low pay" in cells_
    add_overlaps(sqlite_project, ids)
    co = tmp_path / "co.md"
    export_matrix(sqlite_project, co, within="unit")
    html = MarkdownIt().enable("table").render(co.read_text(encoding="utf-8"))
    assert "<table>" in html and '<th style="text-align:right">family</th>' in html
    assert '<td style="text-align:right">3</td>' in html  # family's units, on the diagonal


def test_docx_matrix_has_a_table(sqlite_project, tmp_path):
    import docx

    build_study(sqlite_project)
    out = tmp_path / "m.docx"
    export_matrix(sqlite_project, out, by="group")
    table = docx.Document(out).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["code", "expert (n=2)", "graduate (n=2)", "total (n=4)"]
    assert [c.text for c in table.rows[1].cells] == ["Push factors", "2 (100%) / 4", "1 (50%) / 1", "3 (75%) / 5"]


# ---------------------------------------------------------------- the demo corpus

def _bench():
    spec = importlib.util.spec_from_file_location("export_bench", REPO / "bench" / "export_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _front_matter(path: Path) -> dict:
    import yaml

    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else {}


@pytest.mark.slow
@pytest.mark.skipif(not REFERENCE.is_file(), reason="demo corpus not generated (make corpus)")
def test_matrix_matches_reference_coding_of_demo_corpus(tmp_path):
    from cotag.services.corpus import ensure_demo_project

    project, _ = ensure_demo_project(tmp_path / "demo", echo=lambda _: None)
    bench = _bench()
    with project.session() as session:
        loaded = bench.load_reference(session, REFERENCE, coder="reference")
    # Expected counts straight from the files: front matter for groups, reference.csv for codings.
    group_of = {}
    for path in sorted((REPO / "transcripts").rglob("*.md")):
        meta = _front_matter(path)
        if meta.get("id"):
            group_of[str(meta["id"])] = str(meta["group"])
    with REFERENCE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert loaded == len(rows)
    respondents: dict[tuple[str, str], set] = defaultdict(set)
    excerpts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        key = (row["code"], group_of[row["document"]])
        respondents[key].add(row["document"])
        excerpts[key] += 1
    m = matrix(project, Scope(coders=("reference",)), by="group", rollup=False)
    groups = sorted(set(group_of.values()))
    assert m.values == groups
    assert m.n == {**{g: sum(1 for v in group_of.values() if v == g) for g in groups}, "total": len(group_of)}
    for code in {r["code"] for r in rows}:
        for group in groups:
            assert m.respondents.at[code, group] == len(respondents[(code, group)]), (code, group)
            assert m.excerpts.at[code, group] == excerpts[(code, group)], (code, group)
    # Themes (rolled up): a respondent mentions a theme when any of its codes is coded, per the codebook file.
    theme_of = _themes(REPO / "codebooks" / "migration.yaml")
    theme_respondents: dict[tuple[str, str], set] = defaultdict(set)
    theme_excerpts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        key = (theme_of[row["code"]], group_of[row["document"]])
        theme_respondents[key].add(row["document"])
        theme_excerpts[key] += 1
    rolled = matrix(project, Scope(coders=("reference",)), by="group")
    themes = sorted(set(theme_of.values()))
    assert themes and all(theme in rolled.respondents.index for theme in themes)
    for theme in themes:
        for group in groups:
            assert rolled.respondents.at[theme, group] == len(theme_respondents[(theme, group)]), (theme, group)
            assert rolled.excerpts.at[theme, group] == theme_excerpts[(theme, group)], (theme, group)
    project.close()


def _themes(path: Path) -> dict[str, str]:
    """Code key -> the key of its top-level code, read from the codebook YAML's nesting."""
    import yaml

    found: dict[str, str] = {}

    def walk(codes: list, theme: str | None) -> None:
        for code in codes or []:
            top = theme or code["key"]
            found[code["key"]] = top
            walk(code.get("children"), top)

    walk(yaml.safe_load(path.read_text(encoding="utf-8"))["codes"], None)
    return found


def test_share_is_over_the_interviews_the_coding_covers(project):
    """An interview the chosen coder has not coded is neither a mention nor a non-mention."""
    from cotag.store import progress as progress_store
    from cotag.store.models import PROGRESS_DONE

    ids = build_study(project)
    bob = matrix(project, Scope(coders=("bob",)), by="group")  # bob coded E001 and G002 only
    assert bob.n == {"expert": 1, "graduate": 1, "total": 2}
    assert bob.share.at["retention", "total"] == 0.5 and bob.share.at["family", "graduate"] == 1.0
    with project.session() as session:
        coder = get_or_create_coder(session, name="bob")
        progress_store.touch(session, coder_id=coder.id, document_id=ids["docs"]["E002"], status=PROGRESS_DONE)
    bob = matrix(project, Scope(coders=("bob",)), by="group")  # E002 done with no code: it now counts
    assert bob.n == {"expert": 2, "graduate": 1, "total": 3}
    assert bob.share.at["wages", "expert"] == 0.5
    everyone = matrix(project, by="group")
    assert everyone.n == {"expert": 2, "graduate": 2, "total": 4}
