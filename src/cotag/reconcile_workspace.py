"""What the reconcile screen shows: a lead's workspace (the comparison, the texts to show context from, the codes'
definitions and the two coders' memos), opened and refreshed in the session of the use case that calls it
(services.reconcile)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from cotag.reconcile import Comparison, Disagreement, compare, require_lead, write_agreed

if TYPE_CHECKING:
    from cotag.store.session import Session


@dataclass
class Workspace:
    """A lead's reconcile session: the comparison, the texts to show context from, and the codes' definitions."""

    lead: str
    coders: tuple[str, str]
    documents: list[str] | None
    disagreements: list[Disagreement]
    texts: dict[int, str]
    codes: dict[str, dict[str, Any]]
    memos: list[Any] = field(default_factory=list)  # the two coders' own memos (store.memos.MemoRow)

    def progress(self) -> dict[str, Any]:
        return Comparison(coders=self.coders, disagreements=self.disagreements).progress()

    def memos_for(self, d: Disagreement, coder: str) -> list[Any]:
        """A coder's memos that bear on a disagreement: on its code, on its document as a whole, or on a passage
        sharing characters with its region (a passage memo elsewhere in the interview is about other words)."""
        def bears(m: Any) -> bool:
            if m.code is not None:
                return bool(m.code == d.code)
            if m.document != d.document:
                return False
            return m.start is None or (m.start < d.end and d.start < m.end)

        return [m for m in self.memos if m.coder == coder and bears(m)]

    def context(self, d: Disagreement, *, around: int = 240, text: str | None = None) -> tuple[str, str, str]:
        """The text before the disagreement, the disagreement's region, and the text after (trimmed to words).

        text: the document as shown instead of as stored (the pseudonymised view), d's offsets being into it."""
        text = self.texts.get(d.document_id, "") if text is None else text
        before = text[max(0, d.start - around):d.start]
        after = text[d.end:d.end + around]
        if d.start - around > 0 and " " in before:
            before = "…" + before[before.index(" ") + 1:]
        if d.end + around < len(text) and " " in after:
            after = after[:after.rindex(" ")] + "…"
        return before, text[d.start:d.end], after

    def refresh_document(self, session: Session, document: str) -> None:
        """Recompare one document after a ruling (or a coder's change) and put its disagreements back in place."""
        fresh = compare(session, coders=self.coders, documents=[document], agreed=False).disagreements
        kept = [d for d in self.disagreements if d.document != document]
        self.disagreements = sorted(kept + fresh, key=lambda d: (d.document, d.start, d.code))


def open_workspace(session: Session, *, lead: str, coders: Sequence[str] | None = None,
                   documents: Sequence[str] | None = None) -> Workspace:
    """Check the lead, write the agreed spans into the consensus, and load everything to rule on."""
    from cotag.store import documents as doc_store
    from cotag.store.codes import list_codes
    from cotag.store.memos import list_memos

    lead_row = require_lead(session, name=lead)
    # One full comparison serves both: writing the consensus touches neither coder, so its disagreements stand.
    comparison = compare(session, coders=coders, documents=documents)
    write_agreed(session, lead=lead_row.name, coders=coders, documents=documents, comparison=comparison)
    texts = doc_store.texts(session, ids={d.document_id for d in comparison.disagreements})
    codes = {c.key: {"name": c.name, "description": c.description, "include": list(c.include),
                     "exclude": list(c.exclude), "status": c.status} for c in list_codes(session)}
    memos = list_memos(session, coders=comparison.coders)
    return Workspace(lead=lead_row.name, coders=comparison.coders, documents=list(documents) if documents else None,
                     disagreements=comparison.disagreements, texts=texts, codes=codes, memos=memos)
