"""Revision benchmark: correct every demo transcript after it was coded, revise all 187, and check where codings land.

Run: .venv/bin/python bench/revise_bench.py [--dir DEMO_PROJECT] [--seed N] [--repeat N] [--profile FILE]
Builds a fresh demo project (`cotag demo`), has two simulated coders code every document and write passage memos on
some of their codings' words (five per document), then a seeded editor
makes the corrections a transcriber's second pass makes, per document:
  - typo fixes inside coded sentences (two letters of a word swapped back),
  - words changed (one word for another), anywhere,
  - sentences inserted and deleted,
  - paragraphs split (a turn broken in two) and merged (a wrongly split turn joined to the one before),
  - speaker labels corrected (Interviewer: -> INTERVIEWER:),
  - lines re-wrapped (spaces inside a paragraph become line breaks).
The editor knows where every character went, so each coding and memo has a true place in the new text. Reported:
  - of the codings whose words still exist (no edit touched a letter of them), the share `cotag revise` puts on
    exactly the same words (goal >= 99.5%), and the same for passage memos,
  - codings and memos placed on other words without a flag (status kept or moved but not their true place; goal 0),
  - the time to revise all documents in one `cotag revise` (goal < 5 s), and the classes of all codings and memos.
With --repeat N the revision is run N times, each on a fresh copy of the same coded database (the machine may be
shared: the best and the median are reported); every run must class every item the same way.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

FILLER = ["Well, that is how it was.", "I should add something here.", "It was not easy for anyone.",
          "My neighbours said the same thing.", "Nobody asked us about it."]
REPLACEMENTS = ["really", "maybe", "certainly", "often", "people", "money", "work", "family", "city", "years"]
SENTENCE_END = re.compile(r"(?<=[.?!]) (?=[A-Z])")
WORD = re.compile(r"[A-Za-z]{4,}")
LABEL = re.compile(r"\n\n(Interviewer|Respondent): ")


class Editor:
    """Non-overlapping edits (start, end, replacement) on one text, applied at once, with the truth mapping."""

    def __init__(self, text: str):
        self.text = text
        self.edits: list[tuple[int, int, str]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end < s or start > e for s, e, _ in self.edits)

    def add(self, start: int, end: int, replacement: str) -> bool:
        if not self.free(start, end):
            return False
        self.edits.append((start, end, replacement))
        return True

    def apply(self) -> str:
        out, last = [], 0
        for start, end, rep in sorted(self.edits):
            out += [self.text[last:start], rep]
            last = end
        return "".join(out) + self.text[last:]

    def truth(self, start: int, end: int) -> tuple[bool, int, int]:
        """(words still exist, new start, new end) of old[start:end]."""
        exists = True
        shift_start = shift_end = 0
        for s, e, rep in self.edits:
            delta = len(rep) - (e - s)
            if e <= start:
                shift_start += delta
            if s < end and e <= end:
                shift_end += delta
            inside = (s < end and e > start) or (s == e and start < s < end)
            if inside and not (self.text[s:e].isspace() and rep.isspace()):
                exists = False
        return exists, start + shift_start, end + shift_end


def edit_document(text: str, codings: list[tuple[int, int]], rng: random.Random) -> Editor:
    editor = Editor(text)
    for _ in range(3):  # typo fixes inside coded sentences
        if not codings:
            break
        s, e = rng.choice(codings)
        words = [m for m in WORD.finditer(text, s, e)]
        if words:
            m = rng.choice(words)
            w = m.group()
            i = rng.randrange(1, len(w) - 2)
            editor.add(m.start(), m.end(), w[:i] + w[i + 1] + w[i] + w[i + 2:])
    for _ in range(3):  # words changed
        m = rng.choice(list(WORD.finditer(text)))
        editor.add(m.start(), m.end(), rng.choice(REPLACEMENTS))
    ends = [m.start() for m in SENTENCE_END.finditer(text)]
    for _ in range(2):  # sentences inserted
        at = rng.choice(ends)
        editor.add(at, at, " " + rng.choice(FILLER))
    for _ in range(1):  # a sentence deleted (with the space before it)
        i = rng.randrange(len(ends) - 1)
        if text[ends[i]:ends[i + 1]].count("\n") == 0:
            editor.add(ends[i], ends[i + 1], "")
    at = rng.choice(ends)  # a paragraph split inside a turn
    editor.add(at, at + 1, "\n\n")
    labels = list(LABEL.finditer(text))
    if len(labels) > 2:  # a wrongly split turn merged into the one before
        m = rng.choice(labels[1:])
        editor.add(m.start(), m.end(), " ")
        m = rng.choice(labels)  # a speaker label corrected
        editor.add(m.start() + 2, m.start() + 2 + len(m.group(1)), m.group(1).upper())
    for _ in range(2):  # a paragraph's lines re-wrapped
        para = rng.choice(labels).end() if labels else 0
        stop = text.find("\n\n", para)
        stop = len(text) if stop < 0 else stop
        for n, m in enumerate(re.finditer(" ", text[para:stop])):
            if n % 12 == 11:
                editor.add(para + m.start(), para + m.start() + 1, "\n")
    return editor


def add_passage_memos(project, rng: random.Random, per_document: int = 5) -> int:
    """Passage memos by the simulated coders on some of their codings' words (a memo on a span with no code)."""
    from sqlmodel import select

    from cotag.store.memos import add_memo
    from cotag.store.models import Coding

    count = 0
    with project.session() as session:
        by_doc: dict[int, list[Coding]] = {}
        for c in session.exec(select(Coding).where(Coding.deleted_at.is_(None)).order_by(Coding.id)):
            by_doc.setdefault(c.document_id, []).append(c)
        for document_id in sorted(by_doc):
            for c in rng.sample(by_doc[document_id], min(per_document, len(by_doc[document_id]))):
                add_memo(session, coder_id=c.coder_id, text="why this passage?", document_id=document_id,
                         start=c.start, end=c.end)
                count += 1
    return count


def check(rows, items, editors, texts, *, show: bool, label: str) -> tuple[int, int, int]:
    """(words still exist, on exactly the same words, on other words without a flag) for codings or memos."""
    from cotag.revision.align import words_of

    exist = exact = wrong_unflagged = 0
    for row_id, document_id, start, end in rows:
        item = items[row_id]
        still, s, e = editors[document_id].truth(start, end)
        placed = (item.new_start, item.new_end)
        unflagged = item.status in ("kept", "moved")
        if still:
            exist += 1
            exact += placed == (s, e)
            if unflagged and placed != (s, e):
                wrong_unflagged += 1
                if show:
                    old_text = editors[document_id].text
                    print(f"  WRONG {label} {item.status} {start}:{end} {old_text[start:end]!r} -> {placed} "
                          f"{texts[document_id][placed[0]:placed[1]]!r}; true {s}:{e} {texts[document_id][s:e]!r}")
        elif unflagged:
            # Its words were edited, yet it was not flagged: right only if the words it is on are its old ones.
            if words_of(texts[document_id][placed[0]:placed[1]]) != words_of(editors[document_id].text[start:end]):
                wrong_unflagged += 1
    return exist, exact, wrong_unflagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="where to build the demo project (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--show", action="store_true", help="print each coding placed on other words unflagged")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run the revision under cProfile and write its stats to this file (the first run)")
    parser.add_argument("--repeat", type=int, default=1, help="revise this many times, each on a fresh copy of the "
                                                              "coded database; report the best and the median")
    args = parser.parse_args()

    from sqlmodel import select

    from cotag.services import corpus as demo_setup
    from cotag.demo.project import corpus_root
    from cotag.demo import simulate
    from cotag.services import revision as service
    from cotag.project import open_project
    from cotag.store.models import Coding, Document, Memo, RevisionItem

    base = args.dir or Path(tempfile.mkdtemp(prefix="revise-bench-"))
    started = time.perf_counter()
    project, _ = demo_setup.ensure_demo_project(base / "demo", echo=lambda s: None)
    with project.session() as session:
        simulate.simulate_coders(session, ("bench_a", "bench_b"), noise=0.15, documents=None, seed=args.seed)
    memo_count = add_passage_memos(project, random.Random(args.seed + 1))
    print(f"demo project with every document coded by two simulated coders, {memo_count} passage memos: "
          f"{time.perf_counter() - started:.1f} s")

    rng = random.Random(args.seed)
    sources = {p.stem: p for p in (corpus_root() / "transcripts").rglob("*.md") if p.stem[0] in "EG"}
    out = base / "revised"
    editors: dict[int, Editor] = {}
    with project.session() as session:
        documents = list(session.exec(select(Document).order_by(Document.external_id)))
        codings = list(session.exec(select(Coding).where(Coding.deleted_at.is_(None))))
        by_doc: dict[int, list[Coding]] = {}
        for c in codings:
            by_doc.setdefault(c.document_id, []).append(c)
        for doc in documents:
            editor = edit_document(doc.text, [(c.start, c.end) for c in by_doc.get(doc.id, [])], rng)
            editors[doc.id] = editor
            raw = sources[doc.external_id].read_text(encoding="utf-8")
            front = raw[:raw.index("---\n", 4) + 4]
            target = out / sources[doc.external_id].parent.name / sources[doc.external_id].name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(front + editor.apply() + "\n", encoding="utf-8")
        memos = [(m.id, m.document_id, m.start, m.end) for m in session.exec(select(Memo).where(
            Memo.start.is_not(None)))]
    print(f"{len(documents)} documents edited: {sum(len(e.edits) for e in editors.values())} edits, "
          f"{len(codings)} live codings, {len(memos)} passage memos")
    project.close()
    # Every run starts from this copy of the coded database.
    database = base / "demo" / "cotag.db"
    pristine = base / "coded.db"
    shutil.copyfile(database, pristine)

    times: list[tuple[float, float]] = []
    outcomes: list[tuple] = []
    for run in range(args.repeat):
        for extra in ("-wal", "-shm"):
            Path(f"{database}{extra}").unlink(missing_ok=True)
        shutil.copyfile(pristine, database)
        project = open_project(base / "demo")
        profiler = None
        if args.profile and run == 0:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        report = service.revise_paths(project, paths=[out], lead="bench_lead")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        times.append((seconds, cpu))
        print(f"run {run + 1}: cotag revise of {len(report['revised'])} documents ({len(report['unchanged'])} "
              f"unchanged): {seconds:.2f} s (goal < 5 s), {cpu:.2f} s of CPU")
        with project.session() as session:
            items = {(i.kind, i.old_id): i for i in session.exec(select(RevisionItem))}
            texts = {d.id: d.text for d in session.exec(select(Document))}
        outcomes.append(tuple(sorted((k, i.status, i.new_start, i.new_end) for k, i in items.items())))
        project.close()
    if args.repeat > 1:
        walls, cpus = sorted(t for t, _ in times), sorted(c for _, c in times)
        print(f"{args.repeat} runs: best {walls[0]:.2f} s, median {statistics.median(walls):.2f} s wall; "
              f"best {cpus[0]:.2f} s, median {statistics.median(cpus):.2f} s CPU")
        print("every run classed and placed every item the same way: " + ("yes" if len(set(outcomes)) == 1 else "NO"))

    for kind, rows in (("coding", [(c.id, c.document_id, c.start, c.end) for c in codings]), ("memo", memos)):
        mine = {row_id: item for (k, row_id), item in items.items() if k == kind}
        classes = Counter(mine[row[0]].status for row in rows if row[0] in mine)
        accounted = sum(1 for row in rows if row[0] in mine)
        exist, exact, wrong = check(rows, mine, editors, texts, show=args.show, label=kind)
        print(f"{kind}s accounted for: {accounted} of {len(rows)}; classes: "
              + ", ".join(f"{k} {classes.get(k, 0)}" for k in ("kept", "moved", "changed", "orphaned")))
        print(f"  words still exist: {exist}; on exactly the same words: {exact} = {100 * exact / max(exist, 1):.2f}% "
              f"(goal >= 99.5%)")
        print(f"  placed on other words without a flag: {wrong} (goal 0)")


if __name__ == "__main__":
    main()
