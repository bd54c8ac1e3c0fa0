"""Use cases of the pseudonym table: the lead's decisions (suggest, accept, reject, add, remove) for the command
line and the pseudonyms screen alike, and what the suggester reads.

A decision reads pseudonyms.yaml, then in one transaction logs the decision and writes the table in one rename
(cotag.privacy.decisions): a table that cannot be written raises inside the transaction, so nothing is logged. The
search for names (spaCy, when installed) runs before that transaction opens, so it holds no transaction open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:
    from cotag.privacy.decisions import Suggested
    from cotag.privacy.pseudonyms import Entry, Found, Proposal, SuggestInput
    from cotag.project import Project


def suggest_inputs(project: Project) -> list[SuggestInput]:
    """What suggest reads of every document: its text, attributes and speaker labels (one read transaction)."""
    from cotag.privacy.decisions import suggest_inputs as read

    with project.session() as session:
        return read(session)


def suggest(project: Project, documents: Iterable[SuggestInput], *, nlp: Callable[[str], Any] | None = None,
            actor: str = "") -> Suggested:
    """Search the documents and add what is new as open proposals (`cotag pseudonyms suggest`)."""
    from cotag.privacy.pseudonyms import suggest as find

    found = find(documents, nlp=nlp)  # the slow part, outside the transaction
    return record_found(project, found, spacy=nlp is not None, actor=actor)


def record_found(project: Project, found: Iterable[Found], *, spacy: bool = False, actor: str = "") -> Suggested:
    """Add what a search found as open proposals: the write half of suggest, so a screen can search in a worker
    and queue only this on its writer."""
    from cotag.privacy import decisions
    from cotag.privacy.pseudonyms import load_table

    table = load_table(project)
    with project.session() as session:
        return decisions.record_found(session, table, found, spacy=spacy, actor=actor)


def accept(project: Project, ids: Iterable[str], *, pseudonym: str | None = None, actor: str = "") -> list[Entry]:
    """Each proposal becomes an entry, with its suggested pseudonym or the one given."""
    from cotag.privacy import decisions
    from cotag.privacy.pseudonyms import load_table

    table = load_table(project)
    with project.session() as session:
        return decisions.accept(session, table, ids, pseudonym=pseudonym, actor=actor)


def reject(project: Project, ids: Iterable[str], *, actor: str = "") -> list[Proposal]:
    """Mark proposals rejected: suggest does not offer them again."""
    from cotag.privacy import decisions
    from cotag.privacy.pseudonyms import load_table

    table = load_table(project)
    with project.session() as session:
        return decisions.reject(session, table, ids, actor=actor)


def add(project: Project, real: str, pseudonym: str, kind: str = "other", *, replace: bool = False,
        actor: str = "") -> Entry:
    """Add an entry by hand, or (`replace`) change the pseudonym or kind of one already listed."""
    from cotag.privacy import decisions
    from cotag.privacy.pseudonyms import load_table

    table = load_table(project)
    with project.session() as session:
        return decisions.add(session, table, real, pseudonym, kind, replace=replace, actor=actor)


def remove(project: Project, real: str, *, actor: str = "") -> Entry:
    """Remove an entry: exports print that string as written again."""
    from cotag.privacy import decisions
    from cotag.privacy.pseudonyms import load_table

    table = load_table(project)
    with project.session() as session:
        return decisions.remove(session, table, real, actor=actor)
