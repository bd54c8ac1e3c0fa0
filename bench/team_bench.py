"""Team benchmark: sustained codings/s for concurrent coders on PostgreSQL, and merge time for full-corpus codings.

Run: .venv/bin/python bench/team_bench.py [--coders 10] [--seconds 10] [--dir DEMO_PROJECT] [--skip-merge]
                                          [--skip-postgres] [--postgres URL]

Concurrency: a fresh schema on the server (dropped afterwards), a login role per
coder made by `cotag team add-coder` (so row-level security is in force), and
one OS process per coder calling CodingSession.apply (what the coding app does
per key press: one transaction with its checks and event) as fast as it can
for --seconds, all starting together once every
interpreter is up. Prints codings/s over the common window
and each apply's latency (median, 95th percentile).

Merge: the demo project (`cotag demo --dir DIR --no-tui`, reused when present)
copied three times; transcripts/reference.csv loaded as coder_a's coding in one
copy and as coder_b's in another; both merged into the third, then merged again
(the idempotent no-op). The same again into a PostgreSQL project holding the
demo's corpus and codebook (unless --skip-postgres). Prints seconds per merge.
On SQLite a coder keeps coding (CodingSession.apply in a process of its own) while coder_b's merge runs: prints the longest a coding waited,
which the merge's batches keep to about two seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "transcripts" / "reference.csv"
DEFAULT_URL = os.environ.get("COTAG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DOC_LENGTH = 200_000  # room for every distinct one-character span a process can code in the window


# ---------------------------------------------------------------- one coder process

def worker(url: str, coder: str, document_id: int, seconds: float) -> None:
    """Say "ready", wait for the go line on stdin, code distinct spans for `seconds`; print count and latencies (ms)."""
    from cotag.coding import CodingSession
    from cotag.project import Project

    project = Project(root=Path(tempfile.gettempdir()), config={}, database_url=url)
    session = CodingSession(project, coder=coder)
    latencies: list[float] = []
    print("ready", flush=True)
    sys.stdin.readline()
    deadline = time.time() + seconds
    i = 0
    while time.time() < deadline:
        t0 = time.perf_counter()
        session.apply(document_id=document_id, code="push", start=i, end=i + 1)
        latencies.append((time.perf_counter() - t0) * 1000)
        i += 1
    print(len(latencies), " ".join(f"{v:.2f}" for v in latencies), flush=True)
    project.close()


# ---------------------------------------------------------------- concurrency

def bench_postgres(base_url: str, coders: int, seconds: float) -> None:
    import hashlib

    import psycopg

    from cotag.project import Project
    from cotag.store import documents as doc_store
    from cotag.store.database import ensure_schema
    from cotag.store.models import Code
    from cotag.services.team import add_coder
    from cotag.team import drop_coder_role

    schema = "bench_" + uuid.uuid4().hex[:10]
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    project = Project(root=Path(tempfile.gettempdir()), config={}, database_url=url)
    names = [f"bench_{schema[-6:]}_{i}" for i in range(coders)]
    try:
        ensure_schema(project.engine)
        text = ("x" * 79 + "\n") * (DOC_LENGTH // 80)
        with project.session() as session:
            document = doc_store.add_document(session, values={
                "external_id": "B001", "group": "bench", "text": text, "attributes": {},
                "content_hash": hashlib.sha256(text.encode()).hexdigest(), "source_path": "", "format": "txt",
                "words": 0}, units=[])
            session.add(Code(key="push", name="Push"))
            document_id = document.id
        urls = [add_coder(project, name=name)["url"] for name in names]
        procs = [subprocess.Popen([sys.executable, __file__, "--worker", u, n, str(document_id), str(seconds)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for u, n in zip(urls, names)]
        # Interpreter start-up on a small machine takes seconds: time only the window where all of them code.
        for proc in procs:
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit(f"worker failed to start:\n{proc.stderr.read()}")
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        counts, latencies = [], []
        for proc in procs:
            out, err = proc.communicate(timeout=seconds + 120)
            if proc.returncode != 0:
                raise SystemExit(f"worker failed:\n{err}")
            first, *rest = out.split()
            counts.append(int(first))
            latencies += [float(v) for v in rest]
        with project.engine.connect() as conn:
            from sqlalchemy import text as sql

            stored = conn.execute(sql("SELECT count(*) FROM coding")).scalar()
        total = sum(counts)
        latencies.sort()
        print(f"postgres: {coders} coder processes x {seconds:g} s (CodingSession.apply, RLS on, {os.cpu_count()} cores)")
        print(f"  committed {total} codings ({stored} stored): {total / seconds:.0f} codings/s sustained; "
              f"per coder {min(counts) / seconds:.0f}..{max(counts) / seconds:.0f}/s")
        print(f"  apply latency: median {statistics.median(latencies):.1f} ms, "
              f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms, max {latencies[-1]:.1f} ms")
        if stored != total:
            raise SystemExit(f"stored {stored} codings but workers reported {total}")
    finally:
        for name in names:
            drop_coder_role(project.engine, name)
        project.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# ---------------------------------------------------------------- merge

def copy_project(demo_db: Path, folder: Path):
    """A project folder whose SQLite file is a consistent copy of the demo's (WAL included)."""
    from cotag.project import open_project, write_config

    folder.mkdir(parents=True)
    source = sqlite3.connect(demo_db)
    target = sqlite3.connect(folder / "cotag.db")
    source.backup(target)
    source.close()
    target.close()
    write_config(folder, name=folder.name, database_url="sqlite:///cotag.db", codebook=None, folders=[])
    return open_project(folder)


def load_reference(project, coder: str) -> int:
    from sqlmodel import select

    from cotag.store import coders as coder_store
    from cotag.store import codings as coding_store
    from cotag.store.models import Code, Document

    with project.session() as session:
        who = coder_store.get_or_create_coder(session, name=coder)
        docs = dict(session.exec(select(Document.external_id, Document.id)).all())
        codes = dict(session.exec(select(Code.key, Code.id)).all())
        with REFERENCE.open(newline="", encoding="utf-8") as fh:
            rows = [{"document_id": docs[r["document"]], "code_id": codes[r["code"]], "coder_id": who.id,
                     "start": int(r["start"]), "end": int(r["end"])}
                    for r in csv.DictReader(fh) if r["document"] in docs and r["code"] in codes]
        coding_store.add_codings(session, rows=rows)
    return len(rows)


def postgres_copy(demo_db: Path, base_url: str, root: Path):
    """A PostgreSQL project (fresh schema) holding the demo's corpus and codebook, copied row for row, no codings.

    Copied rather than imported: the merge is what is timed, and importing 187 transcripts with spaCy
    would add minutes to the run. Returns the project and a function that drops the schema.
    """
    import psycopg
    from sqlalchemy import create_engine

    from cotag.project import Project
    from cotag.store.database import ensure_schema
    from cotag.store.models import Code, Document, Unit

    schema = "bench_" + uuid.uuid4().hex[:10]
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    project = Project(root=root, config={}, database_url=url)
    ensure_schema(project.engine)
    source = create_engine(f"sqlite:///{demo_db}")
    with source.connect() as read, project.engine.begin() as write:
        for table in (Code.__table__, Document.__table__, Unit.__table__):
            rows = [dict(row._mapping) for row in read.execute(table.select().order_by(table.c.id))]
            if rows:
                write.execute(table.insert(), rows)
    source.dispose()

    def drop() -> None:
        project.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return project, drop


def bench_merge(demo_dir: Path, postgres: str | None = None) -> None:
    from cotag.services.team import merge

    if not (demo_dir / "cotag.toml").is_file():
        print(f"creating the demo project in {demo_dir} (cotag demo --no-tui) ...", flush=True)
        subprocess.run([sys.executable, "-m", "cotag.cli", "demo", "--dir", str(demo_dir), "--no-tui"], check=True,
                       stdout=subprocess.DEVNULL)
    demo_db = demo_dir / "cotag.db"
    with tempfile.TemporaryDirectory(prefix="cotag-merge-bench-") as tmp:
        tmp = Path(tmp)
        lead, a, b = (copy_project(demo_db, tmp / n) for n in ("lead", "coder_a", "coder_b"))
        n_a, n_b = load_reference(a, "coder_a"), load_reference(b, "coder_b")
        a.close()
        b.close()
        targets = [("SQLite", lead, None)]
        if postgres:
            pg_project, drop = postgres_copy(demo_db, postgres, tmp)
            targets.append(("PostgreSQL", pg_project, drop))
        results = []
        waits: list[float] = []
        for name, target, drop in targets:
            timings = []
            try:
                for label, source in (("coder_a", tmp / "coder_a"), ("coder_b", tmp / "coder_b"),
                                      ("coder_a again", tmp / "coder_a")):
                    coder = CoderAlongside(tmp / "lead") if name == "SQLite" and label == "coder_b" else None
                    t0 = time.perf_counter()
                    report = merge(target, source)
                    timings.append((label, time.perf_counter() - t0, report.codings_added, report.codings_unchanged))
                    if coder is not None:
                        waits = coder.stop()
            finally:
                if drop is not None:
                    drop()
                else:
                    target.close()
            results.append((name, timings))
    for name, timings in results:
        print(f"merge into {name} (demo corpus, {n_a} + {n_b} codings from reference.csv, each from a project folder):")
        for label, seconds, added, unchanged in timings:
            print(f"  merge {label:<14} {seconds:6.2f} s  ({added} added, {unchanged} already there)")
    if waits:
        print(f"a coder coding during the SQLite merge of coder_b: {len(waits)} codings, longest wait "
              f"{max(waits):.2f} s, median {statistics.median(waits) * 1000:.0f} ms")


class CoderAlongside:
    """A coder in their own process applying codings one by one (the app's path) while a merge runs in this one;
    reports how long each coding waited."""

    def __init__(self, folder: Path):
        self.proc = subprocess.Popen([sys.executable, __file__, "--alongside", str(folder)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> list[float]:
        out, _ = self.proc.communicate("stop\n", timeout=120)
        return [float(x) for x in out.split()]


def alongside(folder: str) -> None:
    import threading

    from sqlmodel import select

    from cotag.coding import CodingSession
    from cotag.project import open_project
    from cotag.store.models import Code, Document

    project = open_project(Path(folder))
    with project.session() as session:
        document_id = session.exec(select(Document.id)).first()
        key = session.exec(select(Code.key).where(Code.status == "active")).first()
    coding = CodingSession(project, coder="bench_alongside")
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    waits, start = [], 0
    while not stop.is_set():
        t0 = time.perf_counter()
        coding.apply(document_id=document_id, code=key, start=start, end=start + 1)
        waits.append(time.perf_counter() - t0)
        start += 1
        time.sleep(0.05)
    print(" ".join(f"{w:.4f}" for w in waits), flush=True)
    project.close()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--alongside":
        alongside(sys.argv[2])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, coder, document_id, seconds = sys.argv[2:6]
        worker(url, coder, int(document_id), float(seconds))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", default=DEFAULT_URL, help="Server URL (a schema is made and dropped).")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "cotag-bench-demo",
                        help="Demo project to reuse or create.")
    parser.add_argument("--skip-merge", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if not args.skip_postgres:
        bench_postgres(args.postgres, args.coders, args.seconds)
    if not args.skip_merge:
        bench_merge(args.dir, None if args.skip_postgres else args.postgres)


if __name__ == "__main__":
    main()
