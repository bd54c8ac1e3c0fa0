"""Attributes out to a spreadsheet and back: typed, all or nothing, logged, and kept when a transcript is re-imported."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from cotag import services
from cotag.attributes import IMPORT_EVENT, export_attributes, import_attributes
from cotag.errors import CotagError
from cotag.store.models import Document, Event

TRANSCRIPT = """---
id: {id}
group: expert
gender: {gender}
age: {age}
place: Almaty
languages: [kazakh, russian]
interview_date: 2024-03-05
---
Interviewer: Why do people leave?
Respondent: Salaries are low here. {extra}
"""


def write_transcript(folder: Path, doc_id: str, *, gender="female", age=38, extra="") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc_id}.md"
    path.write_text(TRANSCRIPT.format(id=doc_id, gender=gender, age=age, extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def corpus(project, tmp_path):
    folder = tmp_path / "transcripts"
    write_transcript(folder, "E001")
    write_transcript(folder, "E002", gender="male", age=45, extra="Nobody stays.")
    report = services.import_transcripts(project, paths=[folder])
    assert report.ok and sorted(report.added) == ["E001", "E002"]
    return project, folder


def attributes(project) -> dict[str, dict]:
    with project.session() as session:
        return {d.external_id: d.attributes for d in session.exec(select(Document))}


def events(project) -> list[Event]:
    with project.session() as session:
        return list(session.exec(select(Event).where(Event.kind == IMPORT_EVENT)))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def run_import(project, path: Path, **kwargs):
    with project.session() as session:
        return import_attributes(session, path, **kwargs)


def test_export_one_row_per_document(corpus, tmp_path):
    project, _ = corpus
    out = tmp_path / "people.csv"
    with project.session() as session:
        summary = export_attributes(session, out)
    assert summary["documents"] == 2
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:5] == ["id", "group", "gender", "age", "place"]
    assert rows[0] == {"id": "E001", "group": "expert", "gender": "female", "age": "38", "place": "Almaty",
                       "interview_date": "2024-03-05", "languages": "kazakh; russian"}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_round_trip_changes_nothing(corpus, tmp_path, suffix):
    project, _ = corpus
    with project.session() as session:  # values CSV export guards against formula injection ('+7 ...)
        document = session.exec(select(Document).where(Document.external_id == "E002")).one()
        document.attributes = {**document.attributes, "phone": "+7 701 555", "note": "=not a formula", "n": -3}
        session.add(document)
    out = tmp_path / f"people.{suffix}"
    before = attributes(project)
    with project.session() as session:
        export_attributes(session, out)
    report = run_import(project, out)
    assert report.changes == [] and report.documents == 2
    assert attributes(project) == before
    assert events(project) == []


def test_import_types_values_and_logs_every_change(corpus, tmp_path):
    project, _ = corpus
    sheet = write_csv(tmp_path / "s.csv", [
        ["id", "age", "languages", "interview_date", "place", "returned", "note"],
        ["E001", "39", "kazakh; english", "2024-03-06", "", "true", "met twice"],
        ["E002", "45", "kazakh; russian", "2024-03-05", "Astana", "", ""]])
    report = run_import(project, sheet, actor="lead")
    found = {(c.document, c.attribute): (c.old, c.new) for c in report.changes}
    assert found == {("E001", "age"): (38, 39), ("E001", "languages"): (["kazakh", "russian"], ["kazakh", "english"]),
                     ("E001", "interview_date"): ("2024-03-05", "2024-03-06"), ("E001", "place"): ("Almaty", None),
                     ("E001", "returned"): (None, True), ("E001", "note"): (None, "met twice"),
                     ("E002", "place"): ("Almaty", "Astana")}
    stored = attributes(project)
    assert stored["E001"]["age"] == 39 and "place" not in stored["E001"] and stored["E001"]["returned"] is True
    assert stored["E002"]["place"] == "Astana"
    [event] = events(project)
    assert event.actor == "lead" and len(event.payload["changes"]) == 7


def test_dry_run_changes_nothing(corpus, tmp_path):
    project, _ = corpus
    before = attributes(project)
    sheet = write_csv(tmp_path / "s.csv", [["id", "age"], ["E001", "40"]])
    report = run_import(project, sheet, dry_run=True)
    assert [(c.document, c.new) for c in report.changes] == [("E001", 40)]
    # A cell written with export's guard against formulas reads as the value typed.
    guarded = write_csv(tmp_path / "g.csv", [["id", "note"], ["E001", "'=1+1"]])
    assert [c.new for c in run_import(project, guarded, dry_run=True).changes] == ["=1+1"]
    assert attributes(project) == before and events(project) == []


@pytest.mark.parametrize("rows, message", [
    ([["id", "age"], ["E001", "40"], ["E002", "forty"]], "row 3, column age: 'forty' is not a number"),
    ([["id", "interview_date"], ["E001", "2024-02-30"]], "row 2, column interview_date: '2024-02-30' is not a real date"),
    ([["id", "interview_date"], ["E001", "5 March"]], "'5 March' is not a date"),
    ([["id", "age"], ["E001", "40"], ["E404", "41"]], "row 3, column id: no document with id 'E404'"),
    ([["id", "age"], ["E001", "40"], ["E001", "41"]], "document 'E001' is also on row 2"),
    ([["name", "age"], ["E001", "40"]], "the first column must be 'id'"),
    ([["id", "age", "age"], ["E001", "40", "41"]], "column 'age' appears twice"),
    ([["id", "group"], ["E001", "graduate"]], "row 2, column group: 'graduate' is not the document's group"),
])
def test_one_bad_cell_changes_nothing(corpus, tmp_path, rows, message):
    project, _ = corpus
    before = attributes(project)
    sheet = write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(CotagError) as caught:
        run_import(project, sheet)
    assert message in str(caught.value) and str(sheet) in str(caught.value)
    assert "nothing was changed" in str(caught.value) or "first column" in str(caught.value) or \
        "appears twice" in str(caught.value)
    assert attributes(project) == before and events(project) == []


def test_sheet_values_survive_reimport_of_a_changed_transcript(corpus, tmp_path):
    project, folder = corpus
    sheet = write_csv(tmp_path / "s.csv", [["id", "age", "place"], ["E001", "39", ""]])
    run_import(project, sheet)
    # The transcript changes (uncoded, so it is replaced) and its front matter changes gender and keeps age 38.
    write_transcript(folder, "E001", gender="woman", extra="And rents are high.")
    report = services.import_transcripts(project, paths=[folder])
    assert report.replaced == ["E001"]
    stored = attributes(project)["E001"]
    assert stored["age"] == 39 and "place" not in stored  # the sheet's word
    assert stored["gender"] == "woman"  # the front matter's, for what the sheet never set
    # A re-import of the same text with the same front matter changes nothing either.
    again = services.import_transcripts(project, paths=[folder])
    assert again.unchanged == ["E001", "E002"]


def test_sheet_values_survive_revise_of_a_coded_transcript(project, tmp_path):
    from test_revision_store import NEW, _setup, _write

    from cotag.services import revision

    _, path = _setup(project, tmp_path)
    sheet = write_csv(tmp_path / "s.csv", [["id", "age"], ["E1", "51"]])
    run_import(project, sheet)
    _write(tmp_path, NEW)
    assert revision.revise_paths(project, paths=[path])["revised"]
    assert attributes(project)["E1"] == {"age": 51}
