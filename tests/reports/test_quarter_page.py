from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators import distributions
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
    assert "Quarter 2 2016/17: 1 July to 30 September 2016" in html
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
    """A region of authorities, each with statistical neighbours, targets and quarterly and
    monthly figures, and England and regional figures to compare with."""
    from authorities.models import StatisticalNeighbour

    england = AuthorityFactory(kind="nation", name="England", code="E92000001")
    region = AuthorityFactory(kind="region", region=england)
    places = [AuthorityFactory(region=region) for _ in range(authorities)]
    for place in places:
        others = [p for p in places if p != place][:10]
        StatisticalNeighbour.objects.bulk_create(
            StatisticalNeighbour(authority=place, neighbour=n, rank=i + 1)
            for i, n in enumerate(others)
        )
    for number in range(indicators):
        indicator = IndicatorFactory(code=f"Q{number}")
        for place in [*places, england, region]:
            TargetFactory(indicator=indicator, authority=place)
            for code in ["2016-17 Q1", "2016-17 Q2", "2016-07", "2015-16"]:
                ValueFactory(authority=place, indicator=indicator, period=period(code))
    recompute()
    return places[-1]


@pytest.mark.parametrize(("indicators", "authorities"), [(2, 2), (20, 8)])
def test_the_quarter_page_query_count_is_constant(admin_client, indicators, authorities):
    authority = _quarter_with(indicators, authorities)
    url = f"/a/{authority.slug}/q/2016-17-q2/"
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200
    quarter = response.context["quarter"]
    assert len(quarter.measures) == indicators
    assert quarter.measures[0].comparison.england == 50
    assert len(quarter.measures[0].comparison.neighbours) == authorities - 1
    # session, user, the quarter (authority, period, its versions, three reads), the
    # definitions, read the first time the process draws a page at this version of them
    # (indicators.definitions: the indicators, the neighbours, England, the periods, the
    # places, and the councils in being in the quarter, when its switcher is drawn),
    # comparisons (each measure's versions, two reads, the national distributions as the
    # worker keeps them — none yet: recompute() alone keeps none — then their figures), the
    # challenge (records, actions, publications, open actions, who may write), the panel's
    # questions and recommendations, the filter, the switchers: the same for 2 measures in
    # 2 authorities or 20 in 8
    assert len(queries) == 25
    # The first drawing after a write of figures (the cache emptied; the definitions still
    # held, the version of everything where it was): the definitions are not read again.
    # Then, kept by the worker (as after every write's recompute), the distributions are
    # read as kept and their figures not at all: one query fewer. The same comparisons.
    for expected, before in [(19, lambda: None), (18, distributions.refresh)]:
        before()
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            response = admin_client.get(url)
        assert len(cold) == expected
        assert [r.comparison for r in response.context["quarter"].measures] == [
            r.comparison for r in quarter.measures
        ]
    # Again, nothing changed: the figures, comparisons and rendered tables come from the
    # cache (reports.quarter.build_quarter), and the switchers and the filter too, each found
    # by the versions of what it shows (the quarter's own, then its comparisons'); the count
    # is still the same for both.
    with CaptureQueriesContext(connection) as again:
        assert admin_client.get(url).status_code == 200
    assert len(again) == 10


def test_a_measures_months_and_trend_are_its_own_in_and_before_the_quarter(admin_client):
    """One read brings a measure's monthly figures within the quarter (named in its row,
    oldest first) and its quarterly figures of the last eight quarters (its sparkline): a
    month outside the quarter and a quarter after it are in neither."""
    authority = AuthorityFactory()
    indicator = IndicatorFactory(code="M1", decimals=0)
    TargetFactory(indicator=indicator, authority=authority)
    figures = {
        "2016-08": 61,
        "2016-07": 60,
        "2016-10": 99,  # the next quarter's month
        "2016-17 Q2": 62,
        "2016-17 Q1": 58,
        "2014-15 Q2": 40,  # nine quarters before
        "2016-17 Q3": 98,  # after the quarter
    }
    for code, value in figures.items():
        ValueFactory(authority=authority, indicator=indicator, period=period(code), value=value)
    recompute()
    response = admin_client.get(f"/a/{authority.slug}/q/2016-17-q2/")
    assert response.status_code == 200
    row = response.context["quarter"].measures[0]
    assert [(m.period.label, m.value) for m in row.months] == [
        ("July 2016", 60),
        ("August 2016", 61),
    ]
    assert row.trend == [None] * 6 + [58, 62]
    assert "July 2016: 60%; August 2016: 61%" in response.content.decode()


def test_the_switcher_lists_each_current_authority_once(panel_member, client):
    from authorities.models import Authority

    Authority.objects.create(
        code="E08000016",
        name="Barnsley",
        slug="barnsley-old",
        kind="local_authority",
        replaced_by="E08000038",
    )
    Authority.objects.create(
        code="E08000038", name="Barnsley", slug="barnsley", kind="local_authority"
    )
    names = [a.name for a in client.get("/a/doncaster/q/2016-17-q2/").context["authorities"]]
    assert names.count("Barnsley") == 1


def test_latest_with_figures_for_an_authority_without_quarters_goes_to_its_page(
    panel_member, client
):
    from authorities.models import Authority

    Authority.objects.create(
        code="E08000038", name="Barnsley", slug="barnsley", kind="local_authority"
    )
    response = client.get("/switch/", {"authority": "barnsley"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/a/barnsley/"
    html = " ".join(response.content.decode().split())
    assert "Barnsley has no quarterly figures in Outturn, so there is no quarter to show." in html


def test_a_reader_lands_on_their_own_authority(demo, client):
    """Issue 28, finding 8: a Rotherham officer landed on Doncaster."""
    from django.contrib.auth.models import Group, User

    from authorities.models import Authority, OfficerAssignment
    from tests.factories import ValueFactory, period

    rotherham = Authority.objects.create(
        code="E08000018", dfe_code="372", name="Rotherham", slug="rotherham", kind="local_authority"
    )
    ValueFactory(authority=rotherham, period=period("2016-17 Q1"), value=50)
    officer = User.objects.create_user("rotherham", password="rotherham-password-2016")
    officer.groups.add(Group.objects.get(name="Officers"))
    OfficerAssignment.objects.create(user=officer, authority=rotherham, side="council")
    client.force_login(officer)
    assert client.get("/").url == "/a/rotherham/q/2016-17-q1/"


def test_a_partial_upload_of_the_next_quarter_is_not_where_everyone_lands(
    panel_member, client, django_capture_on_commit_callbacks
):
    """Issue 28, finding 8: after one partial Q3 upload everyone landed on Q3 with 12 of 18
    measures. The latest complete quarter stays the landing; the quarter page links on."""
    from imports import service

    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,90\n"
    with django_capture_on_commit_callbacks(execute=True):
        service.apply(service.stage("returns", data, "q3.csv").batch)
    assert client.get("/").url == Q2_URL
    page = client.get(Q2_URL).content.decode()
    assert "/a/doncaster/q/2016-17-q3/" in page  # a plain way to the newer, partial one


def test_the_filter_is_a_row_of_labelled_govuk_selects_keeping_the_choice(panel_member, client):
    """Each select in a GOV.UK form group (kept tight: they sit side by side), its label
    pointing at it, the reader's choice still chosen; the options as Django draws them."""
    html = client.get(Q2_URL, {"status": "outside_tolerance"}).content.decode()
    start = html.index('class="outturn-filter')
    drawn = html[start : html.index("</form>", start)]
    for name, label in [("category", "Category"), ("status", "Status"), ("signal", "Signal (SPC)")]:
        assert (
            f'<div id="div_id_{name}" class="govuk-form-group govuk-!-margin-bottom-0">'
            f'<label for="id_{name}" class="govuk-label">{label}</label>'
            f'<select name="{name}" class="govuk-select" id="id_{name}">'
        ) in drawn
    assert '<option value="outside_tolerance" selected>Outside tolerance</option>' in drawn
    assert '<option value="">All statuses</option>' in drawn  # not chosen: another is
    assert '<option value="" selected>All categories</option>' in drawn
    assert "wrapper-class" not in drawn


def test_the_form_to_present_a_quarter_is_crispys_drawing_of_it(demo, client):
    """Drawn once a process (reports.pages.blank_publish_form), exactly as {% crispy %} draws
    the empty form in a page."""
    from django.contrib.auth.models import User
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    from reports.pages import blank_publish_form
    from scrutiny.forms import PublishForm

    request = RequestFactory().get(Q2_URL)
    request.user = User.objects.get(username="officer")
    in_a_page = Template("{% load crispy_forms_tags %}{% crispy form %}").render(
        RequestContext(request, {"form": PublishForm()})
    )
    assert blank_publish_form() == in_a_page
    assert 'name="presented_on"' in in_a_page
    client.force_login(request.user)
    assert blank_publish_form() in client.get(Q2_URL).content.decode()


def test_a_choice_the_filter_does_not_offer_is_said_beside_its_select(panel_member, client):
    """An address with a status the filter has not (typed, or kept from an older version):
    the page says so at the select, as GOV.UK shows an error, the select pointing at the
    message; the other selects are as they were."""
    html = client.get(Q2_URL, {"status": "bogus"}).content.decode()
    start = html.index('class="outturn-filter')
    drawn = html[start : html.index("</form>", start)]
    assert (
        '<div id="div_id_status" class="govuk-form-group govuk-form-group--error '
        'govuk-!-margin-bottom-0">'
    ) in drawn
    assert (
        '<p id="id_status_error" class="govuk-error-message"><span class="govuk-visually-hidden">'
        "Error:</span> Select a valid choice. bogus is not one of the available choices.</p>"
    ) in drawn
    select = re.search(r'<select name="status"[^>]*>', drawn).group(0)
    assert 'class="govuk-select govuk-select--error"' in select
    assert 'aria-describedby="id_status_error"' in select
    assert 'aria-invalid="true"' in select
    assert '<div id="div_id_category" class="govuk-form-group govuk-!-margin-bottom-0">' in drawn
    hostile = client.get(Q2_URL, {"status": "<b>x</b>"}).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt; is not one of the available choices" in hostile
    assert "<b>x</b>" not in hostile


def test_a_code_that_needs_quoting_links_to_its_measure_from_every_place(panel_member, client):
    """Links to a measure are drawn from the quarter's base path and the code quoted as
    reverse() quotes it (indicators' measure_page): the table, the cards, the hard-to-shift
    list and the challenge all reach the measure's page."""
    from urllib.parse import unquote

    from django.urls import resolve

    from indicators import writes
    from indicators.models import Indicator

    renamed = Indicator.objects.get(code="A2")
    renamed.code = "A2 & B"
    writes.save_indicator(renamed)
    html = client.get(Q2_URL).content.decode()
    href = "/a/doncaster/q/2016-17-q2/m/A2%20&amp;%20B/"
    assert html.count(f'href="{href}"') >= 3  # the table's code, its card, hard to shift
    path = href.replace("&amp;", "&")
    assert resolve(unquote(path)).kwargs["code"] == "A2 & B"  # as the server decodes it
    assert client.get(path).status_code == 200
    links = set(re.findall(r'href="(/a/doncaster/q/2016-17-q2/m/[^"]*)"', html))
    for link in links:  # every measure this quarter links to is reached
        assert resolve(unquote(link.replace("&amp;", "&"))).url_name == "quarter_measure"
