"""`cotag code` (the coding app) and `cotag codings list|import` (codings for scripts and checks)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from typing import List

from cotag.commands.common import CoderOption, CodesOption, DocumentsOption, JsonOption, emit_json, names_of, open_project, split_names

codings_app = typer.Typer(no_args_is_help=True, help="List codings, or add them from a CSV table.")


def code(coder: str = typer.Option(..., "--coder", "-c", help="Your coder name (created on first use)."),
         lead: bool = typer.Option(False, "--lead", help="Open with the lead's rights: show other coders' codings "
                                                         "(read-only), overlaid or side by side."),
         document: Optional[str] = typer.Option(None, "--document", "-d", metavar="ID",
                                                help="Open this document (default: where you left off)."),
         ) -> None:
    """Open the coding app: read transcripts, select sentences or words, apply codes from the keyboard."""
    run_app(open_project(), coder=coder, lead=lead, document=document)


def run_app(project, *, coder: str, lead: bool = False, document: str | None = None) -> None:
    """Open the coding app on `project` (also what `cotag demo` opens)."""
    from cotag.tui.app import make_app

    make_app(project, coder=coder, lead=lead, document=document).run()


@codings_app.command("list")
def codings_list(coder: List[str] = CoderOption,
                 document: Optional[str] = DocumentsOption,
                 code_key: Optional[str] = CodesOption,
                 as_json: bool = JsonOption,
                 ) -> None:
    """Every live coding: document, code key, coder, the units it touches (from 1), its character offsets, the coded
    text and the memo."""
    from cotag.services.coding import codings_table

    rows = codings_table(open_project(), coders=names_of(coder) or None, documents=split_names(document),
                         codes=split_names(code_key))
    if as_json:
        emit_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("document", "code", "coder", "unit", "start", "end", "text", "memo", box=None)
    for row in rows:
        text = " ".join(row["text"].split())
        first, last = row["unit_start"], row["unit_end"]
        unit = "" if first is None else str(first) if first == last else f"{first}-{last}"
        table.add_row(row["document"], row["code"], row["coder"], unit, str(row["start"]), str(row["end"]),
                      text if len(text) <= 60 else text[:59] + "…", row["memo"])
    Console().print(table)
    typer.echo(f"{len(rows)} coding(s)")


@codings_app.command("import")
def codings_import(file: Path = typer.Argument(..., metavar="FILE.csv", help="Columns: document, coder, code, "
                                               "then start,end (offsets) or unit or unit_start,unit_end (numbered from 1); "
                                               "memo optional."),
                   lead: Optional[str] = typer.Option(None, "--lead", metavar="NAME",
                                                      help="The lead importing rows for the consensus coder."),
                   as_json: bool = JsonOption,
                   ) -> None:
    """Add codings from a CSV table; every row is checked and a file with any bad row adds nothing."""
    from cotag.services.coding import import_codings

    report = import_codings(open_project(), path=file, lead=lead)
    if as_json:
        emit_json(report.as_dict())
        return
    typer.echo(f"imported {report.added} coding(s) from {report.rows} row(s)"
               + (f"; {report.already_present} already present" if report.already_present else ""))
    if report.coders_created:
        typer.echo("new coders: " + ", ".join(report.coders_created))


def register(app: typer.Typer) -> None:
    app.command("code")(code)
    app.add_typer(codings_app, name="codings")
