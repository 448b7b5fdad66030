from pathlib import Path

from django.core.management.base import BaseCommand

from indicators.models import Period
from indicators.rules import PeriodKind
from reports.briefing import render_pdf
from reports.management.arguments import authority_named, period_named


class Command(BaseCommand):
    help = "Write the PDF briefing for an authority and a quarter (or a whole financial year)."
    # Django's system checks (half a second) guard servers and migrations, not a paper read
    # from the database: `manage.py check` and every server start still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="GSS code, DfE number or name")
        parser.add_argument("--period", required=True, help='"2016-17 Q2", or "2016-17"')
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, authority, period, output, **options):
        chosen = authority_named(authority)
        parsed = period_named(period, PeriodKind.QUARTER, PeriodKind.YEAR)
        periods = sorted(Period.ensure(parsed.quarters()).values(), key=lambda p: p.sequence)
        Path(output).write_bytes(render_pdf(chosen, periods))
        self.stdout.write(f"Wrote {output}")
