"""The national distributions kept by the worker (Distribution): every ranked authority's
figures of a measure and period, the figures a comparison's quartile band is cut from.

`refresh` is the one writer. After each write of figures (indicators.tasks.recompute_now)
and in the periodic sweep, it finds the measures whose kept rows no longer carry the versions
the measure has now (core.versions: everything's, and every authority's figures of the
measure) and keeps every period of each afresh: the versions are read first and the figures
after, so a row's figures are never older than the versions it carries. Refreshers queue on
one lock (figures' writers never take it), so two never write one measure's rows at once.

`kept` is what a page reads: the rows of the measures and periods it compares whose versions
are still the measure's. A row made before any later write of the measure, anywhere, is
passed over, and the page reads the figures themselves, as it did before these were kept:
so a page shows what the figures say now, whether or not the worker has caught up."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from authorities.models import Authority
from core import versions

from . import bulk
from .models import Distribution, Indicator, Value

FLOATS = np.dtype("<f8")  # how a row keeps its figures: exact, and read back at once
# The lock refreshers queue on (PostgreSQL's advisory locks; SQLite has one writer anyway).
REFRESH_LOCK = 0x0075_7474_7572_6E01
ROWS_PER_STATEMENT = 2_000


def packed(figures: Iterable[float]) -> bytes:
    return np.asarray(list(figures), dtype=FLOATS).tobytes()


def unpacked(data: bytes | memoryview) -> list[float]:
    return np.frombuffer(data, dtype=FLOATS).tolist()


def ranked() -> Q:
    """A figure that counts in a national distribution: a ranked authority's, given."""
    return Q(authority__kind__in=Authority.RANKED_KINDS, value__isnull=False)


def by_pairs(pairs: Iterable[tuple[int, int]]) -> Q:
    """Rows of these (indicator, period) pairs and no others: one condition per period (a
    quarter's measures share one; national equivalents another), where indicators and
    periods asked for apart would also match each indicator's rows of the others' periods.
    Nothing matches no pairs."""
    by_period: dict[int, list[int]] = {}
    for indicator_id, period_id in pairs:
        by_period.setdefault(period_id, []).append(indicator_id)
    wanted = Q(pk__in=[])
    for period_id, indicator_ids in by_period.items():
        wanted |= Q(period_id=period_id, indicator_id__in=indicator_ids)
    return wanted


def kept(
    pairs: Iterable[tuple[int, int]], measures: versions.MeasureVersions
) -> dict[tuple[int, int], list[float]]:
    """The kept distributions of these (indicator, period) pairs that are current by
    `measures` (the measures' versions as the page read them), by pair. One query."""
    pairs = list(pairs)
    if not pairs:
        return {}
    rows = Distribution.objects.filter(by_pairs(pairs)).values_list(
        "indicator_id", "period_id", "every", "measure_version", "figures"
    )
    return {
        (indicator_id, period_id): unpacked(figures)
        for indicator_id, period_id, every, version, figures in rows
        if every == measures.every and version == measures.figures.get(indicator_id)
    }


def refresh() -> int:
    """Keep afresh every period of each measure whose kept rows are not current; return how
    many measures. Set-based: one read of their figures, a few statements to write them."""
    with transaction.atomic():
        _queue()
        measures = versions.each_measure(Indicator.objects.values_list("id", flat=True))
        stale = _stale(measures)
        if not stale:
            return 0
        lists = bulk.lists_by(
            Value.objects.filter(indicator_id__in=stale),
            ["indicator_id", "period_id"],
            "value",
            where=ranked(),
        )
        # Each row written over where it is (its measure and period), and those of periods
        # no longer with a figure let go.
        Distribution.objects.bulk_create(
            [
                Distribution(
                    indicator_id=indicator_id,
                    period_id=period_id,
                    every=measures.every,
                    measure_version=measures.figures[indicator_id],
                    figures=packed(figures),
                )
                for (indicator_id, period_id), figures in lists.items()
            ],
            batch_size=ROWS_PER_STATEMENT,
            update_conflicts=True,
            unique_fields=["indicator", "period"],
            update_fields=["every", "measure_version", "figures"],
        )
        current = Q(every=measures.every) & _versions_now(measures, stale)
        Distribution.objects.filter(indicator_id__in=stale).exclude(current).delete()
    return len(stale)


def _versions_now(measures: versions.MeasureVersions, ids: list[int]) -> Q:
    """Rows carrying their measure's version now: those just written."""
    now = Q(pk__in=[])
    for indicator_id in ids:
        now |= Q(indicator_id=indicator_id, measure_version=measures.figures[indicator_id])
    return now


def _queue() -> None:
    """Wait for any other refresher to commit (PostgreSQL; the lock goes with the transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])


def _stale(measures: versions.MeasureVersions) -> list[int]:
    """The measures whose kept rows carry other versions than `measures` (or that have
    figures and no rows): each measure's rows are kept together, so they carry one."""
    carried: dict[int, set[tuple[int, int]]] = {}
    stamps = Distribution.objects.values_list("indicator_id", "every", "measure_version")
    for indicator_id, every, version in stamps.distinct():
        carried.setdefault(indicator_id, set()).add((every, version))
    stale = {
        indicator_id
        for indicator_id, version in measures.figures.items()
        if carried.get(indicator_id, set()) != {(measures.every, version)}
    }
    # A measure with no rows is stale only if it has figures: asked of those alone (after
    # the first refresh, none or a new measure's), not a DISTINCT over every figure.
    rowless = stale - set(carried)
    if rowless:
        with_figures = Value.objects.filter(indicator_id__in=rowless).values("indicator_id")
        stale -= rowless - set(with_figures.distinct().values_list("indicator_id", flat=True))
    return sorted(stale)
