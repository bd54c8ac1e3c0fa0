"""Laws of the consensus: agreed spans all reach it, rulings and open disagreements add up, exports follow it."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import example, given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import (
    LEAD,
    CodingSpec,
    DocumentSpec,
    Study,
    build_study,
    consensus_documents,
    duplicate_live_codings,
    live_codings,
    studies,
)
from typer.testing import CliRunner

# The review's repro (issue #12, defect 1): I01 agreement + disagreement, I02 only a disagreement, I03 complete
# agreement. Before the fix, `reconcile agreed` skipped every document after one with no agreed span.
_TURNS = (("Interviewer", ("Why did you move.",)), ("R1", ("Work was scarce here.", "My sister lived there.")))
_DOCS = tuple(DocumentSpec(f"I0{i}", "expert", (("gender", "woman"),), _TURNS) for i in (1, 2, 3))
# 'Interviewer: Why did you move.\n\nR1: Work was scarce here. My sister lived there.\n': units 13-30, 36-57, 58-80
REVIEW_STUDY = Study(
    documents=_DOCS, coders=("ana", "ben"),
    before=(CodingSpec("ana", "I01", "jobs", 36, 57), CodingSpec("ben", "I01", "jobs", 36, 57),
            CodingSpec("ana", "I01", "family", 58, 80),
            CodingSpec("ana", "I02", "family", 58, 80), CodingSpec("ben", "I02", "career", 58, 80),
            CodingSpec("ana", "I03", "jobs", 36, 57), CodingSpec("ben", "I03", "jobs", 36, 57),
            CodingSpec("ana", "I03", "family", 58, 65), CodingSpec("ben", "I03", "family", 58, 65)),
    after=(), done=(("ana", "I01"), ("ben", "I01"), ("ana", "I02"), ("ben", "I02"), ("ana", "I03"), ("ben", "I03")),
    memos=(), lead_codings=(), third=())

# Shrunk from a generated study: both coders coded two neighbouring sentences as two excerpts (there, a code
# merged into another made them one code). The agreed spans were joined into one consensus coding over the
# space between the sentences, text neither coder coded, and one quote where each coder had two.
_SPLIT = DocumentSpec("I01", "graduate", (("gender", "woman"),),
                      (("R1", ("Work was scarce here.", "My sister lived there.")),))
# 'R1: Work was scarce here. My sister lived there.\n': units 4-25 and 26-48
SEPARATE_EXCERPTS_STUDY = Study(
    documents=(_SPLIT,), coders=("ana", "ben"),
    before=tuple(CodingSpec(coder, "I01", "jobs", s, e) for coder in ("ana", "ben") for s, e in ((4, 25), (26, 48))),
    after=(), done=(("ana", "I01"), ("ben", "I01")), memos=(), lead_codings=(), third=())


def _cli(project, *args: str):
    from cotag.cli import app

    result = CliRunner().invoke(app, list(args), env={"COTAG_PROJECT": str(project.root), "COTAG_DATABASE_URL": None},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _cover(rows, coder: str) -> dict[tuple[str, str], set[int]]:
    """(document, code) -> the characters the coder covers with that code."""
    out: dict[tuple[str, str], set[int]] = defaultdict(set)
    for document, code, who, start, end, _ in rows:
        if who == coder:
            out[(document, code)].update(range(start, end))
    return out


def _identical(rows, a: str, b: str) -> set[tuple[str, str, int, int]]:
    spans = {who: {(d, c, s, e) for d, c, w, s, e, _ in rows if w == who} for who in (a, b)}
    return spans[a] & spans[b]


@given(study=studies(), data=st.data())
@example(study=REVIEW_STUDY, data=None).via("the review's repro")
@example(study=SEPARATE_EXCERPTS_STUDY, data=None).via("two excerpts stay two in the consensus")
@study_settings()
def test_every_agreed_span_reaches_the_consensus_and_rulings_add_up(backend, study, data):
    from cotag import reconcile
    from cotag.services import reconcile as reconcile_service
    from cotag.export.matrix import attribute_matrix
    from cotag.export.quotes import collect_quotes
    from cotag.export.scope import Scope

    project = backend.project("consensus")
    build_study(project, study, workdir=backend.folder("csv"), lead_codes=True, third=True)
    a, b = study.pair
    coders = f"{a},{b}"
    _cli(project, "reconcile", "agreed", "--lead", LEAD, "--coders", coders)
    assert "added 0 agreed span(s)" in _cli(project, "reconcile", "agreed", "--lead", LEAD, "--coders", coders)

    rows = live_codings(project)
    identical = _identical(rows, a, b)
    with project.session() as session:
        comparison = reconcile.compare(session, coders=[a, b])
    regions: dict[tuple[str, str], set[int]] = defaultdict(set)
    for d in comparison.disagreements:
        regions[(d.document, d.code)].update(range(d.start, d.end))
    consensus = _cover(rows, "consensus")
    # Only text inside sentences is compared (the space between two sentences belongs to neither).
    in_units = {doc.external_id: {i for start, end, _, _ in doc.units() for i in range(start, end)}
                for doc in study.documents}
    # 1. A span both coders marked identically is in the consensus, except where the same code is disputed
    #    in that sentence (then the lead rules on it).
    for document, code, start, end in identical:
        missing = (set(range(start, end)) & in_units[document]) - consensus[(document, code)] \
            - regions[(document, code)]
        assert not missing, f"agreed span {document} {code} {start}:{end} not in the consensus"

    # 2. Ruled + open = every disagreement, as the lead rules on some of them.
    ids = [d.id for d in comparison.disagreements]
    document_of = {d.id: d.document for d in comparison.disagreements}
    chosen = ids if data is None else data.draw(st.lists(st.sampled_from(ids), unique=True) if ids else st.just([]))
    rulings = {}
    for disagreement_id in chosen:
        ruling = "both" if data is None else data.draw(st.sampled_from(("a", "b", "both", "none")))
        # As the reconcile screen does: the ruling looks its disagreement up in its own document only.
        reconcile_service.rule(project, disagreement_id=disagreement_id, ruling=ruling, lead=LEAD, coders=[a, b],
                       documents=[document_of[disagreement_id]])
        rulings[disagreement_id] = ruling
    progress = _progress(project, coders)
    assert progress["disagreements"] == len(ids)
    assert progress["decided"] == len(rulings)
    assert progress["decided"] + progress["open"] == progress["disagreements"]
    assert progress["open"] == len(reconcile_service.list_disagreements(project, coders=[a, b], status=reconcile.OPEN))
    # Ruling writes only the consensus, so the disagreements themselves stand.
    assert [d["id"] for d in reconcile_service.list_disagreements(project, coders=[a, b])] == ids

    # 3. Once every disagreement is ruled, the consensus holds every identical span (but where the lead said
    #    "none"), and nothing that neither coder marked.
    for disagreement_id in ids:
        if disagreement_id not in rulings:
            reconcile_service.rule(project, disagreement_id=disagreement_id, ruling="both", lead=LEAD, coders=[a, b],
                           documents=[document_of[disagreement_id]])
    assert _progress(project, coders)["open"] == 0
    rows = live_codings(project)
    consensus = _cover(rows, "consensus")
    dropped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for d in comparison.disagreements:
        if rulings.get(d.id) == "none":
            dropped[(d.document, d.code)].update(range(d.start, d.end))
    for document, code, start, end in identical:
        missing = (set(range(start, end)) & in_units[document]) - consensus[(document, code)] \
            - dropped[(document, code)]
        assert not missing, f"agreed span {document} {code} {start}:{end} lost from the consensus"
    either = {key: _cover(rows, a).get(key, set()) | _cover(rows, b).get(key, set()) for key in consensus}
    for key, chars in consensus.items():
        assert chars <= either[key], f"consensus {key} covers text neither {a} nor {b} coded"

    # 4. Exports from the consensus cover exactly the documents that have consensus codings (and refuse, by
    #    name, when there is no consensus coding at all).
    with_consensus = {document for document, _, who, *_ in rows if who == "consensus"}
    assert consensus_documents(project) == with_consensus
    if with_consensus:
        with project.session() as session:
            quotes = collect_quotes(session, Scope(consensus=True))
            matrix = attribute_matrix(session, Scope(consensus=True), by="group")
        assert len(quotes) == sum(1 for row in rows if row[2] == "consensus")
        assert matrix.n[matrix.total_label] == len(with_consensus)
    assert duplicate_live_codings(project) == []


def _progress(project, coders: str) -> dict:
    import json

    return json.loads(_cli(project, "reconcile", "progress", "--coders", coders, "--json"))
