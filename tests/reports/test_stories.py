"""A measure's story reads the authority's, England's and its region's figures in one read
(reports.measure.build_stories) and keeps each where it belongs: the authority's own figures
of the measure, and England's and the region's of the measure's national equivalent (or of
the measure itself, where it has none) — never another place's, never the authority's own
figures of the equivalent, never a period after `until`; and its page compares on the latest
period any council has a figure of."""

from __future__ import annotations

import pytest

from authorities.models import Authority
from reports.measure import build_stories
from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

pytestmark = pytest.mark.django_db

QUARTERS = ["2016-17 Q1", "2016-17 Q2", "2016-17 Q3"]


@pytest.fixture
def places():
    england = AuthorityFactory(code="E92000001", kind=Authority.Kind.NATION)
    region = AuthorityFactory(code="E12000003", kind=Authority.Kind.REGION)
    elsewhere = AuthorityFactory(code="E12000004", kind=Authority.Kind.REGION)
    council = AuthorityFactory(region=region)
    neighbour = AuthorityFactory(region=region)
    return {
        "england": england,
        "region": region,
        "elsewhere": elsewhere,
        "council": council,
        "neighbour": neighbour,
    }


@pytest.fixture
def figures(places):
    """Every place's figures of a national measure (N), a local one measured against it (L)
    and a local one with no equivalent (O): each figure says whose and of what it is."""
    national = IndicatorFactory(code="N")
    measures = {
        "N": national,
        "L": IndicatorFactory(code="L", benchmark=national),
        "O": IndicatorFactory(code="O"),
    }
    for place_name, place in places.items():
        for code, indicator in measures.items():
            for number, quarter in enumerate(QUARTERS):
                ValueFactory(
                    authority=place,
                    indicator=indicator,
                    period=period(quarter),
                    value=_figure(place_name, code, number),
                )
    return measures


def _figure(place_name: str, code: str, number: int) -> float:
    """A figure that names its place, measure and quarter."""
    return ["england", "region", "elsewhere", "council", "neighbour"].index(place_name) * 100 + (
        "NLO".index(code) * 10 + number
    )


def _told(place_name: str, code: str, quarters=QUARTERS) -> list[float]:
    return [_figure(place_name, code, QUARTERS.index(q)) for q in quarters]


@pytest.mark.parametrize("until", [None, "2016-17 Q2"])
@pytest.mark.parametrize("together", [["L"], ["O"], ["N"], ["L", "N", "O"]])
def test_each_story_keeps_its_own_figures_and_its_equivalents_comparators(
    places, figures, until, together
):
    council = Authority.objects.select_related("region").get(pk=places["council"].pk)
    upto = period(until) if until else None
    quarters = QUARTERS[: QUARTERS.index(until) + 1] if until else QUARTERS
    stories = build_stories(council, [figures[code] for code in together], upto)
    for code in together:
        story = stories[figures[code].id]
        compared = "N" if code in ("L", "N") else "O"
        assert [v.value for v in story.values] == _told("council", code, quarters)
        assert [v.value for v in story.england] == _told("england", compared, quarters)
        assert [v.value for v in story.region] == _told("region", compared, quarters)
        assert [v.period.code for v in story.values] == quarters  # oldest first, periods read


def test_a_council_without_a_region_has_englands_figures_alone(places, figures):
    lone = AuthorityFactory(region=None)
    ValueFactory(authority=lone, indicator=figures["L"], period=period(QUARTERS[0]), value=7)
    story = build_stories(lone, [figures["L"]])[figures["L"].id]
    assert [v.value for v in story.values] == [7]
    assert [v.value for v in story.england] == _told("england", "N")
    assert story.region == []


def test_the_figures_are_one_read(places, figures, django_assert_num_queries):
    council = Authority.objects.select_related("region").get(pk=places["council"].pk)
    with django_assert_num_queries(2):  # the figures, and the targets
        build_stories(council, list(figures.values()))


@pytest.mark.parametrize(
    ("until", "expected"), [(None, "2016-17 Q3"), ("2016-17 Q2", "2016-17 Q2")]
)
def test_a_measure_page_compares_on_the_latest_period_any_council_has(
    places, admin_client, until, expected
):
    """The compare link names the latest period with any council's figure of the measure,
    later than the council's own if another has one (England's counts for nothing), and
    none after the quarter the page is cut at."""
    measure = IndicatorFactory(code="LOCAL-1")
    for quarter in ("2016-17 Q1", "2016-17 Q2"):
        ValueFactory(authority=places["council"], indicator=measure, period=period(quarter))
    ValueFactory(authority=places["neighbour"], indicator=measure, period=period("2016-17 Q3"))
    ValueFactory(authority=places["england"], indicator=measure, period=period("2016-17 Q4"))
    cut = f"q/{period(until).slug}/" if until else ""
    response = admin_client.get(f"/a/{places['council'].slug}/{cut}m/LOCAL-1/")
    assert response.context["compare_period"].code == expected


def test_a_measure_page_compares_on_a_later_period_than_a_council_without_figures(
    places, admin_client
):
    measure = IndicatorFactory(code="LOCAL-2")
    ValueFactory(authority=places["neighbour"], indicator=measure, period=period("2016-17 Q3"))
    response = admin_client.get(f"/a/{places['council'].slug}/m/LOCAL-2/")
    assert response.context["compare_period"].code == "2016-17 Q3"
