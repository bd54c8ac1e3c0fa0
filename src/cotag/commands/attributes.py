"""`cotag attributes export|import`: respondents' attributes in a spreadsheet, one row per document."""

from __future__ import annotations

from pathlib import Path

import typer

from cotag.commands.common import JsonOption, emit_json, open_project

attributes_app = typer.Typer(no_args_is_help=True, help="Edit respondents' attributes in a spreadsheet "
                                                         "(CSV or Excel).")


def _shown(value) -> str:
    from cotag.attributes import cell_text

    return "(none)" if value is None else repr(cell_text(value))


@attributes_app.command("export")
def export(file: Path = typer.Argument(..., metavar="FILE", help="A .csv or .xlsx file to write."),
           as_json: bool = JsonOption) -> None:
    """One row per document: id, group and every attribute (lists joined with '; ', dates ISO)."""
    from cotag.services.corpus import export_attributes

    summary = export_attributes(open_project(), file)
    if as_json:
        emit_json(summary)
    else:
        typer.echo(f"wrote {summary['documents']} documents with {len(summary['attributes'])} attributes "
                   f"to {file}")


@attributes_app.command("import")
def import_(file: Path = typer.Argument(..., metavar="FILE", help="A .csv or .xlsx file with an id column."),
            dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and list the changes; "
                                                                  "change nothing."),
            actor: str = typer.Option("", "--actor", envvar="COTAG_CODER", help="Who made the change "
                                      "(for the audit trail)."),
            as_json: bool = JsonOption) -> None:
    """Update documents' attributes by id: all or nothing, every change listed and logged."""
    from cotag.services.corpus import import_attributes

    report = import_attributes(open_project(), file, dry_run=dry_run, actor=actor)
    if as_json:
        emit_json(report.as_dict())
        return
    for change in report.changes:
        typer.echo(f"{change.document}  {change.attribute}: {_shown(change.old)} -> {_shown(change.new)}")
    changed = len({c.document for c in report.changes})
    verb = "would change" if dry_run else "changed"
    typer.echo(f"{verb} {len(report.changes)} values in {changed} of {report.documents} documents"
               + (" (dry run: nothing was changed)" if dry_run else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(attributes_app, name="attributes")
