"""Peak memory of reading the worst uploads (issue: hostile files; target ≤ 300 MB each).

Each case runs `imports.files.read_table` in a fresh Python process and reports that
process's peak resident memory (ru_maxrss) beside the target, the ratio, and what the reader
said. The files are made here: a zip bomb (an .xlsx of under a megabyte whose one cell
inflates to 1.2 GB), a CSV at both the size limit (50 MB) and the row limit (1,000,000), a
99 MB CSV of 3.8 million rows, and a 20,000-column header. (Over 50 MB, the web refuses an
upload as it streams in, before any of this.)

    .venv/bin/python bench/upload_memory_bench.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 300

CHILD = """
import os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"
import django
django.setup()
from imports.files import read_table
from imports.problems import FileProblem
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = open({path!r}, "rb").read()
started = time.perf_counter()
try:
    frame = read_table(data, {name!r})
    said = f"read {{len(frame):,}} rows"
except FileProblem as error:
    said = "refused: " + str(error)[:90]
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{{peak / 1024:.0f}}\\t{{baseline / 1024:.0f}}\\t{{seconds:.2f}}\\t{{said}}")
"""


def zip_bomb(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.imports.test_xlsx_limits import bomb

    path = folder / "bomb.xlsx"
    path.write_bytes(bomb(1200 * 1024 * 1024))
    return path


def huge_csv(folder: Path, megabytes: int = 99) -> Path:
    """Short rows: far more than the row limit."""
    path = folder / "huge.csv"
    row = b"E08000017,A2,2016-17 Q2,82\n"
    with path.open("wb") as out:
        out.write(b"authority,indicator,period,value\n")
        block = row * 40_000
        for _ in range(megabytes * 1024 * 1024 // len(block)):
            out.write(block)
    return path


def worst_csv(folder: Path) -> Path:
    """The worst file Outturn reads: a million rows (the row limit) filling the size limit
    (50 MB), each with a note."""
    path = folder / "worst.csv"
    header = b"authority,indicator,period,value,note\n"
    stem = b"E08000017,A2,2016-17 Q2,82,"
    note = b"x" * ((50 * 1024 * 1024 - len(header)) // 1_000_000 - len(stem) - 1)
    path.write_bytes(header + (stem + note + b"\n") * 1_000_000)
    return path


def wide_header(folder: Path, columns: int = 20_000) -> Path:
    path = folder / "wide.csv"
    header = ",".join(["authority", "indicator"] + [f"2016-{n:05d}" for n in range(columns)])
    path.write_text(header + "\n" + ",".join(["E08000017", "A2"] + ["1"] * columns) + "\n")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        cases = [
            ("zip bomb (.xlsx, 1.2 GB inflated)", zip_bomb(folder)),
            ("CSV at both limits (50 MB, 1M rows)", worst_csv(folder)),
            ("CSV of 3.8M rows (99 MB)", huge_csv(folder)),
            ("wide header (20,000 columns)", wide_header(folder)),
        ]
        head = f"{'case':38} {'file':>8} {'peak MB':>8} {'target':>7} {'ratio':>6} {'s':>6}"
        print(head + "  outcome")
        for label, path in cases:
            script = CHILD.format(root=str(ROOT), path=str(path), name=path.name)
            out = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
            )
            if out.returncode:
                print(f"{label:38} failed: {out.stderr.strip().splitlines()[-1]}")
                continue
            peak, _baseline, seconds, said = out.stdout.strip().split("\t")
            size = path.stat().st_size / 1e6
            print(
                f"{label:38} {size:7.1f}M {peak:>8} {TARGET_MB:>7} "
                f"{int(peak) / TARGET_MB:6.2f} {seconds:>6}  {said}"
            )


if __name__ == "__main__":
    main()
