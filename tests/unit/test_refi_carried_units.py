"""Sentence units carried in cotag's own .qdpx files (refi/carried_units.py): used on import only when they
are the units a split would make, and the imported units are the same either way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app
from cotag.refi.carried_units import carried, units_for_export

REPO = Path(__file__).resolve().parents[2]


def _units(project) -> dict[str, list[tuple]]:
    from cotag.store.plain_reads import document_ids, unit_columns

    with project.reading() as connection:
        names = dict(document_ids(connection))
        found: dict[str, list[tuple]] = {}
        for doc_id, *unit in unit_columns(connection):
            found.setdefault(names[doc_id], []).append(tuple(unit))
    return found


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Three demo transcripts imported with spaCy, exported to .qdpx."""
    from cotag.project import init_project, open_project

    root = tmp_path_factory.mktemp("carried")
    folder = root / "transcripts"
    folder.mkdir()
    for name in ("E001.md", "E002.md", "G001.md"):
        group = "experts" if name.startswith("E") else "graduates"
        shutil.copy(REPO / "transcripts" / group / name, folder / name)
    init_project(root / "source").close()
    runner = CliRunner()
    result = runner.invoke(app, ["--project", str(root / "source"), "codebook", "load",
                                 str(REPO / "codebooks" / "migration.yaml")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--project", str(root / "source"), "import", str(folder)])
    assert result.exit_code == 0, result.output
    out = root / "source.qdpx"
    result = runner.invoke(app, ["--project", str(root / "source"), "export", "qdpx", str(out)])
    assert result.exit_code == 0, result.output
    source = open_project(root / "source")
    units = _units(source)
    source.close()
    return out, units


def test_an_import_of_cotags_own_file_takes_the_carried_units_without_splitting(exported, tmp_path, monkeypatch):
    from cotag.corpus import sentences
    from cotag.project import open_project
    from cotag.refi.qdpx_import import import_qdpx

    out, source_units = exported

    def no_split(*_args, **_kwargs):
        raise AssertionError("the texts were split again")

    monkeypatch.setattr(sentences, "sentence_spans", no_split)
    import_qdpx(out, into=tmp_path / "copy")
    copy = open_project(tmp_path / "copy")
    assert _units(copy) == source_units
    copy.close()


def test_the_carried_units_are_those_a_split_makes(exported):
    from cotag.refi.import_plan import plan_import
    from cotag.refi.package import open_package
    from cotag.refi.qdpx_import import _units_for

    out, _ = exported
    package = open_package(out)
    try:
        plan = plan_import(package)
    finally:
        package.close()
    assert len(plan.carried_units) == 3
    assert _units_for(plan.documents, plan.carried_units) == _units_for(plan.documents)


def test_carried_units_are_refused_for_another_text_or_spans_that_do_not_fit(exported):
    from cotag.refi.import_plan import plan_import
    from cotag.refi.package import open_package
    from cotag.refi.qdpx_import import _units_for

    out, _ = exported
    package = open_package(out)
    try:
        plan = plan_import(package)
    finally:
        package.close()
    document = plan.documents[0]
    from cotag.refi import guid_key

    entry = plan.carried_units[guid_key(document.guid)]
    assert carried(entry, document.text) == _units_for([document])[0]
    assert carried(entry, document.text.replace("a", "b", 1)) is None  # an edited text: split again
    assert carried({**entry, "sha256": None}, document.text) is None
    spans = entry["spans"]
    assert carried({**entry, "spans": spans + [0, len(document.text)]}, document.text) is None  # past the end
    assert carried({**entry, "spans": [-1, *spans[1:]]}, document.text) is None
    assert carried({**entry, "spans": spans[:-1]}, document.text) is None  # not in pairs
    assert carried({**entry, "spans": [0, len(document.text), *spans[2:]]}, document.text) is None  # over turns
    assert carried("not a dict", document.text) is None


def test_units_made_from_other_turns_are_not_carried():
    from types import SimpleNamespace

    from cotag.corpus.speakers import find_turns

    text = "Interviewer: Why did you leave?\n\nRespondent: For the wages. And the schools.\n"
    turns = find_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Respondent"]
    start = text.index("For")
    rows = [(1, 0, turns[0].start + 13, turns[0].end, 0, "Interviewer", 1),
            (1, 1, start, start + len("For the wages."), 1, "Respondent", 0)]
    document = SimpleNamespace(id=1, external_id="E001", text=text)
    assert "G" in units_for_export([document], rows, {"E001": "G"})
    # a subtitle file's turns (another speaker, or a unit across two turns) are not find_turns' turns
    other = [rows[0], (1, 1, start, start + 3, 1, "Speaker 2", 0)]
    assert units_for_export([document], other, {"E001": "G"}) == {}
    across = [(1, 0, turns[0].start, start + 3, 0, "Interviewer", 1)]
    assert units_for_export([document], across, {"E001": "G"}) == {}
