"""Laws of the exports: the matrix is the quote table counted; a qdpx round trip changes nothing."""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import (
    LEAD,
    attribute_rows,
    build_study,
    consensus_documents,
    duplicate_live_codings,
    live_codings,
    memo_rows,
    studies,
)

BY = ("group", "gender", "place", "occupation", "age_band")


def _column(attributes: dict, group: str, by: str) -> str:
    from cotag.export.attribution import format_value
    from cotag.export.matrix import DEFAULT_AGE_BANDS, MISSING, age_band, parse_age_bands

    if by == "age_band":
        return age_band(attributes.get("age"), parse_age_bands(DEFAULT_AGE_BANDS))
    return format_value(group if by == "group" else attributes.get(by)) or MISSING


def _subtrees(project) -> dict[str, set[str]]:
    from sqlmodel import select

    from cotag.store.models import Code

    with project.session() as session:
        rows = list(session.exec(select(Code.id, Code.key, Code.parent_id)))
    key_of = {i: k for i, k, _ in rows}
    out: dict[str, set[str]] = {k: {k} for _, k, _ in rows}
    for _, key, parent in rows:
        while parent is not None:  # every ancestor's subtree holds the code
            out[key_of[parent]].add(key)
            parent = next(p for i, _, p in rows if i == parent)
    return out


@given(study=studies(max_documents=15), scope_kind=st.sampled_from(("consensus", "coder", "all_coders")),
       by=st.sampled_from(BY))
@study_settings()
def test_the_matrix_counts_the_quote_tables_rows(backend, study, scope_kind, by):
    from cotag import reconcile
    from cotag.export.matrix import attribute_matrix
    from cotag.export.quotes import collect_quotes
    from cotag.export.scope import Scope

    project = backend.project("matrix")
    build_study(project, study, workdir=backend.folder("csv"), lead_codes=True)
    with project.session() as session:
        reconcile.write_agreed(session, lead=LEAD, coders=list(study.pair))
    scope = {"consensus": Scope(consensus=True), "coder": Scope(coders=(study.coders[0],)),
             "all_coders": Scope(all_coders=True)}[scope_kind]
    if scope.consensus and not consensus_documents(project):
        return  # nothing agreed: the consensus exports refuse by name (the consensus law checks that)
    with project.session() as session:
        quotes = collect_quotes(session, scope)
        flat = attribute_matrix(session, scope, by=by, rollup=False)
        rolled = attribute_matrix(session, scope, by=by, rollup=True)
    rows = [(code, document, _column(attributes, group, by)) for code, document, attributes, group in
            zip(quotes.data["code"], quotes.data["document"], quotes.data["attributes"], quotes.data["group"])]
    total = flat.total_label
    assert flat.total_excerpts[total] == len(rows)
    assert set(flat.excerpts.columns) >= {column for _, _, column in rows} | {total}
    subtree = _subtrees(project)
    for matrix, members in ((flat, lambda key: {key}), (rolled, lambda key: subtree[key])):
        for key in matrix.excerpts.index:
            mine = [(d, column) for code, d, column in rows if code in members(key)]
            excerpts, respondents = Counter(c for _, c in mine), defaultdict(set)
            for d, column in mine:
                respondents[column].add(d)
            for column in matrix.values:
                assert matrix.excerpts.loc[key, column] == excerpts[column], (key, column)
                assert matrix.respondents.loc[key, column] == len(respondents[column]), (key, column)
            assert matrix.excerpts.loc[key, total] == len(mine), key
            assert matrix.respondents.loc[key, total] == len({d for d, _ in mine}), key
    # Every quote's code has its row.
    assert {code for code, _, _ in rows} <= set(flat.excerpts.index)


@given(study=studies(max_documents=10))
@study_settings()
def test_a_qdpx_round_trip_keeps_codings_memos_and_attributes(backend, study):
    from cotag import reconcile
    from cotag.services.refi import export_qdpx
    from cotag.refi.qdpx_import import import_qdpx

    project = backend.project("qdpx-source")
    build_study(project, study, workdir=backend.folder("csv"), lead_codes=True, third=True)
    with project.session() as session:
        reconcile.write_agreed(session, lead=LEAD, coders=list(study.pair))
    path = backend.folder("qdpx") / "study.qdpx"
    export_qdpx(project, path)
    fresh = backend.project("qdpx-target")
    import_qdpx(path, project=fresh)
    assert live_codings(fresh) == live_codings(project)
    assert memo_rows(fresh) == memo_rows(project)
    assert attribute_rows(fresh) == attribute_rows(project)
    assert duplicate_live_codings(fresh) == []
    # Importing the same file again, each user mapped onto the coder of that name (a project with coders
    # needs the mapping said out loud, issue #13), adds nothing: its codings and memos are already there.
    from cotag.store.coders import list_coders

    with fresh.session() as session:
        names = [c.name for c in list_coders(session)]
    import_qdpx(path, project=fresh, user_map={n: n for n in names}, lead=LEAD)
    assert live_codings(fresh) == live_codings(project)
    assert memo_rows(fresh) == memo_rows(project)
