"""Start-up of the report commands, as ratios to `cotag --help` measured in the same run (issue #14: <= 4x).

Each command runs as a whole process (what a researcher waits for at the prompt), a few times in turn so that
a busy moment of the machine touches every command alike; the median of each is compared with the median of
`cotag --help`. The figures are printed as a table (and as JSON with --json); nothing here asserts a time.

Usage: python bench/startup_bench.py [--project DIR] [--repeat N] [--json] [--before SRC]
Without --project a demo project is created in a temporary folder (about 10 s, spaCy).
--before SRC runs the same commands from another checkout's src/ folder (e.g. `git archive COMMIT src | tar -x`)
in the same run, interleaved, and prints its ratios beside this checkout's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 4.0

# (label, arguments after `cotag`); --help first: it is the yardstick.
COMMANDS: tuple[tuple[str, list[str]], ...] = (
    ("cotag --help", ["--help"]),
    ("cotag status", ["status"]),
    ("cotag agreement", ["agreement"]),
    ("cotag export quotes --codes wages", ["export", "quotes", "--codes", "wages"]),
    ("cotag export matrix --by group", ["export", "matrix", "--by", "group"]),
    ("cotag reconcile list", ["reconcile", "list"]),
)

# The installed entry point, run from this checkout's sources.
LAUNCH = "import sys; sys.argv[0] = 'cotag'; from cotag.cli import main; main()"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], project: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one whole process. CPU time is printed beside the wall
    clock because on a shared machine another job's load stretches the wall clock far more than the CPU."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCH, "--project", str(project), *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"cotag {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return elapsed, cpu


def measure(project: Path, repeat: int, srcs: list[Path]) -> list[list[dict[str, object]]]:
    """Per source tree, a row per command; the trees' runs are interleaved so that load touches them alike."""
    envs = [{**os.environ, "PYTHONPATH": str(src)} for src in srcs]
    for env in envs:
        for _, args in COMMANDS:  # one warm-up round: the first read of each file from disk is not start-up
            run(args, project, env)
    times: list[dict[str, list[float]]] = [{label: [] for label, _ in COMMANDS} for _ in envs]
    cpus: list[dict[str, list[float]]] = [{label: [] for label, _ in COMMANDS} for _ in envs]
    for _ in range(repeat):
        for label, args in COMMANDS:
            for index, env in enumerate(envs):
                wall, cpu = run(args, project, env)
                times[index][label].append(wall)
                cpus[index][label].append(cpu)
    return [_rows(t, c) for t, c in zip(times, cpus)]


def _rows(times: dict[str, list[float]], cpus: dict[str, list[float]]) -> list[dict[str, object]]:
    base = statistics.median(times[COMMANDS[0][0]])
    cpu_base = statistics.median(cpus[COMMANDS[0][0]])
    rows = []
    for label, _ in COMMANDS:
        median, cpu = statistics.median(times[label]), statistics.median(cpus[label])
        rows.append({"command": label, "median_s": round(median, 3), "ratio": round(median / base, 2),
                     "min_s": round(min(times[label]), 3), "cpu_s": round(cpu, 3),
                     "cpu_ratio": round(cpu / cpu_base, 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="A demo project (default: create one in a temporary folder).")
    parser.add_argument("--repeat", type=int, default=7, help="Runs of each command (the median is reported).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.add_argument("--before", type=Path, help="Another checkout's src/ folder, measured in the same run.")
    options = parser.parse_args()
    here = Path(__file__).resolve().parent.parent / "src"
    srcs = [here] + ([options.before.resolve()] if options.before else [])
    with tempfile.TemporaryDirectory() as tmp:
        project = options.project
        if project is None:
            from cotag.services.corpus import ensure_demo_project

            project = Path(tmp) / "demo"
            ensure_demo_project(project, echo=lambda *_: None)
        results = measure(project, options.repeat, srcs)
    if options.json:
        print(json.dumps({"target_ratio": TARGET, "load_average": os.getloadavg()[0],
                          "trees": {str(src): rows for src, rows in zip(srcs, results)}}, indent=2))
        return
    for src, rows in zip(srcs, results):
        print(f"\n{src}")
        _print(rows)


def _print(rows: list[dict[str, object]]) -> None:
    print(f"{'command':<38}{'median':>9}{'x --help':>10}{'cpu':>9}{'x --help':>10}  "
          f"(target <= {TARGET:g}x; load {os.getloadavg()[0]:.1f})")
    for row in rows:
        ratio = float(row["ratio"])  # type: ignore[arg-type]
        mark = "" if row is rows[0] else ("  ok" if ratio <= TARGET else "  over")
        print(f"{row['command']:<38}{row['median_s']:>8.2f}s{ratio:>9.1f}x{row['cpu_s']:>8.2f}s"
              f"{row['cpu_ratio']:>9.1f}x{mark}")


if __name__ == "__main__":
    main()
