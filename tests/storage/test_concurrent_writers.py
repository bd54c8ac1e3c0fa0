"""Writers at the same moment, as real processes: two merges of one source, two imports creating the same coder.

Each run is the `cotag` command line in its own process, all started together, on SQLite and on PostgreSQL.
Whatever the interleaving, every coding ends up stored exactly once, every coder once, and no run dies with a
traceback. Beneath them, the database itself keeps one live coding per coder, code and span (migration 0003).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from factories import make_codes, make_document
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cotag.project import init_project
from cotag.store import codings as coding_store
from cotag.store.coders import get_or_create_coder

RUNS = 3
# One long answer: thousands of distinct spans, so each merge does real work while the others start.
SENTENCES = [("Interviewer", ["Tell me about leaving."]), ("R", ["word " * 400 + "end."])]
CODES = [("push", "Push"), ("pull", "Pull")]


DOCUMENTS = ("E001", "E002", "E003")  # on SQLite more codings than one merge batch (cotag.merge.BATCH_CODINGS)


def build(root, url=None):
    project = init_project(root, database_url=url)
    with project.session() as session:
        documents = [make_document(session, name, [*SENTENCES, ("R", [name])]).id for name in DOCUMENTS]
        codes = make_codes(session, CODES)
    return project, documents, {k: c.id for k, c in codes.items()}


@pytest.fixture
def target(tmp_path, database_url, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    project, document_id, code_ids = build(tmp_path / "lead", database_url)
    yield project
    project.close()


def cotag(project, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("COTAG_DATABASE_URL", "COTAG_PROJECT")}
    return subprocess.Popen([sys.executable, "-m", "cotag.cli", "--project", str(project.root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def run_together(project, *args: str) -> list[dict]:
    """RUNS copies of one command, started at once; each must succeed with a JSON report and no traceback."""
    procs = [cotag(project, *args) for _ in range(RUNS)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in err, err
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    return reports


def rows(project, sql: str):
    with project.engine.connect() as conn:
        return conn.execute(text(sql)).all()


def test_concurrent_merges_of_one_source_store_each_coding_once(target, tmp_path, monkeypatch):
    from cotag.services.team import export_coder_file

    from cotag.merge import BATCH_CODINGS

    source, documents, code_ids = build(tmp_path / "anna")
    length = len(rows(source, "SELECT text FROM document WHERE external_id = 'E001'")[0][0])
    spans = [(d, s, s + width) for d in documents for width in (3, 8) for s in range(0, length - 10, 2)]
    assert len(spans) > BATCH_CODINGS
    with source.session() as session:
        anna = get_or_create_coder(session, name="anna").id
        coding_store.add_codings(session, rows=[
            {"document_id": d, "code_id": code_ids["push" if i % 3 else "pull"], "coder_id": anna,
             "start": s, "end": e} for i, (d, s, e) in enumerate(spans)])
        # Removed codings travel too: the unique index does not cover them, only the writers' lock does.
        session.execute(text("UPDATE coding SET deleted_at = created_at WHERE start % 10 = 0"))
    path = tmp_path / "anna.cotag.json.gz"
    assert export_coder_file(source, coder="anna", path=path)["codings"] == len(spans)
    source.close()

    reports = run_together(target, "merge", str(path), "--json")

    assert sum(r["codings_added"] for r in reports) == len(spans)
    assert rows(target, "SELECT count(*) FROM coding")[0][0] == len(spans)
    doubled = rows(target, 'SELECT document_id, code_id, start, "end", count(*) FROM coding '
                           'GROUP BY document_id, code_id, start, "end", deleted_at IS NULL HAVING count(*) > 1')
    assert doubled == []
    assert rows(target, "SELECT count(*) FROM coder WHERE name = 'anna'")[0][0] == 1
    # A merge event from each run that changed something, together counting every coding once.
    events = [p if isinstance(p, dict) else json.loads(p)
              for (p,) in rows(target, "SELECT payload FROM event WHERE kind = 'merge'")]
    assert 1 <= len(events) <= RUNS and sum(e["codings_added"] for e in events) == len(spans)


def test_concurrent_codings_imports_creating_the_same_coders_store_each_once(target, tmp_path):
    length = len(rows(target, "SELECT text FROM document WHERE external_id = 'E001'")[0][0])
    path = tmp_path / "codings.csv"
    wanted = set()
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["document", "coder", "code", "start", "end"])
        for i, start in enumerate(range(0, length - 10, 3)):
            row = ("E001", ("zoe", "yan", "uma")[i % 3], ("push", "pull")[i % 2], start, start + 5)
            writer.writerow(row)
            wanted.add(row)

    reports = run_together(target, "codings", "import", str(path), "--json")

    assert sum(r["added"] for r in reports) == len(wanted)
    assert sorted(name for r in reports for name in r["coders_created"]) == ["uma", "yan", "zoe"]
    assert sorted(n for (n,) in rows(target, "SELECT name FROM coder")) == ["uma", "yan", "zoe"]
    stored = rows(target, 'SELECT d.external_id, k.name, c.key, g.start, g."end" FROM coding g '
                          "JOIN document d ON d.id = g.document_id JOIN coder k ON k.id = g.coder_id "
                          "JOIN code c ON c.id = g.code_id WHERE g.deleted_at IS NULL")
    assert len(stored) == len(wanted) and set(stored) == wanted


# ---------------------------------------------------------------- the index beneath

def test_the_database_refuses_a_second_live_copy_of_a_coding(project):
    with project.session() as session:
        document = make_document(session, "E001", SENTENCES)
        code = make_codes(session, CODES)["push"]
        coder = get_or_create_coder(session, name="anna")
    insert = text('INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, created_at, deleted_at) '
                  "VALUES (:d, :k, :c, 5, 9, '', CURRENT_TIMESTAMP, :gone)")
    values = {"d": document.id, "k": code.id, "c": coder.id}
    with project.engine.begin() as conn:
        conn.execute(insert, {**values, "gone": None})
        conn.execute(insert, {**values, "gone": "2026-01-01 00:00:00"})  # removed copies are history: allowed
    with pytest.raises(IntegrityError), project.engine.begin() as conn:
        conn.execute(insert, {**values, "gone": None})
    # The writers' own paths treat it as already there.
    with project.session() as session:
        row = {"document_id": document.id, "code_id": code.id, "coder_id": coder.id, "start": 5, "end": 9}
        assert coding_store.add_codings(session, rows=[row, {**row, "end": 10}]) == 1
        with pytest.raises(coding_store.DuplicateCoding):
            coding_store.add_coding(session, **row)
    assert rows(project, 'SELECT "end", deleted_at IS NULL FROM coding ORDER BY id') == [
        (9, True), (9, False), (10, True)]


def test_upgrading_a_database_with_duplicate_codings_keeps_the_oldest(database_url, tmp_path, monkeypatch):
    """Databases from before 0003 may hold live twins (two merges at once made 16,482): the upgrade cannot fail on
    them; it keeps the oldest of each set live and soft-deletes the rest, and logs how many."""
    from cotag.store.database import SCHEMA_HEAD, current_revision, make_engine, upgrade

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    engine = make_engine(database_url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO coder (name, role, created_at) VALUES ('anna', 'coder', '2026-01-05 10:00:00')"))
        conn.execute(text(
            "INSERT INTO document (external_id, \"group\", text, attributes, content_hash, source_path, format, "
            "words, imported_at) VALUES ('E001', '', 'R: Pay is low here.', '{}', 'h', 'E001.md', 'md', 5, "
            "'2026-01-05 10:00:00')"))
        conn.execute(text("INSERT INTO code (key, name, description, include, exclude, examples, keywords, status, "
                          "position) VALUES ('pay', 'Pay', '', '[]', '[]', '[]', '[]', 'active', 0)"))
        for created, start in (("2026-01-05 10:00:02", 3), ("2026-01-05 10:00:01", 3), ("2026-01-05 10:00:03", 3),
                               ("2026-01-05 10:00:04", 7)):
            conn.execute(text('INSERT INTO coding (document_id, code_id, coder_id, start, "end", memo, created_at) '
                              "SELECT d.id, k.id, c.id, :s, :s + 3, '', :t FROM document d, code k, coder c"),
                         {"s": start, "t": created})
    engine.dispose()
    project = init_project(tmp_path / "proj", database_url=database_url)  # opening it upgrades
    try:
        assert current_revision(project.engine) == SCHEMA_HEAD
        live = rows(project, "SELECT start, created_at FROM coding WHERE deleted_at IS NULL ORDER BY start")
        assert [(s, str(t)) for s, t in live] == [(3, "2026-01-05 10:00:01"), (7, "2026-01-05 10:00:04")]
        assert rows(project, "SELECT count(*) FROM coding")[0][0] == 4  # nothing erased
        [(payload,)] = rows(project, "SELECT payload FROM event WHERE kind = 'schema.deduplicate'")
        payload = json.loads(payload) if isinstance(payload, str) else payload
        assert payload["codings_removed"] == 2
    finally:
        project.close()


# ---------------------------------------------------------------- moving codings keeps one live copy

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# (coder, code, start) of live codings; every span is start..start+2 in one document.
CODINGS = st.sets(st.tuples(st.sampled_from(["anna", "ben"]), st.sampled_from(["push", "pull", "gone"]),
                            st.integers(0, 6)), max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codings=CODINGS, chosen=st.sets(st.integers(0, 40)))
def test_moving_codings_to_another_code_leaves_one_live_copy_of_each(project, codings, chosen):
    """A codebook merge (all of a code's codings) or split (some of them) onto a code the coder already used on the
    same span: the database would refuse two live copies; the newer of each pair is removed instead, and every
    coding moved is still there, live or removed, on the new code."""
    from sqlmodel import select

    from cotag.store.models import Code, Coding, Document

    with project.session() as session:
        session.execute(Coding.__table__.delete())  # each example starts from no codings
        document = session.exec(select(Document.id)).first() or make_document(session, "E001", SENTENCES).id
        codes = dict(session.exec(select(Code.key, Code.id)).all()) or {
            k: c.id for k, c in make_codes(session, [("push", "Push"), ("pull", "Pull"), ("gone", "Gone")]).items()}
        coders = {n: get_or_create_coder(session, name=n).id for n in ("anna", "ben")}
        coding_store.add_codings(session, rows=[
            {"document_id": document, "code_id": codes[k], "coder_id": coders[c], "start": s, "end": s + 2}
            for c, k, s in sorted(codings)])
        ids = [i for (i,) in session.execute(text("SELECT id FROM coding ORDER BY id")).all()]
        moving = None if not chosen else [ids[i % len(ids)] for i in chosen] if ids else []
        source = session.execute(text("SELECT id FROM coding WHERE code_id = :g"), {"g": codes["gone"]}).scalars()
        expected = set(source) if moving is None else set(source) & set(moving)
        moved, removed = coding_store.move_codings(session, from_code_id=codes["gone"], to_code_id=codes["pull"],
                                                   coding_ids=moving)
    assert moved == len(expected)
    live = rows(project, 'SELECT coder_id, code_id, start FROM coding WHERE deleted_at IS NULL')
    assert len(live) == len(set(live)) == len(codings) - removed
    assert {i for (i,) in rows(project, f"SELECT id FROM coding WHERE code_id = {codes['pull']}")} >= expected
