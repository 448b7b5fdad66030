"""What statistical process control adds to the recompute at national scale (issue 15: at
most 1 s for 153 authorities × 60 indicators × 48 quarters).

Builds the recompute's frame for 440,640 synthetic figures in memory (no database) and times
indicators.recompute.compute() with and without its SPC columns, best of three.

    .venv/bin/python bench/spc_bench.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"
TARGET_SECONDS = 1.0


def national_frame(authorities=153, indicators=60, quarters=48) -> pd.DataFrame:
    rng = np.random.default_rng(2016)
    n = authorities * indicators * quarters
    authority = np.repeat(np.arange(authorities), indicators * quarters)
    indicator = np.tile(np.repeat(np.arange(indicators), quarters), authorities)
    sequence = np.tile(np.arange(quarters), authorities * indicators)
    polarity = np.array(["higher_is_better", "lower_is_better", "none"])[indicator % 3]
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "authority_id": authority,
            "indicator_id": indicator,
            "kind": "quarter",
            "sequence": sequence,
            "fiscal_year": 2013 + sequence // 4,
            "value": np.round(rng.normal(70, 8, n), 0),
            "reported_status": "",
            "polarity": polarity,
            "decimals": 0,
            "target": 72.0,
            "tolerance": 65.0,
        }
    )


def main() -> None:
    import django

    django.setup()
    from indicators import recompute

    frame = national_frame()

    def best(run) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run(frame.copy())
            times.append(time.perf_counter() - started)
        return min(times)

    with_spc = best(recompute.compute)
    original = recompute.spc_columns
    recompute.spc_columns = lambda frame, rebases=None: frame
    try:
        without = best(recompute.compute)
    finally:
        recompute.spc_columns = original
    added = with_spc - without
    print(f"{len(frame):,} figures: compute() {without:.2f} s without SPC, {with_spc:.2f} s with")
    print(f"{'measure':32} {'seconds':>8} {'target':>7} {'ratio':>6}")
    print(
        f"{'SPC added to the recompute':32} {added:8.2f} {TARGET_SECONDS:7.2f} "
        f"{added / TARGET_SECONDS:6.2f}"
    )


if __name__ == "__main__":
    main()
