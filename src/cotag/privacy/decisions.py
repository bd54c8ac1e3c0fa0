"""The lead's decisions on the pseudonym table, one function each, for the CLI and the TUI alike.

Each call reads pseudonyms.yaml, changes it through PseudonymTable, writes it in one rename (cotag.files) and
records the decision in the audit log. The log names a decision by its proposal id, kind and pseudonym, never by
the real string: the audit trail travels further than the table (coder files, a methods appendix), and the table
must stay the only key from a pseudonym back to a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from cotag.privacy.pseudonyms import Entry, Found, Proposal, PseudonymTable, SuggestInput, load_table
from cotag.privacy.pseudonyms import suggest as find

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


def _record(project, table: PseudonymTable, *, kind: str, actor: str, payload: dict[str, Any]) -> None:
    """Write the table and log the decision in one unit of work: a table that cannot be written logs nothing."""
    from cotag.store.events import log_event

    with project.session() as session:
        log_event(session, kind=kind, actor=actor, payload=payload)
        table.save()


def suggest_inputs(project) -> list[SuggestInput]:
    """What suggest reads of every document: its text, attributes and speaker labels."""
    from cotag.store.documents import list_documents, list_units

    with project.session() as session:
        documents = sorted(list_documents(session), key=lambda d: d.external_id)
        return [SuggestInput(d.external_id, d.text, d.attributes or {},
                             {u.speaker or "" for u in list_units(session, document_id=d.id)})
                for d in documents if d.id is not None]


def suggest(project, documents: Iterable[SuggestInput], *, nlp: Callable[[str], Any] | None = None,
            actor: str = "") -> Suggested:
    """Search the documents and add what is new as open proposals (`cotag pseudonyms suggest`)."""
    return record_found(project, find(documents, nlp=nlp), spacy=nlp is not None, actor=actor)


def record_found(project, found: Iterable[Found], *, spacy: bool = False, actor: str = "") -> Suggested:
    """Add what a search found as open proposals: the write half of suggest, so a screen can search in a worker
    and queue only this on its writer."""
    table = load_table(project)
    added = table.merge(found)
    open_ = [p for p in table.proposals if p.status == "open"]
    _record(project, table, kind=SUGGEST, actor=actor,
            payload={"added": [p.id for p in added], "open": len(open_), "spacy": spacy})
    return Suggested(added, open_, table)


def accept(project, ids: Iterable[str], *, pseudonym: str | None = None, actor: str = "") -> list[Entry]:
    """Each proposal becomes an entry, with its suggested pseudonym or the one given."""
    table = load_table(project)
    ids = list(ids)
    kinds = {p.id: p.kind for p in (table.proposal(i) for i in ids)}
    entries = table.accept(ids, pseudonym=pseudonym)
    _record(project, table, kind=ACCEPT, actor=actor,
            payload={"proposals": ids, "pseudonyms": [e.pseudonym for e in entries],
                     "kinds": [kinds[i] for i in ids]})
    return entries


def reject(project, ids: Iterable[str], *, actor: str = "") -> list[Proposal]:
    """Mark proposals rejected: suggest does not offer them again."""
    table = load_table(project)
    rejected = table.reject(list(ids))
    _record(project, table, kind=REJECT, actor=actor, payload={"proposals": [p.id for p in rejected]})
    return rejected


def add(project, real: str, pseudonym: str, kind: str = "other", *, replace: bool = False,
        actor: str = "") -> Entry:
    """Add an entry by hand, or (`replace`) change the pseudonym or kind of one already listed."""
    table = load_table(project)
    previous = table.find(real)
    old = previous.pseudonym if previous is not None else None
    entry = table.add(real, pseudonym, kind, replace=replace)
    payload: dict[str, Any] = {"pseudonym": entry.pseudonym, "kind": entry.kind}
    if old is not None:
        payload["was"] = old
    _record(project, table, kind=ADD, actor=actor, payload=payload)
    return entry


def remove(project, real: str, *, actor: str = "") -> Entry:
    """Remove an entry: exports print that string as written again."""
    table = load_table(project)
    entry = table.remove(real)
    _record(project, table, kind=REMOVE, actor=actor, payload={"pseudonym": entry.pseudonym, "kind": entry.kind})
    return entry
