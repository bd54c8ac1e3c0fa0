"""Import transcripts into a project: read, find turns, split sentences, store, never overwrite coded work."""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from cotag.store.session import Session

from cotag.bulk import collector_paused
from cotag.corpus import limits

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
            # Hidden files and folders (.git, editor backups) and a folder's README are not interviews.
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts)
                           and p.name.lower() != "readme.md")
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
    readable: list[Path] = []
    seen: set[str] = set()
    for file in files:
        real = os.path.realpath(file)
        if real in seen:  # named twice (a folder and a file in it): one file, imported once
            continue
        seen.add(real)
        try:
            str(file).encode("utf-8")
        except UnicodeEncodeError:
            # Bytes that are not UTF-8 in a file name (say, a Windows-1251 name unpacked from a zip):
            # the name cannot be stored or shown, so the file is skipped, not the whole import failed.
            shown = os.fsencode(file).decode("utf-8", "replace")
            problems.append(f"{shown}: the file name is not valid UTF-8; rename the file (or its folder)")
        else:
            readable.append(file)
    return readable, problems


def _label(value: object, name: str) -> str:
    """A front matter id or group as text: a string or a whole number (``id: 17``), trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        kind = {list: "a list", dict: "a mapping", bool: "true/false"}.get(type(value), type(value).__name__)
        raise ValueError(f"front matter '{name}' must be text such as {'E001' if name == 'id' else 'expert'}, "
                         f"not {kind} ({value!r})")
    return str(value).strip()


def _check_storable(attributes: dict) -> None:
    """Raise ValueError naming the attribute that neither back end could store as JSON.

    The readers refuse such values with their line; this guards the database, where one bad
    value would otherwise fail the whole import's transaction (PostgreSQL refuses NaN and NUL).
    """
    def walk(value: object, where: str) -> None:
        if isinstance(value, str):
            if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
                raise ValueError(f"front matter {where} holds a character the database cannot store "
                                 "(NUL or a lone surrogate)")
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int):
            try:
                str(value)
            except ValueError:
                raise ValueError(f"front matter {where} is a number too long to store; write it in quotes") from None
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"front matter {where} is {value}, which cannot be stored; write it in quotes")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where} > {key!r}" if where else repr(key)
                walk(key, name)
                walk(item, name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")
        else:
            raise ValueError(f"front matter {where} is {type(value).__name__}, which cannot be stored as JSON")

    walk(attributes, "")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def count_words_in(text: str, ranges: Iterable[tuple[int, int]]) -> int:
    """``sum(count_words(text[start:end]) for start, end in ranges)``, in one numpy pass over the text.

    The regex, one slice at a time, cost 0.08 s of the demo corpus's import; this costs a fifth of that.
    A ``\\w`` character is one that str.isalnum() accepts, or "_" (so say re's docs; checked for every
    code point), so a table of the text's distinct characters marks the word characters, and a word
    is a run of them.
    """
    import numpy

    bounds = numpy.array([(start, end) for start, end in ranges if end > start], dtype=numpy.int64).reshape(-1, 2)
    if not len(bounds):
        return 0
    codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    present = numpy.bincount(codes)
    is_word_char = numpy.zeros(len(present), dtype=bool)
    is_word_char[[c for c in numpy.flatnonzero(present).tolist() if chr(c).isalnum() or c == 0x5F]] = True
    is_word = is_word_char[codes]
    word_start = is_word.copy()  # a word character after a non-word one, or at the text's start
    word_start[1:] &= ~is_word[:-1]
    starts_before = numpy.zeros(len(codes) + 1, dtype=numpy.int64)
    numpy.cumsum(word_start, out=starts_before[1:])
    start, end = bounds[:, 0], bounds[:, 1]
    # Words that start inside each range, and a word the range's start cuts, which the slice counts.
    return int((starts_before[end] - starts_before[start]).sum() + (is_word[start] & ~word_start[start]).sum())


# Files read, split and stored together. One chunk holds the demo corpus; a bigger corpus goes
# through in several, so memory holds one chunk's texts and units rather than the whole corpus's.
CHUNK_FILES = 200


def import_paths(session: Session, *, paths: Iterable[Path | str], group: str | None = None,
                 actor: str = "", progress: ProgressCallback | None = None) -> ImportReport:
    """Import every transcript under paths. A bad file is reported and skipped; the rest still imports.

    Everything happens in the caller's session: one transaction on PostgreSQL; on SQLite committed after each
    chunk of files, so coders saving codings meanwhile never wait long (a rerun skips what is stored).
    """
    with collector_paused():
        return _import_paths(session, paths=paths, group=group, actor=actor, progress=progress)


def _import_paths(session: Session, *, paths: Iterable[Path | str], group: str | None,
                  actor: str, progress: ProgressCallback | None) -> ImportReport:
    from cotag.store.database import commit_batch

    report = ImportReport()
    files, problems = collect_files(paths)
    report.errors.extend(problems)
    total = len(files)
    from cotag.attributes import sheet_attributes

    run = _ImportRun(session=session, report=report, group=group, actor=actor,
                   known_hashes=doc_store.documents_by_hash(session), sheet=sheet_attributes(session))
    for first in range(0, total, CHUNK_FILES):
        chunk = files[first : first + CHUNK_FILES]

        def step(n: int, what: str, _first: int = first) -> None:
            if progress:
                progress(2 * _first + n, total * 2, what)

        run.import_files(chunk, step)
        commit_batch(session)
    if progress:
        progress(total * 2, total * 2, "done")
    return report


@dataclass
class _ImportRun:
    """What one import run remembers across its chunks: ids and texts already seen, the report."""

    session: Session
    report: ImportReport
    group: str | None
    actor: str
    known_hashes: dict[str, str]  # content hash -> external id, in the project or imported in this run
    seen_ids: dict[str, Path] = field(default_factory=dict)  # external id -> file, in this run
    # Attributes set from a spreadsheet (`cotag attributes import`), per document id: they outlive front matter.
    sheet: dict[str, dict] = field(default_factory=dict)

    def import_files(self, files: list[Path], step: Callable[[int, str], None]) -> None:
        from cotag.corpus.formats import TranscriptError, read_transcript

        parsed = []
        for n, path in enumerate(files, 1):
            try:
                parsed.append(read_transcript(path))
            except CotagError as exc:  # a TranscriptError names the file itself
                self.report.errors.append(str(exc) if isinstance(exc, TranscriptError) else f"{path}: {exc}")
            except OSError as exc:
                self.report.errors.append(f"{path}: cannot read: {exc.strerror or exc}")
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - a reader's bug costs that file, not the other files of the batch
                self.report.errors.append(f"{path}: cannot be read ({type(exc).__name__}: {exc}); "
                                          "please report this file to cotag's developers")
            step(n, f"read {path.name}")
        todo = self._select(parsed)
        self._store(todo)
        step(2 * len(files), f"stored {len(todo)} documents")

    def _select(self, parsed: list) -> list[tuple]:
        """The transcripts to store, as (transcript, id, group, attributes, hash, existing document or None)."""
        from cotag.attributes import keep_sheet_attributes

        report, session = self.report, self.session
        identified = []
        for transcript in parsed:
            meta = dict(transcript.metadata)
            front_group = meta.pop("group", None)
            try:
                external_id = _label(meta.pop("id", None), "id") or transcript.path.stem
                # --group wins over the front matter's group.
                doc_group = self.group.strip() if self.group else _label(front_group, "group")
                _check_storable({"id": external_id, "group": doc_group, **meta})
            except ValueError as exc:
                report.errors.append(f"{transcript.path}: {exc}")
                continue
            identified.append((transcript, external_id, doc_group,
                               keep_sheet_attributes(meta, self.sheet.get(external_id))))
        known = doc_store.documents_by_external_id(session, external_ids=[i for _, i, *_ in identified])
        todo = []
        for transcript, external_id, doc_group, meta in identified:
            if external_id in self.seen_ids:
                report.errors.append(f"{transcript.path}: document id {external_id!r} is also used by "
                                     f"{self.seen_ids[external_id]} in this import")
                continue
            self.seen_ids[external_id] = transcript.path
            digest = content_hash(transcript.text)
            existing = known.get(external_id)
            if existing is not None and existing.content_hash == digest:
                if existing.attributes != meta or existing.group != doc_group:
                    existing.attributes = meta
                    existing.group = doc_group
                    session.add(existing)
                    report.updated.append(external_id)
                else:
                    report.unchanged.append(external_id)
                continue
            if existing is None and digest in self.known_hashes:
                report.refused.append(f"{transcript.path}: same text as document {self.known_hashes[digest]} "
                                      f"(in the project or earlier in this import); not imported twice")
                continue
            if existing is not None:
                coded = doc_store.live_codings_count(session, document_id=existing.id or 0)
                if coded:
                    report.refused.append(
                        f"{transcript.path}: document {external_id} has changed since it was imported and has "
                        f"{coded} coding(s); refusing to replace it (offsets would no longer point at the coded "
                        f"text). Use `cotag revise {transcript.path}` to carry the codings and rulings onto the new "
                        f"text (`--dry-run` shows what would move first), or import it under another id.")
                    continue
            self.known_hashes[digest] = external_id
            todo.append((transcript, external_id, doc_group, meta, digest, existing))
        return todo

    def _store(self, todo: list[tuple]) -> None:
        from cotag.corpus.sentences import sentence_spans

        if not todo:
            return
        report, session = self.report, self.session
        events = []
        new_documents: list[tuple[dict, list]] = []  # (values, units) of documents the project lacks
        for (transcript, external_id, doc_group, meta, digest, existing), spans in zip(
                todo, sentence_spans([t for t, *_ in todo])):
            if len(spans) > limits.MAX_UNITS_PER_DOCUMENT:
                report.errors.append(
                    f"{transcript.path}: {len(spans):,} sentence units, more than the "
                    f"{limits.MAX_UNITS_PER_DOCUMENT:,} a document may have; split the transcript into several files")
                del self.known_hashes[digest]  # not stored: a later copy of the text is no duplicate of it
                continue
            units, words = units_and_words(transcript, spans)
            values = {"external_id": external_id, "group": doc_group, "text": transcript.text, "attributes": meta,
                      "content_hash": digest, "source_path": os.path.abspath(transcript.path),
                      "format": transcript.format, "words": words}
            if existing is None:
                new_documents.append((values, units))
                report.added.append(external_id)
            else:
                doc_store.replace_document(session, document=existing, values=values,
                                           units=units)  # type: ignore[arg-type]  # UnitRow-shaped plain tuples
                report.replaced.append(external_id)
            report.units += len(units)
            report.words += words
            events.append({"kind": "import", "actor": self.actor,
                           "payload": {"document": external_id, "path": str(transcript.path), "units": len(units),
                                       "replaced": existing is not None}})
        ids = doc_store.add_documents(session, rows=[values for values, _ in new_documents])
        doc_store.insert_units_of(session, batches=[(id_, units) for id_, (_, units) in zip(ids, new_documents)])
        log_events(session, rows=events)


def units_and_words(transcript, spans: list[tuple[int, int, int]]) -> tuple[list[tuple], int]:
    """A transcript's units (UnitRow tuples) from its sentence spans, and its words (import and revise)."""
    speakers = [(turn.speaker, turn.is_interviewer) for turn in transcript.turns]
    # Plain tuples in UnitRow's field order: an import makes tens of thousands of them.
    units = [(i, start, end, turn, *speakers[turn]) for i, (turn, start, end) in enumerate(spans)]
    # Speaker labels are not the respondent's words.
    words = count_words_in(transcript.text, ((t.start, t.end) for t in transcript.turns))
    return units, words


def require_ok(report: ImportReport) -> None:
    if report.errors or report.refused:
        raise CotagError("\n".join(report.errors + report.refused))
