"""Versions of what pages are built from, scoped to what a write changed (core.models.Version):

- **everything** — what every page reads: indicators' definitions, places and neighbours,
  default targets, rebases. Moved by those rare writes only.
- **an authority** — anything of that authority's: figures, targets, statuses.
- **an authority's figures of one indicator** — what other authorities' comparisons and
  rankings show of it.

A writer moves, inside its transaction, the versions of what it changes (`take`); the rows
are its own authority's, so two councils' writes never wait for each other, and two writers
of one authority queue on its row in one order. A reader keys what it caches by the versions
of what it shows (`stamp`: one query): a sum of counters that only ever grow, so any write
it shows moves the key, and a write it does not show leaves its cache as it was.

An import's check remembers the versions it saw (`snapshot`, `seen`); its confirm takes the
same scope and reuses the checked plan only if nothing in it has moved since."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, connections

from .models import Version

EVERY = 0  # authority_key of what every page reads
WHOLE = 0  # indicator_key of an authority's own version
ROWS_PER_STATEMENT = 5_000
TABLE = Version._meta.db_table  # the statements below are written here, not composed
EVERY_ROW = f"(authority_key = {EVERY} AND indicator_key = {WHOLE})"  # what every page reads


@dataclass(frozen=True)
class Scope:
    """What a checked file read: everything every page reads, or its authorities (whole)."""

    everything: bool = False
    authorities: frozenset[int] = field(default_factory=frozenset)

    def as_json(self) -> dict:
        return {"everything": self.everything, "authorities": sorted(self.authorities)}

    @classmethod
    def from_json(cls, data: dict | None) -> Scope:
        data = data or {"everything": True}
        return cls(bool(data.get("everything")), frozenset(data.get("authorities") or ()))


def take(
    *,
    everything: bool = False,
    authorities: Iterable[int] = (),
    figures: Iterable[tuple[int, int]] = (),
) -> int:
    """Move on the versions of what the caller is about to write, inside its transaction,
    and return the sum of what its whole rows (everything's, and each authority's) were
    before. An authority's figures move its whole row too. Rows are taken sorted, in as few
    statements as can be, so two writers never take two rows in opposite orders."""
    assert connection.in_atomic_block, "take the versions inside a transaction"
    figures = {(int(a), int(i)) for a, i in figures}
    whole = {int(a) for a in authorities} | {a for a, _ in figures}
    rows = sorted({(a, WHOLE) for a in whole} | figures)
    if everything:
        rows.insert(0, (EVERY, WHOLE))
    before = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            # Integers only, formatted by int(): no text from outside reaches the statement.
            listed = ", ".join(f"({int(a)}, {int(i)}, 1)" for a, i in chunk)
            table = Version._meta.db_table
            cursor.execute(
                f"INSERT INTO {table} (authority_key, indicator_key, number) "  # noqa: S608
                f"VALUES {listed} ON CONFLICT (authority_key, indicator_key) "
                f"DO UPDATE SET number = {table}.number + 1 "
                "RETURNING indicator_key, number"
            )
            before += sum(number - 1 for indicator, number in cursor.fetchall() if not indicator)
    return before


def _every() -> int:
    row = Version.objects.filter(authority_key=EVERY, indicator_key=WHOLE)
    return row.values_list("number", flat=True).first() or 0


def numbers(authority: int | None = None, indicators: Iterable[int] = ()) -> tuple[int, ...]:
    """The versions a page shows, in one query: everything's (always first); the authority's
    own, if it shows one; and every authority's figures of `indicators`, if it compares
    them. Every page asks, warm or cold, so the statement is written here, not composed by
    the ORM (whose aggregates with filters cost four times the statement's round trip)."""
    wanted, sums, params = _wanted(authority, indicators)
    [found] = _read(
        f"SELECT {', '.join(sums)} FROM {TABLE} WHERE {' OR '.join(wanted)}", params * 2
    )
    return tuple(int(number or 0) for number in found)


def _read(statement: str, params: list[int]) -> list[tuple]:
    """The rows of a statement of this module's own (its integers as placeholders), read
    where the page reads its figures (core.routing: the replica, inside a GET, if any)."""
    with connections[Version.objects.db].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _wanted(authority: int | None, indicators: Iterable[int]) -> tuple[list, list, list]:
    """The rows `numbers` reads, the sum of each scope, and their integers (in the order the
    scopes are written, once for the sums and once for the rows)."""
    scopes, params = [EVERY_ROW], []
    if authority is not None:
        scopes.append(f"(authority_key = %s AND indicator_key = {WHOLE})")
        params.append(int(authority))
    ids = _ids(indicators)
    if ids:
        scopes.append(f"({_any_of(ids)})")
        params.extend(ids)
    sums = [f"SUM(CASE WHEN {scope} THEN number ELSE 0 END)" for scope in scopes]
    return scopes, sums, params


def _ids(indicators: Iterable[int]) -> list[int]:
    """Indicators' ids once each, in order, as integers (none of them 0: that is WHOLE)."""
    return sorted({int(i) for i in indicators if i})


def _any_of(ids: list[int]) -> str:
    """The rows of any of these indicators, one placeholder each."""
    return f"indicator_key IN ({', '.join(['%s'] * len(ids))})"


def joined(versions: Iterable[int]) -> str:
    """Versions as they go into a key: the one spelling of a stamp."""
    return ".".join(str(number) for number in versions)


def stamp(authority: int | None = None, indicators: Iterable[int] = ()) -> str:
    """`numbers`, joined for a key."""
    return joined(numbers(authority, indicators))


class MeasureVersions(NamedTuple):
    """Everything's version, and every authority's figures' of each of some measures: what
    keys something every council's pages share, one measure at a time (`of`), or all of them
    together (the stamp `stamp(indicators=...)` gives for them)."""

    every: int
    figures: dict[int, int]

    def covers(self, indicators: Iterable[int]) -> bool:
        return set(indicators) <= set(self.figures)

    def of(self, indicator: int) -> str:
        return joined((self.every, self.figures[indicator]))

    def together(self) -> str:
        totals = (sum(self.figures.values()),) if self.figures else ()
        return joined((self.every, *totals))


def each_measure(indicators: Iterable[int]) -> MeasureVersions:
    """`MeasureVersions` of these indicators, in one query (written here: every quarter view
    asks, warm or cold)."""
    ids = _ids(indicators)
    wanted = f"{EVERY_ROW} OR {_any_of(ids)}" if ids else EVERY_ROW
    rows = _read(
        f"SELECT indicator_key, SUM(number) FROM {TABLE} WHERE {wanted} GROUP BY indicator_key",
        ids,
    )
    totals = {indicator: int(total) for indicator, total in rows}
    return MeasureVersions(totals.get(WHOLE, 0), {i: totals.get(i, 0) for i in ids})


def snapshot() -> dict[int, int]:
    """Every whole row's number, by authority (EVERY for everything's): what a check is about
    to read from. One query."""
    return dict(Version.objects.filter(indicator_key=WHOLE).values_list("authority_key", "number"))


def seen(numbers: dict[int, int], scope: Scope) -> int:
    """What `take(scope)` would return if nothing had moved since `numbers` were read."""
    if scope.everything:
        return sum(numbers.values())
    return numbers.get(EVERY, 0) + sum(numbers.get(a, 0) for a in scope.authorities)


def take_scope(scope: Scope) -> int:
    """`take` for a checked file's scope, returning what `seen` would have counted before
    it: everything's and its authorities' (every authority's, for everything)."""
    if scope.everything:
        before = take(everything=True)
        return before + sum(n for a, n in snapshot().items() if a != EVERY)
    return take(authorities=scope.authorities) + _every()
