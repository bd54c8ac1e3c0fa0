"""The lead's decisions on the pseudonym table, one function each, for the CLI and the TUI alike.

Each takes the table as read from pseudonyms.yaml (services.privacy reads it) and the session its use case opened,
changes the table through PseudonymTable, writes it in one rename (cotag.files) and records the decision in the
audit log in that session: a table that cannot be written rolls the log entry back. The log names a decision by its proposal id, kind and pseudonym, never by
the real string: the audit trail travels further than the table (coder files, a methods appendix), and the table
must stay the only key from a pseudonym back to a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from cotag.privacy.pseudonyms import Entry, Found, Proposal, PseudonymTable, SuggestInput
from cotag.store.session import Session

SUGGEST = "pseudonyms.suggest"
ACCEPT = "pseudonyms.accept"
REJECT = "pseudonyms.reject"
ADD = "pseudonyms.add"
REMOVE = "pseudonyms.remove"


@dataclass
class Suggested:
    added: list[Proposal]
    open: list[Proposal]
    table: PseudonymTable


def _record(session: Session, table: PseudonymTable, *, kind: str, actor: str, payload: dict[str, Any]) -> None:
    """Log the decision and write the table in one unit of work: a table that cannot be written logs nothing (the
    write raises inside the caller's transaction, which then rolls back)."""
    from cotag.store.events import log_event

    log_event(session, kind=kind, actor=actor, payload=payload)
    table.save()


def suggest_inputs(session: Session) -> list[SuggestInput]:
    """What suggest reads of every document: its text, attributes and speaker labels (column-wise, no ORM rows)."""
    from cotag.store import documents as doc_store

    speakers = doc_store.speakers(session)
    documents = sorted(doc_store.document_columns(session, with_text=True), key=lambda d: d.external_id)
    return [SuggestInput(d.external_id, d.text, d.attributes or {}, speakers.get(d.id, set())) for d in documents]


def record_found(session: Session, table: PseudonymTable, found: Iterable[Found], *, spacy: bool = False,
                 actor: str = "") -> Suggested:
    """Add what a search found as open proposals: the write half of suggest (services.privacy searches outside the
    transaction, and a screen searches in a worker and queues only this on its writer)."""
    added = table.merge(found)
    open_ = [p for p in table.proposals if p.status == "open"]
    _record(session, table, kind=SUGGEST, actor=actor,
            payload={"added": [p.id for p in added], "open": len(open_), "spacy": spacy})
    return Suggested(added, open_, table)


def accept(session: Session, table: PseudonymTable, ids: Iterable[str], *, pseudonym: str | None = None,
           actor: str = "") -> list[Entry]:
    """Each proposal becomes an entry, with its suggested pseudonym or the one given."""
    ids = list(ids)
    kinds = {p.id: p.kind for p in (table.proposal(i) for i in ids)}
    entries = table.accept(ids, pseudonym=pseudonym)
    _record(session, table, kind=ACCEPT, actor=actor,
            payload={"proposals": ids, "pseudonyms": [e.pseudonym for e in entries],
                     "kinds": [kinds[i] for i in ids]})
    return entries


def reject(session: Session, table: PseudonymTable, ids: Iterable[str], *, actor: str = "") -> list[Proposal]:
    """Mark proposals rejected: suggest does not offer them again."""
    rejected = table.reject(list(ids))
    _record(session, table, kind=REJECT, actor=actor, payload={"proposals": [p.id for p in rejected]})
    return rejected


def add(session: Session, table: PseudonymTable, real: str, pseudonym: str, kind: str = "other", *,
        replace: bool = False, actor: str = "") -> Entry:
    """Add an entry by hand, or (`replace`) change the pseudonym or kind of one already listed."""
    previous = table.find(real)
    old = previous.pseudonym if previous is not None else None
    entry = table.add(real, pseudonym, kind, replace=replace)
    payload: dict[str, Any] = {"pseudonym": entry.pseudonym, "kind": entry.kind}
    if old is not None:
        payload["was"] = old
    _record(session, table, kind=ADD, actor=actor, payload=payload)
    return entry


def remove(session: Session, table: PseudonymTable, real: str, *, actor: str = "") -> Entry:
    """Remove an entry: exports print that string as written again."""
    entry = table.remove(real)
    _record(session, table, kind=REMOVE, actor=actor, payload={"pseudonym": entry.pseudonym, "kind": entry.kind})
    return entry
