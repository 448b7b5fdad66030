"""The shared body of the import_* management commands."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from . import service
from .importers import importer_for
from .models import ImportBatch

MAX_PRINTED = 200


class ImportCommand(BaseCommand):
    kind = "returns"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check and preview; store nothing"
        )
        if importer_for(self.kind).has_provisional:
            parser.add_argument(
                "--provisional", action="store_true", help="mark every figure provisional"
            )

    def options_for(self, options) -> dict:
        return {"provisional": options.get("provisional", False)}

    def handle(self, *args, file: Path, dry_run: bool, data: bytes | None = None, **options):
        """Import `file` (or `data`, read already, under its name)."""
        try:
            data = file.read_bytes() if data is None else data
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        staged = service.stage(self.kind, data, file.name, options=self.options_for(options))
        if staged.duplicate_of:
            earlier = staged.duplicate_of
            self.stdout.write(
                f"{file.name}: this file was already imported on "
                f"{earlier.applied_at or earlier.created_at:%d %B %Y at %H:%M}; nothing changed."
            )
            return
        if staged.problems:
            for problem in staged.problems[:MAX_PRINTED]:
                self.stderr.write(f"{file.name}: {problem}")
            more = len(staged.problems) - MAX_PRINTED
            if more > 0:
                self.stderr.write(f"{file.name}: … and {more} more problems")
            raise CommandError(
                f"{file.name}: {len(staged.problems)} problem(s); nothing was saved."
            )
        counts = ", ".join(f"{n} {state}" for state, n in staged.counts.items())
        if dry_run:
            service.cancel(staged.batch)
            self.stdout.write(f"{file.name}: checked, {counts} (dry run: nothing saved).")
            return
        batch = service.apply(staged.batch)
        if batch.state != ImportBatch.State.APPLIED:
            raise CommandError(f"{file.name}: {batch.message}")
        self.stdout.write(f"{file.name}: imported, {counts} (import {batch.pk}).")
