"""`cotag export quotes|matrix|tables|codebook|chart`: tables, the codebook appendix and charts for papers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from cotag.commands.common import (CoderOption, CodesOption, DocumentsOption, GroupOption, JsonOption, WhereOption,
                                   emit_json, format_option, names_of, open_project, split_names)

export_app = typer.Typer(no_args_is_help=True, help="Write quote tables, matrices and project files for papers, "
                                                     "member checks and other tools.")

OutputArgument = typer.Argument(None, metavar="[OUTPUT]",
                                help="File to write; the suffix picks the format (.csv .xlsx .md .docx). "
                                     "Omit for CSV (or --format md) on standard output.")
FormatOption = format_option("csv, xlsx, md or docx (default: from OUTPUT's suffix).")
ConsensusOption = typer.Option(False, "--consensus", help="The consensus coding (the default once it exists).")
AllCodersOption = typer.Option(False, "--all-coders", help="Every coder's codings (the consensus left out).")
PseudonymiseOption = typer.Option(False, "--pseudonymise", help="Print every text through the pseudonym table "
                                                                 "(pseudonyms.yaml; see docs/privacy.md).")
ExcelOption = typer.Option(False, "--excel", help="CSV for Excel: UTF-8 with a byte-order mark, so Excel reads "
                                                  "accents and Cyrillic correctly.")


def _scope(codes, coder, consensus, all_coders, group, documents, where):
    from cotag.export.scope import Scope

    coders = names_of(coder)
    as_tuple = lambda names: tuple(names) if names is not None else None  # noqa: E731
    return Scope(codes=as_tuple(split_names(codes)), coders=tuple(coders) or None, consensus=consensus,
                 all_coders=all_coders, groups=as_tuple(split_names(group)),
                 documents=as_tuple(split_names(documents)), where=tuple(where))


def _finish(summary: dict, text: Optional[str], as_json: bool, what: str) -> None:
    if text is not None:
        typer.echo(text, nl=False)
        if as_json:  # stdout carries the table; the summary goes beside it
            typer.echo(json.dumps(summary, ensure_ascii=False), err=True)
        return
    if as_json:
        emit_json(summary)
    else:
        typer.echo(f"wrote {what} to {summary['path']} ({summary['format']}; coding: {summary['coding']})")


@export_app.command("quotes")
def quotes(output: Optional[Path] = OutputArgument,
           fmt: Optional[str] = FormatOption,
           codes: Optional[str] = CodesOption,
           coder: List[str] = CoderOption,
           consensus: bool = ConsensusOption,
           all_coders: bool = AllCodersOption,
           group: Optional[str] = GroupOption,
           documents: Optional[str] = DocumentsOption,
           where: List[str] = WhereOption,
           widen: str = typer.Option("span", "--widen", help="span (the coded text), sentence or turn."),
           attribution: List[str] = typer.Option(
               [], "--attribution",
               help='Template for every group, e.g. "({gender}, {age}, {place})", or group="..." for one '
                    "(repeatable). See docs/exports.md."),
           pseudonymise: bool = PseudonymiseOption,
           min_k: Optional[int] = typer.Option(None, "--min-k", help="Coarsen attributions until each quoted "
                                                                      "respondent's is shared by at least K "
                                                                      "respondents (docs/privacy.md)."),
           excel: bool = ExcelOption,
           as_json: bool = JsonOption) -> None:
    """Themed quote table: every coded excerpt with code path, attribution, respondent and position."""
    from cotag.services import export as service

    scope = _scope(codes, coder, consensus, all_coders, group, documents, where)
    summary, text = service.export_quotes(open_project(), output, fmt=fmt, scope=scope, widen=widen,
                                         attribution_overrides=attribution, pseudonymise=pseudonymise, min_k=min_k,
                                         excel=excel)
    _finish(summary, text, as_json,
            f"{summary['quotes']} quotes from {summary['respondents']} respondents "
            f"(codes: {summary['codes']}, themes: {summary['themes']})")
    if "coarsened" in summary and not as_json:
        typer.echo(f"coarsened for k >= {summary['min_k']}: {'; '.join(summary['coarsened']) or 'nothing'}",
                   err=text is not None)


@export_app.command("member-check")
def member_check(document: str = typer.Argument(..., help="The respondent's document id."),
                 output: Path = typer.Argument(..., help="File to write: .md, .docx or .txt."),
                 coder: List[str] = CoderOption,
                 consensus: bool = ConsensusOption,
                 all_coders: bool = AllCodersOption,
                 widen: str = typer.Option("sentence", "--widen", help="span, sentence or turn."),
                 pseudonymise: bool = PseudonymiseOption,
                 as_json: bool = JsonOption) -> None:
    """One respondent's quotes under every code, with their attribution, to send back to that respondent."""
    from cotag.services.export import export_member_check

    scope = _scope(None, coder, consensus, all_coders, None, None, [])
    summary = export_member_check(open_project(), document, output, scope=scope, widen=widen,
                                  pseudonymise=pseudonymise)
    _finish(summary, None, as_json, f"{summary['quotes']} quotes of {document} (codes: {summary['codes']})")


@export_app.command("matrix")
def matrix(output: Optional[Path] = OutputArgument,
           by: Optional[str] = typer.Option(None, "--by", help="Attribute for the columns: group, place, gender, "
                                                              "age_band, occupation, degree_country, ..."),
           cooccurrence: Optional[str] = typer.Option(None, "--cooccurrence",
                                                      help="Instead of --by: code x code counts within each unit "
                                                           "or document."),
           age_bands: Optional[str] = typer.Option(None, "--age-bands",
                                                   help="Bands for age_band, e.g. 24-34,35-44,45-54,55-64,65+."),
           rollup: Optional[bool] = typer.Option(None, "--rollup/--no-rollup",
                                                 help="Count sub-codes' codings in their parent's row (default: "
                                                      "on for --by, off for --cooccurrence)."),
           fmt: Optional[str] = FormatOption,
           codes: Optional[str] = CodesOption,
           coder: List[str] = CoderOption,
           consensus: bool = ConsensusOption,
           all_coders: bool = AllCodersOption,
           group: Optional[str] = GroupOption,
           documents: Optional[str] = DocumentsOption,
           where: List[str] = WhereOption,
           cell: Optional[str] = typer.Option(None, "--cell", metavar="CODE:VALUE",
                                              help="Instead of the matrix, the quotes behind this cell: with --by, "
                                                   "CODE:VALUE (VALUE as the column heads it, or total); with "
                                                   "--cooccurrence, CODE:CODE."),
           pseudonymise: bool = PseudonymiseOption,
           excel: bool = ExcelOption,
           as_json: bool = JsonOption) -> None:
    """Per code and attribute value: respondents who mention it, their share, coded excerpts; or co-occurrence."""
    from cotag.services import export as service

    scope = _scope(codes, coder, consensus, all_coders, group, documents, where)
    if cell is not None:
        from cotag.commands.common import fail

        if (by is None) == (cooccurrence is None):
            fail("--cell goes with --by ATTRIBUTE (CODE:VALUE) or --cooccurrence unit|document (CODE:CODE)")
        summary, text = service.export_cell_quotes(open_project(), output, cell=cell, by=by, within=cooccurrence,
                                                   fmt=fmt, scope=scope, age_bands=age_bands, rollup=rollup,
                                                   pseudonymise=pseudonymise)
        _finish(summary, text, as_json, f"{summary['quotes']} quotes from {summary['respondents']} respondents "
                                        f"behind the cell {cell} " + (f"(by {by})" if by else
                                                                      f"(co-occurrence within {cooccurrence}s)"))
        return
    summary, text = service.export_matrix(open_project(), output, fmt=fmt, scope=scope, by=by, within=cooccurrence,
                                          age_bands=age_bands, rollup=rollup, excel=excel, pseudonymise=pseudonymise)
    what = (f"codes x {by} (codes: {summary['codes']}, columns: {len(summary['columns'])})" if by
            else f"co-occurrence within {cooccurrence}s (codes: {summary['codes']})")
    _finish(summary, text, as_json, what)


def _names(value: str) -> list[str]:
    """'csv,xlsx' -> ['csv', 'xlsx']; 'none' (or nothing) -> []."""
    names = split_names(value) or []
    return [] if names == ["none"] else names


@export_app.command("tables")
def tables(directory: Path = typer.Argument(..., help="Folder for the files (created if missing)."),
           by: Optional[str] = typer.Option(None, "--by", help="Attributes for matrices, comma-separated (default: "
                                                              "group, place, gender, age_band, occupation, "
                                                              "degree_country, those the project has)."),
           quote_formats: str = typer.Option("csv,xlsx,md,docx", "--quote-formats",
                                             help="Formats of the quote table, or none."),
           matrix_formats: str = typer.Option("csv,xlsx,md", "--matrix-formats",
                                              help="Formats of the matrices, or none."),
           cooccurrence: str = typer.Option("unit,document", "--cooccurrence",
                                            help="Co-occurrence tables: unit, document, or none."),
           age_bands: Optional[str] = typer.Option(None, "--age-bands", help="Bands for age_band."),
           widen: str = typer.Option("span", "--widen", help="span, sentence or turn."),
           attribution: List[str] = typer.Option([], "--attribution", help="As for `export quotes`."),
           codes: Optional[str] = CodesOption,
           coder: List[str] = CoderOption,
           consensus: bool = ConsensusOption,
           all_coders: bool = AllCodersOption,
           group: Optional[str] = GroupOption,
           documents: Optional[str] = DocumentsOption,
           where: List[str] = WhereOption,
           pseudonymise: bool = PseudonymiseOption,
           excel: bool = ExcelOption,
           as_json: bool = JsonOption) -> None:
    """Every table at once: the quote table and the matrices, from one read of the project."""
    from cotag.services.export import export_tables

    scope = _scope(codes, coder, consensus, all_coders, group, documents, where)
    bundle = export_tables(open_project(), directory, scope=scope, quote_formats=_names(quote_formats),
                           matrix_formats=_names(matrix_formats), by=split_names(by),
                           cooccurrence=_names(cooccurrence), widen=widen, attribution_overrides=attribution,
                           age_bands=age_bands, excel=excel, pseudonymise=pseudonymise)
    if as_json:
        emit_json({"coding": bundle.coding, "files": bundle.files, "skipped": bundle.skipped})
        return
    typer.echo(f"wrote {len(bundle.files)} files to {directory} (coding: {bundle.coding})")
    for item in bundle.files:
        typer.echo(f"  {item['path']}")
    if bundle.skipped:
        typer.echo(f"no document has {', '.join(bundle.skipped)}: no matrix by {' or '.join(bundle.skipped)}")


@export_app.command("codebook")
def codebook(output: Optional[Path] = typer.Argument(None, metavar="[OUTPUT]",
                                                     help="File to write; the suffix picks the format (.docx .md "
                                                          ".xlsx .csv). Omit for Markdown (or --format csv) on "
                                                          "standard output."),
             fmt: Optional[str] = format_option("docx, md, xlsx, or csv (Taguette's codebook layout: tag, "
                                                "description)."),
             rollup: bool = typer.Option(True, "--rollup/--no-rollup",
                                         help="Count sub-codes' codings in their parent's frequencies."),
             bootstrap: int = typer.Option(1000, "--bootstrap",
                                           help="Bootstrap replicates for alpha's 95% interval (0: no interval)."),
             agreement: bool = typer.Option(True, "--agreement/--no-agreement",
                                            help="Compute each code's alpha between the coders."),
             codes: Optional[str] = CodesOption,
             coder: List[str] = CoderOption,
             consensus: bool = ConsensusOption,
             all_coders: bool = AllCodersOption,
             group: Optional[str] = GroupOption,
             documents: Optional[str] = DocumentsOption,
             where: List[str] = WhereOption,
             pseudonymise: bool = PseudonymiseOption,
             excel: bool = ExcelOption,
             as_json: bool = JsonOption) -> None:
    """Codebook appendix: definitions, rules, examples, frequencies per group and each code's alpha."""
    from cotag.services.export import export_codebook

    scope = _scope(codes, coder, consensus, all_coders, group, documents, where)
    if output is None and fmt is None:
        fmt = "md"
    summary, text = export_codebook(open_project(), output, fmt=fmt, scope=scope, rollup=rollup,
                                    bootstrap=bootstrap, agreement=agreement, excel=excel,
                                    pseudonymise=pseudonymise)
    _finish(summary, text, as_json, f"the codebook ({summary['codes']} codes)")


@export_app.command("chart")
def chart(output: Path = typer.Argument(..., metavar="OUTPUT",
                                        help="Image to write; the suffix picks the format (.png .svg)."),
          kind: str = typer.Option("frequency", "--kind",
                                   help="frequency (share of respondents per theme and attribute value) or "
                                        "cooccurrence (code x code)."),
          by: str = typer.Option("group", "--by", help="Attribute for the frequency chart's bars."),
          within: str = typer.Option("unit", "--within", help="Co-occurrence within a unit or a document."),
          fmt: Optional[str] = format_option("png or svg (default: from the suffix)."),
          codes: Optional[str] = CodesOption,
          coder: List[str] = CoderOption,
          consensus: bool = ConsensusOption,
          all_coders: bool = AllCodersOption,
          group: Optional[str] = GroupOption,
          documents: Optional[str] = DocumentsOption,
          where: List[str] = WhereOption,
          pseudonymise: bool = PseudonymiseOption,
          as_json: bool = JsonOption) -> None:
    """The analysis screen's charts as images for a paper: theme frequency by group, or co-occurrence."""
    from cotag.services.export import export_chart

    scope = _scope(codes, coder, consensus, all_coders, group, documents, where)
    summary = export_chart(open_project(), output, kind=kind, by=by, within=within, fmt=fmt, scope=scope,
                           pseudonymise=pseudonymise)
    if as_json:
        emit_json(summary)
    else:
        typer.echo(f"wrote the {summary['kind']} chart to {summary['path']} ({summary['format']}; "
                   f"coding: {summary['coding']})")


def register(app: typer.Typer) -> None:
    # The REFI-QDA exports (qdpx, qdc, codebook-csv) and a coder's file belong to `cotag export` too; their
    # implementations stay beside the imports they mirror (commands/refi.py) and the merge (commands/team.py).
    from cotag.commands import memo, refi, team

    export_app.command("qdpx")(refi.export_qdpx_command)
    export_app.command("qdc")(refi.export_qdc_command)
    # Meant to become `cotag export codebook --format csv` once the codebook appendix command exists.
    export_app.command("codebook-csv")(refi.export_codebook_csv_command)
    export_app.command("coder")(team.export_coder)
    export_app.command("memos")(memo.export_memos)
    app.add_typer(export_app, name="export")
