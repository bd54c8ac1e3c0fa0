"""What a revision says of each thing it carried: the plan of every coding, passage memo and ruling of a document,
its class, the item written for it (table `revisionitem`) and the item as a report shows it.

A coding and a passage memo are both a span of the text, classed the same way by the alignment; one set of
functions here makes their items and report rows, so the two can never be told differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, Union

from cotag.errors import CotagError
from cotag.revision.align import STATUSES, Alignment, Carried
from cotag.store.models import CARRY_CHANGED, CARRY_ORPHANED, Decision, Document, Progress, RevisionItem
from cotag.store.revisions import ITEM_FIELDS, LiveCoding, PassageMemo

REVISE = "revision"
UNDO = "revision.undo"
REVIEW = "revision.review"
KIND_CODING = "coding"
KIND_MEMO = "memo"
KIND_DECISION = "decision"
KINDS = (KIND_CODING, KIND_MEMO, KIND_DECISION)
FLAGGED = (CARRY_CHANGED, CARRY_ORPHANED)
# How much of a span's text a report shows.
QUOTE = 80


def key(value: int | None) -> int:
    """The id of a row read from the database (only a row not yet written has none)."""
    if value is None:
        raise CotagError("internal error: a stored row without an id")
    return value


def quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[:QUOTE - 1] + "…"


@dataclass
class CodingPlan:
    coding: LiveCoding
    carried: Carried
    coder: str
    code: str
    new_id: int | None = None  # the live row standing for it after the revision (a moved coding is a new row)
    kind: ClassVar[str] = KIND_CODING

    @property
    def old_id(self) -> int:
        return self.coding.id

    @property
    def start(self) -> int:
        return self.coding.start

    @property
    def end(self) -> int:
        return self.coding.end


@dataclass
class MemoPlan:
    """A passage memo moves in place (its row keeps its id); an orphan stays, as a memo on the document."""

    memo: PassageMemo
    carried: Carried
    coder: str
    code: str = ""
    kind: ClassVar[str] = KIND_MEMO

    @property
    def old_id(self) -> int:
        return self.memo.id

    @property
    def new_id(self) -> int:
        return self.memo.id

    @property
    def start(self) -> int:
        return self.memo.start

    @property
    def end(self) -> int:
        return self.memo.end

    @property
    def moves(self) -> bool:
        return (self.carried.start, self.carried.end) != (self.memo.start, self.memo.end)


@dataclass
class DecisionPlan:
    decision: Decision
    status: str
    lead: str
    code: str
    new_disagreement: str | None = None  # None: the ruling returns to open (or is left as it was, when kept)
    new_start: int | None = None
    new_end: int | None = None
    old_region: tuple[int, int] | None = None
    new_id: int | None = None
    reason: str = ""
    coders: tuple[str, str] | None = None


@dataclass
class DocumentPlan:
    """Everything one revision of one document will do, computed before anything is written."""

    document: Document
    path: Path
    new_text: str
    new_hash: str
    new_units: list[tuple]
    new_values: dict[str, Any]
    alignment: Alignment
    old_units: list[tuple]
    codings: list[CodingPlan] = field(default_factory=list)
    memos: list[MemoPlan] = field(default_factory=list)
    decisions: list[DecisionPlan] = field(default_factory=list)
    document_memos: int = 0  # memos on the document with no span: they stay as they are
    progress: list[Progress] = field(default_factory=list)  # each coder's place in the document
    number: int = 1  # the revision's number among the document's revisions

    def counts(self) -> dict[str, dict[str, int]]:
        """kind -> class -> how many (every coding, passage memo and ruling in exactly one class)."""
        out = {kind: dict.fromkeys(STATUSES, 0) for kind in KINDS}
        for span in self.spans():
            out[span.kind][span.carried.status] += 1
        for dp in self.decisions:
            out[KIND_DECISION][dp.status] += 1
        return out

    def summary(self) -> dict[str, Any]:
        return {**self.alignment.summary(), "units_before": len(self.old_units), "units_after": len(self.new_units),
                "document_memos": self.document_memos,
                **{f"{kind}s": counts for kind, counts in self.counts().items()}}

    def spans(self) -> list[CodingPlan | MemoPlan]:
        return [*self.codings, *self.memos]

    def items(self) -> list[tuple[Any, ...]]:
        """The rows of `revisionitem` for this revision (store.revisions.ITEM_FIELDS' values), in the order they are
        numbered: codings, rulings, memos."""
        old, new = self.alignment.old, self.alignment.new
        rows = [span_item(p, old, new) for p in self.codings]
        for dp in self.decisions:
            d = dp.decision
            rows.append((KIND_DECISION, dp.status, d.id, dp.new_id, dp.lead, dp.code, d.start, d.end, dp.new_start,
                         dp.new_end, old[dp.old_region[0]:dp.old_region[1]] if dp.old_region else "",
                         dp.reason if dp.status in FLAGGED else ""))
        rows += [span_item(p, old, new) for p in self.memos]
        return rows

    def flagged(self) -> list[dict[str, Any]]:
        """The flagged items as a dry run reports them (before anything is written, so without numbers)."""
        rows = [flagged_span(p, self.alignment) for p in self.spans() if p.carried.flagged]
        rows += [{"kind": KIND_DECISION, "status": dp.status, "decision": dp.decision.id, "code": dp.code,
                  "lead": dp.lead, "ruling": dp.decision.ruling, "reason": dp.reason}
                 for dp in self.decisions if dp.status in FLAGGED]
        return rows


def span_item(plan: CodingPlan | MemoPlan, old_text: str, new_text: str) -> tuple[Any, ...]:
    """The revision's record of a coding or passage memo (store.revisions.ITEM_FIELDS' values): what undo and
    review read. Its old span always; its old and new words when it is flagged (a kept or moved item's words are
    the same words, at its new span: writing them again for the 60,000 that move in a corpus revision cost about
    0.2 s of 5). A tuple: a revision of a corpus writes some 70,000."""
    carried = plan.carried
    status = carried.status
    start, end = plan.start, plan.end
    return (plan.kind, status, plan.old_id, plan.new_id, plan.coder, plan.code, start, end, carried.start,
            carried.end, old_text[start:end] if status in FLAGGED else "",
            new_text[carried.start:carried.end] if status in FLAGGED and carried.start is not None else "")


def flagged_span(plan: CodingPlan | MemoPlan, alignment: Alignment) -> dict[str, Any]:
    carried = plan.carried
    return {"kind": plan.kind, "status": carried.status, plan.kind: plan.old_id, "coder": plan.coder,
            "code": plan.code, "old": [plan.start, plan.end],
            "new": None if carried.start is None else [carried.start, carried.end],
            "old_words": quote(alignment.old[plan.start:plan.end]),
            "new_words": "" if carried.start is None else quote(alignment.new[carried.start:carried.end])}


Item = Union[RevisionItem, SimpleNamespace]


def item_dict(item: Item) -> dict[str, Any]:
    """An item as `cotag revisions ID` and the review screen show it."""
    spans = item.kind != KIND_DECISION
    data = {"item": item.number, "kind": item.kind, "status": item.status, "old_id": item.old_id,
            "new_id": item.new_id, ("coder" if spans else "lead"): item.coder, "code": item.code,
            "old": None if item.old_start is None else [item.old_start, item.old_end],
            "new": None if item.new_start is None else [item.new_start, item.new_end],
            "review": item.review, "reviewed_by": item.reviewed_by}
    if spans:
        data.update(old_words=quote(item.old_words), new_words=quote(item.new_words))
    else:
        data.update(region=quote(item.old_words), reason=item.new_words)
    return data


def written_flagged(items: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The flagged items as they were just written (numbered from 1 in this order), without reading them back."""
    return [item_dict(SimpleNamespace(number=n, review="", reviewed_by="", **dict(zip(ITEM_FIELDS, row))))
            for n, row in enumerate(items, 1) if row[1] in FLAGGED]


def is_flagged(status: str) -> bool:
    return status in (CARRY_CHANGED, CARRY_ORPHANED)
