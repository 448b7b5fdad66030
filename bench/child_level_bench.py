"""Child-level returns at a large council's scale (issue 32: an SSDA903 of 50,000 children
with 150,000 episodes, and a CIN census of 100,000 children, each checked and computed within
10 s and 400 MB). Builds both in memory from Data to Insight's fake returns, relabelling the
children's ids to scale them up (and leaving out the fake 903's overlapping episodes, which
the check refuses), then times imports.childlevel.reduce, in a fresh process each so the peak
is the return's own.

    .venv/bin/python bench/child_level_bench.py
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"
FAKE = ROOT.parent / "shared" / "data" / "child-level"
TARGET_SECONDS, TARGET_MB = 10.0, 400


def cin_of(children: int) -> bytes:
    import re

    # Its reference date is the day it was generated: as a census taken at 31 March 2022.
    text = (FAKE / "cin" / "fake_CIN_data.xml").read_text().replace("2022-07-21<", "2022-03-31<")
    head, rest = text.split("<Children>", 1)
    body = rest.rsplit("</Children>", 1)[0]
    records = re.findall(r"<Child>.*?</Child>", body, re.S)
    out = []
    for n in range(children):
        record = records[n % len(records)]
        out.append(re.sub(r"<LAchildID>[^<]*</LAchildID>", f"<LAchildID>B{n}</LAchildID>", record))
    return (head + "<Children>" + "".join(out) + "</Children></Message>").encode()


def ssda903_of(children: int, episodes_wanted: int = 150_000) -> bytes:
    import pandas as pd

    tables = {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in (FAKE / "ssda903").glob("*.csv")
    }
    episodes = tables["episodes"]
    episodes = episodes[~episodes["CHILD"].isin(_overlapping(episodes))]
    ids = sorted(set(episodes["CHILD"]))
    kept = episodes[episodes["CHILD"].isin(ids)]
    copies = max(-(-children // len(ids)), -(-episodes_wanted // len(kept)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ["header", "episodes", "oc3"]:
            table = episodes if name == "episodes" else tables[name]
            table = table[table["CHILD"].isin(ids)]
            big = pd.concat([table.assign(CHILD=table["CHILD"] + f"-{k}") for k in range(copies)])
            archive.writestr(f"{name}.csv", big.to_csv(index=False))
    return buffer.getvalue()


def _overlapping(episodes) -> set:
    import pandas as pd

    frame = episodes.assign(
        start=pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y"),
        end=pd.to_datetime(episodes["DEC"], format="%d/%m/%Y", errors="coerce"),
    ).sort_values(["CHILD", "start"])
    previous = frame.groupby("CHILD")["end"].shift(1)
    later = frame.groupby("CHILD").cumcount() > 0
    return set(frame.loc[(frame["start"] < previous) | (later & previous.isna()), "CHILD"])


def run_one(kind: str, path: str) -> None:
    """In a fresh process: reduce the return, print seconds and peak MB."""
    import django
    import psutil

    django.setup()
    from imports.childlevel import reduce as childlevel

    data = Path(path).read_bytes()
    process = psutil.Process()
    started = time.perf_counter()
    files = childlevel.unbundled(data, Path(path).name)
    if kind == "cin":
        figures, _ = childlevel.reduce_cin(files, "E08000017")
    else:
        figures, _ = childlevel.reduce_903(files, "E08000017", None)
    seconds = time.perf_counter() - started
    peak = process.memory_info().rss / 2**20
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        pass
    print(f"{seconds:.2f} {peak:.0f} {len(figures.splitlines()) - 1}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
        return
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cases = [
            ("cin", "CIN census, 100,000 children", cin_of(100_000), "census.xml"),
            (
                "ssda903",
                "SSDA903, 50,000+ children, 150,000 episodes",
                ssda903_of(50_000),
                "903.zip",
            ),
        ]
        print(
            f"{'return':44} {'seconds':>8} {'target':>7} {'ratio':>6} "
            f"{'peak MB':>8} {'target':>7} {'ratio':>6}"
        )
        for kind, label, data, name in cases:
            path = Path(folder) / name
            path.write_bytes(data)
            del data
            done = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(path)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            seconds, peak, rows = done.stdout.split()[-3:]
            seconds, peak = float(seconds), float(peak)
            print(
                f"{label:44} {seconds:8.2f} {TARGET_SECONDS:7.0f} {seconds / TARGET_SECONDS:6.2f} "
                f"{peak:8.0f} {TARGET_MB:7.0f} {peak / TARGET_MB:6.2f}   "
                f"({rows} figures; {path.stat().st_size / 2**20:.0f} MB file)"
            )


if __name__ == "__main__":
    main()
