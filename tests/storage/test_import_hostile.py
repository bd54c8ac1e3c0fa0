"""One bad file costs that file only: the rest of the batch is stored, on SQLite and on PostgreSQL.

Each bad file below used to end the whole `cotag import` with a traceback (issue 13), and on
PostgreSQL a NaN attribute failed the transaction for every document of the batch.
"""

from __future__ import annotations

import math

import pytest
from sqlmodel import select

from cotag import services
from cotag.corpus import formats, limits
from cotag.corpus.formats import ParsedTranscript
from cotag.store import documents
from cotag.store.models import Document, Unit

GOOD = "---\nid: {id}\nborn: 1990-05-01\n1: one\ntrue: yes-key\n---\nInterviewer: Why?\n\nRespondent: Money. And family {id}.\n"

BAD = {
    "date.md": "---\nborn: 2018-13-45\n---\nR: x.\n",
    "datetime.md": "---\nseen: 2018-02-30 25:61:61\n---\nR: x.\n",
    "bigint.md": "---\nn: " + "9" * 4400 + "\n---\nR: x.\n",
    "binary.md": "---\nb: !!binary aGVsbG8=\n---\nR: x.\n",
    "nan.md": "---\nscore: .nan\n---\nR: x.\n",
    "inf.md": "---\nscore: .inf\n---\nR: x.\n",
    "nul.md": '---\nnote: "a\\0b"\n---\nR: x.\n',
    "hour.vtt": "WEBVTT\n\n" + "9" * 4400 + ":00:00.000 --> 00:00:01.000\nR: x.\n",
}


def stored(project) -> dict[str, Document]:
    with project.session() as session:
        return {d.external_id: d for d in session.exec(select(Document))}


def test_bad_files_are_named_and_the_rest_of_the_batch_is_stored(project, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for name, text in BAD.items():
        (folder / name).write_text(text, encoding="utf-8")
    for n in (1, 2):
        (folder / f"good{n}.md").write_text(GOOD.format(id=f"G{n}"), encoding="utf-8")
    (folder / "nulbytes.txt").write_bytes(b"R: text\x00with NUL bytes.\n")

    report = services.import_transcripts(project, paths=[folder])

    assert sorted(report.added) == ["G1", "G2"] and not report.ok
    errors = report.errors
    assert len(errors) == len(BAD) + 1
    for name in [*BAD, "nulbytes.txt"]:
        assert sum(str(folder / name) in e for e in errors) == 1, (name, errors)
    assert any("2018-13-45" in e and e.startswith(f"{folder / 'date.md'}:2: ") for e in errors)
    assert any("'.nan' is not a number" in e for e in errors)
    docs = stored(project)
    assert sorted(docs) == ["G1", "G2"]
    # Keys as written: 1 and true are two attributes, not one "duplicate key True".
    assert docs["G1"].attributes == {"born": "1990-05-01", "1": "one", "true": "yes-key"}
    with project.session() as session:
        units = documents.list_units(session, document_id=docs["G2"].id)
    assert [docs["G2"].text[u.start:u.end] for u in units] == ["Why?", "Money.", "And family G2."]


@pytest.mark.parametrize("bad_value, says", [
    (math.nan, "is nan"), (math.inf, "is inf"), ("a\x00b", "NUL"), (b"bytes", "is bytes"),
    ({"nested": ["ok", "\ud800"]}, "'deep' > 'nested'[1]"),
], ids=["nan", "inf", "nul", "bytes", "surrogate"])
def test_what_a_reader_let_through_is_stopped_before_the_database(project, tmp_path, monkeypatch, bad_value, says):
    """The readers refuse such values at their line; should one slip through, it costs its file only."""
    real_read = formats.read_transcript

    def read(path):
        transcript = real_read(path)
        if path.stem == "bad":
            return ParsedTranscript(transcript.path, transcript.text, {"deep": bad_value}, transcript.turns,
                                    transcript.format)
        return transcript

    monkeypatch.setattr(formats, "read_transcript", read)
    for stem in ("bad", "good"):
        (tmp_path / f"{stem}.txt").write_text(f"R: The {stem} one.\n", encoding="utf-8")
    report = services.import_transcripts(project, paths=[tmp_path / "bad.txt", tmp_path / "good.txt"])
    assert report.added == ["good"]
    assert len(report.errors) == 1 and report.errors[0].startswith(f"{tmp_path / 'bad.txt'}: front matter ")
    assert says in report.errors[0]
    assert sorted(stored(project)) == ["good"]


def test_a_document_over_the_unit_limit_is_refused_and_the_rest_stored(project, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNITS_PER_DOCUMENT", 5)
    (tmp_path / "long.txt").write_text("R: " + " ".join(f"Sentence {n}." for n in range(6)), encoding="utf-8")
    (tmp_path / "short.txt").write_text("R: " + " ".join(f"Sentence {n}." for n in range(5)), encoding="utf-8")
    report = services.import_transcripts(project, paths=[tmp_path])
    assert report.added == ["short"] and report.units == 5
    assert report.errors == [(f"{tmp_path / 'long.txt'}: 6 sentence units, more than the 5 a document may have; "
                              "split the transcript into several files")]
    with project.session() as session:
        assert len(session.exec(select(Unit)).all()) == 5
    # Not stored, so the same text is no duplicate when imported again under another name.
    (tmp_path / "long.txt").rename(tmp_path / "long-again.txt")
    again = services.import_transcripts(project, paths=[tmp_path / "long-again.txt"])
    assert again.refused == [] and "6 sentence units" in again.errors[0]
    assert sorted(stored(project)) == ["short"]


def test_a_reader_bug_costs_its_file_only(project, tmp_path, monkeypatch):
    real_read = formats.read_transcript

    def read(path):
        if path.stem == "trap":
            raise RuntimeError("a bug in a reader")
        return real_read(path)

    monkeypatch.setattr(formats, "read_transcript", read)
    for stem in ("trap", "fine"):
        (tmp_path / f"{stem}.txt").write_text(f"R: The {stem} one.\n", encoding="utf-8")
    report = services.import_transcripts(project, paths=[tmp_path])
    assert report.added == ["fine"]
    assert report.errors == [(f"{tmp_path / 'trap.txt'}: cannot be read (RuntimeError: a bug in a reader); "
                              "please report this file to cotag's developers")]
    assert sorted(stored(project)) == ["fine"]
