"""Broken and hostile transcripts: each is an error that names the file (and line), never a crash.

The cases come from an outside review (issue 13): each of them used to end a whole `cotag import`
with a traceback, or stored something other than what the file says.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from cotag.corpus import formats, limits
from cotag.corpus.formats import TranscriptError, read_transcript


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def error_of(path):
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    return info.value


def front(value_lines: str) -> str:
    return f"---\nid: X1\n{value_lines}\n---\nR: Some text.\n"


# --- front matter values no one can store ------------------------------------------------


@pytest.mark.parametrize("value, says", [
    ("born: 2018-13-45", "'2018-13-45' is not a real date or time (month must be in 1..12)"),
    ("seen: 2018-02-30 25:61:61", "'2018-02-30 25:61:61' is not a real date or time"),
    ("seen: 2018-02-30", "'2018-02-30' is not a real date or time (day is out of range for month)"),
    ("at: 2018-02-28 10:00:00 +25:00", "is not a real date or time"),
    ("n: " + "9" * 4301, "a number of 4,301 digits"),
    ("n: 0x" + "f" * 5000, "digits"),
    ("blob: !!binary aGVsbG8=", "binary data (!!binary) cannot be an attribute"),
    ("score: .nan", "'.nan' is not a number an attribute can hold"),
    ("score: -.inf", "'-.inf' is not a number"),
    ("score: 1.0e+999", "'1.0e+999' is not a number"),
    ('note: "a\\0b"', "contains a NUL character"),
    ('note: "bell \\a"', "contains the character '\\x07'"),
    ('"key\\0": 1', "contains a NUL character"),
    ("n: !!int ten", "'ten' is not a valid int"),
    ("flag: !!bool maybe", "'maybe' is not a valid bool"),
    ("when: !!timestamp soon", "'soon' is not a valid timestamp"),
])
def test_unstorable_front_matter_value_is_an_error_at_its_line(tmp_path, value, says):
    e = error_of(write(tmp_path, "x.md", front(value)))
    assert says in str(e)
    assert e.line == 3 and str(e).startswith(f"{tmp_path / 'x.md'}:3: ")
    assert "write" in str(e) or "stored" in str(e) or "valid" in str(e)  # says what to do or why


def test_valid_dates_numbers_and_quoted_values_still_read(tmp_path):
    tr = read_transcript(write(tmp_path, "ok.md", front(
        'born: 2018-12-31\nseen: 2018-02-28 23:59:59\nbig: "' + "9" * 5000 + '"\nscore: ".nan"\n'
        "long: " + "1" * limits.MAX_NUMBER_DIGITS + "\nneg: -0.5")))
    assert tr.metadata["born"] == "2018-12-31" and tr.metadata["seen"] == "2018-02-28T23:59:59"
    assert tr.metadata["big"] == "9" * 5000 and tr.metadata["score"] == ".nan"
    assert tr.metadata["long"] == int("1" * limits.MAX_NUMBER_DIGITS) and tr.metadata["neg"] == -0.5


def test_front_matter_in_a_docx_is_checked_the_same_way(tmp_path):
    document = docx.Document()
    for line in ("---", "id: W1", "born: 2018-13-45", "---", "R: Text."):
        document.add_paragraph(line)
    document.save(tmp_path / "w.docx")
    e = error_of(tmp_path / "w.docx")
    assert "Word front matter block line 2" in str(e) and "not a real date" in str(e)


def test_keys_are_kept_as_written_so_one_and_true_do_not_collide(tmp_path):
    tr = read_transcript(write(tmp_path, "k.md", "---\n1: a\ntrue: b\nyes: c\n~: d\n2018-01-01: e\n---\nR: Hi.\n"))
    assert tr.metadata == {"1": "a", "true": "b", "yes": "c", "~": "d", "2018-01-01": "e"}


def test_a_key_given_twice_is_named_as_written(tmp_path):
    e = error_of(write(tmp_path, "d.md", "---\n1: a\n'1': b\n---\nR: Hi.\n"))
    assert "found duplicate key '1'" in str(e) and e.line == 3
    # Written differently, two keys: both are kept.
    assert read_transcript(write(tmp_path, "d2.md", "---\nTrue: a\ntrue: b\n---\nR: Hi.\n")).metadata == {
        "True": "a", "true": "b"}


def test_a_list_as_key_is_named(tmp_path):
    e = error_of(write(tmp_path, "l.md", "---\n? [a, b]\n: c\n---\nR: Hi.\n"))
    assert "a key must be a word or text, not a list" in str(e) and e.line == 2


def test_merge_keys_still_work_and_may_be_overridden(tmp_path):
    tr = read_transcript(write(tmp_path, "m.md", "---\nbase: &b {city: Almaty, age: 30}\nme: {<<: *b, age: 31}\n"
                                                 "---\nR: Hi.\n"))
    assert tr.metadata["me"] == {"city": "Almaty", "age": 31}


def test_front_matter_that_contains_itself_is_named(tmp_path):
    e = error_of(write(tmp_path, "r.md", front("loop: &a [*a]")))
    assert "front matter refers to itself" in str(e)


def test_front_matter_alias_bomb_is_refused(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    e = error_of(write(tmp_path, "bomb.md", front("\n".join(lines))))
    assert f"more than {limits.MAX_FRONT_MATTER_VALUES:,} values" in str(e)


# --- subtitle hours of thousands of digits -------------------------------------------------


def test_vtt_hour_field_of_thousands_of_digits_is_a_malformed_timing(tmp_path):
    e = error_of(write(tmp_path, "h.vtt", "WEBVTT\n\n" + "9" * 5000 + ":00:00.000 --> 00:00:01.000\nR: hi\n"))
    assert e.line == 3 and "malformed cue timing" in str(e)
    assert len(str(e)) < 400  # the 5000-digit line is shortened in the message


def test_vtt_hours_of_a_normal_length_still_read(tmp_path):
    tr = read_transcript(write(tmp_path, "ok.vtt", "WEBVTT\n\n123:00:00.000 --> 123:00:01.000\nR: late\n"))
    assert tr.text == "R: late"


def test_srt_hour_field_of_thousands_of_digits(tmp_path):
    # SRT hours were always bounded (three digits); kept here so the two formats stay alike.
    e = error_of(write(tmp_path, "h.srt", "1\n" + "9" * 5000 + ":00:00,000 --> 00:00:01,000\nhi\n"))
    assert e.line == 2 and "malformed subtitle timing" in str(e)


# --- limits ---------------------------------------------------------------------------------


def test_a_transcript_over_the_size_limit_is_refused_by_name(tmp_path):
    path = write(tmp_path, "huge.txt", b"R: " + b"word " * (limits.MAX_TRANSCRIPT_BYTES // 5 + 1))
    e = error_of(path)
    assert str(e) == f"{path}: file is larger than the 4 MiB a transcript may have; split it into several transcripts"


def test_the_size_limit_is_read_when_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_TRANSCRIPT_BYTES", 100)
    assert read_transcript(write(tmp_path, "small.txt", "R: " + "a" * 97)).text == "R: " + "a" * 97
    assert "larger than the 100 bytes" in str(error_of(write(tmp_path, "big.txt", "R: " + "a" * 98)))


def docx_bytes(paragraphs, extra_parts=()):
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buffer = io.BytesIO()
    document.save(buffer)
    if not extra_parts:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        for name, data in extra_parts:
            dst.writestr(name, data)
    return out.getvalue()


def test_a_docx_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_DOCX_UNPACKED_BYTES", 2 * 1024 * 1024)
    path = write(tmp_path, "bomb.docx", docx_bytes(["R: Hello."], [("word/media/zeros.bin", bytes(3 * 1024 * 1024))]))
    assert path.stat().st_size < 100_000  # small on disk, large unpacked
    e = error_of(path)
    assert "unpacks to more than 2 MiB" in str(e) and str(e).startswith(str(path))


def test_a_docx_whose_zip_understates_a_part_is_refused(tmp_path, monkeypatch):
    """A part that claims to unpack to 10 bytes: the claim passes the size check, but what unpacking
    yields is counted (zipfile stops at the claimed size and the part's checksum fails)."""
    monkeypatch.setattr(limits, "MAX_DOCX_UNPACKED_BYTES", 2 * 1024 * 1024)
    name = b"word/media/zeros.bin"
    data = bytearray(docx_bytes(["R: Hello."], [(name.decode(), bytes(3 * 1024 * 1024))]))
    real, claimed = (3 * 1024 * 1024).to_bytes(4, "little"), (10).to_bytes(4, "little")
    patched = 0
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at: at + name_at + len(name)] == name and data[at + size_at: at + size_at + 4] == real:
                data[at + size_at: at + size_at + 4] = claimed
                patched += 1
            at = data.find(signature, at + 4)
    assert patched == 2  # the local header and the central directory
    path = write(tmp_path, "liar.docx", bytes(data))
    with zipfile.ZipFile(path) as package:
        assert package.getinfo(name.decode()).file_size == 10
    e = error_of(path)
    assert str(e).startswith(f"{path}: not a readable Word .docx file")


def test_the_text_of_a_docx_is_held_to_the_transcript_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_TRANSCRIPT_BYTES", 1000)
    path = write(tmp_path, "long.docx", docx_bytes(["R: " + "word " * 300]))
    assert "the text is larger than the 1,000 bytes" in str(error_of(path))


def test_a_docx_file_over_its_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_DOCX_BYTES", 1000)
    path = write(tmp_path, "photo.docx", docx_bytes(["R: Hello."]))
    assert "file is larger than the 1,000 bytes" in str(error_of(path))


# --- encodings --------------------------------------------------------------------------------

FRENCH = ("Interviewer: Où êtes-vous né? Pourquoi êtes-vous parti?\n"
          "Respondent: À Genève, près du lac. Très joli. Le salaire était trop bas, et ma famille est restée là-bas.\n")
GERMAN = "I: Warum sind Sie gegangen?\nR: Die Löhne waren zu niedrig, und die Straße war schön.\n"
RUSSIAN = ("Интервьюер: Почему вы решили уехать из Караганды? Расскажите подробнее.\n"
           "Респондент: Зарплата была низкая, а семья осталась здесь. Ещё жильё дорогое.\n")
RUSSIAN_WINDOWS = RUSSIAN.replace("Ещё", "Ещё — «всё»,") + "Интервьюер: Дом №5?\n"
KAZAKH = ("Сұхбат алушы: Неге кеттіңіз? Сізге қала ұнады ма?\n"
          "Жауап: Жалақы төмен болды. Отбасым қалды, әкем ауырып қалды.\n")


@pytest.mark.parametrize("text, codec", [(FRENCH, "latin-1"), (GERMAN, "latin-1"), (FRENCH, "cp1252")],
                         ids=["french-latin1", "german-latin1", "french-cp1252"])
def test_latin1_is_read_as_latin1_not_as_cyrillic(tmp_path, text, codec):
    tr = read_transcript(write(tmp_path, "fr.txt", text, encoding=codec))
    assert tr.text == text.strip()


@pytest.mark.parametrize("text, codec", [(RUSSIAN_WINDOWS, "cp1251"), (RUSSIAN, "koi8_r"), (RUSSIAN, "cp866"),
                                         (KAZAKH, "kz1048"), (RUSSIAN_WINDOWS * 200, "cp1251")],
                         ids=["cp1251", "koi8-r", "cp866", "kazakh-kz1048", "cp1251-long"])
def test_cyrillic_in_windows_and_older_encodings_reads_correctly(tmp_path, text, codec):
    tr = read_transcript(write(tmp_path, "ru.txt", text, encoding=codec))
    assert tr.text == text.strip()


def test_kazakh_text_saved_as_windows_1251_keeps_what_1251_could_hold(tmp_path):
    # Windows-1251 has no ә, қ, ң...: the editor that saved it wrote "?" for them, and the rest must be right.
    text = "Интервьюер: Сіз неге Алматыға көштіңіз?\nРеспондент: Жұмыс іздедім, ауылда жұмыс жоқ еді.\n"
    tr = read_transcript(write(tmp_path, "kk.txt", text.encode("cp1251", "replace")))
    assert tr.text == text.encode("cp1251", "replace").decode("cp1251").strip()


def test_a_file_mixing_utf8_and_cp1251_is_refused_naming_both_lines(tmp_path):
    data = "R: Привет мир, как дела?\n".encode() + "R: Почему вы уехали из города?\n".encode("cp1251")
    e = error_of(write(tmp_path, "mixed.txt", data))
    assert "mixes encodings: line 1 is UTF-8 but line 2 is not (byte 0xcf)" in str(e) and e.line == 2


def test_a_file_too_short_to_tell_is_refused_naming_the_readings_and_what_was_tried(tmp_path):
    e = error_of(write(tmp_path, "cafe.txt", "R: café\n", encoding="latin-1"))
    message = str(e)
    assert "cannot tell the text's encoding: byte 0xe9 is not valid UTF-8" in message
    assert "'cafй'" in message and "'café'" in message
    for name in formats.GUESSED_ENCODINGS.values():
        assert name in message
    assert message.endswith("save the file as UTF-8") and e.line == 1


def test_binary_that_is_no_encoding_is_refused(tmp_path):
    e = error_of(write(tmp_path, "noise.txt", bytes(range(128, 256)) * 10))
    assert "cannot tell the text's encoding" in str(e)


def test_a_pasted_single_foreign_byte_in_a_utf8_file_is_refused(tmp_path):
    data = "Респондент: Да, конечно, всё так.\n".encode() * 3 + b"R: caf\xe9\n"
    e = error_of(write(tmp_path, "one.txt", data))
    assert "mixes encodings" in str(e) and e.line == 4
