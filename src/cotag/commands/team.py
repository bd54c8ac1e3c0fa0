"""`cotag merge`, `cotag export coder` and `cotag team add-coder`: working as a team, on one server or apart."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from cotag.commands.common import JsonOption, emit_json, open_project

team_app = typer.Typer(no_args_is_help=True, help="Set up a team on a shared PostgreSQL database (see docs/team.md).")

OtherArgument = typer.Argument(..., metavar="OTHER", help="Another project folder, its SQLite file, or a coder file.")
RenameOption = typer.Option([], "--as", metavar="OLD=NEW",
                            help="Bring coder OLD in as NEW (repeatable; just NEW when the source has one coder).")
CoderFileArgument = typer.Argument(..., metavar="FILE", help="Coder file to write (e.g. anna.cotag.json.gz).")


def merge_command(other: Path = OtherArgument,
                  rename: list[str] = RenameOption,
                  dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; change nothing."),
                  as_json: bool = JsonOption) -> None:
    """Bring in another project's (or a coder file's) codings, memos, progress and events; all or nothing."""
    from cotag.merge import MergeRefused
    from cotag.services.team import merge

    project = open_project()
    try:
        report = merge(project, other, renames=rename, dry_run=dry_run)
    except MergeRefused as exc:
        if as_json:
            emit_json(exc.report.as_dict())
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        emit_json(report.as_dict())
        return
    verb = "would add" if dry_run else "added"
    typer.echo(f"{'checked' if dry_run else 'merged'} {report.source} (coders: {', '.join(report.coders) or 'none'}): "
               f"{verb} {report.codings_added} coding(s), {report.memos_added} memo(s), "
               f"{report.events_added} event(s); {report.codings_updated} coding(s) and "
               f"{report.memos_updated} memo(s) updated, {report.progress_updated} progress row(s); "
               f"{report.codings_unchanged} already here")
    if report.codes_followed:
        typer.echo("note: codes renamed or merged here since: "
                   + ", ".join(f"{old} -> {new}" for old, new in sorted(report.codes_followed.items()))
                   + "; their codings were brought in under the current code", err=True)
    if report.codings_carried or report.codings_not_carried:
        typer.echo(f"note: {report.codings_carried} coding(s) made on a text revised since were carried to its "
                   f"current text; {len(report.codings_not_carried)} could not be (their words were edited or "
                   "deleted)" + "".join(f"\n  {line}" for line in report.codings_not_carried[:12]), err=True)
    if report.unused_unmatched_documents:
        typer.echo(f"note: {len(report.unused_unmatched_documents)} uncoded document(s) there are not here: "
                   + ", ".join(report.unused_unmatched_documents[:12]), err=True)
    if report.unused_unmatched_codes:
        typer.echo(f"note: {len(report.unused_unmatched_codes)} unused code(s) there are not here: "
                   + ", ".join(report.unused_unmatched_codes[:12]), err=True)


def export_coder(file: Path = CoderFileArgument,
                 coder: str = typer.Option(..., "--coder", help="Whose work to write."),
                 as_json: bool = JsonOption) -> None:
    """One coder's codings, memos, progress and events in a small file to send the lead (who runs `cotag merge FILE`)."""
    from cotag.services.team import export_coder_file

    summary = export_coder_file(open_project(), coder=coder, path=file)
    if as_json:
        emit_json(summary)
        return
    typer.echo(f"wrote {summary['codings']} coding(s), {summary['memos']} memo(s), {summary['progress']} progress "
               f"row(s) and {summary['events']} event(s) of {coder} to {summary['path']} ({summary['bytes']} bytes)")


@team_app.command("add-coder")
def add_coder(name: str = typer.Argument(..., help="Coder name; also the PostgreSQL role they log in as."),
              lead: bool = typer.Option(False, "--lead", help="A lead: reads every coding, writes the consensus."),
              password: str | None = typer.Option(None, "--password", envvar="COTAG_NEW_CODER_PASSWORD",
                                                     help="Password for the new role (omit with trust or "
                                                          "certificate authentication)."),
              as_json: bool = JsonOption) -> None:
    """Create the coder's PostgreSQL role with its grants, and the coder in the project (run as the database owner)."""
    from cotag.services.team import add_coder as add

    result = add(open_project(), name=name, lead=lead, password=password)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"{'created' if result['role_created'] else 'updated'} role {name!r} ({result['role']}); "
               f"connection URL for {name}: {result['url']}")
    # Quoted for the shell, so the line can be pasted as it is, whatever the name holds.
    typer.echo(f"{name} runs: COTAG_DATABASE_URL={shlex.quote(result['url'])} cotag code --coder {shlex.quote(name)}"
               + (" --lead" if lead else ""))
    if result["password_set"]:
        typer.echo(f"the password is not in the URL: {name} keeps it in ~/.pgpass or PGPASSWORD "
                   "(or adds it to the URL as NAME:PASSWORD@)")


@team_app.command("role")
def role(name: str = typer.Argument(..., help="The coder's name."),
         lead: bool = typer.Option(..., "--lead/--coder", help="Make NAME a lead, or a plain coder."),
         by: str = typer.Option("", "--by", envvar="COTAG_LEAD", help="Who makes the change (for the log).")) -> None:
    """Make a coder a lead (or a lead a coder); on PostgreSQL this also changes the role's grants."""
    from cotag.services.team import set_role

    result = set_role(open_project(), name=name, lead=lead, by=by)
    changed = result.get("changed", True)
    typer.echo(f"{name} is {'now' if changed else 'already'} a {result['role']}")


@team_app.command("coders")
def coders(as_json: bool = JsonOption) -> None:
    """Each coder, their role, and whether a PostgreSQL role of that name may log in."""
    from cotag.services.team import coders as team_coders

    rows = team_coders(open_project())
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        login = {True: "database role", False: "no database role", None: "-"}[row["login"]]
        typer.echo(f"{row['name']:<20} {row['role']:<10} {login}")


def register(app: typer.Typer) -> None:
    # `cotag export coder` (export_coder, here beside the merge it feeds) is registered by the export group.
    app.command("merge")(merge_command)
    app.add_typer(team_app, name="team")
