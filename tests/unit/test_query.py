"""Code queries: the parser (precedence, errors with positions), passage algebra (properties), and a project."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cotag.errors import CotagError
from cotag.export.scope import Scope
from cotag.query import (QueryError, UnitStarts, complement, evaluate, intersect, normalize, parse, query_selection,
                         render, run_query, saved_queries, save_query, union)
from cotag.services.queries import export_query
from cotag.store.codings import add_coding
from cotag.store.coders import get_or_create_coder
from cotag.store.documents import list_units, require_document
from cotag.store.models import Document
from test_export_quotes import EXPERT_FEMALE, build_study


# ---------------------------------------------------------------- parser

@pytest.mark.parametrize("source, read", [
    ("a AND b OR c", "((a AND b) OR c)"),
    ("a OR b AND c", "(a OR (b AND c))"),
    ("NOT a AND b", "(NOT a AND b)"),
    ("a AND b OVERLAP c", "(a AND (b OVERLAP c))"),
    ("a NEAR/2 b NEAR/1 c", "((a NEAR/2 b) NEAR/1 c)"),
    ("(a OR b) near/3 NOT c", "((a OR b) NEAR/3 NOT c)"),
    ("NOT NOT a", "NOT NOT a"),
    ('"and" and b', '("and" AND b)'),
])
def test_precedence(source, read):
    assert render(parse(source)) == read


@pytest.mark.parametrize("source, position, words", [
    ("wages AND", 10, "expected a code key, NOT or '(', found the end of the query"),
    ("(wages OR family", 17, "expected ')' to close the '(' at position 1"),
    ("wages family", 7, "found 'family'"),
    ("wages NEAR/x family", 7, "'NEAR/x': write NEAR/n"),
    ("wages NEAR family", 7, "'NEAR': write NEAR/n"),
    ("wages AND )", 11, "found ')'"),
    ("", 1, "the query is empty"),
])
def test_parse_errors_name_position_and_token(source, position, words):
    with pytest.raises(QueryError) as caught:
        parse(source)
    message = str(caught.value)
    assert words in message and f"at position {position}" in message
    assert message.splitlines()[-1] == "  " + " " * (position - 1) + "^"


# ---------------------------------------------------------------- passage algebra

LENGTH = 60
spans = st.lists(st.tuples(st.integers(0, LENGTH), st.integers(0, LENGTH)).map(lambda t: (min(t), max(t))),
                 max_size=6)
UNITS = UnitStarts([0, 7, 15, 22, 30, 41, 50])


def chars(passages) -> set[int]:
    return {c for start, end in passages for c in range(start, end)}


def run(source: str, coded: dict[str, list]) -> set[int]:
    merged = {k: normalize(v) for k, v in coded.items()}
    return chars(evaluate(parse(source), coded=merged.__getitem__, length=LENGTH, units=UNITS))


@settings(max_examples=300, deadline=None)
@given(a=spans, b=spans, n=st.integers(0, 4))
def test_query_laws(a, b, n):
    coded = {"a": a, "b": b}
    assert run("a OR b", coded) >= run("a", coded)
    assert run("a AND b", coded) <= run("a", coded) and run("a AND b", coded) <= run("b", coded)
    assert run("NOT NOT a", coded) == run("a", coded)
    assert run("a AND b", coded) == run("b AND a", coded)
    assert run("a OVERLAP b", coded) <= run("a NEAR/0 b", coded)
    assert run(f"a NEAR/{n} b", coded) <= run(f"a NEAR/{n + 1} b", coded)
    assert run(f"a NEAR/{n} b", coded) <= run("a OR b", coded)
    # What AND finds, OVERLAP finds inside its passages.
    assert run("a AND b", coded) <= run("a OVERLAP b", coded)


@given(a=spans, b=spans)
def test_set_operations_are_character_sets(a, b):
    na, nb = normalize(a), normalize(b)
    assert chars(intersect(na, nb)) == chars(na) & chars(nb)
    assert chars(union(na, nb)) == chars(na) | chars(nb)
    assert chars(complement(na, LENGTH)) == set(range(LENGTH)) - chars(na)


def test_near_counts_units():
    coded = {"a": [(8, 10)], "b": [(31, 33)]}  # units 1 and 4
    assert run("a NEAR/2 b", coded) == set()
    assert run("a NEAR/3 b", coded) == chars([(8, 10), (31, 33)])


# ---------------------------------------------------------------- on a project

@pytest.fixture
def study(project):
    ids = build_study(project)
    with project.session() as session:
        alice = get_or_create_coder(session, name="alice")
        e001 = session.get(Document, ids["docs"]["E001"])
        start = e001.text.index("My cousin earns five")
        add_coding(session, document_id=e001.id, code_id=ids["codes"]["pull"], coder_id=alice.id, start=start,
                   end=start + len("My cousin earns five"))
    return project


def passages(project, source: str, **scope) -> list[tuple[str, str, str]]:
    with project.session() as session:
        selection = query_selection(session, source, Scope(**scope))
    table = run_query(selection, source)
    return list(zip(table.data["document"], table.data["coder"], table.data["text"]))


def test_queries_on_a_project(study):
    alice = {"coders": ("alice",)}
    assert passages(study, "wages NEAR/1 corruption", **alice) == [
        ("E001", "alice", "earns five times more"), ("E001", "alice", "Corruption is everywhere.")]
    assert passages(study, "wages NEAR/0 corruption", **alice) == []
    assert passages(study, "wages NEAR/2 family", **alice) == []
    assert len(passages(study, "wages NEAR/3 family", **alice)) == 2
    assert passages(study, "wages OVERLAP pull", **alice) == [("E001", "alice", "My cousin earns five times more")]
    assert passages(study, "wages AND pull", **alice) == [("E001", "alice", "earns five")]
    # push brings its subtree (wages, lowpay, corruption).
    assert passages(study, "push AND NOT corruption", **alice) == [
        ("E001", "alice", "earns five times more"), ("E002", "alice", "A teacher cannot live on this salary."),
        ("G001", "alice", "In the US my salary would be ten times higher.")]
    # Each coder's codings are combined with their own only; --where narrows the respondents.
    assert passages(study, "lowpay OR family", all_coders=True, where=("gender=female",)) == [
        ("E001", "alice", "I stay for my parents."), ("E001", "bob", "Salaries are low here."),
        ("G002", "bob", "My family keeps me here.")]


def test_not_speaks_only_for_the_documents_each_coder_covered(study):
    """bob coded E001 and G002 only: his `NOT family` is not the whole of E002 and G001, which he never read.
    So a query on every coder is each coder's query put together."""
    rows = passages(study, "NOT family", all_coders=True)
    assert sorted({(document, coder) for document, coder, _ in rows}) == [
        ("E001", "alice"), ("E001", "bob"), ("E002", "alice"), ("G001", "alice"), ("G002", "bob")]
    alone = [row for coder in ("alice", "bob") for row in passages(study, "NOT family", coders=(coder,))]
    assert sorted(rows) == sorted(alone)
    # The text around a coding, not the spaces at its edges; and each passage with its unit, even in a document
    # with no coding of the query's codes (E002: alice coded lowpay only).
    assert all(text == text.strip() and text for _, _, text in rows)
    with study.session() as session:
        selection = query_selection(session, "NOT family", Scope(coders=("alice",)))
    table = run_query(selection, "NOT family")
    assert None not in table.data["unit"] and "E002" in table.data["document"]


def test_unknown_code_names_its_position(study):
    with pytest.raises(CotagError) as caught:
        passages(study, "wages AND wagez")
    assert "no code with key 'wagez'" in str(caught.value) and "at position 11" in str(caught.value)


def test_written_like_export_quotes(study, tmp_path):
    summary, text = export_query(study, "wages OVERLAP pull", None, fmt="csv", scope=Scope(coders=("alice",)))
    header, row = text.splitlines()[:2]
    assert header.startswith("code,code_name,theme,quote,attribution,document,group,gender,age")
    assert f'My cousin earns five times more,"{EXPERT_FEMALE}",E001' in row
    assert summary["quotes"] == 1 and summary["query"] == "(wages OVERLAP pull)"
    export_query(study, "wages OVERLAP pull", tmp_path / "q.docx", scope=Scope(coders=("alice",)))
    import docx

    assert any("My cousin earns five times more" in p.text for p in docx.Document(tmp_path / "q.docx").paragraphs)
    _, plain = export_query(study, "wages OVERLAP pull", None, fmt="txt", scope=Scope(coders=("alice",)))
    assert f'"My cousin earns five times more"\n  — {EXPERT_FEMALE} · E001' in plain


def test_the_unit_column_counts_from_1_as_export_quotes_does(study):
    """A passage's `unit` is the number of the first sentence it touches, as `export quotes` writes it."""
    from cotag.services.export import export_quotes

    scope = Scope(coders=("alice",), codes=("corruption",))
    _, quoted = export_quotes(study, None, fmt="csv", scope=scope)
    _, queried = export_query(study, "corruption", None, fmt="csv", scope=Scope(coders=("alice",)))
    [quote_row] = list(csv.DictReader(io.StringIO(quoted)))
    [query_row] = list(csv.DictReader(io.StringIO(queried)))
    assert (query_row["start"], query_row["unit"]) == (quote_row["start"], quote_row["unit"])
    with study.session() as session:
        document = require_document(session, external_id="E001")
        [unit] = [u for u in list_units(session, document_id=int(document.id or 0))
                  if u.start == int(query_row["start"])]
    assert int(query_row["unit"]) == unit.index + 1


def test_saved_queries(study):
    save_query(study, "pay", "wages OR lowpay", options={"where": ["gender=female"], "coder": []})
    assert saved_queries(study) == {"pay": {"query": "wages OR lowpay", "where": ["gender=female"]}}
    with pytest.raises(QueryError):
        save_query(study, "broken", "wages OR", options={})
    with pytest.raises(CotagError, match="a name is"):
        save_query(study, "two words", "wages", options={})
    assert list(saved_queries(study)) == ["pay"]
