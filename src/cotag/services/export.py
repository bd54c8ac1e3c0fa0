"""Use cases that write files for papers and other tools (quote tables, matrices, the codebook appendix, charts,
memos, a member check, the bundle) and what the analysis screen reads.

Each opens one transaction and hands its session to the export module that reads the project in one pass and
writes the file (cotag.export.*: `write_...(project, session, path, ...)`; the project is passed for its
configuration and folder, never for a session). The transaction is a read: on SQLite (WAL) and PostgreSQL it
blocks no coder's writes while the file is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from cotag.export.analysis import Analysis, CodingChoice
    from cotag.export.bundle import Bundle
    from cotag.export.charts import CooccurrenceChart, FrequencyChart
    from cotag.export.codebook_appendix import CodebookAppendix
    from cotag.export.quotes import QuoteRow
    from cotag.export.scope import Scope
    from cotag.project import Project

Written = tuple[dict[str, Any], str | None]  # the summary, and the text when no file was named (standard output)


# ---------------------------------------------------------------- quotes

def export_quotes(project: Project, path: Path | None, **options: Any) -> Written:
    """The themed quote table (csv, xlsx, md, docx); options are export.quotes.write_quotes's."""
    from cotag.export.quotes import write_quotes

    with project.session() as session:
        return write_quotes(project, session, path, **options)


def export_member_check(project: Project, document: str, path: Path, **options: Any) -> dict[str, Any]:
    """One respondent's quotes, to send back to that respondent (md, docx, txt)."""
    from cotag.export.quotes import write_member_check

    with project.session() as session:
        return write_member_check(project, session, document, path, **options)


def export_cell_quotes(project: Project, path: Path | None, **options: Any) -> Written:
    """The quotes a matrix counts in one cell; options are export.cell.write_cell_quotes's."""
    from cotag.export.cell import write_cell_quotes

    with project.session() as session:
        return write_cell_quotes(project, session, path, **options)


def quotes_for_code(project: Project, *, code: str, scope: Scope | None = None, widen: str = "span",
                    attribution_overrides: Iterable[str] = ()) -> list[QuoteRow]:
    """One code's quotes (with its subtree), attributed as the exports attribute them."""
    from cotag.export.quotes import code_quotes
    from cotag.export.scope import Scope

    with project.session() as session:
        return code_quotes(session, code=code, scope=scope or Scope(), widen=widen, config=project.config,
                           attribution_overrides=attribution_overrides)


# ---------------------------------------------------------------- matrices, the codebook, charts, the bundle

def export_matrix(project: Project, path: Path | None, **options: Any) -> Written:
    """A code x attribute matrix (by=) or a co-occurrence table (within=); options are export.matrix.write_matrix's."""
    from cotag.export.matrix import write_matrix

    # A plain connection: the matrix's reads need no ORM, and importing it cost more than the table (issue #14).
    with project.reading() as connection:
        return write_matrix(project, connection, path, **options)


def theme_prevalence(project: Project, **options: Any) -> list[dict[str, Any]]:
    """Share of respondents per theme and attribute value (the analysis screen's bar chart)."""
    from cotag.export.matrix import theme_prevalence as prevalence

    with project.session() as session:
        return prevalence(session, config=project.config, **options)


def build_appendix(project: Project, scope: Scope | None = None, **options: Any) -> CodebookAppendix:
    """The codebook appendix's data: definitions, frequencies per group and agreement per code."""
    from cotag.export.codebook_appendix import build_appendix as build
    from cotag.export.scope import Scope

    with project.session() as session:
        return build(session, scope or Scope(), **options)


def export_codebook(project: Project, path: Path | None, **options: Any) -> Written:
    """The codebook appendix (docx, md, xlsx) or Taguette's codebook CSV."""
    from cotag.export.codebook_appendix import write_codebook

    with project.session() as session:
        return write_codebook(project, session, path, **options)


def build_chart(project: Project, **options: Any) -> FrequencyChart | CooccurrenceChart:
    """A frequency or co-occurrence chart's data (kind, by, within, scope)."""
    from cotag.export.charts import build_chart as build

    with project.session() as session:
        return build(session, config=project.config, **options)


def export_chart(project: Project, path: Path, **options: Any) -> dict[str, Any]:
    """A chart as PNG or SVG; options are export.charts.write_chart's."""
    from cotag.export.charts import write_chart

    with project.session() as session:
        return write_chart(project, session, path, **options)


def export_tables(project: Project, directory: Path, **options: Any) -> Bundle:
    """Every quote table and matrix of one scope into a folder, from one read of the project."""
    from cotag.export.bundle import write_tables

    with project.session() as session:
        return write_tables(project, session, directory, **options)


def export_memos(project: Project, path: Path | None, *, fmt: str | None = None,
                 coders: Iterable[str] | None = None, document: str | None = None, code: str | None = None,
                 kinds: Iterable[str] | None = None, pseudonymise: bool = False) -> Written:
    """Write the memos (md, docx, csv or xlsx); without a path, Markdown or CSV is returned for standard output."""
    from cotag.export import writers
    from cotag.export.memos import MemoReport, pseudonymised
    from cotag.memos import KINDS, memos
    from cotag.store.codes import list_codes

    fmt = writers.output_format(path, fmt, example="memos")
    # The memos and the code names in one read (two transactions before issue #14 moved memos' sessions here).
    with project.session() as session:
        views = memos(session, coders=coders, document=document, code=code, kinds=kinds)
        code_names = {c.key: c.name for c in list_codes(session, include_retired=True)}
    if pseudonymise:
        views, code_names = pseudonymised(project, views, code_names)
    report = MemoReport(views, code_names=code_names, pseudonymised=pseudonymise)
    text = writers.write(report, path, fmt)
    counts = {kind: sum(1 for v in views if v.kind == kind) for kind in KINDS}
    return {"memos": len(views), **counts, "format": fmt, "path": str(path) if path else None,
            "pseudonymised": pseudonymise}, text


# ---------------------------------------------------------------- the analysis screen

def coding_choices(project: Project, *, viewer: str | None = None, lead: bool = True) -> list[CodingChoice]:
    """The codings a viewer may analyse, the default first (a coder who is not the lead: only their own)."""
    from cotag.export.analysis import coding_choices as choices

    with project.session() as session:
        return choices(session, viewer=viewer, lead=lead)


def load_analysis(project: Project, scope: Scope | None = None, *, widen: str = "span",
                  pseudonyms: Any = None) -> Analysis:
    """One read of the scope; every table of the analysis screen is built from it."""
    from cotag.export.analysis import Analysis
    from cotag.export.scope import Scope

    with project.session() as session:
        return Analysis.load(session, scope or Scope(), config=project.config, widen=widen, pseudonyms=pseudonyms)


def export_view(project: Project, path: Path, **options: Any) -> dict[str, Any]:
    """Write what the analysis screen shows, through the functions `cotag export` uses; returns their summary."""
    from cotag.export.analysis import write_view

    with project.session() as session:
        return write_view(project, session, path, **options)
