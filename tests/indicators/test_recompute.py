"""The set-based recompute agrees with the pure rules, series by series, and is bulk."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.models import Target, Value
from indicators.recompute import compute, recompute
from indicators.rules import (
    Polarity,
    Status,
    direction_of_travel,
    effective_status,
    is_comparable_previous,
    is_hard_to_shift,
)
from tests.factories import (
    AuthorityFactory,
    IndicatorFactory,
    TargetFactory,
    ValueFactory,
    period,
)

small = st.integers(0, 10).map(float)
row = st.fixed_dictionaries(
    {
        "sequence": st.integers(0, 30),
        "value": st.none() | small,
        "reported_status": st.sampled_from(
            ["", "", "", Status.ON_TARGET, Status.OUTSIDE_TOLERANCE]
        ),
    }
)


@st.composite
def series(draw):
    polarity = draw(st.sampled_from(list(Polarity)))
    target = draw(st.none() | small)
    tolerance = None
    if target is not None and polarity != Polarity.NONE:
        gap = draw(st.none() | st.integers(0, 4).map(float))
        if gap is not None:
            tolerance = target - gap if polarity == Polarity.HIGHER_IS_BETTER else target + gap
    rows = draw(st.lists(row, max_size=8, unique_by=lambda r: r["sequence"]))
    kind = draw(st.sampled_from(["quarter", "month"]))
    return polarity, target, tolerance, rows, kind


@settings(max_examples=200, deadline=None)
@given(st.lists(series(), min_size=1, max_size=4))
def test_column_wise_rules_equal_the_pure_functions(all_series):
    records = []
    for number, (polarity, target, tolerance, rows, kind) in enumerate(all_series):
        for r in rows:
            records.append(
                {
                    "id": len(records),
                    "authority_id": 1,
                    "indicator_id": number,
                    "kind": kind,
                    "polarity": polarity.value,
                    "target": target,
                    "tolerance": tolerance,
                    **r,
                }
            )
    if not records:
        return
    frame = compute(pd.DataFrame.from_records(records)).set_index("id")
    for number, (polarity, target, tolerance, rows, kind) in enumerate(all_series):
        by_sequence = {r["sequence"]: r for r in rows}
        statuses = {
            s: effective_status(
                r["value"], target, tolerance, polarity, r["reported_status"] or None
            )
            for s, r in by_sequence.items()
        }
        for record in (r for r in records if r["indicator_id"] == number):
            got = frame.loc[record["id"]]
            sequence = record["sequence"]
            earlier = [s for s in by_sequence if s < sequence]
            latest = max(earlier) if earlier else None
            before = by_sequence[latest] if is_comparable_previous(kind, sequence, latest) else None
            expected_direction = direction_of_travel(
                record["value"], before["value"] if before else None, polarity
            )
            assert got["status"] == statuses[sequence]
            assert (got["direction"] or None) == expected_direction
            assert bool(got["hard_to_shift"]) == (
                kind == "quarter"
                and is_hard_to_shift([statuses.get(sequence - 1), statuses[sequence]])
            )


@pytest.mark.django_db
def test_recompute_follows_a_change_into_later_periods():
    authority = AuthorityFactory()
    indicator = IndicatorFactory()
    TargetFactory(indicator=indicator, authority=authority, target=92, tolerance=90)
    q1 = ValueFactory(
        authority=authority, indicator=indicator, period=period("2016-17 Q1"), value=85
    )
    q2 = ValueFactory(
        authority=authority, indicator=indicator, period=period("2016-17 Q2"), value=82
    )
    recompute([authority.id], [indicator.id])
    q2.refresh_from_db()
    assert (q2.status, q2.direction, q2.hard_to_shift) == ("outside_tolerance", "worse", True)

    Value.objects.filter(pk=q1.pk).update(value=95)
    recompute([authority.id], [indicator.id])
    q2.refresh_from_db()
    assert (q2.status, q2.direction, q2.hard_to_shift) == ("outside_tolerance", "worse", False)


@pytest.mark.django_db
def test_an_authoritys_own_target_wins_over_the_default():
    doncaster, derby = AuthorityFactory(), AuthorityFactory()
    indicator = IndicatorFactory(polarity=Polarity.LOWER_IS_BETTER)
    TargetFactory(indicator=indicator, authority=None, target=10, tolerance=12)
    TargetFactory(indicator=indicator, authority=doncaster, target=8, tolerance=None)
    own = ValueFactory(authority=doncaster, indicator=indicator, value=9)
    default = ValueFactory(authority=derby, indicator=indicator, value=9)
    recompute()
    own.refresh_from_db()
    default.refresh_from_db()
    assert own.status == "outside_tolerance"  # no tolerance: anything worse is outside
    assert default.status == "on_target"


@pytest.mark.django_db
def test_months_and_quarters_are_separate_series():
    authority = AuthorityFactory()
    indicator = IndicatorFactory()
    ValueFactory(authority=authority, indicator=indicator, period=period("2016-06"), value=10)
    quarter = ValueFactory(authority=authority, indicator=indicator, period=period("2016-17 Q1"))
    month = ValueFactory(
        authority=authority, indicator=indicator, period=period("2016-07"), value=12
    )
    recompute()
    quarter.refresh_from_db()
    month.refresh_from_db()
    assert quarter.direction == ""
    assert month.direction == "better"


@pytest.mark.django_db
@pytest.mark.parametrize("authorities", [2, 20])
def test_recompute_uses_the_same_queries_for_any_number_of_series(
    authorities, django_assert_max_num_queries
):
    indicators = [IndicatorFactory() for _ in range(3)]
    for _ in range(authorities):
        authority = AuthorityFactory()
        for indicator in indicators:
            ValueFactory(authority=authority, indicator=indicator)
    # count the figures per authority (to share them out), read values, targets and
    # control-chart rebases, take the data version, then one UPDATE run for every changed
    # row (on PostgreSQL: a temporary table, COPY, one UPDATE, DROP), inside a savepoint
    with django_assert_max_num_queries(11):
        assert recompute() == authorities * 3
    with django_assert_max_num_queries(4):
        assert recompute() == 0


@pytest.mark.django_db
def test_a_workforce_census_is_compared_with_the_previous_census(
    shared_data, django_capture_on_commit_callbacks
):
    """September snapshots were compared with an August that was never collected, so no
    SW-* figure had a direction (Hampshire's agency rate 16.2% -> 9.1%: 'No previous')."""
    from django.core.management import call_command

    from imports import service

    call_command("load_authorities", str(shared_data / "authorities.csv"))
    call_command("import_indicators", str(shared_data / "indicators.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        service.apply(
            service.stage("returns", (shared_data / "values.csv").read_bytes(), "v.csv").batch
        )
    hampshire = Value.objects.get(
        authority__code="E10000014", indicator__code="SW-AGENCY", period__code="2025-09"
    )
    assert hampshire.direction == "better"  # agency workers: lower is better
    workforce = Value.objects.filter(indicator__code__startswith="SW-", value__isnull=False)
    without = workforce.filter(direction="").exclude(period__code="2017-09")
    assert workforce.exclude(direction="").count() > 4000
    assert without.count() < workforce.count() / 10


@pytest.mark.parametrize(
    ("value", "decimals", "polarity", "target", "tolerance", "expected"),
    [
        # Shown as 28% against a 28% tolerance: within tolerance, as the panel reads it.
        (28.000000000000004, 0, "lower_is_better", 24, 28, "within_tolerance"),
        # F03: 0.30000000000000004 against a target of 0.30 is on target.
        (0.30000000000000004, 2, "lower_is_better", 0.30, 0.42, "on_target"),
        # B9: 59.999 is published as 60% against a target of 60.
        (59.999, 0, "higher_is_better", 60, 50, "on_target"),
        (59.4, 0, "higher_is_better", 60, 50, "within_tolerance"),
    ],
)
def test_statuses_are_judged_on_the_figure_at_its_published_precision(
    value, decimals, polarity, target, tolerance, expected
):
    frame = pd.DataFrame.from_records(
        [
            {
                "id": 1,
                "authority_id": 1,
                "indicator_id": 1,
                "kind": "quarter",
                "sequence": 1,
                "value": value,
                "decimals": decimals,
                "reported_status": "",
                "polarity": polarity,
                "target": target,
                "tolerance": tolerance,
            }
        ]
    )
    assert compute(frame).iloc[0]["status"] == expected


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False),
        st.floats(-2e8, 2e8, allow_nan=False),
        st.floats(allow_nan=False),
    ),
    st.integers(0, 6),
)
def test_the_column_rounding_equals_the_pure_rounding(value, decimals):
    """Over every double, the largest and infinities included (where neither may warn or
    fail: a stored 1e308 once took pages down), the column-wise rounding is decimal rounding
    half up of the figure's shortest form, computed here independently with Decimal."""
    from decimal import ROUND_HALF_UP, Decimal

    import numpy as np

    from indicators.rules import is_in_range, round_half_up, round_half_up_array

    column = round_half_up_array(np.array([value]), np.array([float(decimals)]))[0]
    if is_in_range(value):
        exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
        assert column == float(exact) + 0.0
    else:
        assert column == value
    assert round_half_up(value, decimals) == column


@pytest.mark.django_db
def test_a_recomputed_status_moves_the_figures_data_as_of():
    from indicators.recompute import recompute

    authority, indicator = AuthorityFactory(), IndicatorFactory()
    TargetFactory(indicator=indicator, authority=authority, target=92, tolerance=90)
    value = ValueFactory(authority=authority, indicator=indicator, value=82)
    recompute()
    value.refresh_from_db()
    before = value.updated_at
    Target.objects.filter(indicator=indicator).update(target=80, tolerance=75)
    assert recompute() == 1
    value.refresh_from_db()
    assert value.status == "on_target"
    assert value.updated_at > before


@pytest.mark.parametrize(
    ("rows", "most", "expected"),
    [
        ({1: 10, 2: 10, 3: 10}, 20, [[1, 2], [3]]),
        ({1: 30, 2: 5}, 20, [[1], [2]]),  # an authority larger than a share is one share
        ({3: 5, 1: 5}, 100, [[1, 3]]),
        ({}, 20, []),
    ],
)
def test_shares_hold_whole_authorities(rows, most, expected):
    from indicators.recompute import shares

    assert shares(pd.Series(rows, dtype="int64"), most) == expected


@pytest.mark.django_db
def test_a_recompute_in_shares_equals_one_in_one_go(monkeypatch):
    """Series never straddle shares: a share of one authority gives the same statuses."""
    from indicators import recompute as module

    indicators = [IndicatorFactory() for _ in range(2)]
    for _ in range(4):
        authority = AuthorityFactory()
        for indicator in indicators:
            ValueFactory(authority=authority, indicator=indicator)
    monkeypatch.setattr(module, "ROWS_PER_SHARE", 1)
    assert module.recompute() == 8
    stored = list(Value.objects.order_by("id").values_list("status", "direction"))
    Value.objects.update(status="no_value", direction="")
    monkeypatch.setattr(module, "ROWS_PER_SHARE", 10_000)
    assert module.recompute() == 8
    assert list(Value.objects.order_by("id").values_list("status", "direction")) == stored
