"""What the suggester learns from and works on: documents' units, the codebook's codes, the sources' codings.

Everything here is plain Python data; `read_*` are the only functions that touch the store.

A *source* is whose codings teach the suggester: the consensus (always, where it exists) and, only
when the lead asks for it (`include_coders`), the coders.  A coder's work on a document counts once
the coder marked it done (as in `cotag agreement`), so a half-coded document does not teach that its
uncoded sentences carry no code.  On a document with a consensus the consensus alone speaks: the
coders' disagreements there have been ruled on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cotag.errors import CotagError, NotFound
from cotag.store.session import Session

CONSENSUS = "consensus"


@dataclass(frozen=True)
class CodeInfo:
    """A code as the suggester sees it: what the codebook says about it."""

    key: str
    name: str
    description: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    is_parent: bool = False


@dataclass
class DocumentUnits:
    """One document's sentence units in order (interviewer units too: they are a respondent unit's context)."""

    document: str
    texts: list[str]
    starts: list[int]
    ends: list[int]
    interviewer: list[bool]
    turns: list[int] = field(default_factory=list)
    content_hash: str = ""

    @property
    def respondent(self) -> list[int]:
        """Indices of the units a code may be suggested for."""
        return [i for i, flag in enumerate(self.interviewer) if not flag]


@dataclass
class Labels:
    """One source's reading of one document: code key -> indices of units carrying the code."""

    document: str
    source: str
    units: dict[str, set[int]] = field(default_factory=dict)


def units_for_spans(doc: DocumentUnits, spans: Iterable[tuple[str, int, int]]) -> dict[str, set[int]]:
    """code -> units a span of that code overlaps by at least one character (the agreement default rule)."""
    import bisect

    out: dict[str, set[int]] = {}
    for code, start, end in spans:
        # units are ordered and do not overlap: the first unit ending after `start` onwards
        i = bisect.bisect_right(doc.ends, start)
        while i < len(doc.starts) and doc.starts[i] < end:
            if min(end, doc.ends[i]) - max(start, doc.starts[i]) >= 1:
                out.setdefault(code, set()).add(i)
            i += 1
    return out


def codebook_hash(codes: Sequence[CodeInfo]) -> str:
    """Changes when a code's key, rules, examples or keywords change (a stale model is then named as such)."""
    payload = [[c.key, c.description, list(c.include), list(c.exclude), list(c.examples), list(c.keywords)]
               for c in codes]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]


def training_hash(documents: Sequence[DocumentUnits], labels: Sequence[Labels]) -> str:
    """Changes when a training document's text or any training coding changes."""
    h = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.document):
        h.update(f"{doc.document}\0{doc.content_hash}\0{len(doc.texts)}\n".encode())
    for lab in sorted(labels, key=lambda x: (x.document, x.source)):
        items = sorted((code, sorted(units)) for code, units in lab.units.items())
        h.update(json.dumps([lab.document, lab.source, items]).encode())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- the store


def read_codes(session: Session) -> list[CodeInfo]:
    """The project's active codes in codebook order."""
    from cotag.store.codes import list_codes
    from cotag.store.models import STATUS_ACTIVE

    codes = list_codes(session)
    parents = {c.parent_id for c in codes if c.parent_id is not None}
    return [CodeInfo(key=c.key, name=c.name, description=c.description or "", include=tuple(c.include or ()),
                     exclude=tuple(c.exclude or ()), examples=tuple(c.examples or ()),
                     keywords=tuple(c.keywords or ()), is_parent=c.id in parents)
            for c in codes if c.status == STATUS_ACTIVE]


def read_documents(session: Session, external_ids: Sequence[str] | None = None) -> list[DocumentUnits]:
    """Documents (all, or these ids, in id order) with their units' text."""
    from cotag.store.codings import unit_spans
    from cotag.store.documents import documents_by_external_id, list_documents

    if external_ids is None:
        found = {d.external_id: d for d in list_documents(session)}
    else:
        found = documents_by_external_id(session, external_ids=external_ids)
        unknown = sorted(set(external_ids) - set(found))
        if unknown:
            raise NotFound(f"no document with id {', '.join(map(repr, unknown))} (see `cotag documents list`)")
    out = []
    for ext in sorted(found):
        doc = found[ext]
        assert doc.id is not None
        # (index, start, end, turn, speaker, is_interviewer), in order
        us = unit_spans(session, document_id=doc.id)
        out.append(DocumentUnits(ext, [doc.text[u[1]:u[2]] for u in us], [u[1] for u in us], [u[2] for u in us],
                                 [bool(u[5]) for u in us], [u[3] for u in us], doc.content_hash or ""))
    return out


def coded_documents(session: Session, coder: str) -> list[str]:
    """Documents a coder's work counts for: marked done; for the consensus, also any with its codings."""
    from cotag.store.codings import live_spans
    from cotag.store.coders import get_coder, list_coders
    from cotag.store.documents import list_documents
    from cotag.store.progress_rows import done_pairs

    row = get_coder(session, name=coder)
    if row is None or row.id is None:
        if coder == CONSENSUS:
            return []
        names = sorted(c.name for c in list_coders(session))
        raise NotFound(f"no coder named {coder!r} (coders: {', '.join(names) or 'none yet'})")
    # done_pairs leaves a trainee's practice documents out (cotag.training): they never teach the suggester.
    ids = {d for _, d in done_pairs(session, coder_ids=[row.id])}
    if coder == CONSENSUS:
        ids |= {document_id for document_id, _, _ in live_spans(session, coder_id=row.id)}
    if not ids:
        return []
    names_by_id = {d.id: d.external_id for d in list_documents(session)}
    return sorted(names_by_id[i] for i in ids if i in names_by_id)


def read_spans(session: Session, coder: str, documents: Sequence[str]) -> dict[str, list[tuple[str, int, int]]]:
    """document -> the coder's live (code, start, end) in those documents."""
    from cotag.store.codings import list_codings

    out: dict[str, list[tuple[str, int, int]]] = {d: [] for d in documents}
    for chunk in _chunks(list(documents), 500):
        for row in list_codings(session, coders=[coder], documents=chunk):
            out[row.document].append((row.code, row.start, row.end))
    return out


@dataclass
class TrainingData:
    """Everything one training run sees."""

    codes: list[CodeInfo]
    documents: list[DocumentUnits]
    labels: list[Labels]
    sources: list[str]
    include_coders: bool
    notes: list[str] = field(default_factory=list)  # what could not teach it, for the person training

    @property
    def data_hash(self) -> str:
        return training_hash(self.documents, self.labels)

    def without(self, documents: Iterable[str]) -> TrainingData:
        """The same data minus some documents (cross-validation holds them out entirely)."""
        drop = set(documents)
        return TrainingData(self.codes, [d for d in self.documents if d.document not in drop],
                            [lab for lab in self.labels if lab.document not in drop], self.sources,
                            self.include_coders)


def coder_names(session: Session) -> list[str]:
    """Coders whose codings may teach the suggester with include_coders: every coder except the consensus."""
    from cotag.store.coders import list_coders

    return sorted(c.name for c in list_coders(session) if c.name != CONSENSUS)


def read_training(session: Session, *, include_coders: bool = False,
                  coders: Sequence[str] | None = None) -> TrainingData:
    """The codebook and the sources' codings: the consensus, and the coders' only with include_coders.

    coders: which coders (default: all) when include_coders is set.
    """
    codes = read_codes(session)
    if not codes:
        raise CotagError("the project has no active codes: load a codebook first (`cotag codebook load`)")
    known = {c.key for c in codes}
    per_doc: dict[str, list[tuple[str, list[tuple[str, int, int]]]]] = {}
    consensus_docs = coded_documents(session, CONSENSUS)
    sources = [CONSENSUS] if consensus_docs else []
    sources_spans: list[tuple[str, dict[str, list[tuple[str, int, int]]]]] = []
    if consensus_docs:
        sources_spans.append((CONSENSUS, read_spans(session, CONSENSUS, consensus_docs)))
    if include_coders:
        names = list(coders) if coders is not None else coder_names(session)
        for name in names:
            done = [d for d in coded_documents(session, name) if d not in set(consensus_docs)]
            if done:
                sources.append(name)
                sources_spans.append((name, read_spans(session, name, done)))
    for source, by_document in sources_spans:
        for name, items in by_document.items():
            per_doc.setdefault(name, []).append((source, items))
    documents = read_documents(session, sorted(per_doc)) if per_doc else []
    labels = []
    for unit_doc in documents:
        for source, items in per_doc[unit_doc.document]:
            kept = [(c, s, e) for c, s, e in items if c in known]
            labels.append(Labels(unit_doc.document, source, units_for_spans(unit_doc, kept)))
    return TrainingData(codes, documents, labels, sources, include_coders)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
