"""Coding app benchmark: start to first screen, opening a transcript, and key press to committed-and-repainted.

Run: .venv/bin/python bench/tui_bench.py [--project DIR] [--presses 100] [--units 20000] [--postgres]

Works on a copy: the demo project is built in a temporary folder (or the SQLite
project given with --project is copied there), and a synthetic document of
--units units is added to it. Measured with Textual's Pilot in a headless
terminal of 120x40:

- start: a fresh Python process, from launch to the library screen showing its
  documents (imports, database, first paint); also the moment the first frame
  is up. Median of 5 runs.
- open: the longest demo transcript and the synthetic document, from the
  request (in the library, at rest) to the first frame drawn with its text.
  Median of 5; the first run builds the transcript screen, the others reuse it
  as the app does when a coder goes back to the library and opens another.
- apply: a code's shortcut key pressed on the next unit, until the coding is
  committed in the database and the transcript's frame is rebuilt with it;
  p50 and p95 over --presses presses.

The waits sleep on an event set when a frame is drawn, not a polling loop: a
loop would keep taking the GIL from the loader and writer threads it times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZE = (120, 40)
PG_URL = os.environ.get("COTAG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

START_SCRIPT = r"""
import asyncio, sys, time
started = float(sys.argv[2])
from cotag.project import open_project
from cotag.tui.app import make_app
from cotag.tui.screens.library import LibraryScreen

async def main():
    app = make_app(open_project(sys.argv[1]), coder="bench-start", resume=False)
    first = None
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, LibraryScreen) and app.screen.rows):
            if first is None and isinstance(app.screen, LibraryScreen) and app.screen.is_mounted:
                first = time.time()
            await asyncio.sleep(0.002)
        await pilot.pause()
        filled = time.time()
        print(f"{(first or filled) - started:.4f} {filled - started:.4f}")

asyncio.run(main())
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(value: float) -> str:
    return f"{value * 1000:7.1f} ms"


def prepare(args, work: Path):
    """A project in `work` with the demo data and a synthetic document of args.units units."""
    from cotag.project import open_project

    if args.project:
        source = Path(args.project).resolve()
        if not (source / "cotag.db").is_file():
            raise SystemExit(f"{source}: --project must be a SQLite project (cotag.db); it is copied, not changed")
        target = work / "project"
        shutil.copytree(source, target)
        project = open_project(target)
    else:
        from cotag.services.corpus import ensure_demo_project

        project, _ = ensure_demo_project(work / "project", echo=lambda line: None)
    add_synthetic_document(project, "SYNTH", args.units)
    return project


def add_synthetic_document(project, external_id: str, units: int) -> None:
    import hashlib

    from cotag.store import documents as doc_store

    sentences = ["I left because the salaries were too low for a family.",
                 "My cousin had already moved to Berlin two years before.",
                 "Here you need connections for everything, even a kindergarten.",
                 "We still talk to my parents every Sunday on video."]
    parts, rows, pos = [], [], 0
    for turn in range(0, units, 8):
        speaker = "Interviewer" if (turn // 8) % 5 == 0 else "Respondent"
        label = ("\n\n" if parts else "") + f"{speaker}: "
        parts.append(label)
        pos += len(label)
        for i in range(turn, min(turn + 8, units)):
            if i > turn:
                parts.append(" ")
                pos += 1
            sentence = f"{sentences[i % 4][:-1]} ({i})."
            rows.append(doc_store.UnitRow(index=i, start=pos, end=pos + len(sentence), turn=turn // 8,
                                          speaker=speaker, is_interviewer=speaker == "Interviewer"))
            parts.append(sentence)
            pos += len(sentence)
    text = "".join(parts) + "\n"
    values = {"external_id": external_id, "group": "synthetic", "text": text, "attributes": {"synthetic": True},
              "content_hash": hashlib.sha256(text.encode()).hexdigest(), "source_path": "", "format": "md",
              "words": len(text.split())}
    with project.session() as session:
        if doc_store.get_document(session, external_id=external_id) is None:
            doc_store.add_document(session, values=values, units=rows)


def longest_document(project) -> tuple[str, int]:
    from cotag.store import documents as doc_store

    with project.session() as session:
        counts = doc_store.unit_counts(session)
        documents = {d.id: d.external_id for d in doc_store.list_documents(session) if d.group != "synthetic"}
    doc_id = max(documents, key=lambda i: counts.get(i, 0))
    return documents[doc_id], counts[doc_id]


def measure_start(project, runs: int = 5) -> tuple[float, float]:
    firsts, filled = [], []
    for _ in range(runs):
        started = time.time()
        out = subprocess.run([sys.executable, "-c", START_SCRIPT, str(project.root), str(started)],
                             capture_output=True, text=True, check=True).stdout.split()
        firsts.append(float(out[0]))
        filled.append(float(out[1]))
    return statistics.median(firsts), statistics.median(filled)


async def measure_document(project, external_id: str, presses: int) -> dict[str, object]:
    """Open `external_id` (median of 5) and time `presses` shortcut presses, each on the next unit."""
    from cotag.tui.app import make_app
    from cotag.tui.screens.transcript import TranscriptScreen
    from cotag.tui.widgets.transcript_view import TranscriptView

    coder = f"bench-{uuid.uuid4().hex[:6]}"
    app = make_app(project, coder=coder, resume=False)
    shortcut = next(entry.shortcut for entry in app.codebook.active if entry.shortcut)
    with project.session() as session:
        from cotag.store.documents import require_document

        document_id = require_document(session, external_id=external_id).id
    opens: list[float] = []
    applies: list[float] = []
    # Probes, called on the app's thread: when the view was handed codings (the writer's reply, read
    # back from the database after the commit) and when it drew a frame. The waits below sleep on an
    # event these set; polling instead would keep asking for the GIL and slow the very threads (the
    # loader, the writer) being timed.
    frame_drawn = asyncio.Event()
    last_marks = {"time": 0.0, "count": 0}
    original_build = TranscriptView._build_frame
    original_set_marks = TranscriptView.set_marks

    def build_frame(view):
        frame = original_build(view)
        view.bench_painted = time.perf_counter()
        if view.transcript is not None:
            view.bench_text_painted = view.bench_painted  # a frame with the transcript, not "Loading…"
        frame_drawn.set()
        return frame

    def set_marks(view, own, others, **kwargs):
        last_marks.update(time=time.perf_counter(), count=len(own))
        return original_set_marks(view, own, others, **kwargs)

    async def until(condition, what: str) -> None:
        deadline = time.perf_counter() + 30
        while not condition():
            frame_drawn.clear()
            try:
                await asyncio.wait_for(frame_drawn.wait(), timeout=max(deadline - time.perf_counter(), 0.001))
            except asyncio.TimeoutError:
                raise SystemExit(f"{external_id}: {what} not on screen 30 s later") from None

    TranscriptView._build_frame = build_frame
    TranscriptView.set_marks = set_marks
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.settle()
            for _ in range(5):
                while isinstance(app.screen, TranscriptScreen):
                    app.pop_screen()
                    await pilot.pause()
                # From a library at rest, as a coder opens a document: its reload on resume is done.
                await app.settle()
                await pilot.pause()
                began = time.perf_counter()
                app.open_document(document_id)

                def opened() -> bool:
                    screen = app.screen
                    if not isinstance(screen, TranscriptScreen) or screen.transcript is None:
                        return False
                    return getattr(screen.query_one(TranscriptView), "bench_text_painted", 0) > began

                await until(opened, "the transcript")
                opens.append(app.screen.query_one(TranscriptView).bench_text_painted - began)
                await app.settle()
            screen = app.screen
            view = screen.query_one(TranscriptView)
            view.go_to(0)
            await pilot.pause()
            for _ in range(presses):
                view.move(1)
                await pilot.pause()
                before = len(screen.own)
                began = time.perf_counter()
                await pilot.press(shortcut)
                # Done when the view holds one coding more and has drawn a frame since it got it.
                await until(lambda: last_marks["count"] > before and last_marks["time"] >= began
                            and view.bench_painted >= last_marks["time"], "the coding")
                applies.append(view.bench_painted - began)
            await app.settle()
    finally:
        TranscriptView._build_frame = original_build
        TranscriptView.set_marks = original_set_marks
    from cotag.services.coding import codings_table

    committed = len(codings_table(project, coders=[coder], documents=[external_id]))
    return {"open": statistics.median(opens), "open_all": opens, "applies": applies, "committed": committed}


def report(name: str, units: int, result: dict, presses: int) -> None:
    applies = result["applies"]
    print(f"{name} ({units:,} units)")
    print(f"  open transcript        p50 {ms(result['open'])}   (5 runs: "
          + ", ".join(f"{v * 1000:.0f}" for v in result["open_all"]) + " ms)")
    print(f"  apply a code (key to committed + repainted), {presses} presses:")
    print(f"    p50 {ms(percentile(applies, 0.5))}   p95 {ms(percentile(applies, 0.95))}   "
          f"max {ms(max(applies))}   committed rows: {result['committed']}")


def postgres_project(work: Path, sqlite_project, documents: list[str]):
    """A PostgreSQL copy of the codebook and the given documents (the bench's own schema)."""
    import psycopg

    from cotag.project import init_project
    from cotag.store import documents as doc_store
    from cotag.store.codes import list_codes
    from cotag.store.models import Code

    schema = "bench_" + uuid.uuid4().hex[:8]
    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    project = init_project(work / "pg", database_url=f"{PG_URL}?options=-csearch_path%3D{schema}")
    with sqlite_project.session() as source, project.session() as target:
        for code in list_codes(source):
            target.add(Code(**code.model_dump()))
        target.flush()
        for external_id in documents:
            doc = doc_store.require_document(source, external_id=external_id)
            units = [doc_store.UnitRow(u.index, u.start, u.end, u.turn, u.speaker, u.is_interviewer)
                     for u in doc_store.list_units(source, document_id=doc.id)]
            values = {k: getattr(doc, k) for k in ("external_id", "group", "text", "attributes", "content_hash",
                                                   "source_path", "format", "words")}
            doc_store.add_document(target, values=values, units=units)
    return project, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", help="a SQLite project to copy (default: build the demo project)")
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true", help=f"also on PostgreSQL ({PG_URL})")
    args = parser.parse_args()
    import textual

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, Textual {textual.__version__}; "
          f"headless {SIZE[0]}x{SIZE[1]}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = prepare(args, work)
        longest, longest_units = longest_document(project)
        first, filled = measure_start(project)
        print(f"start (new process to library)   first frame {ms(first)}   documents listed {ms(filled)}")
        report(f"SQLite, longest demo transcript {longest}", longest_units,
               asyncio.run(measure_document(project, longest, args.presses)), args.presses)
        report("SQLite, synthetic document SYNTH", args.units,
               asyncio.run(measure_document(project, "SYNTH", args.presses)), args.presses)
        if args.postgres:
            pg, schema = postgres_project(work, project, [longest, "SYNTH"])
            try:
                report(f"PostgreSQL, {longest}", longest_units, asyncio.run(measure_document(pg, longest, args.presses)),
                       args.presses)
                report("PostgreSQL, SYNTH", args.units, asyncio.run(measure_document(pg, "SYNTH", args.presses)),
                       args.presses)
            finally:
                pg.close()
                import psycopg

                with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"),
                                     autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        project.close()


if __name__ == "__main__":
    main()
