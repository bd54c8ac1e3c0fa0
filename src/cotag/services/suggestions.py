"""Use cases on the suggester's offers: a coder dismisses one, what a coder dismissed in a document, and the
agreement with and without the coders' accepted suggestions (`cotag agreement --suggestions`).

(Training and evaluating the suggester read through services.coding; accepting a suggestion is a coding, written
through the coder's CodingSession like any other.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.reliability.units import OverlapRule, Selection, Unitised
    from cotag.suggest.agreement import SuggestionAgreement
    from cotag.suggest.model import Suggestion


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
