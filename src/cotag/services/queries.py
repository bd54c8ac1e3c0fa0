"""Use cases that ask the coded corpus a question: a code query written out (`cotag query`), a saved query's
quote table (the analysis screen), and the fuzzy search of what was said (the search dialog's index).

Each opens one read transaction around the domain function in cotag.query or cotag.search, which takes the
session. A query written to a file is written inside its transaction, as every export is (services.export):
on SQLite (WAL) and PostgreSQL a read blocks no coder's writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from cotag.export.quotes import QuoteTable
    from cotag.export.scope import Scope
    from cotag.project import Project
    from cotag.search import CorpusIndex, SearchHit


def export_query(project: Project, source: str, path: Path | None, *, fmt: str | None = None, scope: Scope,
                 attribution_overrides: Iterable[str] = ()) -> tuple[dict[str, Any], str | None]:
    """Write a code query's passages with the quote table's writers; a summary and, without a path, the text."""
    from cotag.query import export_query as write

    with project.session() as session:
        return write(project, session, source, path, fmt=fmt, scope=scope, attribution_overrides=attribution_overrides)


def run_saved(project: Project, name: str, *, coding: Scope | None = None, own: str | None = None) -> QuoteTable:
    """A saved query's quote table (what the analysis screen shows); query.stored_scope says whose coding."""
    from cotag.query import run_saved as run

    with project.session() as session:
        return run(project, session, name, coding=coding, own=own)


def corpus_index(project: Project, *, include_interviewer: bool = True) -> CorpusIndex:
    """Every unit's text, ready to search many times (the search dialog keeps one per project)."""
    from cotag.search import CorpusIndex

    with project.session() as session:
        return CorpusIndex.build(session, include_interviewer=include_interviewer)


def search(project: Project, query: str, *, limit: int | None = 200, cutoff: float | None = None) -> list[SearchHit]:
    """One search of what was said (builds the index each time; a screen keeps a corpus_index instead)."""
    from cotag.search import DEFAULT_CUTOFF, search as find

    with project.session() as session:
        return find(session, query, limit=limit, cutoff=DEFAULT_CUTOFF if cutoff is None else cutoff)
