"""Use cases on the corpus: import transcripts, the project's status, documents, attributes, disclosure, and
setting up the demo project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:
    from cotag.attribute_edit import AttributeForm
    from cotag.attributes import AttributeImport, Change
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


def attribute_form(project: Project, *, document: str) -> AttributeForm:
    """One document's attributes as the library's form shows them, and the names other documents use."""
    from cotag.attribute_edit import attribute_form as read

    with project.session() as session:
        return read(session, document=document)


def edit_attributes(project: Project, *, document: str, values: dict[str, str], actor: str = "") -> list[Change]:
    """Set one document's attributes from the form's texts: all or nothing, logged (returns the changes made)."""
    from cotag.attribute_edit import edit_attributes as edit

    with project.session() as session:
        return edit(session, document=document, values=values, actor=actor)


def disclosure(project: Project, *, attributes: list[str] | None = None, k: int = 3) -> dict[str, Any]:
    """For every respondent, how many respondents share the attribution a quote would print."""
    from cotag.privacy.disclosure import disclosure_report

    with project.session() as session:
        return disclosure_report(session, config=project.config, attributes=attributes, k=k)


# ---------------------------------------------------------------- the demo project

def ensure_demo_project(directory: Path | str, *, echo: Callable[[str], None] = print) -> tuple[Project, bool]:
    """Open the demo project in directory, creating and filling it on first use: the study's codebook, the
    synthetic corpus (each use case in its own transaction) and two simulated coders."""
    import os
    import shutil

    from cotag.demo.project import corpus_root
    from cotag.errors import CotagError
    from cotag.project import CONFIG_NAME, init_project, open_project
    from cotag.services.codebook import load_codebook_file

    directory = Path(directory).resolve()
    if (directory / CONFIG_NAME).is_file():
        return open_project(directory), False
    source = corpus_root()
    # The demo gets its own copy of the codebook: renames, merges, `codebook save` and REFI-QDA
    # imports write to the project's codebook file, and must never edit the repository's.
    directory.mkdir(parents=True, exist_ok=True)
    codebook = "codebook.yaml"
    shutil.copyfile(source / "codebooks" / "migration.yaml", directory / codebook)
    folders = [os.path.relpath(source / "transcripts" / g, directory) for g in ("experts", "graduates")]
    project = init_project(directory, codebook=codebook, folders=folders, name="demo")
    echo(f"created demo project in {directory}")
    report = load_codebook_file(project, path=project.codebook_path or directory / codebook)
    echo(f"loaded codebook: {report['codes']} codes")
    imported = import_transcripts(project, paths=project.transcript_folders)
    echo(f"imported {len(imported.added)} transcripts: {imported.units} units, {imported.words} words")
    if not imported.ok:
        raise CotagError("the demo corpus did not import cleanly:\n" + "\n".join(imported.errors + imported.refused))
    # Two simulated coders on the same documents, so agreement and reconcile have content on first run.
    from cotag.demo import simulate

    with project.session() as session:
        sim = simulate.simulate_coders(session, simulate.DEMO_CODERS, noise=simulate.DEFAULT_NOISE,
                                       documents=simulate.DEMO_DOCUMENTS, seed=simulate.DEFAULT_SEED)
    echo(f"simulated coders {', '.join(sim.coders)} on {len(sim.documents)} documents "
         f"(noise {sim.noise}): try `cotag agreement`")
    return project, True
