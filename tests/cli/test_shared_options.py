"""The options many commands share are defined once and keep their older spellings (issue #14)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer.main
from factories import make_codes, make_document
from typer.testing import CliRunner

from cotag.cli import app
from cotag.coding import CodingSession
from cotag.services.coding import open_transcript

REPO = Path(__file__).resolve().parents[2]


def walk(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from walk(command, (*prefix, name))


def option(command, flag):
    return next((p for p in command.params if flag in p.opts), None)


@pytest.fixture
def study(sqlite_project):
    with sqlite_project.session() as session:
        doc = make_document(session, "E001", [("Respondent", ["Salaries are low.", "My brother left."])])
        make_document(session, "E002", [("Respondent", ["I stayed."])])
        make_codes(session, [("wages", "Wages"), ("network", "Networks")])
        doc_id = doc.id
    units = open_transcript(sqlite_project, document_id=doc_id, coder_ids=[], progress_coder_id=0).units
    alice = CodingSession(sqlite_project, coder="alice")
    alice.apply(document_id=doc_id, code="wages", start=units[0].start, end=units[0].end)
    alice.apply(document_id=doc_id, code="network", start=units[1].start, end=units[1].end)
    return sqlite_project


def run(project, *args):
    result = CliRunner().invoke(app, ["--project", str(project.root), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("flag", ["--documents", "--document", "-d"])
def test_document_spellings_filter_alike(study, flag):
    rows = run(study, "codings", "list", flag, "E001", "--json")
    assert [r["document"] for r in rows] == ["E001", "E001"]


@pytest.mark.parametrize("flag", ["--codes", "--code"])
def test_code_spellings_filter_alike(study, flag):
    rows = run(study, "codings", "list", flag, "network", "--json")
    assert [(r["document"], r["code"]) for r in rows] == [("E001", "network")]


def test_coder_is_repeatable_or_comma_separated(study):
    CodingSession(study, coder="bob")  # a coder with no codings
    assert len(run(study, "codings", "list", "--coder", "alice,bob", "--json")) == 2
    assert len(run(study, "codings", "list", "--coder", "alice", "--coder", "bob", "--json")) == 2


def test_export_quotes_takes_the_singular_spellings_too(study):
    result = CliRunner().invoke(app, ["--project", str(study.root), "export", "quotes", "--all-coders",
                                      "--code", "wages", "--document", "E001"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 2 and "Salaries are low." in lines[1]


def test_each_shared_option_has_one_definition():
    """Wherever --json, --where, --output or a list --documents/--codes appears, it is the same option."""
    root = typer.main.get_command(app)
    seen: dict[str, set[tuple]] = {}
    # Singular options that mean one thing on purpose (docs/cli.md lists them).
    singular = {("code",), ("assign",), ("reconcile", "decide"), ("simulate-coders",)}
    for path, command in walk(root):
        for flag in ("--json", "--where", "--output", "--documents", "--codes"):
            param = option(command, flag)
            if param is None or (path in singular and flag in ("--documents", "--codes")):
                continue
            seen.setdefault(flag, set()).add((tuple(sorted(param.opts)), param.help))
    for flag in ("--json", "--where", "--output", "--documents", "--codes"):
        assert len(seen[flag]) == 1, (flag, seen[flag])
    assert seen["--documents"].pop()[0] == ("--document", "--documents", "-d")
    assert seen["--codes"].pop()[0] == ("--code", "--codes")


def test_groups_are_registered_by_their_own_modules():
    root = typer.main.get_command(app)
    codebook = root.commands["codebook"]
    assert {"check", "load", "rename", "move", "merge", "split", "recode", "retire", "save"} <= set(codebook.commands)
    assert codebook.commands["rename"].callback.__module__ == "cotag.commands.codebook"
    assert {"qdpx", "qdc", "codebook-csv", "coder", "quotes", "matrix"} <= set(root.commands["export"].commands)
    lead = (REPO / "src" / "cotag" / "commands" / "lead.py").read_text(encoding="utf-8")
    refi = (REPO / "src" / "cotag" / "commands" / "refi.py").read_text(encoding="utf-8")
    assert "codebook_app" not in lead and "export_app" not in refi


def test_commands_open_no_session():
    """The command line calls services; opening a session (a transaction) is the services' job."""
    offenders = []
    for path in sorted((REPO / "src" / "cotag" / "commands").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(r"\.session\(", line):
                offenders.append(f"{path.name}:{number}")
    assert offenders == []


def test_shared_options_are_documented():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for spelling in ("--documents", "--document", "--codes", "--code", "--json", "--where", "--format",
                     "--output", "--coder", "--lead"):
        assert f"`{spelling}" in text, spelling


def test_each_command_is_built_from_its_own_module_alone():
    """`cotag NAME` registers only NAME's module (a faster start); the table that says which is complete."""
    import importlib

    from cotag import cli

    everything = set(typer.main.get_command(cli.app).commands)
    assert everything == set(cli.OWN_COMMANDS) | set(cli.COMMAND_OWNERS)
    for module in cli.COMMAND_MODULES:
        alone = typer.Typer()
        importlib.import_module(f"cotag.commands.{module}").register(alone)
        names = {c.name for c in alone.registered_commands} | {g.name for g in alone.registered_groups}
        names.discard(None)
        expected = {name for name, owner in cli.COMMAND_OWNERS.items() if owner == module}
        if module == "codebook":
            expected = set()  # its commands join the codebook group, which cli.py adds among its own
        assert names == expected, (module, names)


@pytest.mark.parametrize("argv, name", [
    (["agreement", "--unit", "turn"], "agreement"),
    (["--project", "p", "export", "matrix"], "export"),
    (["-p", "p", "status"], "status"),
    (["-pp", "reconcile", "list"], "reconcile"),
    (["--project=p", "log"], "log"),
    (["--help"], None),
    ([], None),
])
def test_the_command_is_found_after_the_global_options(argv, name):
    from cotag.cli import command_named

    assert command_named(argv) == name


def lean(*args):
    import subprocess
    import sys

    code = "import sys; sys.argv = ['cotag', *sys.argv[1:]]; from cotag.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})


def test_a_lean_start_runs_the_command(study):
    done = lean("--project", str(study.root), "codings", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 2
    # The codebook group: its own commands (check, load) and the lead's operations, both there.
    done = lean("--project", str(study.root), "codebook", "--help")
    assert done.returncode == 0 and all(f" {name} " in done.stdout for name in ("check", "load", "rename", "save"))
    done = lean("--project", str(study.root), "codebook", "retire", "no-such-code", "--lead", "lena")
    assert done.returncode == 1 and done.stderr.startswith("error: ")  # a CotagError, said in one line
    assert "Traceback" not in done.stderr
