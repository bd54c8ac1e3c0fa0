"""Read a REFI-QDA project (.qdpx, or a bare .qde) into a cotag project, all or nothing.

The file is read and checked completely before the database is touched (:func:`plan_import`);
then everything is written in one transaction (:func:`apply_plan`). Any error, in the file or
while writing, leaves the project as it was.

What real tools write and this module accepts (docs/refi-qda.md has the details):

* namespaces ``urn:QDA-XML:project:1.0``, ``1:0``, ``0:4``, ``0:10`` or none;
* ``project.qde``, ``Project.qde`` or ``<name>.qde`` at the zip root; ``sources/`` or ``Sources/``;
* ``internal://`` and bare paths; ``relative://`` and ``absolute://`` when the archive holds
  the file, or under the folder the user names (``--sources``): a project file is untrusted
  and never reads a file outside itself on its own (:class:`Package`);
* source files with a BOM and CRLF; offsets in code points or UTF-16 units, with or without
  CRLF counted as one (:mod:`cotag.refi.offsets` detects which and the report says so);
* one selection with several codings, or one selection per code; hierarchy nested or
  flattened as ``A::B``.

Codings keep their coder (``Coding@creatingUser``); into a project that has coders, the
user says which coder each of the file's users is (:func:`_map_users`). Pictures, PDFs, audio, video, links that
are not annotations, graphs and sets that are not document groups cannot be carried over;
the report lists them with counts.

Errors that stop an import: not a zip/qde, a qde that is not XML or not a project, a
``CodeRef`` to no code, a selection outside its text, a missing ``internal://`` file inside
an archive, a source file that is not UTF-8, two codes with one GUID, a file outside the
project file, a DTD, a limit passed (``MAX_*`` below), a user without a coder.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.refi import (
    RefiError,
    crash_point,
    guid_key,
)

# The names importers use, re-exported from the modules that hold them now. Tests that lower a limit patch
# it where it lives: cotag.refi.package.
from cotag.refi.import_model import _TEXT_KEPT as _TEXT_KEPT
from cotag.refi.import_model import FALLBACK_CODER as FALLBACK_CODER
from cotag.refi.import_model import ImportPlan, ImportReport, PlannedDocument
from cotag.refi.import_model import _variable_value as _variable_value
from cotag.refi.import_model import stored_text as stored_text
from cotag.refi.import_plan import plan_import
from cotag.refi.package import MAX_ARCHIVE_ENTRIES as MAX_ARCHIVE_ENTRIES
from cotag.refi.package import MAX_QDE_BYTES as MAX_QDE_BYTES
from cotag.refi.package import MAX_SELECTIONS as MAX_SELECTIONS
from cotag.refi.package import MAX_SOURCE_BYTES as MAX_SOURCE_BYTES
from cotag.refi.package import MAX_TEXT_SOURCES as MAX_TEXT_SOURCES
from cotag.refi.package import MAX_TOTAL_BYTES as MAX_TOTAL_BYTES
from cotag.refi.package import Package as Package
from cotag.refi.package import open_package

if TYPE_CHECKING:
    from cotag.store.session import Session

__all__ = ["ImportPlan", "ImportReport", "apply_plan", "import_qdpx", "open_package", "plan_import"]


# ---------------------------------------------------------------- writing

def _units_for(documents: list[PlannedDocument], carried_units: dict[str, Any] | None = None) -> list[list]:
    """Speaker turns and sentence units, as the transcript importer makes them; those a cotag export carried
    for a document (refi/carried_units.py) when they check out, so spaCy need not split that text again."""
    from cotag.refi.carried_units import carried

    out: list[list | None] = [carried((carried_units or {}).get(guid_key(d.guid)), d.text) for d in documents]
    to_split = [i for i, units in enumerate(out) if units is None]
    if to_split:
        from cotag.corpus.formats import ParsedTranscript
        from cotag.corpus.sentences import sentence_spans
        from cotag.corpus.speakers import find_turns
        from cotag.store.documents import UnitRow

        parsed = [ParsedTranscript(path=Path(documents[i].name), text=documents[i].text, metadata={},
                                   turns=find_turns(documents[i].text), format="qdpx") for i in to_split]
        for i, p, doc_spans in zip(to_split, parsed, sentence_spans(parsed)):
            out[i] = [UnitRow(index=n, start=s, end=e, turn=turn, speaker=p.turns[turn].speaker,
                              is_interviewer=p.turns[turn].is_interviewer) for n, (turn, s, e) in enumerate(doc_spans)]
    return [units if units is not None else [] for units in out]


def _stored_id(row: Any) -> int:
    """A stored row's id (the models type it optional: it is None only before the row is flushed)."""
    if row.id is None:
        raise RuntimeError(f"{row!r} has no id: not flushed")
    return int(row.id)


def _work_by_user(plan: ImportPlan) -> dict[str | None, Counter[str]]:
    """user key -> how many codings and memos the file attributes to them."""
    work: dict[str | None, Counter[str]] = defaultdict(Counter)
    for document in plan.documents:
        for coding in document.codings:
            work[coding.user_guid or plan.default_user]["coding"] += 1
    for memo in plan.memos:
        work[memo.user_guid or plan.default_user]["memo"] += 1
    return work


def _map_users(session, plan: ImportPlan, user_map: dict[str, str], *, fresh: bool,
               lead: str | None) -> dict[str, int]:
    """user key -> coder id, by the user's explicit ``--as FILE_USER=CODER`` mapping.

    Into an existing project nothing is matched by name: a user in the file called "ana" need
    not be this project's ana, and a file must not be able to write the consensus coding. So
    every user with work in the file needs a mapping, and a mapping onto the consensus coding
    needs a lead (``--lead``). Users the file lists without any work are left out. A new
    project made from the file (``--into``, or a project with no coders yet) takes its users as
    they are, with their roles; a mapping there only renames."""
    import shlex

    from cotag.store.coders import consensus_coder, get_coder, get_or_create_coder, require_lead
    from cotag.store.models import CONSENSUS_CODER, ROLE_CODER

    names = {user.name for user in plan.users.values()}
    unknown = [old for old in user_map if old not in names]
    if unknown:
        raise RefiError(f"{plan.report.file}: --as names no user of the file: {', '.join(map(repr, unknown))} "
                        f"(its users: {', '.join(map(repr, sorted(names))) or 'none'})")
    work = _work_by_user(plan)
    coder_ids: dict[str, int] = {}
    if fresh:
        for key, user in plan.users.items():
            name = user_map.get(user.name, user.name)
            role = "consensus" if name == CONSENSUS_CODER else (ROLE_CODER if user.role == "consensus" else user.role)
            coder_ids[key] = _stored_id(get_or_create_coder(session, name=name, role=role))
        return coder_ids
    needed: dict[str, list[str]] = defaultdict(list)  # file user name -> keys
    for key, user in plan.users.items():
        if work.get(key):
            needed[user.name].append(key)
        elif user.name not in user_map:
            plan.report.warnings.append(f"user {user.name!r} has no codings or memos in the file: not made a coder")
    missing = [name for name in needed if name not in user_map]
    if missing:
        lines = []
        for name in missing:
            done: Counter[str] = Counter()
            for key in needed[name]:
                done.update(work[key])
            what = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(done.items()))
            here = get_coder(session, name=name)
            lines.append(f"  {name!r} ({what}): " + (f"this project has a {here.role} of that name; the file's "
                                                      f"user need not be them" if here is not None
                                                      else "no coder of that name here"))
        example = " ".join("--as " + shlex.quote(f"{name}={name}") for name in missing[:3])
        raise RefiError(f"{plan.report.file}: say which coder of this project each user of the file is; nothing was "
                        f"imported. Users needing a mapping:\n" + "\n".join(lines) +
                        f"\nPass --as FILE_USER=CODER once for each (repeatable), e.g. {example}. CODER is an "
                        f"existing coder (the work becomes theirs) or a new name (a new coder). Mapping onto "
                        f"{CONSENSUS_CODER!r} writes the consensus coding and needs --lead NAME.")
    for name, keys in needed.items():
        target = user_map[name].strip()
        if target == CONSENSUS_CODER:
            if not lead:
                raise RefiError(f"{plan.report.file}: --as {name}={CONSENSUS_CODER} writes the consensus coding, "
                                f"which only a lead may do: pass --lead NAME (or map {name!r} to another coder)")
            require_lead(session, name=lead)
            coder_id = _stored_id(consensus_coder(session))
        else:
            coder = get_coder(session, name=target) if target else None
            coder_id = _stored_id(coder or get_or_create_coder(session, name=target, role=ROLE_CODER))
        for key in keys:
            coder_ids[key] = coder_id
    return coder_ids


def apply_plan(project, plan: ImportPlan, *, user_map: dict[str, str] | None = None, fresh: bool = False,
               lead: str | None = None) -> ImportReport:
    """Write the plan in one transaction; any failure rolls everything back.

    The project's YAML codebook is changed only once the transaction has committed
    (:class:`cotag.refi.journal.CodebookJournal`)."""
    from cotag.refi.journal import journalled_session

    report = plan.report
    report.project = str(project.root)
    with journalled_session(project) as (session, journal):
        _PlanWriter(session, plan).write(project, journal, user_map or {}, fresh, lead)
    return report


class _PlanWriter:
    """The steps of writing one plan inside the import's transaction: coders, codes, documents, codings,
    memos, the GUIDs other tools gave them, the codebook journal and the event."""

    def __init__(self, session: Session, plan: ImportPlan):
        self.session = session
        self.plan = plan
        self.report = plan.report
        self.imported: Counter[str] = Counter()
        self.targets: dict[str, int] = {}  # source guid_key -> document id
        self.new_docs: list[PlannedDocument] = []

    def write(self, project, journal, user_map: dict[str, str], fresh: bool, lead: str | None) -> None:
        from cotag.refi.code_merge import file_shortcuts, merge_codes
        from cotag.refi.identity import record_identity
        from cotag.store.events import log_event
        from cotag.store.refi_loads import has_coders

        session, plan, report = self.session, self.plan, self.report
        # A project without coders yet has nobody the file's users could be mistaken for: it takes them
        # as a new project made with --into does.
        fresh = fresh or not has_coders(session)
        coder_ids = _map_users(session, plan, user_map, fresh=fresh, lead=lead)
        self.imported["coders"] = len(set(coder_ids.values()))
        merge = merge_codes(session, plan.codes, update=False, taken_shortcuts=file_shortcuts(project))
        report.warnings.extend(merge.warnings)
        self.imported["codes_added"] = len(merge.added)
        self.imported["codes_matched"] = len(merge.matched)
        self.documents()
        self.codings(coder_ids, {key: _stored_id(code) for key, code in merge.by_guid.items()})
        memo_guids = self.memos(coder_ids, merge.by_guid)
        identity: dict[str, dict[int, str | None]] = {
            "documents": {self.targets[guid_key(d.guid)]: d.guid for d in self.new_docs},
            "codes": {_stored_id(merge.by_guid[guid_key(c.guid)]): c.guid for c in plan.codes
                      if not c.synthetic and guid_key(c.guid) in merge.by_guid},
            # A user mapped onto an existing coder (or several users onto one) does not rename that coder's GUID.
            "coders": {coder_id: plan.users[key].guid for key, coder_id in coder_ids.items()
                       if key in plan.users and fresh and list(coder_ids.values()).count(coder_id) == 1},
            "memos": memo_guids}
        record_identity(session, file=report.file, guids=identity,
                        document_created={self.targets[guid_key(d.guid)]: d.created_at for d in self.new_docs})
        report.codebook_file = journal.stage(project, session, merge.added, title=plan.codebook_title,
                                             version=plan.codebook_version)
        if report.codebook_file is None and merge.added:
            report.warnings.append("the project names no codebook file ([codebook] path in cotag.toml): the new "
                                   "codes are in the database only")
        report.imported = dict(self.imported)
        log_event(session, kind="import.qdpx", payload={"file": report.file, "origin": report.origin,
                                                        "offsets": report.offsets.get("reading"), **report.imported,
                                                        **journal.payload})

    def documents(self) -> None:
        """New documents (with their sentence units); a source whose text is already here goes to that document."""
        from cotag.corpus.importer import content_hash, count_words
        from cotag.store import documents as doc_store

        session, report = self.session, self.report
        known_hashes = doc_store.documents_by_hash(session)
        # the project's documents named like the file's sources, in one query per 500 names (not one per source)
        named = doc_store.documents_by_external_id(session, external_ids=[d.name for d in self.plan.documents])
        new_by_hash: dict[str, PlannedDocument] = {}
        aliases: dict[str, str] = {}  # source guid_key -> guid_key of a new source with the same text
        reused: list[str] = []
        digests: dict[str, str] = {}  # guid_key -> content hash of a new document
        for document in self.plan.documents:
            digest = content_hash(document.text)
            existing = named.get(document.name)
            if existing is not None and existing.content_hash == digest:
                self.targets[guid_key(document.guid)] = _stored_id(existing)
                reused.append(document.name)
                continue
            twin = new_by_hash.get(digest)
            if twin is not None or digest in known_hashes:
                if twin is not None:
                    aliases[guid_key(document.guid)] = guid_key(twin.guid)
                    other_name = twin.name
                else:
                    other = doc_store.require_document(session, external_id=known_hashes[digest])
                    self.targets[guid_key(document.guid)] = _stored_id(other)
                    other_name = other.external_id
                report.warnings.append(f"source {document.name!r} has the same text as document {other_name!r}: "
                                       f"its codings go there")
                reused.append(document.name)
                continue
            if existing is not None:
                base, n = document.name, 2
                while doc_store.get_document(session, external_id=f"{base}-{n}") is not None:
                    n += 1
                report.warnings.append(f"document {base!r} exists with a different text: this source is imported "
                                       f"as {f'{base}-{n}'!r}")
                document.name = f"{base}-{n}"
            new_by_hash[digest] = document
            digests[guid_key(document.guid)] = digest
            self.new_docs.append(document)
        # Every new document in one statement and their units in a few (as `cotag import` writes them): an ORM
        # flush per document cost more than the rows themselves.
        units_of = _units_for(self.new_docs, self.plan.carried_units)
        ids = doc_store.add_documents(session, rows=[
            {"external_id": d.name, "group": d.group, "text": d.text, "attributes": d.attributes,
             "content_hash": digests[guid_key(d.guid)], "source_path": d.source_path, "format": "qdpx",
             "words": count_words(d.text)} for d in self.new_docs])
        doc_store.insert_units_of(session, batches=list(zip(ids, units_of)))
        for document, document_id, units in zip(self.new_docs, ids, units_of):
            self.targets[guid_key(document.guid)] = int(document_id)
            self.imported["units"] += len(units)
        for alias, twin_key in aliases.items():
            self.targets[alias] = self.targets[twin_key]
        self.imported["documents_added"] = len(self.new_docs)
        self.imported["documents_reused"] = len(reused)

    def user_of(self, user_guid: str | None) -> str:
        """The key of the user something is attributed to (the plan's default when it names none)."""
        key = user_guid or self.plan.default_user
        if key is None:  # the planner gives work without a user a default user
            raise RefiError(f"{self.report.file}: something names no user and the file has no default user")
        return key

    def codings(self, coder_ids: dict[str, int], code_ids: dict[str, int]) -> None:
        """Every coding once; those already live on a reused document are counted, not added again."""
        from cotag.store.codings import add_codings
        from cotag.store.refi_loads import live_coding_keys

        rows: dict[tuple[int, int, int, int, int], dict[str, Any]] = {}
        duplicates = 0
        for document in self.plan.documents:
            document_id = self.targets[guid_key(document.guid)]
            for coding in document.codings:
                code_id = code_ids[guid_key(coding.code_guid)]
                coder_id = coder_ids[self.user_of(coding.user_guid)]
                key = (document_id, code_id, coder_id, coding.start, coding.end)
                if key in rows:
                    duplicates += 1
                    if coding.memo and coding.memo not in rows[key]["memo"]:
                        rows[key]["memo"] = (rows[key]["memo"] + "\n\n" + coding.memo).strip()
                    continue
                row: dict[str, Any] = {"document_id": document_id, "code_id": code_id, "coder_id": coder_id,
                                       "start": coding.start, "end": coding.end, "memo": coding.memo}
                if coding.created_at is not None:
                    row["created_at"] = coding.created_at
                rows[key] = row
        new_ids = {self.targets[guid_key(d.guid)] for d in self.new_docs}
        reused_ids = {self.targets[guid_key(d.guid)] for d in self.plan.documents} - new_ids
        existing_keys = live_coding_keys(self.session, document_ids=reused_ids)
        added = [row for key, row in rows.items() if key not in existing_keys]
        add_codings(self.session, rows=added)
        self.imported["codings"] = len(added)
        self.imported["codings_already_present"] = len(rows) - len(added)
        if duplicates:
            self.report.warnings.append(f"{duplicates} coding(s) repeated in the file (same span, code and coder) "
                                        f"imported once")

    def memos(self, coder_ids: dict[str, int], codes_by_guid: dict[str, Any]) -> dict[int, str | None]:
        """The plan's memos, but those already here; returns memo id -> the Note's GUID, for export.

        Memos already here (same coder, document, code, title and text) are not added again, so importing the
        same file twice, or a file exported from this project, adds no memo twice. Counted: two equal memos in
        the file and one here adds one."""
        from cotag.store.memos import add_memo
        from cotag.store.refi_loads import memo_keys

        held_memos = memo_keys(self.session)
        guids: dict[int, str | None] = {}
        self.imported["memos"] = 0
        for memo in self.plan.memos:
            coder_id = coder_ids[self.user_of(memo.user_guid)]
            document_id = self.targets.get(guid_key(memo.document_guid)) if memo.document_guid else None
            code_id = codes_by_guid[guid_key(memo.code_guid)].id if memo.code_guid else None
            key = (coder_id, document_id, code_id, memo.title, memo.text)
            if held_memos[key] > 0:
                held_memos[key] -= 1
                self.imported["memos_already_present"] += 1
                continue
            row = add_memo(self.session, coder_id=coder_id, title=memo.title, text=memo.text,
                           document_id=document_id, code_id=code_id, created_at=memo.created_at,
                           updated_at=memo.updated_at)
            self.imported["memos"] += 1
            if memo.guid:
                guids[_stored_id(row)] = memo.guid
        return guids


_BUILDING = ".cotag-import-"


def _clear_abandoned_builds(into: Path) -> None:
    """Remove the temporary folders of earlier ``--into`` imports of ``into`` that were killed.

    They hold a copy of someone's interviews: they should not linger. A folder whose import
    is still running (its process is alive) is left alone."""
    from cotag.refi.qdc import _alive

    prefix = f".{into.name}{_BUILDING}"
    try:
        siblings = list(into.parent.iterdir())
    except OSError:
        return
    for folder in siblings:
        if not folder.name.startswith(prefix) or not folder.is_dir() or folder.is_symlink():
            continue
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def import_qdpx(path: Path | str, *, project=None, into: Path | str | None = None,
                offsets: str | None = None, sources: Path | str | None = None,
                user_map: dict[str, str] | None = None, lead: str | None = None) -> ImportReport:
    """Import into ``project``, or into a new project created at ``into``; all or nothing.

    ``sources`` is a folder from which texts the file names outside itself may be read.
    ``user_map`` maps the file's user names to this project's coders (required for every user
    with work when importing into an existing project; see :func:`_map_users`); ``lead`` is the
    lead allowing a mapping onto the consensus coding.

    A new project is built in a temporary folder beside ``into`` and renamed into place when it
    is complete, so an import that is killed leaves nothing at ``into`` and can simply be run again."""
    from cotag.bulk import collector_paused

    # The XML tree, the plan and the rows are hundreds of thousands of objects in no cycle: the collector
    # would walk them all several times over for nothing.
    with collector_paused():
        return _import(path, project, into, offsets, sources, user_map, lead)


def _import(path: Path | str, project, into: Path | str | None, offsets: str | None, sources: Path | str | None,
            user_map: dict[str, str] | None, lead: str | None) -> ImportReport:
    import tempfile

    from cotag.project import CONFIG_NAME, init_project

    package = open_package(path, sources=sources)
    try:
        plan = plan_import(package, offsets=offsets)
    finally:
        package.close()
    del package  # the XML tree is no longer needed: free it before sentence splitting
    if into is None:
        if project is None:
            raise RefiError("no project to import into (run inside a project, pass --project, or use --into DIR)")
        return apply_plan(project, plan, user_map=user_map, lead=lead)
    into = Path(into).absolute()
    if (into / CONFIG_NAME).exists():
        raise RefiError(f"{into} is already a cotag project; import into it without --into")
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise RefiError(f"{into}: exists and is not an empty folder; --into needs a new or empty folder")
    name = plan.report.project_name or Path(path).stem
    try:
        into.parent.mkdir(parents=True, exist_ok=True)
        _clear_abandoned_builds(into)
        building = Path(tempfile.mkdtemp(prefix=f".{into.name}{_BUILDING}{os.getpid()}-", dir=into.parent))
    except OSError as exc:  # a folder that cannot be made (read-only place, missing drive): say so
        raise RefiError(f"{into}: cannot create the project: {exc.strerror or exc}") from None
    try:
        try:
            new_project = init_project(building, codebook="codebook.yaml", name=name)
        except OSError as exc:
            raise RefiError(f"{into}: cannot create the project: {exc.strerror}") from None
        try:
            report = apply_plan(new_project, plan, user_map=user_map, fresh=True, lead=lead)
        finally:
            new_project.close()
        crash_point("into-built")
        try:
            os.replace(building, into)  # onto a missing or empty folder (POSIX rename replaces an empty one)
        except OSError:
            try:
                into.rmdir()
                os.replace(building, into)
            except OSError as exc:
                raise RefiError(f"{into}: cannot move the new project into place: {exc.strerror or exc}") from None
    except BaseException:
        # Nothing half-imported: the project made for this import goes with it.
        shutil.rmtree(building, ignore_errors=True)
        raise
    report.project = str(into)
    if report.codebook_file:
        report.codebook_file = report.codebook_file.replace(str(building), str(into))
    return report
