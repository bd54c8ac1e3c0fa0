"""REFI-QDA codebooks: Description packing, YAML -> .qdc -> YAML without loss, other tools' .qdc files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
import xmlschema

from cotag.codebook import Codebook, CodeSpec, load_codebook, save_codebook
from cotag.refi import RefiError
from cotag.refi.qdc import (
    CodeFields,
    codebook_to_fields,
    export_qdc,
    import_qdc,
    pack_description,
    read_qdc,
    unpack_description,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "refi"
CODEBOOK_XSD = REPO / "src" / "cotag" / "refi" / "schema" / "Codebook-mrt2019.xsd"
NS = "{urn:QDA-XML:codebook:1.0}"

import sys  # noqa: E402
import uuid  # noqa: E402

sys.path.insert(0, str(FIXTURES))
# Real files from other tools, outside the repository: skipped without them, required in CI.
from shared_samples import refi_samples  # noqa: E402,F401

SPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cotag.invalid/test")


def spec_tuple(code: CodeSpec) -> tuple:
    return (code.key, code.name, code.parent, code.description, code.include, code.exclude, code.examples,
            code.keywords, code.colour, code.shortcut, code.status)


TRICKY = Codebook(title="Migration: push & pull «2018»", version=7, codes=[
    CodeSpec(key="push", name="Push factors", description="Reasons to leave.\n\nInclude:\n- not a real section",
             include=["economic reasons", "safety"], exclude=["tourism"],
             examples=["“Wages are low.”", "line one\nline two\n\nafter a blank line"], keywords=["wage", "salary"],
             colour="red", shortcut="1"),
    CodeSpec(key="wages", name="Low wages", parent="push", description="", include=[], colour="#abc",
             keywords=["- dash first", "Key: not a key"]),
    CodeSpec(key="safety", name="Safety", parent="push", description="Crime & <danger>", colour="#d9534f",
             shortcut="2", status="retired"),
    CodeSpec(key="pull", name="Pull factors", description="Reasons to go: Key: value?", examples=["  spaced  "]),
    CodeSpec(key="emoji-code", name="Family 👨‍👩‍👧 and cafe\u0301", description="Zoe\u0308 says hi 🙂"),
    CodeSpec(key="not-nested", name="Push::Pull"),  # our own "::" is a name, not an ATLAS.ti path
])


def test_pack_unpack_round_trip_exactly():
    for code in TRICKY.codes:
        fields = CodeFields(key=code.key, name=code.name, description=code.description, include=code.include,
                            exclude=code.exclude, examples=code.examples, keywords=code.keywords,
                            colour=code.colour, shortcut=code.shortcut, status=code.status)
        packed = unpack_description(pack_description(fields))
        assert packed.ours
        assert (packed.description, packed.include, packed.exclude, packed.examples, packed.keywords, packed.key,
                packed.shortcut) == (code.description, code.include, code.exclude, code.examples, code.keywords,
                                     code.key, code.shortcut)
        assert (packed.status or "active") == code.status


def test_packed_layout_is_readable():
    text = pack_description(CodeFields(key="push", name="Push", description="Reasons to leave.",
                                       include=["economic reasons"], examples=["a\nb"], shortcut="1"))
    assert text == ("Reasons to leave.\n\nInclude:\n- economic reasons\nExamples:\n- a\n  b\nKey: push\n"
                    "Shortcut: 1")


@pytest.mark.parametrize("text", [
    "thoughts about breakfast foods",
    "Include:\n- something written by hand",
    "Definition.\n\nKey: Not A Valid Key",
    "Definition.\n\nKey: fine\nSurprise: line",
    "",
])
def test_other_tools_descriptions_stay_plain_text(text):
    packed = unpack_description(text)
    assert not packed.ours
    assert packed.description == text


def test_yaml_to_qdc_to_yaml_without_loss(tmp_path):
    source = tmp_path / "codebook.yaml"
    save_codebook(Codebook(title=TRICKY.title, version=TRICKY.version - 1, codes=TRICKY.codes), source)
    original = load_codebook(source)
    assert original.version == TRICKY.version
    qdc = tmp_path / "codebook.qdc"
    export_qdc(qdc, codes=codebook_to_fields(original), title=original.title, version=original.version,
               namespace=SPACE)
    # Valid for an independent validator too (xmlschema, not the lxml one the exporter uses).
    xmlschema.XMLSchema(str(CODEBOOK_XSD)).validate(str(qdc))
    back = tmp_path / "back.yaml"
    report = import_qdc(qdc, into=back)
    assert report.warnings == []
    again = load_codebook(back)
    assert again.title == original.title
    assert again.version == original.version
    assert [spec_tuple(c) for c in again.codes] == [spec_tuple(c) for c in original.codes]


def test_demo_codebook_round_trips(tmp_path):
    original = load_codebook(REPO / "codebooks" / "migration.yaml")
    qdc = tmp_path / "migration.qdc"
    export_qdc(qdc, codes=codebook_to_fields(original), title=original.title, version=original.version,
               namespace=SPACE)
    back = tmp_path / "migration.yaml"
    import_qdc(qdc, into=back)
    again = load_codebook(back)
    assert [spec_tuple(c) for c in again.codes] == [spec_tuple(c) for c in original.codes]
    assert again.title == original.title


def test_qdc_content_hierarchy_colours_and_stable_guids(tmp_path):
    fields = codebook_to_fields(TRICKY)
    first, second = tmp_path / "a.qdc", tmp_path / "b.qdc"
    export_qdc(first, codes=fields, title="t", version=1, namespace=SPACE)
    export_qdc(second, codes=fields, title="t", version=1, namespace=SPACE)
    assert first.read_bytes() == second.read_bytes()
    root = ET.parse(first).getroot()
    top = root.find(f"{NS}Codes").findall(f"{NS}Code")
    assert [c.get("name") for c in top] == ["Push factors", "Pull factors", "Family 👨‍👩‍👧 and cafe\u0301",
                                            "Push::Pull"]
    push = top[0]
    assert [c.get("name") for c in push.findall(f"{NS}Code")] == ["Low wages", "Safety"]
    assert push.get("color") == "#DC3545"  # "red" resolved; the name itself travels in the Description
    assert push.find(f"{NS}Code").get("color") == "#ABC"
    guids = [c.get("guid") for c in root.iter(f"{NS}Code")]
    assert len(set(guids)) == len(guids) == 6
    assert all(c.get("isCodable") == "true" for c in root.iter(f"{NS}Code"))


def test_export_refuses_an_empty_codebook(tmp_path):
    with pytest.raises(RefiError, match="no codes"):
        export_qdc(tmp_path / "x.qdc", codes=[], title="t", version=0, namespace=SPACE)
    assert not (tmp_path / "x.qdc").exists()


def test_taguette_qdc_imports_leniently(tmp_path, refi_samples):
    path = refi_samples / "taguette-1.5.2_codebook.qdc"
    root = ET.parse(path).getroot()
    names = [c.get("name") for c in root.iter("{urn:QDA-XML:codebook:1.0}Code")]
    codes, report = read_qdc(path)
    assert report.codes == len(names) == 5
    assert report.origin == "Taguette 1.5.2"
    assert any("empty <Sets/>" in w for w in report.warnings)
    assert any(w.startswith("schema:") for w in report.warnings)
    by_key = {c.key: c for c in codes}
    # Dotted tag paths become a hierarchy where the parent tag exists.
    assert (by_key["cost"].name, by_key["cost"].parent_key) == ("cost", "barriers")
    assert (by_key["time"].name, by_key["time"].parent_key) == ("time", "barriers")
    assert by_key["emotions"].name == "émotions"
    out = tmp_path / "taguette.yaml"
    import_qdc(path, into=out)
    loaded = load_codebook(out)
    assert [(c.key, c.parent) for c in loaded.codes] == [("barriers", None), ("cost", "barriers"),
                                                          ("time", "barriers"), ("support", None),
                                                          ("emotions", None)]


def test_atlas_style_codebook_namespace_sets_and_colours(tmp_path):
    codes, report = read_qdc(FIXTURES / "atlas_codebook.qdc")
    assert any("urn:QDA-XML:codebook:0:4" in w for w in report.warnings)
    assert any("alpha channel" in w for w in report.warnings)
    assert any("isCodable" in w for w in report.warnings)
    assert report.not_carried == ["1 code set(s) (code groups): 'Economics'"]
    by_name = {c.name: c for c in codes}
    assert by_name["Push factors"].colour == "#d9534f"
    assert by_name["Low wages"].colour == "#aabbcc"
    assert by_name["Low wages"].parent_key == "push-factors"
    assert by_name["Pull factors"].colour == "#00ff00"
    assert by_name["Категория"].key == "kategoriia"  # Cyrillic transliterated (ICAO 9303)


@pytest.mark.parametrize("content, message", [
    (b"not xml at all", "not well-formed XML"),
    (b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', "use `cotag import qdpx`"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "no codes"),
    ((b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="AAAAAAAA-0000-4000-8000-000000000001" '
      b'name="a" isCodable="true"/><Code guid="aaaaaaaa-0000-4000-8000-000000000001" name="b" isCodable="true"/>'
      b'</Codes></CodeBook>'), "used by two codes"),
])
def test_bad_codebooks_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.qdc"
    path.write_bytes(content)
    with pytest.raises(RefiError, match=message):
        import_qdc(path, into=tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()


def test_import_qdc_into_project_database_and_yaml(sqlite_project, tmp_path):
    from cotag.refi.qdc import fields_from_db
    from cotag.store.codes import list_codes

    project = sqlite_project
    qdc = tmp_path / "tricky.qdc"
    export_qdc(qdc, codes=codebook_to_fields(TRICKY), title=TRICKY.title, version=TRICKY.version, namespace=SPACE)
    report = import_qdc(qdc, project=project)
    assert sorted(report.added) == sorted(c.key for c in TRICKY.codes)
    assert "database only" in report.codebook_file
    with project.session() as session:
        stored = {f.key: f for f in fields_from_db(session)}
    assert stored["push"].colour == "red" and stored["wages"].parent == "push"
    assert stored["push"].examples == TRICKY.codes[0].examples
    assert stored["safety"].status == "retired"
    # Importing again changes nothing; an edited file updates the matching code.
    again = import_qdc(qdc, project=project)
    assert again.added == [] and again.updated == [] and len(again.matched) == 6
    edited = codebook_to_fields(TRICKY)
    edited[0].description = "Reasons to leave, revised."
    export_qdc(qdc, codes=edited, title=TRICKY.title, version=TRICKY.version + 1, namespace=SPACE)
    third = import_qdc(qdc, project=project)
    assert third.updated == ["push"]
    with project.session() as session:
        assert {c.key: c.description for c in list_codes(session)}["push"] == "Reasons to leave, revised."


def test_import_qdc_updates_the_projects_yaml_codebook(tmp_path, monkeypatch, refi_samples):
    from cotag.project import init_project

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = tmp_path / "proj"
    root.mkdir()
    save_codebook(Codebook(title="Mine", version=0, codes=[CodeSpec(key="keep", name="Keep me", shortcut="1")]),
                  root / "codebook.yaml")
    project = init_project(root, codebook="codebook.yaml")
    try:
        from cotag import services

        services.load_codebook_file(project, path=project.codebook_path)
        report = import_qdc(refi_samples / "taguette-1.5.2_codebook.qdc", project=project)
        assert sorted(report.added) == ["barriers", "cost", "emotions", "support", "time"]
        assert "now version 2" in report.codebook_file
        loaded = load_codebook(root / "codebook.yaml")
        assert loaded.title == "Mine"
        assert [c.key for c in loaded.codes] == ["keep", "barriers", "cost", "time", "support", "emotions"]
    finally:
        project.close()


# ---------------------------------------------------------------- keys from Cyrillic names

@pytest.mark.parametrize("name, key", [
    ("Заработная плата", "zarabotnaia-plata"),
    ("Щедрость и счастье", "shchedrost-i-schaste"),
    ("Ёлка, подъезд", "elka-podieezd"),
    ("Қазақстандағы жалақы", "qazaqstandagy-zhalaqy"),
    ("Әке-шешем, ұлым, үй, һәм, іні, өмір, ең", "ake-sheshem-ulym-ui-ham-ini-omir-en"),
    ("ЖАЛАҚЫ Low wages", "zhalaqy-low-wages"),
])
def test_cyrillic_names_give_readable_keys(name, key):
    from cotag.refi.qdc import slugify

    assert slugify(name) == key


def _refi_code(name: str, guid: int):
    from cotag.refi.qdc import Packed, RefiCode

    return RefiCode(guid=f"00000000-0000-4000-8000-{guid:012d}", name=name, parent_guid=None, codable=True,
                    colour=None, packed=Packed())


RUSSIAN_AND_KAZAKH = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"


@given(st.lists(st.text(alphabet=RUSSIAN_AND_KAZAKH + RUSSIAN_AND_KAZAKH.upper() + " -", min_size=1, max_size=20),
                min_size=1, max_size=25))
def test_keys_from_cyrillic_are_valid_unique_and_deterministic(names):
    from cotag.codebook import _KEY_RE
    from cotag.refi.qdc import CYRILLIC_TO_LATIN, assign_keys

    codes = [_refi_code(name, i) for i, name in enumerate(names)]
    again = [_refi_code(name, i) for i, name in enumerate(names)]
    assign_keys(codes)
    assign_keys(again)
    keys = [c.key for c in codes]
    assert keys == [c.key for c in again]
    assert len(set(keys)) == len(keys)
    assert all(_KEY_RE.match(k) and k.isascii() for k in keys)
    for code in codes:
        # Every letter has a Latin spelling (ь alone has none): a name with a letter other than ь gets a real key.
        if any(CYRILLIC_TO_LATIN[ch.lower()] for ch in code.name if ch.lower() in CYRILLIC_TO_LATIN):
            assert not code.key.startswith("code")
