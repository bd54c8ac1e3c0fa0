"""Hostile and broken .qdpx / .qdc files (issue 13): nothing read from outside the file, nothing forged,
limits that hold, and an import killed at any point leaves a consistent project that a rerun completes.

Every attack is a crafted archive built here; the "secret" is a file in the test's folder standing
for /etc/passwd or someone's keys.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cotag.errors import CotagError
from cotag.refi import RefiError
from cotag.refi.qdpx_import import import_qdpx, open_package, plan_import

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "refi"
sys.path.insert(0, str(FIXTURES))
import make_fixtures as fx  # noqa: E402

SECRET = "TOP SECRET: the content of a local file\n"
USER, CODE, SOURCE = fx.guid(1, "B"), fx.guid(1, "C"), fx.guid(1, "F")


def project_xml(reference: str = f"internal://{SOURCE}.txt", *, base_path: str = "", users: str | None = None,
                codes: str | None = None, start: int = 0, end: int = 4, content: str | None = None,
                creating_user: str = USER, head: str = "") -> bytes:
    """One text source with one coded selection, its text found through ``reference``."""
    users = users if users is not None else f'<User guid="{USER}" name="ana"/>'
    codes = codes if codes is not None else f'<Code guid="{CODE}" name="greeting" isCodable="true"/>'
    text = (f'<PlainTextContent>{content}</PlainTextContent>' if content is not None else "")
    path = "" if content is not None else f' plainTextPath="{reference}"'
    return (f'{head}<Project xmlns="urn:QDA-XML:project:1.0" name="hostile" basePath="{base_path}">'
            f'<Users>{users}</Users><CodeBook><Codes>{codes}</Codes></CodeBook>'
            f'<Sources><TextSource guid="{SOURCE}" name="interview"{path}>{text}'
            f'<PlainTextSelection guid="{fx.guid(1, "D")}" startPosition="{start}" endPosition="{end}">'
            f'<Coding guid="{fx.guid(1, "E")}" creatingUser="{creating_user}"><CodeRef targetGUID="{CODE}"/></Coding>'
            f'</PlainTextSelection></TextSource></Sources></Project>').encode("utf-8")


def qdpx(tmp_path: Path, name: str, entries: dict[str, bytes]) -> Path:
    path = tmp_path / name
    path.write_bytes(fx.zip_bytes(entries))
    return path


@pytest.fixture
def secret(tmp_path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    path = folder / "passwd.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def assert_refused(path: Path, tmp_path: Path, *fragments: str, **kw) -> str:
    """The import fails by name, reads nothing and leaves no project behind."""
    target = tmp_path / "never"
    with pytest.raises(RefiError) as info:
        import_qdpx(path, into=target, **kw)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert SECRET.strip() not in message
    assert not target.exists()
    return message


# ---------------------------------------------------------------- 1. nothing from outside the file

def test_absolute_path_is_refused_by_name(tmp_path, secret):
    path = qdpx(tmp_path, "absolute.qdpx", {"project.qde": project_xml(f"absolute://{secret.as_posix()}")})
    assert_refused(path, tmp_path, "TextSource 'interview'", f"absolute://{secret.as_posix()}", "--sources DIR")
    # /etc/passwd itself, with the three slashes some tools write.
    path = qdpx(tmp_path, "passwd.qdpx", {"project.qde": project_xml("absolute:///etc/passwd")})
    assert_refused(path, tmp_path, "TextSource 'interview'", "absolute:///etc/passwd")


def test_relative_path_climbing_out_is_refused(tmp_path, secret):
    climb = "relative://" + "../" * 12 + secret.as_posix().lstrip("/")
    path = qdpx(tmp_path, "climb.qdpx", {"project.qde": project_xml(climb)})
    assert_refused(path, tmp_path, "TextSource 'interview'", climb)


def test_base_path_with_relative_path_is_refused(tmp_path, secret):
    path = qdpx(tmp_path, "base.qdpx", {"project.qde": project_xml("relative://passwd.txt",
                                                                   base_path=secret.parent.as_posix())})
    assert_refused(path, tmp_path, "relative://passwd.txt", "outside the project file")


def test_a_note_cannot_read_outside_either(tmp_path, secret):
    qde = project_xml().replace(b"</Sources>", b"</Sources><Notes><Note guid=\"" + fx.guid(1, "A").encode()
                                + b"\" name=\"memo\" plainTextPath=\"absolute://" + secret.as_posix().encode()
                                + b"\"/></Notes>")
    path = qdpx(tmp_path, "note.qdpx", {"project.qde": qde, f"sources/{SOURCE}.txt": b"Hello world.\n"})
    assert_refused(path, tmp_path, "note 'memo'", "absolute://")


def test_a_symbolic_link_in_the_archive_is_refused(tmp_path, secret):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", project_xml())
        link = zipfile.ZipInfo(f"sources/{SOURCE}.txt")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, str(secret))
    path = tmp_path / "symlink.qdpx"
    path.write_bytes(buffer.getvalue())
    assert_refused(path, tmp_path, f"sources/{SOURCE}.txt is a symbolic link")


def test_a_symbolic_link_beside_a_bare_qde_is_refused(tmp_path, secret):
    folder = tmp_path / "unpacked"
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / f"{SOURCE}.txt").symlink_to(secret)
    (folder / "project.qde").write_bytes(project_xml())
    assert_refused(folder / "project.qde", tmp_path, "TextSource 'interview'", "symbolic link", "outside")
    # A sources/ folder that is itself a link out of the project's folder: refused the same way.
    other = tmp_path / "linked"
    other.mkdir()
    (other / "sources").symlink_to(secret.parent, target_is_directory=True)
    (other / "project.qde").write_bytes(project_xml("internal://passwd.txt"))
    assert_refused(other / "project.qde", tmp_path, "symbolic link")


def test_sources_folder_reads_only_files_under_it(tmp_path, secret):
    trusted = tmp_path / "trusted"
    (trusted / "texts").mkdir(parents=True)
    (trusted / "texts" / "a.txt").write_text("Hello from the folder.\n", encoding="utf-8")
    (trusted / "escape.txt").symlink_to(secret)
    ok = qdpx(tmp_path, "ok.qdpx", {"project.qde": project_xml("relative://texts/a.txt", base_path="/etc")})
    report = import_qdpx(ok, into=tmp_path / "ok", sources=trusted)
    from cotag.project import open_project
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents

    project = open_project(tmp_path / "ok")
    try:
        with project.session() as s:
            [document] = list_documents(s)
            [coding] = list_codings(s)
        assert document.text == "Hello from the folder.\n"
        assert document.text[coding.start:coding.end] == "Hell"
    finally:
        project.close()
    assert report.imported["documents_added"] == 1
    # A symbolic link in the folder leading out of it, and '..', are refused by name.
    link = qdpx(tmp_path, "link.qdpx", {"project.qde": project_xml("relative://escape.txt")})
    assert_refused(link, tmp_path, "relative://escape.txt", "outside", sources=trusted)
    dots = qdpx(tmp_path, "dots.qdpx", {"project.qde": project_xml("relative://texts/../../private/passwd.txt")})
    assert_refused(dots, tmp_path, "'..'", sources=trusted)
    # An absolute path outside the folder is never read: only a file of that name under the folder.
    absolute = qdpx(tmp_path, "abs.qdpx", {"project.qde": project_xml(f"absolute://{secret.as_posix()}")})
    report = import_qdpx(absolute, into=tmp_path / "abs", sources=trusted)
    assert report.imported["documents_added"] == 0
    assert any("not found under --sources" in line for line in report.not_carried)


# ---------------------------------------------------------------- 3. hostile XML and archives

def test_a_doctype_is_refused_by_name_and_nothing_is_fetched(tmp_path, secret):
    system = f'<?xml version="1.0"?><!DOCTYPE Project SYSTEM "file://{secret.as_posix()}">'
    path = qdpx(tmp_path, "dtd.qdpx", {"project.qde": project_xml(content="Hello world.", head=system)})
    assert_refused(path, tmp_path, "dtd.qdpx: project.qde: has a document type declaration")
    entity = (f'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY leak SYSTEM "file://{secret.as_posix()}">'
              '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    path = qdpx(tmp_path, "entity.qdpx", {"project.qde": project_xml(content="&leak; &c;", head=entity)})
    assert_refused(path, tmp_path, "document type declaration")
    qdc = tmp_path / "dtd.qdc"
    qdc.write_bytes(system.encode() + fx.atlas_codebook().split(b"?>", 1)[1])
    from cotag.refi.qdc import read_qdc

    with pytest.raises(RefiError, match="dtd.qdc: has a document type declaration"):
        read_qdc(qdc)


def nested_codes(depth: int) -> str:
    return ("".join(f'<Code guid="{fx.guid(i + 1, "C")}" name="level {i}" isCodable="true">' for i in range(depth))
            + "</Code>" * depth)


def test_deeply_nested_codes_are_refused_naming_the_limit(tmp_path):
    from cotag.refi.qdc import MAX_CODE_DEPTH, import_qdc

    path = qdpx(tmp_path, "deep.qdpx", {"project.qde": project_xml(codes=nested_codes(500), content="Hello.")})
    assert_refused(path, tmp_path, "nested more than", f"{MAX_CODE_DEPTH} levels", "MAX_CODE_DEPTH")
    qdc = tmp_path / "deep.qdc"
    qdc.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{nested_codes(500)}</Codes></CodeBook>')
    with pytest.raises(RefiError, match="MAX_CODE_DEPTH"):
        import_qdc(qdc, into=tmp_path / "deep.yaml")
    # The deepest tree allowed goes all the way into a YAML codebook and back.
    qdc.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{nested_codes(MAX_CODE_DEPTH)}</Codes>'
                   f'</CodeBook>')
    report = import_qdc(qdc, into=tmp_path / "deep.yaml")
    from cotag.codebook import load_codebook

    assert report.codes == MAX_CODE_DEPTH and len(load_codebook(tmp_path / "deep.yaml").codes) == MAX_CODE_DEPTH


def test_a_member_larger_than_the_limit_is_refused_while_unpacking(tmp_path, monkeypatch):
    import cotag.refi.package as qi  # the limits live with the package reader

    monkeypatch.setattr(qi, "MAX_SOURCE_BYTES", 1 << 20)
    bomb = b"\0" * (8 << 20)  # compresses to a few kilobytes
    path = qdpx(tmp_path, "bomb.qdpx", {"project.qde": project_xml(), f"sources/{SOURCE}.txt": bomb})
    assert path.stat().st_size < 100_000
    assert_refused(path, tmp_path, f"sources/{SOURCE}.txt", str(1 << 20), "MAX_SOURCE_BYTES")


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s unpacked size in both zip headers replaced by ``size``."""
    import struct

    raw = bytearray(data)
    for signature, size_at, name_length_at, header in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = raw.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", raw, at + name_length_at)[0]
            if raw[at + header:at + header + length] == name.encode():
                struct.pack_into("<I", raw, at + size_at, size)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_a_zip_that_lies_about_its_sizes_is_refused(tmp_path, monkeypatch):
    """The real size counts, not the header's: a member claiming 100 bytes unpacks to megabytes."""
    import cotag.refi.package as qi  # the limits live with the package reader

    monkeypatch.setattr(qi, "MAX_SOURCE_BYTES", 1 << 20)
    data = fx.zip_bytes({"project.qde": project_xml(), f"sources/{SOURCE}.txt": b"\0" * (8 << 20)})
    path = tmp_path / "liar.qdpx"
    path.write_bytes(_lie_about_size(data, f"sources/{SOURCE}.txt", 100))
    assert zipfile.ZipFile(path).getinfo(f"sources/{SOURCE}.txt").file_size == 100
    assert_refused(path, tmp_path, f"sources/{SOURCE}.txt")


def test_all_members_together_are_limited(tmp_path, monkeypatch):
    import cotag.refi.package as qi  # the limits live with the package reader

    monkeypatch.setattr(qi, "MAX_TOTAL_BYTES", 3 << 20)
    sources = "".join(f'<TextSource guid="{fx.guid(i, "F")}" name="part {i}" plainTextPath="internal://{i}.txt"/>'
                      for i in range(1, 6))
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="many"><Sources>{sources}</Sources></Project>').encode()
    entries = {"project.qde": qde, **{f"sources/{i}.txt": b"word " * (200_000) for i in range(1, 6)}}  # 1 MB each
    path = qdpx(tmp_path, "many.qdpx", entries)
    assert_refused(path, tmp_path, "MAX_TOTAL_BYTES", str(3 << 20))


@pytest.mark.parametrize("raw", [
    "Hello\x00 world.\n",
    "\x00\x00Hello world.\x0c\u2029Hello again\x1b[31m.\n",
])
def test_nul_and_control_characters_are_stored_as_transcripts_store_them(project, tmp_path, raw):
    """PostgreSQL refuses NUL in text; the transcript importer's normalisation is applied, offsets follow it."""
    from cotag.corpus.formats import _normalise
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents

    start = raw.index("Hello")
    starts = [i for i in range(len(raw)) if raw.startswith("Hello", i)]
    selections = "".join(
        f'<PlainTextSelection guid="{fx.guid(n, "D")}" startPosition="{s}" endPosition="{s + 5}">'
        f'<Coding guid="{fx.guid(n, "E")}" creatingUser="{USER}"><CodeRef targetGUID="{CODE}"/></Coding>'
        f'</PlainTextSelection>' for n, s in enumerate(starts, start=1))
    qde = project_xml().replace(project_xml().split(b"<PlainTextSelection", 1)[1].split(b"</TextSource>")[0], b"")
    qde = qde.replace(b"<PlainTextSelection</TextSource>", selections.encode() + b"</TextSource>")
    assert start == starts[0] and qde.count(b"<PlainTextSelection") == len(starts)
    path = qdpx(tmp_path, "nul.qdpx", {"project.qde": qde, f"sources/{SOURCE}.txt": raw.encode("utf-8")})
    report = import_qdpx(path, project=project)
    assert report.imported["codings"] == len(starts)
    with project.session() as s:
        [document] = list_documents(s)
        codings = list_codings(s)
    assert "\x00" not in document.text and document.text == _normalise(raw)
    assert [document.text[c.start:c.end] for c in codings] == ["Hello"] * len(starts)


# ---------------------------------------------------------------- 2. the file's users are mapped, never assumed

def _coders(project) -> dict[str, str]:
    from cotag.store.coders import list_coders

    with project.session() as s:
        return {c.name: c.role for c in list_coders(s)}


def _codings(project) -> list[tuple[str, str]]:
    from cotag.store.codings import list_codings

    with project.session() as s:
        return sorted((c.coder, c.code) for c in list_codings(s))


def test_users_are_not_matched_to_existing_coders_by_name(project, tmp_path):
    from cotag.store.coders import get_or_create_coder

    with project.session() as s:
        get_or_create_coder(s, name="ana")
    path = FIXTURES / "good_minimal.qdpx"
    with pytest.raises(RefiError) as info:
        import_qdpx(path, project=project)
    message = str(info.value)
    assert "'ana' (1 coding): this project has a coder of that name" in message
    assert "--as ana=ana" in message and "nothing was imported" in message
    assert _codings(project) == [] and _coders(project) == {"ana": "coder"}
    import_qdpx(path, project=project, user_map={"ana": "ana-team-b"})
    assert _codings(project) == [("ana-team-b", "greeting")]
    assert _coders(project) == {"ana": "coder", "ana-team-b": "coder"}
    with pytest.raises(RefiError, match="--as names no user of the file: 'bob'"):
        import_qdpx(path, project=project, user_map={"bob": "bob"})


def test_the_consensus_and_lead_roles_of_a_file_need_a_lead(project, tmp_path):
    """A file's "consensus" user, or its claim that a user is a lead, gives nobody those rights here."""
    from cotag.services.refi import export_qdpx
    from cotag.store.coders import get_or_create_coder

    sys.path.insert(0, str(REPO / "tests" / "unit"))
    from test_refi_export import build_small

    source_root = tmp_path / "theirs"
    from cotag.project import init_project

    theirs = init_project(source_root)
    try:
        build_small(theirs)  # alice, lead bob, consensus
        out = tmp_path / "theirs.qdpx"
        export_qdpx(theirs, out)
    finally:
        theirs.close()
    with project.session() as s:
        get_or_create_coder(s, name="carol")
        get_or_create_coder(s, name="lena", role="lead")
    mapping = {"alice": "alice-b", "bob": "bob-b", "consensus": "consensus"}
    with pytest.raises(RefiError, match="writes the consensus coding, which only a lead may do: pass --lead NAME"):
        import_qdpx(out, project=project, user_map=mapping)
    with pytest.raises(CotagError, match="carol is a coder, not a lead"):
        import_qdpx(out, project=project, user_map=mapping, lead="carol")
    assert _codings(project) == []
    import_qdpx(out, project=project, user_map=mapping, lead="lena")
    coders = _coders(project)
    assert coders["bob-b"] == "coder"  # the file said lead: not here
    assert coders["consensus"] == "consensus" and coders["carol"] == "coder" and coders["lena"] == "lead"
    assert {coder for coder, _ in _codings(project)} == {"alice-b", "bob-b", "consensus"}


def test_cli_import_lists_the_users_needing_a_mapping(project, tmp_path):
    from typer.testing import CliRunner

    from cotag.cli import app
    from cotag.store.coders import get_or_create_coder

    with project.session() as s:
        get_or_create_coder(s, name="Ana")
    runner = CliRunner()
    result = runner.invoke(app, ["--project", str(project.root), "import", "qdpx", str(FIXTURES / "nvivo_style.qdpx")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "'Ana' (" in result.output and "'Bek' (" in result.output and "--as Ana=Ana --as Bek=Bek" in result.output
    result = runner.invoke(app, ["--project", str(project.root), "import", "qdpx", str(FIXTURES / "nvivo_style.qdpx"),
                                 "--as", "Ana=Ana", "--as", "Bek"])
    assert result.exit_code == 1 and "write FILE_USER=CODER" in result.output
    result = runner.invoke(app, ["--project", str(project.root), "import", "qdpx", str(FIXTURES / "nvivo_style.qdpx"),
                                 "--as", "Ana=Ana", "--as", "Bek=Bek from Almaty"])
    assert result.exit_code == 0, result.output
    assert {coder for coder, _ in _codings(project)} == {"Ana", "Bek from Almaty"}


# ---------------------------------------------------------------- 4. killed imports

def _cotag(*args: str, crash_at: str | None = None, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("COTAG_TEST_CRASH_AT", None)
    env.pop("COTAG_DATABASE_URL", None)
    env.pop("COTAG_PROJECT", None)
    if crash_at:
        env["COTAG_TEST_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "cotag.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _project_with_codebook(tmp_path: Path, database_url: str):
    from cotag.codebook import Codebook, CodeSpec, save_codebook
    from cotag.project import init_project

    root = tmp_path / "proj"
    root.mkdir()
    save_codebook(Codebook(title="Ours", version=0, codes=[CodeSpec(key="keep", name="Keep")]), root / "codebook.yaml")
    project = init_project(root, codebook="codebook.yaml", database_url=database_url)
    project.close()
    return root


def _state(root: Path) -> tuple[set[str], set[str], list[str]]:
    """(code keys in the database, code keys in codebook.yaml, journal files) after opening the project."""
    from cotag.codebook import load_codebook
    from cotag.project import open_project
    from cotag.store.codes import list_codes

    project = open_project(root)  # opening finishes or drops what a killed import left
    try:
        with project.session() as s:
            in_db = {c.key for c in list_codes(s)}
    finally:
        project.close()
    in_yaml = {c.key for c in load_codebook(root / "codebook.yaml").codes}
    return in_db, in_yaml, [p.name for p in root.iterdir() if ".pending-" in p.name]


@pytest.mark.parametrize("point", ["codebook-staged", "committed"])
def test_an_import_killed_around_its_commit_leaves_codebook_and_database_agreeing(tmp_path, database_url, point,
                                                                                    monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = _project_with_codebook(tmp_path, database_url)
    before = (root / "codebook.yaml").read_bytes()
    killed = _cotag("--project", str(root), "import", "qdpx", str(FIXTURES / "qc_style.qdpx"), crash_at=point,
                    cwd=tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    journals = [p.name for p in root.iterdir() if ".pending-" in p.name]
    assert len(journals) == 1  # the new codebook waits beside the old one
    assert (root / "codebook.yaml").read_bytes() == before  # never changed before the database committed
    in_db, in_yaml, journals = _state(root)
    assert journals == []
    expected = {"board", "equity", "funding", "equity-2"}
    if point == "codebook-staged":
        assert in_db == set() and in_yaml == {"keep"}  # nothing committed: nothing anywhere
        assert (root / "codebook.yaml").read_bytes() == before
    else:
        assert in_db == expected and in_yaml == expected | {"keep"}  # committed: the codebook caught up
    rerun = _cotag("--project", str(root), "import", "qdpx", str(FIXTURES / "qc_style.qdpx"), "--as", "cp=cp",
                   cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    in_db, in_yaml, journals = _state(root)
    assert in_db == expected and in_yaml == expected | {"keep"} and journals == []


def test_an_into_import_killed_before_it_finished_leaves_nothing_in_the_way(tmp_path):
    target = tmp_path / "copy"
    killed = _cotag("import", "qdpx", str(FIXTURES / "qc_style.qdpx"), "--into", str(target), crash_at="into-built",
                    cwd=tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not target.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.cotag-import-")]
    assert len(leftovers) == 1
    rerun = _cotag("import", "qdpx", str(FIXTURES / "qc_style.qdpx"), "--into", str(target), cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert f"into {target}" in rerun.stdout and str(tmp_path / ".copy") not in rerun.stdout
    # The abandoned copy of the interviews is cleared away; the new project is whole.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.cotag-import-")] == []
    in_db, in_yaml, journals = _state(target)
    assert in_db == in_yaml == {"board", "equity", "funding", "equity-2"} and journals == []


def test_plan_reading_needs_no_project(tmp_path):
    """The readers used by the fuzz test work without a database (a quick check that they stay that way)."""
    package = open_package(FIXTURES / "qc_style.qdpx")
    try:
        plan = plan_import(package)
    finally:
        package.close()
    assert [d.name for d in plan.documents] == ["board_2017", "second"]


def test_journal_recovery_finishes_committed_imports_and_drops_the_rest(tmp_path, database_url, monkeypatch):
    """What opening a project does with journals: committed -> in place; not committed -> dropped, unless its
    import is still running; committed but the codebook edited since -> the edited file stays."""
    from cotag.codebook import load_codebook
    from cotag.project import open_project
    from cotag.refi.qdc import CodebookJournal, recover_codebook_journal
    from cotag.store.events import log_event

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = _project_with_codebook(tmp_path, database_url)
    codebook = root / "codebook.yaml"
    original = codebook.read_bytes()
    newer = original.replace(b"Keep", b"Kept")
    project = open_project(root)
    try:
        def journal(committed: bool, pid: int | None = None) -> Path:
            entry = CodebookJournal(project)
            if pid is not None:
                parts = entry.token.split("-")
                entry.token = "-".join([parts[0], parts[1], str(pid), parts[3]])
            entry.journal = codebook.parent / f".codebook.yaml.pending-{entry.token}"
            entry.journal.write_bytes(newer)
            if committed:
                with project.session() as s:
                    log_event(s, kind="import.qdpx", payload=entry.payload)
            return entry.journal

        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()
        uncommitted = journal(False, pid=int(dead))
        running = journal(False, pid=os.getpid())
        assert recover_codebook_journal(project) and not uncommitted.exists() and running.exists()
        assert codebook.read_bytes() == original
        running.unlink()
        committed = journal(True)
        assert any("completed" in line for line in recover_codebook_journal(project))
        assert not committed.exists() and codebook.read_bytes() == newer
        assert load_codebook(codebook).codes[0].name == "Kept"
        # A committed journal written against an older codebook does not overwrite later edits.
        stale = journal(True)
        codebook.write_bytes(original)
        assert any("kept as it is" in line for line in recover_codebook_journal(project))
        assert not stale.exists() and codebook.read_bytes() == original
    finally:
        project.close()
