"""`cotag codebook check|load` and the lead's codebook evolution: `cotag codebook rename|move|merge|split|recode|
retire|save` (every operation through services.codebook, one transaction each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from cotag.commands.common import JsonOption, LeadOption, emit_json, fail, open_project, split_names

codebook_app = typer.Typer(no_args_is_help=True, help="Check, load and save codebooks.")


@codebook_app.command("check")
def codebook_check(file: Path = typer.Argument(..., help="Codebook YAML file.")) -> None:
    """Validate a codebook and report every problem with file, line and key."""
    from cotag.codebook import check_codebook

    codebook, problems = check_codebook(file)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{file}: {len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    assert codebook is not None  # no problems: the codebook was read
    typer.echo(f"{file}: ok, {len(codebook.codes)} codes, version {codebook.version}")


@codebook_app.command("load")
def codebook_load(file: Optional[Path] = typer.Argument(None, help="Codebook YAML (default: the project's codebook)."),
                  as_json: bool = JsonOption) -> None:
    """Load a codebook into the project: codes are matched by key; none with codings is ever dropped."""
    from cotag.services.codebook import load_codebook_file

    project = open_project()
    path = file or project.codebook_path
    if path is None:
        fail("no codebook file given and cotag.toml names none ([codebook] path)")
    report = load_codebook_file(project, path=path)
    if as_json:
        emit_json(report)
        return
    typer.echo(f"loaded {report['codebook']!r} version {report['version']}: {report['codes']} codes; "
               f"{len(report['added'])} added, {len(report['updated'])} updated, {len(report['retired'])} retired")
    if report["retired"]:
        typer.echo("retired (no longer in the file, kept with their codings): " + ", ".join(report["retired"]))


def _codebook_op(operation: str, as_json: bool, **kwargs: Any) -> dict[str, Any]:
    from cotag.services.codebook import run_operation

    result = run_operation(open_project(), operation, **kwargs)
    if as_json:
        emit_json(result)
    return result


def codebook_rename(key: str = typer.Argument(..., help="The code's key."),
                    name: Optional[str] = typer.Argument(None, help="Its new name."),
                    new_key: Optional[str] = typer.Option(None, "--key", help="A new key (must be unused)."),
                    lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Rename a code (its name, and/or its key with --key); codings stay with it."""
    result = _codebook_op("rename", as_json, key=key, name=name, new_key=new_key, lead=lead)
    if not as_json:
        typer.echo(f"renamed {key}" + (f" to key {result['new_key']}" if "new_key" in result else "")
                   + (f", name {result['name']!r}" if "name" in result else ""))


def codebook_move(key: str = typer.Argument(...),
                  parent: Optional[str] = typer.Option(None, "--parent", help="The new parent's key."),
                  top: bool = typer.Option(False, "--top", help="Make it a top-level code."),
                  lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Move a code under another parent (--parent KEY) or to the top level (--top)."""
    if (parent is None) == (not top):
        fail("give exactly one of --parent KEY or --top")
    _codebook_op("move", as_json, key=key, parent=parent, lead=lead)
    if not as_json:
        typer.echo(f"moved {key} " + (f"under {parent}" if parent else "to the top level"))


def codebook_merge(source: str = typer.Argument(..., metavar="X"), target: str = typer.Argument(..., metavar="Y"),
                   lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Merge code X into Y: every coder's codings of X become Y's; X is kept, marked merged."""
    result = _codebook_op("merge", as_json, source=source, target=target, lead=lead)
    if not as_json:
        typer.echo(f"merged {source} into {target}: {result['codings']} coding(s) moved"
                   + (f", {result['duplicates_removed']} duplicate(s) removed" if result["duplicates_removed"] else ""))


def codebook_split(source: str = typer.Argument(...),
                   codings: str = typer.Option(..., "--codings", metavar="ID,ID,...",
                                               help="Ids of the codings to move (`cotag codings list --json`)."),
                   into: Optional[str] = typer.Option(None, "--into", help="An existing code to move them to."),
                   new_key: Optional[str] = typer.Option(None, "--new-key", help="Key of a new code to create."),
                   name: Optional[str] = typer.Option(None, "--name", help="Name of the new code."),
                   lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Split a code: move chosen codings to another code, or to a new one named here."""
    try:
        ids = [int(part) for part in split_names(codings) or []]
    except ValueError:
        fail(f"--codings takes coding ids separated by commas (got {codings!r})")
    result = _codebook_op("split", as_json, source=source, codings=ids, target=into, new_key=new_key,
                          new_name=name, lead=lead)
    if not as_json:
        typer.echo(f"moved {result['moved']} coding(s) from {source} to {result['into']}"
                   + (" (new code)" if result["created"] else ""))


def codebook_recode(coding: int = typer.Argument(..., metavar="CODING_ID"), code: str = typer.Argument(..., metavar="KEY"),
                    lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Give one coding another code (span, coder and memo kept)."""
    result = _codebook_op("recode", as_json, coding=coding, code=code, lead=lead)
    if not as_json:
        typer.echo(f"coding {coding}: {result['code']} -> {code}")


def codebook_retire(key: str = typer.Argument(...), lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Retire a code: no longer offered for coding; its codings are kept."""
    result = _codebook_op("retire", as_json, key=key, lead=lead)
    if not as_json:
        typer.echo(f"retired {key} ({result['codings_kept']} coding(s) kept)")


def codebook_save(file: Optional[Path] = typer.Argument(None, help="YAML file (default: the project's codebook)."),
                  lead: str = LeadOption, as_json: bool = JsonOption) -> None:
    """Write the project's codebook back to YAML: comments and order kept, version + 1."""
    project = open_project()
    path = file or project.codebook_path
    if path is None:
        fail("no file given and cotag.toml names no codebook ([codebook] path)")
    from cotag.services.codebook import run_operation

    result = run_operation(project, "save", path=path, lead=lead)
    if as_json:
        emit_json(result)
    else:
        typer.echo(f"saved {result['codes']} codes to {result['path']} (version {result['version']})")


def register(app: typer.Typer) -> None:
    for name, command in (("rename", codebook_rename), ("move", codebook_move), ("merge", codebook_merge),
                          ("split", codebook_split), ("recode", codebook_recode), ("retire", codebook_retire),
                          ("save", codebook_save)):
        codebook_app.command(name)(command)
    # A ruling turned into an include or exclude example: implemented beside the team's process (rulings, rounds).
    from cotag.commands.process import codebook_example

    codebook_app.command("example")(codebook_example)
    # The group itself is added by cli.py, where it stands among the project's first commands in --help.
