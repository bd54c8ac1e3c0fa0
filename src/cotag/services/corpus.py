"""Use cases on the corpus: import transcripts, the project's status, documents, attributes, disclosure."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:
    from cotag.attributes import AttributeImport
    from cotag.corpus.importer import ImportReport
    from cotag.project import Project

Progress = Callable[[int, int, str], None]


def import_transcripts(project: Project, *, paths: Iterable[Path | str], group: str | None = None, actor: str = "",
                       progress: Progress | None = None) -> ImportReport:
    """Import transcript files and folders: one transaction (all of it, or on error none of it)."""
    from cotag.corpus.importer import import_paths

    with project.session() as session:
        return import_paths(session, paths=list(paths), group=group, actor=actor, progress=progress)


def status(project: Project) -> dict[str, Any]:
    """Documents per group, units, codes, coders and codings.

    Read through a plain connection (no ORM): `cotag status` is a report command whose start-up counts."""
    from cotag.store.database import redact
    from cotag.store.overview import project_counts

    with project.reading() as connection:
        counts = project_counts(connection)
    return {"project": project.name, "root": str(project.root), "database": redact(project.database_url), **counts}


def documents_table(project: Project, *, group: str | None = None) -> list[dict[str, Any]]:
    from cotag.store import documents as doc_store

    with project.session() as session:
        units = doc_store.unit_counts(session)
        return [
            {"id": d.external_id, "group": d.group, "attributes": d.attributes, "units": units.get(d.id or 0, 0),
             "words": d.words, "format": d.format, "source": d.source_path}
            for d in doc_store.list_documents(session, group=group)
        ]


def document_turns(project: Project, *, external_id: str) -> dict[str, Any]:
    """A document as speaker turns, each with its text and units."""
    from cotag.store import documents as doc_store

    with project.session() as session:
        document = doc_store.require_document(session, external_id=external_id)
        units = doc_store.list_units(session, document_id=document.id or 0)
        turns: list[dict[str, Any]] = []
        for unit in units:
            if not turns or turns[-1]["turn"] != unit.turn:
                turns.append({"turn": unit.turn, "speaker": unit.speaker, "interviewer": unit.is_interviewer,
                              "units": []})
            # `number` is what people read (units from 1, as on screen); `index` is the stored, 0-based one.
            turns[-1]["units"].append({"index": unit.index, "number": unit.index + 1, "start": unit.start,
                                       "end": unit.end,
                                       "text": document.text[unit.start:unit.end]})
        for turn in turns:
            # The turn as written (line breaks inside it kept), from its first unit to its last.
            turn["text"] = document.text[turn["units"][0]["start"]:turn["units"][-1]["end"]]
        return {"id": document.external_id, "group": document.group, "attributes": document.attributes,
                "words": document.words, "turns": turns}


def document_text(project: Project, *, external_id: str) -> str:
    """A document's stored text (what offsets point into)."""
    from cotag.store import documents as doc_store

    with project.session() as session:
        return doc_store.require_document(session, external_id=external_id).text


def export_attributes(project: Project, path: Path) -> dict[str, Any]:
    """Write one row per document (id, group, each attribute) to a CSV or Excel file."""
    from cotag.attributes import export_attributes as write

    with project.session() as session:
        return write(session, path)


def import_attributes(project: Project, path: Path, *, dry_run: bool = False, actor: str = "") -> AttributeImport:
    """Update documents' attributes from a sheet: all or nothing, every change logged (a dry run changes nothing)."""
    from cotag.attributes import import_attributes as read

    with project.session() as session:
        return read(session, path, dry_run=dry_run, actor=actor)


def disclosure(project: Project, *, attributes: list[str] | None = None, k: int = 3) -> dict[str, Any]:
    """For every respondent, how many respondents share the attribution a quote would print."""
    from cotag.privacy.disclosure import disclosure_report

    with project.session() as session:
        return disclosure_report(session, config=project.config, attributes=attributes, k=k)
