"""Unitising: coders' free spans become coders x units 0/1 matrices, one per code.

Coders mark spans of text; agreement coefficients need fixed units.  This module cuts
the double-coded documents into units (speaker turns, sentences or single characters)
and decides, per code and coder, whether the coder applied the code to each unit:

    the unit carries the code when the coder's spans with that code overlap it by at
    least `min_chars` characters and, if `min_fraction` is set, by at least that
    fraction of the unit's length.

A coder's overlapping spans of one code are merged first, so two overlapping spans never
count a character twice.  A unit of a document the coder has not coded is *missing*
(np.nan), never 0: only documents in the coder's `coded` set are seen by that coder.
Interviewer units are left out unless asked for.

`unitise` is pure (numpy in, numpy out) and vectorised; `load_unitised` is the one
function here that reads the project store, and hands plain arrays to `unitise`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

UNIT_KINDS: tuple[str, ...] = ("turn", "sentence", "char")
UNIT_NOUNS = {"turn": "speaker turn", "sentence": "sentence", "char": "character"}


@dataclass(frozen=True)
class OverlapRule:
    """When a coder's span gives a unit the code: >= min_chars overlap and, if set, >= min_fraction of the unit."""

    min_chars: int = 1
    min_fraction: float | None = None

    def __post_init__(self) -> None:
        if self.min_chars < 1:
            raise ValueError(f"the minimum overlap must be at least 1 character; got {self.min_chars}")
        if self.min_fraction is not None and not 0.0 < self.min_fraction <= 1.0:
            raise ValueError(f"the minimum overlap fraction must lie in (0, 1]; got {self.min_fraction}")

    def applies(self, overlap: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Boolean array: does `overlap` characters of a unit `length` long carry the code?"""
        ok = overlap >= self.min_chars
        if self.min_fraction is not None:
            # a tiny tolerance so that 1/3 of a 3-character unit passes f = 0.3333
            ok &= overlap >= self.min_fraction * length - 1e-9
        return ok

    def describe(self, kind: str) -> str:
        """The rule as printed with every result."""
        if kind == "char":
            return "unit: character; a character carries a code when one of the coder's spans with that code covers it"
        noun = UNIT_NOUNS[kind]
        chars = "1 character" if self.min_chars == 1 else f"{self.min_chars} characters"
        text = f"unit: {noun}; a {noun} carries a code when the coder's spans with that code overlap it by at least {chars}"
        if self.min_fraction is not None:
            text += f" and by at least {self.min_fraction:.0%} of its length"
        return text


@dataclass(frozen=True)
class UnitFrame:
    """Every candidate unit of the selected documents (all kinds derive from sentence rows).

    Arrays are parallel, one entry per sentence unit, sorted by (document, start):
    doc (index into `documents`), start, end, turn, interviewer (bool).
    """

    documents: list[str]
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    turn: np.ndarray
    interviewer: np.ndarray
    document_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_rows(cls, documents: Sequence[str], rows: Iterable[tuple[int, int, int, int, bool]],
                  document_ids: Sequence[int] = ()) -> UnitFrame:
        """rows: (doc index, start, end, turn, is_interviewer)."""
        arr = np.array([tuple(r) for r in rows], dtype=np.int64).reshape(-1, 5)
        order = np.lexsort((arr[:, 1], arr[:, 0]))
        arr = arr[order]
        return cls(list(documents), arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4].astype(bool),
                   list(document_ids))


@dataclass(frozen=True)
class Spans:
    """Coders' codings as parallel arrays: coder, code (indices), doc (index into UnitFrame.documents), start, end."""

    coder: np.ndarray
    code: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int, int, int]]) -> Spans:
        arr = np.array([tuple(r) for r in rows], dtype=np.int64).reshape(-1, 5)
        return cls(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4])


@dataclass
class Unitised:
    """Reliability data for every code over the same units.

    stack: codes x coders x units, 1.0 = applied, 0.0 = seen and not applied, nan = missing.
    unit_doc / unit_start / unit_end / unit_turn: where each unit is (document index, characters, turn).
    turn_cluster / document_cluster: cluster ids for the bootstrap (the unit's turn and document).
    coded: per coder, the documents (names) counted as coded by that coder.
    documents: the documents whose units are in the matrix (coded by at least two coders).
    frame_documents / document_ids: every document considered; unit_doc indexes these.
    """

    kind: str
    rule: OverlapRule
    coders: list[str]
    codes: list[str]
    documents: list[str]
    stack: np.ndarray
    unit_doc: np.ndarray
    unit_start: np.ndarray
    unit_end: np.ndarray
    unit_turn: np.ndarray
    turn_cluster: np.ndarray
    document_cluster: np.ndarray
    coded: dict[str, list[str]]
    include_interviewer: bool = False
    document_ids: list[int] = field(default_factory=list)
    frame_documents: list[str] = field(default_factory=list)
    # (coder, document, code, start, end) by name; filled for character units (u-alpha needs the spans)
    named_spans: list[tuple[str, str, str, int, int]] | None = None
    # codes that are parents of other codes (themes): a theme nobody coded directly is named as such
    parent_codes: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return int(self.stack.shape[2])

    @property
    def rule_text(self) -> str:
        text = self.rule.describe(self.kind)
        return text + ("; interviewer turns included" if self.include_interviewer else "; interviewer turns excluded")

    def matrix(self, code: str) -> np.ndarray:
        """The coders x units matrix of one code."""
        return self.stack[self.codes.index(code)]

    def clusters(self, by: str) -> np.ndarray | None:
        """Cluster ids for the bootstrap: 'unit' (None), 'turn' or 'document'."""
        if by == "unit":
            return None
        if by == "turn":
            return self.turn_cluster
        if by == "document":
            return self.document_cluster
        raise ValueError(f"unknown cluster {by!r}; use unit, turn or document")


def _merge(group: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping or touching intervals within each group; returns (group, start, end) sorted."""
    if group.size == 0:
        return group, start, end
    order = np.lexsort((start, group))
    g, s, e = group[order], start[order], end[order]
    # running max of end within a group: offset by group so the accumulate never crosses groups
    big = int(max(e.max(), s.max())) + 2
    run = np.maximum.accumulate(g * big + e) - g * big
    prev_end = np.empty_like(run)
    prev_end[0] = -1
    prev_end[1:] = run[:-1]
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (s[1:] > prev_end[1:])
    first = np.flatnonzero(new)
    return g[first], s[first], np.maximum.reduceat(e, first)


def _unit_table(frame: UnitFrame, kind: str, keep_doc: np.ndarray, include_interviewer: bool):
    """(doc, start, end, turn) arrays of the units of `kind` in the kept documents, sorted by (doc, start)."""
    sel = keep_doc[frame.doc]
    if not include_interviewer:
        sel &= ~frame.interviewer
    doc, start, end, turn = frame.doc[sel], frame.start[sel], frame.end[sel], frame.turn[sel]
    if kind == "sentence":
        return doc, start, end, turn
    if kind == "turn":
        if doc.size == 0:
            return doc, start, end, turn
        new = np.ones(doc.size, dtype=bool)
        new[1:] = (doc[1:] != doc[:-1]) | (turn[1:] != turn[:-1])
        first = np.flatnonzero(new)
        return doc[first], np.minimum.reduceat(start, first), np.maximum.reduceat(end, first), turn[first]
    if kind == "char":
        lengths = end - start
        total = int(lengths.sum())
        rep = np.repeat(np.arange(doc.size), lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        cs = start[rep] + offsets
        return doc[rep], cs, cs + 1, turn[rep]
    raise ValueError(f"unknown unit {kind!r}; use {', '.join(UNIT_KINDS)}")


def unitise(frame: UnitFrame, spans: Spans, *, coders: Sequence[str], codes: Sequence[str],
            coded: Mapping[int, Iterable[int]], kind: str = "sentence", rule: OverlapRule | None = None,
            include_interviewer: bool = False) -> Unitised:
    """Build the codes x coders x units stack.

    coded: coder index -> document indices that coder has coded; only documents coded by
    at least two coders enter the matrix, and a coder's units outside their own coded
    documents are nan.  Spans of other documents are ignored.
    """
    if kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit {kind!r}; use {', '.join(UNIT_KINDS)}")
    rule = rule or OverlapRule()
    n_docs, n_coders, n_codes = len(frame.documents), len(coders), len(codes)
    seen = np.zeros((n_coders, n_docs), dtype=bool)
    for c, docs in coded.items():
        idx = np.fromiter((int(d) for d in docs), dtype=np.int64)
        seen[c, idx] = True
    keep_doc = seen.sum(axis=0) >= 2
    u_doc, u_start, u_end, u_turn = _unit_table(frame, kind, keep_doc, include_interviewer)
    n_units = u_doc.size

    # empty + fill rather than zeros: zeros maps lazily zeroed pages, and the scattered writes
    # below would then fault them in one by one; one sequential pass is cheaper (0.4 s against
    # 6 s for the 1.3 GB stack of 10 coders on 10x the demo corpus on a quiet machine)
    stack = np.empty((n_codes, n_coders, n_units), dtype=np.float64)
    stack.fill(0.0)
    missing = ~seen[:, u_doc]  # coders x units
    if missing.any():  # a full pass over the stack; skipped when every coder saw every unit
        stack[:, missing] = np.nan

    # spans of kept documents that the coder has coded, merged per (coder, code, document)
    ok = keep_doc[spans.doc] & seen[spans.coder, spans.doc] & (spans.end > spans.start)
    group = (spans.coder[ok] * n_codes + spans.code[ok]) * n_docs + spans.doc[ok]
    g, s, e = _merge(group, spans.start[ok], spans.end[ok])
    if g.size and n_units:
        m_doc = g % n_docs
        # units are sorted by (doc, start) and do not overlap within a document, so one
        # global key finds the run of units each merged span touches
        big = int(max(u_end.max(), e.max())) + 2
        ukey_start = u_doc * big + u_start
        ukey_end = u_doc * big + u_end
        lo = np.searchsorted(ukey_end, m_doc * big + s, side="right")
        hi = np.searchsorted(ukey_start, m_doc * big + e, side="left")
        count = np.maximum(hi - lo, 0)
        span_of_pair = np.repeat(np.arange(g.size), count)
        unit_of_pair = np.repeat(lo, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
        overlap = (np.minimum(e[span_of_pair], u_end[unit_of_pair])
                   - np.maximum(s[span_of_pair], u_start[unit_of_pair]))
        cc = g[span_of_pair] // n_docs  # coder * n_codes + code
        cell = cc * n_units + unit_of_pair
        # Sum the overlap per (coder, code, unit) over the few cells that have any, rather than
        # into a second dense array the size of the stack (1.3 GB for 10 coders on 10x the demo
        # corpus).  Merged spans come sorted by (coder, code, document, start) and units
        # by (document, start), so equal cells are already adjacent; sort only if not.
        if cell.size > 1 and (cell[1:] < cell[:-1]).any():
            order = np.argsort(cell, kind="stable")
            cell, overlap = cell[order], overlap[order]
        first_of = np.flatnonzero(np.concatenate([[True], cell[1:] != cell[:-1]]))[:cell.size]
        cell = cell[first_of]
        total = np.add.reduceat(overlap, first_of) if cell.size else overlap
        unit = cell % n_units
        hit = rule.applies(total, (u_end - u_start)[unit]) & (total > 0)
        cc_hit = cell[hit] // n_units
        stack[cc_hit % n_codes, cc_hit // n_codes, unit[hit]] = 1.0

    turn_key = u_doc.astype(np.int64) * (int(u_turn.max()) + 1 if n_units else 1) + u_turn
    _, turn_cluster = np.unique(turn_key, return_inverse=True)
    _, doc_cluster = np.unique(u_doc, return_inverse=True)
    kept = [frame.documents[i] for i in np.flatnonzero(keep_doc)]
    return Unitised(
        kind=kind, rule=rule, coders=list(coders), codes=list(codes), documents=kept, stack=stack,
        unit_doc=u_doc, unit_start=u_start, unit_end=u_end, unit_turn=u_turn,
        turn_cluster=turn_cluster.ravel(), document_cluster=doc_cluster.ravel(),
        coded={name: [frame.documents[d] for d in np.flatnonzero(seen[i])] for i, name in enumerate(coders)},
        include_interviewer=include_interviewer, document_ids=list(frame.document_ids),
        frame_documents=list(frame.documents),
    )


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class Selection:
    """What to measure: coders (None = every coder, not a lead, with coded documents), codes, documents, groups."""

    coders: tuple[str, ...] | None = None
    codes: tuple[str, ...] | None = None
    documents: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    include_unfinished: bool = False


def load_unitised(session: Any, selection: Selection = Selection(), *, kind: str = "sentence",
                  rule: OverlapRule | None = None, include_interviewer: bool = False) -> Unitised:
    """Read codings, units and progress from the store and unitise them.

    A document counts as coded by a coder when the coder marked it done; with
    `include_unfinished`, also when the coder has any live coding in it.  The consensus
    coder is never one of the default coders (it is the outcome of agreement, not a coder).
    Raises CotagError when fewer than two coders have coded a common document.
    `session`: a plain Connection (`Project.reading()`, what `cotag agreement` uses) or a Session.
    """
    from cotag.errors import CotagError, NotFound
    # The plain column reads, not the ORM loaders: `cotag agreement` then starts without SQLModel and the
    # model classes (issue #14); `session` may be a plain Connection (Project.reading()) or a Session.
    from cotag.store import plain_reads as store
    from cotag.store.plain_reads import CONSENSUS_CODER, ROLE_LEAD, STATUS_ACTIVE

    doc_rows = store.document_ids(session, groups=selection.groups, external_ids=selection.documents)
    if selection.groups is not None:
        known_groups = store.group_names(session)
        unknown = [g for g in selection.groups if g not in known_groups]
        if unknown:
            raise NotFound(f"no document group {', '.join(map(repr, unknown))} "
                           f"(groups: {', '.join(sorted(map(str, known_groups))) or 'none yet'})")
    if selection.documents is not None:
        unknown = sorted(set(selection.documents) - {ext for _, ext in doc_rows})
        if unknown and selection.groups is not None:  # filtered out by --group, or not in the project at all?
            unknown = sorted(set(unknown) - store.existing_external_ids(session, external_ids=unknown))
        if unknown:
            raise NotFound(f"no document with id {', '.join(map(repr, unknown))} (see `cotag documents list`)")
    doc_index = {db_id: i for i, (db_id, _) in enumerate(doc_rows)}
    names = [ext for _, ext in doc_rows]

    all_coders = {name: (coder_id, role) for coder_id, name, role in store.coders(session)}
    if selection.coders is not None:
        unknown = [n for n in selection.coders if n not in all_coders]
        if unknown:
            raise NotFound(f"no coder named {', '.join(map(repr, unknown))} "
                           f"(coders: {', '.join(sorted(all_coders)) or 'none yet'})")
        coder_names = list(dict.fromkeys(selection.coders))
    else:
        # The default comparison is the coders': a lead who codes a document (to try a code, or to mark it
        # done) must not turn a pair into a three-way comparison. A lead is compared only when named.
        coder_names = sorted(n for n, (_, role) in all_coders.items() if n != CONSENSUS_CODER and role != ROLE_LEAD)
    coder_ids = [all_coders[n][0] for n in coder_names]
    cidx = {cid: i for i, cid in enumerate(coder_ids)}

    # The loaders read study work only: a trainee's practice (cotag.training) never counts here.
    coded: dict[int, set[int]] = {i: set() for i in range(len(coder_names))}
    if coder_ids:
        for coder_id, doc_id in store.done_pairs(session, coder_ids=coder_ids):
            if doc_id in doc_index:
                coded[cidx[coder_id]].add(doc_index[doc_id])
        if selection.include_unfinished:
            for coder_id, doc_id in store.coded_pairs(session, coder_ids=coder_ids):
                if doc_id in doc_index:
                    coded[cidx[coder_id]].add(doc_index[doc_id])
    if selection.coders is not None:
        # a named coder with no document in scope would count as a coder (Fleiss instead of Cohen,
        # "3 coders" in the methods paragraph) while contributing nothing
        idle = [coder_names[i] for i in range(len(coder_names)) if not coded[i]]
        if idle:
            hint = ("" if selection.include_unfinished
                    else " (documents count when marked done; see --include-unfinished)")
            raise CotagError(f"--coders: {', '.join(map(repr, idle))} coded no document in scope{hint}")
    if selection.coders is None:
        # default coders: those who have coded something in scope
        active = [i for i in range(len(coder_names)) if coded[i]]
        coder_names = [coder_names[i] for i in active]
        coder_ids = [coder_ids[i] for i in active]
        coded = {new: coded[old] for new, old in enumerate(active)}
        cidx = {cid: i for i, cid in enumerate(coder_ids)}
    if len(coder_names) < 2:
        hint = "" if selection.include_unfinished else " (documents count when marked done; see --include-unfinished)"
        if selection.coders is None and any(role == ROLE_LEAD for _, role in all_coders.values()):
            hint += "; leads are compared only when named in --coders"
        raise CotagError(f"agreement needs at least two coders who coded documents in scope; found "
                         f"{len(coder_names)}{': ' + ', '.join(coder_names) if coder_names else ''}{hint}")
    per_doc = np.zeros(len(names), dtype=int)
    for docs in coded.values():
        for d in docs:
            per_doc[d] += 1
    if not (per_doc >= 2).any():
        raise CotagError(f"no document in scope was coded by two or more of {', '.join(coder_names)}"
                         + ("" if selection.include_unfinished
                            else " (documents count when marked done; see --include-unfinished)"))

    # (id, key, parent id, status, position) by key, in the order (position, key)
    all_codes = {c[1]: c for c in sorted(store.codes(session), key=lambda c: (c[4], c[1]))}
    if selection.codes is not None:
        unknown = [k for k in selection.codes if k not in all_codes]
        if unknown:
            raise NotFound(f"no code with key {', '.join(map(repr, unknown))} (see `cotag codebook`)")
        code_keys = list(dict.fromkeys(selection.codes))
    else:
        used = store.used_code_ids(session, coder_ids=coder_ids)
        # active codes, plus retired ones that still carry these coders' codings
        code_keys = [k for k, c in all_codes.items() if c[3] == STATUS_ACTIVE or c[0] in used]
    code_index = {all_codes[k][0]: i for i, k in enumerate(code_keys)}

    wanted_docs = [doc_rows[i][0] for i in np.flatnonzero(per_doc >= 2)]
    unit_rows = [(doc_index[doc_id], start, end, turn, bool(interviewer)) for doc_id, _, start, end, turn, _, interviewer
                 in store.unit_columns(session, document_ids=wanted_docs)]
    span_rows = [(cidx[coder_id], code_index[code_id], doc_index[doc_id], start, end)
                 for _, doc_id, code_id, coder_id, start, end, _ in store.live_coding_columns(
                     session, coder_ids=coder_ids, document_ids=wanted_docs)
                 if code_id in code_index]
    frame = UnitFrame.from_rows(names, unit_rows, document_ids=[db_id for db_id, _ in doc_rows])
    data = unitise(frame, Spans.from_rows(span_rows), coders=coder_names, codes=code_keys,
                   coded={c: sorted(d) for c, d in coded.items()}, kind=kind, rule=rule,
                   include_interviewer=include_interviewer)
    parent_ids = {c[2] for c in all_codes.values() if c[2] is not None}
    data.parent_codes = [k for k in code_keys if all_codes[k][0] in parent_ids]
    if kind == "char":
        data.named_spans = [(coder_names[c], names[d], code_keys[k], s, e) for c, k, d, s, e in span_rows
                            if names[d] in data.coded[coder_names[c]]]
    return data
