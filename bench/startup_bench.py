"""Start-up of the report commands, as ratios to `cotag --help` measured in the same run (issue #14: <= 4x).

Each command runs as a whole process (what a researcher waits for at the prompt), a few times in turn so that
a busy moment of the machine touches every command alike; the median of each is compared with the median of
`cotag --help`. The figures are printed as a table (and as JSON with --json); nothing here asserts a time.

Usage: python bench/startup_bench.py [--project DIR] [--repeat N] [--json]
Without --project a demo project is created in a temporary folder (about 10 s, spaCy).
"""

from __future__ import annotations

import argparse
import json
import os
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


def run(args: list[str], project: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCH, "--project", str(project), *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"cotag {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return elapsed


def measure(project: Path, repeat: int) -> list[dict[str, object]]:
    src = Path(__file__).resolve().parent.parent / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}
    for _, args in COMMANDS:  # one warm-up round: the first read of each file from disk is not start-up
        run(args, project, env)
    times: dict[str, list[float]] = {label: [] for label, _ in COMMANDS}
    for _ in range(repeat):
        for label, args in COMMANDS:
            times[label].append(run(args, project, env))
    base = statistics.median(times[COMMANDS[0][0]])
    rows = []
    for label, _ in COMMANDS:
        median = statistics.median(times[label])
        rows.append({"command": label, "median_s": round(median, 3), "ratio": round(median / base, 2),
                     "min_s": round(min(times[label]), 3)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="A demo project (default: create one in a temporary folder).")
    parser.add_argument("--repeat", type=int, default=7, help="Runs of each command (the median is reported).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = options.project
        if project is None:
            from cotag.demo.project import ensure_demo_project

            project = Path(tmp) / "demo"
            ensure_demo_project(project, echo=lambda *_: None)
        rows = measure(project, options.repeat)
    if options.json:
        print(json.dumps({"target_ratio": TARGET, "load_average": os.getloadavg()[0], "commands": rows}, indent=2))
        return
    print(f"{'command':<38}{'median':>9}{'x --help':>10}  (target <= {TARGET:g}x; load {os.getloadavg()[0]:.1f})")
    for row in rows:
        ratio = float(row["ratio"])  # type: ignore[arg-type]
        mark = "" if row is rows[0] else ("  ok" if ratio <= TARGET else "  over")
        print(f"{row['command']:<38}{row['median_s']:>8.2f}s{ratio:>9.1f}x{mark}")


if __name__ == "__main__":
    main()
