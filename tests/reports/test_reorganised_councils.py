"""One authority, one series, one row in any ranking, across a change of code (issue 18):
Barnsley and Sheffield changed code in 2025; Buckinghamshire, North Yorkshire and Somerset
became unitary authorities under new codes. DfE's own figures are the reference."""

from __future__ import annotations

from datetime import date
from statistics import mean

import pandas as pd
import pytest

from authorities.models import Authority
from indicators.models import Indicator, Period, Value
from reports.ranking import rank

pytestmark = pytest.mark.django_db


def test_an_authority_that_changed_code_is_one_series_under_its_current_code(published):
    england, staged = published
    assert any("filed under its current code" in note for note in staged.notes)
    barnsley = Authority.objects.get(code="E08000038")
    assert barnsley.name == "Barnsley"
    assert Authority.objects.get(code="E08000016").name == "Barnsley (former code E08000016)"
    agency = Value.objects.filter(authority=barnsley, indicator__code="SW-AGENCY")
    years = sorted(agency.values_list("period__code", flat=True))
    assert years[0] == "2017-09"
    assert years[-1] == "2025-09"
    assert not Value.objects.filter(authority__code="E08000016").exists()
    switcher = [a.name for a in Authority.objects.current_local()]
    assert switcher.count("Barnsley") == 1
    assert not [name for name in switcher if "(new code)" in name or "former code" in name]


def test_doncasters_neighbour_mean_equals_dfes(published):
    """CIN-REREF 2023-24: DfE's figures give 21.10% from 10 neighbours (Outturn said 20.96%
    from 9: Barnsley's and Sheffield's older figures were under their former codes)."""
    england, _ = published
    values = pd.read_csv(england / "values.csv", dtype=str, keep_default_na=False)
    neighbours = pd.read_csv(england / "statistical_neighbours.csv", dtype=str)
    authorities = pd.read_csv(england / "authorities.csv", dtype=str, keep_default_na=False)
    doncaster = neighbours[neighbours["authority"] == "E08000017"]["neighbour"]
    former = dict(
        zip(authorities["replaced_by"], authorities["code"], strict=True)
    )  # new code -> old code, for the two that only changed code
    codes = {former.get(code, code) for code in doncaster} | set(doncaster)
    figures = values[
        (values["indicator"] == "CIN-REREF")
        & (values["period"] == "2023-24")
        & values["authority"].isin(codes)
        & (values["value"] != "")
    ]
    expected = figures.drop_duplicates("authority")["value"].astype(float)
    ranking = rank(
        Indicator.objects.get(code="CIN-REREF"),
        Period.objects.get(code="2023-24"),
        Authority.objects.get(code="E08000017"),
    )
    assert len(ranking.neighbour_values) == len(expected) == 10
    assert round(ranking.neighbours_mean, 2) == round(mean(expected), 2) == 21.10


def test_a_dfe_file_giving_one_figure_under_two_codes_ranks_it_once(published):
    """The plan-duration file gives 2016-17 figures for Buckinghamshire, North Yorkshire,
    Somerset under their former county codes; values.csv under the new ones. Both are
    loaded (the fixture imports the tidy files after values.csv, as the README does), and
    Doncaster is 35 of 101 in DfE's own ranking (Outturn said 36 of 103, with two counties
    twice)."""
    ranking = rank(
        Indicator.objects.get(code="CPP-2YRS"),
        Period.objects.get(code="2016-17"),
        Authority.objects.get(code="E08000017"),
    )
    names = [row["name"] for row in ranking.rows]
    assert len(names) == len(set(names))
    chosen = ranking.chosen_row
    assert (chosen["rank"], len(ranking.rows)) == (35, 101)


def test_joint_reporting_units_are_ranked_as_dfe_ranks_them(published):
    """SW-AGENCY 2024-09: Doncaster is 91 of 147 in DfE's figures; without Kingston and
    Richmond's and the Northamptonshires' joint units Outturn said 90 of 145."""
    ranking = rank(
        Indicator.objects.get(code="SW-AGENCY"),
        Period.objects.get(code="2024-09"),
        Authority.objects.get(code="E08000017"),
    )
    assert (ranking.chosen_row["rank"], len(ranking.rows)) == (91, 147)
    joint = [row["name"] for row in ranking.rows if row["authority"].kind == "joint"]
    assert len(joint) == 2


def test_neighbour_links_under_former_county_codes_are_followed_both_ways(published):
    """Issue 29, finding 1: DfE's neighbours table names Buckinghamshire, North Yorkshire and
    Somerset by their county codes, as councils and as neighbours: 38 councils counted one
    neighbour fewer, and the three had none. Suffolk's CPP-REPEAT 2020-21: 23.9% of 9."""
    from authorities.models import StatisticalNeighbour

    for code in ["E06000060", "E06000065", "E06000066"]:  # each has its ten now
        assert StatisticalNeighbour.objects.filter(authority__code=code).count() == 10, code
    former = ["E10000002", "E10000023", "E10000027"]
    assert not StatisticalNeighbour.objects.filter(neighbour__code__in=former).exists()
    assert not StatisticalNeighbour.objects.filter(authority__code__in=former).exists()
    suffolk = Authority.objects.get(name="Suffolk")
    indicator = Indicator.objects.get(code="CPP-REPEAT")
    ranking = rank(indicator, Period.objects.get(code="2020-21"), suffolk)
    assert len(ranking.neighbour_values) == 9
    assert round(ranking.neighbours_mean, 1) == 23.9
    assert "Somerset" in {r["authority"].name for r in ranking.rows if r["role"] == "neighbour"}


def test_ofsted_judgements_under_former_codes_are_the_councils_own(published):
    """Issue 29, finding 2: Barnsley and Sheffield said "No Ofsted judgements are loaded"; the
    CSVs give both as Good (September 2023) under their former codes."""
    from django.core.management import call_command

    england, _ = published
    call_command(
        "load_ofsted",
        str(england / "ofsted_ilacs_inspection_history.csv"),
        str(england / "ofsted_in_year_inspections_2024_25.csv"),
    )
    for name in ["Barnsley", "Sheffield"]:
        council = Authority.objects.current_local().get(name=name)
        judged = council.inspections.exclude(overall="").order_by("-inspected_on")
        latest = judged.first()
        assert latest is not None, name
        assert latest.overall == "Good"
        assert latest.inspected_on.year == 2023
        assert b"No Ofsted judgements are loaded" not in client_page(council)


def client_page(council) -> bytes:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get_or_create(username="reader")[0])
    return client.get(f"/a/{council.slug}/").content


def test_a_quarter_offers_the_councils_that_existed_then(england, demo, client):
    """Issue 28, finding 15: a 2016/17 quarter's authority selector listed councils created
    years later (Bournemouth, Christchurch and Poole in 2019; the Northamptonshires in 2021;
    Cumberland and Westmorland and Furness in 2023) and not the councils that were the
    children's services authorities then."""
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="panel"))
    offered = [a.name for a in client.get("/a/doncaster/q/2016-17-q2/").context["authorities"]]
    for then in [
        "Bournemouth (abolished 2019)",
        "Poole (abolished 2019)",
        "Cumbria (abolished 2023)",
    ]:
        assert then in offered
    assert "Northamptonshire (abolished 2021)" in offered
    for later in ["Bournemouth, Christchurch and Poole", "North Northamptonshire", "Cumberland"]:
        assert later not in offered
    assert offered.count("Barnsley") == 1  # one council, under the code it has now
    assert "Dorset" in offered  # its county council became Dorset Council: one council
    assert "Doncaster" in offered
    today = Authority.objects.in_being(date(2025, 4, 1), date(2025, 6, 30))
    names = [a.name for a in today]
    assert "Cumberland" in names
    assert "Cumbria (abolished 2023)" not in names
