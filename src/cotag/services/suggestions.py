"""Use cases of the suggester: what training and evaluation read, who asks for suggestions, the audit trail of
training and evaluating, a coder dismissing an offer, and the agreement with and without the coders' accepted
suggestions (`cotag agreement --suggestions`).

(Accepting a suggestion is a coding, written through the coder's CodingSession like any other.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.reliability.units import OverlapRule, Selection, Unitised
    from cotag.store.session import Session
    from cotag.suggest.agreement import SuggestionAgreement
    from cotag.suggest.data import CodeInfo, DocumentUnits, TrainingData
    from cotag.suggest.model import Suggestion

TRAIN_EVENT = "suggest.train"
EVALUATE_EVENT = "suggest.evaluate"


def _coder_role(session: Session) -> str | None:
    """The coder whose PostgreSQL role this session logged in as, when it is a plain coder's (row-level security
    then hides the consensus and other coders' codings, progress and events from it); None otherwise."""
    from cotag.store.coders import database_user, get_coder
    from cotag.store.models import ROLE_CODER

    me = database_user(session)
    row = get_coder(session, name=me) if me else None
    return me if row is not None and row.role == ROLE_CODER else None


def training_data(project: Project, *, include_coders: bool = False,
                  coders: Sequence[str] | None = None) -> TrainingData:
    """What the suggester learns from: the codebook, the consensus, and (if asked) named coders' finished work,
    with notes on what it could not learn from (no consensus yet; a coder's role that sees only its own work)."""
    from cotag.suggest.data import CONSENSUS, coded_documents, coder_names, read_training

    with project.session() as session:
        if coders is not None:
            known = set(coder_names(session))
            unknown = [n for n in coders if n not in known]
            if unknown:
                raise CotagError(f"--coders: no coder named {', '.join(map(repr, unknown))}")
        data = read_training(session, include_coders=include_coders, coders=list(coders) if coders else None)
        role = _coder_role(session)
        if role is not None:
            data.notes.append(f"you are connected as coder {role!r}, whose database role reads only {role}'s own "
                              "codings (row-level security): the consensus and other coders' codings cannot teach "
                              "this suggester; the lead trains one on them and hands over the model file")
        elif CONSENSUS not in data.sources and not include_coders:
            finished = [n for n in coder_names(session) if coded_documents(session, n)]
            data.notes.append("no consensus yet (`cotag reconcile`): learnt from the codebook alone, which suggests "
                              "little more than its keywords"
                              + (f"; the coders' finished documents ({', '.join(finished)}) teach only with "
                                 "--include-coders, which blind coders must then not see" if finished else ""))
    return data


def document_for_suggestions(project: Project, document: str) -> tuple[list[CodeInfo], DocumentUnits]:
    """The codebook as it is now and one document's units, for suggesting codes."""
    from cotag.suggest.data import read_codes, read_documents

    with project.session() as session:
        codes = read_codes(session)
        (units,) = read_documents(session, [document])
    return codes, units


def evaluation_data(project: Project, against: str) -> tuple[list[str], list[DocumentUnits], dict[str, Any], str]:
    """The documents `against` (consensus or a coder) finished, their units, `against`'s spans in them, and a note
    when this session's database role cannot see `against`'s work ("" otherwise)."""
    from cotag.suggest.data import coded_documents, read_documents, read_spans

    with project.session() as session:
        role = _coder_role(session)
        whose = "the consensus" if against == "consensus" else f"{against}'s codings"
        hidden = (f"you are connected as coder {role!r}, whose database role cannot read {whose}"
                  if role is not None and role != against else "")
        documents = coded_documents(session, against)
        if len(documents) < 2:
            return documents, [], {}, hidden
        return documents, read_documents(session, documents), read_spans(session, against, documents), hidden


def asker(project: Project, coder: str | None) -> tuple[str | None, bool]:
    """Who asks for suggestions, and whether they are a lead: on PostgreSQL the coder whose role the session logged
    in as (whatever name was given); otherwise the coder named (`--coder`), and with no name whoever holds the
    project (a lead: on SQLite everyone who has the file can read every coding anyway)."""
    from cotag.errors import NotFound
    from cotag.store.coders import get_coder, list_coders
    from cotag.store.models import ROLE_LEAD

    with project.session() as session:
        role = _coder_role(session)
        if role is not None:
            return role, False
        if coder is None:
            return None, True
        row = get_coder(session, name=coder)
        if row is None:
            names = sorted(c.name for c in list_coders(session) if c.role != "consensus")
            raise NotFound(f"no coder named {coder!r} (coders: {', '.join(names) or 'none yet'})")
        return row.name, row.role == ROLE_LEAD


def log_run(project: Project, *, kind: str, actor: str, payload: dict[str, Any]) -> None:
    """Put a training or an evaluation in the audit trail (`cotag log`): what was learnt from, the threshold and who
    set it. A coder's or a lead's PostgreSQL role may append events only as itself, so there the role is the actor
    (whatever --lead said); the owner's role, and SQLite, log the name given."""
    from cotag.store.coders import database_user, get_coder
    from cotag.store.events import log_event

    with project.session() as session:
        me = database_user(session)
        if me and get_coder(session, name=me) is not None:
            actor = me
        log_event(session, kind=kind, actor=actor, payload=payload)


def dismiss(project: Project, *, actor: str, owner: str, document: str, suggestion: Suggestion,
            model_key: str) -> None:
    """Remember that this coder does not want this code offered on this unit again."""
    from cotag.suggest.live import dismiss as remember

    with project.session() as session:
        remember(session, actor=actor, owner=owner, document=document, suggestion=suggestion, model_key=model_key)


def dismissed(project: Project, *, actor: str, owner: str, document: str) -> set[tuple[str, int, int]]:
    """(code, start, end) this coder dismissed in this document, by any model."""
    from cotag.suggest.live import dismissed as read

    with project.session() as session:
        return read(session, actor=actor, owner=owner, document=document)


def suggestion_agreement(project: Project, selection: Selection | None = None, *, kind: str = "sentence",
                         rule: OverlapRule | None = None, include_interviewer: bool = False,
                         **report_options: Any) -> SuggestionAgreement:
    """The project's agreement with and without the coders' accepted suggestions. `report_options` (bootstrap,
    seed, cluster, bootstrap_method) are suggest.agreement.suggestion_agreement's.

    The units and the codings are read in one transaction (two before issue #14: one snapshot means a coding
    written in between cannot be counted in one report and missing from the other); the reports, bootstrap
    included, are built after it ends."""
    from cotag.reliability.units import Selection, load_unitised
    from cotag.suggest.agreement import check_kind, read_suggestion_codings, suggestion_agreement as compare

    check_kind(kind)
    with project.session() as session:
        loaded = load_unitised(session, selection if selection is not None else Selection(), kind=kind, rule=rule,
                               include_interviewer=include_interviewer)
        codings = read_suggestion_codings(session, loaded)
    return compare(loaded, codings, **report_options)


def accepted_suggestions(project: Project, data: Unitised) -> int:
    """How many live codings of the comparison's coders, in their coded documents of it, came from suggestions."""
    from cotag.suggest.agreement import accepted_in_scope

    if not data.documents:
        return 0  # nothing to count: no connection opened
    # A plain connection: `cotag agreement` counts this on every report, and the ORM would cost its start-up
    # more than the count (issue #14).
    with project.reading() as connection:
        return accepted_in_scope(connection, data)
