"""Reconcile and codebook benchmark: list every disagreement on the demo corpus, write the agreed consensus, merge codes.

Run: .venv/bin/python bench/reconcile_bench.py [--dir DEMO_PROJECT] [--repeat N]
Builds (or reuses) the demo project, loads transcripts/reference.csv as coder_a's full coding and a seeded
perturbation of it as coder_b's (5% dropped, 5% moved to the next sentence, 5% trimmed by a word, 3% given
another code), then times, best of N:
  - listing all disagreements between the two coders over the whole corpus (target < 1 s),
  - the same through `cotag reconcile list --json` in-process (parsing, the query, JSON output),
  - the review of agreed spans and writing them into the consensus,
  - merging the two most-used codes (thousands of codings; rolled back after each run so runs repeat).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "transcripts" / "reference.csv"
CODER_A, CODER_B, LEAD = "coder_a", "coder_b", "bench_lead"


def _locate(text: str, wanted: str, start: int) -> int | None:
    """The excerpt's offset in the imported text: where the reference says, else the nearest occurrence."""
    if text[start:start + len(wanted)] == wanted:
        return start
    found, at = [], text.find(wanted)
    while at >= 0:
        found.append(at)
        at = text.find(wanted, at + 1)
    return min(found, key=lambda i: abs(i - start)) if found else None


def load_reference(session, *, coder: str, perturb: bool, seed: int = 11) -> int:
    """reference.csv as one coder's codings; with perturb, a seeded second reading that mostly agrees."""
    from sqlmodel import select

    from cotag.store.coders import get_or_create_coder
    from cotag.store.codes import list_codes
    from cotag.store.codings import add_codings, unit_spans
    from cotag.store.models import Document

    documents = {d.external_id: d for d in session.exec(select(Document))}
    codes = {c.key: c for c in list_codes(session)}
    keys = sorted(k for k, c in codes.items() if c.parent_id is not None)
    coder_id = get_or_create_coder(session, name=coder).id
    rng = random.Random(seed)
    units: dict[int, list] = {}
    rows, missing = [], 0
    with REFERENCE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            document, code = documents.get(row["document"]), codes.get(row["code"])
            start = _locate(document.text, row["text"], int(row["start"])) if document else None
            if document is None or code is None or start is None:
                missing += 1
                continue
            end, code_id = start + len(row["text"]), code.id
            if perturb:
                roll = rng.random()
                if roll < 0.05:
                    continue
                if roll < 0.10:
                    spans = units.setdefault(document.id, unit_spans(session, document_id=document.id))
                    later = [u for u in spans if u[1] >= end]
                    if not later:
                        continue
                    start, end = later[0][1], later[0][2]
                elif roll < 0.15:
                    space = document.text.find(" ", start, end)
                    start = space + 1 if 0 < space < end - 1 else start
                elif roll < 0.18:
                    code_id = codes[rng.choice(keys)].id
            rows.append({"document_id": document.id, "code_id": code_id, "coder_id": coder_id, "start": start,
                         "end": end})
    if missing:
        raise SystemExit(f"{missing} reference rows not found in the demo project: rebuild it")
    add_codings(session, rows=rows)
    return len(rows)


def prepare(directory: Path):
    from cotag.services.corpus import ensure_demo_project
    from cotag.reconcile import require_lead
    from cotag.store.coders import get_coder
    from cotag.store.codings import count_live

    project, created = ensure_demo_project(directory, echo=lambda _: None)
    counts = {}
    with project.session() as session:
        require_lead(session, name=LEAD)
        for name, perturb in ((CODER_A, False), (CODER_B, True)):
            coder = get_coder(session, name=name)
            if coder is None or count_live(session, coder_id=coder.id) == 0:
                load_reference(session, coder=name, perturb=perturb)
            counts[name] = count_live(session, coder_id=get_coder(session, name=name).id)
    return project, created, counts


def best_of(repeat: int, job) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="demo project folder to build or reuse (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best is reported")
    args = parser.parse_args()
    if not REFERENCE.is_file():
        raise SystemExit(f"{REFERENCE}: demo corpus missing (make corpus)")
    from typer.testing import CliRunner

    from cotag import codebook_ops, reconcile
    from cotag.services import reconcile as reconcile_service
    from cotag.cli import app
    from cotag.store.codes import coding_counts
    from cotag.store.models import Code

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp) / "demo"
        started = time.perf_counter()
        project, created, counts = prepare(directory)
        setup = time.perf_counter() - started
        pair = [CODER_A, CODER_B]
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; demo project "
              f"{'built' if created else 'reused'} in {setup:.1f} s; codings {counts}")

        listing, found = best_of(args.repeat, lambda: reconcile_service.list_disagreements(project, coders=pair))
        runner = CliRunner()
        cli_args = ["--project", str(project.root), "reconcile", "list", "--coders", ",".join(pair), "--json"]
        cli, result = best_of(args.repeat, lambda: runner.invoke(app, cli_args))
        assert result.exit_code == 0, result.output

        def review():
            with project.session() as session:
                return reconcile.agreed_table(session, coders=pair)

        agreed_s, agreed = best_of(args.repeat, review)
        with project.session() as session:
            started = time.perf_counter()
            written = reconcile.write_agreed(session, lead=LEAD, coders=pair)
            write_s = time.perf_counter() - started

        with project.session() as session:
            usage = coding_counts(session)
            top = sorted(usage, key=usage.get, reverse=True)[:2]
            source, target = (session.get(Code, i).key for i in top)
        merge_times, moved = [], 0
        for _ in range(max(args.repeat, 1)):
            # A session rolled back by hand: the merge runs for real, then is undone so the next run repeats it.
            from sqlmodel import Session

            with Session(project.engine) as session:
                started = time.perf_counter()
                moved = codebook_ops.merge(session, source=source, target=target, lead=LEAD)["codings"]
                session.flush()
                merge_times.append(time.perf_counter() - started)
                session.rollback()

        per_doc: dict[str, int] = {}
        for row in found:
            per_doc[row["document"]] = per_doc.get(row["document"], 0) + 1
        print(f"{'case':<58} {'best s':>7}")
        print(f"{f'list all disagreements ({len(found)} in {len(per_doc)} documents)':<58} {listing:>7.3f}")
        print(f"{'`cotag reconcile list --json`, in-process':<58} {cli:>7.3f}")
        print(f"{f'review agreed spans ({len(agreed)})':<58} {agreed_s:>7.3f}")
        print(f"{f'write agreed spans into the consensus ({written} added, once)':<58} {write_s:>7.3f}")
        print(f"{f'merge {source} into {target} ({moved} codings)':<58} {min(merge_times):>7.3f}")
        print(f"target: listing < 1 s -> {'met' if listing < 1.0 else 'MISSED'}")
        project.close()


if __name__ == "__main__":
    main()
