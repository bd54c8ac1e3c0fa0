"""Importing transcripts and loading codebooks, stored on SQLite and on the PostgreSQL server."""

from __future__ import annotations


import pytest
from sqlmodel import select

from cotag import services
from cotag.codebook import parse_codebook_text
from cotag.corpus import importer
from cotag.store import coders, codings, codes, documents
from cotag.store.models import Event, Unit

EXPERT = """---
id: E900
group: expert
gender: female
age: 38
place: Almaty
family: {children: 2, languages: [Kazakh, Russian]}
---
Interviewer: Why would people leave?

Respondent: Salaries are low here. My cousin earns five times more in Germany!

Interviewer: And family?

Respondent: My parents are old. Мои родители живут в Караганде.
"""


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def import_(project, *paths, group=None):
    return services.import_transcripts(project, paths=list(paths), group=group, actor="tester")


def test_import_stores_text_attributes_and_units(project, tmp_path):
    path = write(tmp_path, "E900.md", EXPERT)
    report = import_(project, path)
    assert report.added == ["E900"] and report.ok
    with project.session() as session:
        doc = documents.require_document(session, external_id="E900")
        units = documents.list_units(session, document_id=doc.id)
        events = list(session.exec(select(Event).where(Event.kind == "import")))
    assert doc.group == "expert"
    # Nested front matter and non-ASCII text survive the JSON and text columns of both back ends.
    assert doc.attributes == {"gender": "female", "age": 38, "place": "Almaty",
                              "family": {"children": 2, "languages": ["Kazakh", "Russian"]}}
    assert doc.text.startswith("Interviewer: Why") and doc.source_path == str(path)
    assert [(u.index, doc.text[u.start:u.end], u.speaker, u.is_interviewer, u.turn) for u in units] == [
        (0, "Why would people leave?", "Interviewer", True, 0),
        (1, "Salaries are low here.", "Respondent", False, 1),
        (2, "My cousin earns five times more in Germany!", "Respondent", False, 1),
        (3, "And family?", "Interviewer", True, 2),
        (4, "My parents are old.", "Respondent", False, 3),
        (5, "Мои родители живут в Караганде.", "Respondent", False, 3),
    ]
    assert report.units == 6 and doc.words == report.words == 4 + 4 + 8 + 2 + 4 + 5
    assert [e.payload["document"] for e in events] == ["E900"] and events[0].actor == "tester"


def test_many_documents_keep_their_own_ids_and_units(project, tmp_path):
    # Documents go in with one statement and units with one bulk write; each unit must land on its document.
    for n in range(12):
        write(tmp_path, f"D{n:02d}.txt", f"I: Question {n}?\nR: " + " ".join(f"Answer {n}.{k}!" for k in range(n + 1)))
    report = import_(project, tmp_path, group="graduate")
    assert sorted(report.added) == [f"D{n:02d}" for n in range(12)]
    with project.session() as session:
        for n in range(12):
            doc = documents.require_document(session, external_id=f"D{n:02d}")
            texts = [doc.text[u.start:u.end] for u in documents.list_units(session, document_id=doc.id)]
            assert texts == [f"Question {n}?"] + [f"Answer {n}.{k}!" for k in range(n + 1)]
            assert doc.group == "graduate"
        assert documents.counts_by_group(session) == {"graduate": 12}
        assert documents.total_units(session) == sum(n + 2 for n in range(12))


def test_units_written_many_rows_per_statement_all_land(project, tmp_path, monkeypatch):
    # SQLite gets multi-row INSERTs; a small batch size makes the statements split mid-document.
    monkeypatch.setattr(documents, "_SQLITE_ROWS_PER_INSERT", 7)
    for n in range(3):
        write(tmp_path, f"M{n}.txt", "R: " + " ".join(f"Point {n}.{k}." for k in range(20)))
    import_(project, tmp_path)
    with project.session() as session:
        for n in range(3):
            doc = documents.require_document(session, external_id=f"M{n}")
            units = documents.list_units(session, document_id=doc.id)
            assert [u.index for u in units] == list(range(20))
            assert [doc.text[u.start:u.end] for u in units] == [f"Point {n}.{k}." for k in range(20)]
        assert documents.total_units(session) == 60


def test_documents_come_back_in_the_order_they_went_in(project):
    rows = [{"external_id": f"X{n}", "text": f"text {n}", "content_hash": f"h{n}"} for n in (5, 1, 3, 2, 4)]
    with project.session() as session:
        ids = documents.add_documents(session, rows=rows)
        assert len(set(ids)) == 5
        for id_, row in zip(ids, rows):
            assert session.get(documents.Document, id_).external_id == row["external_id"]
        assert documents.add_documents(session, rows=[]) == []


def test_reimport_unchanged_changed_and_coded(project, tmp_path):
    path = write(tmp_path, "E900.md", EXPERT)
    import_(project, path)
    again = import_(project, path)
    assert again.unchanged == ["E900"] and again.added == [] and again.units == 0

    # Only the front matter changed: attributes are updated, units stay.
    write(tmp_path, "E900.md", EXPERT.replace("age: 38", "age: 39"))
    updated = import_(project, path)
    assert updated.updated == ["E900"]

    # The text changed and nobody coded it: replaced, with new units, under the same row.
    with project.session() as session:
        before = documents.require_document(session, external_id="E900").id
    write(tmp_path, "E900.md", EXPERT.replace("age: 38", "age: 39").replace("five times", "six times"))
    replaced = import_(project, path)
    assert replaced.replaced == ["E900"]
    with project.session() as session:
        doc = documents.require_document(session, external_id="E900")
        assert doc.id == before and doc.attributes["age"] == 39
        texts = [doc.text[u.start:u.end] for u in documents.list_units(session, document_id=doc.id)]
        assert "My cousin earns six times more in Germany!" in texts and len(texts) == 6
        # Code a sentence.
        wages = codes.sync_codebook(session, codebook=parse_codebook_text(
            "codes:\n  - key: wages\n    name: Wages\n", "cb.yaml")[0])
        assert wages.added == ["wages"]
        coder = coders.get_or_create_coder(session, name="aliya")
        start = doc.text.index("Salaries")
        codings.add_coding(session, document_id=doc.id, code_id=codes.get_code(session, key="wages").id,
                           coder_id=coder.id, start=start, end=start + len("Salaries are low here."))
        coded_text = doc.text

    # Changed again, but now coded: refused, and the stored text and units are untouched.
    write(tmp_path, "E900.md", EXPERT.replace("five times", "ten times"))
    refused = import_(project, path)
    assert refused.refused and "E900" in refused.refused[0] and "1 coding(s)" in refused.refused[0]
    assert not refused.ok and refused.replaced == []
    with project.session() as session:
        doc = documents.require_document(session, external_id="E900")
        assert doc.text == coded_text
        assert len(documents.list_units(session, document_id=doc.id)) == 6

    # A deleted (undone) coding no longer protects the document.
    with project.session() as session:
        doc = documents.require_document(session, external_id="E900")
        [coding] = codings.live_for_document(session, document_id=doc.id)
        codings.soft_delete(session, coding=coding)
    assert import_(project, path).replaced == ["E900"]


def test_bad_front_matter_ids_and_duplicates_are_named(project, tmp_path):
    write(tmp_path, "a.md", "---\nid: [E1, E2]\n---\nR: One.\n")
    write(tmp_path, "b.md", "---\nid: E7\ngroup: {x: 1}\n---\nR: Two.\n")
    write(tmp_path, "c.md", "---\nid: 17\n---\nR: Three.\n")
    write(tmp_path, "d.md", "---\nid: '17'\n---\nR: Four.\n")
    write(tmp_path, "e.md", "---\nid: '  '\n---\nR: Five.\n")
    write(tmp_path, "f.md", "---\nid: F1\n---\nR: Three.\n")  # the same text as c.md
    report = import_(project, tmp_path)
    errors = "\n".join(report.errors)
    assert "a.md: front matter 'id' must be text such as E001, not a list" in errors
    assert "b.md: front matter 'group' must be text such as expert, not a mapping" in errors
    assert "d.md: document id '17' is also used by" in errors and "c.md" in errors
    assert sorted(report.added) == ["17", "e"]  # a blank id falls back to the file name
    assert len(report.refused) == 1 and "f.md: same text as document 17" in report.refused[0]
    # --group overrides the front matter's group, so a bad one there does not matter.
    assert import_(project, tmp_path / "b.md", group="expert").added == ["E7"]


def test_import_is_split_into_chunks_with_the_same_result(project, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_FILES", 2)
    for n in range(5):
        write(tmp_path, f"C{n}.txt", f"I: Why?\nR: Reason number {n}. Done {n}.")
    write(tmp_path, "dup.txt", "---\nid: C1\n---\nR: Another text.")  # collides with a file of another chunk
    steps = []
    report = services.import_transcripts(project, paths=[tmp_path], progress=lambda d, t, w: steps.append((d, t)))
    assert sorted(report.added) == [f"C{n}" for n in range(5)]
    assert len(report.errors) == 1 and "document id 'C1' is also used by" in report.errors[0]
    assert steps[-1] == (12, 12) and [d for d, _ in steps] == sorted(d for d, _ in steps)
    with project.session() as session:
        assert len(session.exec(select(Unit)).all()) == 15


def test_codebook_load_updates_by_key_and_never_drops(project, tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("codebook: Study\nversion: 1\ncodes:\n"
                    "  - key: push\n    name: Push\n    children:\n"
                    "      - key: wages\n        name: Wages\n        shortcut: '1'\n        keywords: [salary]\n"
                    "      - key: corruption\n        name: Corruption\n"
                    "  - key: stay\n    name: Stay\n", encoding="utf-8")
    first = services.load_codebook_file(project, path=path)
    assert sorted(first["added"]) == ["corruption", "push", "stay", "wages"] and first["version"] == 1
    with project.session() as session:
        corruption = codes.require_code(session, key="corruption")
        coder = coders.get_or_create_coder(session, name="dana")
        doc = documents.add_document(session, values={"external_id": "D", "text": "Bribes everywhere.",
                                                      "content_hash": "x"})
        codings.add_coding(session, document_id=doc.id, code_id=corruption.id, coder_id=coder.id, start=0, end=6)

    # wages renamed and moved under stay; corruption (coded) and push (uncoded) left the file.
    path.write_text("codebook: Study\nversion: 2\ncodes:\n"
                    "  - key: stay\n    name: Stay\n    children:\n"
                    "      - key: wages\n        name: Wages and pay\n        shortcut: '1'\n"
                    "        keywords: [salary]\n", encoding="utf-8")
    second = services.load_codebook_file(project, path=path)
    assert second["updated"] == ["wages"] and sorted(second["retired"]) == ["corruption", "push"]
    with project.session() as session:
        by_key = {c.key: c for c in codes.list_codes(session)}
        assert set(by_key) == {"push", "wages", "corruption", "stay"}  # nothing dropped
        assert by_key["corruption"].status == by_key["push"].status == "retired"
        assert by_key["wages"].name == "Wages and pay" and by_key["wages"].parent_id == by_key["stay"].id
        assert codings.count_live(session) == 1  # the retired code keeps its coding
        assert [c.key for c in codes.list_codes(session, include_retired=False)] == ["stay", "wages"]

    # Putting a retired code back in the file makes it active again.
    path.write_text(path.read_text(encoding="utf-8") + "  - key: corruption\n    name: Corruption\n",
                    encoding="utf-8")
    third = services.load_codebook_file(project, path=path)
    assert third["updated"] == ["corruption"] and third["retired"] == []
    with project.session() as session:
        assert codes.require_code(session, key="corruption").status == "active"


def test_status_counts_groups_units_coders_and_live_codings(project, tmp_path):
    write(tmp_path, "E900.md", EXPERT)
    write(tmp_path, "g1.txt", "Q: Where?\nA: Vienna. Then Seoul.")
    import_(project, tmp_path)
    with project.session() as session:
        make = codes.sync_codebook(session, codebook=parse_codebook_text(
            "codes:\n  - key: wages\n    name: Wages\n", "cb.yaml")[0])
        assert make.added == ["wages"]
        doc = documents.require_document(session, external_id="g1")
        coder = coders.get_or_create_coder(session, name="aliya")
        code_id = codes.get_code(session, key="wages").id
        codings.add_coding(session, document_id=doc.id, code_id=code_id, coder_id=coder.id, start=0, end=2)
        gone = codings.add_coding(session, document_id=doc.id, code_id=code_id, coder_id=coder.id, start=3, end=5)
        codings.soft_delete(session, coding=gone)
    status = services.status(project)
    assert status["documents"] == {"": 1, "expert": 1}
    assert status["units"] == 6 + 3 and status["coders"] == 1 and status["codings"] == 1 and status["codes"] == 1


@pytest.mark.parametrize("bad", ["E999", ""])
def test_documents_show_unknown_id_is_a_clean_error(project, bad):
    from cotag.errors import NotFound

    with pytest.raises(NotFound, match="no document with id"):
        services.document_turns(project, external_id=bad)


def importer_read(path):
    from cotag.corpus.formats import read_transcript

    return read_transcript(path)
