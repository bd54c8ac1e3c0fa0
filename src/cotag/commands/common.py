"""What every command shares: the chosen project, JSON output, clean failures."""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer


class State:
    project_dir: Optional[str] = None


state = State()


def open_project():
    """The project named by --project / COTAG_PROJECT, else found upwards from the working directory."""
    from cotag.project import open_project as _open

    return _open(explicit=state.project_dir)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def with_progress(job, quiet: bool = False):
    """Run job(progress) with a progress bar on stderr when it is a terminal."""
    if quiet or not sys.stderr.isatty():
        return job(None)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("working", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        return job(progress)


def split_names(value: Optional[str]) -> Optional[list[str]]:
    """'a,b , c' -> ['a', 'b', 'c']; None stays None (meaning: all)."""
    if value is None:
        return None
    names = [part.strip() for part in value.split(",") if part.strip()]
    return names or None
