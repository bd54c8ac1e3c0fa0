"""The foundation from the command line: init, import, status, documents, codebook check and load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app

REPO = Path(__file__).resolve().parents[2]

EXPERT = """---
id: E900
group: expert
gender: female
age: 38
occupation: civil servant
place: Almaty
---
Interviewer: Why would people leave?

Respondent: Salaries are low here. My cousin earns five times more in Germany!

Interviewer: And family?

Respondent: My parents are old. I cannot leave them.
"""

CODEBOOK = """codebook: Test
version: 3
codes:
  - key: push
    name: Push factors
    children:
      - key: wages
        name: Wages
        shortcut: "1"
      - key: corruption
        name: Corruption
        shortcut: "2"
  - key: family-ties
    name: Family ties
    shortcut: "3"
"""


def cli(*args: str, project: Path | None = None):
    runner = CliRunner()
    argv = (["--project", str(project)] if project else []) + list(args)
    return runner.invoke(app, argv, catch_exceptions=False)


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    root = tmp_path / "study"
    result = cli("init", str(root))
    assert result.exit_code == 0, result.output
    return root


def test_init_import_status_json(proj, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "E900.md").write_text(EXPERT, encoding="utf-8")
    (folder / "G1.txt").write_text("I: Where did you study?\nR: In Vienna. It was cheap.\n", encoding="utf-8")
    result = cli("import", str(folder), project=proj)
    assert result.exit_code == 0, result.output
    assert "imported 2 new" in result.output
    status = json.loads(cli("status", "--json", project=proj).output)
    assert status["documents"] == {"": 1, "expert": 1}
    assert status["units"] == 1 + 2 + 1 + 2 + 1 + 2
    assert status["coders"] == 0 and status["codings"] == 0


def test_group_option_and_documents_list_show(proj, tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("Q: Where to?\nA: Canada, probably. Or Korea.\n", encoding="utf-8")
    assert cli("import", str(path), "--group", "graduate", project=proj).exit_code == 0
    rows = json.loads(cli("documents", "list", "--json", project=proj).output)
    assert rows == [{"id": "g", "group": "graduate", "attributes": {}, "units": 3, "words": 6, "format": "txt",
                     "source": str(path)}]
    shown = cli("documents", "show", "g", project=proj).output
    assert "Q:" in shown and "Canada, probably. Or Korea." in shown
    turns = json.loads(cli("documents", "show", "g", "--json", project=proj).output)["turns"]
    assert [(t["speaker"], t["interviewer"], len(t["units"])) for t in turns] == [("Q", True, 1), ("A", False, 2)]
    bad = cli("documents", "show", "nope", project=proj)
    assert bad.exit_code == 1 and "no document with id 'nope'" in bad.output


def test_reimport_unchanged_does_nothing_and_changed_coded_is_refused(proj, tmp_path):
    from cotag.project import open_project
    from cotag.store import coders, codings, documents, codes
    from factories import make_codes

    path = tmp_path / "E900.md"
    path.write_text(EXPERT, encoding="utf-8")
    assert cli("import", str(path), project=proj).exit_code == 0
    again = cli("import", str(path), "--json", project=proj)
    assert json.loads(again.output)["unchanged"] == ["E900"]

    project = open_project(proj)
    with project.session() as session:
        make_codes(session, [("wages", "Wages")])
        doc = documents.get_document(session, external_id="E900")
        coder = coders.get_or_create_coder(session, name="aliya")
        codings.add_coding(session, document_id=doc.id, code_id=codes.get_code(session, key="wages").id,
                           coder_id=coder.id, start=doc.text.index("Salaries"), end=doc.text.index("here.") + 5)
        before = doc.text
    path.write_text(EXPERT.replace("five times", "six times"), encoding="utf-8")
    refused = cli("import", str(path), project=proj)
    assert refused.exit_code == 1
    assert "E900" in refused.output and "refusing to replace" in refused.output
    with project.session() as session:
        assert documents.get_document(session, external_id="E900").text == before
    project.close()


def test_changed_uncoded_document_is_replaced(proj, tmp_path):
    path = tmp_path / "E900.md"
    path.write_text(EXPERT, encoding="utf-8")
    cli("import", str(path), project=proj)
    path.write_text(EXPERT.replace("five times", "six times"), encoding="utf-8")
    result = cli("import", str(path), "--json", project=proj)
    assert json.loads(result.output)["replaced"] == ["E900"]
    shown = json.loads(cli("documents", "show", "E900", "--json", project=proj).output)
    assert "six times" in shown["turns"][1]["text"]


def test_bad_files_are_named_and_the_rest_imports(proj, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text(EXPERT, encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "badfront.md").write_text("---\nid: [unclosed\n---\nI: hi\n", encoding="utf-8")
    (folder / "cyr.txt").write_bytes("Интервьюер: Почему?\nРеспондент: Зарплата низкая. Я уеду.\n".encode("cp1251"))
    (folder / "bom.txt").write_bytes("\ufeffI: Hello?\nR: Fine.\n".encode("utf-8"))
    result = cli("import", str(folder), "--json", project=proj)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert sorted(report["added"]) == ["E900", "bom", "cyr"]
    errors = "\n".join(report["errors"])
    for name in ("empty.txt", "binary.txt", "broken.docx", "badfront.md"):
        assert name in errors
    cyr = json.loads(cli("documents", "show", "cyr", "--json", project=proj).output)
    assert cyr["turns"][1]["text"] == "Зарплата низкая. Я уеду."
    bom = json.loads(cli("documents", "show", "bom", "--json", project=proj).output)
    assert bom["turns"][0]["text"] == "Hello?"


def test_missing_path_and_unknown_type(proj, tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = cli("import", str(tmp_path / "nowhere"), str(tmp_path / "notes.pdf"), project=proj)
    assert result.exit_code == 1
    assert "nowhere: no such file or folder" in result.output
    assert "unsupported file type .pdf" in result.output


def test_codebook_check_reports_file_line_key(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(CODEBOOK.replace('shortcut: "2"', 'shortcut: "1"').replace("name: Family ties", "name: ''"),
                    encoding="utf-8")
    result = cli("codebook", "check", str(path))
    assert result.exit_code == 1
    assert f"{path}:12: [corruption]" in result.output and "shortcut" in result.output
    assert "[family-ties]" in result.output
    ok = tmp_path / "ok.yaml"
    ok.write_text(CODEBOOK, encoding="utf-8")
    good = cli("codebook", "check", str(ok))
    assert good.exit_code == 0 and "ok, 4 codes, version 3" in good.output


def test_codebook_load_updates_by_key_and_retires(proj, tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    first = json.loads(cli("codebook", "load", str(path), "--json", project=proj).output)
    assert sorted(first["added"]) == ["corruption", "family-ties", "push", "wages"]
    changed = CODEBOOK.replace("name: Wages", "name: Wages and income").replace(
        "      - key: corruption\n        name: Corruption\n        shortcut: \"2\"\n", "")
    path.write_text(changed, encoding="utf-8")
    second = json.loads(cli("codebook", "load", str(path), "--json", project=proj).output)
    assert second["updated"] == ["wages"] and second["retired"] == ["corruption"] and second["added"] == []
    from cotag.project import open_project
    from cotag.store.codes import list_codes

    project = open_project(proj)
    with project.session() as session:
        by_key = {c.key: c for c in list_codes(session)}
    project.close()
    assert by_key["corruption"].status == "retired"  # kept, never dropped
    assert by_key["wages"].name == "Wages and income"
    assert by_key["wages"].parent_id == by_key["push"].id


def test_broken_codebook_load_changes_nothing(proj, tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("codes:\n  - key: a\n    name: A\n    parent: ghost\n", encoding="utf-8")
    result = cli("codebook", "load", str(path), project=proj)
    assert result.exit_code == 1 and "ghost" in result.output
    assert json.loads(cli("status", "--json", project=proj).output)["codes"] == 0


def test_no_project_is_a_clean_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    result = cli("status")
    assert result.exit_code == 1
    assert "error: no cotag project" in result.output


def test_console_script_help_lists_commands():
    # How fast it starts is measured in bench/ (import_bench.py); what keeps it fast, importing no heavy
    # library, is asserted by test_help_imports_no_heavy_library below.
    proc = subprocess.run([sys.executable, "-m", "cotag.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for command in ("init", "import", "status", "documents", "codebook"):
        assert command in proc.stdout


def test_help_imports_no_heavy_library():
    code = ("import sys; from cotag import cli; "
            "heavy = [m for m in ('spacy', 'pandas', 'textual', 'alembic', 'numpy') if m in sys.modules]; "
            "print(','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_documents_show_keeps_a_turns_paragraphs(proj, tmp_path):
    path = tmp_path / "p.md"
    path.write_text("Interviewer: Tell me.\n\nRespondent: First point. Second point.\n\nAnd a new paragraph.\n",
                    encoding="utf-8")
    assert cli("import", str(path), project=proj).exit_code == 0
    turns = json.loads(cli("documents", "show", "p", "--json", project=proj).output)["turns"]
    assert [(t["speaker"], t["interviewer"]) for t in turns] == [("Interviewer", True), ("Respondent", False)]
    assert turns[1]["text"] == "First point. Second point.\n\nAnd a new paragraph."
    assert [u["text"] for u in turns[1]["units"]] == ["First point.", "Second point.", "And a new paragraph."]
    shown = cli("documents", "show", "p", project=proj).output
    assert "Respondent:" in shown and "And a new paragraph." in shown


def test_folders_skip_hidden_files_hidden_folders_and_readme(proj, tmp_path):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "sub" / "E1.txt").write_text("I: Why?\nR: Pay.\n", encoding="utf-8")
    (folder / ".git" / "E2.txt").write_text("I: Why?\nR: Family.\n", encoding="utf-8")
    (folder / ".E3.txt").write_text("I: Why?\nR: Roots.\n", encoding="utf-8")
    (folder / "README.md").write_text("# About this corpus\n", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = cli("import", str(folder), "--json", project=proj)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == ["E1"]


def test_import_without_paths_uses_the_folders_in_cotag_toml(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    bare = tmp_path / "bare"
    assert cli("init", str(bare)).exit_code == 0
    nothing = cli("import", project=bare)
    assert nothing.exit_code == 1 and "cotag.toml names none" in nothing.output
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "interviews" / "E1.md").write_text(EXPERT, encoding="utf-8")
    assert cli("init", str(root), "--transcripts", "interviews").exit_code == 0
    result = cli("import", "--json", project=root)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == ["E900"]


# Command -> the page that documents it; options that belong to another page's subject.
DOCUMENTED = {
    ("init",): "projects.md",
    ("import",): "transcripts.md",
    ("status",): "transcripts.md",
    ("documents", "list"): "transcripts.md",
    ("documents", "show"): "transcripts.md",
    ("codebook", "check"): "codebook.md",
    ("codebook", "load"): "codebook.md",
}
ELSEWHERE = {"--into", "--offsets", "--sources", "--as", "--lead"}  # `cotag import qdpx|qdc`: docs/refi-qda.md


def test_every_foundation_command_and_option_is_documented():
    import typer.main

    root = typer.main.get_command(app)
    for names, page in DOCUMENTED.items():
        text = (REPO / "docs" / page).read_text(encoding="utf-8")
        command = root
        for name in names:
            command = command.commands[name]
        assert f"cotag {' '.join(names)}" in text, (names, page)
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help" and option not in ELSEWHERE:
                    assert option in text, (names, option, page)
    refi = (REPO / "docs" / "refi-qda.md").read_text(encoding="utf-8")
    assert all(option in refi for option in ELSEWHERE)
    # The global options and variables that choose the project and the database.
    projects = (REPO / "docs" / "projects.md").read_text(encoding="utf-8")
    for word in ("--project", "COTAG_PROJECT", "COTAG_DATABASE_URL", "WAL"):
        assert word in projects


def test_status_in_words(proj, tmp_path):
    (tmp_path / "E900.md").write_text(EXPERT, encoding="utf-8")
    (tmp_path / "x.txt").write_text("I: Why?\nR: Pay.\n", encoding="utf-8")
    assert cli("import", str(tmp_path), project=proj).exit_code == 0
    lines = cli("status", project=proj).output.splitlines()
    assert lines[0].startswith("project   study")
    assert "documents 2: (no group) 1, expert 1" in lines
    assert "units     8" in lines and "codings   0" in lines


def test_a_file_name_that_is_not_utf8_is_an_error_for_that_file_only(proj, tmp_path):
    import os

    folder = tmp_path / "names"
    folder.mkdir()
    (folder / "good.txt").write_text("I: Why?\nR: Pay.\n", encoding="utf-8")
    # "Интервью.txt" in Windows-1251, as a zip made on Windows unpacks on Linux.
    bad = os.path.join(os.fsencode(folder), "Интервью.txt".encode("cp1251"))
    try:
        with open(bad, "w", encoding="utf-8") as f:
            f.write("I: Why?\nR: Family.\n")
    except OSError:
        pytest.skip("this file system accepts only UTF-8 file names")
    result = cli("import", str(folder), "--json", project=proj)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == ["good"]
    assert len(report["errors"]) == 1 and "the file name is not valid UTF-8" in report["errors"][0]


def test_a_file_named_twice_is_imported_once(proj, tmp_path):
    folder = tmp_path / "twice"
    folder.mkdir()
    (folder / "T1.txt").write_text("I: Why?\nR: Pay.\n", encoding="utf-8")
    result = cli("import", str(folder), str(folder / "T1.txt"), str(folder / "." / "T1.txt"), "--json", project=proj)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["added"] == ["T1"] and report["errors"] == []


def test_import_of_a_hostile_batch_lists_each_bad_file_then_ends_with_the_summary(proj, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "good.md").write_text(EXPERT, encoding="utf-8")
    (folder / "date.md").write_text("---\nborn: 2018-13-45\n---\nR: x.\n", encoding="utf-8")
    (folder / "nan.md").write_text("---\nscore: .nan\n---\nR: x.\n", encoding="utf-8")
    (folder / "hour.vtt").write_text("WEBVTT\n\n" + "9" * 4400 + ":00:00.000 --> 00:00:01.000\nR: x.\n",
                                     encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(proj), "import", str(folder)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"error: {folder / 'date.md'}:2: bad value in front matter: '2018-13-45' is not a real date or time "
        "(month must be in 1..12); write it in quotes to keep it as text",
        f"error: {folder / 'hour.vtt'}:3: malformed cue timing '{'9' * 60}...' "
        "(expected '00:00:01.000 --> 00:00:04.000')",
        f"error: {folder / 'nan.md'}:2: bad value in front matter: '.nan' is not a number an attribute can hold "
        "(NaN or infinity cannot be stored); write it in quotes to keep it as text",
    ]
    assert result.stdout.splitlines()[-1] == ("imported 1 new, 0 replaced, 0 with new attributes, 0 unchanged; "
                                              "6 units, 26 words; 0 refused, 3 failed (listed above)")
    assert json.loads(cli("status", "--json", project=proj).output)["documents"] == {"expert": 1}


def test_a_clean_import_summary_has_no_problem_counts(proj, tmp_path):
    (tmp_path / "E900.md").write_text(EXPERT, encoding="utf-8")
    result = cli("import", str(tmp_path / "E900.md"), project=proj)
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("6 units, 26 words")


@pytest.mark.parametrize("name", ['line\nbreak', 'say "hi"', "back\\slash", "tab\tand\rreturn", "bell\x07",
                                  "Қазақ зерттеуі ✓"], ids=["newline", "quotes", "backslash", "tab-cr", "bell",
                                                             "kazakh"])
def test_init_writes_a_cotag_toml_that_reads_back_whatever_the_folder_is_called(tmp_path, monkeypatch, name):
    import tomllib

    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = tmp_path / name
    result = cli("init", str(root), "--codebook", f"codebooks/{name}.yaml", "--transcripts", name)
    assert result.exit_code == 0, result.output
    config = tomllib.loads((root / "cotag.toml").read_text(encoding="utf-8"))
    assert config["project"]["name"] == name
    assert config["codebook"]["path"] == f"codebooks/{name}.yaml" and config["transcripts"]["folders"] == [name]
    assert json.loads(cli("status", "--json", project=root).output)["project"] == name


def test_init_refuses_a_name_that_is_not_utf8_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    root = tmp_path / "bad\udcff"
    result = cli("init", str(root))
    assert result.exit_code == 1 and "not valid UTF-8" in result.output
    assert not root.exists()


def test_codebook_check_of_hostile_files_reports_file_and_line(tmp_path):
    cases = {
        "date.yaml": ("codebook: x\nversion: 2018-13-45\ncodes: []\n", 2, "is not a real date"),
        "big.yaml": ("codebook: x\nversion: " + "9" * 5000 + "\ncodes: []\n", 2, "a number of 5,000 digits"),
        "loop.yaml": ("codebook: x\nversion: 1\ncodes:\n  - key: a\n    name: A\n    children: &c "
                      "[{key: b, name: B, children: *c}]\n", 6, "inside its own anchor"),
    }
    for name, (text, line, says) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = cli("codebook", "check", str(path))
        assert result.exit_code == 1, (name, result.output)
        assert f"{path}:{line}: " in result.output and says in result.output and "ok," not in result.output
