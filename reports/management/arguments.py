"""What the management commands accept for --authority and --period, with the same rules as
the importer and messages that say what was wrong."""

from __future__ import annotations

from django.core.management.base import CommandError

from authorities.models import Authority
from indicators.rules import ParsedPeriod, PeriodParseError, parse_period


def authority_named(text: str) -> Authority:
    """A GSS code, DfE number or name, case-insensitive (as a return's authority column)."""
    found = Authority.objects.ids_by_name().get(text.strip().casefold())
    if found is None:
        raise CommandError(f'No authority has the code, number or name "{text}".')
    return Authority.objects.get(pk=found)


def period_named(text: str, *kinds: str) -> ParsedPeriod:
    try:
        parsed = parse_period(text)
    except PeriodParseError as error:
        raise CommandError(str(error)) from error
    if parsed.kind not in kinds:
        raise CommandError(f'"{text}" is a {parsed.kind}: give a {" or a ".join(kinds)}.')
    return parsed
