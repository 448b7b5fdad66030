from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from authorities.models import Authority
from indicators.models import Period
from indicators.rules import PeriodKind, PeriodParseError, parse_period
from reports.export import write_quarter_csv
from reports.quarter import build_quarter


class Command(BaseCommand):
    help = "Write one authority's quarter as CSV (the same file as the quarter page's download)."

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="GSS code, DfE number or name")
        parser.add_argument("--period", required=True, help='A quarter, e.g. "2016-17 Q2"')
        parser.add_argument("--output", type=Path, help="File to write (default: stdout)")

    def handle(self, *args, authority, period, output, **options):
        found = Authority.objects.filter(code__iexact=authority) | Authority.objects.filter(
            name__iexact=authority
        )
        if authority.isdigit():
            found |= Authority.objects.filter(dfe_code=authority)
        chosen = found.first()
        if chosen is None:
            raise CommandError(f'No authority has the code, number or name "{authority}".')
        try:
            parsed = parse_period(period)
        except PeriodParseError as error:
            raise CommandError(str(error)) from error
        if parsed.kind != PeriodKind.QUARTER:
            raise CommandError(f'"{period}" is a {parsed.kind}, not a quarter.')
        stored = Period.objects.filter(code=parsed.code).first()
        if stored is None:
            raise CommandError(f"No figures are stored for {parsed.label}.")
        quarter = build_quarter(chosen, stored, comparisons=False)
        if output:
            with output.open("w", encoding="utf-8", newline="") as stream:
                write_quarter_csv(quarter, stream)
            self.stderr.write(f"Wrote {output}")
        else:
            write_quarter_csv(quarter, self.stdout)
