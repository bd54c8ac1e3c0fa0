"""Reading transcripts: every format, encodings, front matter, and the errors a user sees."""

import zipfile
from pathlib import Path

import docx
import pytest

from cotag.corpus import formats
from cotag.corpus.formats import SUPPORTED_SUFFIXES, ParsedTranscript, TranscriptError, read_transcript
from cotag.errors import CotagError


def turn_view(tr):
    return [(t.speaker, t.is_interviewer, tr.text[t.start : t.end]) for t in tr.turns]


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode(encoding))
    return path


def error_of(path):
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    return info.value


# --- txt / md: front matter, normalisation, turns ------------------------------------------

INTERVIEW = """---
id: E001
group: expert
gender: female
age: 34
occupation: lecturer
place: Almaty
interviewed: 2018-10-05
---

Interviewer: Why would you leave?

Respondent: The salary is low.
It does not match my qualification.
"""


def test_txt_with_front_matter(tmp_path):
    tr = read_transcript(write(tmp_path, "E001.txt", INTERVIEW))
    assert isinstance(tr, ParsedTranscript)
    assert tr.format == "txt"
    assert tr.path == tmp_path / "E001.txt"
    assert tr.metadata == {
        "id": "E001",
        "group": "expert",
        "gender": "female",
        "age": 34,
        "occupation": "lecturer",
        "place": "Almaty",
        "interviewed": "2018-10-05",  # YAML dates become ISO strings (JSON-safe attributes)
    }
    assert isinstance(tr.metadata["age"], int)
    assert tr.text.startswith("Interviewer: Why would you leave?")
    assert "---" not in tr.text
    assert turn_view(tr) == [
        ("Interviewer", True, "Why would you leave?"),
        ("Respondent", False, "The salary is low.\nIt does not match my qualification."),
    ]


def test_graduate_attributes_keep_yaml_types(tmp_path):
    text = (
        "---\nid: G017\ngroup: graduate\ndegree_level: PhD\nfield: economics\ndegree_country: Germany\n"
        "residence_country: Kazakhstan\nyears_abroad: 4.5\nlanguages: [kazakh, russian]\n---\nR: Text."
    )
    tr = read_transcript(write(tmp_path, "G017.md", text))
    assert tr.format == "md"
    assert tr.metadata["years_abroad"] == 4.5
    assert tr.metadata["languages"] == ["kazakh", "russian"]
    assert tr.text == "R: Text."


def test_markdown_suffix_and_bold_labels(tmp_path):
    tr = read_transcript(write(tmp_path, "a.markdown", "**Interviewer:** Hi?\n\n**Respondent:** Hello.\n"))
    assert tr.format == "md"
    assert turn_view(tr) == [("Interviewer", True, "Hi?"), ("Respondent", False, "Hello.")]


def test_no_front_matter_gives_empty_metadata(tmp_path):
    tr = read_transcript(write(tmp_path, "plain.txt", "Just one paragraph.\n\nAnd another."))
    assert tr.metadata == {}
    assert turn_view(tr) == [("", False, "Just one paragraph."), ("", False, "And another.")]


def test_bom_and_crlf_are_normalised(tmp_path):
    raw = b"\xef\xbb\xbf---\r\nid: E002\r\n---\r\nI: Question?\r\nR: Answer.\rMore.\r\n"
    tr = read_transcript(write(tmp_path, "bom.txt", raw))
    assert tr.metadata == {"id": "E002"}
    assert tr.text == "I: Question?\nR: Answer.\nMore."
    assert "\ufeff" not in tr.text and "\r" not in tr.text
    assert turn_view(tr) == [("I", True, "Question?"), ("R", False, "Answer.\nMore.")]


def test_windows_1251_file(tmp_path):
    text = "---\nid: E003\nplace: Караганда\n---\nИнтервьюер: Почему вы уехали?\nРеспондент: Зарплата — низкая.\n"
    tr = read_transcript(write(tmp_path, "cp.txt", text, encoding="cp1251"))
    assert tr.metadata == {"id": "E003", "place": "Караганда"}
    assert turn_view(tr) == [("Интервьюер", True, "Почему вы уехали?"), ("Респондент", False, "Зарплата — низкая.")]


def test_utf16_with_bom(tmp_path):
    tr = read_transcript(write(tmp_path, "u16.txt", "R: Сәлем.\n".encode("utf-16")))
    assert turn_view(tr) == [("R", False, "Сәлем.")]


def test_undecodable_file(tmp_path):
    # Invalid UTF-8, and too little text for any other encoding to read it with confidence.
    e = error_of(write(tmp_path, "bad.txt", b"line one\nline \x98\xff two\n"))
    assert "byte 0x98 is not valid UTF-8" in str(e) and "tried UTF-8" in str(e) and "Windows-1251" in str(e)
    assert e.line == 2
    assert str(e).startswith(f"{tmp_path / 'bad.txt'}:2: cannot tell the text's encoding")


def test_cp1251_guess_rejected_when_it_does_not_look_like_text(tmp_path):
    e = error_of(write(tmp_path, "noise.txt", bytes(range(1, 32)) + b"\xc0\xff\xfe\xfd" * 20))
    assert "cannot tell the text's encoding" in str(e)


def test_utf8_bom_with_bad_bytes_is_not_guessed_as_cp1251(tmp_path):
    e = error_of(write(tmp_path, "bombad.txt", b"\xef\xbb\xbfR: \xcf\xf0\xe8\xe2\xe5\xf2"))
    assert "cannot decode" in str(e)


def test_binary_file(tmp_path):
    e = error_of(write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)))
    assert "binary file" in str(e)
    assert e.line is None


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \r\n"])
def test_empty_file(tmp_path, content):
    e = error_of(write(tmp_path, "empty.txt", content))
    assert "empty transcript" in str(e)


def test_only_front_matter_is_empty(tmp_path):
    e = error_of(write(tmp_path, "fm.txt", "---\nid: E001\n---\n\n  \n"))
    assert "empty transcript" in str(e)


def test_yaml_error_reports_the_file_line(tmp_path):
    text = "---\nid: E001\ngroup: expert\nage: [34\n---\nR: text\n"
    e = error_of(write(tmp_path, "yaml.txt", text))
    assert "invalid YAML in front matter" in str(e)
    assert e.line is not None and 4 <= e.line <= 5
    text = "---\nid: E001\n  bad: indent\n---\nR: text\n"
    e = error_of(write(tmp_path, "yaml2.txt", text))
    assert e.line == 3
    assert str(e).startswith(f"{tmp_path / 'yaml2.txt'}:3: invalid YAML in front matter")


def test_front_matter_must_be_a_mapping(tmp_path):
    e = error_of(write(tmp_path, "list.txt", "---\n- a\n- b\n---\nR: text\n"))
    assert "mapping" in str(e)
    e = error_of(write(tmp_path, "scalar.txt", "---\njust words\n---\nR: text\n"))
    assert "mapping" in str(e)


def test_unclosed_front_matter(tmp_path):
    e = error_of(write(tmp_path, "open.txt", "---\nid: E001\nR: text\n"))
    assert "never closed" in str(e)
    assert e.line == 1


def test_empty_front_matter_block(tmp_path):
    tr = read_transcript(write(tmp_path, "e.txt", "---\n---\nR: text\n"))
    assert tr.metadata == {}
    assert tr.text == "R: text"


def test_yaml_alias_bomb_is_refused(tmp_path):
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    lines += ["---", "R: text"]
    e = error_of(write(tmp_path, "bomb.txt", "\n".join(lines)))
    assert "front matter" in str(e)


# --- docx --------------------------------------------------------------------------------


def make_docx(path, paragraphs, table=None, title=None):
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
        document.add_paragraph("R: After the table.")
    if title:
        document.core_properties.title = title
        document.core_properties.author = "Someone Else"
    document.save(str(path))
    return path


def test_docx_with_front_matter_table_and_turns(tmp_path):
    path = make_docx(
        tmp_path / "E010.docx",
        ["---", "id: E010", "group: expert", "age: 51", "---", "", "Interviewer: Where do you live?", "",
         "Respondent: In Aktau.", "My children study abroad."],
        table=[["Year", "Salary"], ["2018", "$767"]],
        title="Unrelated template title",
    )
    tr = read_transcript(path)
    assert tr.format == "docx"
    assert tr.metadata == {"id": "E010", "group": "expert", "age": 51}
    assert tr.text == (
        "Interviewer: Where do you live?\n\nRespondent: In Aktau.\n\nMy children study abroad."
        "\n\nYear | Salary\n\n2018 | $767\n\nR: After the table."
    )
    assert turn_view(tr) == [
        ("Interviewer", True, "Where do you live?"),
        ("Respondent", False, "In Aktau.\n\nMy children study abroad.\n\nYear | Salary\n\n2018 | $767"),
        ("R", False, "After the table."),
    ]


def test_docx_without_labels_or_front_matter(tmp_path):
    tr = read_transcript(make_docx(tmp_path / "p.docx", ["First paragraph.", "  ", "Second paragraph."]))
    assert tr.metadata == {}
    assert turn_view(tr) == [("", False, "First paragraph."), ("", False, "Second paragraph.")]


def test_docx_front_matter_errors(tmp_path):
    e = error_of(make_docx(tmp_path / "y.docx", ["---", "id: [E010", "---", "R: text"]))
    assert "invalid YAML in front matter" in str(e)
    e = error_of(make_docx(tmp_path / "u.docx", ["---", "id: E010", "R: text"]))
    assert "never closed" in str(e)


def test_empty_docx(tmp_path):
    e = error_of(make_docx(tmp_path / "empty.docx", ["", "   "]))
    assert "empty transcript" in str(e)


def test_broken_docx(tmp_path):
    e = error_of(write(tmp_path, "broken.docx", b"PK\x03\x04 this is not really a zip"))
    assert "not a readable Word .docx file" in str(e)
    e = error_of(write(tmp_path, "text.docx", "Interviewer: plain text renamed to .docx"))
    assert "not a readable Word .docx file" in str(e)
    e = error_of(write(tmp_path, "zero.docx", b""))
    assert "not a readable Word .docx file" in str(e)
    with zipfile.ZipFile(tmp_path / "zip.docx", "w") as z:
        z.writestr("hello.txt", "not a word document")
    e = error_of(tmp_path / "zip.docx")
    assert "not a readable Word .docx file" in str(e)
    # A real docx cut in half.
    good = make_docx(tmp_path / "good.docx", ["R: text"]).read_bytes()
    e = error_of(write(tmp_path, "cut.docx", good[: len(good) // 2]))
    assert "not a readable Word .docx file" in str(e)


# --- vtt ---------------------------------------------------------------------------------

VTT = """WEBVTT - interview G017
Kind: captions

STYLE
::cue { color: white }

NOTE recorded on Zoom
over two lines

1
00:00:01.000 --> 00:00:04.000 align:start
<v Interviewer>Why did you <i>choose</i> Germany?</v>

2
00:00:04.500 --> 00:00:07.000
<v Asel>The <c.yellow>university</c> was good
and free.</v>

00:07.100 --> 00:00:09.000
<v Asel>Also <00:00:08.000>my sister lived there &amp; helped.</v>

3
00:00:09.000 --> 00:00:12.000
Interviewer: And now?

4
00:00:12.000 --> 00:00:13.000
<v.loud Asel>I want to come back.
"""


def test_vtt_voices_merge_and_layout(tmp_path):
    tr = read_transcript(write(tmp_path, "G017.vtt", VTT))
    assert tr.format == "vtt"
    assert tr.metadata == {}
    assert tr.text == (
        "Interviewer: Why did you choose Germany?\n\n"
        "Asel: The university was good and free. Also my sister lived there & helped.\n\n"
        "Interviewer: And now?\n\n"
        "Asel: I want to come back."
    )
    assert turn_view(tr) == [
        ("Interviewer", True, "Why did you choose Germany?"),
        ("Asel", False, "The university was good and free. Also my sister lived there & helped."),
        ("Interviewer", True, "And now?"),
        ("Asel", False, "I want to come back."),
    ]


def test_vtt_two_voices_in_one_cue_and_unlabelled_continuation(tmp_path):
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Q>Ready?</v>\n<v R>Yes.</v>\n\n"
        "00:00:02.000 --> 00:00:03.000\nwe can start\n"
    )
    tr = read_transcript(write(tmp_path, "two.vtt", text))
    assert turn_view(tr) == [("Q", True, "Ready?"), ("R", False, "Yes. we can start")]


def test_vtt_without_speakers_splits_on_pauses(tmp_path):
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfirst part\n\n00:00:02.500 --> 00:00:03.000\nof a sentence.\n\n"
        "00:00:09.000 --> 00:00:10.000\nAfter a pause.\n"
    )
    tr = read_transcript(write(tmp_path, "plain.vtt", text))
    assert turn_view(tr) == [("", False, "first part of a sentence."), ("", False, "After a pause.")]
    assert tr.text == "first part of a sentence.\n\nAfter a pause."


def test_vtt_errors(tmp_path):
    e = error_of(write(tmp_path, "nohead.vtt", "00:00:01.000 --> 00:00:02.000\nhi\n"))
    assert e.line == 1 and "WEBVTT" in str(e)
    e = error_of(write(tmp_path, "badtime.vtt", "WEBVTT\n\n1\n00:00:01 --> 00:00:02.000\nhi\n"))
    assert e.line == 4 and "malformed cue timing" in str(e)
    e = error_of(write(tmp_path, "notime.vtt", "WEBVTT\n\n1\nhello\n"))
    assert e.line == 4
    e = error_of(write(tmp_path, "nocue.vtt", "WEBVTT\n\nNOTE nothing here\n"))
    assert "empty transcript" in str(e)


# --- srt ---------------------------------------------------------------------------------

SRT = """1
00:00:01,000 --> 00:00:04,000
Interviewer: Why did you leave
Kazakhstan?

2
00:00:04,500 --> 00:00:06,000
[Asel] Mostly <i>the salary</i>.

3
00:00:06,000 --> 00:00:08,000
It was too low.

4
00:00:08,000 --> 00:00:10,000
- Interviewer: And your family?
- Asel: They stayed.
"""


def test_srt_speakers_and_merging(tmp_path):
    tr = read_transcript(write(tmp_path, "G001.srt", SRT))
    assert tr.format == "srt"
    assert turn_view(tr) == [
        ("Interviewer", True, "Why did you leave Kazakhstan?"),
        ("Asel", False, "Mostly the salary. It was too low."),
        ("Interviewer", True, "And your family?"),
        ("Asel", False, "They stayed."),
    ]
    assert tr.text.split("\n\n")[1] == "Asel: Mostly the salary. It was too low."


def test_srt_cp1251_and_crlf(tmp_path):
    text = (
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nИнтервьюер: Почему?\r\n\r\n"
        "2\r\n00:00:02,000 --> 00:00:03,000\r\nРеспондент: Зарплата.\r\n"
    )
    tr = read_transcript(write(tmp_path, "ru.srt", text, encoding="cp1251"))
    assert turn_view(tr) == [("Интервьюер", True, "Почему?"), ("Респондент", False, "Зарплата.")]


def test_srt_malformed_timestamp_has_line(tmp_path):
    text = "1\n00:00:01,000 --> 00:00:02,000\nR: ok\n\n2\n00:00:03 --> 00:00:04,000\nR: bad\n"
    e = error_of(write(tmp_path, "bad.srt", text))
    assert e.line == 6
    assert "malformed subtitle timing" in str(e)
    assert str(e).startswith(f"{tmp_path / 'bad.srt'}:6: ")
    e = error_of(write(tmp_path, "nontiming.srt", "1\nhello there\n"))
    assert e.line == 2


def test_srt_blank_line_inside_cue_text_continues(tmp_path):
    text = "1\n00:00:01,000 --> 00:00:02,000\nR: first line\n\nsecond line\n"
    tr = read_transcript(write(tmp_path, "gap.srt", text))
    assert turn_view(tr) == [("R", False, "first line second line")]


# --- dispatch and errors -------------------------------------------------------------------


def test_supported_suffixes_and_dispatch_is_case_insensitive(tmp_path):
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".markdown", ".docx", ".vtt", ".srt")
    tr = read_transcript(write(tmp_path, "UPPER.TXT", "R: ok"))
    assert tr.format == "txt"


def test_unsupported_suffix(tmp_path):
    e = error_of(write(tmp_path, "a.pdf", b"%PDF-1.4"))
    assert "unsupported file type '.pdf'" in str(e)
    e = error_of(write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0"))
    assert "save it as .docx" in str(e)


def test_missing_file_and_folder(tmp_path):
    e = error_of(tmp_path / "missing.txt")
    assert "file not found" in str(e)
    (tmp_path / "dir.txt").mkdir()
    e = error_of(tmp_path / "dir.txt")
    assert str(e).startswith(str(tmp_path / "dir.txt") + ": ")
    e = error_of(tmp_path / "missing.docx")
    assert "file not found" in str(e)


def test_transcript_error_format():
    e = TranscriptError(Path("a/b.txt"), "bad thing", line=7)
    assert str(e) == "a/b.txt:7: bad thing"
    assert (e.path, e.line, e.message) == (Path("a/b.txt"), 7, "bad thing")
    assert str(TranscriptError("a/b.txt", "bad")) == "a/b.txt: bad"
    assert isinstance(e, CotagError)


def test_read_transcript_accepts_str_path(tmp_path):
    write(tmp_path, "s.txt", "R: ok")
    assert read_transcript(str(tmp_path / "s.txt")).path == Path(tmp_path / "s.txt")


def test_every_turn_slices_its_content(tmp_path):
    paths = [
        write(tmp_path, "a.txt", INTERVIEW),
        write(tmp_path, "b.vtt", VTT),
        write(tmp_path, "c.srt", SRT),
        make_docx(tmp_path / "d.docx", ["I: One?", "R: Two."]),
    ]
    for path in paths:
        tr = read_transcript(path)
        assert tr.turns
        for t in tr.turns:
            content = tr.text[t.start : t.end]
            assert content and content == content.strip()


def test_module_exports_contract_names():
    for name in ("TranscriptError", "Turn", "ParsedTranscript", "read_transcript", "SUPPORTED_SUFFIXES"):
        assert hasattr(formats, name)


def test_yaml_error_names_the_line_where_an_unclosed_bracket_opened(tmp_path):
    e = error_of(write(tmp_path, "open.md", "---\nid: E001\nplace: [Almaty\ngroup: expert\n---\nR: text\n"))
    assert e.line == 4  # where the parser gave up
    assert "(while parsing a flow sequence that starts at line 3)" in str(e)


def test_counting_words_in_turns_at_once_equals_counting_each_slice():
    """count_words_in (one numpy pass) must count exactly what the regex counts slice by slice."""
    import random

    from cotag.corpus.importer import count_words, count_words_in

    alphabet = "ab Zé_9 ,.—\n\tЖқәҰ١٢ 漢字 🙂\u0301'-"
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        cuts = sorted(rng.randint(0, len(text)) for _ in range(2 * rng.randint(0, 4)))
        ranges = list(zip(cuts[::2], cuts[1::2]))
        assert count_words_in(text, ranges) == sum(count_words(text[s:e]) for s, e in ranges), (text, ranges)
    assert count_words_in("Interviewer: Why? R: Low pay, really.", [(13, 17), (21, 37)]) == 4
    assert count_words_in("", []) == 0


# --- messy real-world material (QA round) ---------------------------------------------------


def test_docx_keeps_tracked_insertions_content_controls_fields_and_page_breaks(tmp_path):
    """python-docx's Paragraph.text drops runs inside w:ins, inline w:sdt, w:smartTag and
    w:fldSimple, and gives "" for a page break; a transcript must not lose those words."""
    from docx.enum.text import WD_BREAK
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("Interviewer: What did you earn?")
    body = document.element.body
    paragraph = parse_xml(
        f'<w:p {nsdecls("w")}><w:r><w:t xml:space="preserve">Respondent: I earned </w:t></w:r>'
        '<w:ins w:id="1" w:author="T" w:date="2020-01-01T00:00:00Z">'
        '<w:r><w:t xml:space="preserve">two hundred </w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="T" w:date="2020-01-01T00:00:00Z">'
        "<w:r><w:delText>three hundred </w:delText></w:r></w:del>"
        "<w:r><w:t>dollars.</w:t></w:r>"
        '<w:sdt><w:sdtContent><w:r><w:t xml:space="preserve"> It was nothing.</w:t></w:r></w:sdtContent></w:sdt>'
        '<w:smartTag w:uri="x" w:element="place"><w:r><w:t xml:space="preserve"> In Almaty.</w:t></w:r></w:smartTag>'
        '<w:fldSimple w:instr="DATE"><w:r><w:t xml:space="preserve"> In 2020.</w:t></w:r></w:fldSimple>'
        "</w:p>"
    )
    body.insert(len(body) - 1, paragraph)
    p = document.add_paragraph("Interviewer: And then?")
    p.add_run().add_break(WD_BREAK.PAGE)
    p.add_run("Next page.")
    document.save(str(tmp_path / "tracked.docx"))
    tr = read_transcript(tmp_path / "tracked.docx")
    assert turn_view(tr) == [
        ("Interviewer", True, "What did you earn?"),
        ("Respondent", False, "I earned two hundred dollars. It was nothing. In Almaty. In 2020."),
        ("Interviewer", True, "And then?\nNext page."),
    ]


def test_front_matter_leading_zeros_and_times_stay_text(tmp_path):
    """YAML 1.1 reads 010 as octal 8 and 10:30 as 630; an interview id 010 must stay '010'."""
    tr = read_transcript(write(tmp_path, "x.md", "---\nid: 010\nseq: 007\ntime: 10:30\nlength: 1:05:30\n"
                                                 "age: 34\nshare: 0.5\nbig: 1_000\ndate: 2021-03-04\n---\nR: text.\n"))
    assert tr.metadata == {"id": "010", "seq": "007", "time": "10:30", "length": "1:05:30", "age": 34,
                           "share": 0.5, "big": 1000, "date": "2021-03-04"}


def test_utf16_without_bom_is_named_not_called_binary(tmp_path):
    for codec in ("utf-16-le", "utf-16-be"):
        e = error_of(write(tmp_path, f"{codec}.txt", "Интервьюер: Почему?\nРеспондент: Да.\n", encoding=codec))
        assert "UTF-16 text without a byte order mark" in str(e) and "save the file as UTF-8" in str(e)
    e = error_of(write(tmp_path, "bin.txt", bytes(range(256)) * 20))
    assert "binary file" in str(e)


def test_vtt_cue_right_below_the_header_is_not_dropped(tmp_path):
    tr = read_transcript(write(tmp_path, "nb.vtt", "WEBVTT\nKind: captions\n1\n00:00:01.000 --> 00:00:02.000\n"
                                                   "<v Asel>First cue.\n\n00:00:03.000 --> 00:00:04.000\n"
                                                   "<v Dana>Second.\n"))
    assert tr.text == "Asel: First cue.\n\nDana: Second."
    e = error_of(write(tmp_path, "bad.vtt", "WEBVTT\n00:00:01.000 --> 00:00:0x.000\nHello\n"))
    assert e.line == 2 and "malformed cue timing" in str(e)


def test_deeply_nested_front_matter_is_an_error_for_that_file(tmp_path):
    e = error_of(write(tmp_path, "deep.md", "---\nx: " + "[" * 500 + "]" * 500 + "\n---\nR: text.\n"))
    assert "front matter is nested too deeply" in str(e) and e.line == 2


def test_control_characters_become_line_breaks_or_are_dropped(tmp_path):
    """Word's plain text writes a manual line break as \\v and a page break as \\f; a NUL past the
    first 8 KB would make PostgreSQL refuse the whole import; ESC would drive the terminal."""
    tr = read_transcript(write(tmp_path, "c.txt", "Interviewer: Why?\vRespondent: Pay.\fR: Next page.\u2028Line."
                                                  "\u2029Paragraph \x1b[1mbold\x07." + " word" * 3000 + "\x00 end.\n"))
    assert "\x00" not in tr.text and "\x1b" not in tr.text and "\x07" not in tr.text
    assert tr.text.startswith("Interviewer: Why?\nRespondent: Pay.\nR: Next page.\nLine.\n\nParagraph [1mbold.")
    assert [t.speaker for t in tr.turns] == ["Interviewer", "Respondent", "R"]
    # Two files with a byte order mark joined into one: the second BOM does not hide a label.
    tr = read_transcript(write(tmp_path, "joined.txt", "\ufeffI: One?\nR: Yes.\n\ufeffI: Two?\nR: No.\n"))
    assert turn_view(tr) == [("I", True, "One?"), ("R", False, "Yes."), ("I", True, "Two?"), ("R", False, "No.")]


def test_a_front_matter_key_given_twice_is_an_error_not_a_silent_choice(tmp_path):
    e = error_of(write(tmp_path, "twice.md", "---\nid: E1\ngender: male\ngender: female\n---\nR: text.\n"))
    assert e.line == 4 and "found duplicate key 'gender'" in str(e)
    # A merge key ("<<: *base") may still be overridden.
    tr = read_transcript(write(tmp_path, "merge.md", "---\nbase: &b {gender: male}\nperson:\n  <<: *b\n"
                                                     "  gender: female\n---\nR: text.\n"))
    assert tr.metadata["person"] == {"gender": "female"}
