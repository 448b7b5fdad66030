"""The quarter view's tables, filters, exports, cards and 'what it takes'."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from indicators.models import Value
from indicators.recompute import recompute

pytestmark = pytest.mark.django_db

URL = "/a/doncaster/q/2016-17-q2/"


def codes(response) -> list[str]:
    return [row.record.indicator.code for row in response.context["table"].rows]


def test_filtering_by_status_and_category(panel_member, client):
    outside = client.get(URL, {"status": "outside_tolerance"})
    assert codes(outside) == ["A2", "A8"]
    category = outside.context["quarter"].summary[1].category
    in_care = client.get(URL, {"category": category.id})
    assert codes(in_care) == ["B8", "B9", "B10", "B13", "B14"]
    both = client.get(URL, {"category": category.id, "status": "within_tolerance"})
    assert codes(both) == ["B14"]


def test_summary_counts_link_to_the_filtered_list(panel_member, client):
    html = client.get(URL).content.decode()
    assert '?status=outside_tolerance#measures"' in html
    assert "?category=" in html


def test_sorting_by_status_puts_the_worst_first(panel_member, client):
    response = client.get(URL, {"m-sort": "status"})
    assert codes(response)[:2] == ["A2", "A8"]
    reverse = client.get(URL, {"m-sort": "-status"})
    assert codes(reverse)[-2:] == ["A8", "A2"] or codes(reverse)[-1] in ("A2", "A8")
    by_value = client.get(URL, {"m-sort": "-this_quarter"})
    assert codes(by_value)[0] == "A3"  # 96%, the highest figure


@pytest.mark.parametrize("fmt", ["yaml", "ods", "json", "nonsense"])
def test_an_export_format_outturn_does_not_offer_shows_the_page(panel_member, client, fmt):
    response = client.get(URL, {"_export": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_table_exports_to_csv_and_xlsx(panel_member, client):
    text = client.get(URL, {"_export": "csv", "status": "outside_tolerance"}).content.decode()
    lines = text.splitlines()
    assert lines[0].startswith("authority,indicator,name,unit,period,value,value_stored,")
    assert lines[1].startswith(
        "E08000017,A2,Single assessments completed within 45 working days,percent,2016-17 Q2,82,"
    )
    assert "outside_tolerance" in lines[1]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(URL, {"_export": "xlsx"}).content))
    rows = list(workbook.active.values)
    assert rows[1][:2] == ("authority", "indicator")
    assert len(rows) == 20  # the title, the header and the 18 measures with a target


def test_cards_split_performing_well_from_concerns(panel_member, client):
    quarter = client.get(URL).context["quarter"]
    well = [row.indicator.code for row in quarter.performing_well]
    concerns = [row.indicator.code for row in quarter.concerns]
    assert "A3" in well
    assert "A1" in well
    assert {"A2", "A8", "B14", "C14"} <= set(concerns)
    assert not set(well) & set(concerns)


def test_one_rule_puts_a_measure_in_a_list_and_it_is_the_status_shown(panel_member, client):
    quarter = client.get(URL).context["quarter"]
    concerns = {row.indicator.code for row in quarter.concerns}
    well = {row.indicator.code for row in quarter.performing_well}
    assert concerns == {"A2", "A8", "B14", "C14"}
    assert well == {"A1", "A3", "A4", "A09", "B9", "B13", "F03"}
    for row in quarter.concerns:
        assert row.status.value in ("outside_tolerance", "within_tolerance")
    for row in quarter.performing_well:
        assert row.status.value == "on_target"


def test_a_councils_concern_on_a_measure_on_target_does_not_move_it(panel_member, client):
    from scrutiny.models import ChallengeRecord

    record = ChallengeRecord.objects.get(indicator__code="A1", period__code="2016-17 Q2")
    record.classification = "concern"
    record.save()
    quarter = client.get(URL).context["quarter"]
    assert "A1" in {row.indicator.code for row in quarter.performing_well}
    assert "A1" not in {row.indicator.code for row in quarter.concerns}


def test_a_status_reported_without_a_figure_says_so_and_is_in_no_list(panel_member, client):
    response = client.get(URL)
    quarter = response.context["quarter"]
    assert {row.indicator.code for row in quarter.reported} == {
        "A06",
        "B8",
        "B10",
        "YOS-EET",
        "C-SUPERV",
    }
    listed = {row.indicator.code for row in [*quarter.concerns, *quarter.performing_well]}
    assert not listed & {"A06", "B8", "B10", "YOS-EET", "C-SUPERV"}
    html = " ".join(response.content.decode().split())
    assert "Reported: on or better than target" in html
    assert "No figure was given, so Outturn cannot check it." in html
    assert "The counts include 5 statuses reported without a figure" in html


def test_what_it_takes_is_said_in_children(panel_member, client):
    Value.objects.filter(indicator__code="A2", period__code="2016-17 Q2").update(
        numerator=123, denominator=150
    )
    html = client.get(URL).content.decode()
    assert "15 more children would have met the target; 1 child = 0.7 points" in html


def test_a_small_cohort_is_flagged(panel_member, client):
    Value.objects.filter(indicator__code="B14", period__code="2016-17 Q2").update(
        value=40, numerator=8, denominator=20
    )
    recompute()
    html = client.get(URL).content.decode()
    assert "Small cohort: one child more or fewer would change the status." in html


def test_comparators_come_from_the_figures_the_report_quotes(panel_member, client):
    rows = {row.indicator.code: row for row in client.get(URL).context["quarter"].measures}
    assert rows["A2"].comparison.england == 81.5
    assert rows["B14"].comparison.england == 48
    assert rows["B14"].comparison.region == 52
    assert rows["B14"].comparison.period.code == "2015-16"
    assert not rows["B14"].comparison.period_stated  # the report gives no year


def test_a_comparator_quoted_without_its_year_is_never_given_one(panel_member, client):
    """Issue 28, finding 3: the seed quotes A2's "latest reported national outturn (81.5%)",
    B9's 68% and B14's 48% and 52% without a year; the demo labelled them 2015/16. They are
    filed under the latest year they could describe and said to have no stated period
    wherever they appear; no chart places them at a period, no compare page takes them as a
    period's figure."""
    table = client.get(URL).context["table"]
    cells = {row.record.indicator.code: str(row.get_cell("compared")) for row in table.rows}
    for code in ["A2", "B9", "B14"]:
        assert "period not stated by its source" in cells[code]
        assert "2015/16" not in cells[code]
    export = csv.DictReader(io.StringIO(client.get(f"{URL}export.csv").content.decode()))
    a2 = next(row for row in export if row["indicator"] == "A2")
    assert (a2["compared_period"], a2["england"]) == ("not stated", "81.5")
    story = client.get("/a/doncaster/m/A2/").context["story"]
    assert story.england
    assert "England" not in story.chart_series()
    page = " ".join(client.get("/a/doncaster/m/A2/").content.decode().split())
    assert '81.5%<br><span class="govuk-body-s">period not stated by its source' in page
    compare = client.get("/compare/A2/2015-16/", {"authority": "doncaster"})
    assert compare.status_code == 404 or compare.context["ranking"].england is None
    from authorities.models import Authority
    from indicators.models import Indicator
    from indicators.rules import parse_period
    from reports.targets import target_guide

    year = parse_period("2016-17")
    doncaster, a2 = Authority.objects.get(slug="doncaster"), Indicator.objects.get(code="A2")
    guide = target_guide(doncaster, a2, year)
    assert (guide.england, guide.period_words) == (81.5, "period not stated by its source")


def test_the_switcher_goes_to_another_quarter_or_authority(panel_member, client):
    response = client.get("/switch/", {"authority": "doncaster", "period": "2016-17-q1"})
    assert response.url == "/a/doncaster/q/2016-17-q1/"
    response = client.get("/switch/", {"authority": "doncaster"})
    assert response.url == URL
    assert client.get("/switch/", {"authority": "nowhere"}).status_code == 404
    assert client.get("/switch/", {"authority": "england"}).url == "/a/england/"


def test_bad_filter_values_are_ignored_not_errors(panel_member, client):
    response = client.get(URL, {"status": "purple", "category": "x", "m-sort": "nope"})
    assert response.status_code == 200


def test_sorting_the_table_by_code_is_natural(panel_member, client):
    table = client.get(URL, {"m-sort": "code"}).context["table"]
    codes = [row.record.indicator.code for row in table.rows]
    assert codes.index("B8") < codes.index("B10")
    assert codes.index("A2") < codes.index("A8") < codes.index("A09")


@pytest.mark.parametrize(
    ("change", "unit", "said"),
    [
        (-11, "percent", "down 11 points"),
        (3, "percent", "up 3 points"),
        (1, "percent", "up 1 point"),
        (0, "percent", "no change"),
        (-174, "count", "-174"),
        (174, "count", "+174"),
    ],
)
def test_a_change_in_a_percentage_is_in_points(change, unit, said):
    from indicators.models import Indicator
    from indicators.templatetags.outturn import signed_figure

    assert signed_figure(change, Indicator(unit=unit, decimals=0)) == said


def test_a_comparator_says_its_own_period_and_never_claims_publication(panel_member, client):
    html = " ".join(client.get(URL).content.decode().split())
    assert "published by the end of the quarter" not in html
    assert "it is the period the figure describes, not when DfE published it" in html
    table = client.get(URL).context["table"]
    a2 = next(row for row in table.rows if row.record.indicator.code == "A2")
    assert "period not stated by its source" in str(a2.get_cell("compared"))


def test_hard_to_shift_says_why_where_the_previous_quarter_has_no_figure(panel_member, client):
    """Issue 28, finding 5: A2 and A8 are hard to shift while their rows show no previous
    figure (Quarter 1 2016/17 holds a status reported without its figure). The row, the
    quarter's list and the paper say why."""
    response = client.get("/a/doncaster/q/2016-17-q2/")
    quarter = response.context["quarter"]
    rows = {row.indicator.code: row for row in quarter.hard_to_shift}
    assert set(rows) >= {"A2", "A8"}
    why = "outside tolerance in Quarter 1 2016/17, as reported, and now"
    assert rows["A2"].hard_to_shift_why == why
    html = " ".join(response.content.decode().split())
    assert f"Hard to shift: {why}" in html  # the measures table's status cell
    assert f"A2 Single assessments completed within 45 working days</a>: {why}" in html


@pytest.mark.parametrize(
    ("difference", "unit", "said"),
    [(4.1, "percent", "4.1 points above"), (-1, "percent", "1 point below"),
     (0, "percent", "the same"), (-12, "count", "12 below"), (None, "count", "–")],
)  # fmt: skip
def test_a_reconciliation_says_above_or_below_never_up_or_down(difference, unit, said):
    from indicators.models import Indicator
    from indicators.templatetags.outturn import gap

    assert gap(difference, Indicator(unit=unit, decimals=1 if difference == 4.1 else 0)) == said
