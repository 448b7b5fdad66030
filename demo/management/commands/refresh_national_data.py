"""Refresh the national data the demo ships (demo/data/national/*.csv.gz) from DfE's published
files, as gathered in shared/data/dfe (its README says where each comes from)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from demo.load import NATIONAL_DIR, NATIONAL_FILES
from imports import ees
from imports.files import read_table

COLUMNS = ["authority", "indicator", "period", "value", "numerator", "denominator"]


class Command(BaseCommand):
    help = (
        "Copy DfE's published national files into demo/data/national/, gzipped; values.csv "
        "gains every figure DfE's tidy files in ees/ hold that it lacks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=Path(__file__).resolve().parents[4] / "shared" / "data" / "dfe",
            help="the folder holding authorities.csv, values.csv … (default ../shared/data/dfe)",
        )

    def handle(self, *args, source: Path, **options):
        wanted = [name.removesuffix(".gz") for name in NATIONAL_FILES]
        missing = [name for name in wanted if not (source / name).exists()]
        if missing:
            raise CommandError(f"{source} lacks {', '.join(missing)}")
        NATIONAL_DIR.mkdir(parents=True, exist_ok=True)
        for name in NATIONAL_FILES:
            data = (source / name.removesuffix(".gz")).read_bytes()
            if name == "values.csv.gz":
                data, added = with_every_published_figure(data, sorted(source.glob("ees/*.csv")))
                self.stdout.write(f"values.csv: {added:,} figures from ees/ that it lacks")
            # mtime=0: the same input gives the same bytes, so git sees only real changes.
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            (NATIONAL_DIR / name).write_bytes(packed)
            self.stdout.write(f"{name}: {len(data):,} bytes -> {len(packed):,}")


def with_every_published_figure(values_csv: bytes, tidy_files: list[Path]) -> tuple[bytes, int]:
    """values.csv as it is, then every figure of DfE's tidy files (read by the same mappings
    an import reads them with) for an authority, measure and period it has no row for: the
    abolished Cumbria, Inner and Outer London, a few years of reorganised councils. Where
    both give a figure they must agree, or nothing is written. Returns the bytes and how
    many rows were added."""
    values = pd.read_csv(io.BytesIO(values_csv), dtype=str, keep_default_na=False)
    held = values.set_index(["authority", "indicator", "period"])["value"]
    added = []
    for path in tidy_files:
        _, long = ees.to_returns(read_table(path.read_bytes(), path.name))
        long = long.drop_duplicates(["authority", "indicator", "period"])
        keys = pd.MultiIndex.from_frame(long[["authority", "indicator", "period"]])
        both = keys.isin(held.index)
        _same_figures(path.name, long[both], held.loc[keys[both]].to_numpy())
        added.append(long.loc[~both, COLUMNS])
    extra = pd.concat(added, ignore_index=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(extra.itertuples(index=False))
    return values_csv + out.getvalue().encode(), len(extra)


def _same_figures(name: str, given: pd.DataFrame, held) -> None:
    """DfE's two publications of one figure agree: as numbers, or as the same symbol."""
    held = pd.Series(held, index=given.index)
    ours = pd.to_numeric(held, errors="coerce")
    theirs = pd.to_numeric(given["value"], errors="coerce")
    same_symbol = (
        ours.isna() & theirs.isna() & (held.str.casefold() == given["value"].str.casefold())
    )
    differ = ~((ours - theirs).abs() < 1e-9) & ~same_symbol
    if differ.any():
        row = given[differ].iloc[0]
        raise CommandError(
            f"{name} gives {row['authority']} {row['indicator']} {row['period']} as "
            f"{row['value']}, values.csv as {held[row.name]}: "
            f"{int(differ.sum())} figure(s) disagree, so nothing was written."
        )
