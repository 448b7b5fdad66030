"""Peak memory and time of the worst uploads (issues 17 and 30: hostile files; target
≤ 300 MB and ≤ 15 s each).

Each case stages the file as the upload page does (`imports.service.stage`: read, check
every row, keep the problems and their file) in a fresh Python process against a throwaway
SQLite database holding the demo's definitions, and reports that process's peak resident
memory (ru_maxrss) and its time beside the targets, the ratios, and what it said. The files
are made here: a zip bomb (an .xlsx of under a megabyte whose one cell inflates to 1.2 GB),
one cell of 190 MB within the archive limit, a CSV at both the size limit (50 MB) and the
row limit (1,000,000), a 99 MB CSV of 3.8 million rows, a 20,000-column header, and two
files of problems: 8 MB holding 4 million, 38 MB holding 2 million. (Over 50 MB, the web
refuses an upload before reading it.)

    .venv/bin/python bench/upload_memory_bench.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 300
TARGET_S = 15

CHILD = """
import os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"


def peak_mb():
    # This process's own high-water mark: ru_maxrss would carry over the bench's size at
    # the fork (Linux keeps it across exec), VmHWM belongs to this program alone.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


import django
django.setup()
from imports import service
baseline = peak_mb()
data = open({path!r}, "rb").read()
started = time.perf_counter()
staged = service.stage("returns", data, {name!r})
if staged.problems:
    said = f"{{len(staged.problems):,}} problem(s): " + str(staged.problems[0])[:80]
else:
    said = f"checked: {{staged.counts}}"
seconds = time.perf_counter() - started
print(f"{{peak_mb():.0f}}\\t{{baseline:.0f}}\\t{{seconds:.2f}}\\t{{said}}")
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


def one_huge_cell(folder: Path) -> Path:
    """One cell of 190 MB: within the 200 MB archive limit, in a workbook of a few hundred KB."""
    sys.path.insert(0, str(ROOT))
    from tests.imports.test_xlsx_limits import bomb

    path = folder / "one-cell.xlsx"
    path.write_bytes(bomb(190 * 1024 * 1024))
    return path


def problems_csv(folder: Path, name: str, row: bytes, rows: int) -> Path:
    path = folder / name
    path.write_bytes(b"authority,indicator,period,value,note\n" + row * rows)
    return path


def valid_csv(folder: Path, env: dict, rows: int = 1_000_000) -> Path:
    """A million figures with nothing wrong (every authority, the demo's indicators, months
    back from 2024-25): checked, previewed and kept to confirm (a figure of 0.5 to 96.5
    fits every unit)."""
    query = (
        "from authorities.models import Authority; from indicators.models import Indicator; "
        "print(' '.join(Authority.objects.filter(replaced_by='').values_list('code', flat=True))); "
        "print(' '.join(Indicator.objects.values_list('code', flat=True)))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", query],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    authorities = sorted({code for code in out[0].split() if re.fullmatch(r"E\d{8}", code)})
    indicators = out[1].split()
    months = [f"{y}-{m:02d}" for y in range(2025, 1990, -1) for m in range(12, 0, -1)]
    months = [month for month in months if "1991-04" <= month <= "2025-03"]
    path = folder / "valid.csv"
    with path.open("w") as file:
        file.write("authority,indicator,period,value\n")
        written = 0
        for month in months:
            for indicator in indicators:
                lines = [
                    f"{a},{indicator},{month},{(written + n) % 97}.5\n"
                    for n, a in enumerate(authorities)
                ]
                file.writelines(lines[: rows - written])
                written += len(lines[: rows - written])
                if written >= rows:
                    return path
    return path


def database(folder: Path) -> dict:
    """A throwaway SQLite database with the demo's definitions and every authority, for the
    checker's look-ups."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"}
    env.update(LOG_LEVEL="WARNING", MEDIA_ROOT=str(folder / "media"))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "load_demo", "--without-national"], env=env, cwd=ROOT, check=True)
    places = ROOT / "demo" / "data" / "national" / "authorities.csv.gz"  # every authority
    subprocess.run([*manage, "load_authorities", str(places)], env=env, cwd=ROOT, check=True)
    return env


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = database(folder)
        cases = [
            ("zip bomb (.xlsx, 1.2 GB inflated)", zip_bomb(folder)),
            ("one cell of 190 MB (.xlsx)", one_huge_cell(folder)),
            ("CSV at both limits (50 MB, 1M rows)", worst_csv(folder)),
            ("CSV of 3.8M rows (99 MB)", huge_csv(folder)),
            ("wide header (20,000 columns)", wide_header(folder)),
            ("4M problems (8 MB)", problems_csv(folder, "p4.csv", b"x,y,z,w,\n", 1_000_000)),
            (
                "2M problems (38 MB)",
                problems_csv(folder, "p2.csv", b"E08000017,A2,2016-17 Q9,lots,nnnnnnnn\n", 10**6),
            ),
            ("1M figures, nothing wrong (previewed)", valid_csv(folder, env)),
        ]
        head = f"{'case':38} {'file':>8} {'start':>6} {'peak MB':>8} {'target':>7} {'ratio':>6}"
        print(head + f" {'s':>6} {'ratio':>6}  outcome")
        for label, path in cases:
            script = CHILD.format(root=str(ROOT), path=str(path), name=path.name)
            out = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env
            )
            if out.returncode:
                print(f"{label:38} failed: {out.stderr.strip().splitlines()[-1]}")
                continue
            peak, baseline, seconds, said = out.stdout.strip().split("\t")
            size = path.stat().st_size / 1e6
            print(
                f"{label:38} {size:7.1f}M {baseline:>6} {peak:>8} {TARGET_MB:>7} "
                f"{int(peak) / TARGET_MB:6.2f} {seconds:>6} "
                f"{float(seconds) / TARGET_S:6.2f}  {said}"
            )


if __name__ == "__main__":
    main()
