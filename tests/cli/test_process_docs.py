"""docs/process.md walks a team through a study with real commands: every `cotag ...` line of its code blocks
names an existing command, and every option it uses is one of that command's options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from cotag.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "process.md"


def documented_command_lines() -> list[str]:
    """The `cotag` lines of fenced blocks (the walkthrough's ```sh) and of indented ones (the synopses)."""
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh)?\n(.*?)```", text, flags=re.S)
    fenced = [line.strip() for block in blocks for line in block.splitlines()]
    indented = [line.strip() for line in text.splitlines() if line.startswith("    cotag ")]
    return [line for line in fenced + indented if line.startswith("cotag ")]


def resolve(words: list[str]):
    """The click command the words name, and the words after its path."""
    command = typer.main.get_command(app)
    rest = list(words)
    while rest and hasattr(command, "commands") and rest[0] in command.commands:
        command = command.commands[rest.pop(0)]
    return command, rest


def test_every_command_in_the_walkthrough_exists_with_its_options():
    lines = documented_command_lines()
    assert len(lines) >= 10  # the walkthrough has its commands
    for line in lines:
        words = shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " "), comments=True)[1:]
        command, rest = resolve(words)
        assert not hasattr(command, "commands") or command.invoke_without_command, (line, "names a group only")
        options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        used = {word.split("=")[0] for word in rest if word.startswith("-")}
        assert used <= options, (line, sorted(used - options))


def test_the_walkthrough_covers_every_step():
    text = DOC.read_text(encoding="utf-8")
    for step in ("## 1. Plan", "## 2. Calibrate", "## 3. Code", "## 4. Check", "## 5. Reconcile", "## 6. Report"):
        assert step in text, step
    for command in ("cotag assign", "cotag round start", "cotag train --coder", "cotag train report",
                    "cotag codebook example", "cotag progress", "cotag agreement --by-round", "cotag reconcile"):
        assert command in text, command
