"""Issue 14: an officer corrects one figure (with a reason) and sets a target (with a
rationale, seeing what helps choose one); statuses follow as after an import."""

from __future__ import annotations

from html import unescape

import pytest

from indicators.models import Target, Value

pytestmark = pytest.mark.django_db

CORRECT = "/a/doncaster/m/A2/correct/2016-17-q2/"
TARGET = "/a/doncaster/m/A2/target/2016-17/"


def test_an_officer_corrects_a_figure_and_its_status_follows(
    officer, client, django_capture_on_commit_callbacks
):
    assert "Stored now:" in client.get(CORRECT).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CORRECT, {"value": "93", "reason": "Late recording found"}, follow=True
        )
    page = unescape(response.content.decode())
    assert "Saved: A2, Quarter 2 2016/17 corrected from 82% to 93%" in page
    value = Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    assert (value.value, value.status) == (93, "on_target")
    assert "Late recording found" in page  # the measure's history says why


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"value": "", "reason": "x"}, "Enter the figure"),
        ({"value": "140", "reason": "x"}, "The figure is above 100"),
        ({"value": "90", "reason": ""}, "Say why the figure is corrected"),
    ],
)
def test_a_bad_correction_is_explained_and_changes_nothing(officer, client, data, said):
    page = unescape(client.post(CORRECT, data).content.decode())
    assert said in page
    assert Value.objects.get(indicator__code="A2", period__code="2016-17 Q2").value == 82


def test_an_officer_sets_a_target_seeing_what_helps_choose_one(
    officer, client, django_capture_on_commit_callbacks
):
    guide = " ".join(unescape(client.get(TARGET).content.decode()).split())
    assert "What helps choose one" in guide
    assert "England" in guide
    assert "Doncaster, latest" in guide
    # Issue 28, finding 1: the aid for 2016/17 shows what was known before 2016/17 began.
    assert "figures of periods that ended by 31 March 2016" in guide
    assert "Quarter 2 2016/17" not in guide
    following = " ".join(
        unescape(client.get(TARGET.replace("2016-17", "2017-18")).content.decode()).split()
    )
    assert "Quarter 2 2016/17: 82%" in following
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            TARGET,
            {"target": "80", "tolerance": "75", "rationale": "Neighbours' median"},
            follow=True,
        )
    assert "Saved: the 2016/17 target for A2" in unescape(response.content.decode())
    target = Target.objects.get(indicator__code="A2", authority__slug="doncaster", fiscal_year=2016)
    assert (target.target, target.tolerance) == (80, 75)
    assert Value.objects.get(indicator__code="A2", period__code="2016-17 Q2").status == "on_target"


def test_a_tolerance_on_the_better_side_is_refused(officer, client):
    page = unescape(
        client.post(TARGET, {"target": "80", "tolerance": "85", "rationale": "x"}).content.decode()
    )
    assert "There is a problem" in page
    assert (
        Target.objects.get(
            indicator__code="A2", authority__slug="doncaster", fiscal_year=2016
        ).target
        == 92
    )


def test_the_top_quartile_is_dfes_cut_for_band_a(published):
    from indicators.models import Indicator, Period
    from reports.ranking import rank
    from reports.targets import top_quartile

    indicator = Indicator.objects.get(code="CIN-REREF")
    period = Period.objects.filter(value__indicator=indicator).order_by("-end").first()
    threshold = top_quartile(indicator, period)
    rows = rank(indicator, period, None).rows
    band_a = [row["value"] for row in rows if row["band"] == "A"]
    others = [row["value"] for row in rows if row["band"] != "A"]
    # Lower is better: band A is at or below DfE's 25th-percentile cut, every other above.
    assert max(band_a) <= threshold < min(others)


def test_next_years_target_can_be_set_and_a_non_year_is_not_found(officer, client):
    assert client.get("/a/doncaster/m/A2/target/2017-18/").status_code == 200
    assert client.get("/a/doncaster/m/A2/target/2016-17-q2/").status_code == 404
    assert client.get("/a/doncaster/m/A2/target/9999-00/").status_code == 404
    assert client.get("/a/doncaster/m/V-CIC/target/2016-17/").status_code == 404  # volumetric


@pytest.mark.parametrize(
    ("target", "tolerance", "said"),
    [
        ("250", "240", "The target is above 100, the most a figure in per cent can be"),
        ("-50", "", "The target is negative"),
        ("90", "250", "The tolerance is above 100"),
        ("1e308", "", "The target is above 100"),
    ],
)
def test_an_implausible_target_is_refused_at_the_field_that_holds_it(
    officer, client, target, tolerance, said
):
    """Issue 30, finding 1: the form took 250% and -50 for a percentage."""
    data = {"target": target, "tolerance": tolerance, "rationale": "x"}
    page = unescape(client.post(TARGET, data).content.decode())
    assert "There is a problem" in page
    assert said in page
    field = "tolerance" if "tolerance" in said else "target"
    assert f'href="#id_{field}"' in page
    stored = Target.objects.get(indicator__code="A2", authority__slug="doncaster", fiscal_year=2016)
    assert (stored.target, stored.tolerance) == (92, 90)


def test_a_target_more_than_five_years_ahead_is_not_offered(officer, client):
    """Issue 30, finding 1: the form took the year 2099-00."""
    from django.utils import timezone

    from indicators.rules import fiscal_year_code, latest_target_year

    latest = latest_target_year(timezone.localdate())
    after = fiscal_year_code(latest + 1)
    assert client.get(f"/a/doncaster/m/A2/target/{fiscal_year_code(latest)}/").status_code == 200
    assert client.get(f"/a/doncaster/m/A2/target/{after}/").status_code == 404
    response = client.post(
        "/a/doncaster/m/A2/target/2099-00/", {"target": "80", "tolerance": "", "rationale": "x"}
    )
    assert response.status_code == 404
    assert not Target.objects.filter(fiscal_year=2099).exists()


def test_a_correction_opened_before_anothers_save_is_refused_showing_the_figure(officer, client):
    """Issue 30: a correction form opened before someone else's correction saved over it
    silently. The form carries the figure it was opened on; a stale save is refused."""
    from django.test import Client

    page = client.get(CORRECT).content.decode()
    opened = page.split('name="opened" value="')[1].split('"')[0]
    other = Client()
    other.force_login(officer)
    other.post(CORRECT, {"value": "86", "reason": "first", "opened": opened})
    said = unescape(
        client.post(CORRECT, {"value": "84", "reason": "second", "opened": opened}).content.decode()
    )
    assert "Someone changed this figure while the form was open: it is now 86%" in said
    a2 = Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    assert a2.value == 86
    assert [h.history_change_reason for h in a2.history.order_by("-history_date")][0] == "first"
