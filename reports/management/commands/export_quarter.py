from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Period
from indicators.rules import PeriodKind
from reports.export import write_quarter_csv
from reports.management.arguments import authority_named, period_named
from reports.quarter import build_quarter


class Command(BaseCommand):
    help = "Write one authority's quarter as CSV (the same file as the quarter page's download)."

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="GSS code, DfE number or name")
        parser.add_argument("--period", required=True, help='A quarter, e.g. "2016-17 Q2"')
        parser.add_argument("--output", type=Path, help="File to write (default: stdout)")

    def handle(self, *args, authority, period, output, **options):
        chosen = authority_named(authority)
        parsed = period_named(period, PeriodKind.QUARTER)
        stored = Period.objects.filter(code=parsed.code).first()
        if stored is None:
            raise CommandError(f"No figures are stored for {parsed.label}.")
        quarter = build_quarter(chosen, stored)
        if output:
            with output.open("w", encoding="utf-8", newline="") as stream:
                write_quarter_csv(quarter, stream)
            self.stderr.write(f"Wrote {output}")
        else:
            write_quarter_csv(quarter, self.stdout)
