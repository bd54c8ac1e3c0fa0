"""`cotag query EXPR` and `cotag queries`: passages found by combining codes, as a quote table."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from cotag.commands.common import (CoderOption, DocumentsOption, GroupOption, JsonOption, WhereOption, emit_json,
                                   format_option, open_project)
from cotag.commands.export import AllCodersOption, ConsensusOption, _finish, _scope


def query(words: Optional[List[str]] = typer.Argument(None, metavar="EXPR [OUTPUT]",
                                                     help="Codes combined with AND, OR, NOT, OVERLAP, NEAR/n and "
                                                          "parentheses, e.g. \"wages AND NOT family\" (quoted, or "
                                                          "as separate words); then the file to write, whose "
                                                          "suffix picks the format (.csv .xlsx .md .docx .txt). "
                                                          "Without a file: CSV (or --format md|txt) on standard "
                                                          "output."),
          fmt: Optional[str] = format_option("csv, xlsx, md, docx or txt."),
          coder: List[str] = CoderOption,
          consensus: bool = ConsensusOption,
          all_coders: bool = AllCodersOption,
          group: Optional[str] = GroupOption,
          documents: Optional[str] = DocumentsOption,
          where: List[str] = WhereOption,
          attribution: List[str] = typer.Option([], "--attribution", help="As for `export quotes`."),
          save: Optional[str] = typer.Option(None, "--save", metavar="NAME",
                                             help="Also store the query and its options in queries.yaml."),
          saved: Optional[str] = typer.Option(None, "--saved", metavar="NAME",
                                              help="Run a saved query (EXPR is then the OUTPUT file, if given)."),
          as_json: bool = JsonOption) -> None:
    """Passages where codes meet (AND, OR, NOT, OVERLAP, NEAR/n), as a quote table with attributions."""
    from cotag.errors import CotagError
    from cotag.query import save_query, saved_query
    from cotag.services.queries import export_query

    project = open_project()
    if saved is not None:
        if len(words or []) > 1:
            raise CotagError("--saved NAME takes the query from queries.yaml: give only an OUTPUT file")
        stored = saved_query(project, saved)
        output = Path(words[0]) if words else None
        expression: Optional[str] = stored["query"]
        # Whose coding is one choice: --coder, --consensus or --all-coders given now replaces the stored one.
        if not (coder or consensus or all_coders):
            coder = list(stored.get("coder", []))
            consensus, all_coders = bool(stored.get("consensus")), bool(stored.get("all_coders"))
        group = group or stored.get("group")
        documents = documents or stored.get("documents")
        where = [*stored.get("where", []), *where]
        attribution = attribution or list(stored.get("attribution", []))
    else:
        expression, output = split_expression(words or [])
    if not expression:
        raise CotagError("give a query, e.g. cotag query \"wages AND NOT family\" (or --saved NAME)")
    scope = _scope(None, coder, consensus, all_coders, group, documents, where)
    summary, text = export_query(project, expression, output, fmt=fmt, scope=scope,
                                 attribution_overrides=attribution)
    if save is not None:
        path = save_query(project, save, expression, options={
            "coder": list(coder), "consensus": consensus, "all_coders": all_coders, "group": group,
            "documents": documents, "where": list(where), "attribution": list(attribution)})
        summary["saved"] = {"name": save, "path": str(path)}
    _finish(summary, text, as_json, f"{summary['quotes']} passages from {summary['respondents']} respondents "
                                    f"for {summary['query']}")
    if save is not None and not as_json:
        typer.echo(f"saved as {save!r} in {summary['saved']['path']}", err=text is not None)


OUTPUT_SUFFIXES = (".csv", ".xlsx", ".md", ".docx", ".txt")


def split_expression(words: List[str]) -> tuple[Optional[str], Optional[Path]]:
    """EXPR [OUTPUT] from the command's words. A shell splits an unquoted `wages AND corruption` into three
    words: they are one expression, and a last word naming a file (a known suffix, or a folder in it) is the
    output. Two words, neither a query word, are EXPR then OUTPUT as before (a file with no suffix takes its
    format from --format, and without it is refused, so a forgotten AND does not quietly write a file)."""
    from cotag.query import KEYWORDS

    if not words:
        return None, None
    def query_word(word: str) -> bool:
        return word.upper().split("/")[0] in KEYWORDS or word.startswith("(") or word.endswith(")")

    last = words[-1]
    if len(words) > 1 and not query_word(last) and (Path(last).suffix.lower() in OUTPUT_SUFFIXES
                                                    or "/" in last or "\\" in last):
        return " ".join(words[:-1]), Path(last)

    if len(words) == 2 and not query_word(words[0]) and not query_word(last):
        return words[0], Path(last)
    return " ".join(words), None


def queries(as_json: bool = JsonOption) -> None:
    """The saved queries (queries.yaml in the project folder): name, expression and options."""
    from cotag.query import saved_queries

    stored = saved_queries(open_project())
    if as_json:
        emit_json(stored)
        return
    if not stored:
        typer.echo("no saved queries (save one with `cotag query EXPR --save NAME`)")
    for name, entry in sorted(stored.items()):
        options = " ".join(f"--{k.replace('_', '-')} {v}" if not isinstance(v, (list, bool)) else
                           (f"--{k.replace('_', '-')}" if isinstance(v, bool) else
                            " ".join(f"--{k} {item}" for item in v))
                           for k, v in entry.items() if k != "query")
        typer.echo(f"{name}: {entry['query']}" + (f"   [{options}]" if options else ""))


def register(app: typer.Typer) -> None:
    app.command("query")(query)
    app.command("queries")(queries)
