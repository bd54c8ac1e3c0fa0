"""Laws of merging: each coder's copy comes in whole, once, whatever the order, following the lead's renames."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import build_study, duplicate_live_codings, live_codings, memo_rows, studies


def _lead_project(backend, study, name: str):
    """The lead's project: the corpus and codebook, then the codebook changes made after the coders copied it."""
    project = backend.project(name)
    build_study(project, study, workdir=backend.folder("csv"), coders=())
    return project


def _has_work(project, coder: str) -> bool:
    from cotag.store.coders import get_coder

    with project.session() as session:
        return get_coder(session, name=coder) is not None


def _state(project) -> tuple:
    from sqlmodel import select

    from cotag.store.models import Coder, Document, Progress

    with project.session() as session:
        progress = sorted(session.exec(select(Coder.name, Document.external_id, Progress.status)
                                       .join(Coder, Coder.id == Progress.coder_id)
                                       .join(Document, Document.id == Progress.document_id)).all())
    return live_codings(project), memo_rows(project), [tuple(p) for p in progress]


@given(study=studies(max_documents=10), data=st.data())
@study_settings()
def test_merging_is_idempotent_and_commutative_and_never_duplicates(backend, study, data):
    from cotag.services.team import export_coder_file
    from cotag.services.team import merge

    # Each coder codes their own SQLite copy with the codebook as it was; the lead's project (on the back end
    # under test) has since renamed and merged codes.
    sources = {}
    expected = set()
    for coder in study.coders:
        copy = backend.project(f"copy-{coder}", sqlite=True)
        build_study(copy, study.without_codebook_changes(), workdir=backend.folder("csv"), coders=(coder,))
        # A coder file is one coder's work: a coder who did nothing has none to send (their copy merges as is).
        if _has_work(copy, coder) and data.draw(st.booleans(), label=f"{coder} sends a coder file"):
            path = backend.folder("file") / f"{coder}.cotag.json.gz"
            export_coder_file(copy, coder=coder, path=path)
            sources[coder] = path
        else:
            sources[coder] = copy.root
        expected |= {(d, study.key_now(code), who, s, e) for d, code, who, s, e, _ in live_codings(copy)}

    order = data.draw(st.permutations(list(study.coders)), label="merge order")
    once = _lead_project(backend, study, "lead-once")
    for coder in study.coders:
        merge(once, sources[coder])
    twice = _lead_project(backend, study, "lead-twice")
    for coder in order:
        merge(twice, sources[coder])
        again = merge(twice, sources[coder])
        assert again.codings_added == 0 and again.memos_added == 0, f"merging {coder} twice added work"
    assert _state(twice) == _state(once), "merge order or a repeated merge changed the result"
    assert {row[:5] for row in live_codings(once)} == expected, "a merge lost or invented a coding"
    for project in (once, twice):
        assert duplicate_live_codings(project) == []
