"""The consensus and agreement laws on real transcript files, imported by the importer (spaCy's sentences)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings
from invariants.studies import (
    CODEBOOK,
    LEAD,
    CodingSpec,
    _apply_codings,
    _mark_done,
    consensus_documents,
    duplicate_live_codings,
    live_codings,
)

REPO = Path(__file__).resolve().parents[2]
FILES = [REPO / "transcripts" / "experts" / f"E00{i}.md" for i in (1, 2, 3)] + \
        [REPO / "transcripts" / "graduates" / f"G00{i}.md" for i in (1, 2)]
CODES = [key for key, _, _ in CODEBOOK]


@st.composite
def readings_on(draw, units: list[dict], text: str) -> list[tuple[str, int, int]]:
    """(code, start, end) on respondent sentences: whole ones or a few words."""
    respondent = [u for u in units if not u["interviewer"]]
    out = []
    for _ in range(draw(st.integers(0, 4))):
        unit = draw(st.sampled_from(respondent))
        start, end = unit["start"], unit["end"]
        if draw(st.booleans()):
            cut = [i for i in range(start + 1, end) if text[i - 1] == " "]
            if cut:
                start = draw(st.sampled_from([start] + cut))
                later = [i - 1 for i in cut if i - 1 > start] + [end]
                end = draw(st.sampled_from(later))
        out.append((draw(st.sampled_from(CODES)), start, end))
    return list(dict.fromkeys(out))


@given(data=st.data())
@study_settings(examples=2)
def test_laws_hold_on_imported_transcripts(backend, data):
    from factories import make_codes

    from cotag import reconcile
    from cotag.services.agreement import agreement_report as project_agreement
    from cotag.reliability.units import Selection
    from cotag.services import document_turns, import_transcripts
    from cotag.store.documents import require_document

    project = backend.project("real")
    files = data.draw(st.lists(st.sampled_from(FILES), min_size=2, max_size=4, unique=True), label="transcripts")
    import_transcripts(project, paths=files)
    with project.session() as session:
        make_codes(session, list(CODEBOOK))
    codings, done = [], []
    for path in files:
        document = document_turns(project, external_id=path.stem)
        units = [u for turn in document["turns"] for u in
                 ({**unit, "interviewer": turn["interviewer"]} for unit in turn["units"])]
        with project.session() as session:
            flat = require_document(session, external_id=path.stem).text
        shared = data.draw(readings_on(units, flat), label=f"{path.stem} both")
        for coder in ("ana", "ben"):
            own = data.draw(readings_on(units, flat), label=f"{path.stem} {coder}")
            codings += [CodingSpec(coder, path.stem, code, s, e) for code, s, e in dict.fromkeys(shared + own)]
            done.append((coder, path.stem))
    _apply_codings(project, codings, backend.folder("csv") / "codings.csv", keys=lambda key: key)
    _mark_done(project, done)

    with project.session() as session:
        reconcile.write_agreed(session, lead=LEAD, coders=["ana", "ben"])
        comparison = reconcile.compare(session, coders=["ana", "ben"])
    rows = live_codings(project)
    spans = {who: {(d, c, s, e) for d, c, w, s, e, _ in rows if w == who} for who in ("ana", "ben", "consensus")}
    consensus, disputed = defaultdict(set), defaultdict(set)
    for d, c, s, e in spans["consensus"]:
        consensus[(d, c)].update(range(s, e))
    for d in comparison.disagreements:
        disputed[(d.document, d.code)].update(range(d.start, d.end))
    for d, c, s, e in spans["ana"] & spans["ben"]:
        assert not set(range(s, e)) - consensus[(d, c)] - disputed[(d, c)], f"agreed {d} {c} {s}:{e} missing"
    assert consensus_documents(project) == {d for d, *_ in spans["consensus"]}

    forward = project_agreement(project, Selection(coders=("ana", "ben"))).report.to_dict()
    backward = project_agreement(project, Selection(coders=("ben", "ana"))).report.to_dict()
    for view in forward["views"]:
        for one, other in zip(forward["views"][view]["codes"], backward["views"][view]["codes"]):
            assert (one["code"], one["alpha"], one["both"], one["neither"]) == \
                (other["code"], other["alpha"], other["both"], other["neither"])
            assert (one["only_a"], one["only_b"]) == (other["only_b"], other["only_a"])
    assert duplicate_live_codings(project) == []
