"""What every page reads and only the rare writes of everything change (core.versions:
everything's version): the indicators with their categories and national equivalents,
England, every place's statistical neighbours, the periods (a new one moves everything:
every switcher lists it), and the councils in being in a period. Held
once a process for the version of everything a page has just read, rather than read again
by every page's first drawing after a write of figures (a write of figures leaves them as
they were, and a quarter view's first drawing read them afresh each time: four statements
and a hundred and fifty model objects).

`held(everything)` is given the version the caller has read *before* it asks: what is read
here is then never older than that version, so a page never shows a definition older than
the key it is cached under (a definition written meanwhile moves the version, and the next
page reads them again). Each database a page reads from (core.routing: the replica, inside a
GET, if any) is held apart. The objects are shared by every page the process draws until the
version moves: read them, never change them. Tests start each from the same versions with
other definitions, so they `forget` what was held, as they empty the cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db import connections

from authorities.models import Authority, StatisticalNeighbour

from .models import Indicator, Period


@dataclass(frozen=True)
class Definitions:
    key: tuple  # the database read and everything's version
    indicators: dict[int, Indicator]  # each with its category and national equivalent
    england_id: int | None
    neighbours: dict[int, list[int]] = field(default_factory=dict)  # closest first
    # Every period, by its kind and end, and by its kind and sequence (each names one).
    periods: dict[tuple[str, date], Period] = field(default_factory=dict)
    in_sequence: dict[tuple[str, int], Period] = field(default_factory=dict)
    periods_by_id: dict[int, Period] = field(default_factory=dict)
    places: dict[str, Authority] = field(default_factory=dict)  # by slug, with their region
    # The councils in being between two dates (a switcher's), read when first asked for.
    _in_being: dict[tuple[date, date], list] = field(default_factory=dict, compare=False)

    @property
    def version(self) -> int:
        return self.key[2]

    def indicator(self, code: str) -> Indicator | None:
        return self._by_code.get(code)

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator in self.indicators.values()}

    def neighbours_of(self, authority_id: int) -> list[int]:
        return self.neighbours.get(authority_id, [])

    def period(self, kind: str, *, end: date | None = None, sequence: int | None = None):
        """The period of this kind ending on `end`, or at `sequence`; None where there was
        none at this version (one made since moved it: the next page finds it)."""
        if end is not None:
            return self.periods.get((kind, end))
        return self.in_sequence.get((kind, sequence))

    def attach(self, instance, *fields: str) -> None:
        """Give `instance` the measure or periods its foreign keys `fields` name, as held,
        so that a page reads them without joining them into its read (one not held, made
        after this version was read, is left for Django to read if it is asked for)."""
        for name in fields:
            field = instance._meta.get_field(name)
            held = self.indicators if field.related_model is Indicator else self.periods_by_id
            found = held.get(getattr(instance, field.attname))
            if found is not None:
                setattr(instance, name, found)

    def in_being(self, start: date, end: date) -> list:
        """Authority.objects.in_being's councils, by name, as rows with a slug and a name
        (not an Authority each: 150 of them for a select)."""
        if (start, end) not in self._in_being:
            councils = Authority.objects.in_being(start, end).values_list(
                "slug", "name", named=True
            )
            self._in_being[start, end] = list(councils)
        return self._in_being[start, end]


_held: dict[str, Definitions] = {}  # by database alias
_reading = threading.Lock()  # one thread reads them; the others wait and share what it read


def held(everything: int) -> Definitions:
    """The definitions as they stand at `everything` (or later), read once a process."""
    alias = Indicator.objects.db
    key = (alias, connections[alias].settings_dict["NAME"], int(everything))
    found = _held.get(alias)
    if found is not None and found.key == key:
        return found
    with _reading:
        found = _held.get(alias)
        if found is None or found.key != key:
            found = _held[alias] = _read(key)
    return found


def recent() -> Definitions | None:
    """The definitions last held for the database pages read, whatever their version: what a
    page may look up the council and measure its address names in before it reads the
    versions it is keyed by (those need their ids), provided the version of everything it
    then reads is theirs (else nothing has been written since they were read, so they are
    the definitions at that version); else it looks them up in the database."""
    alias = Indicator.objects.db
    found = _held.get(alias)
    if found is None or found.key[:2] != (alias, connections[alias].settings_dict["NAME"]):
        return None
    return found


def forget() -> None:
    """Hold nothing: the next page reads the definitions again (tests)."""
    _held.clear()


def _read(key: tuple) -> Definitions:
    indicators = {
        indicator.id: indicator
        for indicator in Indicator.objects.select_related("category", "benchmark__category")
    }
    neighbours: dict[int, list[int]] = {}
    rows = StatisticalNeighbour.objects.order_by("authority_id", "rank").values_list(
        "authority_id", "neighbour_id"
    )
    for authority_id, neighbour_id in rows:
        neighbours.setdefault(authority_id, []).append(neighbour_id)
    england = Authority.objects.filter(kind=Authority.Kind.NATION).order_by("pk")
    periods = list(Period.objects.all())
    places = Authority.objects.select_related("region")
    return Definitions(
        key=key,
        indicators=indicators,
        england_id=england.values_list("pk", flat=True).first(),
        neighbours=neighbours,
        periods={(p.kind, p.end): p for p in periods},
        in_sequence={(p.kind, p.sequence): p for p in periods},
        periods_by_id={p.pk: p for p in periods},
        places={place.slug: place for place in places},
    )
