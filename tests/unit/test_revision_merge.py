"""`cotag merge` of a coder file made before a revision: its codings are carried through the revision chain."""

from __future__ import annotations

from sqlmodel import select

from cotag import services
from cotag.services.team import export_coder_file
from cotag.services.team import merge
from cotag.project import init_project
from cotag.services import revision
from cotag.store.models import Coder, Coding, Document

from test_revision_store import NEW, OLD, _write

# A second correction after the first: the chain has two revisions.
NEWER = NEW.replace("Honestly, it still is.", "Honestly, it still is hard.")


def _code(project, coder: str, spans: list[tuple[str, str]]) -> None:
    from factories import make_codes

    from cotag.store.codes import get_code
    from cotag.store.codings import add_coding
    from cotag.store.coders import get_or_create_coder

    with project.session() as session:
        if get_code(session, key="work") is None:
            make_codes(session, [("work", "Work"), ("move", "Moving")])
        doc = session.exec(select(Document)).one()
        who = get_or_create_coder(session, name=coder)
        for key, words in spans:
            start = doc.text.index(words)
            add_coding(session, document_id=doc.id, code_id=get_code(session, key=key).id, coder_id=who.id,
                       start=start, end=start + len(words))


def test_a_coder_file_from_before_two_revisions_merges_onto_the_current_text(project, tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    path = _write(tmp_path, OLD)
    services.import_transcripts(project, paths=[path])
    _code(project, "ben", [("work", "It was hard at first.")])
    # The coder's own copy of the project, made before the corrections.
    own = init_project(tmp_path / "own")
    services.import_transcripts(own, paths=[path])
    _code(own, "ana", [("work", "It was hard at first."), ("work", "My family stayed behind."),
                       ("move", "Then we moved to the city.")])
    coder_file = tmp_path / "ana.cotag"
    export_coder_file(own, coder="ana", path=coder_file)
    own.close()

    revision.revise_paths(project, paths=[_write(tmp_path, NEW)])
    revision.revise_paths(project, paths=[_write(tmp_path, NEWER)])
    report = merge(project, coder_file)
    assert report.codings_carried == 2 and report.codings_added == 2
    assert len(report.codings_not_carried) == 1 and "(move, ana)" in report.codings_not_carried[0]
    with project.session() as session:
        text = session.exec(select(Document)).one().text
        ana = session.exec(select(Coder).where(Coder.name == "ana")).one()
        spans = sorted(text[c.start:c.end] for c in session.exec(select(Coding).where(
            Coding.coder_id == ana.id, Coding.deleted_at.is_(None))))
    assert spans == ["It was hard at first.", "My family stayed behind."]
    # Merging the same file again finds everything there.
    again = merge(project, coder_file)
    assert again.codings_added == 0 and again.codings_unchanged == 2


def test_passage_memos_in_a_coder_file_from_before_a_revision_follow_their_words(project, tmp_path, monkeypatch):
    from cotag.services import memos as memo_service
    from cotag.store.models import Memo

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    path = _write(tmp_path, OLD)
    services.import_transcripts(project, paths=[path])
    _code(project, "ben", [("work", "It was hard at first.")])
    own = init_project(tmp_path / "own")
    services.import_transcripts(own, paths=[path])
    _code(own, "ana", [("work", "It was hard at first.")])
    for words in ("It was hard at first.", "Then we moved to the city."):
        with own.session() as session:
            start = session.exec(select(Document)).one().text.index(words)
        memo_service.add_memo(own, coder="ana", text=f"on {words}", span=("E1", start, start + len(words)))
    coder_file = tmp_path / "ana.cotag"
    export_coder_file(own, coder="ana", path=coder_file)
    own.close()

    revision.revise_paths(project, paths=[_write(tmp_path, NEW)])
    report = merge(project, coder_file)
    assert report.memos_added == 2
    assert any("passage memo by ana" in line for line in report.codings_not_carried)
    with project.session() as session:
        text = session.exec(select(Document)).one().text
        memos = {m.text: m for m in session.exec(select(Memo))}
    kept = memos["on It was hard at first."]
    assert text[kept.start:kept.end] == "It was hard at first."
    gone = memos["on Then we moved to the city."]
    assert (gone.start, gone.end) == (None, None) and gone.document_id is not None
