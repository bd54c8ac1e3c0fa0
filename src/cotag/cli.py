"""The command line: a thin front end over cotag.services; domain errors become one clean message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from cotag.commands.codebook import codebook_app
from cotag.commands.common import JsonOption, emit_json, fail, open_project, state, with_progress
from cotag.errors import CotagError


class CotagGroup(TyperGroup):
    """Turns a CotagError into what the user sees: 'error: ...' on stderr, exit status 1, no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CotagError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            # On a shared PostgreSQL database the server itself refuses a coder's role what it may not do
            # (row-level security, missing grants): say so plainly instead of a traceback. Checked without
            # importing SQLAlchemy here, which would slow every command's start.
            from cotag.team import database_refusal

            message = database_refusal(exc)
            if message is None:
                raise
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(1) from None


_app = typer.Typer(cls=CotagGroup, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="cotag: code qualitative interviews in the terminal.")
documents_app = typer.Typer(no_args_is_help=True, help="List and show the project's documents.")
_app.add_typer(codebook_app, name="codebook")
_app.add_typer(documents_app, name="documents")

ProjectOption = typer.Option(None, "--project", "-p", envvar="COTAG_PROJECT",
                             help="Project folder (default: search upwards from the working directory).")


@_app.callback()
def _main(project: Optional[str] = ProjectOption) -> None:
    state.project_dir = project


# ---------------------------------------------------------------- project

@_app.command()
def init(directory: Path = typer.Argument(Path("."), help="Folder for the project (created if missing)."),
         db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite file cotag.db beside cotag.toml)."),
         codebook: Optional[str] = typer.Option(None, help="Codebook YAML file, relative to the project folder."),
         transcripts: List[str] = typer.Option([], "--transcripts", help="Transcript folder (repeatable)."),
         ) -> None:
    """Create a project: cotag.toml, its database, and a starter codebook.yaml unless --codebook is given."""
    from cotag.project import STARTER_CODEBOOK_NAME, init_project
    from cotag.store.database import redact

    starter_existed = codebook is None and (directory / STARTER_CODEBOOK_NAME).exists()
    project = init_project(directory, database_url=db, codebook=codebook, folders=list(transcripts),
                           starter_codebook=True)
    typer.echo(f"created project {project.name!r} in {project.root} (database {redact(project.database_url)})")
    if codebook is None:
        typer.echo(f"codebook {STARTER_CODEBOOK_NAME}: " + (
            "the one already in the folder" if starter_existed else
            "a starter example to replace with your codes (cotag codebook check codebook.yaml)"))


@_app.command()
def status(as_json: bool = JsonOption) -> None:
    """Documents per group, units, codes, coders and codings in the project."""
    from cotag.services.corpus import status as project_status

    data = project_status(open_project())
    if as_json:
        emit_json(data)
        return
    typer.echo(f"project   {data['project']}  ({data['root']})")
    typer.echo(f"database  {data['database']}")
    groups = ", ".join(f"{g or '(no group)'} {n}" for g, n in data["documents"].items()) or "none"
    typer.echo(f"documents {sum(data['documents'].values())}: {groups}")
    for key in ("units", "codes", "coders", "codings"):
        typer.echo(f"{key:<9} {data[key]}")


@_app.command("import")
def import_(paths: Optional[List[Path]] = typer.Argument(None, help="Transcript files or folders (default: the "
                                                         "folders in cotag.toml); or qdpx FILE / qdc FILE."),
            group: Optional[str] = typer.Option(None, "--group", "-g", help="Group for these documents (overrides front matter)."),
            as_json: bool = JsonOption,
            into: Optional[Path] = typer.Option(None, "--into", help="qdpx: a new project folder to create; "
                                                                     "qdc: a YAML codebook file to write."),
            offsets: Optional[str] = typer.Option(None, "--offsets", help="qdpx: how the file counts offsets "
                                                  "(cp, utf16, cp-lf, utf16-lf; default: detected)."),
            sources: Optional[Path] = typer.Option(None, "--sources", help="qdpx: a folder the file's texts "
                                                   "outside the archive may be read from (only files under it)."),
            as_: List[str] = typer.Option([], "--as", metavar="FILE_USER=CODER", help="qdpx: the project's coder "
                                          "for a user of the file (repeatable; needed for each user with work "
                                          "when importing into a project that has coders)."),
            lead: Optional[str] = typer.Option(None, "--lead", envvar="COTAG_LEAD", metavar="NAME",
                                               help="qdpx: the lead allowing --as USER=consensus."),
            ) -> None:
    """Import transcripts (.txt, .md, .docx, .vtt, .srt): speaker turns and sentence units.

    `cotag import qdpx FILE [--into DIR]` imports a REFI-QDA project, `cotag import qdc FILE` a codebook."""
    from cotag.commands import refi

    paths = list(paths or [])
    # REFI-QDA: the first argument names the kind, unless it is a real transcript file or folder.
    if len(paths) >= 2 and str(paths[0]) in refi.IMPORT_KINDS and not paths[0].exists():
        if group is not None:
            fail(f"--group is for transcripts, not for `cotag import {paths[0]}`")
        refi.run_import(str(paths[0]), list(paths[1:]), into=into, offsets=offsets, as_json=as_json,
                        sources=sources, user_map=as_, lead=lead)
        return
    if into is not None or offsets is not None:
        fail("--into and --offsets belong to `cotag import qdpx FILE` / `cotag import qdc FILE`")
    if sources is not None or as_:
        fail("--sources and --as belong to `cotag import qdpx FILE`")
    from cotag.services.corpus import import_transcripts

    project = open_project()
    if not paths:
        paths = project.transcript_folders
        if not paths:
            fail("no transcript files or folders given and cotag.toml names none ([transcripts] folders)")
    try:
        report = with_progress(lambda progress: import_transcripts(
            project, paths=list(paths), group=group, progress=progress), quiet=as_json)
    finally:
        # Closed as soon as the work is done: the WAL is checkpointed before anything else can fail.
        project.close()
    if as_json:
        emit_json(report.as_dict())
    else:
        # The problems first and the summary last, so a long list does not scroll the summary away.
        for line in report.refused:
            typer.echo(f"refused: {line}", err=True)
        for line in report.errors:
            typer.echo(f"error: {line}", err=True)
        not_imported = (f"; {len(report.refused)} refused, {len(report.errors)} failed (listed above)"
                        if not report.ok else "")
        typer.echo(f"imported {len(report.added)} new, {len(report.replaced)} replaced, "
                   f"{len(report.updated)} with new attributes, {len(report.unchanged)} unchanged; "
                   f"{report.units} units, {report.words} words{not_imported}")
    if not report.ok:
        raise typer.Exit(1)


# ---------------------------------------------------------------- documents

@documents_app.command("list")
def documents_list(group: Optional[str] = typer.Option(None, "--group", "-g"),
                   as_json: bool = JsonOption) -> None:
    """Every document with its group, attributes, units and words."""
    from cotag.services.corpus import documents_table

    rows = documents_table(open_project(), group=group)
    if as_json:
        emit_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "group", "attributes", "units", "words", box=None)
    for row in rows:
        attrs = ", ".join(f"{v}" for k, v in row["attributes"].items() if k not in ("synthetic",) and v not in (None, ""))
        table.add_row(row["id"], row["group"], attrs[:60], str(row["units"]), str(row["words"]))
    Console().print(table)


@documents_app.command("show")
def documents_show(document_id: str = typer.Argument(..., metavar="ID"),
                   as_json: bool = JsonOption) -> None:
    """A document's text, turn by turn, with its speakers."""
    from cotag.services.corpus import document_turns

    data = document_turns(open_project(), external_id=document_id)
    if as_json:
        emit_json(data)
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    attrs = ", ".join(f"{k}: {v}" for k, v in data["attributes"].items())
    console.print(f"[bold]{escape(data['id'])}[/] ({escape(data['group'])}) {escape(attrs)}\n")
    for turn in data["turns"]:
        style = "dim italic" if turn["interviewer"] else ""
        label = f"[bold]{escape(turn['speaker'] or '—')}:[/] "
        text = escape(turn["text"])
        console.print(f"{label}[{style}]{text}[/]\n" if style else f"{label}{text}\n")


# ---------------------------------------------------------------- demo

@_app.command()
def demo(directory: Path = typer.Option(Path("demo-project"), "--dir", help="Where to create the demo project."),
         open_tui: bool = typer.Option(True, "--tui/--no-tui", help="Open the coding app when set up."),
         coder: str = typer.Option("you", "--coder", help="Who codes in the app."),
         lead: bool = typer.Option(True, "--lead/--no-lead", help="Open with the lead's rights (see the simulated coders)."),
         ) -> None:
    """Create (or reuse) the demo project (codebook, synthetic corpus, two simulated coders) and open the coding app."""
    import sys

    from cotag.services import corpus as demo_setup
    from cotag.services.corpus import status as project_status

    project, created = demo_setup.ensure_demo_project(directory, echo=typer.echo)
    data = project_status(project)
    typer.echo(f"demo project {'created' if created else 'ready'} in {project.root}")
    typer.echo(json.dumps({k: data[k] for k in ("documents", "units", "codes", "coders", "codings")}))
    if not open_tui:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # CI, pipes, scripts: there is no terminal to draw the app on.
        typer.echo(f"not a terminal: skipping the coding app (run `cotag --project {project.root} code --coder "
                   f"{coder}{' --lead' if lead else ''}` in a terminal)")
        return
    from cotag.tui.app import make_app

    make_app(project, coder=coder, lead=lead).run()


# Command groups that live in cotag.commands.<name>; each module has register(app).
# (commands/refi.py has no group of its own: its exports join `cotag export`, its imports `cotag import`.)
COMMAND_MODULES: tuple[str, ...] = ("codebook", "export", "coding", "team", "lead", "agreement", "privacy", "suggest",
                                   "revise", "attributes", "query", "process", "memo")

# Which module registers each top-level command, so that `cotag agreement` imports and builds only the
# agreement command: typer turns every registered command into a click command on each run, and importing
# and building all of them costs a report command about a third of `cotag --help` (docs/performance.md).
# tests/cli/test_shared_options.py checks this table against what the modules register.
COMMAND_OWNERS: dict[str, str] = {
    "codebook": "codebook", "export": "export", "code": "coding", "codings": "coding", "merge": "team",
    "team": "team", "reconcile": "lead", "log": "lead", "agreement": "agreement", "simulate-coders": "agreement",
    "pseudonyms": "privacy", "disclosure": "privacy", "suggest": "suggest", "revise": "revise",
    "revisions": "revise", "attributes": "attributes", "query": "query", "queries": "query", "assign": "process",
    "reassign": "process", "assignments": "process", "progress": "process", "round": "process", "train": "process", "memo": "memo",
    "memos": "memo",
}
# Defined in this module: nothing to register for them.
OWN_COMMANDS = ("init", "status", "import", "documents", "demo")

_registered: set[str] = set()


def _register_commands(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    import importlib

    for name in COMMAND_MODULES:  # always in this order, so --help lists the commands as it always has
        if name in modules and name not in _registered:
            importlib.import_module(f"cotag.commands.{name}").register(_app)
            _registered.add(name)
    return _app


def __getattr__(name: str) -> typer.Typer:
    # `from cotag.cli import app` (tests, docs checks, benches): the whole command line.
    if name == "app":
        return _register_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_named(argv: list[str]) -> str | None:
    """The top-level command an argument list runs (after --project DIR / -p DIR), or None."""
    args = iter(argv)
    for arg in args:
        if arg in ("--project", "-p"):
            next(args, None)
        elif arg.startswith("--project=") or (arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--")):
            continue
        elif arg.startswith("-"):
            return None  # --help, or an option the command line does not know: build it all
        else:
            return arg
    return None


def lean_app(module: str) -> typer.Typer:
    """A command line holding only one module's commands (and the global --project): what `cotag NAME` runs."""
    import importlib

    lean = typer.Typer(cls=CotagGroup, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                       help=_app.info.help)
    lean.callback()(_main)
    if module == "codebook":
        lean.add_typer(codebook_app, name="codebook")  # check and load are defined on the group itself
    importlib.import_module(f"cotag.commands.{module}").register(lean)
    return lean


def main() -> None:
    import sys

    name = command_named(sys.argv[1:])
    if name in OWN_COMMANDS:
        app = _app
    elif name in COMMAND_OWNERS:
        app = lean_app(COMMAND_OWNERS[name])
    else:
        app = _register_commands()
    app()


if __name__ == "__main__":
    main()
