"""Export benchmark: every quote table and matrix for the whole demo corpus, two coders' full codings.

Run: .venv/bin/python bench/export_bench.py [--dir DEMO_PROJECT] [--repeat N] [--per-command] [--cli]
Builds (or reuses) the demo project, loads transcripts/reference.csv as coder_a's coding and a seeded
perturbation of it (10% of codings dropped or moved to the next sentence) as coder_b's, then times
`export_tables` (what `cotag export tables` runs: the project read once, every table written from it) and,
with --per-command, each `cotag export quotes|matrix` on its own; with --cli, `cotag export tables` as a fresh
process, so interpreter start and library imports count too. Prints wall and CPU seconds (best of N); CPU time
is the steadier figure on a shared machine. Target: all tables in under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "transcripts" / "reference.csv"
CODER_A, CODER_B = "coder_a", "coder_b"
MATRIX_BY = ("group", "place", "gender", "age_band", "occupation", "degree_country")


def _locate(text: str, wanted: str, start: int) -> int | None:
    """Where the reference's excerpt sits in the imported text: at its offset, else the nearest occurrence."""
    if text[start:start + len(wanted)] == wanted:
        return start
    found, at = [], text.find(wanted)
    while at >= 0:
        found.append(at)
        at = text.find(wanted, at + 1)
    return min(found, key=lambda i: abs(i - start)) if found else None


def load_reference(session, path: Path, *, coder: str, drop: float = 0.0, move: float = 0.0, seed: int = 7) -> int:
    """Add reference.csv (document,code,start,end,text) as one coder's codings; returns how many were added.

    With drop/move, that share of rows is left out or moved to the following sentence (seeded), which gives
    a second coder who mostly agrees. Refuses rows whose text cannot be found: a silent miss would skew counts.
    """
    from sqlmodel import select

    from cotag.export.scope import STRIDE, load_units
    from cotag.store.codes import list_codes
    from cotag.store.coders import get_or_create_coder
    from cotag.store.codings import add_codings
    from cotag.store.models import Document

    documents = {d.external_id: d for d in session.exec(select(Document))}
    codes = {c.key: c for c in list_codes(session)}
    coder_id = get_or_create_coder(session, name=coder).id
    units = load_units(session, [d.id for d in documents.values()])
    rng = random.Random(seed)
    rows, missing = [], []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            document, code = documents.get(row["document"]), codes.get(row["code"])
            start = _locate(document.text, row["text"], int(row["start"])) if document else None
            if document is None or code is None or start is None:
                missing.append(f"{path}:{line}: {row['document']} {row['code']} {row['text'][:40]!r}")
                continue
            end = start + len(row["text"])
            roll = rng.random()
            if roll < drop:
                continue
            if roll < drop + move:
                following = int(units.key.searchsorted(document.id * STRIDE + end))
                if following >= len(units) or units.document_id[following] != document.id:
                    continue
                start, end = int(units.start[following]), int(units.end[following])
            rows.append({"document_id": document.id, "code_id": code.id, "coder_id": coder_id, "start": start,
                         "end": end})
    if missing:
        raise SystemExit(f"{len(missing)} reference rows not found in the project:\n" + "\n".join(missing[:10]))
    add_codings(session, rows=rows)
    return len(rows)


def prepare(directory: Path):
    from cotag.services.corpus import ensure_demo_project
    from cotag.store.coders import get_coder
    from cotag.store.codings import count_live

    project, created = ensure_demo_project(directory, echo=lambda _: None)
    with project.session() as session:
        counts = {}
        for name, drop, move in ((CODER_A, 0.0, 0.0), (CODER_B, 0.05, 0.05)):
            coder = get_coder(session, name=name)
            if coder is None or count_live(session, coder_id=coder.id) == 0:
                load_reference(session, REFERENCE, coder=name, drop=drop, move=move)
            counts[name] = count_live(session, coder_id=get_coder(session, name=name).id)
    return project, created, counts


def timed(run, repeat: int):
    """Best wall and CPU seconds over `repeat` runs, and the last result."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(max(repeat, 1)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def per_command_cases(out: Path):
    """(label, function) for each export as `cotag export quotes|matrix` runs it: its own load, one file."""
    from cotag.services.export import export_matrix
    from cotag.services.export import export_quotes
    from cotag.export.scope import Scope

    both = Scope(coders=(CODER_A, CODER_B))
    for fmt in ("csv", "xlsx", "md", "docx"):
        yield f"quotes, {fmt}", lambda p, f=fmt: export_quotes(p, out / f"quotes.{f}", scope=both)
    for by in MATRIX_BY:
        yield f"matrix by {by}, xlsx", lambda p, b=by: export_matrix(p, out / f"matrix-{b}.xlsx", scope=both, by=b)
    for within in ("unit", "document"):
        yield (f"co-occurrence by {within}, xlsx",
               lambda p, w=within: export_matrix(p, out / f"co-{w}.xlsx", scope=both, within=w))


def analysis_screen_data(project, scope) -> int:
    """What the TUI's analysis screen computes in its worker when it opens (one read of the project)."""
    from cotag.services.export import load_analysis

    analysis = load_analysis(project, scope)
    analysis.prevalence("group")
    analysis.prevalence_table("group")
    analysis.cooccurrence("unit")
    codes = analysis.codes()
    analysis.quote_table().quotes
    return len(codes)


def cli_run(project_dir: Path, out: Path, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of `cotag export tables` as its own process: what a user waits for."""
    command = [str(Path(sys.executable).with_name("cotag")), "--project", str(project_dir), "export", "tables",
               str(out), "--coder", f"{CODER_A},{CODER_B}", "--matrix-formats", "xlsx"]
    best_wall = best_cpu = float("inf")
    for _ in range(max(repeat, 1)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best_wall = min(best_wall, time.perf_counter() - wall)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="demo project folder to build or reuse (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best is reported")
    parser.add_argument("--per-command", action="store_true", help="also time each export command on its own")
    parser.add_argument("--cli", action="store_true",
                        help="also time `cotag export tables` run as a new process (start-up and imports included)")
    args = parser.parse_args()
    if not REFERENCE.is_file():
        raise SystemExit(f"{REFERENCE}: demo corpus missing (make corpus)")
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp) / "demo"
        started = time.perf_counter()
        project, created, counts = prepare(directory)
        setup = time.perf_counter() - started
        from cotag import services
        from cotag.export.bundle import MATRIX_FORMATS, QUOTE_FORMATS
        from cotag.services.export import export_tables
        from cotag.export.scope import Scope

        status = services.status(project)
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python "
              f"{sys.version.split()[0]}; demo project {'built' if created else 'reused'} in {setup:.1f} s: "
              f"{sum(status['documents'].values())} documents, {status['units']} units; codings {counts}")
        out = Path(tmp) / "out"
        both = Scope(coders=(CODER_A, CODER_B))
        started = time.perf_counter()
        export_tables(project, out / "warm", scope=both)  # pays once for importing pandas, numpy, python-docx
        print(f"first run, with library imports: {time.perf_counter() - started:.2f} s")
        rows = []
        for label, quote_formats, matrix_formats in (
                ("all tables: quotes csv/xlsx/md/docx, matrices xlsx", QUOTE_FORMATS, ("xlsx",)),
                ("all tables, every format (28 files)", QUOTE_FORMATS, MATRIX_FORMATS)):
            wall, cpu, bundle = timed(lambda: export_tables(project, out / "bundle", scope=both,
                                                            quote_formats=quote_formats,
                                                            matrix_formats=matrix_formats), args.repeat)
            quotes = next(f["quotes"] for f in bundle.files if "quotes" in f)
            rows.append((f"{label}", wall, cpu, f"{len(bundle.files)} files, {quotes} quotes"))
        wall, cpu, codes = timed(lambda: analysis_screen_data(project, both), args.repeat)
        rows.append(("analysis screen, on opening", wall, cpu, f"{codes} codes"))
        if args.per_command:
            for label, run in per_command_cases(out):
                wall, cpu, (summary, _) = timed(lambda r=run: r(project), args.repeat)
                rows.append((f"  {label}", wall, cpu, str(summary.get("quotes", "") or summary.get("codes"))))
            own = [r for r in rows if r[0].startswith("  ")]
            rows.append(("  sum of the commands above", sum(r[1] for r in own), sum(r[2] for r in own), ""))
        if args.cli:
            wall, cpu = cli_run(directory, out / "cli", args.repeat)
            rows.append(("`cotag export tables`, new process (12 files)", wall, cpu, "start-up, imports included"))
        print(f"{'case':<55} {'wall s':>7} {'cpu s':>7}  rows")
        for label, wall, cpu, note in rows:
            print(f"{label:<55} {wall:>7.2f} {cpu:>7.2f}  {note}")
        print(f"load average at the end {os.getloadavg()[0]:.1f}; target: all tables < 2 s")
        project.close()


if __name__ == "__main__":
    main()
