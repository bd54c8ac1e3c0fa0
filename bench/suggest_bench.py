"""Benchmark the code suggester on the demo corpus.

Truth: the generator's reference coding (transcripts/reference.csv).  Training data: the codings
of the two simulated demo coders on the 20 documents they coded (noise 0.15, as `cotag demo`
makes them), plus the codebook.  Scored on every other document of the corpus that the reference
codes, as a coder against the reference with the reliability core (sentence units, all units
view), beside the keyword-only baseline.

Prints: per-code alpha of the suggester and of the baseline, pooled alpha of both (goal: >= .70
and above the baseline), training time (goal < 10 s) and the time to suggest for one whole
document with reasons (goal < 200 ms; median over documents), plus loading the saved model.

Usage: python bench/suggest_bench.py [--project DIR]
Without --project a demo project is created in a temporary folder (about 10 s, spaCy).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, help="An existing demo project (made by `cotag demo`).")
    parser.add_argument("--suggest-docs", type=int, default=30, help="Documents timed for suggestions.")
    args = parser.parse_args()

    from cotag.demo import simulate
    from cotag.services.corpus import ensure_demo_project
    from cotag.reliability.report import build_report
    from cotag.suggest.data import read_documents, read_training
    from cotag.suggest.evaluate import BASELINE, SUGGESTER, as_coders, unit_spans
    from cotag.suggest.model import Suggester, keyword_baseline

    load_at_start = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    tmp = None
    if args.project is None:
        tmp = tempfile.TemporaryDirectory()
        args.project = Path(tmp.name) / "demo"
    project, _ = ensure_demo_project(args.project, echo=lambda line: None)

    with project.session() as s:
        training = read_training(s, include_coders=True)
        trained_docs = {lab.document for lab in training.labels}
        reference = simulate.read_reference(simulate.default_reference())
        held_out = read_documents(s, sorted(d for d in reference if d not in trained_docs and
                                            d in set(read_documents_ids(s))))
    print(f"training: {len(trained_docs)} documents coded by {', '.join(training.sources)}; "
          f"{sum(len(d.respondent) for d in training.documents)} respondent units")
    print(f"evaluated: {len(held_out)} other documents, reference coding as truth")

    began, cpu = time.perf_counter(), time.process_time()
    model = Suggester.train(training)
    train_seconds, train_cpu = time.perf_counter() - began, time.process_time() - cpu

    suggested = {d.document: unit_spans(d, model.predict(d)) for d in held_out}
    baseline = {d.document: unit_spans(d, keyword_baseline(training.codes, d)) for d in held_out}
    truth = {d.document: reference[d.document] for d in held_out}
    report = build_report(as_coders(held_out, training.codes, coders={SUGGESTER: suggested, "reference": truth}))
    base = build_report(as_coders(held_out, training.codes, coders={BASELINE: baseline, "reference": truth}))

    rows = {r.code: r for r in report.views["all"].rows}
    brows = {r.code: r for r in base.views["all"].rows}

    def f(v):
        return f"{v:6.3f}" if v is not None else "   n/a"

    print(f"\n{'code':<24}{'suggester':>10}{'keywords':>10}{'prevalence':>12}")
    for code, r in rows.items():
        b = brows[code]
        prev = f"{r.prevalence:.3f}" if r.prevalence is not None else "n/a"
        print(f"{code:<24}{f(r.alpha.value):>10}{f(b.alpha.value):>10}{prev:>12}"
              + ("" if r.alpha.value is None or r.alpha.value >= 0.667 else "   below .667"))
    print(f"{'pooled alpha':<24}{f(report.views['all'].pooled.value):>10}{f(base.views['all'].pooled.value):>10}")
    print(f"{'pooled (coded-only)':<24}{f(report.views['coded'].pooled.value):>10}"
          f"{f(base.views['coded'].pooled.value):>10}")

    timings, cpu_timings = [], []
    for doc in held_out[:args.suggest_docs]:
        t, c = time.perf_counter(), time.process_time()
        model.suggest(doc)
        timings.append(time.perf_counter() - t)
        cpu_timings.append(time.process_time() - c)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "suggester.npz"
        model.save(path)
        t = time.perf_counter()
        Suggester.load(path)
        load_seconds = time.perf_counter() - t
        size = path.stat().st_size
    units = statistics.median(len(d.respondent) for d in held_out[:args.suggest_docs])
    # CPU time beside wall time: on a shared machine the wall clock measures the neighbours too
    print(f"\ntraining time            {train_seconds:6.2f} s wall, {train_cpu:.2f} s CPU  (goal < 10 s)")
    print(f"suggest one document     {1000 * statistics.median(timings):6.1f} ms wall median "
          f"({1000 * statistics.median(cpu_timings):.1f} ms CPU), {1000 * max(timings):.1f} ms max over "
          f"{len(timings)} documents of ~{units:.0f} respondent units, with reasons (goal < 200 ms)")
    print(f"load saved model         {1000 * load_seconds:6.1f} ms wall ({size / 1e6:.1f} MB)")
    print(f"machine                  {machine()}; load average {load_at_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")
    project.close()
    if tmp is not None:
        tmp.cleanup()


def machine() -> str:
    """CPU, cores, Python and the libraries the figures depend on, for the record beside them."""
    import platform

    import numpy
    import scipy
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
            f"numpy {numpy.__version__}, scipy {scipy.__version__}")


def read_documents_ids(session):
    from cotag.store.documents import list_documents

    return [d.external_id for d in list_documents(session)]


if __name__ == "__main__":
    main()
