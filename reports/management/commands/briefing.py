from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from authorities.models import Authority
from indicators.models import Period
from indicators.rules import ParsedPeriod, PeriodKind, PeriodParseError, parse_period
from reports.briefing import render_pdf


class Command(BaseCommand):
    help = "Write the PDF briefing for an authority and a quarter (or a whole financial year)."

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="GSS code, DfE number or name")
        parser.add_argument("--period", required=True, help='"2016-17 Q2", or "2016-17"')
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, authority, period, output, **options):
        chosen = (
            Authority.objects.filter(code__iexact=authority)
            | Authority.objects.filter(name__iexact=authority)
            | Authority.objects.filter(dfe_code=authority)
        ).first()
        if chosen is None:
            raise CommandError(f'No authority has the code, number or name "{authority}".')
        try:
            parsed = parse_period(period)
        except PeriodParseError as error:
            raise CommandError(str(error)) from error
        if parsed.kind == PeriodKind.MONTH:
            raise CommandError(f'"{period}" is a month: give a quarter or a financial year.')
        quarters = (
            [parsed]
            if parsed.kind == PeriodKind.QUARTER
            else [ParsedPeriod(PeriodKind.QUARTER, parsed.fiscal_year, q) for q in range(1, 5)]
        )
        periods = list(Period.ensure(quarters).values())
        periods.sort(key=lambda p: p.sequence)
        Path(output).write_bytes(render_pdf(chosen, periods))
        self.stdout.write(f"Wrote {output}")
