"""Signal or noise where decisions are made: the quarter view, its filter and export, the
measure page and its chart, the compare page's intervals, the briefing."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import call_command

from indicators.models import Value

pytestmark = pytest.mark.django_db

QUARTER = "/a/doncaster/q/2016-17-q2/"


def test_a_shift_inside_tolerance_is_special_cause_concern(spc_series):
    latest = Value.objects.get(indicator__code="SPC1", period__code="2016-17 Q2")
    assert latest.status == "within_tolerance"
    assert latest.variation == "special_cause_concern"
    assert latest.assurance == "hit_and_miss"
    earlier = Value.objects.get(indicator__code="SPC1", period__code="2015-16 Q3")
    assert earlier.variation == "common_cause"  # as the series stood then
    assert Value.objects.get(indicator__code="SPC1", period__code="2013-14 Q4").variation == ""


def test_the_quarter_view_says_it_in_words_and_filters_on_it(spc_series, panel_member, client):
    html = " ".join(client.get(QUARTER).content.decode().split())
    row = re.search(r'data-indicator="SPC1".*?</tr>', html).group(0)
    assert "Special cause: concern" in row
    assert "Hit and miss against the target" in row
    a2 = re.search(r'data-indicator="A2".*?</tr>', html).group(0)
    assert "Too few points for a control chart" in a2
    card = re.search(
        r'<li class="outturn-card outturn-card--within_tolerance">(?:(?!</li>).)*SPC1.*?</li>', html
    )
    assert "Special cause: concern" in card.group(0)  # the card says it too
    filtered = client.get(QUARTER, {"signal": "special_cause_concern"}).context["table"]
    assert [row.record.indicator.code for row in filtered.rows] == ["SPC1"]


def test_the_export_carries_variation_assurance_and_limits(spc_series):
    out = io.StringIO()
    call_command("export_quarter", authority="E08000017", period="2016-17 Q2", stdout=out)
    row = next(r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["indicator"] == "SPC1")
    assert row["variation"] == "special_cause_concern"
    assert row["assurance"] == "hit_and_miss"
    latest = Value.objects.get(indicator__code="SPC1", period__code="2016-17 Q2")
    assert row["mean"] == f"{latest.spc_mean:.2f}"
    assert float(row["lower_limit"]) < float(row["mean"]) < float(row["upper_limit"])


def test_the_measure_page_draws_the_control_chart_and_explains_it(spc_series, panel_member, client):
    html = client.get("/a/doncaster/m/SPC1/").content.decode()
    text = " ".join(html.split())
    assert "Over 18 quarterly figures, Quarter 1 2012/13 to Quarter 2 2016/17" in text
    assert "What the control chart shows" in text
    figure = json.loads(re.search(r'id="measure-figure">(.*?)</script>', html, re.S).group(1))
    names = [trace["name"] for trace in figure["data"]]
    assert {"Average (SPC)", "Upper process limit", "Lower process limit"} <= set(names)
    concern = next(t for t in figure["data"] if t["name"] == "Special cause: concern")
    assert len(concern["x"]) == 7
    few = " ".join(client.get("/a/doncaster/m/A2/").content.decode().split())
    assert (
        "Too few points for a control chart: 1 quarterly figure, and a chart needs at least 12"
        in few
    )


def test_limits_from_12_to_14_points_are_drawn_and_called_trial_limits(
    spc_series, panel_member, client
):
    """Issue 28, finding 13: limits from 12 points, marked as trial limits until 15, on the
    quarter's table, the export, the measure page as it stood and its chart's legend."""
    at_12 = Value.objects.get(indicator__code="SPC1", period__code="2014-15 Q4")
    assert (at_12.variation, at_12.spc_points) == ("common_cause", 12)
    assert Value.objects.get(indicator__code="SPC1", period__code="2014-15 Q3").variation == ""
    firm = Value.objects.get(indicator__code="SPC1", period__code="2015-16 Q3")
    assert firm.spc_points == 15
    html = " ".join(client.get("/a/doncaster/q/2014-15-q4/").content.decode().split())
    row = re.search(r'data-indicator="SPC1".*?</tr>', html).group(0)
    assert "Common cause" in row
    assert "(trial limits, 12 points)" in row
    firm_row = client.get("/a/doncaster/q/2015-16-q3/").content.decode()
    assert "trial limits" not in re.search(r'data-indicator="SPC1".*?</tr>', firm_row, re.S)[0]
    out = io.StringIO()
    call_command("export_quarter", authority="E08000017", period="2014-15 Q4", stdout=out)
    row = next(r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["indicator"] == "SPC1")
    assert row["limits_from_points"] == "12"
    page = client.get("/a/doncaster/q/2014-15-q4/m/SPC1/").content.decode()
    text = " ".join(page.split())
    assert "These are trial limits</strong>, drawn from 12 figures" in text
    figure = json.loads(re.search(r'id="measure-figure">(.*?)</script>', page, re.S).group(1))
    assert "Upper process limit (trial)" in [trace["name"] for trace in figure["data"]]


def test_the_compare_page_says_significantly_better_or_worse_than_england(
    demo, panel_member, client
):
    from authorities.models import Authority
    from indicators import writes
    from indicators.models import Period

    period = Period.objects.get(code="2016-17 Q2")
    doncaster = Authority.objects.get(slug="doncaster")
    value = Value.objects.get(authority=doncaster, indicator__code="A2", period=period)
    value.numerator, value.denominator = 82, 100
    writes.save_value(value, reason="Cohort added")
    england = (
        Authority.objects.get(kind="nation")
        if Authority.objects.filter(kind="nation").exists()
        else Authority.objects.create(
            code="E92000001", name="England", slug="england", kind="nation"
        )
    )
    Value.objects.create(authority=england, indicator=value.indicator, period=period, value=95)
    text = " ".join(client.get("/compare/A2/2016-17-q2/").content.decode().split())
    assert "between 73% and 88%: <strong>Significantly worse than England</strong>" in text


def test_a_rebase_starts_the_chart_again_and_the_statuses_follow(
    spc_series, client, django_capture_on_commit_callbacks
):
    """Recorded in the admin (through the one write path): from the new service model on,
    there are seven figures, too few for a chart, so the concern is no longer claimed."""
    from django.contrib.auth.models import User

    from indicators.models import Indicator, Period, Rebase

    client.force_login(User.objects.get(username="admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/indicators/rebase/add/",
            {
                "indicator": Indicator.objects.get(code="SPC1").pk,
                "authority": "",
                "starts": Period.objects.get(code="2014-15 Q4").pk,
                "reason": "A new assessment model began.",
                "fixed_points": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Rebase.objects.count() == 1
    latest = Value.objects.get(indicator__code="SPC1", period__code="2016-17 Q2")
    assert latest.variation == ""
    before = Value.objects.get(indicator__code="SPC1", period__code="2014-15 Q3")
    assert before.variation == ""  # 11 figures before the rebase: too few as they stood
    text = " ".join(client.get("/a/doncaster/m/SPC1/").content.decode().split())
    assert "The chart starts again at Quarter 4 2014/15: A new assessment model began." in text
    assert "Too few points for a control chart: 7 quarterly figures" in text


def test_dfe_s_annual_series_of_12_or_more_years_draw_trial_charts(
    published, admin_client, django_capture_on_commit_callbacks
):
    """Issue 28, finding 13: no national series has 15 annual points, so no control chart
    appeared; from 12 they do, as trial limits."""
    latest = (
        Value.objects.filter(
            authority__code="E08000017", indicator__code="CIN-REREF", value__isnull=False
        )
        .order_by("-period__end")
        .first()
    )
    assert latest.variation
    assert 12 <= latest.spc_points < 15
    text = " ".join(admin_client.get("/a/doncaster/m/CIN-REREF/").content.decode().split())
    assert f"These are trial limits</strong>, drawn from {latest.spc_points} figures" in text
