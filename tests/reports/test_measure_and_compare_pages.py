from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorities.models import Authority
from imports import service
from indicators.lookups import period_or_404
from indicators.models import Value
from reports import ranking as compare_module

from ..snapshot import load_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(england, demo, panel_member):
    def load():
        service.apply(
            service.stage("returns", (england / "values.csv").read_bytes(), "values.csv").batch
        )
        call_command(
            "load_authorities",
            str(england / "authorities.csv"),
            neighbours=str(england / "statistical_neighbours.csv"),
        )

    load_once("national pages", load)
    return england


def test_the_measure_page_tells_the_story(panel_member, client):
    response = client.get("/a/doncaster/m/C14/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Frontline FTE posts covered by agency staff" in html
    assert "Lower is better" in html
    assert 'type="application/json" id="measure-figure"' in html
    story = response.context["story"]
    assert [s.value for _, s in story.status_strip] == ["outside_tolerance", "within_tolerance"]
    periods = [row["period"].code for row in story.table]
    assert periods[:3] == ["2016-10", "2016-17 Q2", "2016-09"]
    assert "<script>" not in html  # charts are drawn from data, never inline script


def test_the_chart_has_target_tolerance_and_both_kinds_of_period(panel_member, client):
    import json

    html = client.get("/a/doncaster/m/C14/").content.decode()
    data = re.search(r'id="measure-figure">(.*?)</script>', html, re.S).group(1)
    figure = json.loads(data)
    names = [trace["name"] for trace in figure["data"]]
    assert "Target 2016-17" in names
    assert "Doncaster, quarters" in names
    assert "Doncaster, months" in names
    assert figure["layout"]["shapes"][0]["y0"] == 8  # the tolerance band from target…
    assert figure["layout"]["shapes"][0]["y1"] == 12  # …to tolerance


def test_unknown_measure_or_authority_is_not_found(panel_member, client):
    assert client.get("/a/doncaster/m/NOPE/").status_code == 404
    assert client.get("/a/nowhere/m/A2/").status_code == 404


def test_compare_ranks_every_authority_with_suppressed_values_shown(national, client):
    response = client.get("/compare/CPP-REPEAT/2015-16/", {"authority": "doncaster"})
    assert response.status_code == 200
    ranking = response.context["ranking"]
    stored = Value.objects.filter(
        indicator__code="CPP-REPEAT", period__code="2015-16", authority__kind="local_authority"
    )
    assert len(ranking.rows) + len(ranking.suppressed) == stored.count() >= 150
    assert ranking.rows[0]["band"] == "A"
    assert ranking.rows[0]["value"] <= ranking.rows[-1]["value"]  # lower is better
    chosen = ranking.chosen_row
    assert chosen["name"] == "Doncaster"
    assert chosen["value"] == 17.7
    assert 9 <= len(ranking.neighbour_values) <= 10  # one neighbour's figure is suppressed
    assert ranking.neighbours_median is not None
    html = response.content.decode()
    assert "(selected)" in html
    assert "(statistical neighbour)" in html


def test_suppressed_values_are_listed_with_their_reason_not_as_zero(national, client):
    suppressed = Value.objects.filter(no_value_reason="c", authority__kind="local_authority")
    example = suppressed.select_related("indicator", "period", "authority").first()
    response = client.get(f"/compare/{example.indicator.code}/{example.period.slug}/")
    assert example.authority.pk in [v.authority.id for v in response.context["ranking"].suppressed]
    assert f"{example.authority.name}: Suppressed (small numbers)" in response.content.decode()


def test_compare_filters_by_region(national, client):
    response = client.get("/compare/CIN-REREF/2023-24/", {"region": "E12000003"})
    regions = {row["authority"].region_id for row in response.context["ranking"].rows}
    assert regions == {Authority.objects.get(code="E12000003").pk}


@pytest.mark.parametrize("region", ["", "E12000003"])
def test_compare_query_count_does_not_grow_with_authorities(national, client, region):
    params = {"authority": "doncaster", "region": region}
    with CaptureQueriesContext(connection) as queries:
        client.get("/compare/CIN-REREF/2023-24/", params)
    assert len(queries) == 14  # England and the region are shown too; the data version
    with CaptureQueriesContext(connection) as again:  # nothing changed: the ranking is cached
        client.get("/compare/CIN-REREF/2023-24/", params)
    assert len(again) == 8


def test_measure_page_query_count_is_fixed(national, client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/a/doncaster/m/CIN-REREF/")
    # session, user, authority, measure, data version, then the definitions, read once a
    # process for this version of everything (indicators.definitions: the indicators, the
    # neighbours, England, the periods, the places); figures (the authority's, England's and
    # the region's in one read), targets, challenge records (none here, so no actions), and
    # the history reads (figures and targets, their periods read with them; with no
    # challenge record there is no record's or action's history to read)
    assert len(queries) == 19, [q["sql"] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as again:  # nothing changed: the figures are cached
        client.get("/a/doncaster/m/CIN-REREF/")
    # the figures, comparators and the rendered history come from the cache, the authority
    # and the measure from the definitions held: session, user, data version, who may
    # write, challenge records and their actions
    assert len(again) == 6, [q["sql"] for q in again.captured_queries]
    cache.clear()  # as after a write of figures: the definitions stay held
    with CaptureQueriesContext(connection) as cold:
        client.get("/a/doncaster/m/CIN-REREF/")
    assert len(cold) == 12, [q["sql"] for q in cold.captured_queries]


def test_quartile_bands_follow_polarity(national):
    from authorities.models import Authority
    from indicators.models import Indicator, Period

    ranking = compare_module.rank(
        Indicator.objects.get(code="CL-EET"),
        Period.objects.get(code="2023-24"),
        Authority.objects.get(slug="doncaster"),
    )
    assert ranking.rows[0]["value"] >= ranking.rows[-1]["value"]  # higher is better
    assert [r["band"] for r in ranking.rows] == sorted(r["band"] for r in ranking.rows)


def test_the_authority_page_shows_ofsted(national, client):
    call_command(
        "load_ofsted",
        str(national / "ofsted_ilacs_inspection_history.csv"),
        str(national / "ofsted_in_year_inspections_2024_25.csv"),
    )
    response = client.get("/a/doncaster/")
    assert response.status_code == 200
    latest = response.context["latest"]
    assert latest.authority.name == "Doncaster"
    html = response.content.decode()
    assert "Inspection history" in html
    assert "Latest judgement:" in html


def test_the_latest_judgement_is_the_latest_graded_inspection_not_a_visit(national, client):
    """Isles of Scilly: judged Inadequate in July 2023, monitoring visits since."""
    call_command(
        "load_ofsted",
        str(national / "ofsted_ilacs_inspection_history.csv"),
        str(national / "ofsted_in_year_inspections_2024_25.csv"),
    )
    response = client.get("/a/isles-of-scilly/")
    latest = response.context["latest"]
    assert (latest.overall, latest.inspected_on.isoformat()) == ("Inadequate", "2023-07-11")
    assert [v.inspected_on.isoformat() for v in response.context["visits_since"]] == [
        "2025-02-11",
        "2024-05-14",
    ]
    html = " ".join(response.content.decode().split())
    assert "Latest judgement: Inadequate" in html
    assert "Since then (visits are not graded): LA Monitoring visit on 11 February 2025" in html


def test_load_ofsted_refuses_the_wrong_file(national, tmp_path):
    from django.core.management import CommandError

    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="not an Ofsted inspections file"):
        call_command("load_ofsted", str(bad))


def test_the_accessibility_statement_is_linked_from_every_page(panel_member, client):
    for url in ["/a/doncaster/q/2016-17-q2/", "/a/doncaster/", "/accessibility/", "/login/"]:
        assert 'href="/accessibility/"' in client.get(url).content.decode()


def test_a_local_measure_has_no_rank_or_quartile_and_says_why(panel_member, client):
    """Only Doncaster reports A2: "ranked 1 of 1, band A" would be a comparison of nothing."""
    response = client.get("/compare/A2/2016-17-q2/", {"authority": "doncaster"})
    html = " ".join(response.content.decode().split())
    assert "A local measure, with no national comparison." in html
    assert "Only 1 authority has a figure for Quarter 2 2016/17" in html
    assert "ranked" not in html
    assert "compare-figure" not in html  # no one-bar chart
    assert 'id="compare-authority"' not in html  # no selectors that would do nothing
    assert response.context["ranking"].chosen_row["rank"] is None
    quarter = client.get("/a/doncaster/q/2016-17-q2/").context["quarter"]
    a2 = next(row for row in quarter.measures if row.indicator.code == "A2")
    assert a2.comparison.quartile is None


def test_a_rank_needs_a_national_distribution():
    from indicators.rules import is_national_distribution

    assert not is_national_distribution(1)
    assert not is_national_distribution(19)
    assert is_national_distribution(20)


def test_a_national_equivalent_not_loaded_is_said_on_the_measure_page(panel_member, client):
    html = " ".join(client.get("/a/doncaster/m/A1/").content.decode().split())
    assert "CIN-REREF, its national equivalent, is not loaded in Outturn yet" in html


def test_a_measure_without_figures_has_a_sentence_not_an_empty_chart(panel_member, client):
    """B8's only entry is a status reported without a figure: nothing to draw."""
    response = client.get("/a/doncaster/m/B8/")
    html = " ".join(response.content.decode().split())
    assert 'data-chart="measure-figure"' not in html
    assert "There are no figures on this measure for Doncaster yet, so there is no chart." in html


def test_a_single_point_has_a_period_axis_not_milliseconds(panel_member, client):
    import json

    from indicators.models import Value

    Value.objects.filter(indicator__code="A3").exclude(period__code="2016-17 Q2").delete()
    story = client.get("/a/doncaster/m/A3/").context["story"]
    figure = json.loads(story.figure_json)
    axis = figure["layout"]["xaxis"]
    assert axis["ticktext"] == ["Q2 2016/17"]
    start, end = axis["range"]
    assert start < "2016-07-01"
    assert end > "2016-09-30"


def test_a_local_measure_shows_its_national_equivalent_by_its_own_periods(national, client):
    """A1 (Doncaster's re-referrals) beside CIN-REREF, DfE's, year by DfE year."""
    from django.core.management import call_command as command

    command("import_indicators", str(national / "indicators.csv"))
    response = client.get("/a/doncaster/m/A1/")
    rows = {row.period.code: row for row in response.context["national"]}
    assert "2023-24" in rows
    row = rows["2023-24"]
    assert row.own is not None
    assert row.england is not None
    assert row.out_of >= 140
    assert row.rank is not None
    assert row.band in {"A", "B", "C", "D"}
    html = " ".join(response.content.decode().split())
    assert "National equivalent: CIN-REREF" in html
    assert "(year to 31 March 2024)" in html


def test_a_neighbours_mean_is_exact_and_rounds_as_published(national, client):
    """Issue 29, finding 4: Doncaster's CPP-2YRS 2018-19 neighbours' figures (3.3, 0, 0, 4.8,
    1.2, 0) make exactly 1.55, which rounds half up to 1.6%; a float sum showed 1.5%."""
    ranking = client.get("/compare/CPP-2YRS/2018-19/?authority=doncaster").context["ranking"]
    assert sorted(ranking.neighbour_values) == [0, 0, 0, 1.2, 3.3, 4.8]
    assert ranking.neighbours_mean == 1.55
    from indicators.models import Indicator
    from indicators.templatetags.outturn import figure

    assert figure(ranking.neighbours_mean, Indicator.objects.get(code="CPP-2YRS")) == "1.6%"


def test_a_suppressed_national_figure_says_why_on_the_measure_page(national, client):
    """Issue 29, finding 5: Doncaster's suppressed CPP-REPEAT 2021-22 (u) read "–" on the
    measure page where the compare page gave the reason."""
    import re

    page = client.get("/a/doncaster/m/A09/").content.decode()
    table = page[page.index('id="national-table"') :]
    row = re.search(r"<tr[^>]*>\s*<t[hd][^>]*>2021/22.*?</tr>", table, re.S).group(0)
    assert "Low reliability" in row


def test_england_keeps_its_capital_beside_an_interval(national, client):
    """Issue 28: "significantly better than england" in lower case on the compare page."""
    page = client.get("/compare/CIN-REREF/2023-24/?authority=doncaster").content.decode()
    assert "than england" not in page
    assert "to england" not in page
    assert "than England" in page or "to England" in page


def test_the_quarter_table_shows_the_neighbours_median_and_how_many_beside_the_mean(
    national, client
):
    """Issue 28, finding 12: one outlier moves the mean (Wakefield's 67.6% pulls A1's up):
    the median and how many neighbours have a figure stand beside it."""
    import re

    page = client.get("/a/doncaster/q/2016-17-q2/").content.decode()
    row = re.search(r'<tr[^>]*data-indicator="A1".*?</tr>', page, re.S).group(0)
    assert re.search(r"mean \d+(\.\d)?%, median \d+(\.\d)?% \(\d+ of 10 with a figure\)", row), row[
        :2000
    ]


def test_every_national_period_is_labelled_as_its_measure_counts(national, client):
    """Issue 29, finding 6: plans open on 31 March are "at 31 March", not "the year to 31
    March"; the workforce census is the census at 30 September; referrals are the year's."""
    from django.core.management import call_command as command

    command("import_indicators", str(national / "indicators.csv"))

    def page(address):
        return " ".join(client.get(address).content.decode().split())

    a06 = page("/a/doncaster/m/A06/")  # Doncaster's measure beside DfE's CPP-2YRS
    assert "2023/24 <span" in a06
    assert "(at 31 March 2024)" in a06
    assert "year to 31 March" not in a06
    c14 = page("/a/doncaster/m/C14/")  # beside SW-AGENCY
    assert "(census at 30 September 2024)" in c14
    assert "(year to 31 March 2024)" in page("/a/doncaster/m/A1/")  # beside CIN-REREF
    compare = page("/compare/CPP-2YRS/2023-24/")
    assert "Compare · 2023/24 (at 31 March 2024)" in compare
    assert "Ranking, 2023/24 (at 31 March 2024)" in compare


def test_a_measure_reached_from_a_quarter_shows_it_as_it_stood(national, client):
    """Issue 28, finding 1: from Quarter 2 2016/17, A1's page shows no period that ended
    after 30 September 2016 (Doncaster's, England's or the national table's), links to
    compare on 2015/16 and offers only periods ended by then; opened on its own it shows
    everything."""
    from django.core.management import call_command as command

    command("import_indicators", str(national / "indicators.csv"))
    quarter = client.get("/a/doncaster/q/2016-17-q2/").content.decode()
    assert "/a/doncaster/q/2016-17-q2/m/A1/" in quarter
    scoped = client.get("/a/doncaster/q/2016-17-q2/m/A1/")
    html = " ".join(scoped.content.decode().split())
    assert "As it stood at the end of Quarter 2 2016/17." in html
    story = scoped.context["story"]
    assert all(v.period.end <= date(2016, 9, 30) for v in story.values + story.england)
    assert [row.period.code for row in scoped.context["national"]][0] == "2015-16"
    assert scoped.context["compare_period"].code == "2015-16"
    for later in ("2016/17 (year", "2023/24", "2024/25", "September 2025"):
        assert later not in html, later
    assert "/compare/CIN-REREF/2015-16/?authority=doncaster&amp;until=2016-17-q2" in html
    compare = client.get("/compare/CIN-REREF/2015-16/?authority=doncaster&until=2016-17-q2")
    offered = re.findall(
        r'href="/compare/CIN-REREF/([^/]+)/\?authority=doncaster&amp;until=2016-17-q2"',
        compare.content.decode(),
    )
    assert offered
    assert all(period_or_404(slug).end <= date(2016, 9, 30) for slug in offered)
    assert "2015-16" not in offered  # the period shown is not offered again
    assert client.get("/compare/CIN-REREF/2015-16/?until=2016-17").status_code == 404
    full = client.get("/a/doncaster/m/A1/")
    assert full.context["national"][0].period.code > "2023"
    assert client.get("/a/doncaster/q/2016-17/m/A1/").status_code == 404  # not a quarter


def test_a_related_national_measure_says_how_it_differs_and_a_band_is_the_dfe_figures_own(
    national, client
):
    """Issue 28, finding 2: A09 (a second plan within 2 years) beside CPP-REPEAT (a second
    plan ever): the England cell says they differ and how; the band stands with the figure it
    is the band of (Doncaster's own DfE figure and its period), never alone beside 5%; the
    measure page and the table's export say the same."""
    from django.core.management import call_command as command

    command("import_indicators", str(national / "indicators.csv"))
    page = " ".join(client.get("/a/doncaster/q/2016-17-q2/").content.decode().split())
    related = "CPP-REPEAT, a related measure: DfE counts a plan that is a second or later one"
    assert related in page
    assert "CPP-REPEAT 2015/16: 17.7%, band <strong>C</strong>" in page
    assert "CIN-REREF 2015/16: 23.0%, band" in page  # A1's band is DfE's 23.0%'s, not 24%'s
    assert "CIN-REREF: the same definition" in page
    measure = " ".join(client.get("/a/doncaster/m/A09/").content.decode().split())
    assert "Related, with a different definition: DfE counts a plan" in measure
    export = client.get("/a/doncaster/q/2016-17-q2/?_export=csv").content.decode()
    rows = {row["indicator"]: row for row in csv.DictReader(io.StringIO(export))}
    assert rows["A09"]["compared_on"] == "CPP-REPEAT"
    assert rows["A09"]["compared_period"] == "2015-16"
    assert rows["A09"]["how_close"].startswith(related)
    assert (rows["A09"]["own_on_compared"], rows["A09"]["band"]) == ("17.7", "C")
    assert rows["A2"]["how_close"] == ""  # compared on its own figures


def test_the_compare_chart_is_a_few_lines_tall_however_many_report(national, client):
    """Issue 28, finding 15: CIN-REREF 2023-24 drew a bar for each of 150 authorities, 12,688 px
    tall; the chart is now three lines of dots (Doncaster, its neighbours, the rest) with the
    band cuts and England, and the table below is the full ranking."""
    import json

    response = client.get("/compare/CIN-REREF/2023-24/", {"authority": "doncaster"})
    ranking = response.context["ranking"]
    figure = json.loads(ranking.figure_json)
    assert figure["layout"]["height"] <= 300
    lines = {trace["name"]: len(trace["x"]) for trace in figure["data"]}
    assert lines["Doncaster"] == 1
    assert lines["Doncaster's statistical neighbours"] == len(ranking.neighbour_values)
    assert sum(lines.values()) == len(ranking.rows)
    dashed = [s["x0"] for s in figure["layout"]["shapes"] if s["line"].get("dash") == "dash"]
    assert dashed == list(ranking.cuts)
    html = response.content.decode()
    assert html.count('class="govuk-table__row outturn-ranking__row--') == len(ranking.rows)
    assert 'id="compare-authority"' in html  # a national measure's selectors do something


def test_dfe_s_whole_number_figures_keep_their_precision_beside_a_one_decimal_measure(
    national, client
):
    """Issue 28, finding 15: B13 is written to one decimal place (95.0%); its England and
    regional figures are DfE's CL-SUITACC, published as whole numbers (88%), and were shown
    as 88.0%, a precision DfE never gave."""
    response = client.get("/a/doncaster/m/B13/")
    rows = {row["period"].code: row for row in response.context["story"].table}
    assert rows["2022-23"]["england"].value == 88
    html = " ".join(response.content.decode().split())
    assert "95.0%" in html  # B13's own figure, at its own decimals
    assert "88.0%" not in html
    assert ">88%" in html


def test_the_other_periods_link_each_but_the_one_shown_keeping_the_query(db):
    from indicators.models import Period
    from reports.pages import other_periods
    from tests.factories import IndicatorFactory, period

    indicator = IndicatorFactory(code="A&B 1")
    first, second, third = period("2016-17 Q3"), period("2016-17 Q2"), period("2016-17 Q1")
    shown = Period.objects.filter(id__in=[first.id, second.id, third.id]).order_by("-end")
    links = other_periods(indicator, shown, third, "authority=doncaster&until=2016-17-q3")
    assert links == (
        '<a class="govuk-link" href="/compare/A&amp;B%201/2016-17-q3/?authority=doncaster'
        '&amp;until=2016-17-q3">Quarter 3 2016/17</a> · <a class="govuk-link" '
        'href="/compare/A&amp;B%201/2016-17-q2/?authority=doncaster&amp;until=2016-17-q3">'
        "Quarter 2 2016/17</a>"
    )  # the last shown: no separator left hanging after the others
    assert other_periods(indicator, shown.filter(id=first.id), first, "") == ""


def test_a_measure_page_finds_its_council_and_measure_as_they_are_now(
    national, client, admin_client
):
    """Looked up in the definitions the process holds only while everything's version is
    theirs: a renamed measure is shown by its new name, and a council whose address has
    changed is found at its new one, not its old (indicators.definitions.recent)."""
    from authorities.models import Authority
    from indicators import writes
    from indicators.models import Indicator

    from .test_quarter_cache import edit_in_the_admin

    assert client.get("/a/doncaster/m/CIN-REREF/").status_code == 200  # definitions held
    measure = Indicator.objects.get(code="CIN-REREF")
    measure.name = "Re-referrals, renamed"
    writes.save_indicator(measure)
    assert "Re-referrals, renamed" in client.get("/a/doncaster/m/CIN-REREF/").content.decode()
    doncaster = Authority.objects.get(slug="doncaster")
    edit_in_the_admin(admin_client, doncaster, slug="doncaster-mbc", name="Doncaster MBC")
    assert client.get("/a/doncaster/m/CIN-REREF/").status_code == 404
    page = client.get("/a/doncaster-mbc/m/CIN-REREF/")
    assert page.status_code == 200
    assert page.context["authority"].name == "Doncaster MBC"


def test_a_measures_challenge_records_newest_first_with_their_periods(
    demo, panel_member, client, django_assert_max_num_queries
):
    """Every quarter's record of the measure, the newest quarter first, each with its period
    as the definitions hold it (no read a record)."""
    from authorities.models import Authority
    from indicators.models import Indicator
    from scrutiny import writes
    from scrutiny.models import ChallengeRecord
    from tests.factories import period

    officer = _user("officer")
    for code in ["2015-16 Q4", "2016-17 Q1"]:  # beside the demo's 2016-17 Q2, out of order
        record = writes.record_for(
            Authority.objects.get(slug="doncaster"), Indicator.objects.get(code="A2"), period(code)
        )
        record.council_comment = f"Said of {code}."
        writes.save_side(record, "council", officer)
    client.get("/a/doncaster/m/A2/")  # the definitions held
    with django_assert_max_num_queries(12):
        response = client.get("/a/doncaster/m/A2/")
        records = response.context["records"]
        shown = [(record.period.code, record.period.sequence) for record in records]
    stored = ChallengeRecord.objects.filter(authority__slug="doncaster", indicator__code="A2")
    assert len(shown) == stored.count() == 3
    assert [code for code, _ in shown] == ["2016-17 Q2", "2016-17 Q1", "2015-16 Q4"]


def _user(username: str):
    from django.contrib.auth.models import User

    return User.objects.get(username=username)
