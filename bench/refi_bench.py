"""REFI-QDA benchmark: export the full demo corpus with two coders' codings to .qdpx, and import it back.

Run: .venv/bin/python bench/refi_bench.py [--keep DIR]

Set-up (not timed): `cotag demo --dir DIR --no-tui` builds the demo project; transcripts/reference.csv
becomes coder "alice"'s coding, a perturbed copy (a fifth left out, a seventh recoded, a third with
moved ends) coder "bob"'s, the spans both agree on the consensus; a few hundred memos are added.

Timed, each as its own process as a user runs it: `cotag export qdpx` and `cotag import qdpx --into`
(the import includes sentence-splitting every document with spaCy, as any cotag import does).
Afterwards the copy is compared with the original: documents, codebook, codings, memos, coders,
sentence units, and the YAML codebook file (title, version, codes).

Issue #14's targets are checked on the fastest of ``--repeat`` runs (default 3): export < 2 s,
import < 3 s; ``cotag --help`` is timed in the same run, so a busy machine shows in the ratio too.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COTAG = [sys.executable, "-m", "cotag.cli"]


def run(cmd: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (KiB) of the child, and its stdout.

    CPU time is printed beside wall time because it stays meaningful on a busy machine."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{out.read()}\n{err.read()}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.read()


def add_two_coders(project, only: set[str] | None) -> dict[str, int]:
    from cotag.store.coders import consensus_coder, get_or_create_coder
    from cotag.store.codes import list_codes
    from cotag.store.codings import add_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import add_memo

    with (REPO / "transcripts" / "reference.csv").open(newline="", encoding="utf-8") as fh:
        reference = [r for r in csv.DictReader(fh) if only is None or r["document"] in only]
    with project.session() as s:
        docs = {d.external_id: d for d in list_documents(s)}
        codes = {c.key: c for c in list_codes(s)}
        keys = sorted(codes)
        alice = get_or_create_coder(s, name="alice")
        bob = get_or_create_coder(s, name="bob", role="lead")
        consensus = consensus_coder(s)
        rows, memos = [], 0
        for i, r in enumerate(reference):
            doc = docs[r["document"]]
            start, end = int(r["start"]), int(r["end"])
            if doc.text[start:end] != r["text"]:
                raise SystemExit(f"reference.csv row {i + 2} does not match {r['document']}'s text")
            rows.append({"document_id": doc.id, "code_id": codes[r["code"]].id, "coder_id": alice.id,
                         "start": start, "end": end, "memo": f"why {r['code']}?" if i % 50 == 0 else ""})
            if i % 5 == 0:
                continue
            code = r["code"] if i % 7 else keys[(keys.index(r["code"]) + 1) % len(keys)]
            b_start, b_end = (start + 4, min(end + 10, len(doc.text))) if i % 3 == 0 else (start, end)
            rows.append({"document_id": doc.id, "code_id": codes[code].id, "coder_id": bob.id,
                         "start": b_start, "end": b_end})
            if (b_start, b_end, code) == (start, end, r["code"]):
                rows.append({"document_id": doc.id, "code_id": codes[code].id, "coder_id": consensus.id,
                             "start": start, "end": end})
        # A coder codes a span with a code once: drop what the perturbation made twice.
        unique = {(r['document_id'], r['code_id'], r['coder_id'], r['start'], r['end']): r for r in rows}
        rows = list(unique.values())
        add_codings(s, rows=rows)
        for n, doc in enumerate(docs.values()):
            add_memo(s, coder_id=(alice if n % 2 else bob).id, title=f"Memo on {doc.external_id}",
                     text=f"First reading of {doc.external_id}.\nThemes to follow up.", document_id=doc.id)
            memos += 1
        for code in codes.values():
            add_memo(s, coder_id=bob.id, title=f"Definition of {code.key}", text="Boundary cases noted.",
                     code_id=code.id)
            memos += 1
    return {"codings": len(rows), "memos": memos, "documents": len(docs)}


def snapshot(project) -> dict:
    from cotag.refi.qdc import fields_from_db
    from cotag.store.coders import list_coders
    from cotag.store.codings import list_codings
    from cotag.store.documents import list_documents
    from cotag.store.memos import list_memos

    with project.session() as s:
        return {
            "documents": [(d.external_id, d.group, d.text, d.attributes) for d in list_documents(s)],
            "codebook": [f.__dict__ for f in fields_from_db(s)],
            "codings": sorted((c.document, c.start, c.end, c.code, c.coder, c.memo) for c in list_codings(s)),
            "memos": sorted((m.coder, m.document or "", m.code or "", m.title, m.text) for m in list_memos(s)),
            "coders": sorted((c.name, c.role) for c in list_coders(s)),
            # sentence units: a cotag file carries them (refi/carried_units.py), so they must come back the same
            "units": units_by_document(s),
        }


def units_by_document(session) -> list[tuple]:
    from cotag.store.plain_reads import document_ids, unit_columns

    names = dict(document_ids(session))
    return [(names[d], *unit) for d, *unit in unit_columns(session)]


def yaml_codebook(project) -> tuple:
    """The project's YAML codebook as it matters: title, version and every code's fields."""
    from cotag.codebook import load_codebook

    book = load_codebook(project.codebook_path)
    return (book.title, book.version, [(c.key, c.name, c.parent, c.description, c.include, c.exclude, c.examples,
                                        c.keywords, c.colour, c.shortcut, c.status) for c in book.codes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (default: a temporary one).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each timed command; the fastest counts.")
    args = parser.parse_args()
    if not (REPO / "transcripts" / "reference.csv").is_file():
        raise SystemExit("the demo corpus is missing: run `make corpus` first")
    os.environ.pop("COTAG_DATABASE_URL", None)
    os.environ.pop("COTAG_PROJECT", None)
    work = args.keep or Path(tempfile.mkdtemp(prefix="cotag-refi-bench-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        from cotag.project import open_project

        source_dir, copy_dir, qdpx = work / "demo", work / "copy", work / "demo.qdpx"
        t0 = time.perf_counter()
        run([*COTAG, "demo", "--dir", str(source_dir), "--no-tui"])  # builds the demo project
        source = open_project(source_dir)
        made = add_two_coders(source, None)
        setup = time.perf_counter() - t0
        print(f"set-up (not timed below): demo project, {made['documents']} documents, {made['codings']} codings "
              f"by alice, bob and the consensus, {made['memos']} memos in {setup:.1f} s")

        def fastest(cmd: list[str], before=None) -> tuple[float, float, int, str]:
            runs = []
            for _ in range(max(args.repeat, 1)):
                if before is not None:
                    before()
                runs.append(run(cmd))
            return min(runs)

        help_wall, help_cpu, _, _ = fastest([*COTAG, "--help"])
        print(f"cotag --help: {help_wall:6.2f} s wall, {help_cpu:6.2f} s CPU")
        wall, cpu, rss, _ = fastest([*COTAG, "--project", str(source_dir), "export", "qdpx", str(qdpx)])
        print(f"export qdpx : {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak RSS {rss / 1024:5.0f} MiB, "
              f"file {qdpx.stat().st_size / 1e6:.1f} MB, {wall / help_wall:4.1f}x --help; target < 2 s: "
              f"{'met' if wall < 2 else 'NOT met'}")
        wall, cpu, rss, _ = fastest([*COTAG, "import", "qdpx", str(qdpx), "--into", str(copy_dir)],
                                    before=lambda: shutil.rmtree(copy_dir, ignore_errors=True))
        print(f"import qdpx : {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak RSS {rss / 1024:5.0f} MiB "
              f"(sentence units from the file, checked, not split again), {wall / help_wall:4.1f}x --help; target < 3 s: "
              f"{'met' if wall < 3 else 'NOT met'}")
        copy = open_project(copy_dir)
        before, after = snapshot(source), snapshot(copy)
        same = {part: before[part] == after[part] for part in before}
        same["codebook file"] = yaml_codebook(source) == yaml_codebook(copy)
        print("round trip identical: " + ", ".join(f"{part} {'yes' if ok else 'NO'}" for part, ok in same.items()))
        source.close()
        copy.close()
        if not all(same.values()):
            raise SystemExit(1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
