"""The coder file: one coder's work as a small gzip'd JSON a coder can send by email, and the bundle it holds.

A bundle is what `cotag merge` brings in, whether it comes from a coder file or
from a whole other project: the codebook keys and document hashes it was made
against (so a mismatched corpus or codebook is caught before anything is
written), and the coders' codings, memos, progress and events, each naming
documents by content hash and codes by key rather than by database ids, which
differ between projects.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError
from cotag.files import write_atomically

if TYPE_CHECKING:
    from cotag.store.session import Session

FORMAT = "cotag-coder-file"
VERSION = 1
GZIP_MAGIC = b"\x1f\x8b"
SUFFIX = ".cotag.json.gz"


def stamp(value: datetime | None) -> str | None:
    """A datetime as the text that identifies it: always with microseconds, so SQLite and PostgreSQL agree."""
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def parse_stamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def required_stamp(value: str) -> datetime:
    """A timestamp a row must have (bundle_problems has checked it is one)."""
    return datetime.fromisoformat(value)


@dataclass
class Bundle:
    """Work to merge, with documents named by content hash and codes by key."""

    source: str
    project: str = ""
    documents: dict[str, str] = field(default_factory=dict)  # content hash -> external id (for messages)
    codes: list[str] = field(default_factory=list)  # every code key of the codebook it was made with
    coders: dict[str, str] = field(default_factory=dict)  # name -> role
    codings: list[dict[str, Any]] = field(default_factory=list)
    memos: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # One batch of a larger merge: the document hashes it covers (None for memos on no document); None: all.
    only: set | None = None

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "project": self.project,
                "documents": [{"hash": h, "id": ext} for h, ext in sorted(self.documents.items(), key=lambda i: i[1])],
                "codes": list(self.codes), "coders": [{"name": n, "role": r} for n, r in self.coders.items()],
                "codings": self.codings, "memos": self.memos, "progress": self.progress, "events": self.events}


def read_bundle(session: Session, *, source: str, project: str = "", coders: Iterable[str] | None = None) -> Bundle:
    """Everything the named coders (None: every coder with any work) did in the project open in `session`."""
    from cotag.store import codings as coding_store
    from cotag.store import documents as doc_store
    from cotag.store import events as event_store
    from cotag.store import memos as memo_store
    from cotag.store import progress_rows
    from cotag.store.coders import list_coders
    from cotag.store.codes import code_keys
    from cotag.store.rows import row_id

    hashes = {doc_id: (h, ext) for doc_id, h, ext in doc_store.content_hashes(session)}
    keys = code_keys(session)
    all_coders = {row_id(c): c for c in sorted(list_coders(session), key=row_id)}  # in the order made
    wanted = set(coders) if coders is not None else None
    if wanted is not None:
        missing = sorted(wanted - {c.name for c in all_coders.values()})
        if missing:
            known = ", ".join(sorted(c.name for c in all_coders.values())) or "none yet"
            raise CotagError(f"no coder named {', '.join(map(repr, missing))} in {source} (coders: {known})")
    chosen = {cid: c for cid, c in all_coders.items() if wanted is None or c.name in wanted}

    bundle = Bundle(source=source, project=project, documents={h: ext for h, ext in hashes.values()},
                    codes=list(keys.values()))
    ids = list(chosen)
    # Plain columns, not ORM objects: a full corpus holds tens of thousands of codings per coder.
    for _, document_id, code_id, coder_id, start, end, memo, created, deleted in \
            coding_store.coding_history(session, coder_ids=ids):
        bundle.codings.append({"document": hashes[document_id][0], "code": keys[code_id],
                               "coder": chosen[coder_id].name, "start": start, "end": end, "memo": memo,
                               "created_at": stamp(created), "deleted_at": stamp(deleted)})
    _carry_sources(session, bundle, hashes, keys, chosen)
    for note in memo_store.memos_of(session, coder_ids=ids):
        row: dict[str, Any] = {"coder": chosen[note.coder_id].name,
                               "document": hashes[note.document_id][0] if note.document_id else None,
                               "code": keys[note.code_id] if note.code_id else None, "title": note.title,
                               "text": note.text, "created_at": stamp(note.created_at),
                               "updated_at": stamp(note.updated_at)}
        if note.start is not None and note.end is not None:  # a passage memo (migration 0007): its words travel
            row["start"], row["end"] = note.start, note.end
        bundle.memos.append(row)
    for progress in progress_rows.progress_of(session, coder_ids=ids):
        bundle.progress.append({"coder": chosen[progress.coder_id].name,
                                "document": hashes[progress.document_id][0], "status": progress.status,
                                "cursor": progress.cursor, "updated_at": stamp(progress.updated_at)})
    names = [c.name for c in chosen.values()]
    for at, actor, kind, payload in event_store.events_of(session, actors=names):
        bundle.events.append({"at": stamp(at), "actor": actor, "kind": kind, "payload": payload})
    # A coder is carried only with some work: a name merely created by opening the app is no one to merge.
    busy = {r["coder"] for r in (*bundle.codings, *bundle.memos, *bundle.progress)} | {e["actor"] for e in bundle.events}
    bundle.coders = {c.name: c.role for c in chosen.values() if c.name in busy or wanted is not None}
    return bundle


def _carry_sources(session, bundle: Bundle, hashes: dict, keys: dict, chosen: dict) -> None:
    """A coding's source (an accepted suggestion, migration 0008) goes with it, as an optional "source" field."""
    from cotag.store.codings import coding_sources

    sources = coding_sources(session, coder_ids=list(chosen))
    if not sources:
        return
    by_identity = {(hashes[d][0], keys[k], chosen[c].name, s, e, stamp(t)): source
                   for (d, k, c, s, e, t), source in sources.items() if d in hashes and k in keys and c in chosen}
    for row in bundle.codings:
        source = by_identity.get((row["document"], row["code"], row["coder"], row["start"], row["end"],
                                  row["created_at"]))
        if source is not None:
            row["source"] = source


def coder_bundle(session: Session, *, coder: str, source: str, project: str) -> Bundle:
    """One coder's work as a bundle, read in `session` (refused by name when this login cannot see it)."""
    _check_can_see(session, coder)
    return read_bundle(session, source=source, project=project, coders=[coder])


def write_bundle_file(bundle: Bundle, *, coder: str, path: Path | str) -> dict[str, Any]:
    """Write a coder's bundle to `path` (gzip'd JSON, atomically); returns counts for the message. Called after the
    read transaction has ended (services.team.export_coder_file): writing the file holds no transaction open."""
    path = Path(path)
    data = json.dumps(bundle.as_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # No name, mtime=0: the same work gives the same bytes, so a re-sent file is recognisably the same.
    packed = gzip.compress(data, mtime=0)
    try:
        write_atomically(path, packed)  # a half-written file never sits under the real name
    except OSError as exc:
        raise CotagError(f"{path}: cannot write: {exc.strerror}") from None
    return {"path": str(path), "coder": coder, "codings": len(bundle.codings), "memos": len(bundle.memos),
            "progress": len(bundle.progress), "events": len(bundle.events), "bytes": path.stat().st_size}


def _check_can_see(session: Session, coder: str) -> None:
    """On a shared database a coder's role sees only its own rows: exporting another coder's work would write an
    empty file that looks complete. Refuse it by name (the owner's and a lead's roles see everyone's work)."""
    from cotag.store.coders import database_user, get_coder
    from cotag.store.models import ROLE_CODER

    me = database_user(session)
    if me is None:  # SQLite: whoever opens the file sees every row
        return
    row = get_coder(session, name=me)
    if row is not None and row.role == ROLE_CODER and me != coder:
        raise CotagError(f"you are logged in as coder {me!r}, whose role cannot see {coder}'s work; export your own "
                         f"(--coder {me}), or ask the lead or the database owner to export {coder}'s")


def is_coder_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError:
        return False


def load_coder_file(path: Path | str) -> Bundle:
    """Read a coder file; a damaged or foreign file is refused by name, never half-read."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CotagError(f"{path}: not a readable cotag coder file ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CotagError(f"{path}: not a cotag coder file (expected format {FORMAT!r})")
    if data.get("version") != VERSION:
        raise CotagError(f"{path}: coder file version {data.get('version')!r}; this cotag reads version {VERSION}")
    try:
        bundle = Bundle(source=str(path), project=str(data.get("project", "")),
                        documents={d["hash"]: d["id"] for d in data["documents"]}, codes=list(data["codes"]),
                        coders={c["name"]: c["role"] for c in data["coders"]}, codings=list(data["codings"]),
                        memos=list(data["memos"]), progress=list(data["progress"]), events=list(data["events"]))
    except (KeyError, TypeError) as exc:
        raise CotagError(f"{path}: damaged coder file: missing {exc}") from None
    problems = bundle_problems(bundle)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise CotagError(f"{path}: damaged coder file, nothing was read: {'; '.join(problems[:5])}{more}")
    return bundle


# Each row's fields and what they must hold. A coder file comes from outside (e-mail, a USB stick, a hand
# edit), so every row is checked before the merge looks at any of it: a bad row is named, never half-merged.
_TEXT, _OPT_TEXT, _INT, _STAMP, _OPT_STAMP, _ANY = "text", "text or null", "integer", "timestamp", "timestamp or null", "any"
_FIELDS = {
    "codings": {"document": _TEXT, "code": _TEXT, "coder": _TEXT, "start": _INT, "end": _INT, "memo": _OPT_TEXT,
                "created_at": _STAMP, "deleted_at": _OPT_STAMP},
    "memos": {"coder": _TEXT, "document": _OPT_TEXT, "code": _OPT_TEXT, "title": _TEXT, "text": _TEXT,
              "created_at": _STAMP, "updated_at": _STAMP},
    "progress": {"coder": _TEXT, "document": _TEXT, "status": _TEXT, "cursor": _INT, "updated_at": _STAMP},
    "events": {"at": _STAMP, "actor": _TEXT, "kind": _TEXT, "payload": _ANY},
}


def _fits(value: Any, kind: str) -> bool:
    if kind == _ANY:
        return True
    if value is None or (value == "" and kind == _STAMP):  # "" would read as no time at all
        return kind in (_OPT_TEXT, _OPT_STAMP)
    if kind in (_TEXT, _OPT_TEXT):
        return isinstance(value, str)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    try:
        parse_stamp(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def bundle_problems(bundle: Bundle) -> list[str]:
    """What is wrong with a bundle's rows (field types, spans, coders it does not declare); empty when sound."""
    problems: list[str] = []
    for part, fields in _FIELDS.items():
        for index, row in enumerate(getattr(bundle, part)):
            where = f"{part}[{index}]"
            if not isinstance(row, dict):
                problems.append(f"{where} is not an object")
                continue
            for name, kind in fields.items():
                if name not in row:
                    problems.append(f"{where} has no {name!r}")
                elif not _fits(row[name], kind):
                    problems.append(f"{where}.{name} is {row[name]!r}, expected {'an' if kind == _INT else 'a'} {kind}")
            who = row.get("actor" if part == "events" else "coder")
            if isinstance(who, str) and who not in bundle.coders:
                problems.append(f"{where} belongs to {who!r}, who is not among the file's coders")
            if part == "codings" and not _fits(row.get("source"), _OPT_TEXT):  # optional (migration 0008)
                problems.append(f"{where}.source is {row['source']!r}, expected a text or null")
            if part == "codings" and all(_fits(row.get(k), _INT) for k in ("start", "end")) \
                    and not 0 <= row["start"] < row["end"]:
                problems.append(f"{where} has an empty or negative span {row['start']}–{row['end']}")
            if part == "memos" and ("start" in row or "end" in row):  # optional: a passage memo's words
                start, end = row.get("start"), row.get("end")
                if not (isinstance(start, int) and isinstance(end, int) and _fits(start, _INT) and _fits(end, _INT)
                        and 0 <= start < end):
                    problems.append(f"{where} has a passage span {start!r}–{end!r}, expected two offsets, "
                                    "start before end")
                elif not row.get("document"):
                    problems.append(f"{where} has a passage span but no document")
    return problems
