"""Use cases on the coders' work: what the coding screen reads, codings as a table and from one, and what the
suggester reads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.coding_views import CoderInfo, LibraryRow, Transcript
    from cotag.codings_import import CodingsImport
    from cotag.project import Project
    from cotag.suggest.data import CodeInfo, DocumentUnits, TrainingData


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


def training_data(project: Project, *, include_coders: bool = False,
                  coders: Sequence[str] | None = None) -> TrainingData:
    """What the suggester learns from: the codebook, the consensus, and (if asked) named coders' finished work."""
    from cotag.suggest.data import coder_names, read_training

    with project.session() as session:
        if coders is not None:
            known = set(coder_names(session))
            unknown = [n for n in coders if n not in known]
            if unknown:
                raise CotagError(f"--coders: no coder named {', '.join(map(repr, unknown))}")
        return read_training(session, include_coders=include_coders, coders=list(coders) if coders else None)


def document_for_suggestions(project: Project, document: str) -> tuple[list[CodeInfo], DocumentUnits]:
    """The codebook as it is now and one document's units, for suggesting codes."""
    from cotag.suggest.data import read_codes, read_documents

    with project.session() as session:
        codes = read_codes(session)
        (units,) = read_documents(session, [document])
    return codes, units


def evaluation_data(project: Project, against: str) -> tuple[list[str], list[DocumentUnits], dict[str, Any]]:
    """The documents `against` (consensus or a coder) finished, their units, and `against`'s spans in them."""
    from cotag.suggest.data import coded_documents, read_documents, read_spans

    with project.session() as session:
        documents = coded_documents(session, against)
        if len(documents) < 2:
            return documents, [], {}
        return documents, read_documents(session, documents), read_spans(session, against, documents)
