"""`cotag memo add`, `cotag memos` and `cotag export memos`: memos on passages, documents, codes, and the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cotag.commands.common import emit_json, open_project

memo_app = typer.Typer(no_args_is_help=True, help="Write memos: on a passage, a document, a code, or the journal.")

# Defined here rather than shared: commands/common.py's shared options are being reworked.
CoderOption = typer.Option(..., "--coder", "-c", envvar="COTAG_CODER",
                           help="Whose memo (your coder name; created on first use). Env: COTAG_CODER.")
JsonOption = typer.Option(False, "--json", help="Print JSON.")


def _text(text: Optional[str], file: Optional[Path]) -> str:
    from cotag.errors import CotagError

    if file is not None:
        if text:
            raise CotagError("give the memo's text or --file FILE, not both")
        try:
            return file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CotagError(f"--file {file}: no such file") from None
        except UnicodeDecodeError as exc:
            raise CotagError(f"--file {file}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise CotagError(f"--file {file}: {exc.strerror or exc}") from None
    return text or ""


@memo_app.command("add")
def memo_add(text: Optional[str] = typer.Argument(None, metavar="[TEXT]", help="The memo (or --file FILE)."),
             coder: str = CoderOption,
             document: Optional[str] = typer.Option(None, "--document", metavar="ID", help="A memo on a document."),
             code: Optional[str] = typer.Option(None, "--code", metavar="KEY", help="A memo on a code."),
             span: Optional[str] = typer.Option(None, "--span", metavar="ID:START:END",
                                                help="A memo on a passage: document id and character offsets "
                                                     "(as `cotag codings list` shows them, end exclusive), or "
                                                     "units numbered from 1 as on the transcript screen: "
                                                     "ID:uFIRST:uLAST or ID:uN (e.g. E001:u3:u5)."),
             journal: bool = typer.Option(False, "--journal", help="An entry in the project journal."),
             file: Optional[Path] = typer.Option(None, "--file", metavar="FILE", help="Read the memo from a file."),
             title: str = typer.Option("", "--title", help="A title for the memo."),
             as_json: bool = JsonOption) -> None:
    """Write a memo on a passage, a document, a code, or in the project journal."""
    from cotag.memos import parse_span, quote
    from cotag.services.memos import add_memo

    view = add_memo(open_project(), coder=coder, text=_text(text, file), title=title, document=document, code=code,
                    span=parse_span(span) if span is not None else None, journal=journal)
    if as_json:
        emit_json(view.as_dict())
        return
    typer.echo(f"memo {view.id} on {view.about} by {view.coder}" + (f': "{quote(view, 70)}"' if view.passage else ""))


@memo_app.command("edit")
def memo_edit(memo_id: int = typer.Argument(..., metavar="ID", help="The memo's number (`cotag memos` shows it)."),
              text: Optional[str] = typer.Argument(None, metavar="[TEXT]", help="Its new text (or --file FILE)."),
              coder: str = CoderOption,
              file: Optional[Path] = typer.Option(None, "--file", metavar="FILE", help="Read the text from a file."),
              title: Optional[str] = typer.Option(None, "--title", help="A new title."),
              as_json: bool = JsonOption) -> None:
    """Give one of your memos new words (a memo is changed only by the coder who wrote it)."""
    from cotag.services.memos import edit_memo

    view = edit_memo(open_project(), coder=coder, memo_id=memo_id, text=_text(text, file), title=title)
    if as_json:
        emit_json(view.as_dict())
        return
    typer.echo(f"memo {view.id} on {view.about} by {view.coder}: updated")


def memos_list(coder: Optional[str] = typer.Option(None, "--coder", help="Only these coders' memos (comma-separated)."),
               document: Optional[str] = typer.Option(None, "--document", metavar="ID",
                                                      help="Only memos on this document and its passages."),
               code: Optional[str] = typer.Option(None, "--code", metavar="KEY", help="Only memos on this code."),
               kind: Optional[str] = typer.Option(None, "--kind", help="passage, document, code or journal "
                                                                       "(comma-separated)."),
               as_json: bool = JsonOption) -> None:
    """Every memo (not those on codings: `cotag codings list`), oldest first."""
    from cotag.commands.common import split_names
    from cotag.memos import quote
    from cotag.services.memos import memos

    views = memos(open_project(), coders=split_names(coder), document=document, code=code, kinds=split_names(kind))
    if as_json:
        emit_json([v.as_dict() for v in views])
        return
    if not views:
        typer.echo("no memos (write one with `cotag memo add`)")
    for view in views:
        stamp = view.created_at.strftime("%Y-%m-%d %H:%M")
        title = f" · {view.title}" if view.title else ""
        typer.echo(f"[{view.id}] {view.about} · {view.coder} · {stamp}{title}")
        if view.passage:
            typer.echo(f'    "{quote(view)}"')
        for line in view.text.splitlines():
            typer.echo(f"    {line}")


def export_memos(output: Optional[Path] = typer.Argument(None, metavar="[FILE]",
                                                         help="File to write: .md, .docx, .csv or .xlsx (omit for "
                                                              "Markdown on standard output)."),
                 fmt: Optional[str] = typer.Option(None, "--format", "-f", help="md, docx, csv or xlsx."),
                 coder: Optional[str] = typer.Option(None, "--coder", help="Only these coders' memos "
                                                                           "(comma-separated)."),
                 document: Optional[str] = typer.Option(None, "--document", metavar="ID",
                                                        help="Only memos on this document and its passages."),
                 code: Optional[str] = typer.Option(None, "--code", metavar="KEY", help="Only memos on this code."),
                 kind: Optional[str] = typer.Option(None, "--kind", help="passage, document, code or journal."),
                 pseudonymise: bool = typer.Option(False, "--pseudonymise",
                                                   help="Write every string through the pseudonym table "
                                                        "(docs/privacy.md)."),
                 as_json: bool = JsonOption) -> None:
    """The memos as a report to read (Markdown, Word) or a table (CSV, Excel)."""
    import json

    from cotag.commands.common import split_names
    from cotag.services.export import export_memos as write

    summary, text = write(open_project(), output, fmt=fmt or ("md" if output is None else None),
                          coders=split_names(coder), document=document, code=code, kinds=split_names(kind),
                          pseudonymise=pseudonymise)
    if text is not None:
        typer.echo(text, nl=False)
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False), err=True)
        return
    if as_json:
        emit_json(summary)
    else:
        typer.echo(f"wrote {summary['memos']} memos to {summary['path']} ({summary['format']}"
                   + ("; pseudonymised" if pseudonymise else "") + ")")


def register(app: typer.Typer) -> None:
    # `cotag export memos` is registered by the export module, so `cotag export ...` alone builds it too.
    app.add_typer(memo_app, name="memo")
    app.command("memos")(memos_list)
