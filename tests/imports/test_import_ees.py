"""DfE's own published files import through the declarative mapping and agree with values.csv."""

from __future__ import annotations

import pytest

from imports import ees, service
from indicators.models import Value

pytestmark = pytest.mark.django_db

EES_FILES = [
    "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
    "csww_indicators_2017_to_2025.csv",
    "d3_cpps_subsequent_plan_2013_to_2025.csv",
    "d5_cpps_at31march_by_duration_2013_to_2025.csv",
    "la_care_leavers_accommodation_suitability.csv",
    "la_cla_placement_stability.csv",
]


@pytest.fixture
def national(england):
    staged = service.stage("returns", (england / "values.csv").read_bytes(), "values.csv")
    service.apply(staged.batch)
    return england


@pytest.mark.parametrize("name", EES_FILES)
def test_each_dfe_file_agrees_with_the_published_values(national, name):
    """Every figure both hold is identical: importing the DfE file over values.csv changes
    nothing; it only adds what values.csv leaves out (Inner and Outer London, Cumbria…)."""
    data = (national / "ees" / name).read_bytes()
    staged = service.stage("ees", data, name)
    assert staged.problems == []
    assert staged.counts["changed"] == 0
    assert staged.counts["unchanged"] >= data.count(b"\n") // 10  # a tenth of its rows or more
    before = Value.objects.count()
    service.apply(staged.batch)
    assert Value.objects.count() == before + staged.counts["new"]


def test_dfe_files_import_on_their_own(england):
    for name in EES_FILES:
        staged = service.stage("ees", (england / "ees" / name).read_bytes(), name)
        assert staged.problems == [], name
        service.apply(staged.batch)
    doncaster = Value.objects.get(
        authority__code="E08000017", indicator__code="CPP-REPEAT", period__code="2024-25"
    )
    assert (doncaster.value, doncaster.numerator, doncaster.denominator) == (29.5, 157, 533)
    agency = Value.objects.get(
        authority__code="E08000017", indicator__code="SW-AGENCY", period__code="2024-09"
    )
    assert agency.value == 20.0


def test_every_mapping_names_columns_and_indicators():
    for name, mapping in ees.mappings().items():
        assert mapping["requires"], name
        assert mapping["time_period"] in ("year_ending_march", "september_snapshot"), name
        assert all("indicator" in spec and "value" in spec for spec in mapping["indicators"])


def test_an_unknown_dfe_file_says_which_files_are_known(england):
    staged = service.stage("ees", b"time_period,geographic_level,other\n2025,National,1\n", "x.csv")
    assert "not one of the DfE files Outturn knows" in str(staged.problems[0])
    assert "Children's social work workforce" in str(staged.problems[0])


def test_a_named_mapping_that_does_not_exist_is_refused(england):
    staged = service.stage("ees", b"a,b\n1,2\n", "x.csv", options={"mapping": "nope"})
    assert 'no DfE mapping called "nope"' in str(staged.problems[0])
