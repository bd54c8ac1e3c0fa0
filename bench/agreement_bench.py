"""Benchmark `cotag agreement` on the demo corpus.

1. Two coders over the whole demo corpus: "reference" (the generator's coding, copied)
   and "perturbed" (the simulator at noise 0.15), all codes, sentence and turn units.
   Timed end to end as the command runs it (read the store, unitise, build the report),
   without bootstrap (target < 1 s) and with 2,000 bootstrap replicates (target < 5 s),
   case resampling and Krippendorff's (2013b) pair resampling.
2. Ten coders on a ten-fold corpus (target < 20 s): the corpus's units are copied ten
   times in memory (each copy its own documents and turns), ten simulated coders perturb
   every copy independently, and unitising plus the report are timed together, without
   and with bootstrap.  Building this input (simulating ~1M spans) is setup, not timed,
   and so is reading the store (step 1 times that on the real corpus).

Usage: python bench/agreement_bench.py [--project DIR] [--repeat N] [--skip-10x]
Without --project a demo project is created in a temporary folder (about 10 s, spaCy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def timed(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def ensure_two_coders(project) -> None:
    """Add coders 'reference' (noise 0) and 'perturbed' (noise 0.15) on every document, once."""
    from cotag.demo.simulate import simulate_coders
    from cotag.store.coders import get_coder

    with project.session() as s:
        if get_coder(s, name="reference") is None:
            simulate_coders(s, ["reference"], noise=0.0, documents=None, seed=1)
        if get_coder(s, name="perturbed") is None:
            simulate_coders(s, ["perturbed"], noise=0.15, documents=None, seed=1)


def end_to_end(project, kind: str, bootstrap: int, method: str = "cluster"):
    from cotag.reliability.report import build_report
    from cotag.reliability.units import Selection, load_unitised

    with project.session() as s:
        data = load_unitised(s, Selection(coders=("reference", "perturbed")), kind=kind)
    return build_report(data, bootstrap=bootstrap, seed=1, bootstrap_method=method)


def ten_coder_inputs(project, tiles: int):
    """A `tiles`-fold corpus in memory and ten simulated coders' spans on it (setup, not timed).

    Each copy of a document is its own document (own turns, own clusters), and every coder
    perturbs every copy independently, so the copies are not duplicates of each other.
    """
    from sqlmodel import select

    from cotag.demo.simulate import coder_rng, default_reference, perturb, read_reference
    from cotag.reliability.units import Spans, UnitFrame
    from cotag.store.models import Code, Document, Unit

    ref = read_reference(default_reference())
    with project.session() as s:
        docs = [(i, ext, len(t)) for i, ext, t in s.exec(select(Document.id, Document.external_id, Document.text)
                                                         .order_by(Document.external_id))]
        codes = [c.key for c in s.exec(select(Code).order_by(Code.position))]
        index = {i: k for k, (i, _, _) in enumerate(docs)}
        unit_rows = [(index[d], a, b, t, bool(iv)) for d, a, b, t, iv in s.exec(
            select(Unit.document_id, Unit.start, Unit.end, Unit.turn, Unit.is_interviewer))]
    n_docs = len(docs)
    names = [f"{ext}#{t}" for t in range(tiles) for _, ext, _ in docs]
    frame = UnitFrame.from_rows(names, [(d + t * n_docs, a, b, turn, iv) for t in range(tiles)
                                        for d, a, b, turn, iv in unit_rows])
    respondent: dict[int, list[tuple[int, int]]] = {}
    for d, a, b, _, iv in unit_rows:
        if not iv:
            respondent.setdefault(d, []).append((a, b))
    code_index = {c: k for k, c in enumerate(codes)}
    coders = [f"coder{i:02d}" for i in range(10)]
    rows = []
    for c, name in enumerate(coders):
        rng = coder_rng(5, name)
        for t in range(tiles):
            for k, (_, ext, length) in enumerate(docs):
                for code, a, b in perturb(ref.get(ext, []), sorted(respondent.get(k, [])), length, codes, 0.15, rng):
                    rows.append((c, code_index[code], k + t * n_docs, a, b))
    return frame, Spans.from_rows(rows), coders, codes


def ten_by_ten(project, bootstrap: int, repeat: int, tiles: int = 10) -> dict[str, float]:
    """10 simulated coders over a 10-fold corpus: unitise + report, timed together (the store read is not)."""
    from cotag.reliability.report import build_report
    from cotag.reliability.units import unitise

    t = time.perf_counter()
    frame, spans, coders, codes = ten_coder_inputs(project, tiles)
    setup = time.perf_counter() - t
    every = {c: range(len(frame.documents)) for c in range(len(coders))}

    def run(b: int):
        data = unitise(frame, spans, coders=coders, codes=codes, coded=every, kind="sentence")
        return build_report(data, bootstrap=b, seed=1)

    no_boot, report = timed(lambda: run(0), repeat)
    boot, _ = timed(lambda: run(bootstrap), repeat)
    return {"documents": len(frame.documents), "units": report.views["all"].n_units, "codes": len(codes),
            "coders": len(coders), "spans": int(spans.start.size), "setup_s": setup,
            "unitise_and_report_s": no_boot, f"unitise_and_report_bootstrap_{bootstrap}_s": boot}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="An existing demo project (default: build one in a temp dir).")
    parser.add_argument("--repeat", type=int, default=3, help="Take the best of N runs.")
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--skip-10x", action="store_true")
    args = parser.parse_args()

    from cotag.services.corpus import ensure_demo_project
    from cotag.project import open_project

    tmp = None
    if args.project is None:
        tmp = tempfile.TemporaryDirectory(prefix="cotag-agreement-bench-")
        t = time.perf_counter()
        project, _ = ensure_demo_project(Path(tmp.name) / "demo", echo=lambda _: None)
        print(f"built demo project in {time.perf_counter() - t:.1f} s")
    else:
        project = open_project(args.project)
    ensure_two_coders(project)

    for kind in ("sentence", "turn"):
        secs, report = timed(lambda k=kind: end_to_end(project, k, 0), args.repeat)
        v = report.views["all"]
        print(f"2 coders, {kind:8s}: {v.n_units:6d} units x {len(v.rows)} codes, no bootstrap: {secs:.3f} s "
              f"(target < 1 s; pooled alpha {v.pooled.value:.3f})")
        secs, report = timed(lambda k=kind: end_to_end(project, k, args.bootstrap), args.repeat)
        ci = report.views["all"].pooled_ci
        print(f"2 coders, {kind:8s}: with {args.bootstrap} bootstrap replicates: {secs:.3f} s "
              f"(target < 5 s; pooled 95% CI [{ci.lo:.3f}, {ci.hi:.3f}], {report.views['all'].clusters} clusters)")
        secs, report = timed(lambda k=kind: end_to_end(project, k, args.bootstrap, "krippendorff"), args.repeat)
        ci = report.views["all"].pooled_ci
        print(f"2 coders, {kind:8s}: with {args.bootstrap} Krippendorff (2013b) replicates: {secs:.3f} s "
              f"(target < 5 s; pooled 95% CI [{ci.lo:.3f}, {ci.hi:.3f}])")
    if not args.skip_10x:
        figures = ten_by_ten(project, args.bootstrap, max(1, args.repeat // 3))
        print("10 coders, 10x corpus (target < 20 s): " + ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
    project.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
