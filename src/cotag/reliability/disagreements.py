"""Agreement for a whole project in one call, and the units where coders part ways (the drill-down).

Both front ends use this: the CLI prints the report, the TUI agreement screen shows the
same report and, for one code, lists the units on which the coders disagree so that the
lead can jump into the transcript at that unit.  The statistics live in `report`; this
module only reads the store and locates units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cotag.reliability.bootstrap import DEFAULT_SEED
from cotag.reliability.report import AgreementReport, build_report
from cotag.reliability.units import OverlapRule, Selection, Unitised, load_unitised

if TYPE_CHECKING:
    from cotag.store.session import Session

# Drill-down text is for reading on one line; the transcript shows the whole unit.
TEXT_LIMIT = 160


@dataclass
class ProjectAgreement:
    """The unitised data (kept for the drill-down) and the report built from it."""

    data: Unitised
    report: AgreementReport


def project_agreement(project: Any, selection: Selection = Selection(), *, kind: str = "sentence",
                      rule: OverlapRule | None = None, include_interviewer: bool = False, bootstrap: int = 0,
                      seed: int | None = DEFAULT_SEED, cluster: str | None = None,
                      bootstrap_method: str = "cluster") -> ProjectAgreement:
    """Read the project's codings, unitise them and build the agreement report.

    Raises CotagError (from `load_unitised`) when fewer than two coders coded a common
    document, or a named coder, code or document does not exist.
    """
    with project.reading() as connection:  # a plain connection: no ORM to import for these reads (issue #14)
        data = load_unitised(connection, selection, kind=kind, rule=rule, include_interviewer=include_interviewer)
    report = build_report(data, bootstrap=bootstrap, seed=seed, cluster=cluster, bootstrap_method=bootstrap_method)
    return ProjectAgreement(data, report)


@dataclass(frozen=True)
class UnitDisagreement:
    """One unit (or, for character units, one run of characters) on which the coders disagree about a code.

    applied: coders who gave the unit the code; not_applied: coders who saw the unit and
    did not.  Coders for whom the unit is missing are in neither.  `unit` is the index of
    the sentence unit where the span starts (the transcript cursor), filled by `locate`.
    """

    document: str
    document_id: int | None
    start: int
    end: int
    applied: tuple[str, ...]
    not_applied: tuple[str, ...]
    unit: int | None = None
    text: str = ""


def disagreeing_units(data: Unitised, code: str) -> list[UnitDisagreement]:
    """Units where at least one coder applied `code` and another coder who saw the unit did not.

    In document order.  For character units, neighbouring characters with the same
    coders on each side are merged into one run, so the list reads as passages.
    Raises ValueError for a code that is not in the data.
    """
    if code not in data.codes:
        raise ValueError(f"code {code!r} is not in this agreement table (codes: {', '.join(data.codes)})")
    x = data.matrix(code)  # coders x units
    ones = (x == 1).any(axis=0)
    zeros = (x == 0).any(axis=0)
    idx = np.flatnonzero(ones & zeros)
    if idx.size == 0:
        return []
    applied = x[:, idx] == 1
    seen = ~np.isnan(x[:, idx])
    # run boundaries: for char units, a run continues while the next character follows on
    # directly in the same document with the same coders on each side
    new = np.ones(idx.size, dtype=bool)
    if data.kind == "char" and idx.size > 1:
        same_doc = data.unit_doc[idx[1:]] == data.unit_doc[idx[:-1]]
        adjacent = data.unit_start[idx[1:]] == data.unit_end[idx[:-1]]
        same_sides = (applied[:, 1:] == applied[:, :-1]).all(axis=0) & (seen[:, 1:] == seen[:, :-1]).all(axis=0)
        new[1:] = ~(same_doc & adjacent & same_sides)
    first = np.flatnonzero(new)
    last = np.concatenate([first[1:], [idx.size]]) - 1
    ids = data.document_ids
    out = []
    for a, b in zip(first.tolist(), last.tolist()):
        u = int(idx[a])
        doc = int(data.unit_doc[u])
        out.append(UnitDisagreement(
            document=data.frame_documents[doc] if data.frame_documents else data.documents[doc],
            document_id=int(ids[doc]) if doc < len(ids) else None,
            start=int(data.unit_start[u]), end=int(data.unit_end[int(idx[b])]),
            applied=tuple(c for c, on in zip(data.coders, applied[:, a]) if on),
            not_applied=tuple(c for c, on, s in zip(data.coders, applied[:, a], seen[:, a]) if s and not on),
        ))
    return out


def locate(session: Session, items: list[UnitDisagreement]) -> list[UnitDisagreement]:
    """The same items with the transcript unit index and (shortened) text filled in from the store."""
    from cotag.store import documents as doc_store

    doc_ids = sorted({i.document_id for i in items if i.document_id is not None})
    if not doc_ids:
        return list(items)
    texts = doc_store.texts(session, ids=doc_ids)
    rows: dict[int, list[tuple[int, int]]] = {}
    for doc_id, index, start, _, _, _, _ in doc_store.unit_columns(session, document_ids=doc_ids):
        rows.setdefault(doc_id, []).append((start, index))
    starts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for doc_id, pairs in rows.items():
        pairs.sort()
        starts[doc_id] = (np.array([s for s, _ in pairs]), np.array([k for _, k in pairs]))
    out = []
    for item in items:
        unit, text = None, ""
        if item.document_id in starts:
            s, k = starts[item.document_id]
            pos = int(np.searchsorted(s, item.start, side="right")) - 1
            unit = int(k[max(pos, 0)])
        if item.document_id in texts:
            text = " ".join(texts[item.document_id][item.start:item.end].split())
            if len(text) > TEXT_LIMIT:
                text = text[:TEXT_LIMIT - 1] + "…"
        out.append(UnitDisagreement(item.document, item.document_id, item.start, item.end, item.applied,
                                    item.not_applied, unit, text))
    return out


def project_disagreements(project: Any, data: Unitised, code: str) -> list[UnitDisagreement]:
    """`disagreeing_units` for one code, located in the store (unit index and text)."""
    items = disagreeing_units(data, code)
    with project.session() as session:
        return locate(session, items)


def disagreement_counts(data: Unitised) -> dict[str, int]:
    """Per code, the units on which at least one coder applied it and another coder who saw the unit did not."""
    if not data.codes or data.stack.size == 0:
        return {code: 0 for code in data.codes}
    ones = (data.stack == 1).any(axis=1)  # codes x units
    zeros = (data.stack == 0).any(axis=1)
    return dict(zip(data.codes, (ones & zeros).sum(axis=1).astype(int).tolist()))
