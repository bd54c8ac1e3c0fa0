"""The store's column-wise bulk loaders, on SQLite and PostgreSQL: the same rows, the same Python types, in the
same order on both back ends (reliability, reconcile, export, search, merge and the coder file share them), and
the code table read as the one code tree."""

from __future__ import annotations

from datetime import datetime

from factories import make_codes, make_document

from cotag.codebook import Codebook
from cotag.store import codings as coding_store
from cotag.store import documents as doc_store
from cotag.store import events as event_store
from cotag.store import memos as memo_store
from cotag.store import progress_rows
from cotag.store.code_tree import StoredCode, code_tree, codebook_of
from cotag.store.coders import get_or_create_coder
from cotag.store.codes import code_keys
from cotag.store.models import PROGRESS_DONE, Code
from cotag.store.rows import row_id

TURNS = [("Interviewer", ["Why did you leave?"]), ("R", ["For the wages.", "And my family."])]


def _types(rows) -> list[tuple[type, ...]]:
    return sorted({tuple(type(value) for value in row) for row in rows}, key=str)


def _study(project) -> dict[str, int]:
    with project.session() as session:
        first = make_document(session, "E002", TURNS, group="expert", attributes={"gender": "f"})
        second = make_document(session, "E001", TURNS, group="student")
        codes = make_codes(session, [("push", "Push"), ("wages", "Wages", "push"), ("family", "Family")])
        anna = get_or_create_coder(session, name="anna")
        ben = get_or_create_coder(session, name="ben")
        ids = {"E002": row_id(first), "E001": row_id(second), "anna": row_id(anna), "ben": row_id(ben),
               **{key: row_id(code) for key, code in codes.items()}}
        coding_store.add_codings(session, rows=[
            {"document_id": ids["E002"], "code_id": ids["wages"], "coder_id": ids["anna"], "start": 30, "end": 44,
             "memo": "pay"},
            {"document_id": ids["E002"], "code_id": ids["family"], "coder_id": ids["ben"], "start": 45, "end": 59},
            {"document_id": ids["E001"], "code_id": ids["wages"], "coder_id": ids["ben"], "start": 30, "end": 44}])
        removed = coding_store.add_coding(session, document_id=ids["E001"], code_id=ids["family"],
                                          coder_id=ids["anna"], start=45, end=59)
        coding_store.soft_delete(session, coding=removed)
        progress_rows.add_progress(session, coder_id=ids["anna"], document_id=ids["E002"], status=PROGRESS_DONE,
                                   cursor=1, updated_at=datetime(2026, 1, 2, 3, 4, 5))
        memo_store.add_memo(session, coder_id=ids["anna"], text="note", document_id=ids["E002"])
        event_store.log_event(session, kind="test.kind", actor="anna", payload={"n": 1})
    return ids


def test_document_and_unit_loaders_give_plain_rows_of_one_shape(project):
    ids = _study(project)
    with project.session() as session:
        documents = doc_store.document_columns(session)
        with_text = doc_store.document_columns(session, with_text=True)
        units = doc_store.unit_columns(session)
        some_units = doc_store.unit_columns(session, document_ids=[ids["E001"]])
        texts = doc_store.texts(session)
        chosen = doc_store.texts(session, ids=[ids["E002"]])
        by_name = doc_store.texts_by_external_id(session, external_ids=["E001"])
        external = doc_store.external_ids(session)
        in_group = doc_store.document_ids(session, groups=["expert"])
        hashes = doc_store.content_hashes(session)
        lengths = doc_store.text_lengths(session, content_hashes=[h for _, h, _ in hashes])
        named = doc_store.name_and_length(session, document_id=ids["E001"])
        speakers = doc_store.speakers(session)
        groups = doc_store.group_names(session)
        known = doc_store.existing_external_ids(session, external_ids=["E001", "E404"])
    # Reading order is (group, id); the text only when asked for; attributes decoded from JSON on both.
    assert [(d.external_id, d.group, d.attributes) for d in documents] == [
        ("E002", "expert", {"gender": "f"}), ("E001", "student", {})]
    assert {d.text for d in documents} == {""} and all(d.text.startswith("Interviewer: ") for d in with_text)
    assert _types(documents) == [(int, str, str, dict, int, str)]
    # Units by document and index; is_interviewer is 0 or 1 (an int) on both back ends, speaker text.
    assert [(u[0], u[1]) for u in units] == sorted((u[0], u[1]) for u in units)
    assert _types(units) == [(int, int, int, int, int, str, int)]
    assert [u[6] for u in units if u[0] == ids["E001"]] == [1, 0, 0] and some_units == [
        u for u in units if u[0] == ids["E001"]]
    assert texts[ids["E001"]][units[3][2]:units[3][3]] in ("Why did you leave?", "For the wages.")
    assert set(chosen) == {ids["E002"]} and by_name == {"E001": texts[ids["E001"]]}
    assert external == {ids["E002"]: "E002", ids["E001"]: "E001"} and in_group == [(ids["E002"], "E002")]
    assert lengths == {h: len(texts[i]) for i, h, _ in hashes} and named == ("E001", len(texts[ids["E001"]]))
    assert speakers == {ids["E001"]: {"Interviewer", "R"}, ids["E002"]: {"Interviewer", "R"}}
    assert groups == {"expert", "student"} and known == {"E001"}


def test_coding_progress_memo_and_event_loaders(project):
    ids = _study(project)
    with project.session() as session:
        live = coding_store.live_coding_columns(session)
        anna_only = coding_store.live_coding_columns(session, coder_ids=[ids["anna"]])
        in_e001 = coding_store.live_coding_columns(session, document_ids=[ids["E001"]])
        wages = coding_store.live_coding_columns(session, code_ids=[ids["wages"]])
        pairs = coding_store.coded_pairs(session)
        used = coding_store.used_code_ids(session, coder_ids=[ids["anna"]])
        positions = coding_store.live_positions(session, coder_id=ids["ben"])
        history = coding_store.coding_history(session, coder_ids=[ids["anna"]])
        done = progress_rows.done_pairs(session)
        progress = progress_rows.progress_of(session, coder_ids=[ids["anna"]])
        memos = memo_store.memos_of(session, coder_ids=[ids["anna"]], document_ids=[ids["E001"]],
                                    with_unattached=True)
        events = event_store.events_of(session, actors=["anna"])
        keys = code_keys(session)
    # Live only, by document, start, end and id; memo "" rather than NULL; plain ints and text.
    assert [(r[1], r[4]) for r in live] == sorted((r[1], r[4]) for r in live) and len(live) == 3
    assert _types(live) == [(int, int, int, int, int, int, str)]
    assert [r[6] for r in live if r[3] == ids["anna"]] == ["pay"] and anna_only == [r for r in live
                                                                                      if r[3] == ids["anna"]]
    assert in_e001 == [r for r in live if r[1] == ids["E001"]] and wages == [r for r in live
                                                                             if r[2] == ids["wages"]]
    assert pairs == {(ids["anna"], ids["E002"]), (ids["ben"], ids["E002"]), (ids["ben"], ids["E001"])}
    assert used == {ids["wages"]}
    assert positions == {(ids["E002"], ids["family"], 45, 59), (ids["E001"], ids["wages"], 30, 44)}
    # The history keeps the removed coding, with timestamps as datetimes on both back ends.
    assert [(h.document_id, h.deleted_at is not None) for h in history] == [(ids["E002"], False),
                                                                           (ids["E001"], True)]
    assert all(isinstance(h.created_at, datetime) for h in history)
    assert done == {(ids["anna"], ids["E002"])} and [p.updated_at for p in progress] == [datetime(2026, 1, 2, 3, 4, 5)]
    assert memos == [] and [e[1:] for e in events] == [("anna", "test.kind", {"n": 1})]
    assert isinstance(events[0][0], datetime)
    assert list(keys.values()) == ["push", "wages", "family"]


def test_the_code_table_reads_as_the_one_code_tree(project):
    ids = _study(project)
    with project.session() as session:
        tree = code_tree(session)
    assert isinstance(tree, Codebook) and all(isinstance(c, StoredCode) for c in tree.codes)
    # The codebook file's tree type: parents first, parent keys, paths; plus the table's ids.
    assert [c.key for c in tree.codes] == ["push", "wages", "family"]
    assert tree.by_key()["wages"].parent == "push" and tree.path_of("wages") == ["Push", "Wages"]
    assert [c.key for c in tree.descendants("push")] == ["wages"]
    wages = tree.by_key()["wages"]
    assert isinstance(wages, StoredCode) and (wages.id, wages.parent_id) == (ids["wages"], ids["push"])
    assert wages.include == ["include wages"] and wages.colour == "#3366cc"


def test_a_parent_cycle_in_the_table_neither_loops_nor_loses_a_code():
    codes = [Code(id=1, key="a", name="A", parent_id=2, position=0), Code(id=2, key="b", name="B", parent_id=1,
                                                                          position=1),
             Code(id=3, key="c", name="C", position=2), Code(id=4, key="d", name="D", parent_id=99, position=3)]
    tree = codebook_of(codes)
    # Reachable codes first (a parent outside the rows makes a top-level code), the cycle last.
    assert [c.key for c in tree.codes] == ["c", "d", "a", "b"]
    assert tree.by_key()["d"].parent is None
