"""The national distributions the worker keeps (indicators.distributions): each measure and
period's ranked figures exactly, used by a page only while the measure's versions are the
ones they were kept at, and kept again by every write's recompute."""

from __future__ import annotations

import math

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from authorities.models import Authority
from core import versions
from indicators import distributions, writes
from indicators.models import Distribution, Indicator, Value
from indicators.tasks import recompute_now
from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

pytestmark = pytest.mark.django_db


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=200))
def test_figures_are_kept_exactly(figures):
    back = distributions.unpacked(distributions.packed(figures))
    assert back == figures
    assert [math.copysign(1, f) for f in back] == [math.copysign(1, f) for f in figures]


@pytest.fixture
def figures():
    """Three councils and England: A1's figures in two quarters (England's alone in the
    second), B1's in one, C1 with none."""
    england = AuthorityFactory(kind=Authority.Kind.NATION, code="E92000001", name="England")
    councils = [AuthorityFactory() for _ in range(3)]
    a1, b1 = IndicatorFactory(code="A1"), IndicatorFactory(code="B1")
    IndicatorFactory(code="C1")  # no figures at all: nothing to keep
    for council, figure in zip(councils, [10.5, 20.25, 30.0], strict=True):
        ValueFactory(authority=council, indicator=a1, period=period("2016-17 Q2"), value=figure)
        ValueFactory(authority=council, indicator=b1, period=period("2016-17 Q2"), value=figure)
    ValueFactory(authority=councils[0], indicator=a1, period=period("2016-17 Q3"), value=None)
    for code in ["2016-17 Q2", "2016-17 Q3"]:
        ValueFactory(authority=england, indicator=a1, period=period(code), value=99)
    return councils, a1, b1


def current(*indicators: Indicator) -> versions.MeasureVersions:
    return versions.each_measure(i.id for i in indicators)


def pairs(indicator: Indicator, *codes: str) -> list[tuple[int, int]]:
    return [(indicator.id, period(code).id) for code in codes]


def correct(council: Authority, indicator: Indicator, figure: float) -> None:
    """A council's 2016-17 Q2 figure corrected through the write path (its recompute not run)."""
    value = Value.objects.get(authority=council, indicator=indicator, period=period("2016-17 Q2"))
    value.value = figure
    writes.save_value(value, reason="corrected")


def test_each_period_keeps_its_ranked_authorities_figures_and_nothing_else(figures):
    _, a1, b1 = figures
    assert distributions.refresh() == 2  # every measure with figures (not C1), each period
    kept = distributions.kept(pairs(a1, "2016-17 Q2", "2016-17 Q3"), current(a1))
    assert sorted(kept[(a1.id, period("2016-17 Q2").id)]) == [10.5, 20.25, 30.0]
    # England's figure is not ranked, nor a council's without a figure: kept, and empty
    assert kept[(a1.id, period("2016-17 Q3").id)] == []
    assert distributions.refresh() == 0  # nothing has moved since
    assert Distribution.objects.count() == 3


def test_a_write_of_the_measure_anywhere_puts_its_kept_rows_out_of_use(figures):
    councils, a1, b1 = figures
    distributions.refresh()
    correct(councils[1], a1, 77)
    wanted = [*pairs(a1, "2016-17 Q2"), *pairs(b1, "2016-17 Q2")]
    kept = distributions.kept(wanted, current(a1, b1))
    assert set(kept) == {(b1.id, period("2016-17 Q2").id)}  # A1's is stale: not used
    assert distributions.refresh() == 1  # A1's alone kept again
    kept = distributions.kept(wanted, current(a1, b1))
    assert sorted(kept[(a1.id, period("2016-17 Q2").id)]) == [10.5, 30.0, 77.0]


def test_a_change_to_what_every_page_reads_puts_every_row_out_of_use(figures):
    councils, a1, b1 = figures
    distributions.refresh()
    with transaction.atomic():
        Authority.objects.filter(pk=councils[2].pk).update(kind=Authority.Kind.REGION)
        versions.take(everything=True)
    assert distributions.kept(pairs(a1, "2016-17 Q2"), current(a1)) == {}
    assert distributions.refresh() == 2
    kept = distributions.kept(pairs(a1, "2016-17 Q2"), current(a1))
    assert sorted(kept[(a1.id, period("2016-17 Q2").id)]) == [10.5, 20.25]  # a region now


def test_a_period_whose_figures_are_all_gone_loses_its_row(figures):
    _, a1, _ = figures
    distributions.refresh()
    writes.delete_values(Value.objects.filter(indicator=a1, period=period("2016-17 Q3")))
    assert distributions.refresh() == 1
    assert not Distribution.objects.filter(indicator=a1, period=period("2016-17 Q3")).exists()
    assert Distribution.objects.filter(indicator=a1, period=period("2016-17 Q2")).exists()


def test_every_writes_recompute_keeps_them_again(figures):
    councils, a1, _ = figures
    distributions.refresh()
    correct(councils[0], a1, 12)
    recompute_now([councils[0].id], [a1.id])  # what the task after the commit runs
    kept = distributions.kept(pairs(a1, "2016-17 Q2"), current(a1))
    assert sorted(kept[(a1.id, period("2016-17 Q2").id)]) == [12.0, 20.25, 30.0]


def test_nothing_else_writes_them():
    """`distributions.refresh` is the one writer of the kept distributions."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writes_them = re.compile(
        r"\bDistribution\.objects\b[^\n]*\.(bulk_create|bulk_update|update|create|delete|"
        r"update_or_create|get_or_create)\(|(INSERT INTO|UPDATE)\s+indicators_distribution"
    )
    offenders = [
        path.relative_to(root).as_posix()
        for app in ["authorities", "core", "demo", "imports", "indicators", "reports", "scrutiny"]
        for path in (root / app).rglob("*.py")
        if path.relative_to(root).as_posix() != "indicators/distributions.py"
        and "/migrations/" not in path.as_posix()
        and writes_them.search(path.read_text())
    ]
    assert offenders == []
    assert writes_them.search((root / "indicators" / "distributions.py").read_text())
