"""Merge another project, its SQLite file, or a coder file into this project: all or nothing, and idempotent.

Documents are matched by content hash and codes by key, because database ids
differ between projects. Each coding is identified by (document hash, code key,
coder, start, end, created_at), so merging the same source twice adds nothing.
A coder name present in both projects is taken as the same person unless each
side holds work of theirs the other lacks; then the merge is refused and the
user renames the incoming coder (--as OLD=NEW).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cotag.coderfile import (
    Bundle,
    is_coder_file,
    load_coder_file,
    parse_stamp,
    read_bundle,
    required_stamp,
    stamp,
)
from cotag.errors import CotagError
from cotag.store.rows import row_id

if TYPE_CHECKING:
    from cotag.store.models import Memo
    from cotag.store.session import Session

SQLITE_MAGIC = b"SQLite format 3\x00"
MERGE_EVENT = "merge"
# Long lists of unmatched documents or codes are cut in messages; the JSON report keeps them all.
SHOW = 12


class HeldCoding(NamedTuple):
    """A coding this project already has, as much of it as a merge may update."""

    id: int
    deleted_at: datetime | None
    memo: str
    ident: tuple = ()  # (document hash, current code key, coder, start, end, created_at)


class MergeRefused(CotagError):
    """Nothing was imported; `report` says why."""

    def __init__(self, message: str, report: MergeReport):
        super().__init__(message)
        self.report = report


@dataclass
class MergeReport:
    source: str
    coders: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    codings_added: int = 0
    codings_updated: int = 0
    codings_unchanged: int = 0
    memos_added: int = 0
    memos_updated: int = 0
    progress_updated: int = 0
    events_added: int = 0
    # Used by the incoming work but absent here: the merge is refused.
    missing_documents: list[str] = field(default_factory=list)
    missing_codes: list[str] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    # Code keys of the incoming work that this project renamed or merged into another code: old -> current.
    codes_followed: dict[str, str] = field(default_factory=dict)
    # Spans past the end of their (matched) document: only a damaged or hand-edited source has them.
    bad_spans: list[str] = field(default_factory=list)
    # Present in the source but unused by the incoming work: reported, not fatal.
    unused_unmatched_documents: list[str] = field(default_factory=list)
    unused_unmatched_codes: list[str] = field(default_factory=list)
    dry_run: bool = False
    # Codings made on a text since revised (`cotag revise`): carried to the current text, or not (words edited).
    codings_carried: int = 0
    codings_not_carried: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.missing_documents or self.missing_codes or self.clashes or self.bad_spans)

    @property
    def changed(self) -> bool:
        return bool(self.codings_added or self.codings_updated or self.memos_added or self.memos_updated
                    or self.progress_updated or self.events_added)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "refused": self.refused}


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:SHOW])
    return shown + (f" and {len(items) - SHOW} more" if len(items) > SHOW else "")


def refusal_message(report: MergeReport) -> str:
    lines = [f"merge of {report.source} refused; nothing was imported:"]
    if report.missing_documents:
        lines.append(f"  {len(report.missing_documents)} document(s) coded there are not in this project "
                     f"(matched by content hash; a re-imported or edited transcript does not match): "
                     f"{_listing(report.missing_documents)}")
    if report.missing_codes:
        lines.append(f"  {len(report.missing_codes)} code(s) used there are not in this codebook "
                     f"(matched by key; load the codebook first): {_listing(report.missing_codes)}")
    if report.bad_spans:
        lines.append(f"  {len(report.bad_spans)} coding(s) reach past the end of their document: "
                     f"{_listing(report.bad_spans)}")
    for clash in report.clashes:
        lines.append(f"  {clash}")
    return "\n".join(lines)


# ---------------------------------------------------------------- sources

def load_source(path: Path | str, *, target=None) -> Bundle:
    """A project folder, a project's SQLite file, or a coder file, read into a Bundle."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CotagError(f"{path}: no such file or folder")
    if path.is_dir():
        from cotag.project import CONFIG_NAME

        if not (path / CONFIG_NAME).is_file():
            raise CotagError(f"{path}: not a cotag project folder (no {CONFIG_NAME})")
        from cotag.project import DEFAULT_DB_NAME, read_config, resolve_database_url

        # The other project's own database, from its cotag.toml. Not open_project(): that lets
        # COTAG_DATABASE_URL override the file, and a lead who sets it for the shared database would
        # then "merge" her own database instead of the folder she named.
        config = read_config(path.resolve())
        url = resolve_database_url(path.resolve(),
                                   config.get("database", {}).get("url") or f"sqlite:///{DEFAULT_DB_NAME}")
        if target is not None and url == target.database_url:
            raise CotagError(f"{path}: that is this project's own database; nothing to merge")
        name = str(config.get("project", {}).get("name", path.resolve().name))
        if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
            raise CotagError(f"{path}: its database {url[len('sqlite:///'):]} does not exist")
        # No migration: merging reads the other project and must never change it.
        return _bundle_from_database(url, source=str(path), name=name)
    if is_coder_file(path):
        return load_coder_file(path)
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        url = f"sqlite:///{path.resolve()}"
        if target is not None and url == target.database_url:
            raise CotagError(f"{path}: that is this project's own database; nothing to merge")
        return _bundle_from_database(url, source=str(path), name=path.stem)
    raise CotagError(f"{path}: not a cotag project folder, SQLite project file or coder file")


def _bundle_from_database(url: str, *, source: str, name: str) -> Bundle:
    from cotag.store.other_project import reading

    with reading(url, source=source) as session:
        return read_bundle(session, source=source, project=name)


# ---------------------------------------------------------------- merge

def parse_renames(values: list[str], bundle: Bundle) -> dict[str, str]:
    """--as OLD=NEW (repeatable), or --as NEW when the source holds one coder."""
    renames: dict[str, str] = {}
    for value in values:
        if "=" in value:
            old, new = (part.strip() for part in value.split("=", 1))
        elif len(bundle.coders) == 1:
            old, new = next(iter(bundle.coders)), value.strip()
        else:
            raise CotagError(f"--as {value}: the source has {len(bundle.coders)} coders "
                             f"({', '.join(bundle.coders)}); say which one: --as OLD=NEW")
        if old not in bundle.coders:
            raise CotagError(f"--as {value}: no coder {old!r} in the source (coders: {', '.join(bundle.coders) or 'none'})")
        if not new:
            raise CotagError(f"--as {value}: the new name is empty")
        renames[old] = new
    targets = Counter(renames.get(name, name) for name in bundle.coders)
    doubled = sorted(name for name, n in targets.items() if n > 1)
    if doubled:
        raise CotagError(f"--as would give two incoming coders the name {', '.join(doubled)}")
    return renames


def _rename(bundle: Bundle, renames: dict[str, str]) -> None:
    if not renames:
        return
    bundle.coders = {renames.get(n, n): role for n, role in bundle.coders.items()}
    for row in (*bundle.codings, *bundle.memos, *bundle.progress):
        row["coder"] = renames.get(row["coder"], row["coder"])
    for row in bundle.events:
        row["actor"] = renames.get(row["actor"], row["actor"])


def _coding_identity(row: dict[str, Any]) -> tuple:
    return (row["document"], row["code"], row["coder"], row["start"], row["end"], row["created_at"])


def _memo_identity(row: dict[str, Any]) -> tuple:
    return (row["coder"], row["document"], row["code"], row["created_at"])


def _event_identity(row: dict[str, Any]) -> tuple:
    return (row["at"], row["actor"], row["kind"], json.dumps(row["payload"], sort_keys=True, default=str))


def _current_keys(session: Session) -> dict[str, str]:
    """Code key -> the key of the code that holds its codings now, for keys renamed (`codebook rename --key`) or
    codes merged (`codebook merge`) in this project; chains are followed. Other keys are not in it."""
    from cotag.codebook_ops import RENAME
    from cotag.store.codes import list_codes
    from cotag.store.events import list_events

    rows = [(c.id, c.key, c.merged_into_id) for c in list_codes(session)]
    key_of = {i: k for i, k, _ in rows}
    id_of = {k: i for i, k, _ in rows}
    into = {i: m for i, _, m in rows if m is not None}
    renamed = {e.payload["code"]: e.payload["new_key"] for e in list_events(session, kind=RENAME)
               if e.payload.get("new_key") and e.payload.get("code")}
    out: dict[str, str] = {}
    for key in {*id_of, *renamed}:
        now, seen = key, set()
        while now not in id_of and now in renamed and now not in seen:  # a key renamed, perhaps more than once
            seen.add(now)
            now = renamed[now]
        if now not in id_of:
            continue
        code_id = id_of[now]
        while code_id in into and code_id not in seen:  # merged into another code, perhaps further on
            seen.add(code_id)
            code_id = into[code_id]
        if key_of[code_id] != key:
            out[key] = key_of[code_id]
    return out


def _match_codings(codings: list[dict[str, Any]], held: dict[tuple, list[HeldCoding]]) -> list[HeldCoding | None]:
    """The held coding each incoming one is (None: new). By identity first; then, for a coding the lead gave
    another code here (`codebook split` or `recode`), by everything but the code: it is the same coding."""
    pools = {ident: list(rows) for ident, rows in held.items()}
    matches: list[HeldCoding | None] = []
    for row in codings:
        rows = pools.get(_coding_identity(row))
        matches.append(rows.pop(0) if rows else None)
    if None in matches:
        loose: dict[tuple, list[HeldCoding]] = {}
        for rows in pools.values():
            for mine in rows:
                loose.setdefault(mine.ident[:1] + mine.ident[2:], []).append(mine)
        for index, row in enumerate(codings):
            if matches[index] is None:
                rows = loose.get(_coding_identity(row)[:1] + _coding_identity(row)[2:])
                if rows:
                    matches[index] = rows.pop(0)
    return matches


# On SQLite a merge writes at most about this many codings per transaction (whole documents at a time), so coders
# saving codings meanwhile wait well under two seconds for the lock (the merge stands back between batches), not
# for the whole merge.
BATCH_CODINGS = 5000
COUNTS = ("codings_added", "codings_updated", "codings_unchanged", "memos_added", "memos_updated",
          "progress_updated", "events_added")


def prepare(source: Path | str | Bundle, *, target: Any, renames: list[str] | None = None,
            dry_run: bool = False) -> tuple[Bundle, MergeReport]:
    """The source read into a bundle (another project's database through store/other_project, read-only, never
    this project's transaction), its coders renamed as asked, and the empty report of the merge to come."""
    bundle = source if isinstance(source, Bundle) else load_source(source, target=target)
    mapping = parse_renames(list(renames or []), bundle)
    _rename(bundle, mapping)
    return bundle, MergeReport(source=bundle.source, coders=sorted(bundle.coders), renamed=mapping, dry_run=dry_run)


def add_counts(report: MergeReport, done: MergeReport) -> None:
    """A batch's counts added to the whole merge's."""
    for name in COUNTS:
        setattr(report, name, getattr(report, name) + getattr(done, name))


def log_merge(session: Session, report: MergeReport) -> None:
    if report.changed:
        from cotag.store.events import log_event

        log_event(session, kind=MERGE_EVENT, payload={
            k: v for k, v in report.as_dict().items()
            if k in ("source", "coders", "renamed", *COUNTS) and k != "codings_unchanged"})


def batches(bundle: Bundle) -> list[Bundle]:
    """The bundle cut into parts of whole documents (codings, memos, progress), about BATCH_CODINGS codings each;
    the last part holds memos on no document and the events."""
    by_document: dict[str, int] = Counter(row["document"] for row in bundle.codings)
    for row in (*bundle.memos, *bundle.progress):
        if row["document"]:
            by_document.setdefault(row["document"], 0)
    groups: list[set[str]] = [set()]
    size = 0
    for document, count in sorted(by_document.items()):
        if size and size + count > BATCH_CODINGS:
            groups.append(set())
            size = 0
        groups[-1].add(document)
        size += count

    def part(documents: set[str], *, last: bool) -> Bundle:
        return Bundle(source=bundle.source, project=bundle.project, documents=bundle.documents, codes=bundle.codes,
                      coders=bundle.coders,
                      codings=[r for r in bundle.codings if r["document"] in documents],
                      memos=[r for r in bundle.memos if (r["document"] in documents) or (last and not r["document"])],
                      progress=[r for r in bundle.progress if r["document"] in documents],
                      events=bundle.events if last else [], only=documents | ({None} if last else set()))

    return [part(documents, last=index == len(groups) - 1) for index, documents in enumerate(groups)]


def _followed(current: dict[str, str], key: str | None) -> str | None:
    """A code key as it is called now (renamed or merged here since), None for no code."""
    return current.get(key, key) if key is not None else None


def lock(session: Session) -> None:
    # Two leads merging the same file at once must not both see "new" and both insert: the second waits for the
    # first to commit and then finds everything there (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
    from cotag.store.database import begin_write

    begin_write(session, key="cotag.merge")


def bring_in(session: Session, bundle: Bundle, report: MergeReport, *, write: bool = True) -> None:
    """Compare and (with `write`) bring in; a bundle with `only` set compares against this project's rows of those
    documents (hashes; None: memos on no document) alone, being one batch of a larger merge."""
    from cotag.store import coders as coder_store
    from cotag.store import codings as coding_store
    from cotag.store import documents as doc_store
    from cotag.store import events as event_store
    from cotag.store import memos as memo_store
    from cotag.store import progress_rows
    from cotag.store.codes import code_keys

    doc_ids = {h: i for i, h, _ in doc_store.content_hashes(session)}
    code_ids = {k: i for i, k in code_keys(session).items()}
    # A code the lead renamed or merged here since the coder copied the project: the coder's file still names
    # the old key. Follow it, as the lead's own copies of those codings did, so they match and new ones land on
    # the code that holds them now.
    current = _current_keys(session)
    for row in (*bundle.codings, *bundle.memos):
        if row["code"] and current.get(row["code"], row["code"]) != row["code"]:
            report.codes_followed[row["code"]] = current[row["code"]]
            row["code"] = current[row["code"]]
    from cotag.revision.chain import carry_bundle

    carried, lost = carry_bundle(session, bundle)
    report.codings_carried += carried
    report.codings_not_carried += lost

    used_docs = {r["document"] for r in (*bundle.codings, *bundle.progress)} | \
                {r["document"] for r in bundle.memos if r["document"]}
    used_codes = {r["code"] for r in bundle.codings} | {r["code"] for r in bundle.memos if r["code"]}
    label = lambda h: bundle.documents.get(h, h[:12])
    report.missing_documents = sorted(label(h) for h in used_docs if h not in doc_ids)
    report.missing_codes = sorted(k for k in used_codes if k not in code_ids)
    report.unused_unmatched_documents = sorted(label(h) for h in bundle.documents if h not in doc_ids
                                               and h not in used_docs)
    report.unused_unmatched_codes = sorted(k for k in bundle.codes if current.get(k, k) not in code_ids
                                           and k not in used_codes)
    if report.missing_documents or report.missing_codes:
        return
    lengths = doc_store.text_lengths(session, content_hashes=used_docs)
    report.bad_spans = [f"{label(r['document'])} {r['start']}–{r['end']} ({r['code']}, {r['coder']})"
                        for r in bundle.codings if r["end"] > lengths[r["document"]]]
    if report.bad_spans:
        return

    hashes = {i: h for h, i in doc_ids.items()}
    keys = {i: k for k, i in code_ids.items()}
    existing = {name: c for name, c in coder_store.coders_by_name(session).items() if name in bundle.coders}

    # What this project already holds of each incoming coder, by identity.
    held: dict[tuple, list[HeldCoding]] = {}
    held_memos: dict[tuple[Any, ...], Memo]
    if existing:
        by_id = {row_id(c): c.name for c in existing.values()}
        # Plain columns, not ORM objects: re-merging a full corpus compares tens of thousands of codings.
        in_batch = None if bundle.only is None else [doc_ids[h] for h in bundle.only if h in doc_ids]
        history = coding_store.coding_history(session, coder_ids=by_id, document_ids=in_batch)
        held_memo_rows = memo_store.memos_of(session, coder_ids=by_id, document_ids=in_batch,
                                             with_unattached=bundle.only is not None and None in bundle.only)
        for cid, document_id, code_id, coder_id, start, end, memo, created, deleted in history:
            key = current.get(keys[code_id], keys[code_id])
            ident = (hashes[document_id], key, by_id[coder_id], start, end, stamp(created))
            held.setdefault(ident, []).append(HeldCoding(cid, deleted, memo, ident))
        held_memos = {(by_id[m.coder_id], hashes.get(m.document_id) if m.document_id is not None else None,
                       _followed(current, keys.get(m.code_id) if m.code_id is not None else None),
                       stamp(m.created_at)): m
                      for m in held_memo_rows}
    else:
        held_memos = {}

    matches = _match_codings(bundle.codings, held)
    matched_ids = {mine.id for mine in matches if mine is not None}
    incoming_memos = {_memo_identity(r) for r in bundle.memos}
    for name in sorted(existing):
        # Work only here is fine when nothing new comes (a lead who kept coding after copying the project
        # out), and so is work only there (the same coder's later work); both at once is two people or two
        # diverged copies, which must not be blended.
        ours = sum(1 for rows in held.values() for mine in rows if mine.ident[2] == name and mine.id not in matched_ids)
        ours += sum(1 for ident in held_memos if ident[0] == name and ident not in incoming_memos)
        theirs = sum(1 for row, mine in zip(bundle.codings, matches) if mine is None and row["coder"] == name)
        theirs += sum(1 for ident in incoming_memos if ident[0] == name and ident not in held_memos)
        if ours and theirs:
            report.clashes.append(
                f"coder {name!r} exists in both projects with different work ({ours} coding(s) or memo(s) only "
                f"here, {theirs} only in {bundle.source}); rename the incoming coder with --as {name}=NEWNAME")
    if report.clashes or not write:
        return

    coder_ids: dict[str, int] = {}
    for name, role in bundle.coders.items():
        coder = existing.get(name) or coder_store.get_or_create_coder(session, name=name, role=role)
        coder_ids[name] = row_id(coder)

    # A coder never holds the same code twice on one span while both are live (the app refuses it, and merging
    # codes here soft-deleted such twins). A coding that would become a live twin stays (or comes in) removed.
    def twin(ident: tuple) -> tuple:
        return ident[:5]

    live = Counter(twin(mine.ident) for rows in held.values() for mine in rows
                   if mine.deleted_at is None and mine.id not in matched_ids)
    live.update(twin(mine.ident) for row, mine in zip(bundle.codings, matches)
                if mine is not None and mine.deleted_at is None and not row.get("deleted_at"))

    # Codings: insert what is new, bring soft deletes and memo edits up to date.
    new_rows: list[dict[str, Any]] = []
    for row, mine in zip(bundle.codings, matches):
        deleted = parse_stamp(row.get("deleted_at"))
        if mine is None:
            if deleted is None:
                if live[twin(_coding_identity(row))]:
                    deleted = parse_stamp(row["created_at"])
                live[twin(_coding_identity(row))] += 1
            new_rows.append({"document_id": doc_ids[row["document"]], "code_id": code_ids[row["code"]],
                             "coder_id": coder_ids[row["coder"]], "start": row["start"], "end": row["end"],
                             "memo": row.get("memo") or "", "created_at": parse_stamp(row["created_at"]),
                             "deleted_at": deleted, "source": row.get("source")})
            continue
        values: dict[str, Any] = {}
        if deleted is None and mine.deleted_at is not None:
            # Restored there (undo): restore it here too, on the code it belongs to now, unless a twin is live.
            if live[twin(mine.ident)]:
                deleted = mine.deleted_at
            else:
                live[twin(mine.ident)] += 1
                values["code_id"] = code_ids[mine.ident[1]]
        if mine.deleted_at != deleted or mine.memo != (row.get("memo") or ""):
            values.update(deleted_at=deleted, memo=row.get("memo") or "")
            coding_store.update_coding(session, coding_id=mine.id, values=values)
            report.codings_updated += 1
        else:
            report.codings_unchanged += 1
    # The table's Core insert, not the ORM's bulk path: a full corpus is tens of thousands of rows. A live coding a
    # coder's app wrote at this very moment (on PostgreSQL coders keep working during a merge) is already there.
    report.codings_added = coding_store.add_codings(session, rows=new_rows)

    for row in bundle.memos:
        ident = _memo_identity(row)
        held_memo = held_memos.get(ident)
        updated = required_stamp(row["updated_at"])
        if held_memo is None:
            memo_store.add_memo(session, coder_id=coder_ids[row["coder"]],
                                document_id=doc_ids[row["document"]] if row["document"] else None,
                                code_id=code_ids[row["code"]] if row["code"] else None, title=row["title"],
                                text=row["text"], created_at=parse_stamp(row["created_at"]), updated_at=updated,
                                start=row.get("start"), end=row.get("end"))  # a passage memo keeps its words
            report.memos_added += 1
        elif updated > held_memo.updated_at and (held_memo.text, held_memo.title) != (row["text"], row["title"]):
            memo_store.update_memo(session, memo=held_memo, title=row["title"], text=row["text"], updated_at=updated)
            report.memos_updated += 1

    if bundle.progress:
        ids = list(coder_ids.values())
        have_progress = {(p.coder_id, p.document_id): p for p in progress_rows.progress_of(session, coder_ids=ids)}
        for row in bundle.progress:
            place = (coder_ids[row["coder"]], doc_ids[row["document"]])
            updated = required_stamp(row["updated_at"])
            held_progress = have_progress.get(place)
            if held_progress is None:
                progress_rows.add_progress(session, coder_id=place[0], document_id=place[1], status=row["status"],
                                           cursor=row["cursor"], updated_at=updated)
                report.progress_updated += 1
            elif updated > held_progress.updated_at and \
                    (held_progress.status, held_progress.cursor) != (row["status"], row["cursor"]):
                progress_rows.update_progress(session, progress=held_progress, status=row["status"],
                                              cursor=row["cursor"], updated_at=updated)
                report.progress_updated += 1

    if bundle.events:
        actors = list(bundle.coders)
        have_events = Counter(_event_identity({"at": stamp(at), "actor": actor, "kind": kind, "payload": payload})
                              for at, actor, kind, payload in event_store.events_of(session, actors=actors))
        events: list[dict[str, Any]] = []
        for row in bundle.events:
            ident = _event_identity(row)
            if have_events[ident] > 0:
                have_events[ident] -= 1
                continue
            events.append({"at": parse_stamp(row["at"]), "actor": row["actor"], "kind": row["kind"],
                           "payload": row["payload"]})
        event_store.log_events(session, rows=events)
        report.events_added = len(events)
    session.flush()
