"""Issue 28, finding 6: a chart's period labels never collide, on the web (wide or a phone's
width) or on paper, and a chart of September census months is labelled."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from indicators.rules import ParsedPeriod, PeriodKind
from reports.charts import CHAR_PX, NARROW_AXIS_PX, TICK_GAP_PX, WIDE_AXIS_PX, axis_ticks


def _period(kind: str, year: int, number: int) -> ParsedPeriod:
    kind = PeriodKind(kind)
    number = {"year": 0, "quarter": number % 4 + 1, "month": number % 12 + 1}[kind]
    return ParsedPeriod(kind, year, number)


periods = st.lists(
    st.builds(
        _period,
        st.sampled_from(["year", "quarter", "month"]),
        st.integers(2010, 2025),
        st.integers(0, 11),
    ),
    min_size=1,
    max_size=60,
)


def _placed(ticks, start, end, axis_px):
    per_day = axis_px / (end - start).days
    for period in ticks:
        middle = period.start + (period.end - period.start) / 2
        x = (middle - start).days * per_day
        half = len(period.short_label) * CHAR_PX / 2
        yield x - half, x + half


@settings(max_examples=300, deadline=None)
@given(periods, st.sampled_from([NARROW_AXIS_PX, WIDE_AXIS_PX, 390]))
# The year 2011-12 and December 2011 once shared a code, and the axis dropped the year.
@example([_period("year", 2011, 0), _period("month", 2011, 11)], 240)
def test_no_two_labels_touch_and_none_runs_off_the_axis(drawn, axis_px):
    ticks, start, end = axis_ticks(drawn, axis_px)
    assert ticks, "every chart has at least one labelled period"
    boxes = list(_placed(ticks, start, end, axis_px))
    for left, right in boxes:
        assert 0 <= left
        assert right <= axis_px
    for (_, right), (left, _) in zip(boxes, boxes[1:], strict=False):
        assert left >= right + TICK_GAP_PX
    assert start <= min(p.start for p in drawn)
    assert end >= max(p.end for p in drawn)


def test_the_workforce_census_s_septembers_are_labelled_at_a_phone_s_width():
    septembers = [ParsedPeriod(PeriodKind.MONTH, year, 9) for year in range(2017, 2026)]
    for axis_px in (NARROW_AXIS_PX, WIDE_AXIS_PX):
        ticks, _, _ = axis_ticks(septembers, axis_px)
        labels = [p.short_label for p in ticks]
        assert labels[0] == "Sep 2017"
        assert labels[-1] == "Sep 2025"  # the ends are labelled: the axis makes room
        assert len(labels) >= 3


def test_a_quarter_beside_a_year_never_overprints_it():
    """The paper's A1: Quarter 2 2016/17 lay over the year 2016/17's label."""
    drawn = [ParsedPeriod(PeriodKind.YEAR, y) for y in range(2012, 2025)]
    drawn += [ParsedPeriod(PeriodKind.QUARTER, 2016, 2), ParsedPeriod(PeriodKind.QUARTER, 2016, 3)]
    ticks, start, end = axis_ticks(drawn, 390, char_px=6.0, gap_px=8)
    labels = [p.short_label for p in ticks]
    assert len(labels) == len(set(labels))
    middles = [p.start + (p.end - p.start) / 2 for p in ticks]
    assert middles == sorted(middles)
