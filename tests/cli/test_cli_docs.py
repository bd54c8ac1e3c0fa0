"""Every command of the CLI, at every depth, is named in the README or a page under docs/."""

from __future__ import annotations

from pathlib import Path

from cotag.cli import app

REPO = Path(__file__).resolve().parents[2]


def all_commands(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        out.append(path)
        if hasattr(command, "commands"):  # a group (typer's own Group class, whatever click it uses)
            out.extend(all_commands(command, path))
    return out


def test_every_command_is_documented():
    import typer.main

    docs = "\n".join(p.read_text(encoding="utf-8") for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])
    commands = all_commands(typer.main.get_command(app))
    assert len(commands) > 30  # the walk found the command groups, not just the top level
    missing = [" ".join(c) for c in commands if f"cotag {' '.join(c)}" not in docs]
    assert missing == [], f"commands no page documents: {missing}"
