"""Codebook evolution on SQLite and PostgreSQL: every operation keeps codings, is logged, and refuses bad input whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from cotag.services import codebook as codebook_ops
from cotag.codebook import load_codebook
from cotag.errors import CotagError, NotFound, PermissionDenied
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder
from cotag.store.models import Code, Coding, Document, Event
from tests.factories import make_codes, make_document

REPO = Path(__file__).resolve().parents[2]


def _setup(project):
    with project.session() as session:
        doc = make_document(session, "E001", [("Anna", ["One.", "Two.", "Three."])])
        codes = make_codes(session, [("push", "Push"), ("wages", "Wages", "push"), ("jobs", "Jobs", "push"),
                                     ("pull", "Pull"), ("pull-wages", "Pay abroad", "pull")])
        coders = [get_or_create_coder(session, name=n) for n in ("alice", "bob")]
        get_or_create_coder(session, name="lena", role="lead")
        ids = {"doc": doc.id, **{k: c.id for k, c in codes.items()}, **{c.name: c.id for c in coders}}
    return ids


@pytest.fixture
def ids(project):
    return _setup(project)


def add(project, ids, coder, code, start, end, memo=""):
    with project.session() as session:
        return coding_store.add_coding(session, document_id=ids["doc"], code_id=ids[code], coder_id=ids[coder],
                                       start=start, end=end, memo=memo).id


def snapshot(project):
    with project.session() as session:
        codes = sorted((c.id, c.key, c.name, c.parent_id, c.status, c.merged_into_id) for c in session.exec(select(Code)))
        codings = sorted((c.id, c.code_id, c.coder_id, c.start, c.end, c.memo, c.deleted_at is None)
                         for c in session.exec(select(Coding)))
        events = len(session.exec(select(Event)).all())
    return codes, codings, events


def code(project, key):
    with project.session() as session:
        return session.exec(select(Code).where(Code.key == key)).one()


def events(project, kind):
    with project.session() as session:
        return [e.payload | {"_actor": e.actor} for e in session.exec(select(Event).where(Event.kind == kind))]


def test_rename_name_and_key(project, ids):
    cid = add(project, ids, "alice", "wages", 6, 10)
    codebook_ops.run_operation(project, "rename", key="wages", name="Pay at home", new_key="pay", lead="lena")
    renamed = code(project, "pay")
    assert (renamed.id, renamed.name) == (ids["wages"], "Pay at home")
    with project.session() as session:
        assert session.get(Coding, cid).code_id == ids["wages"]
    (event,) = events(project, "codebook.rename")
    assert event["code"] == "wages" and event["new_key"] == "pay" and event["_actor"] == "lena"


def test_move_under_another_parent_and_to_top(project, ids):
    codebook_ops.run_operation(project, "move", key="jobs", parent="pull", lead="lena")
    assert code(project, "jobs").parent_id == ids["pull"]
    codebook_ops.run_operation(project, "move", key="jobs", parent=None, lead="lena")
    assert code(project, "jobs").parent_id is None
    assert [e["parent"] for e in events(project, "codebook.move")] == ["pull", None]


def test_merge_moves_every_coders_codings_and_keeps_the_code(project, ids):
    a = add(project, ids, "alice", "pull-wages", 0, 4, memo="kept memo")
    b = add(project, ids, "bob", "pull-wages", 5, 9)
    twin = add(project, ids, "bob", "wages", 5, 9)  # bob had both codes on one span
    result = codebook_ops.run_operation(project, "merge", source="pull-wages", target="wages", lead="lena")
    assert result["codings"] == 2 and result["duplicates_removed"] == 1
    with project.session() as session:
        rows = {c.id: c for c in session.exec(select(Coding))}
    assert rows[a].code_id == ids["wages"] and rows[a].memo == "kept memo"
    assert rows[b].code_id == ids["wages"]
    # The older of the two identical codings stays live; the other is soft-deleted, not erased.
    assert rows[b].deleted_at is None and rows[twin].deleted_at is not None
    merged = code(project, "pull-wages")
    assert (merged.status, merged.merged_into_id) == ("merged", ids["wages"])
    assert events(project, "codebook.merge")[0]["into"] == "wages"


def test_merge_moves_children_under_the_target(project, ids):
    codebook_ops.run_operation(project, "merge", source="pull", target="push", lead="lena")
    assert code(project, "pull-wages").parent_id == ids["push"]


def test_split_to_existing_and_to_new_code(project, ids):
    keep = add(project, ids, "alice", "wages", 0, 4)
    move = add(project, ids, "bob", "wages", 5, 9, memo="m")
    codebook_ops.run_operation(project, "split", source="wages", codings=[move], target="jobs", lead="lena")
    with project.session() as session:
        assert session.get(Coding, move).code_id == ids["jobs"]
        assert session.get(Coding, keep).code_id == ids["wages"]
    result = codebook_ops.run_operation(project, "split", source="wages", codings=[keep], new_key="low-pay", new_name="Low pay",
                              lead="lena")
    assert result["created"] is True
    new = code(project, "low-pay")
    assert new.parent_id == ids["push"] and new.status == "active"
    with project.session() as session:
        assert session.get(Coding, keep).code_id == new.id


def test_recode_keeps_span_coder_and_memo(project, ids):
    cid = add(project, ids, "bob", "wages", 5, 9, memo="why")
    codebook_ops.run_operation(project, "recode", coding=cid, code="jobs", lead="lena")
    with project.session() as session:
        row = session.get(Coding, cid)
    assert (row.code_id, row.coder_id, row.start, row.end, row.memo) == (ids["jobs"], ids["bob"], 5, 9, "why")
    assert events(project, "codebook.recode")[0]["coder"] == "bob"


def test_retire_keeps_codings(project, ids):
    add(project, ids, "alice", "jobs", 0, 4)
    result = codebook_ops.run_operation(project, "retire", key="jobs", lead="lena")
    assert result["codings_kept"] == 1 and code(project, "jobs").status == "retired"
    with pytest.raises(CotagError, match="already retired"):
        codebook_ops.run_operation(project, "retire", key="jobs", lead="lena")


@pytest.mark.parametrize("operation,kwargs,error,message", [
    ("merge", {"source": "push", "target": "push"}, CotagError, "into itself"),
    ("merge", {"source": "push", "target": "wages"}, CotagError, "its own child"),
    ("merge", {"source": "nope", "target": "push"}, NotFound, "no code"),
    ("rename", {"key": "wages", "new_key": "jobs"}, CotagError, "already exists"),
    ("rename", {"key": "wages", "new_key": "Bad Key"}, CotagError, "not a code key"),
    ("rename", {"key": "wages", "name": "  "}, CotagError, "cannot be empty"),
    ("move", {"key": "push", "parent": "wages"}, CotagError, "loop"),
    ("move", {"key": "push", "parent": "push"}, CotagError, "loop"),
    ("split", {"source": "wages", "codings": [999], "target": "jobs"}, CotagError, "not live codings"),
    ("split", {"source": "wages", "codings": [], "target": "jobs"}, CotagError, "needs the ids"),
    ("split", {"source": "wages", "codings": [1], "new_key": "jobs", "new_name": "J"}, CotagError, "already exists"),
    ("recode", {"coding": 999, "code": "jobs"}, NotFound, "no live coding"),
])
def test_bad_input_changes_nothing(project, ids, operation, kwargs, error, message):
    add(project, ids, "alice", "wages", 0, 4)
    before = snapshot(project)
    with pytest.raises(error, match=message):
        codebook_ops.run_operation(project, operation, lead="lena", **kwargs)
    assert snapshot(project) == before


def test_a_coder_cannot_change_the_codebook(project, ids):
    add(project, ids, "alice", "wages", 0, 4)
    before = snapshot(project)
    with pytest.raises(PermissionDenied, match="not a lead"):
        codebook_ops.run_operation(project, "merge", source="pull-wages", target="wages", lead="alice")
    assert snapshot(project) == before


def test_operations_on_a_merged_code_are_refused(project, ids):
    codebook_ops.run_operation(project, "merge", source="jobs", target="wages", lead="lena")
    with pytest.raises(CotagError, match="was merged into 'wages'"):
        codebook_ops.run_operation(project, "rename", key="jobs", name="x", lead="lena")


def _statements(project, operation):
    """How many SQL statements an operation sends (set-based work sends as many for 6,000 codings as for 6)."""
    from sqlalchemy import event

    sent: list[str] = []

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(project.engine, "before_cursor_execute", count)
    try:
        return operation(), len(sent)
    finally:
        event.remove(project.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("n", [6, 6000])
def test_merge_of_thousands_of_codings_is_set_based(project, ids, n):
    with project.session() as session:
        long_doc = make_document(session, "E002", [("Anna", [f"Sentence number {i}." for i in range(400)])]).id
        # every row a different span, so none is a duplicate of another live coding
        rows = [{"document_id": long_doc, "code_id": ids["pull-wages" if i % 2 else "jobs"],
                 "coder_id": ids["alice" if i % 3 else "bob"], "start": i, "end": i + 1} for i in range(n)]
        coding_store.add_codings(session, rows=rows)
    result, statements = _statements(
        project, lambda: codebook_ops.run_operation(project, "merge", source="pull-wages", target="jobs", lead="lena"))
    # the statement count does not grow with the codings (bench/ times it); a per-coding loop would send thousands
    assert statements < 40, statements
    assert result["codings"] == n // 2
    with project.session() as session:
        live = session.exec(select(Coding).where(Coding.deleted_at.is_(None))).all()
    assert all(c.code_id == ids["jobs"] for c in live)
    # One live coding per (coder, span) is left; every removed one is a soft-deleted duplicate.
    assert len({(c.coder_id, c.start) for c in live}) == len(live)


def test_save_writes_changes_back_keeping_comments_and_bumping_version(project, tmp_path):
    from cotag import services

    path = tmp_path / "migration.yaml"
    shutil.copy(REPO / "codebooks" / "migration.yaml", path)
    services.load_codebook_file(project, path=path)
    original = load_codebook(path)
    codebook_ops.run_operation(project, "rename", key="wages", name="Pay at home", new_key="home-pay", lead="lena")
    codebook_ops.run_operation(project, "merge", source="pull-wages", target="home-pay", lead="lena")
    codebook_ops.run_operation(project, "move", key="employment", parent="pull", lead="lena")
    result = codebook_ops.run_operation(project, "save", path=path, lead="lena")
    saved = load_codebook(path)
    assert saved.version == original.version + 1 == result["version"]
    text = path.read_text()
    assert "# Codebook of the study" in text and "key: wages" not in text
    spec = saved.get("home-pay")
    assert spec.name == "Pay at home" and spec.parent == "push"
    assert saved.get("pull-wages").status == "retired"
    assert saved.get("employment").parent == "pull"
    assert len(saved.codes) == len(original.codes)
    assert events(project, "codebook.save")[0]["renamed_keys"] == {"wages": "home-pay"}
    # Saving again changes only the version.
    codebook_ops.run_operation(project, "save", path=path, lead="lena")
    assert load_codebook(path).version == saved.version + 1


def test_codings_of_a_code_for_the_codebook_screen(project, ids):
    """What the codebook screen lists for a code: every coder's live codings with their text, cut in SQL."""
    first = add(project, ids, "alice", "wages", 0, 4, memo="m")
    second = add(project, ids, "bob", "wages", 5, 9)
    gone = add(project, ids, "bob", "wages", 10, 16)
    with project.session() as session:
        coding_store.soft_delete(session, coding=session.get(Coding, gone))
        text = session.get(Document, ids["doc"]).text
    lines, total = codebook_ops.codings_of(project, key="wages", limit=1)
    assert total == 2 and [line.id for line in lines] == [first]
    lines, _ = codebook_ops.codings_of(project, key="wages")
    assert [(line.id, line.coder, line.memo) for line in lines] == [(first, "alice", "m"), (second, "bob", "")]
    assert lines[0].excerpt == " ".join(text[0:4].split()) and lines[1].excerpt == " ".join(text[5:9].split())
    codes, counts = codebook_ops.overview(project)
    assert counts[ids["wages"]] == 2 and [c.key for c in codes][:2] == ["push", "wages"]
    with pytest.raises(NotFound):
        codebook_ops.codings_of(project, key="nope")
