"""The speed targets in one run (issues 16, 31 and 32): the national import (PostgreSQL, then
SQLite), the pages warm and cold, a cold chart page, the child-level returns, the paper, and
100 members of 50 councils while returns are applied. Runs each benchmark in its
own process, shows its whole output, then repeats each one's output from its first line that
names a target, so the figures and their ratios are together at the end.

    .venv/bin/python bench/speed.py            # about 10 minutes on a 2-core machine
    .venv/bin/python bench/speed.py --quick    # without the load test

Needs PostgreSQL (and Redis for the load test) as the scripts it runs do.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = [
    ("import, PostgreSQL", ["import_bench.py", "--database", "postgres"]),
    ("import, SQLite", ["import_bench.py", "--database", "sqlite"]),
    ("pages, PostgreSQL", ["pages_bench.py", "--database", "postgres"]),
    ("chart page", ["chart_page_bench.py"]),
    ("child-level returns", ["child_level_bench.py"]),
    ("the paper", ["briefing_bench.py"]),
    ("load", ["load_run.py"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="leave out the load test")
    args = parser.parse_args()
    summary: list[tuple[str, list[str]]] = []
    failed = []
    for title, command in RUNS:
        if args.quick and title == "load":
            continue
        print(f"\n=== {title} ===", flush=True)
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / command[0]), *command[1:]],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = []
        for line in process.stdout:
            print(line, end="", flush=True)
            if lines or "target" in line:
                lines.append(line.rstrip())
        if process.wait():
            failed.append(title)
        summary.append((title, lines))
    print("\n=== against the targets (issues 16, 31, 32) ===")
    for title, lines in summary:
        print(f"{title}:")
        for line in lines or ["(no figure: see its output above)"]:
            print(f"  {line}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
