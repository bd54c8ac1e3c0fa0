"""Use cases both front ends call: set up a project, load a codebook, import, report status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cotag.project import Project


def load_codebook_file(project: Project, *, path: Path | str, actor: str = "") -> dict[str, Any]:
    """Validate a codebook file and bring the project's codes in line with it."""
    from cotag.codebook import load_codebook
    from cotag.store.codes import sync_codebook
    from cotag.store.events import log_event

    codebook = load_codebook(Path(path))
    with project.session() as session:
        report = sync_codebook(session, codebook=codebook)
        log_event(session, kind="codebook.load", actor=actor,
                  payload={"path": str(path), "version": codebook.version, **report.as_dict()})
    return {"codebook": codebook.title, "version": codebook.version, "codes": len(codebook.codes), **report.as_dict()}


AGREEMENT_CODERS_EVENT = "agreement.coders"


def agreement_coders(project: Project) -> tuple[str, ...] | None:
    """The coders last chosen on the agreement screen, or None for the default (every coder who is not a lead).

    The choice lives in the audit trail, so it is the project's (every machine on a team database sees it)
    and the log shows who narrowed the comparison and when. Names of coders since removed are dropped.
    """
    from cotag.store.coders import list_coders
    from cotag.store.events import latest_event

    with project.session() as session:
        event = latest_event(session, kind=AGREEMENT_CODERS_EVENT)
        if event is None or not event.payload.get("coders"):
            return None
        known = {c.name for c in list_coders(session)}
    chosen = tuple(n for n in event.payload["coders"] if n in known)
    return chosen if len(chosen) >= 2 else None


def remember_agreement_coders(project: Project, *, coders: tuple[str, ...] | None, actor: str = "") -> None:
    """Remember the agreement screen's coders for the project (None: back to the default set)."""
    from cotag.store.events import log_event

    with project.session() as session:
        log_event(session, kind=AGREEMENT_CODERS_EVENT, actor=actor, payload={"coders": list(coders or [])})


def import_transcripts(project: Project, *, paths: list[Path | str], group: str | None = None, actor: str = "",
                       progress=None):
    from cotag.corpus.importer import import_paths

    with project.session() as session:
        return import_paths(session, paths=paths, group=group, actor=actor, progress=progress)


def status(project: Project) -> dict[str, Any]:
    from sqlalchemy import func
    from sqlmodel import select

    from cotag.store import documents as doc_store
    from cotag.store.models import Code, Coder, Coding, STATUS_ACTIVE

    with project.session() as session:
        return {
            "project": project.name,
            "root": str(project.root),
            "database": _public_url(project.database_url),
            "documents": doc_store.counts_by_group(session),
            "units": doc_store.total_units(session),
            "codes": session.exec(select(func.count()).select_from(Code).where(Code.status == STATUS_ACTIVE)).one(),
            "coders": session.exec(select(func.count()).select_from(Coder)).one(),
            "codings": session.exec(select(func.count()).select_from(Coding).where(Coding.deleted_at.is_(None))).one(),
        }


def _public_url(url: str) -> str:
    from cotag.store.database import redact

    return redact(url)


def documents_table(project: Project, *, group: str | None = None) -> list[dict[str, Any]]:
    from cotag.store import documents as doc_store

    with project.session() as session:
        units = doc_store.unit_counts(session)
        return [
            {"id": d.external_id, "group": d.group, "attributes": d.attributes, "units": units.get(d.id, 0),
             "words": d.words, "format": d.format, "source": d.source_path}
            for d in doc_store.list_documents(session, group=group)
        ]


def document_turns(project: Project, *, external_id: str) -> dict[str, Any]:
    """A document as speaker turns, each with its text and units."""
    from cotag.store import documents as doc_store

    with project.session() as session:
        document = doc_store.require_document(session, external_id=external_id)
        units = doc_store.list_units(session, document_id=document.id)
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
