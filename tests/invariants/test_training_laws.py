"""Laws of training: a trainee's practice codings never change agreement, reconciling, the consensus or exports."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import LEAD, build_study, live_codings, studies, _apply_codings, _mark_done

TRAINEE = "tia"


def _observed(project, pair: tuple[str, str]) -> dict:
    """Everything a trainee's codings must not move: agreement (default and named coders), the disagreements and
    rulings between the pair, the consensus codings, and the every-coder quote table."""
    from cotag import reconcile
    from cotag.errors import CotagError
    from cotag.export.matrix import attribute_matrix
    from cotag.export.quotes import collect_quotes
    from cotag.refi.qdpx_export import read_export
    from cotag.services import team
    from cotag.export.scope import Scope
    from cotag.services.agreement import agreement_report as project_agreement
    from cotag.reliability.units import Selection

    out: dict = {}
    for label, selection in (("default", Selection(include_unfinished=True)),
                             ("done", Selection()),
                             ("pair", Selection(coders=pair, include_unfinished=True))):
        try:
            out[label] = project_agreement(project, selection).report.to_dict()
        except CotagError as exc:
            out[label] = str(exc)
    with project.session() as session:
        comparison = reconcile.compare(session, coders=list(pair))
        out["disagreements"] = [(d.id, d.document, d.code, d.start, d.end) for d in comparison.disagreements]
        out["agreed"] = [(s.document, s.code, s.start, s.end) for s in comparison.agreed]
        try:
            quotes = collect_quotes(session, Scope(all_coders=True))
            out["quotes"] = quotes.data
        except CotagError as exc:
            out["quotes"] = str(exc)
        try:
            matrix = attribute_matrix(session, Scope(all_coders=True), by="group")
            out["matrix"] = [(table.index, table.columns, table.values.tolist())
                             for table in (matrix.respondents, matrix.excerpts)] + [matrix.n]
        except CotagError as exc:
            out["matrix"] = str(exc)
        # The .qdpx project file's codings (what another tool, or a re-import, would count as coders' work).
        out["qdpx"] = sorted((c.document, c.code, c.coder, c.start, c.end) for c in read_export(session, None).codings)
    # Progress of the assigned coders, and alpha so far on the overlap sample.
    out["progress"] = {k: v for k, v in team.progress(project).items() if k != "overlap"}
    out["progress_alpha"] = team.progress(project)["overlap"]["alpha"]
    out["consensus"] = live_codings(project, coders=["consensus"])
    return out


@given(study=studies(max_documents=8, codebook_changes=False), data=st.data())
@study_settings()
def test_a_trainees_codings_never_change_agreement_or_consensus(backend, study, data):
    from cotag import reconcile
    from cotag.services import team, training
    from cotag.services import reconcile as reconcile_service

    project = backend.project("training")
    build_study(project, study, workdir=backend.folder("csv"))
    a, b = study.pair
    with project.session() as session:
        reconcile.write_agreed(session, lead=LEAD, coders=[a, b])
    with project.session() as session:
        comparison = reconcile.compare(session, coders=[a, b])
    for d in comparison.disagreements:  # the lead rules on everything: the consensus is complete
        reconcile_service.rule(project, disagreement_id=d.id, ruling=data.draw(st.sampled_from(("a", "b", "both"))),
                       lead=LEAD, coders=[a, b], documents=[d.document])
    with_consensus = sorted({row[0] for row in live_codings(project, coders=["consensus"])})
    if not with_consensus:
        return
    team.assign(project, coders=[a, b], lead=LEAD, overlap=0.5, seed=1)  # progress has assigned coders to count
    before = _observed(project, (a, b))

    chosen = data.draw(st.lists(st.sampled_from(with_consensus), min_size=1, unique=True))
    training.train(project, coder=TRAINEE, documents=chosen, lead=LEAD)
    practice = [replace(c, coder=TRAINEE) for c in study.before + study.after + study.third if c.document in chosen]
    _apply_codings(project, practice, backend.folder("csv") / "practice.csv", keys=lambda k: k)
    _mark_done(project, [(TRAINEE, d) for d in chosen])

    assert any(row[2] == TRAINEE for row in live_codings(project)) == bool(practice)
    assert _observed(project, (a, b)) == before
    # The trainee is scored on exactly the practice documents.
    assert sorted(training.report(project, coder=TRAINEE)["documents"]) == sorted(chosen)
