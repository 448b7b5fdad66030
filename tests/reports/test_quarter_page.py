from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.recompute import recompute
from tests.factories import AuthorityFactory, IndicatorFactory, TargetFactory, ValueFactory, period

pytestmark = pytest.mark.django_db

Q2_URL = "/a/doncaster/q/2016-17-q2/"


def test_home_redirects_to_the_latest_quarter_of_the_first_authority(panel_member, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == Q2_URL


def test_every_page_needs_a_login(demo, client):
    response = client.get(Q2_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_quarter_page_shows_the_seed_summary(panel_member, client):
    response = client.get(Q2_URL)
    assert response.status_code == 200
    quarter = response.context["quarter"]
    totals = {status.value: count for status, count in quarter.totals.items()}
    assert totals == {
        "outside_tolerance": 2,
        "within_tolerance": 3,
        "on_target": 11,
        "no_target": 2,
    }
    by_category = {row.category.name: row.total for row in quarter.summary}
    assert by_category == {
        "Social Care Pathway": 7,
        "Children in Care": 5,
        "Youth Offending Services": 3,
        "Workforce": 3,
    }
    assert [row.indicator.code for row in quarter.hard_to_shift] == ["A2", "A8"]
    html = response.content.decode()
    assert "Quarter 2 2016/17" in html
    assert "1 July 2016 to 30 September 2016" in html
    assert "Outside tolerance" in html
    assert "✗" in html


def test_the_measures_table_lists_figures_in_natural_order(panel_member, client):
    quarter = client.get(Q2_URL).context["quarter"]
    codes = [row.indicator.code for row in quarter.measures]
    assert codes[:7] == ["A1", "A2", "A3", "A4", "A06", "A8", "A09"]
    assert [row.indicator.code for row in quarter.volumetric][:1] == ["E1"]


@pytest.mark.parametrize(
    "url",
    [
        "/a/doncaster/q/2016-17-q9/",
        "/a/doncaster/q/2016-17/",
        "/a/nowhere/q/2016-17-q2/",
        "/a/doncaster/q/2031-32-q1/",
        "/a/doncaster/q/%3Cscript%3E/",
    ],
)
def test_bad_addresses_are_not_found_never_an_error(panel_member, client, url):
    assert client.get(url).status_code == 404


def _quarter_with(indicators: int, authorities: int):
    authority = None
    for _ in range(authorities):
        authority = AuthorityFactory()
        for number in range(indicators):
            indicator = IndicatorFactory(code=f"Q{number}")
            TargetFactory(indicator=indicator, authority=authority)
            for code in ["2016-17 Q1", "2016-17 Q2", "2016-07"]:
                ValueFactory(authority=authority, indicator=indicator, period=period(code))
    recompute()
    return authority


@pytest.mark.parametrize(("indicators", "authorities"), [(2, 1), (25, 4)])
def test_the_quarter_page_query_count_is_constant(admin_client, indicators, authorities):
    authority = _quarter_with(indicators, authorities)
    url = f"/a/{authority.slug}/q/2016-17-q2/"
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["quarter"].measures) == indicators
    # session, user, authority, period, then six for the quarter itself
    assert len(queries) == 10
