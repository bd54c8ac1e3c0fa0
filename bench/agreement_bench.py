"""Benchmark `cotag agreement` on the demo corpus.

1. Two coders over the whole demo corpus: "reference" (the generator's coding, copied)
   and "perturbed" (the simulator at noise 0.15), all codes, sentence and turn units.
   Timed end to end as the command runs it (read the store, unitise, build the report),
   without bootstrap (target < 1 s) and with 2,000 bootstrap replicates (target < 5 s).
2. Ten coders on a ten-fold corpus (target < 20 s): ten simulated coders are unitised
   over the real corpus in memory, then the units are tiled ten times (cluster ids
   shifted so each copy's turns stay separate clusters), and the report is built.

Usage: python bench/agreement_bench.py [--project DIR] [--repeat N] [--skip-10x]
Without --project a demo project is created in a temporary folder (about 10 s, spaCy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


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


def end_to_end(project, kind: str, bootstrap: int):
    from cotag.reliability.report import build_report
    from cotag.reliability.units import Selection, load_unitised

    with project.session() as s:
        data = load_unitised(s, Selection(coders=("reference", "perturbed")), kind=kind)
    return build_report(data, bootstrap=bootstrap, seed=1)


def ten_by_ten(project, bootstrap: int, repeat: int) -> dict[str, float]:
    """10 simulated coders over the corpus, units tiled 10x; returns timings."""
    from sqlmodel import select

    from cotag.demo.simulate import (
        coder_rng,
        default_reference,
        perturb,
        read_reference,
    )
    from cotag.reliability.report import build_report
    from cotag.reliability.units import Spans, UnitFrame, Unitised, unitise
    from cotag.store.models import Code, Document, Unit

    ref = read_reference(default_reference())
    with project.session() as s:
        docs = [(i, ext, len(t)) for i, ext, t in s.exec(select(Document.id, Document.external_id, Document.text)
                                                         .order_by(Document.external_id))]
        codes = [c.key for c in s.exec(select(Code).order_by(Code.position))]
        index = {i: k for k, (i, _, _) in enumerate(docs)}
        unit_rows = [(index[d], a, b, t, bool(iv)) for d, a, b, t, iv in s.exec(
            select(Unit.document_id, Unit.start, Unit.end, Unit.turn, Unit.is_interviewer))]
    names = [ext for _, ext, _ in docs]
    frame = UnitFrame.from_rows(names, unit_rows)
    respondent: dict[int, list[tuple[int, int]]] = {}
    for d, a, b, _, iv in unit_rows:
        if not iv:
            respondent.setdefault(d, []).append((a, b))
    coders = [f"coder{i:02d}" for i in range(10)]
    rows = []
    for c, name in enumerate(coders):
        rng = coder_rng(5, name)
        for k, (_, ext, length) in enumerate(docs):
            for code, a, b in perturb(ref.get(ext, []), sorted(respondent.get(k, [])), length, codes, 0.15, rng):
                rows.append((c, codes.index(code), k, a, b))
    t = time.perf_counter()
    base = unitise(frame, Spans.from_rows(rows), coders=coders, codes=codes,
                   coded={c: range(len(names)) for c in range(10)}, kind="sentence")
    unitise_s = time.perf_counter() - t
    n = base.n_units
    tiles = 10
    turn_offset = int(base.turn_cluster.max()) + 1
    doc_offset = int(base.document_cluster.max()) + 1
    big = Unitised(
        kind="sentence", rule=base.rule, coders=coders, codes=codes, documents=base.documents * tiles,
        stack=np.tile(base.stack, (1, 1, tiles)), unit_doc=np.tile(base.unit_doc, tiles),
        unit_start=np.tile(base.unit_start, tiles), unit_end=np.tile(base.unit_end, tiles),
        unit_turn=np.tile(base.unit_turn, tiles),
        turn_cluster=np.concatenate([base.turn_cluster + i * turn_offset for i in range(tiles)]),
        document_cluster=np.concatenate([base.document_cluster + i * doc_offset for i in range(tiles)]),
        coded=base.coded, frame_documents=base.frame_documents,
    )
    no_boot, _ = timed(lambda: build_report(big, bootstrap=0), repeat)
    boot, _ = timed(lambda: build_report(big, bootstrap=bootstrap, seed=1), repeat)
    return {"units": n * tiles, "codes": len(codes), "coders": 10, "unitise_1x_s": unitise_s,
            "report_s": no_boot, f"report_bootstrap_{bootstrap}_s": boot}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="An existing demo project (default: build one in a temp dir).")
    parser.add_argument("--repeat", type=int, default=3, help="Take the best of N runs.")
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--skip-10x", action="store_true")
    args = parser.parse_args()

    from cotag.demo.project import ensure_demo_project
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
              f"(pooled alpha {v.pooled.value:.3f})")
        secs, report = timed(lambda k=kind: end_to_end(project, k, args.bootstrap), args.repeat)
        ci = report.views["all"].pooled_ci
        print(f"2 coders, {kind:8s}: with {args.bootstrap} bootstrap replicates: {secs:.3f} s "
              f"(pooled 95% CI [{ci.lo:.3f}, {ci.hi:.3f}])")
    if not args.skip_10x:
        figures = ten_by_ten(project, args.bootstrap, max(1, args.repeat // 3))
        print("10 coders, 10x corpus: " + ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
    project.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
