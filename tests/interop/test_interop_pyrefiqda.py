"""pyrefiqda (an xsdata/pydantic binding of the REFI-QDA schema) reads cotag's .qdpx.

What it reads back is checked against the project: users, the code tree, sources and their text,
every coding (user, code, quoted text), and the places QualCoder looks for what cotag exports:

* a coding's memo in its selection's ``Description`` (QualCoder reads coding memos only there);
* every memo as a ``Note`` whose ``plainTextPath`` file in the archive holds its text (QualCoder
  reads journals only from that file), as well as inline;
* every document attribute as a ``VariableValue`` inside the ``TextSource`` (QualCoder ignores a
  Case's ``SourceRef``), typed: dates as Date, whole numbers as Integer, true/false as Boolean;
* lower-case GUIDs everywhere.
"""

from __future__ import annotations

import re
import zipfile

LOWER_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def load(path, tmp_path):
    from pyrefiqda import RefiProject

    return RefiProject.load(path, extract_dir=str(tmp_path / "extracted"))


def code_tree(codes, parent=None, out=None):
    out = {} if out is None else out
    for code in codes:
        out[code.name] = (parent, code.guid)
        code_tree(code.code, code.name, out)
    return out


def test_pyrefiqda_reads_users_codes_sources_and_codings(exported, tmp_path):
    study, path = exported
    project = load(path, tmp_path)
    users = {u.guid: u.name for u in project.users.user}
    assert sorted(users.values()) == sorted(study.coders)
    codes = code_tree(project.code_book.codes.code)
    assert {name: parent for name, (parent, _guid) in codes.items()} == study.code_tree
    code_names = {guid: name for name, (_parent, guid) in codes.items()}
    archive = zipfile.ZipFile(path)
    read = set()
    for source in project.sources.text_source:
        text = archive.read("sources/" + source.plain_text_path.split("://", 1)[1]).decode("utf-8")
        assert text == study.documents[source.name]
        for selection in source.plain_text_selection:
            for coding in selection.coding:
                read.add((source.name, users[coding.creating_user], code_names[coding.code_ref.target_guid],
                          text[selection.start_position:selection.end_position]))
    assert read == study.codings
    guids = [u.guid for u in project.users.user] + [g for _n, (_p, g) in codes.items()] + \
        [s.guid for s in project.sources.text_source] + [n.guid for n in project.notes.note]
    assert all(LOWER_GUID.match(g) for g in guids), guids


def test_coding_memos_in_selection_description_and_notes_as_files(exported, tmp_path):
    study, path = exported
    project = load(path, tmp_path)
    users = {u.guid: u.name for u in project.users.user}
    codes = {guid: name for name, (_p, guid) in code_tree(project.code_book.codes.code).items()}
    described = {}
    for source in project.sources.text_source:
        for selection in source.plain_text_selection:
            for coding in selection.coding:
                key = (source.name, users[coding.creating_user], codes[coding.code_ref.target_guid])
                if key in study.coding_memos:
                    described[key] = selection.description
    assert described == study.coding_memos
    archive = zipfile.ZipFile(path)
    notes = {}
    for note in project.notes.note:
        assert note.plain_text_path == f"internal://{note.guid}.txt"
        in_file = archive.read(f"sources/{note.guid}.txt").decode("utf-8")
        assert in_file == note.plain_text_content
        notes[note.name] = in_file
    for title, text in study.memos.items():
        assert notes[title] == text
    assert sorted(study.coding_memos.values()) == sorted(v for k, v in notes.items() if k not in study.memos)


def test_attributes_typed_and_inside_each_text_source(exported, tmp_path):
    study, path = exported
    project = load(path, tmp_path)
    variables = {v.guid: (v.name, v.type_of_variable.value) for v in project.variables.variable}
    assert sorted(variables.values()) == [("age", "Integer"), ("city", "Text"), ("consented", "Boolean"),
                                          ("interview_date", "Date")]
    read = {}
    for source in project.sources.text_source:
        for value in source.variable_value:
            name, _type = variables[value.variable_ref.target_guid]
            read[(source.name, name)] = next(v for v in (value.date_value, value.integer_value, value.boolean_value,
                                                         value.text_value) if v is not None)
    assert {k: str(v) for k, v in read.items()} == {
        ("E001", "interview_date"): "2023-05-01", ("E001", "age"): "34", ("E001", "consented"): "True",
        ("E001", "city"): "Almaty", ("G002", "interview_date"): "2024-01-15", ("G002", "age"): "29",
        ("G002", "consented"): "False", ("G002", "city"): "Astana"}
