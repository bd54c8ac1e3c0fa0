"""Whole small studies for the invariant suite: what hypothesis draws, and how a study is put into a project.

A `Study` is plain data (documents as speaker turns of sentences, a codebook, coders, a lead, codings,
memos, progress and codebook changes made mid-way), so that hypothesis can shrink it. `build_study`
puts it into a project through the paths the CLI and the coder's screen use: documents as the importer
lays them out (tests/factories.py), `cotag codings import` for the bulk of the codings, `CodingSession`
for codings with memos and for marking documents done, and the lead's codebook operations between the
two halves of the coding.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

WORDS = ("work", "family", "visa", "salary", "home", "lab", "city", "friends", "language", "weather", "rent",
         "career", "school", "children", "parents", "future", "money", "hope")
CODERS = ("ana", "ben", "caro", "dev")
LEAD = "lena"
# Parent-first, as make_codes wants them: two themes with sub-codes, and two top-level codes.
CODEBOOK = (("push", "Push factors", None), ("jobs", "Jobs", "push"), ("housing", "Housing", "push"),
            ("pull", "Pull factors", None), ("family", "Family", "pull"), ("career", "Career", "pull"),
            ("climate", "Climate", None), ("language", "Language", None))
UNUSED_CODES = (("unused_a", "Never applied A", None), ("unused_b", "Never applied B", "pull"),
                ("unused_c", "Never applied C", None))
GROUPS = ("expert", "graduate")
GENDERS = ("woman", "man", "non-binary")
OCCUPATIONS = ("engineer", "nurse", "researcher", "teacher")
PLACES = ("Berlin", "Lisbon", "Toronto")
MEMOS = ("unsure about the boundary", "strong example", "ironic?", "see the earlier answer")

# What the coders of one document do, so that every kind of document turns up in small studies.
PATTERNS = ("agree", "one_coder", "disagree", "mixed", "uncoded")


@dataclass(frozen=True)
class DocumentSpec:
    external_id: str
    group: str
    attributes: tuple[tuple[str, Any], ...]
    turns: tuple[tuple[str, tuple[str, ...]], ...]

    def units(self) -> list[tuple[int, int, int, bool]]:
        """(start, end, turn, is_interviewer) of each sentence, in the layout tests/factories.py writes."""
        out, pos = [], 0
        for turn, (speaker, sentences) in enumerate(self.turns):
            if turn:
                pos += 2
            pos += len(speaker) + 2
            for i, sentence in enumerate(sentences):
                if i:
                    pos += 1
                out.append((pos, pos + len(sentence), turn, speaker == "Interviewer"))
                pos += len(sentence)
        return out


@dataclass(frozen=True)
class CodingSpec:
    coder: str
    document: str
    code: str  # the key in the original codebook; codebook changes made mid-way are followed when applying
    start: int
    end: int
    memo: str = ""


@dataclass(frozen=True)
class Study:
    documents: tuple[DocumentSpec, ...]
    coders: tuple[str, ...]
    before: tuple[CodingSpec, ...]  # coded before the lead's codebook changes
    after: tuple[CodingSpec, ...]  # coded after them
    done: tuple[tuple[str, str], ...]  # (coder, document) marked done
    memos: tuple[tuple[str, str, str], ...]  # (coder, document, text): document memos
    lead_codings: tuple[CodingSpec, ...]
    third: tuple[CodingSpec, ...]  # a further coder's work, added by the laws that need one
    renames: tuple[tuple[str, str], ...] = ()  # (old key, new key)
    merges: tuple[tuple[str, str], ...] = ()  # (source key, target key)
    patterns: tuple[str, ...] = ()  # per document, for reading a failing example

    @property
    def pair(self) -> tuple[str, str]:
        return self.coders[0], self.coders[1]

    def key_now(self, key: str) -> str:
        """A key as the codebook names it after the lead's changes."""
        for source, target in self.merges:
            if key == source:
                key = target
        for old, new in self.renames:
            if key == old:
                key = new
        return key

    def without_codebook_changes(self) -> "Study":
        """The study as a coder's copy sees it: made before the lead renamed or merged any code."""
        return replace(self, renames=(), merges=())

    def with_document_order(self, order: list[int]) -> "Study":
        return replace(self, documents=tuple(self.documents[i] for i in order))


# ---------------------------------------------------------------- strategies

@st.composite
def document_specs(draw, index: int) -> DocumentSpec:
    n_turns = draw(st.integers(1, 3))
    turns = []
    for t in range(n_turns):
        speaker = "Interviewer" if t % 2 == 0 and n_turns > 1 else f"R{index}"
        sentences = []
        for _ in range(draw(st.integers(1, 3))):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=6))
            sentences.append(" ".join(words).capitalize() + ".")
        turns.append((speaker, tuple(sentences)))
    attributes = {"gender": draw(st.sampled_from(GENDERS)), "age": draw(st.integers(24, 70)),
                  "occupation": draw(st.sampled_from(OCCUPATIONS)), "place": draw(st.sampled_from(PLACES))}
    if draw(st.booleans()):
        del attributes[draw(st.sampled_from(sorted(attributes)))]  # a missing attribute is a column of its own
    return DocumentSpec(external_id=f"I{index:02d}", group=draw(st.sampled_from(GROUPS)),
                        attributes=tuple(sorted(attributes.items())), turns=tuple(turns))


@st.composite
def spans(draw, document: DocumentSpec) -> tuple[int, int]:
    """A whole sentence, a few words of one (sub-sentence), or a run of sentences of one turn."""
    units = document.units()
    text_of = _text(document)
    i = draw(st.integers(0, len(units) - 1))
    start, end, turn, _ = units[i]
    kind = draw(st.sampled_from(("sentence", "words", "run")))
    if kind == "words":
        words = _word_spans(text_of, start, end)
        a = draw(st.integers(0, len(words) - 1))
        b = draw(st.integers(a, len(words) - 1))
        return words[a][0], words[b][1]
    if kind == "run":
        j = i
        while j + 1 < len(units) and units[j + 1][2] == turn and draw(st.booleans()):
            j += 1
        return start, units[j][1]
    return start, end


def _text(document: DocumentSpec) -> str:
    parts = []
    for turn, (speaker, sentences) in enumerate(document.turns):
        if turn:
            parts.append("\n\n")
        parts.append(f"{speaker}: " + " ".join(sentences))
    return "".join(parts) + "\n"


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for word in text[start:end].split(" "):
        if word:
            out.append((pos, pos + len(word)))
        pos += len(word) + 1
    return out


@st.composite
def readings(draw, document: DocumentSpec, codes: list[str], *, min_size: int = 1) -> list[tuple[str, int, int]]:
    """(code, start, end) a coder might mark in a document; no span twice with one code."""
    found = draw(st.lists(st.tuples(st.sampled_from(codes), spans(document)), min_size=min_size, max_size=4))
    return list(dict.fromkeys((code, s, e) for code, (s, e) in found))


@st.composite
def studies(draw, *, max_documents: int = 30, codebook_changes: bool = True) -> Study:
    n_docs = draw(st.integers(3, max_documents))
    documents = [draw(document_specs(i + 1)) for i in range(n_docs)]
    coders = CODERS[:draw(st.integers(2, 4))]
    codes = [key for key, _, _ in CODEBOOK]
    renames: tuple[tuple[str, str], ...] = ()
    merges: tuple[tuple[str, str], ...] = ()
    if codebook_changes and draw(st.booleans()):
        renames = (("climate", "environment"),)
    if codebook_changes and draw(st.booleans()):
        merges = (("housing", "jobs"),)
    split = draw(st.integers(0, n_docs))  # documents before it are coded before the codebook changes
    codings: list[CodingSpec] = []
    done: list[tuple[str, str]] = []
    patterns: list[str] = []
    for index, document in enumerate(documents):
        pattern = draw(st.sampled_from(PATTERNS))
        patterns.append(pattern)
        doc = document.external_id
        pair = list(coders[:2])
        others = [c for c in coders[2:] if draw(st.booleans())]
        per_coder: dict[str, list[tuple[str, int, int]]] = {}
        if pattern == "agree":
            base = draw(readings(document, codes))
            per_coder = {c: list(base) for c in pair + others}
        elif pattern == "one_coder":
            per_coder = {draw(st.sampled_from(pair)): draw(readings(document, codes))}
        elif pattern == "disagree":
            base = draw(readings(document, codes))
            # the second coder reads the same passages with other codes
            per_coder = {pair[0]: base,
                         pair[1]: list(dict.fromkeys((codes[(codes.index(k) + 1) % len(codes)], s, e)
                                                     for k, s, e in base))}
        elif pattern == "mixed":
            base = draw(readings(document, codes))
            for c in pair + others:
                kept = [r for r in base if draw(st.booleans())]
                extra = draw(readings(document, codes, min_size=0))
                per_coder[c] = list(dict.fromkeys(kept + extra))
        for coder, found in per_coder.items():
            for code, s, e in found:
                memo = draw(st.sampled_from(("",) * 6 + MEMOS))
                codings.append(CodingSpec(coder, doc, code, s, e, memo))
        coded = set(per_coder) if pattern != "uncoded" else set(pair if draw(st.booleans()) else [])
        for coder in coders:
            # Coders mark what they coded done; sometimes also a document where they found nothing to code.
            if coder in coded or (pattern in ("one_coder", "agree") and coder in pair and draw(st.booleans())):
                done.append((coder, doc))
    before = tuple(c for c in codings if int(c.document[1:]) <= split)
    after = tuple(c for c in codings if int(c.document[1:]) > split)
    memos = tuple((draw(st.sampled_from(coders)), draw(st.sampled_from(documents)).external_id,
                   draw(st.sampled_from(MEMOS))) for _ in range(draw(st.integers(0, 3))))
    lead_codings = tuple(CodingSpec(LEAD, d.external_id, code, s, e)
                         for d in draw(st.lists(st.sampled_from(documents), min_size=1, max_size=4, unique=True))
                         for code, s, e in draw(readings(d, codes)))
    third_docs = draw(st.lists(st.sampled_from(documents), min_size=1, max_size=5, unique=True))
    third = tuple(CodingSpec("zoe", d.external_id, code, s, e)
                  for d in third_docs for code, s, e in draw(readings(d, codes)))
    return Study(documents=tuple(documents), coders=tuple(coders), before=before, after=after,
                 done=tuple(dict.fromkeys(done)), memos=memos, lead_codings=lead_codings, third=third,
                 renames=renames, merges=merges, patterns=tuple(patterns))


# ---------------------------------------------------------------- putting a study into a project

def build_study(project, study: Study, *, workdir: Path, coders: tuple[str, ...] | None = None,
                lead_codes: bool = False, unused_codes: bool = False, third: bool = False) -> None:
    """Documents, codebook, lead and the chosen coders' work (default: every coder of the study)."""
    from factories import make_codes, make_document

    from cotag.services import codebook as codebook_ops
    from cotag.store import coders as coder_store

    workdir.mkdir(parents=True, exist_ok=True)
    who = set(study.coders if coders is None else coders)
    with project.session() as session:
        for document in study.documents:
            make_document(session, document.external_id, document.turns, group=document.group,
                          attributes=dict(document.attributes))
        # Unused codes, one of them a sub-code, in the same codebook (make_codes resolves parents within one call).
        make_codes(session, list(CODEBOOK) + (list(UNUSED_CODES) if unused_codes else []))
        coder_store.get_or_create_coder(session, name=LEAD, role="lead")
    _apply_codings(project, [c for c in study.before if c.coder in who], workdir / "before.csv", keys=lambda k: k)
    for old, new in study.renames:
        codebook_ops.run_operation(project, "rename", key=old, new_key=new, lead=LEAD)
    for source, target in study.merges:
        codebook_ops.run_operation(project, "merge", source=source, target=target, lead=LEAD)
    _apply_codings(project, [c for c in study.after if c.coder in who], workdir / "after.csv", keys=study.key_now)
    _mark_done(project, [(c, d) for c, d in study.done if c in who])
    _add_memos(project, [m for m in study.memos if m[0] in who])
    if lead_codes:
        _apply_codings(project, list(study.lead_codings), workdir / "lead.csv", keys=study.key_now)
        _mark_done(project, [(LEAD, c.document) for c in study.lead_codings])
    if third:
        _apply_codings(project, list(study.third), workdir / "third.csv", keys=study.key_now)
        _mark_done(project, [("zoe", c.document) for c in study.third])


# A coder's first few codings with memos and documents marked done go through CodingSession, one committed
# transaction each as on the coder's screen; the rest in one transaction each (`cotag codings import`, and the
# progress rows mark_done writes), which keeps a 30-interview study fast on PostgreSQL.
BY_HAND = 2


def _apply_codings(project, codings: list[CodingSpec], path: Path, *, keys) -> None:
    """Codings through `cotag codings import` (one transaction), a coder's first codings with memos by hand."""
    from cotag.coding import CodingSession
    from cotag.services.coding import import_codings
    from cotag.errors import CotagError
    from cotag.store.documents import require_document

    seen: set[tuple] = set()
    bulk, by_hand = [], []
    memos_by = dict.fromkeys((c.coder for c in codings), 0)
    for c in codings:
        key = keys(c.code)
        ident = (c.coder, c.document, key, c.start, c.end)
        if ident in seen:  # a merged code can make two of a coder's readings one
            continue
        seen.add(ident)
        if c.memo and memos_by[c.coder] < BY_HAND:
            memos_by[c.coder] += 1
            by_hand.append((c, key))
        else:
            bulk.append((c, key))
    if bulk:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["document", "coder", "code", "start", "end", "memo"])
            for c, key in bulk:
                writer.writerow([c.document, c.coder, key, c.start, c.end, c.memo])
        import_codings(project, path=path, lead=LEAD)
    if by_hand:
        with project.session() as session:
            ids = {c.document: require_document(session, external_id=c.document).id for c, _ in by_hand}
        for coder, group in itertools.groupby(sorted(by_hand, key=lambda item: item[0].coder),
                                              key=lambda item: item[0].coder):
            work = CodingSession(project, coder=coder, lead=coder == LEAD)
            for c, key in group:
                try:
                    work.apply(document_id=ids[c.document], code=key, start=c.start, end=c.end, memo=c.memo)
                except CotagError as exc:  # the same reading was already imported without its memo
                    assert "already on" in str(exc), exc


def _mark_done(project, pairs: list[tuple[str, str]]) -> None:
    from cotag.coding import DONE, CodingSession
    from cotag.store import coders as coder_store
    from cotag.store import progress as progress_store
    from cotag.store.documents import require_document
    from cotag.store.events import log_event
    from cotag.store.models import PROGRESS_DONE

    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return
    with project.session() as session:
        ids = {d: require_document(session, external_id=d).id for _, d in pairs}
    rest = []
    for coder, group in itertools.groupby(sorted(pairs), key=lambda p: p[0]):
        group = list(group)
        work = CodingSession(project, coder=coder, lead=coder == LEAD)
        for _, document in group[:BY_HAND]:
            work.mark_done(document_id=ids[document])
        rest += group[BY_HAND:]
    with project.session() as session:
        for coder, document in rest:  # what CodingSession.mark_done writes, in one transaction
            who = coder_store.require_coder(session, name=coder)
            progress_store.touch(session, coder_id=who.id, document_id=ids[document], status=PROGRESS_DONE)
            log_event(session, kind=DONE, actor=coder, payload={"document": document, "coder": coder})


def _add_memos(project, memos: list[tuple[str, str, str]]) -> None:
    from cotag.store import coders as coder_store
    from cotag.store.documents import require_document
    from cotag.store.memos import add_memo

    with project.session() as session:
        for coder, document, text in memos:
            who = coder_store.get_or_create_coder(session, name=coder)
            add_memo(session, coder_id=who.id, document_id=require_document(session, external_id=document).id,
                     title=f"{coder} on {document}", text=text)


# ---------------------------------------------------------------- reading a project back

def live_codings(project, *, coders: list[str] | None = None) -> list[tuple]:
    """(document, code, coder, start, end, memo) of every live coding, sorted."""
    from cotag.store.codings import list_codings

    with project.session() as session:
        return sorted((r.document, r.code, r.coder, r.start, r.end, r.memo)
                      for r in list_codings(session, coders=coders))


def duplicate_live_codings(project) -> list[tuple]:
    """Live codings sharing (document, coder, code, start, end), straight from the table."""
    from sqlalchemy import func
    from sqlmodel import select

    from cotag.store.models import Coding

    with project.session() as session:
        query = (select(Coding.document_id, Coding.coder_id, Coding.code_id, Coding.start, Coding.end, func.count())
                 .where(Coding.deleted_at.is_(None))
                 .group_by(Coding.document_id, Coding.coder_id, Coding.code_id, Coding.start, Coding.end)
                 .having(func.count() > 1))
        return list(session.exec(query).all())


def consensus_documents(project) -> set[str]:
    """The documents the consensus quote table covers; none when the export refuses (no consensus coding yet)."""
    from cotag.errors import CotagError
    from cotag.export.quotes import collect_quotes
    from cotag.export.scope import Scope

    with project.session() as session:
        try:
            quotes = collect_quotes(session, Scope(consensus=True))
        except CotagError as exc:
            assert "no consensus coding yet" in str(exc), exc
            return set()
    return set(quotes.data["document"])


def memo_rows(project) -> list[tuple]:
    from cotag.store.memos import list_memos

    with project.session() as session:
        return sorted((m.coder, m.document, m.code, m.title, m.text) for m in list_memos(session))


def attribute_rows(project) -> list[tuple]:
    from cotag.services import documents_table

    return sorted((d["id"], d["group"], tuple(sorted((k, str(v)) for k, v in d["attributes"].items())))
                  for d in documents_table(project))
