"""Use cases on the coders' work as data: codings as a table, and what the suggester reads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.suggest.data import CodeInfo, DocumentUnits, TrainingData


def codings_table(project: Project, *, coders: Iterable[str] | None = None, documents: Iterable[str] | None = None,
                  codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Live codings with the coded text: document, code, coder, start, end, text, memo."""
    from cotag.coding import codings_table as table

    return table(project, coders=coders, documents=documents, codes=codes)


def import_codings(project: Project, *, path: Path, lead: str | None = None) -> Any:
    """Codings from a CSV table, every row checked first; a file with any bad row adds nothing."""
    from cotag.coding import import_codings as read

    return read(project, path=path, lead=lead)


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
