"""National-scale import benchmark (issue: CSV returns).

Generates a return of 153 authorities x 60 indicators x 48 quarters (about 440,000 rows),
imports it end to end (read, check every row, write, recompute statuses) and prints rows per
second, peak memory, and the ratio to a floor measured in the same run: pandas reading the
same file plus PostgreSQL COPY of the same rows into a bare table. Then imports DfE's
values.csv the same way.

    .venv/bin/python bench/import_bench.py --database sqlite
    .venv/bin/python bench/import_bench.py --database postgres [--url postgres://postgres@127.0.0.1:5432/postgres]

Each run uses a throwaway database (a temporary SQLite file, or a new PostgreSQL database
that is dropped afterwards). Figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "dfe"
sys.path.insert(0, str(ROOT))


def machine_speed() -> str:
    """How fast this machine runs Python now: shared machines vary by 2x from day to day, so
    each run says how fast its machine was (best of three 10-million-step loops)."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for step in range(10_000_000):
            total += step
        best = min(best, time.perf_counter() - started)
    return (
        f"machine: a 10-million-step Python loop takes {best:.2f} s (best of 3), on Python "
        f"{platform.python_version()} at {sys.executable} (an optimised build runs pages a "
        "fifth quicker: docs/benchmarks.md)"
    )


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own address space;
    ru_maxrss would also count the parent's memory at the moment it started this process."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_return(path: Path, authorities: list[str], indicators: int, quarters: int) -> int:
    import numpy as np
    import pandas as pd

    from indicators.rules import PeriodKind, from_sequence

    start = 2013 * 4  # 2013-14 Q1
    periods = [from_sequence(PeriodKind.QUARTER, start + i).code for i in range(quarters)]
    codes = [f"SYN-{i:02d}" for i in range(1, indicators + 1)]
    index = pd.MultiIndex.from_product([authorities, codes, periods])
    rng = np.random.default_rng(2016)
    frame = pd.DataFrame(
        {
            "authority": index.get_level_values(0),
            "indicator": index.get_level_values(1),
            "period": index.get_level_values(2),
            "value": rng.uniform(40, 100, len(index)).round(1),
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


def floor_seconds(path: Path, pg_url: str) -> tuple[float, float]:
    """pandas reading the file, and COPY of the same rows into a bare PostgreSQL table."""
    import pandas as pd
    import psycopg

    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    read = time.perf_counter() - started
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TEMPORARY TABLE bare (a text, i text, p text, v double precision)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY bare FROM STDIN WITH (FORMAT csv)") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        copied = time.perf_counter() - started
    return read, copied


def schema_floor_seconds(rows: int) -> float:
    """PostgreSQL storing the same number of figures with every stored column in copies of
    the values and history tables — their indexes and the checks of the values' three
    references — and committing (the figures by COPY, their history read back from them, as
    the write path does): what this schema costs, before any checking, diffing or judging."""
    import numpy as np
    import pandas as pd
    from django.db import connection, transaction

    from authorities.models import Authority
    from indicators.bulk import write_rows
    from indicators.models import Indicator, Period, Value
    from indicators.rules import PeriodKind, from_sequence
    from indicators.writes import history_columns

    values, history = Value._meta.db_table, Value.history.model._meta.db_table
    periods = Period.ensure(from_sequence(PeriodKind.QUARTER, 2013 * 4 + i) for i in range(48))
    keys = pd.MultiIndex.from_product(
        [
            Authority.objects.filter(kind="local_authority").values_list("id", flat=True),
            Indicator.objects.values_list("id", flat=True),
            [p.id for p in periods.values()],
        ]
    )[:rows]
    rows = len(keys)
    frame = pd.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "authority_id": keys.get_level_values(0),
            "indicator_id": keys.get_level_values(1),
            "period_id": keys.get_level_values(2),
            "value": np.random.default_rng(1).uniform(40, 100, rows).round(1),
            "no_value_reason": "",
            "reported_status": "",
            "numerator": np.nan,
            "denominator": np.nan,
            "note": "",
            "provisional": False,
            "status": "on_target",
            "direction": "better",
            "hard_to_shift": False,
            "variation": "common_cause",
            "assurance": "hit_and_miss",
            "spc_mean": 70.5,
            "spc_lower": 40.25,
            "spc_upper": 100.75,
            "updated_at": "2026-11-25T12:00:00+00:00",
        }
    )
    with connection.cursor() as cursor:
        for table in (values, history):
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        # The values' references: their foreign keys, as the model declares them.
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [values],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE floor_{values} ADD {definition}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        write_rows(cursor, f"floor_{values}", frame)
        # History read back from the rows just stored, as the write path does.
        kept = history_columns()
        cursor.execute(
            f"INSERT INTO floor_{history} ({', '.join(kept)}, history_date, history_type) "
            f"SELECT {', '.join(kept)}, %s, '+' FROM floor_{values}",
            ["2026-11-25T12:00:00+00:00"],
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in (values, history):
            cursor.execute(f"DROP TABLE floor_{table}")
    return seconds


def setup_database(kind: str, url: str) -> tuple[str, callable]:
    if kind == "sqlite":
        handle = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)
        return f"sqlite:///{handle.name}", lambda: os.unlink(handle.name)
    import psycopg

    name = f"outturn_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url.rsplit("/", 1)[0] + "/" + name, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--quarters", type=int, default=48)
    args = parser.parse_args()

    database_url, cleanup = setup_database(args.database, args.url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)  # recompute in-process: the benchmark times it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.IMPORT_MAX_BYTES = 1 << 30
    try:
        call_command("migrate", verbosity=0)
        call_command("load_authorities", str(SHARED / "authorities.csv"), stdout=io.StringIO())
        call_command("import_indicators", str(SHARED / "indicators.csv"), stdout=io.StringIO())
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()


def add_synthetic_measures(count: int) -> None:
    """SYN-01… percentages, alternately higher and lower is better, in three categories, with
    a default target and tolerance for every year from 2013-14 to 2024-25."""
    import pandas as pd

    from indicators.models import Indicator
    from indicators.writes import save_indicators, save_target_rows

    save_indicators(
        pd.DataFrame(
            {
                "code": [f"SYN-{i:02d}" for i in range(1, count + 1)],
                "name": [f"Synthetic contract measure {i}" for i in range(1, count + 1)],
                "category": [
                    ["Social Care Pathway", "Children in Care", "Workforce"][i % 3]
                    for i in range(count)
                ],
                "unit": "percent",
                "polarity": ["higher_is_better", "lower_is_better"] * (count // 2)
                + ["higher_is_better"] * (count % 2),
                "decimals": "1",
                "description": "",
            }
        )
    )
    ids = Indicator.objects.filter(code__startswith="SYN-").values_list("id", "polarity")
    save_target_rows(
        pd.DataFrame(
            [
                {
                    "indicator_id": i,
                    "authority_id": None,
                    "fiscal_year": year,
                    "target": 80 if polarity == "higher_is_better" else 60,
                    "tolerance": 70,
                }
                for i, polarity in ids
                for year in range(2013, 2025)
            ]
        )
    )


def national_authority_codes() -> list[str]:
    from authorities.models import Authority

    return list(
        Authority.objects.filter(kind="local_authority", replaced_by="")
        .exclude(name__contains="former")
        .order_by("code")
        .values_list("code", flat=True)[:153]
    )


def run(args) -> None:

    from imports import service

    print(machine_speed())
    codes = national_authority_codes()
    add_synthetic_measures(args.indicators)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "national-return.csv"
        rows = make_return(path, codes, args.indicators, args.quarters)
        size_mb = path.stat().st_size / 1e6
        read_s, copy_s = floor_seconds(path, args.url)
        floor = read_s + copy_s
        print(f"database: {args.database}")
        print(
            f"rows: {rows:,} ({len(codes)} authorities x {args.indicators} indicators x "
            f"{args.quarters} quarters), file {size_mb:.1f} MB"
        )
        print(f"floor: pandas read {read_s:.2f} s + PostgreSQL COPY {copy_s:.2f} s = {floor:.2f} s")
        schema = schema_floor_seconds(rows) if args.database == "postgres" else None
        if schema is not None:
            print(
                "schema floor: the same rows, every stored column, into copies of the values "
                "and history tables with their indexes and reference checks, committed: "
                f"{schema:.2f} s"
            )

        # As in production, the upload is checked in a web process and confirmed in a worker:
        # each in a fresh process, so its peak memory is its own.
        baseline = child("baseline")
        staged = child("stage", str(path))
        applied = child("apply", str(staged["batch"]))
        stage_s, confirm_s = staged["seconds"], applied["seconds"]
        imported = stage_s + confirm_s
        print(f"stage (read, check every row, diff, plan): {stage_s:.2f} s")
        print(
            "confirm (plan, judge every series, write figures and history, commit): "
            f"{confirm_s:.2f} s"
        )
        print(
            f"import end to end: {imported:.2f} s = {rows / imported:,.0f} rows/s; "
            f"{imported / floor:.1f}x the floor (target 10x, ratio {imported / floor / 10:.2f})"
            + (f"; {imported / schema:.2f}x the schema floor" if schema else "")
        )
        print(
            f"recompute after commit (the worker's check): {applied['recompute']:.2f} s, "
            f"{applied['recomputed']:,} statuses changed (must be 0)"
        )
        peak = max(staged["peak_mb"], applied["peak_mb"])
        print(
            f"peak memory: stage {staged['peak_mb']:.0f} MB, confirm {applied['peak_mb']:.0f} MB "
            f"(target 400 MB, ratio {peak / 400:.2f}); a fresh process with Django loaded: "
            f"{baseline['peak_mb']:.0f} MB"
        )
        data = path.read_bytes()

        started = time.perf_counter()
        again = service.stage("returns", data, "renamed.csv")
        print(
            "same file again:",
            "recognised as a duplicate" if again.duplicate_of else "NOT recognised",
            f"in {time.perf_counter() - started:.2f} s",
        )

        values = (SHARED / "values.csv").read_bytes()
        started = time.perf_counter()
        staged = service.stage("returns", values, "values.csv")
        batch = service.apply(staged.batch)
        seconds = time.perf_counter() - started
        print(
            f"values.csv: {batch.counts['new']:,} rows in {seconds:.2f} s "
            f"({batch.counts['new'] / seconds:,.0f} rows/s), state {batch.state}"
        )
        print(f"peak memory (whole run): {peak_mb():.0f} MB")


def child(step: str, *arguments: str) -> dict:
    """Run one step in a fresh Python process on the same database; its JSON result."""
    import json
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--child", step, *arguments],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def profiled(suffix: str):
    """With OUTTURN_PROFILE=PATH, a cProfile of the block written to PATH + suffix."""
    path = os.environ.get("OUTTURN_PROFILE")
    if not path:
        yield
        return
    import cProfile

    with cProfile.Profile() as profiler:
        yield
    profiler.dump_stats(path + suffix)


def run_child(step: str, arguments: list[str]) -> None:
    """A fresh process's step: `baseline` (Django loaded), `stage PATH`, `apply BATCH_ID`
    (the recompute after commit runs in-process, as with no broker, and is timed apart)."""
    import json

    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.IMPORT_MAX_BYTES = 1 << 30
    from imports import service, tasks
    from imports.models import ImportBatch

    result: dict = {}
    if step == "stage":
        data = Path(arguments[0]).read_bytes()
        started = time.perf_counter()
        with profiled(".stage"):
            staged = service.stage("returns", data, Path(arguments[0]).name)
        result["seconds"] = time.perf_counter() - started
        assert not staged.problems, staged.problems[:3]
        result["batch"] = staged.batch.pk
    elif step == "apply":
        timed = []
        real = tasks.run_recompute

        def timed_recompute(*a, **k):
            started = time.perf_counter()
            outcome = real(*a, **k)
            timed.append(time.perf_counter() - started)
            return outcome

        tasks.run_recompute = timed_recompute
        started = time.perf_counter()
        with profiled(""):
            batch = service.apply(ImportBatch.objects.get(pk=int(arguments[0])))
        total = time.perf_counter() - started
        assert batch.state == "applied", batch.message
        batch.refresh_from_db()
        result.update(seconds=total - sum(timed), recompute=sum(timed), recomputed=batch.recomputed)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        run_child(sys.argv[2], sys.argv[3:])
    else:
        main()
