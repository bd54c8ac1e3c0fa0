"""Laws of code queries over whole studies: a query adds up over coders and over documents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import build_study, studies

# Every operator, NOT alone and inside an expression, a parent code (its subtree) and its children.
EXPRESSIONS = ("jobs AND NOT housing", "push OR pull", "NOT jobs", "jobs OVERLAP push", "housing NEAR/1 jobs",
               "(jobs OR housing) AND NOT (climate NEAR/0 jobs)")


def _rows(project, source: str, scope) -> list[tuple]:
    from cotag.query import query_selection, run_query

    with project.session() as session:
        table = run_query(query_selection(session, source, scope), source)
    d = table.data
    return sorted(zip(d["document"], d["coder"], d["start"], d["end"], d["text"], d["unit"]))


@given(study=studies(max_documents=5, codebook_changes=False), source=st.sampled_from(EXPRESSIONS))
@study_settings()
def test_a_query_adds_up_over_coders_and_over_documents(backend, study, source):
    """Each coder's passages are found in that coder's codings alone, each document's in that document alone: a
    query over every coder is the coders' queries put together, and over every document the documents'."""
    from cotag.export.scope import Scope
    from cotag.store.coders import list_coders

    project = backend.project("query")
    build_study(project, study, workdir=backend.folder("csv"))
    everyone = _rows(project, source, Scope(all_coders=True))
    with project.session() as session:
        coders = [c.name for c in list_coders(session) if c.name in study.coders]
    assert everyone == sorted(row for coder in coders for row in _rows(project, source, Scope(coders=(coder,))))
    documents = [d.external_id for d in study.documents]
    assert everyone == sorted(row for document in documents
                              for row in _rows(project, source, Scope(all_coders=True, documents=(document,))))
    # A passage is words, never the bare space between two codings, and it has its unit (from 1).
    assert all(text and unit is not None and unit >= 1 for *_, text, unit in everyone)
