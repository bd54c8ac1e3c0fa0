"""Merging projects and coder files: round trip, idempotence, refusals that import nothing, coder name clashes."""

from __future__ import annotations

import gzip
import json

import pytest
from factories import make_codes, make_document

from cotag.coderfile import load_coder_file
from cotag.services.team import export_coder_file
from cotag.errors import CotagError
from cotag.merge import MergeRefused
from cotag.services.team import merge
from cotag.project import init_project
from cotag.store import coders as coder_store
from cotag.store import codings as coding_store
from cotag.store import memos as memo_store
from cotag.store import progress as progress_store
from cotag.store.documents import require_document
from cotag.store.events import list_events, log_event

CODES = [("push", "Push factors"), ("pull", "Pull factors"), ("family", "Family", "pull")]
DOCS = {
    "E001": [("Interviewer", ["Why did you leave?"]), ("Anna", ["Work was scarce.", "My sister lived there."])],
    "E002": [("Interviewer", ["And then?"]), ("Ben", ["I found a job.", "It paid well.", "We stayed."])],
}


def build(root, *, docs=DOCS, codes=CODES, url=None):
    """A project with the shared corpus and codebook; ids differ between projects on purpose (insert order)."""
    project = init_project(root, database_url=url)
    with project.session() as session:
        for external_id in docs:
            make_document(session, external_id, docs[external_id])
        make_codes(session, codes)
    return project


def code(project, coder, document, key, start, end, memo=""):
    from sqlmodel import select

    from cotag.store.models import Code

    with project.session() as session:
        who = coder_store.get_or_create_coder(session, name=coder)
        doc = require_document(session, external_id=document)
        code_row = session.exec(select(Code).where(Code.key == key)).one()
        coding = coding_store.add_coding(session, document_id=doc.id, code_id=code_row.id, coder_id=who.id,
                                         start=start, end=end, memo=memo)
        log_event(session, kind="code.apply", actor=coder, payload={"document": document, "code": key,
                                                                    "start": start, "end": end})
        return coding.id


def snapshot(project):
    """Live codings as (document, code, coder, start, end, memo): what a researcher would compare."""
    with project.session() as session:
        return sorted((r.document, r.code, r.coder, r.start, r.end, r.memo)
                      for r in coding_store.list_codings(session))


@pytest.fixture
def projects(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    # Lead's project built with documents in reverse order so database ids differ from the coders'.
    lead = build(tmp_path / "lead", docs=dict(reversed(list(DOCS.items()))), codes=list(reversed(CODES[:2])) + [CODES[2]])
    anna = build(tmp_path / "anna")
    ben = build(tmp_path / "ben")
    code(anna, "anna", "E001", "push", 36, 52, memo="scarcity")
    code(anna, "anna", "E001", "family", 53, 74)
    code(anna, "anna", "E002", "pull", 30, 44)
    with anna.session() as session:
        who = coder_store.require_coder(session, name="anna")
        doc = require_document(session, external_id="E001")
        memo_store.add_memo(session, coder_id=who.id, document_id=doc.id, title="tone", text="Anna sounds tired.")
        progress_store.touch(session, coder_id=who.id, document_id=doc.id, cursor=2, status="done")
    code(ben, "ben", "E001", "push", 36, 52)
    code(ben, "ben", "E002", "pull", 30, 44)
    code(ben, "ben", "E002", "push", 45, 58)
    yield lead, anna, ben
    for p in (lead, anna, ben):
        p.close()


def test_round_trip_of_two_coders_projects(projects):
    lead, anna, ben = projects
    first = merge(lead, anna.root)
    second = merge(lead, ben.root / "cotag.db")  # the SQLite file works as well as the folder
    assert (first.codings_added, second.codings_added) == (3, 3)
    assert snapshot(lead) == sorted(snapshot(anna) + snapshot(ben))
    with lead.session() as session:
        memos = memo_store.list_memos(session)
        assert [(m.coder, m.document, m.text) for m in memos] == [("anna", "E001", "Anna sounds tired.")]
        anna_id = coder_store.require_coder(session, name="anna").id
        assert [p.status for p in progress_store.for_coder(session, coder_id=anna_id).values()] == ["done"]
        kinds = [(e.actor, e.kind) for e in list_events(session)]
    assert kinds.count(("anna", "code.apply")) == 3 and kinds.count(("ben", "code.apply")) == 3
    assert kinds.count(("", "merge")) == 2


def test_merging_twice_adds_nothing(projects):
    lead, anna, _ = projects
    merge(lead, anna.root)
    before = snapshot(lead)
    with lead.session() as session:
        events = len(list_events(session))
    again = merge(lead, anna.root)
    assert (again.codings_added, again.memos_added, again.events_added, again.progress_updated) == (0, 0, 0, 0)
    assert again.codings_unchanged == 3
    assert snapshot(lead) == before
    with lead.session() as session:
        assert len(list_events(session)) == events  # not even a merge event when nothing changed


def test_later_work_of_the_same_coder_merges_as_an_update(projects):
    lead, anna, _ = projects
    merge(lead, anna.root)
    code(anna, "anna", "E002", "push", 45, 58)
    with anna.session() as session:
        coding = coding_store.list_codings(session, codes=["family"])[0]
        coding_store.soft_delete(session, coding=coding_store.get_coding(session, coding_id=coding.id))
    report = merge(lead, anna.root)
    assert (report.codings_added, report.codings_updated, report.clashes) == (1, 1, [])
    assert snapshot(lead) == snapshot(anna)


def test_coder_file_round_trip(projects, tmp_path):
    lead, anna, _ = projects
    path = tmp_path / "anna.cotag.json.gz"
    summary = export_coder_file(anna, coder="anna", path=path)
    assert summary["codings"] == 3 and summary["memos"] == 1 and summary["progress"] == 1
    data = json.loads(gzip.decompress(path.read_bytes()))
    assert {c["coder"] for c in data["codings"]} == {"anna"}
    assert len(data["documents"]) == 2 and set(data["codes"]) == {"push", "pull", "family"}
    bundle = load_coder_file(path)
    assert bundle.coders == {"anna": "coder"}
    merge(lead, path)
    assert merge(lead, path).codings_added == 0
    assert snapshot(lead) == snapshot(anna)
    # The same work written twice gives the same bytes: a re-sent file is visibly the same file.
    again = tmp_path / "again.cotag.json.gz"
    export_coder_file(anna, coder="anna", path=again)
    assert again.read_bytes() == path.read_bytes()


def test_coder_file_of_unknown_coder_is_refused(projects, tmp_path):
    _, anna, _ = projects
    with pytest.raises(CotagError, match="no coder named 'zoe'"):
        export_coder_file(anna, coder="zoe", path=tmp_path / "z.gz")
    assert not (tmp_path / "z.gz").exists()


def test_mismatched_corpus_is_refused_and_nothing_imported(projects, tmp_path):
    lead, _, _ = projects
    edited = dict(DOCS)
    edited["E002"] = [("Interviewer", ["And then?"]), ("Ben", ["I found a job.", "It paid badly.", "We stayed."])]
    other = build(tmp_path / "other", docs=edited)
    code(other, "carl", "E001", "push", 36, 52)
    code(other, "carl", "E002", "pull", 30, 44)
    before = snapshot(lead)
    with pytest.raises(MergeRefused) as caught:
        merge(lead, other.root)
    assert caught.value.report.missing_documents == ["E002"]
    assert "E002" in str(caught.value) and "content hash" in str(caught.value)
    assert snapshot(lead) == before
    with lead.session() as session:
        assert coder_store.get_coder(session, name="carl") is None  # not even the coder row
    other.close()


def test_mismatched_codebook_is_refused_and_nothing_imported(projects, tmp_path):
    lead, _, _ = projects
    other = build(tmp_path / "other", codes=CODES + [("money", "Money")])
    code(other, "carl", "E001", "push", 36, 52)
    code(other, "carl", "E001", "money", 53, 74)
    with pytest.raises(MergeRefused, match="money") as caught:
        merge(lead, other.root)
    assert caught.value.report.missing_codes == ["money"]
    assert snapshot(lead) == []
    other.close()


def test_unused_unmatched_codes_are_reported_not_fatal(projects, tmp_path):
    lead, _, _ = projects
    other = build(tmp_path / "other", codes=CODES + [("money", "Money")])
    code(other, "carl", "E001", "push", 36, 52)
    report = merge(lead, other.root)
    assert report.codings_added == 1 and report.unused_unmatched_codes == ["money"]
    other.close()


def test_coder_name_clash_is_reported_not_blended(projects, tmp_path):
    lead, anna, _ = projects
    merge(lead, anna.root)
    impostor = build(tmp_path / "impostor")
    code(impostor, "anna", "E002", "push", 45, 58)  # another person who also called herself anna
    before = snapshot(lead)
    with pytest.raises(MergeRefused, match="coder 'anna' exists in both") as caught:
        merge(lead, impostor.root)
    assert "--as anna=NEWNAME" in str(caught.value)
    assert snapshot(lead) == before
    report = merge(lead, impostor.root, renames=["anna=anna2"])
    assert report.codings_added == 1 and report.coders == ["anna2"]
    assert ("E002", "push", "anna2", 45, 58, "") in snapshot(lead)
    impostor.close()


def test_coder_with_local_work_clashes(projects):
    lead, anna, _ = projects
    code(lead, "anna", "E001", "pull", 53, 74)  # the lead's project already has an anna of its own
    with pytest.raises(MergeRefused, match=r"1 coding\(s\) or memo\(s\) only here, 4 only in"):
        merge(lead, anna.root)


def test_lead_who_kept_working_after_the_copy_is_no_clash(projects, tmp_path):
    """The usual set-up: the lead copies the project to a coder, keeps coding, then merges the copy back."""
    lead, _, _ = projects
    code(lead, "lena", "E001", "push", 36, 52)
    lead.close()
    import shutil

    shutil.copytree(lead.root, tmp_path / "copy")
    from cotag.project import open_project

    copy = open_project(tmp_path / "copy")
    code(copy, "carl", "E002", "pull", 30, 44)
    code(lead, "lena", "E002", "push", 45, 58)  # lena's work after the copy
    report = merge(lead, copy.root)
    assert report.clashes == [] and report.codings_added == 1
    assert sorted(c for _, _, c, *_ in snapshot(lead)) == ["carl", "lena", "lena"]
    copy.close()


def test_single_coder_file_renamed_with_just_a_name(projects, tmp_path):
    lead, anna, _ = projects
    path = tmp_path / "anna.gz"
    export_coder_file(anna, coder="anna", path=path)
    report = merge(lead, path, renames=["anna_b"])
    assert report.coders == ["anna_b"] and report.renamed == {"anna": "anna_b"} and report.codings_added == 3


def test_dry_run_changes_nothing(projects):
    lead, anna, _ = projects
    report = merge(lead, anna.root, dry_run=True)
    assert report.codings_added == 3
    assert snapshot(lead) == []


def test_bad_sources_are_refused_by_name(projects, tmp_path):
    lead, _, _ = projects
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    with pytest.raises(CotagError, match="not a cotag project folder, SQLite project file or coder file"):
        merge(lead, junk)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(b"{not json"))
    with pytest.raises(CotagError, match="not a readable cotag coder file"):
        merge(lead, broken)
    with pytest.raises(CotagError, match="this project's own database"):
        merge(lead, lead.root)
    with pytest.raises(CotagError, match="no such file"):
        merge(lead, tmp_path / "missing")


def test_rename_needs_a_known_coder(projects):
    lead, anna, _ = projects
    with pytest.raises(CotagError, match="no coder 'zed'"):
        merge(lead, anna.root, renames=["zed=z2"])


def test_merge_into_either_back_end(project, tmp_path):
    """The lead's project on SQLite or PostgreSQL: the same codings arrive, once."""
    with project.session() as session:
        for external_id in reversed(list(DOCS)):
            make_document(session, external_id, DOCS[external_id])
        make_codes(session, CODES)
    anna = build(tmp_path / "anna")
    code(anna, "anna", "E001", "push", 36, 52, memo="scarcity")
    code(anna, "anna", "E002", "pull", 30, 44)
    assert merge(project, anna.root).codings_added == 2
    assert merge(project, anna.root).codings_added == 0
    assert snapshot(project) == snapshot(anna)
    anna.close()


def _edited_coder_file(anna, tmp_path, name, edit):
    path = tmp_path / "anna.cotag.json.gz"
    if not path.exists():
        export_coder_file(anna, coder="anna", path=path)
    data = json.loads(gzip.decompress(path.read_bytes()))
    edit(data)
    out = tmp_path / name
    out.write_bytes(gzip.compress(json.dumps(data).encode()))
    return out


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["codings"][0].pop("start"), "codings[0] has no 'start'"),
    (lambda d: d["codings"][0].update(start="x"), "codings[0].start is 'x', expected an integer"),
    (lambda d: d["codings"][1].update(created_at="yesterday"), "codings[1].created_at is 'yesterday'"),
    (lambda d: d["codings"][0].update(start=60, end=50), "empty or negative span 60–50"),
    (lambda d: d["codings"][0].update(coder="zed"), "belongs to 'zed', who is not among the file's coders"),
    (lambda d: d.update(codings="nope"), "codings[0] is not an object"),
    (lambda d: d["memos"][0].update(text=None), "memos[0].text is None"),
    (lambda d: d["memos"][0].update(updated_at=""), "memos[0].updated_at is '', expected a timestamp"),
    (lambda d: d["progress"][0].pop("cursor"), "progress[0] has no 'cursor'"),
    (lambda d: d.pop("coders"), "damaged coder file: missing 'coders'"),
    (lambda d: d.update(version=99), "coder file version 99"),
])
def test_damaged_coder_file_is_refused_by_name_and_imports_nothing(projects, tmp_path, edit, message):
    lead, anna, _ = projects
    path = _edited_coder_file(anna, tmp_path, "damaged.cotag.json.gz", edit)
    with pytest.raises(CotagError) as caught:
        merge(lead, path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert snapshot(lead) == []


def test_span_past_the_end_of_its_document_is_refused(projects, tmp_path):
    lead, anna, _ = projects
    path = _edited_coder_file(anna, tmp_path, "long.cotag.json.gz",
                              lambda d: d["codings"][0].update(end=100_000))
    with pytest.raises(MergeRefused, match="reach past the end of their document: E001 36–100000"):
        merge(lead, path)
    assert snapshot(lead) == []


def test_sqlite_file_that_is_no_project_is_refused_and_left_alone(projects, tmp_path):
    import sqlite3

    lead, _, _ = projects
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE note (text)")
    before = other.read_bytes()
    with pytest.raises(CotagError, match="notes.db: not a cotag project database"):
        merge(lead, other)
    assert other.read_bytes() == before  # read only: not even switched to WAL mode
    assert not (tmp_path / "notes.db-wal").exists()
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(CotagError, match="not a cotag project folder, SQLite project file or coder file"):
        merge(lead, tmp_path / "empty")
    (tmp_path / "folder").mkdir()
    with pytest.raises(CotagError, match="not a cotag project folder"):
        merge(lead, tmp_path / "folder")


def test_project_folder_is_read_from_its_own_config_not_the_environment(projects, monkeypatch):
    """A lead who sets COTAG_DATABASE_URL for her own (shared) database still merges the folder she names."""
    lead, anna, _ = projects
    monkeypatch.setenv("COTAG_DATABASE_URL", lead.database_url)
    assert merge(lead, anna.root).codings_added == 3
    assert snapshot(lead) == snapshot(anna)


def test_project_from_a_newer_cotag_is_refused_by_name(projects):
    """A source database at a schema revision this cotag does not know is refused, not half-read or misread."""
    import sqlite3

    lead, anna, _ = projects
    with sqlite3.connect(anna.root / "cotag.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(CotagError, match="schema revision '0099'.*newer cotag"):
        merge(lead, anna.root)
    assert snapshot(lead) == []


def _lead_op(project, operation, **kwargs):
    from cotag import codebook_ops

    with project.session() as session:
        coder_store.get_or_create_coder(session, name="lena", role="lead")
    with project.session() as session:
        return getattr(codebook_ops, operation)(session, lead="lena", **kwargs)


def test_codes_merged_or_renamed_by_the_lead_are_followed(projects):
    """The lead merged `push` into `pull` and renamed `family`'s key after the first merge; the coder's later file
    still names the old keys. Nothing is refused as a clash, duplicated, or brought back on the merged code."""
    lead, anna, _ = projects
    merge(lead, anna.root)
    _lead_op(lead, "merge", source="push", target="pull")
    _lead_op(lead, "rename", key="family", new_key="kin")
    code(anna, "anna", "E002", "push", 45, 58)  # new work on the merged code
    code(anna, "anna", "E002", "pull", 45, 58)  # the same span with the target: one live coding after the merge
    code(anna, "anna", "E001", "family", 0, 3)  # new work under the renamed key
    with anna.session() as session:  # and a removal of a coding whose code was merged here
        coding = coding_store.list_codings(session, codes=["push"])[0]
        coding_store.soft_delete(session, coding=coding_store.get_coding(session, coding_id=coding.id))
    report = merge(lead, anna.root)
    assert report.clashes == [] and report.codes_followed == {"push": "pull", "family": "kin"}
    assert (report.codings_added, report.codings_updated, report.codings_unchanged) == (3, 1, 2)
    follow = {"push": "pull", "family": "kin"}
    assert snapshot(lead) == sorted({(d, follow.get(c, c), who, s, e, m) for d, c, who, s, e, m in snapshot(anna)})
    again = merge(lead, anna.root)
    assert (again.codings_added, again.codings_updated, again.codings_unchanged) == (0, 0, 6)


def test_coding_recoded_by_the_lead_still_takes_the_coders_removal(projects):
    lead, anna, _ = projects
    merge(lead, anna.root)
    with lead.session() as session:
        coding_id = coding_store.list_codings(session, coders=["anna"], codes=["family"])[0].id
    _lead_op(lead, "recode", coding=coding_id, code="push")
    with anna.session() as session:
        coding = coding_store.list_codings(session, codes=["family"])[0]
        coding_store.soft_delete(session, coding=coding_store.get_coding(session, coding_id=coding.id))
    report = merge(lead, anna.root)
    assert (report.clashes, report.codings_added, report.codings_updated) == ([], 0, 1)
    assert snapshot(lead) == snapshot(anna)


def test_a_merge_written_in_batches_ends_as_one_would(projects, monkeypatch):
    """On SQLite a long merge commits a few documents at a time (coders wait for one batch, not the merge): the
    result, the counts and the single merge event are those of one transaction, and a rerun adds nothing."""
    import cotag.merge as merging

    lead, anna, ben = projects
    monkeypatch.setattr(merging, "BATCH_CODINGS", 1)
    assert len(merging.batches(merging.load_source(anna.root))) == 2  # E001 (2 codings, memo, progress), E002
    code(anna, "anna", "E002", "push", 45, 58)
    with anna.session() as session:
        log_event(session, kind="memo", actor="anna", payload={})
    first = merge(lead, anna.root)
    assert (first.codings_added, first.memos_added, first.progress_updated) == (4, 1, 1)
    assert first.events_added == 5
    second = merge(lead, ben.root)
    assert snapshot(lead) == sorted(snapshot(anna) + snapshot(ben))
    again = merge(lead, anna.root)
    assert (again.codings_added, again.codings_unchanged, again.memos_added, again.events_added) == (0, 4, 0, 0)
    with lead.session() as session:
        merges = [e.payload for e in list_events(session) if e.kind == "merge"]
    assert [m["codings_added"] for m in merges] == [4, second.codings_added]


def test_a_passage_memo_keeps_its_words_through_a_coder_file_and_a_merge(projects, tmp_path):
    """A memo on a passage (no code) arrives on the same words, by coder file and by project folder."""
    lead, anna, _ = projects
    with anna.session() as session:
        who = coder_store.require_coder(session, name="anna")
        doc = require_document(session, external_id="E001")
        memo_store.add_memo(session, coder_id=who.id, document_id=doc.id, start=36, end=52, text="irony?")
    path = tmp_path / "anna.cotag.json.gz"
    export_coder_file(anna, coder="anna", path=path)
    for target, source in ((build(tmp_path / "by-file"), path), (lead, anna.root)):
        merge(target, source)
        with target.session() as session:
            found = [(m.document, m.start, m.end, m.text) for m in memo_store.list_memos(session) if m.start is not None]
        assert found == [("E001", 36, 52, "irony?")]
        target.close()


def test_a_coder_file_with_a_broken_passage_span_is_refused_by_name(projects, tmp_path):
    lead, anna, _ = projects
    path = tmp_path / "anna.cotag.json.gz"
    export_coder_file(anna, coder="anna", path=path)
    data = json.loads(gzip.decompress(path.read_bytes()))
    data["memos"][0].update(start=20, end=10)
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(CotagError, match=r"memos\[0\] has a passage span 20–10"):
        merge(lead, path)
    with lead.session() as session:
        assert memo_store.list_memos(session) == []
