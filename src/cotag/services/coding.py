"""Use cases on the coders' work: what the coding screen reads, codings as a table and from one. (What the
suggester reads: services.suggestions.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable


if TYPE_CHECKING:
    from cotag.coding_views import CoderInfo, LibraryRow, Transcript
    from cotag.codings_import import CodingsImport
    from cotag.project import Project


# ---------------------------------------------------------------- what the coding screen reads
# (The coder's writes go through coding.CodingSession, one transaction per change: docs/architecture.md.)

def open_transcript(project: Project, *, document_id: int, coder_ids: Iterable[int],
                    progress_coder_id: int) -> Transcript:
    """A document opened for coding: text, units, these coders' live codings, where the coder was."""
    from cotag.coding_views import open_transcript as read

    with project.session() as session:
        return read(session, document_id=document_id, coder_ids=coder_ids, progress_coder_id=progress_coder_id)


def library(project: Project, *, coder_id: int) -> list[LibraryRow]:
    """Every document in reading order (group, id) with this coder's progress."""
    from cotag.coding_views import library as read

    with project.session() as session:
        return read(session, coder_id=coder_id)


def document_texts(project: Project) -> dict[int, str]:
    """document id -> text, for filtering the library by what was said."""
    from cotag.store.documents import texts

    with project.session() as session:
        return texts(session)


def codebook(project: Project, *, include_retired: bool = False) -> list[Any]:
    """The project's codes in codebook order (detached rows, safe to keep in a UI)."""
    from cotag.store.codes import list_codes

    with project.session() as session:
        return list_codes(session, include_retired=include_retired)


def coders(project: Project, *, document_id: int | None = None) -> list[CoderInfo]:
    """Every coder with their live codings (in one document, or overall)."""
    from cotag.coding_views import coders as read

    with project.session() as session:
        return read(session, document_id=document_id)


# ---------------------------------------------------------------- scripting: list and import

def codings_table(project: Project, *, coders: Iterable[str] | None = None, documents: Iterable[str] | None = None,
                  codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Live codings with the coded text: document, code, coder, start, end, text, memo."""
    from cotag.coding_views import codings_table as table

    with project.session() as session:
        return table(session, coders=coders, documents=documents, codes=codes)


def import_codings(project: Project, *, path: Path | str, lead: str | None = None) -> CodingsImport:
    """Codings from a CSV table, every row checked first; a file with any bad row adds nothing (one transaction)."""
    from cotag.codings_import import add_codings, read_table

    path = Path(path)
    records = read_table(path)
    with project.session() as session:
        return add_codings(session, path=path, records=records, lead=lead)
