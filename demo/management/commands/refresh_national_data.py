"""Refresh the national data the demo ships (demo/data/national/*.csv.gz) from DfE's published
files, as gathered in shared/data/dfe (its README says where each comes from)."""

from __future__ import annotations

import gzip
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from demo.load import NATIONAL_DIR, NATIONAL_FILES


class Command(BaseCommand):
    help = "Copy DfE's published national files into demo/data/national/, gzipped."

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
            # mtime=0: the same input gives the same bytes, so git sees only real changes.
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            (NATIONAL_DIR / name).write_bytes(packed)
            self.stdout.write(f"{name}: {len(data):,} bytes -> {len(packed):,}")
