"""`cotag export qdpx|qdc` and `cotag import qdpx|qdc` from the command line."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from cotag.cli import app

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "refi"
sys.path.insert(0, str(REPO / "tests" / "unit"))
sys.path.insert(0, str(FIXTURES))
from shared_samples import refi_samples  # noqa: E402,F401  (real files: skipped without them, required in CI)
from test_refi_export import build_small, snapshot  # noqa: E402


def run(*args: str, project=None):
    prefix = ["--project", str(project.root)] if project is not None else []
    return CliRunner().invoke(app, [*prefix, *map(str, args)])


def test_export_qdpx_and_import_into_a_new_project(sqlite_project, tmp_path):
    from cotag.project import open_project

    build_small(sqlite_project)
    out = tmp_path / "study.qdpx"
    result = run("export", "qdpx", out, project=sqlite_project)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "3 selections with 4 codings" in result.stdout
    assert "U+FFFF" in result.stderr
    assert zipfile.ZipFile(out).namelist()[0] == "project.qde"

    copy = tmp_path / "copy"
    result = run("import", "qdpx", out, "--into", copy)
    assert result.exit_code == 0, result.output
    assert f"into {copy}" in result.stdout and "codings 4" in result.stdout
    assert "offsets read as cp" in result.stdout
    imported = open_project(copy)
    try:
        assert snapshot(imported) == snapshot(sqlite_project)
    finally:
        imported.close()


def test_export_qdpx_for_some_coders_as_json(sqlite_project, tmp_path):
    build_small(sqlite_project)
    out = tmp_path / "alice.qdpx"
    result = run("export", "qdpx", out, "--coders", "alice", "--json", project=sqlite_project)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["users"], data["codings"]) == (1, 2)
    result = run("export", "qdpx", tmp_path / "x.qdpx", "--coders", "nobody", project=sqlite_project)
    assert result.exit_code == 1 and "error: no coder named 'nobody'" in result.output


def test_import_qdpx_into_the_current_project(sqlite_project):
    result = run("import", "qdpx", FIXTURES / "nvivo_style.qdpx", project=sqlite_project)
    assert result.exit_code == 0, result.output
    assert "offsets read as utf16" in result.stdout
    assert "namespace urn:QDA-XML:project:1:0" in result.stdout
    # The project has coders now: the file's users need explicit coders.
    result = run("import", "qdpx", FIXTURES / "nvivo_style.qdpx", "--json", project=sqlite_project)
    assert result.exit_code == 1 and "--as FILE_USER=CODER" in result.output
    users = [arg for name in ("Ana", "Bek") for arg in ("--as", f"{name}={name}")]
    result = run("import", "qdpx", FIXTURES / "nvivo_style.qdpx", "--json", *users, project=sqlite_project)
    data = json.loads(result.stdout)
    assert data["imported"]["codings"] == 0 and data["imported"]["codings_already_present"] == 8


def test_import_qdpx_bad_file_is_a_clean_error(sqlite_project, tmp_path):
    result = run("import", "qdpx", FIXTURES / "bad_dangling_coderef.qdpx", project=sqlite_project)
    assert result.exit_code == 1
    assert "error:" in result.output and "which is no code in the file" in result.output
    assert "Traceback" not in result.output
    result = run("import", "qdpx", FIXTURES / "bad_not_xml.qdpx", "--into", tmp_path / "new")
    assert result.exit_code == 1 and "not well-formed XML" in result.output
    assert not (tmp_path / "new").exists()
    result = run("status", "--json", project=sqlite_project)
    assert json.loads(result.stdout)["codes"] == 0


def test_import_qdpx_reports_what_is_not_carried_over(tmp_path, refi_samples):
    result = run("import", "qdpx", refi_samples / "atlasti-8.4_refi-standard-project.qde", "--into", tmp_path / "p")
    assert result.exit_code == 0, result.output
    assert "not carried over:" in result.stdout
    assert "picture source(s)" in result.stdout and "graph(s)" in result.stdout


def test_export_and_import_qdc(sqlite_project, tmp_path):
    from cotag.codebook import load_codebook

    build_small(sqlite_project)
    qdc = tmp_path / "codes.qdc"
    result = run("export", "qdc", qdc, project=sqlite_project)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "3 codes" in result.stdout
    out = tmp_path / "codes.yaml"
    result = run("import", "qdc", qdc, "--into", out)
    assert result.exit_code == 0, result.output
    assert [c.key for c in load_codebook(out).codes] == ["push", "wages", "pull"]


def test_yaml_codebook_to_qdc_and_back_without_a_project(tmp_path, monkeypatch):
    from cotag.codebook import load_codebook

    monkeypatch.chdir(tmp_path)
    qdc = tmp_path / "migration.qdc"
    result = run("export", "qdc", qdc, "--codebook", REPO / "codebooks" / "migration.yaml")
    assert result.exit_code == 0, result.output
    back = tmp_path / "back.yaml"
    result = run("import", "qdc", qdc, "--into", back)
    assert result.exit_code == 0, result.output
    original, again = load_codebook(REPO / "codebooks" / "migration.yaml"), load_codebook(back)
    assert [(c.key, c.name, c.parent, c.description, c.include, c.exclude, c.examples, c.colour) for c in again.codes] \
        == [(c.key, c.name, c.parent, c.description, c.include, c.exclude, c.examples, c.colour) for c in original.codes]


def test_import_qdc_into_the_project_and_taguette_warning(sqlite_project, refi_samples):
    result = run("import", "qdc", refi_samples / "taguette-1.5.2_codebook.qdc", project=sqlite_project)
    assert result.exit_code == 0, result.output
    assert "5 added" in result.stdout and "empty <Sets/>" in result.stdout
    result = run("status", "--json", project=sqlite_project)
    assert json.loads(result.stdout)["codes"] == 5


def test_transcript_import_still_works_and_refuses_refi_options(sqlite_project, tmp_path, monkeypatch):
    folder = tmp_path / "qdpx"  # a transcript folder that happens to be called qdpx
    folder.mkdir()
    (folder / "T1.md").write_text("Interviewer: Hello?\n\nRespondent: Hello there. Fine.\n", encoding="utf-8")
    (tmp_path / "T2.md").write_text("Interviewer: Why?\n\nRespondent: Because.\n", encoding="utf-8")
    result = run("import", "qdpx", FIXTURES / "good_minimal.qdpx", FIXTURES / "nvivo_style.qdpx",
                 project=sqlite_project)
    assert result.exit_code == 1 and "exactly one file" in result.output
    monkeypatch.chdir(tmp_path)
    result = run("import", "qdpx", tmp_path / "T2.md", project=sqlite_project)
    assert result.exit_code == 0, result.output
    assert "imported 2 new" in result.stdout
    result = run("import", folder / "T1.md", "--into", tmp_path / "x", project=sqlite_project)
    assert result.exit_code == 1 and "--into and --offsets belong to" in result.output
    result = run("import", "qdc", FIXTURES / "atlas_codebook.qdc", "--offsets", "cp", project=sqlite_project)
    assert result.exit_code == 1 and "--offsets is for" in result.output


def test_importing_an_export_back_into_its_project_adds_no_memo_twice(sqlite_project, tmp_path):
    """Documents, codes and codings already there are reused; the memos must be too, however often it is run."""
    from cotag.store.memos import list_memos

    build_small(sqlite_project)
    out = tmp_path / "study.qdpx"
    assert run("export", "qdpx", out, project=sqlite_project).exit_code == 0
    with sqlite_project.session() as s:
        before = sorted(repr((m.coder, m.document, m.code, m.title, m.text)) for m in list_memos(s))
    for _ in range(2):
        result = run("import", "qdpx", out, "--as", "alice=alice", "--as", "bob=bob", "--as", "consensus=consensus",
                     "--lead", "bob", project=sqlite_project)
        assert result.exit_code == 0, result.output
        assert f"memos 0 ({len(before)} already there)" in result.stdout
    with sqlite_project.session() as s:
        assert sorted(repr((m.coder, m.document, m.code, m.title, m.text)) for m in list_memos(s)) == before


def test_exports_to_a_missing_folder_are_clean_errors_and_files_get_the_usual_mode(sqlite_project, tmp_path):
    import os

    build_small(sqlite_project)
    for kind in ("qdc", "qdpx"):
        result = run("export", kind, tmp_path / "no-such-folder" / f"x.{kind}", project=sqlite_project)
        assert result.exit_code == 1 and "no such folder" in result.stderr and result.exception.__class__ is SystemExit
    old = os.umask(0o022)
    try:
        for kind in ("qdc", "qdpx"):
            out = tmp_path / f"shared.{kind}"
            assert run("export", kind, out, project=sqlite_project).exit_code == 0
            assert out.stat().st_mode & 0o777 == 0o644  # not owner-only: it is made to be passed on
    finally:
        os.umask(old)


def test_import_into_a_place_that_cannot_be_written_is_a_clean_error(sqlite_project, tmp_path):
    build_small(sqlite_project)
    qdc, qdpx = tmp_path / "codes.qdc", tmp_path / "study.qdpx"
    assert run("export", "qdc", qdc, project=sqlite_project).exit_code == 0
    assert run("export", "qdpx", qdpx, project=sqlite_project).exit_code == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for args in (("import", "qdc", qdc, "--into", blocker / "codebook.yaml"),
                 ("import", "qdpx", qdpx, "--into", blocker / "copy")):
        result = run(*args)
        assert result.exit_code == 1 and result.exception.__class__ is SystemExit, result.output
        assert f"error: {blocker}" in result.stderr and "Traceback" not in result.output
    assert blocker.read_text() == "not a folder"


def test_export_codebook_csv_for_taguette_and_one_code_per_selection(sqlite_project, tmp_path, monkeypatch):
    import csv

    build_small(sqlite_project)
    out = tmp_path / "codes.csv"
    result = run("export", "codebook-csv", out, project=sqlite_project)
    assert result.exit_code == 0, result.output
    assert "3 tags for Taguette" in result.stdout
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["tag", "description"] and [r[0] for r in rows[1:]] == ["Push", "Push.Wages", "Pull"]
    monkeypatch.chdir(tmp_path)
    result = run("export", "codebook-csv", "yaml.csv", "--codebook", REPO / "codebooks" / "migration.yaml", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["tags"] > 10

    # alice coded one span with two codes: one selection holds both, or (for first-coding-only readers) one each.
    for flag, selections in (([], 3), (["--one-code-per-selection"], 4)):
        result = run("export", "qdpx", tmp_path / "s.qdpx", *flag, "--json", project=sqlite_project)
        assert result.exit_code == 0, result.output
        assert (json.loads(result.stdout)["selections"], json.loads(result.stdout)["codings"]) == (selections, 4)


def test_import_qdpx_into_a_new_project_with_its_starter_codebook(sqlite_project, tmp_path):
    """`cotag init` writes a codebook.yaml the database does not hold yet; the import writes its codes into that
    file, so a shortcut the file gives another code is not taken (a file with one shortcut twice is refused),
    and one the file gives the same code is kept."""
    from cotag.codebook import load_codebook

    build_small(sqlite_project)  # wages has shortcut 1
    out = tmp_path / "study.qdpx"
    assert run("export", "qdpx", out, project=sqlite_project).exit_code == 0

    def new_project(name: str) -> Path:
        target = tmp_path / name
        target.mkdir()
        assert CliRunner().invoke(app, ["init", str(target)]).exit_code == 0
        return target

    # The starter codebook as `cotag init` writes it: the import goes through and the file stays valid.
    target = new_project("starter")
    result = CliRunner().invoke(app, ["--project", str(target), "import", "qdpx", str(out)])
    assert result.exit_code == 0, result.output
    assert "wages" in {c.key for c in load_codebook(target / "codebook.yaml").codes}

    # A codebook whose own code holds key 1: the imported wages is left without it, and the report says so.
    target = new_project("own")
    (target / "codebook.yaml").write_text('codebook: Ours\nversion: 1\ncodes:\n  - key: holder\n    name: Holder\n'
                                          '    shortcut: "1"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(target), "import", "qdpx", str(out)])
    assert result.exit_code == 0, result.output
    assert "code wages: shortcut '1' is already used by holder" in result.output
    codes = {c.key: c for c in load_codebook(target / "codebook.yaml").codes}
    assert codes["holder"].shortcut == "1" and codes["wages"].shortcut is None
