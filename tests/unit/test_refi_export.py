"""Export to .qdpx: layout, schema, references, stable GUIDs; and the demo round trip through a fresh project."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st
from factories import make_codes, make_document

from cotag.refi import RefiError
from cotag.services.refi import export_qdpx
from cotag.refi.qdpx_import import import_qdpx

REPO = Path(__file__).resolve().parents[2]
PROJECT_XSD = REPO / "src" / "cotag" / "refi" / "schema" / "Project-mrt2019.xsd"
NS = "{urn:QDA-XML:project:1.0}"


# ---------------------------------------------------------------- builders

def build_small(project):
    """Two documents (emoji, combining marks), three codes, alice + lead bob + consensus, memos, attributes."""
    from cotag.store.coders import consensus_coder, get_or_create_coder
    from cotag.store.codings import add_coding
    from cotag.store.memos import add_memo

    with project.session() as s:
        d1 = make_document(s, "E001", [("Interviewer", ["Why did you leave?"]),
                                       ("Respondent", ["Wages were low 😀 here.", "Cafe\u0301 jobs closed."])],
                           attributes={"age": 34, "gender": "female", "tags": ["a", 1], "score": 1.5, "consented": True,
                                       "note": None})
        make_document(s, "G002", [("Respondent", ["Ich ging.", "Zurück nach Almaty."])], group="graduate",
                      attributes={"age": "unknown"})
        codes = make_codes(s, [("push", "Push"), ("wages", "Wages", "push", "1"), ("pull", "Pull")])
        alice = get_or_create_coder(s, name="alice")
        bob = get_or_create_coder(s, name="bob", role="lead")
        consensus = consensus_coder(s)
        text = d1.text
        start, end = text.index("Wages"), text.index("here.") + 5
        add_coding(s, document_id=d1.id, code_id=codes["wages"].id, coder_id=alice.id, start=start, end=end,
                   memo="alice thinks\nthis is central")
        add_coding(s, document_id=d1.id, code_id=codes["push"].id, coder_id=alice.id, start=start, end=end)
        add_coding(s, document_id=d1.id, code_id=codes["wages"].id, coder_id=bob.id, start=start, end=end - 6)
        cafe = text.index("Cafe")
        add_coding(s, document_id=d1.id, code_id=codes["pull"].id, coder_id=consensus.id, start=cafe,
                   end=text.index("closed.") + 7)
        add_memo(s, coder_id=alice.id, text="First interview.", title="On E001", document_id=d1.id)
        add_memo(s, coder_id=bob.id, text="Check against pull.", title="On wages", code_id=codes["wages"].id)
        add_memo(s, coder_id=bob.id, text="Coding went well.", title="Overall")
    return project


def build_demo_subset(project, experts: int = 3, graduates: int = 2, memos: bool = True) -> dict:
    """The demo codebook and the first demo transcripts; reference.csv as alice, a perturbed copy as bob,
    the spans both agree on as the consensus, and memos of every kind."""
    from cotag import services
    from cotag.store.coders import consensus_coder, get_or_create_coder
    from cotag.store.codes import list_codes
    from cotag.store.codings import add_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import add_memo

    corpus = REPO / "transcripts"
    paths = sorted((corpus / "experts").glob("*.md"))[:experts] + sorted((corpus / "graduates").glob("*.md"))[:graduates]
    services.load_codebook_file(project, path=REPO / "codebooks" / "migration.yaml")
    report = services.import_transcripts(project, paths=paths)
    assert report.ok, report.as_dict()
    wanted = {p.stem for p in paths}
    with (corpus / "reference.csv").open(newline="", encoding="utf-8") as fh:
        reference = [r for r in csv.DictReader(fh) if r["document"] in wanted]
    with project.session() as s:
        docs = {d.external_id: d for d in list_documents(s)}
        codes = {c.key: c for c in list_codes(s)}
        keys = sorted(codes)
        alice = get_or_create_coder(s, name="alice")
        bob = get_or_create_coder(s, name="bob")
        consensus = consensus_coder(s)
        rows = []
        for i, r in enumerate(reference):
            doc = docs[r["document"]]
            start, end = int(r["start"]), int(r["end"])
            assert doc.text[start:end] == r["text"]
            memo = f"memo {i}: {r['text'][:20]}" if memos and i % 10 == 0 else ""
            rows.append({"document_id": doc.id, "code_id": codes[r["code"]].id, "coder_id": alice.id,
                         "start": start, "end": end, "memo": memo})
            if i % 5 == 0:
                continue  # bob misses this one
            code = r["code"] if i % 7 else keys[(keys.index(r["code"]) + 1) % len(keys)]
            b_start, b_end = (start + 4, min(end + 10, len(doc.text))) if i % 3 == 0 else (start, end)
            rows.append({"document_id": doc.id, "code_id": codes[code].id, "coder_id": bob.id, "start": b_start,
                         "end": b_end})
            if b_start == start and b_end == end and code == r["code"]:
                rows.append({"document_id": doc.id, "code_id": codes[code].id, "coder_id": consensus.id,
                             "start": start, "end": end})
        # A coder codes a span with a code once: drop what the perturbation made twice.
        unique = {(r['document_id'], r['code_id'], r['coder_id'], r['start'], r['end']): r for r in rows}
        rows = list(unique.values())
        add_codings(s, rows=rows)
        if memos:
            first = docs[min(wanted)]
            add_memo(s, coder_id=alice.id, title="Interview context", text="Long interview,\nvery open.",
                     document_id=first.id)
            add_memo(s, coder_id=bob.id, title="Definition drift", text="Wages vs. employment?",
                     code_id=codes[keys[0]].id)
            add_memo(s, coder_id=bob.id, title="Both", text="Doc and code.", document_id=first.id,
                     code_id=codes[keys[1]].id)
            add_memo(s, coder_id=consensus.id, title="Project", text="Round one done.")
    return {"documents": len(paths), "codings": len(rows)}


def snapshot(project) -> dict:
    """What must survive a round trip: documents, codebook, (document, span, code, coder) triples, memos, coders."""
    from cotag.refi.qdc import fields_from_db
    from cotag.store.coders import list_coders
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import list_memos

    with project.session() as s:
        return {
            "documents": [(d.external_id, d.group, d.text, d.attributes, d.content_hash) for d in list_documents(s)],
            "codebook": [f.__dict__ for f in fields_from_db(s)],
            "codings": sorted((c.document, c.start, c.end, c.code, c.coder, c.memo) for c in list_codings(s)),
            "memos": sorted((m.coder, m.document or "", m.code or "", m.title, m.text) for m in list_memos(s)),
            "coders": sorted((c.name, c.role) for c in list_coders(s)),
        }


def read_qdpx(path: Path) -> tuple[ET.Element, dict[str, bytes], list[str]]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        files = {n: archive.read(n) for n in names}
    return ET.fromstring(files["project.qde"]), files, names


# ---------------------------------------------------------------- layout and content

def test_export_layout_schema_and_content(sqlite_project, tmp_path):
    project = build_small(sqlite_project)
    out = tmp_path / "small.qdpx"
    report = export_qdpx(project, out)
    root, files, names = read_qdpx(out)
    assert names[0] == "project.qde" and all(n.startswith("sources/") for n in names[1:])
    xmlschema.XMLSchema(str(PROJECT_XSD)).validate(io.BytesIO(files["project.qde"]))
    assert root.tag == f"{NS}Project" and root.get("origin", "").startswith("cotag")

    users = {u.get("name"): u.get("guid") for u in root.iter(f"{NS}User")}
    assert set(users) == {"alice", "bob", "consensus"}
    sources = {s.get("name"): s for s in root.iter(f"{NS}TextSource")}
    assert set(sources) == {"E001", "G002"}
    with project.session() as s:
        from cotag.store.documents import get_document

        text = get_document(s, external_id="E001").text
    e001 = sources["E001"]
    path = e001.get("plainTextPath")
    assert path == f"internal://{e001.get('guid')}.txt" and e001.get("richTextPath") is None
    data = files[f"sources/{e001.get('guid')}.txt"]
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and data.decode("utf-8") == text

    selections = e001.findall(f"{NS}PlainTextSelection")
    # One selection per (span, coder): alice's two codes share one; bob and the consensus have their own.
    assert report.selections == len(selections) == 3 and report.codings == 4
    by_user = {}
    for sel in selections:
        start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        assert sel.get("name") == text[start:end]
        codings = sel.findall(f"{NS}Coding")
        assert all(c.get("creatingUser") == sel.get("creatingUser") for c in codings)
        by_user[sel.get("creatingUser")] = len(codings)
    assert by_user == {users["alice"]: 2, users["bob"]: 1, users["consensus"]: 1}

    notes = {n.get("name"): n for n in root.iter(f"{NS}Note")}
    assert set(notes) == {"On E001", "On wages", "Overall", "Memo on wages (alice)"}
    refs = {r.get("targetGUID") for r in root.iter(f"{NS}NoteRef")}
    assert {n.get("guid") for n in notes.values()} == refs
    assert root.find(f"{NS}NoteRef").get("targetGUID") == notes["Overall"].get("guid")

    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{NS}Variable")}
    assert variables == {"age": "Text", "gender": "Text", "tags": "Text", "score": "Float", "consented": "Boolean",
                         "note": "Text"}
    cases = {c.get("name") for c in root.iter(f"{NS}Case")}
    assert cases == {"E001", "G002"}
    sets = {s.get("name"): [m.get("targetGUID") for m in s] for s in root.iter(f"{NS}Set")}
    assert set(sets) == {"expert", "graduate"}
    assert report.warnings and "U+FFFF" in report.warnings[0]


def test_stable_guid_is_uuid5():
    import uuid

    from cotag.refi import project_namespace, stable_guid

    space = project_namespace("demo")
    for parts in (("coder", "alice"), ("coding", "E001", "wages", "bob", 10, 20), ("document", "Zoë 🙂")):
        expected = str(uuid.uuid5(space, "\x1f".join(map(str, parts))))  # lower case, as NVivo and QualCoder write them
        assert stable_guid(space, *parts) == expected


def test_guids_are_stable_across_exports(sqlite_project, tmp_path):
    from cotag.store.coders import get_or_create_coder
    from cotag.store.codes import get_code
    from cotag.store.codings import add_coding
    from cotag.store.documents import get_document

    project = build_small(sqlite_project)
    first, second = tmp_path / "1.qdpx", tmp_path / "2.qdpx"
    export_qdpx(project, first)
    export_qdpx(project, second)

    def guids(path):
        root, _, _ = read_qdpx(path)
        return {(e.tag, e.get("name"), e.get("startPosition"), e.get("guid")) for e in root.iter()
                if e.get("guid")}

    assert guids(first) == guids(second)
    with project.session() as s:
        doc = get_document(s, external_id="G002")
        add_coding(s, document_id=doc.id, code_id=get_code(s, key="pull").id,
                   coder_id=get_or_create_coder(s, name="alice").id, start=0, end=5)
    third = tmp_path / "3.qdpx"
    export_qdpx(project, third)
    assert guids(first) < guids(third)
    all_guids = [g for *_, g in guids(third)]
    assert len(all_guids) == len({g.lower() for g in all_guids})


def test_export_only_some_coders(sqlite_project, tmp_path):
    project = build_small(sqlite_project)
    out = tmp_path / "alice.qdpx"
    report = export_qdpx(project, out, coders=["alice"])
    root, _, _ = read_qdpx(out)
    assert [u.get("name") for u in root.iter(f"{NS}User")] == ["alice"]
    assert report.selections == 1 and report.codings == 2
    assert {n.get("name") for n in root.iter(f"{NS}Note")} == {"On E001", "Memo on wages (alice)"}
    with pytest.raises(Exception, match="no coder named 'carol'"):
        export_qdpx(project, tmp_path / "x.qdpx", coders=["carol"])
    assert not (tmp_path / "x.qdpx").exists()


def test_stored_crlf_and_bom_are_written_as_lf_and_offsets_follow(sqlite_project, tmp_path):
    import hashlib

    from cotag.store import documents as doc_store
    from cotag.store.coders import get_or_create_coder
    from cotag.store.codings import add_coding

    project = sqlite_project
    text = "\ufeffLine one 🙂\r\nLine two\rLine three\r\nend"
    with project.session() as s:
        doc = doc_store.add_document(s, values={"external_id": "W1", "text": text, "content_hash":
                                                hashlib.sha256(text.encode()).hexdigest()}, units=[])
        codes = make_codes(s, [("a", "A")])
        coder = get_or_create_coder(s, name="alice")
        for word in ("one", "two", "three", "end"):
            i = text.index(word)
            add_coding(s, document_id=doc.id, code_id=codes["a"].id, coder_id=coder.id, start=i, end=i + len(word))
    out = tmp_path / "w.qdpx"
    report = export_qdpx(project, out)
    assert any("BOM or CR" in w for w in report.warnings)
    root, files, _ = read_qdpx(out)
    written = next(v for k, v in files.items() if k.startswith("sources/")).decode("utf-8")
    assert written == "Line one 🙂\nLine two\nLine three\nend"
    quotes = sorted(written[int(s.get("startPosition")):int(s.get("endPosition"))]
                    for s in root.iter(f"{NS}PlainTextSelection"))
    assert quotes == ["end", "one", "three", "two"]


def test_project_without_codes_is_refused(sqlite_project, tmp_path):
    with pytest.raises(RefiError, match="no codes"):
        export_qdpx(sqlite_project, tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()


def test_an_export_that_does_not_validate_writes_nothing(sqlite_project, tmp_path, monkeypatch):
    """The builder checks the REFI rules as it writes (here: a GUID written twice); a breach writes nothing."""
    from cotag.refi import qdpx_export

    project = build_small(sqlite_project)
    out = tmp_path / "x.qdpx"
    out.write_bytes(b"previous export")
    monkeypatch.setattr(qdpx_export, "stable_guid", lambda namespace, *parts: "00000000-0000-5000-8000-000000000000")
    with pytest.raises(RefiError, match="GUID 00000000-0000-5000-8000-000000000000 twice"):
        export_qdpx(project, out)
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj", "x.qdpx"]  # no temporary file left


def test_a_selection_outside_its_text_writes_nothing(sqlite_project, tmp_path, monkeypatch):
    from cotag.refi import qdpx_export

    project = build_small(sqlite_project)
    out = tmp_path / "x.qdpx"
    monkeypatch.setattr(qdpx_export, "_moved", lambda offset, positions, had_bom: offset + 10_000)
    with pytest.raises(RefiError, match="outside the text"):
        export_qdpx(project, out)
    assert not out.exists()


def test_markup_characters_in_names_texts_and_memos_are_escaped(sqlite_project, tmp_path):
    """Sources are written as XML text (not through lxml): names, quotes and memos with markup survive."""
    from cotag.store.coders import get_or_create_coder
    from cotag.store.codings import add_coding

    with sqlite_project.session() as s:
        doc = make_document(s, 'R&D "one" <1>', [("Respondent", ['Tom & Jerry said "<no>" \t here.'])],
                            attributes={"note": 'a "b" & <c>\nd'})
        codes = make_codes(s, [("push", "Push")])
        alice = get_or_create_coder(s, name="alice")
        add_coding(s, document_id=doc.id, code_id=codes["push"].id, coder_id=alice.id, start=13,
                   end=len(doc.text) - 1, memo="a < b & c\r\nd ]]> e")
        text = doc.text
    out = tmp_path / "x.qdpx"
    export_qdpx(sqlite_project, out)
    assert full_validation(out) == []
    root, _, _ = read_qdpx(out)
    source = root.find(f"{NS}Sources/{NS}TextSource")
    assert source.get("name") == 'R&D "one" <1>'
    selection = source.find(f"{NS}PlainTextSelection")
    assert selection.get("name") == text[13:len(text) - 1]
    assert selection.find(f"{NS}Description").text == "a < b & c\r\nd ]]> e"
    assert source.find(f"{NS}VariableValue/{NS}TextValue").text == 'a "b" & <c>\nd'


def full_validation(path: Path) -> list[str]:
    """Every check cotag's importer makes of a file (XSD and the semantic rules), as the export once ran itself."""
    from cotag.refi import guid_key, parse_xml
    from cotag.refi.validate import semantic_problems, validate_project_tree

    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        root = parse_xml(archive.read("project.qde"), "project.qde")
        lengths = {guid_key(s.get("guid")): len(archive.read(f"sources/{s.get('guid')}.txt").decode("utf-8"))
                   for s in root.iter(f"{NS}TextSource")}
    problems = validate_project_tree(root)
    # A Note carries its text twice on purpose (inline and as a file, for QualCoder): the schema allows both.
    problems += [str(p) for p in semantic_problems(
        root, has_file=lambda value: f"sources/{value.split('://', 1)[1]}" in names,
        text_length=lambda element: lengths.get(guid_key(element.get("guid"))))
        if not (p.kind == "text-content" and p.message.startswith("<Note "))]
    return problems


@pytest.mark.parametrize("one_code_per_selection", [False, True])
@pytest.mark.parametrize("build", [build_small, lambda p: build_demo_subset(p, experts=2, graduates=1) and p])
def test_exports_pass_the_full_validator(sqlite_project, tmp_path, build, one_code_per_selection):
    """The export no longer re-validates what it built: the guarantee is tested here instead (emoji, CR/BOM-free
    texts, memos of every kind, attributes, groups, two coders and the consensus, one or all coders)."""
    project = build(sqlite_project)
    out = tmp_path / "x.qdpx"
    export_qdpx(project, out, one_code_per_selection=one_code_per_selection)
    assert full_validation(out) == []
    export_qdpx(project, out, coders=["alice"])
    assert full_validation(out) == []


# ---------------------------------------------------------------- round trips

@pytest.fixture
def fresh_project(project, tmp_path):
    """An empty second project on the same back end as ``project`` (a new PostgreSQL schema, or SQLite file)."""
    import uuid

    from cotag.project import init_project

    url, schema = None, None
    if project.database_url.startswith("postgresql"):
        import psycopg
        from dbsupport import POSTGRES_URL

        schema = "t_" + uuid.uuid4().hex[:12]
        dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    fresh = init_project(tmp_path / "fresh", database_url=url)
    yield fresh
    fresh.close()
    if schema:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_small_project_round_trip(project, fresh_project, tmp_path):
    build_small(project)
    out = tmp_path / "small.qdpx"
    export_qdpx(project, out)
    report = import_qdpx(out, project=fresh_project)
    assert snapshot(fresh_project) == snapshot(project)
    assert report.offsets["reading"] == "cp"
    assert report.not_carried == []
    assert report.warnings == [("the project names no codebook file ([codebook] path in cotag.toml): the new codes "
                                "are in the database only")]


def test_round_trip_into_a_new_project_folder(sqlite_project, tmp_path):
    from cotag.codebook import load_codebook
    from cotag.project import open_project

    build_small(sqlite_project)
    out = tmp_path / "small.qdpx"
    export_qdpx(sqlite_project, out)
    report = import_qdpx(out, into=tmp_path / "copy")
    copy = open_project(tmp_path / "copy")
    try:
        assert snapshot(copy) == snapshot(sqlite_project)
        assert copy.name == sqlite_project.name
        # The new project gets a YAML codebook matching its database.
        codebook = load_codebook(tmp_path / "copy" / "codebook.yaml")
        assert [c.key for c in codebook.codes] == ["push", "wages", "pull"]
        assert "codebook.yaml" in report.codebook_file
    finally:
        copy.close()


def test_demo_round_trip_two_coders_and_memos(project, fresh_project, tmp_path):
    """Demo documents, two coders and the consensus, memos -> qdpx -> XSD-valid -> fresh project: identical."""
    counts = build_demo_subset(project)
    out = tmp_path / "demo.qdpx"
    exported = export_qdpx(project, out)
    assert exported.documents == counts["documents"]
    _, files, _ = read_qdpx(out)
    xmlschema.XMLSchema(str(PROJECT_XSD)).validate(io.BytesIO(files["project.qde"]))

    report = import_qdpx(out, project=fresh_project)
    assert report.imported["codings"] == exported.codings == counts["codings"]
    before, after = snapshot(project), snapshot(fresh_project)
    for part in before:
        assert after[part] == before[part], part
    # Re-importing the same file adds nothing (the project has coders now: each user is mapped by name, and
    # the consensus only with a lead).
    users = {"alice": "alice", "bob": "bob", "consensus": "consensus"}
    again = import_qdpx(out, project=fresh_project, user_map=users, lead="lena")
    assert again.imported["codings"] == 0 and again.imported["documents_added"] == 0
    assert again.imported["codings_already_present"] == exported.codings
    assert snapshot(fresh_project)["codings"] == before["codings"]


def test_yaml_codebook_title_and_version_survive_a_qdpx_round_trip(tmp_path, monkeypatch):
    """REFI has no field for them: the processing instruction carries them into the new codebook.yaml."""
    from cotag import services
    from cotag.codebook import Codebook, CodeSpec, load_codebook, save_codebook
    from cotag.project import init_project, open_project

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = tmp_path / "titled"
    root.mkdir()
    save_codebook(Codebook(title="Migration «2018» & more", version=2, codes=[
        CodeSpec(key="push", name="Push", description="Reasons to leave.", include=["pay"], colour="red"),
        CodeSpec(key="wages", name="Wages", parent="push", shortcut="1")]), root / "codebook.yaml")
    project = init_project(root, codebook="codebook.yaml")
    try:
        services.load_codebook_file(project, path=project.codebook_path)
        with project.session() as s:
            make_document(s, "D1", [("Respondent", ["Wages were low."])])
        original = load_codebook(root / "codebook.yaml")
        out = tmp_path / "titled.qdpx"
        export_qdpx(project, out)
        import_qdpx(out, into=tmp_path / "copy")
        copy = open_project(tmp_path / "copy")
        try:
            assert snapshot(copy)["codebook"] == snapshot(project)["codebook"]
        finally:
            copy.close()
    finally:
        project.close()
    again = load_codebook(tmp_path / "copy" / "codebook.yaml")
    assert (again.title, again.version) == (original.title, original.version) == ("Migration «2018» & more", 3)

    def spec(c):
        return (c.key, c.name, c.parent, c.description, c.include, c.exclude, c.examples, c.keywords, c.colour,
                c.shortcut, c.status)

    assert [spec(c) for c in again.codes] == [spec(c) for c in original.codes]


# ---------------------------------------------------------------- attribute types across documents

_attribute_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.dates().map(lambda d: d.isoformat()), st.integers(-10**6, 10**6).map(str), st.sampled_from(["true", "false"]),
    st.decimals(places=2, allow_nan=False, allow_infinity=False).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8))


@given(st.lists(_attribute_values, min_size=1, max_size=8))
def test_attribute_types_chosen_across_documents_round_trip(values):
    """Whatever one attribute holds across documents, the type chosen for it is one every value fits (the
    schema accepts each value element) and cotag reads every value back exactly."""
    from lxml import etree

    from cotag.refi.qdpx_export import _value_element, variable_type
    from cotag.refi.qdpx_import import _TEXT_KEPT, _variable_value

    type_name, as_json = variable_type(values)
    kept_as_text = type_name != "Text" and any(isinstance(v, str) for v in values)
    variables = {"aaaaaaaa-0000-4000-8000-000000000001": ("a", _TEXT_KEPT if kept_as_text else type_name, as_json)}
    ns = "urn:QDA-XML:project:1.0"
    expected_tag = {"Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue",
                    "Date": "DateValue", "Text": "TextValue"}[type_name]
    for value in values:
        holder = etree.Element(f"{{{ns}}}VariableValue")
        etree.SubElement(holder, f"{{{ns}}}VariableRef", targetGUID="aaaaaaaa-0000-4000-8000-000000000001")
        _value_element(holder, type_name, as_json, value, ns)
        written = [etree.QName(e).localname for e in holder][1:]
        assert written == ([] if value is None and not as_json else [expected_tag])
        assert _variable_value(holder, variables, []) == ("a", value)
