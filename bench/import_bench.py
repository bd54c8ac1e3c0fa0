"""Import benchmark: `cotag import` of the demo corpus (and a 10x copy) vs the floor of spaCy + SQLModel alone.

Run: .venv/bin/python bench/import_bench.py [--quick] [--no-postgres]
Prints wall time, words per second and peak memory (max RSS) for each case.
Every case runs as its own process, as a user would run it, so start-up costs count.
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "transcripts"
PG_URL = os.environ.get("COTAG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
COTAG = [sys.executable, "-m", "cotag.cli"]

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


def run(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of that one child (os.wait4), and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if proc.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{stdout}\n{err.read()}")
    return wall, usage.ru_maxrss, stdout


def words_in(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*.md"):
        if path.name.lower() != "readme.md":
            total += len(re.findall(r"\w+", path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]))
    return total


def replicate(corpus: Path, times: int, out: Path) -> Path:
    """The corpus copied `times` times, each copy with its own ids and a distinct last line (hashes differ)."""
    for n in range(times):
        for path in corpus.rglob("*.md"):
            if path.name.lower() == "readme.md":
                continue
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"^id: (\S+)$", lambda m: f"id: {m.group(1)}-c{n}", text, count=1, flags=re.M)
            target = out / f"c{n}" / path.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text + f"\nInterviewer: Copy {n} ends here.\n", encoding="utf-8")
    return out


def pg_schema_url() -> tuple[str, str] | None:
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True,
                             connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"
    except Exception as exc:  # no server: skip those rows
        print(f"(PostgreSQL skipped: {exc.__class__.__name__}: {exc})")
        return None


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def cotag_import(folder: Path, work: Path, url: str | None) -> tuple[float, int]:
    project = work / f"p{uuid.uuid4().hex[:6]}"
    env = {"COTAG_DATABASE_URL": url} if url else {}
    subprocess.run(COTAG + ["init", str(project)], check=True, capture_output=True, env={**os.environ, **env})
    wall, peak, _ = run(COTAG + ["--project", str(project), "import", str(folder)], env)
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 10x corpus")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS}: demo corpus missing (make corpus)")
    words = words_in(CORPUS)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; corpus {words:,} words")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wall, _, _ = run(COTAG + ["--help"])
        rows.append(("cotag --help", wall, None, None))
        wall, peak, _ = run([sys.executable, "-c", FLOOR_SCRIPT, str(CORPUS)])
        floor = wall
        rows.append(("floor: import spaCy+SQLModel, split", wall, words, peak))
        wall, peak = cotag_import(CORPUS, work, None)
        rows.append(("cotag import demo (SQLite)", wall, words, peak))
        sqlite_wall = wall
        pg = None if args.no_postgres else pg_schema_url()
        if pg:
            wall, peak = cotag_import(CORPUS, work, pg[1])
            rows.append(("cotag import demo (PostgreSQL)", wall, words, peak))
            drop_schema(pg[0])
        if not args.quick:
            big = replicate(CORPUS, 10, work / "x10")
            big_words = words_in(big)
            wall, peak, _ = run([sys.executable, "-c", FLOOR_SCRIPT, str(big)])
            rows.append(("floor 10x", wall, big_words, peak))
            wall, peak = cotag_import(big, work, None)
            rows.append(("cotag import 10x (SQLite)", wall, big_words, peak))
            pg = None if args.no_postgres else pg_schema_url()
            if pg:
                wall, peak = cotag_import(big, work, pg[1])
                rows.append(("cotag import 10x (PostgreSQL)", wall, big_words, peak))
                drop_schema(pg[0])
            shutil.rmtree(big, ignore_errors=True)
    print(f"{'case':<40} {'wall s':>8} {'words/s':>10} {'peak MiB':>9}")
    for name, wall, n, peak in rows:
        wps = f"{n / wall:,.0f}" if n else ""
        mem = f"{peak / 1024:.0f}" if peak else ""
        print(f"{name:<40} {wall:>8.2f} {wps:>10} {mem:>9}")
    print(f"cotag import / floor = {sqlite_wall / floor:.2f}x (target <= 1.5x); SQLite demo import "
          f"{sqlite_wall:.2f} s (target < 2.5 s)")


if __name__ == "__main__":
    main()
