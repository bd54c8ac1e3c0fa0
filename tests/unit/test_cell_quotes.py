"""A cell's quotes are what the cell counts: every themes cell and every co-occurrence cell, checked against the
matrix the analysis screen shows; saved queries run on the stored coding, or the viewer's own."""

from __future__ import annotations

import pytest
from test_export_quotes import build_study

from cotag.services.export import load_analysis
from cotag.export.cell import analysis_cell_quotes, analysis_pair_quotes
from cotag.export.scope import Scope
from cotag.query import save_query, stored_scope
from cotag.services.queries import run_saved


@pytest.fixture
def study(sqlite_project):
    build_study(sqlite_project)
    return sqlite_project


@pytest.mark.parametrize("by", ["group", "gender", "age_band", "place"])
def test_every_themes_cell_quotes_as_many_excerpts_as_it_counts(study, by):
    analysis = load_analysis(study, Scope(all_coders=True))
    for row in analysis.prevalence_table(by):
        for cell in row["cells"]:
            table = analysis_cell_quotes(analysis, code=row["code"], by=by, value=cell["value"])
            assert len(table.quotes) == cell["excerpts"], (row["code"], cell)
            assert len({q.document for q in table.quotes}) == cell["respondents"], (row["code"], cell)


@pytest.mark.parametrize("within", ["unit", "document"])
def test_a_cooccurrence_cell_has_quotes_exactly_when_it_counts_some(study, within):
    analysis = load_analysis(study, Scope(all_coders=True))
    matrix = analysis.cooccurrence(within)
    keys = list(matrix.counts.index)
    for a in keys:
        for b in keys:
            quotes = analysis_pair_quotes(analysis, a=a, b=b, within=within).quotes
            assert bool(quotes) == bool(matrix.counts.loc[a, b]), (a, b)
            assert {q.code for q in quotes} <= {a, b}
    # alice coded "earns five times more" (wages) and "Corruption is everywhere." in neighbouring sentences of
    # E001: they meet in the document, not in a unit.
    pair = [(q.code, q.text) for q in analysis_pair_quotes(analysis, a="wages", b="corruption", within=within).quotes]
    assert pair == ([] if within == "unit" else [("wages", "earns five times more"),
                                                 ("corruption", "Corruption is everywhere.")])


def test_saved_queries_run_on_the_stored_coding_or_the_viewers_own(study):
    save_query(study, "family", "family", options={"all_coders": True})
    assert [(q.document, q.coder) for q in run_saved(study, "family").quotes] == [("E001", "alice"),
                                                                                   ("G002", "bob")]
    assert [(q.document, q.coder) for q in run_saved(study, "family", own="bob").quotes] == [("G002", "bob")]
    save_query(study, "wages", "wages", options={"where": ["gender=female"]})
    entry = {"query": "wages", "where": ["gender=female"]}
    assert stored_scope(entry, coding=Scope(coders=("alice",))).coders == ("alice",)
    assert stored_scope({**entry, "coder": ["bob"]}, coding=Scope(coders=("alice",))).coders == ("bob",)
    assert [q.document for q in run_saved(study, "wages", coding=Scope(coders=("alice",))).quotes] == ["E001"]
