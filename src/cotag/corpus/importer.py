"""Import transcripts into a project: read, find turns, split sentences, store, never overwrite coded work."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlmodel import Session

from cotag.errors import CotagError
from cotag.store import documents as doc_store
from cotag.store.events import log_events

ProgressCallback = Callable[[int, int, str], None]

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # attributes changed, text the same
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "path: reason"
    errors: list[str] = field(default_factory=list)  # "path: reason"
    units: int = 0
    words: int = 0

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in
                ("added", "replaced", "updated", "unchanged", "refused", "errors", "units", "words")}

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused


def collect_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[str]]:
    """Files named directly, and every supported file under a folder (sorted, so imports are reproducible)."""
    from cotag.corpus.formats import SUPPORTED_SUFFIXES

    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                           and not p.name.startswith(".") and p.name.lower() != "readme.md")
            if not found:
                problems.append(f"{path}: no transcripts here ({', '.join(SUPPORTED_SUFFIXES)})")
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append(f"{path}: unsupported file type {path.suffix or '(none)'} "
                                f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
            else:
                files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def import_paths(session: Session, *, paths: Iterable[Path | str], group: str | None = None,
                 actor: str = "", progress: ProgressCallback | None = None) -> ImportReport:
    """Import every transcript under paths. A bad file is reported and skipped; the rest still imports."""
    from cotag.corpus.formats import TranscriptError, read_transcript
    from cotag.corpus.sentences import sentence_spans

    report = ImportReport()
    files, problems = collect_files(paths)
    report.errors.extend(problems)
    total = len(files)

    parsed = []
    for n, path in enumerate(files, 1):
        try:
            parsed.append(read_transcript(path))
        except TranscriptError as exc:
            report.errors.append(str(exc))
        except OSError as exc:
            report.errors.append(f"{path}: cannot read: {exc.strerror or exc}")
        if progress:
            progress(n, total * 2, f"read {path.name}")

    known_hashes = doc_store.documents_by_hash(session)
    seen_ids: dict[str, Path] = {}
    todo = []  # (parsed transcript, external id, group, hash, existing document or None)
    for transcript in parsed:
        meta = dict(transcript.metadata)
        external_id = str(meta.pop("id", None) or transcript.path.stem).strip()
        doc_group = str(group or meta.pop("group", None) or "").strip()
        meta.pop("group", None)
        if external_id in seen_ids:
            report.errors.append(f"{transcript.path}: document id {external_id!r} is also used by "
                                 f"{seen_ids[external_id]} in this import")
            continue
        seen_ids[external_id] = transcript.path
        digest = content_hash(transcript.text)
        existing = doc_store.get_document(session, external_id=external_id)
        if existing is not None and existing.content_hash == digest:
            if existing.attributes != meta or existing.group != doc_group:
                existing.attributes = meta
                existing.group = doc_group
                session.add(existing)
                report.updated.append(external_id)
            else:
                report.unchanged.append(external_id)
            continue
        if existing is None and digest in known_hashes:
            report.refused.append(f"{transcript.path}: same text as document {known_hashes[digest]} "
                                  f"already in the project; not imported twice")
            continue
        if existing is not None:
            coded = doc_store.live_codings_count(session, document_id=existing.id)
            if coded:
                report.refused.append(
                    f"{transcript.path}: document {external_id} has changed since it was imported and has "
                    f"{coded} coding(s); refusing to replace it (offsets would no longer point at the coded "
                    f"text). Import the new version under another id, or remove its codings first.")
                continue
        known_hashes[digest] = external_id
        todo.append((transcript, external_id, doc_group, meta, digest, existing))

    all_spans = sentence_spans([t for t, *_ in todo]) if todo else []
    events = []
    pending_units: list = []
    for n, ((transcript, external_id, doc_group, meta, digest, existing), spans) in enumerate(zip(todo, all_spans), 1):
        units = [
            doc_store.UnitRow(index=i, start=start, end=end, turn=turn,
                              speaker=transcript.turns[turn].speaker,
                              is_interviewer=transcript.turns[turn].is_interviewer)
            for i, (turn, start, end) in enumerate(spans)
        ]
        # Speaker labels are not the respondent's words.
        words = sum(count_words(transcript.text[t.start:t.end]) for t in transcript.turns)
        values = {"external_id": external_id, "group": doc_group, "text": transcript.text, "attributes": meta,
                  "content_hash": digest, "source_path": str(transcript.path), "format": transcript.format,
                  "words": words}
        if existing is None:
            document = doc_store.add_document(session, values=values)
            pending_units.append((document.id, units))
            report.added.append(external_id)
        else:
            doc_store.replace_document(session, document=existing, values=values, units=units)
            report.replaced.append(external_id)
        report.units += len(units)
        report.words += words
        events.append({"kind": "import", "actor": actor,
                       "payload": {"document": external_id, "path": str(transcript.path), "units": len(units),
                                   "replaced": existing is not None}})
        if progress:
            progress(total + n, total * 2, f"stored {external_id}")
    doc_store.insert_units_of(session, batches=pending_units)
    log_events(session, rows=events)
    if progress:
        progress(total * 2, total * 2, "done")
    return report


def require_ok(report: ImportReport) -> None:
    if report.errors or report.refused:
        raise CotagError("\n".join(report.errors + report.refused))
