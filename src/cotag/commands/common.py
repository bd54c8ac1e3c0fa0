"""What every command shares: the chosen project, JSON output, clean failures, and the options many take.

Each shared option is defined once here. Where two spellings grew apart (`--document`/`--documents`,
`--code`/`--codes`) the plural is canonical, as in `cotag export`, and the other stays an alias so that
no researcher's script breaks; docs/cli.md lists both.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Optional, TypeVar

import typer

if TYPE_CHECKING:
    from cotag.project import Project

T = TypeVar("T")


class State:
    project_dir: Optional[str] = None


state = State()


def open_project() -> Project:
    """The project named by --project / COTAG_PROJECT, else found upwards from the working directory."""
    from cotag.project import open_project as _open

    return _open(explicit=state.project_dir)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print 'error: ...' on stderr and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def with_progress(job: Callable[[Any], T], quiet: bool = False) -> T:
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


def as_tuple(value: Optional[str]) -> Optional[tuple[str, ...]]:
    """'a,b' -> ('a', 'b'); None (or only commas) -> None."""
    names = split_names(value)
    return tuple(names) if names is not None else None


def names_of(values: list[str]) -> list[str]:
    """A repeatable option whose values may also be comma-separated: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [name for item in values for name in (split_names(item) or [])]


# ---------------------------------------------------------------- shared options
# One definition each; a command takes the one it needs as the parameter's default.

JsonOption: Any = typer.Option(False, "--json", help="Print JSON.")

# Filters: which documents, codes, groups, coders. Comma-separated lists; the plural is canonical.
DocumentsOption: Any = typer.Option(None, "--documents", "--document", "-d", metavar="ID,...",
                                    help="Only these document ids (comma-separated; --document is the same).")
CodesOption: Any = typer.Option(None, "--codes", "--code", metavar="KEY,...",
                                help="Only these code keys (comma-separated; --code is the same).")
GroupOption: Any = typer.Option(None, "--group", "-g", help="Only these groups (comma-separated).")
CoderOption: Any = typer.Option([], "--coder", metavar="NAME",
                                help="This coder's codings (repeatable, or comma-separated).")
CodersOption: Any = typer.Option(None, "--coders", metavar="A,B,...", help="Only these coders (comma-separated).")
WhereOption: Any = typer.Option([], "--where", help="attribute=value, !=, <, >, <=, >=, a range age=30..39 or a "
                                                    "list place=Almaty,Astana (repeatable; see docs/exports.md).")

# Output: where and in which format.
FormatOption: Any = typer.Option(None, "--format", "-f", help="Output format (default: from OUTPUT's suffix).")
OutputOption: Any = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output.")

# Who acts: the lead (env COTAG_LEAD), required or optional.
LeadOption: Any = typer.Option(..., "--lead", "-l", envvar="COTAG_LEAD", metavar="NAME",
                               help="The lead making the change (env COTAG_LEAD).")
OptionalLeadOption: Any = typer.Option(None, "--lead", "-l", envvar="COTAG_LEAD", metavar="NAME",
                                       help="The lead (env COTAG_LEAD).")


def format_option(help: str) -> Any:
    """--format / -f with the command's own list of formats in its help."""
    return typer.Option(None, "--format", "-f", help=help)
