"""Work made against a document's text before a revision (a coder's file from last week) carried to its current text."""

from __future__ import annotations

from typing import Any

from cotag.revision.align import Alignment, align
from cotag.store import revisions as revision_store
from cotag.store.session import Session


def revision_chains(session: Session, hashes: set[str]) -> dict[str, tuple[list[tuple[str, str]], str]]:
    """content hash of an earlier text -> ([(old text, new text), ...] up to the current text, the current hash).

    Only hashes that are no current document's and that a standing (not undone) revision replaced."""
    current = revision_store.current_texts(session)
    wanted = [h for h in hashes if h and h not in current]
    if not wanted:
        return {}
    revisions = revision_store.standing_revisions(session)
    by_old = {r.old_hash: r for r in revisions}
    chains: dict[str, tuple[list[tuple[str, str]], str]] = {}
    for start in wanted:
        steps: list[Any] = []
        h, seen = start, set[str]()
        while h in by_old and h not in seen:
            seen.add(h)
            revision = by_old[h]
            steps.append(revision)
            h = revision.new_hash
        if not steps or h not in current:
            continue
        texts = [r.old_text for r in steps] + [current[h][1]]
        chains[start] = ([(texts[k], texts[k + 1]) for k in range(len(steps))], h)
    return chains


def carry_bundle(session: Session, bundle: Any) -> tuple[int, list[str]]:
    """Rewrite a merge bundle's rows on revised documents: the current hash, spans carried through each revision.

    Returns (codings carried, codings that could not be: their words were deleted, or edited, since). Those are
    left out of the merge and named; everything else merges as if made on the current text.
    """
    used = {r["document"] for r in (*bundle.codings, *bundle.progress)} | {r["document"] for r in bundle.memos}
    chains = revision_chains(session, used)
    if not chains:
        return 0, []
    alignments: dict[str, list[Alignment]] = {h: [align(old, new) for old, new in steps]
                                              for h, (steps, _) in chains.items()}
    target = {h: current for h, (_, current) in chains.items()}
    carried, lost, kept_rows = 0, [], []
    for row in bundle.codings:
        h = row["document"]
        if h not in chains:
            kept_rows.append(row)
            continue
        start, end, ok = row["start"], row["end"], True
        for alignment in alignments[h]:
            moved = alignment.carry(start, end)
            if moved.flagged:
                ok = False
                break
            start, end = moved.start, moved.end
        if not ok:
            lost.append(f"{bundle.documents.get(h, h[:12])} {row['start']}–{row['end']} ({row['code']}, "
                        f"{row['coder']}): its words were edited or deleted by a revision")
            continue
        kept_rows.append({**row, "document": target[h], "start": start, "end": end})
        carried += 1
    bundle.codings[:] = kept_rows
    # A passage memo goes the same way: onto its words in the current text, or, when a revision edited or deleted
    # them, onto its document as a whole (never onto other words, never dropped), named with the codings left out.
    for row in bundle.memos:
        h = row["document"]
        if h not in chains or row.get("start") is None or row.get("end") is None:
            continue
        start, end = row["start"], row["end"]
        for alignment in alignments[h]:
            moved = alignment.carry(start, end)
            if moved.flagged:
                lost.append(f"{bundle.documents.get(h, h[:12])} {row['start']}–{row['end']} (passage memo by "
                            f"{row['coder']}): its words were edited or deleted by a revision; merged as a memo on "
                            "the document")
                start = end = None
                break
            start, end = moved.start, moved.end
        row["start"], row["end"] = start, end
    for row in (*bundle.progress, *bundle.memos):
        if row["document"] in target:
            row["document"] = target[row["document"]]
    for h in chains:
        if h in bundle.documents:
            bundle.documents.setdefault(target[h], bundle.documents[h])
    if bundle.only is not None:
        bundle.only = {target.get(h, h) for h in bundle.only}
    return carried, lost
