"""Fuzzing every reader of user files: whatever the bytes, a reader returns or raises cotag's own error.

A crash with any other exception ends a whole `cotag import` batch (or `codebook check`) with a
traceback, so the property is: nothing but CotagError, ever. The inputs mix random text and bytes with
the fragments that broke readers before (issue 13: impossible dates, huge numbers, YAML tags and
aliases, NUL, subtitle timings). The example counts keep the whole file to a few seconds; set
COTAG_FUZZ_EXAMPLES to run more.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cotag.codebook import check_codebook, parse_codebook_text
from cotag.corpus import formats
from cotag.corpus.formats import ParsedTranscript, read_transcript, split_front_matter
from cotag.corpus.speakers import SpeakerRules, find_turns, match_label
from cotag.errors import CotagError

EXAMPLES = int(os.environ.get("COTAG_FUZZ_EXAMPLES", "0")) or None


def fuzz(examples: int):
    return settings(max_examples=EXAMPLES or examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


YAML_BITS = [
    "---\n", "...\n", "\n", ": ", "- ", "? ", "&a ", "*a", "&b ", "*b", "<<: ", "[", "]", "{", "}", ", ", "'", '"',
    "|\n", ">\n", "# ", "\t", "  ", "!!binary ", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!set ",
    "!!omap ", "!!pairs ", "!!str ", "!!null ", "!!python/object:os.system ", "!x ", "%YAML 1.1\n",
    "%TAG !e! tag:e.com,2000:\n", ".nan", "-.inf", "1.0e+999", "2018-13-45", "2018-02-30 25:61:61",
    "2018-02-28 10:00:00 +25:00", "2018-01-01", "9" * 5000, "0x" + "f" * 300, "010", "1_000", "10:30", "~",
    "null", "true", "yes", "1", '"\\0"', '"\\ud800"', '"\\e"', '"\\x85"', "key", "id", "group", "speakers",
    "interviewer", "codebook", "version", "codes", "key: a", "name: A", "children", "parent", "shortcut",
    "colour", "status", "keywords", "examples",
]
TRANSCRIPT_BITS = [
    "WEBVTT\n", "\n\n", "-->", " --> ", "00:00:01.000", "00:00:01,000", "9" * 5000 + ":00:00.000", "1\n",
    "NOTE ", "<v Asel>", "<v.loud Dana>", "</v>", "<i>", "&amp;", "&#x1b;", "&#0;", "&#xd800;", "{\\an8}",
    "Interviewer:", "R:", "R1:", "Q:", "[Asel]", "[Asel]:", "**Q:**", "__A__:", "ASEL:", "Интервьюер:", "Сұрақ:",
    "[00:01:02] ", "00:01:02 R:", "Interviewer [00:01:02]:", "\ufeff", "\r\n", "\r", "\x00", "\x1b", "\v", "\f",
    "\u2028", "\u2029", "\u00a0", "…", "...", ". ", "? ", "— ", "«", "»",
]
TEXT = st.lists(st.one_of(st.sampled_from(YAML_BITS + TRANSCRIPT_BITS), st.text(max_size=8)), max_size=40).map(
    "".join)
# A transcript is front matter and body more often than chance would make it.
FRONT_TEXT = st.tuples(st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=6), max_size=25).map("".join),
                       TEXT).map(lambda parts: f"---\n{parts[0]}\n---\n{parts[1]}")
CODEBOOK_TEXT = st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=6), max_size=60).map("".join)


def encoded(texts):
    return st.one_of(
        texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
        texts.map(lambda t: t.encode("cp1251", "replace")),
        texts.map(lambda t: t.encode("latin-1", "replace")),
        texts.map(lambda t: t.encode("utf-16")),
        st.tuples(texts, texts).map(lambda p: p[0].encode("utf-8", "replace") + p[1].encode("cp1251", "replace")),
        st.binary(max_size=300),
    )


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def read_or_refuse(path: Path) -> None:
    try:
        transcript = read_transcript(path)
    except CotagError:
        return
    check_transcript(transcript)


def check_transcript(transcript: ParsedTranscript) -> None:
    """What a read transcript promises the importer: turns inside the text, storable text."""
    text = transcript.text
    assert "\x00" not in text
    text.encode("utf-8")
    assert isinstance(transcript.metadata, dict) and all(isinstance(k, str) for k in transcript.metadata)
    for turn in transcript.turns:
        assert 0 <= turn.start <= turn.end <= len(text)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".vtt", ".srt"])
@fuzz(120)
@given(data=encoded(st.one_of(TEXT, FRONT_TEXT)))
def test_text_formats_raise_only_cotag_errors(folder, suffix, data):
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    read_or_refuse(path)


@fuzz(150)
@given(text=st.one_of(FRONT_TEXT, TEXT))
def test_front_matter_raises_only_cotag_errors(text):
    try:
        metadata, body = split_front_matter(Path("fuzz.md"), text)
    except CotagError:
        return
    assert isinstance(metadata, dict) and isinstance(body, str)


@fuzz(150)
@given(text=TEXT, names=st.lists(st.sampled_from(["Asel", "Dana", "Q", "R", "Интервьюер"]) | st.text(max_size=5),
                                 max_size=3))
def test_speaker_finder_never_fails_and_keeps_turns_inside_the_text(text, names):
    text = formats._normalise(text)
    turns = find_turns(text, {"speakers": names, "interviewer": names[:1]})
    for turn in turns:
        assert 0 <= turn.start < turn.end <= len(text)
    rules = SpeakerRules({"speakers": names})
    for line in text.split("\n")[:20]:
        found = match_label(line, rules, loose=True)
        assert found is None or 0 <= found[1] <= len(line)


def docx_of(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Text python-docx can put in a paragraph (XML 1.0 characters).
XML_TEXT = st.lists(st.sampled_from(YAML_BITS + TRANSCRIPT_BITS) | st.text(max_size=8), max_size=10).map(
    lambda parts: "".join(ch for ch in "".join(parts) if ch in "\t\n\r" or (" " <= ch and ch not in "\ufffe\uffff"
                                                                              and not "\ud800" <= ch <= "\udfff")))


@fuzz(40)
@given(paragraphs=st.lists(st.one_of(st.sampled_from(["---", "—", "id: W1", "born: 2018-13-45"]), XML_TEXT),
                           max_size=8))
def test_word_files_raise_only_cotag_errors(folder, paragraphs):
    path = folder / "fuzz.docx"
    path.write_bytes(docx_of(paragraphs))
    read_or_refuse(path)


@pytest.fixture(scope="module")
def sample_docx() -> bytes:
    return docx_of(["---", "id: W1", "---", "Interviewer: Why?", "Respondent: Money."])


@fuzz(60)
@given(changes=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1,
                        max_size=8), cut=st.none() | st.integers(min_value=0))
def test_damaged_word_files_raise_only_cotag_errors(folder, sample_docx, changes, cut):
    data = bytearray(sample_docx)
    for position, value in changes:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    path = folder / "damaged.docx"
    path.write_bytes(bytes(data))
    read_or_refuse(path)


@fuzz(30)
@given(names=st.lists(st.sampled_from(["word/document.xml", "[Content_Types].xml", "_rels/.rels", "x"]), max_size=4),
       body=st.binary(max_size=200))
def test_zip_packages_that_are_no_word_file_raise_only_cotag_errors(folder, names, body):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in dict.fromkeys(names):
            package.writestr(name, body)
    path = folder / "package.docx"
    path.write_bytes(buffer.getvalue())
    read_or_refuse(path)


@fuzz(150)
@given(text=st.one_of(CODEBOOK_TEXT, TEXT))
def test_codebook_checker_reports_and_never_raises(text):
    codebook, problems = parse_codebook_text(text, "fuzz.yaml")
    assert (codebook is None) == bool(problems)
    for problem in problems:
        assert problem.file == "fuzz.yaml" and (problem.line is None or problem.line >= 1)


@fuzz(60)
@given(data=encoded(CODEBOOK_TEXT))
def test_codebook_files_are_checked_without_raising(folder, data):
    path = folder / "fuzz-codebook.yaml"
    path.write_bytes(data)
    codebook, problems = check_codebook(path)
    assert (codebook is None) == bool(problems)
