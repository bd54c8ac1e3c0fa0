"""QualCoder's .qdpx layout, both ways (QualCoder is a PyQt application and cannot be installed for tests).

Import: a file written in the layout of QualCoder 3.x's exporter (``src/qualcoder/refi.py``:
``text_selection_xml``, ``create_journal_note_xml``, ``create_annotation_note_xml``,
``source_variables_xml``, ``get_users``): a coding memo in the selection's ``Description``, a
journal as a Note whose text is only in its ``plainTextPath`` file, a text annotation as a Note
holding the annotated ``PlainTextSelection`` and referenced from the TextSource, file attributes
inside the TextSource, and the user "default" that owns the source but coded nothing.

Export: cotag's file is read by the rules QualCoder's importer follows (the same functions'
counterparts ``load_codings_for_text``, ``parse_notes``, ``parse_variable_value``).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "refi"))
from shared_samples import refi_samples  # noqa: E402,F401

NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"
TEXT = "Interviewer: Why did you leave?\n\nRespondent: Wages were low here. My family stayed.\n"
ALICE, DEFAULT = "5c94bc9e-db8c-4f1d-9cd6-e900c7440860", "0b8d0ba7-6c2b-4e86-8a6b-0e3a1d5a9c11"
SOURCE, JOURNAL, ANNOTATION = ("8e7fddfe-db36-48dc-b464-80c3a4decd90", "4691a8a0-d67c-4dcc-91d6-e9075dc230cc",
                               "0f758eeb-d61d-4e91-b250-79861c3869a6")
CODE, CATEGORY, VARIABLE = ("1c2d3e4f-0000-4000-8000-000000000001", "1c2d3e4f-0000-4000-8000-000000000002",
                            "51dc3bcd-5454-47ff-a4d6-ea699144410d")


def qualcoder_file(path):
    wages = TEXT.index("Wages were low here.")
    family = TEXT.index("My family stayed.")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="qc-project" origin="QualCoder 3.6" creatingUserGUID="{ALICE}"
 creationDateTime="2024-05-01T10:00:00Z">
<Users>
<User guid="{ALICE}" name="alice"/>
<User guid="{DEFAULT}" name="default"/>
</Users>
<CodeBook><Codes>
<Code guid="{CATEGORY}" name="Reasons" isCodable="false">
<Code guid="{CODE}" name="Low wages" isCodable="true" color="#ff0000"><Description>money</Description></Code>
</Code>
</Codes></CodeBook>
<Variables><Variable guid="{VARIABLE}" name="age group" typeOfVariable="Text"/></Variables>
<Sources>
<TextSource guid="{SOURCE}" name="interview1.txt" plainTextPath="internal://{SOURCE}.txt"
 creatingUser="{DEFAULT}" creationDateTime="2024-05-01T10:00:00Z">
<PlainTextSelection guid="a1a1a1a1-0000-4000-8000-000000000001" startPosition="{wages}"
 endPosition="{wages + 20}" name="Wages were low here." creatingUser="{ALICE}" creationDateTime="2024-05-02T10:00:00Z">
<Description>the main reason</Description>
<Coding guid="a1a1a1a1-0000-4000-8000-000000000002" creatingUser="{ALICE}">
<CodeRef targetGUID="{CODE}"/>
</Coding>
</PlainTextSelection>
<NoteRef targetGUID="{ANNOTATION}"/>
<VariableValue>
<VariableRef targetGUID="{VARIABLE}"/>
<TextValue>20-29</TextValue>
</VariableValue>
</TextSource>
</Sources>
<Notes>
<Note guid="{JOURNAL}" creatingUser="{ALICE}" creationDateTime="2024-05-03T10:00:00Z" name="Field notes"
 plainTextPath="internal://{JOURNAL}.txt">
<Description/></Note>
<Note guid="{ANNOTATION}" creatingUser="{ALICE}" creationDateTime="2024-05-04T10:00:00Z">
<PlainTextContent>family ties matter</PlainTextContent>
<PlainTextSelection guid="b2b2b2b2-0000-4000-8000-000000000001" startPosition="{family}"
 endPosition="{family + 17}"/>
</Note>
</Notes>
</Project>
"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        # QualCoder writes its texts with a BOM (utf-8-sig), not counted in the offsets.
        archive.writestr(f"sources/{SOURCE}.txt", TEXT.encode("utf-8-sig"))
        archive.writestr(f"sources/{JOURNAL}.txt", "Met the family after the interview.")
    return path


def test_qualcoder_file_annotations_journals_memos_attributes(project, tmp_path):
    from sqlmodel import select

    from cotag.refi.qdpx_import import import_qdpx
    from cotag.store.models import Coder, Coding, Document, Memo

    report = import_qdpx(qualcoder_file(tmp_path / "qualcoder.qdpx"), project=project)
    assert report.found["annotations"] == 1
    with project.session() as s:
        assert sorted(s.exec(select(Coder.name)).all()) == ["alice"]  # no empty coder for "default"
        document = s.exec(select(Document)).one()
        assert document.attributes == {"age group": "20-29"}
        coding = s.exec(select(Coding)).one()
        assert document.text[coding.start:coding.end] == "Wages were low here."
        assert coding.memo == "the main reason"
        memos = {m.title: (m.text, m.document_id, m.created_at.isoformat()) for m in s.exec(select(Memo))}
    family = document.text.index("My family stayed.")
    assert memos == {
        "Field notes": ("Met the family after the interview.", None, "2024-05-03T10:00:00"),
        f"Annotation at {family}-{family + 17}": ("“My family stayed.”\n\nfamily ties matter", document.id,
                                                  "2024-05-04T10:00:00")}
    assert any("'default'" in w for w in report.warnings)


def test_cotag_export_read_by_qualcoders_rules(exported):
    """Where QualCoder's importer looks, cotag's export has the memos and attributes."""
    study, path = exported
    archive = zipfile.ZipFile(path)
    root = etree.fromstring(archive.read("project.qde"))
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    # load_codings_for_text: the memo of every Coding in a selection is the selection's Description.
    coding_memos = {}
    for source in root.iter(f"{Q}TextSource"):
        for selection in source.iter(f"{Q}PlainTextSelection"):
            memo = selection.findtext(f"{Q}Description") or ""
            for coding in selection.iter(f"{Q}Coding"):
                key = (source.get("name"), users[coding.get("creatingUser")],
                       codes[coding.find(f"{Q}CodeRef").get("targetGUID")])
                if memo:
                    coding_memos[key] = memo
    assert {k: v for k, v in coding_memos.items() if k in study.coding_memos} == study.coding_memos
    # parse_notes: a named Note with a plainTextPath is a journal; its text is that file.
    journals = {n.get("name"): archive.read("sources/" + n.get("plainTextPath").split("internal://")[1]).decode()
                for n in root.iter(f"{Q}Note") if n.get("name") and n.get("plainTextPath")}
    assert {title: journals.get(title) for title in study.memos} == study.memos
    # parse_variable_value: a TextSource's own VariableValues are its file attributes.
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    attributes = {(s.get("name"), variables[v.find(f"{Q}VariableRef").get("targetGUID")])
                  for s in root.iter(f"{Q}TextSource") for v in s.iter(f"{Q}VariableValue")}
    assert attributes == {(d, a) for d in study.documents for a in ("interview_date", "age", "consented", "city")}


def test_missing_texts_are_called_missing(refi_samples):
    """The ATLAS.ti sample is a .qde without its texts: the offsets line says so, not 'no CRLF'."""
    from cotag.refi.qdpx_import import open_package, plan_import

    package = open_package(refi_samples / "atlasti-8.4_refi-standard-project.qde")
    try:
        plan = plan_import(package)
    finally:
        package.close()
    assert "missing" in plan.report.offsets["reason"]
    assert "CRLF" not in plan.report.offsets["reason"]


def test_cotag_round_trip_keeps_text_attributes_and_memos_once(study, tmp_path):
    """Typed for other tools, text for cotag: '34' comes back as '34'; a coding memo written in both the
    Description and a Note comes back once."""
    from cotag.project import open_project
    from cotag.services.refi import export_qdpx
    from cotag.refi.qdpx_import import import_qdpx
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents

    path = tmp_path / "study.qdpx"
    export_qdpx(study.project, path)
    import_qdpx(path, into=tmp_path / "copy")
    copy = open_project(tmp_path / "copy")
    with copy.session() as s, study.project.session() as t:
        assert {d.external_id: d.attributes for d in list_documents(s)} == \
            {d.external_id: d.attributes for d in list_documents(t)}
        assert sorted((c.document, c.code, c.coder, c.start, c.end, c.memo) for c in list_codings(s)) == \
            sorted((c.document, c.code, c.coder, c.start, c.end, c.memo) for c in list_codings(t))
    copy.close()
