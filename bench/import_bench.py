"""Import benchmark: `cotag import` of the demo corpus (and a 10x copy) vs the floor of spaCy + SQLModel alone.

Run: .venv/bin/python bench/import_bench.py [--quick] [--no-postgres] [--repeat N]

Every case runs as its own process, as a user would run it, so start-up costs count. Each is run
N times (default 3) and the fastest run is reported, with its CPU time (user + system) and peak
memory (max RSS of that process): on a shared machine the best wall time and the CPU time are the
figures that reflect the code rather than the neighbours. The cases:

- `cotag --help` (the console script): start-up cost; target < 0.3 s.
- the floor: a bare script that imports spaCy and SQLModel and sentence-splits the same files with
  a blank pipeline and the sentencizer, storing nothing.
- `cotag import` of the demo corpus into a fresh SQLite project, and into a fresh PostgreSQL schema;
  targets: within 1.5x of the floor and under 2.5 s.
- the same for the corpus replicated 10 times (new ids, distinct texts); target: linear, i.e.
  at most 10 times the 1x time (start-up is paid once, so it comes out below 10), and each
  further copy costing no more than the first.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "transcripts"
PG_URL = os.environ.get("COTAG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_SCRIPT = Path(sys.executable).with_name("cotag")
# The console script a user runs; `python -m cotag.cli` where it is not installed beside this Python.
COTAG = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "cotag.cli"]

FLOOR_SCRIPT = r"""
import sys, pathlib, re
import spacy, sqlmodel  # the two heavy imports any importer pays for
nlp = spacy.blank("xx"); nlp.add_pipe("sentencizer")
texts = []
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.md")):
    if path.name.lower() == "readme.md":
        continue
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
    texts.extend(p for p in body.split("\n\n") if p.strip())
n = sum(len(list(doc.sents)) for doc in nlp.pipe(texts, batch_size=256))
print(n)
"""


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    peak: int  # max RSS, KiB
    stdout: str


def run_once(cmd: list[str], env: dict | None = None) -> Run:
    """One child process: wall seconds, its CPU seconds and peak RSS (os.wait4), and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if code != 0:
            raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{stdout}\n{err.read()}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, stdout)


def best_of(repeat: int, make_run) -> Run:
    """The fastest of ``repeat`` runs; ``make_run`` sets up a fresh target each time and runs once."""
    return min((make_run() for _ in range(repeat)), key=lambda r: r.wall)


def transcript_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.md") if p.name.lower() != "readme.md"]


def words_in(folder: Path) -> int:
    return sum(len(re.findall(r"\w+", p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]))
               for p in transcript_files(folder))


def replicate(corpus: Path, times: int, out: Path) -> Path:
    """The corpus copied `times` times, each copy with its own ids and a distinct last line (hashes differ)."""
    for n in range(times):
        for path in transcript_files(corpus):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"^id: (\S+)$", lambda m: f"id: {m.group(1)}-c{n}", text, count=1, flags=re.M)
            target = out / f"c{n}" / path.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text + f"\nInterviewer: Copy {n} ends here.\n", encoding="utf-8")
    return out


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as conn:
            conn.execute("select 1")
        return True
    except Exception as exc:  # no server: those rows are skipped, and the output says so
        print(f"(PostgreSQL skipped: {exc.__class__.__name__}: {exc})")
        return False


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


def cotag_import(folder: Path, work: Path, postgres: bool, expect: int) -> Run:
    """Init a fresh project (a new PostgreSQL schema when asked), then time `cotag import FOLDER` alone."""
    project = work / f"p{uuid.uuid4().hex[:6]}"
    env: dict[str, str] = {}
    schema = None
    if postgres:
        schema = "bench_" + uuid.uuid4().hex[:8]
        _pg(f'CREATE SCHEMA "{schema}"')
        env["COTAG_DATABASE_URL"] = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        subprocess.run(COTAG + ["init", str(project)], check=True, capture_output=True, env={**os.environ, **env})
        result = run_once(COTAG + ["--project", str(project), "import", str(folder)], env)
    finally:
        if schema:
            _pg(f'DROP SCHEMA "{schema}" CASCADE')
        shutil.rmtree(project, ignore_errors=True)
    # A benchmark of an import that silently imported less would flatter the code.
    if f"imported {expect} new" not in result.stdout:
        raise SystemExit(f"expected {expect} new documents, got: {result.stdout.strip()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 10x corpus")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL cases")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the fastest is reported (default 3)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS}: demo corpus missing (make corpus)")
    repeat = max(1, args.repeat)
    files = len(transcript_files(CORPUS))
    words = words_in(CORPUS)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load {load:.1f}, Python {sys.version.split()[0]}; "
          f"corpus {files} files, {words:,} words; best of {repeat}")
    postgres = not args.no_postgres and pg_available()
    rows: list[tuple[str, Run, int | None]] = []
    results: dict[str, Run] = {}

    def case(key: str, name: str, n_words: int | None, make_run) -> None:
        results[key] = best_of(repeat, make_run)
        rows.append((name, results[key], n_words))

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        case("help", "cotag --help", None, lambda: run_once(COTAG + ["--help"]))
        case("floor", "floor: import spaCy+SQLModel, split", words,
             lambda: run_once([sys.executable, "-c", FLOOR_SCRIPT, str(CORPUS)]))
        case("sqlite", "cotag import demo (SQLite)", words, lambda: cotag_import(CORPUS, work, False, files))
        if postgres:
            case("pg", "cotag import demo (PostgreSQL)", words, lambda: cotag_import(CORPUS, work, True, files))
        if not args.quick:
            big = replicate(CORPUS, 10, work / "x10")
            big_words = words_in(big)
            case("floor10", "floor 10x", big_words, lambda: run_once([sys.executable, "-c", FLOOR_SCRIPT, str(big)]))
            case("sqlite10", "cotag import 10x (SQLite)", big_words,
                 lambda: cotag_import(big, work, False, files * 10))
            if postgres:
                case("pg10", "cotag import 10x (PostgreSQL)", big_words,
                     lambda: cotag_import(big, work, True, files * 10))
            shutil.rmtree(big, ignore_errors=True)

    print(f"{'case':<40} {'wall s':>7} {'cpu s':>7} {'words/s':>10} {'peak MiB':>9}")
    for name, r, n in rows:
        wps = f"{n / r.wall:,.0f}" if n else ""
        print(f"{name:<40} {r.wall:>7.2f} {r.cpu:>7.2f} {wps:>10} {r.peak / 1024:>9.0f}")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    floor, sqlite, help_ = results["floor"], results["sqlite"], results["help"]
    print(f"cotag --help {help_.wall:.2f} s (target < 0.3 s: {verdict(help_.wall < 0.3)})")
    ratio = sqlite.wall / floor.wall
    print(f"cotag import demo (SQLite) / floor = {ratio:.2f}x wall, {sqlite.cpu / floor.cpu:.2f}x cpu "
          f"(target <= 1.5x: {verdict(ratio <= 1.5)}); {sqlite.wall:.2f} s (target < 2.5 s: "
          f"{verdict(sqlite.wall < 2.5)})")
    if "pg" in results:
        print(f"cotag import demo (PostgreSQL) / floor = {results['pg'].wall / floor.wall:.2f}x wall")
    pairs = (("floor", "floor10", "floor"), ("sqlite", "sqlite10", "SQLite"), ("pg", "pg10", "PostgreSQL"))
    for small, big, label in pairs:
        if small in results and big in results:
            ratio10 = results[big].wall / results[small].wall
            # Per word after start-up: what the extra nine copies cost, against the first copy.
            marginal = (results[big].wall - results[small].wall) / 9
            print(f"10x / 1x {label}: {ratio10:.1f}x the time (linear: at most 10x; {verdict(ratio10 <= 10)}); "
                  f"each further copy {marginal:.2f} s")


if __name__ == "__main__":
    main()
