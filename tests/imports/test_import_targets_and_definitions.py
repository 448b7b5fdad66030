from __future__ import annotations

import pytest

from imports import service
from indicators.models import Indicator, Target, Value

pytestmark = pytest.mark.django_db


def stage(kind: str, text: str, name: str = "file.csv", user=None):
    return service.stage(kind, text.encode(), name, user=user)


def test_importing_targets_recomputes_the_statuses_they_affect(
    england, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        service.apply(
            stage(
                "returns", "authority,indicator,period,value\nE08000017,CIN-REREF,2016-17,23\n"
            ).batch
        )
    assert Value.objects.get().status == "no_target"
    staged = stage(
        "targets",
        "indicator,year,target,tolerance,authority\nCIN-REREF,2016-17,20,24,\n"
        "CIN-REREF,2016/17,24,28,Doncaster\n",
    )
    assert staged.problems == []
    assert staged.counts == {"new": 2, "changed": 0, "unchanged": 0}
    with django_capture_on_commit_callbacks(execute=True):
        service.apply(staged.batch)
    assert Value.objects.get().status == "on_target"  # Doncaster's own 24/28, not the default
    assert Target.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("CIN-REREF,2016-17,24,20,", 'Row 2, column tolerance: "20" Lower is better for this'),
        ("CIN-REFS,2016-17,100,,", 'Row 2, column target: "100" This indicator has no polarity'),
        ("NOPE,2016-17,24,28,", 'Row 2, column indicator: "NOPE" is not an indicator'),
        ("CIN-REREF,2016-17 Q1,24,28,", 'Row 2, column year: "2016-17 Q1" is not a financial'),
        ("CIN-REREF,2016-17,lots,28,", 'Row 2, column target: "lots" is not a number'),
        ("CIN-REREF,2016-17,24,28,Atlantis", 'Row 2, column authority: "Atlantis" is not'),
    ],
)
def test_bad_targets_are_named_and_nothing_is_saved(england, row, expected):
    staged = stage("targets", "indicator,year,target,tolerance,authority\n" + row + "\n")
    assert any(str(p).startswith(expected) for p in staged.problems), staged.problems
    assert Target.objects.count() == 0


def test_indicator_definitions_import_and_update(england):
    staged = stage(
        "indicators",
        "code,name,category,unit,polarity,decimals,description,benchmark\n"
        "A2,Assessments in 45 days,Social Care Pathway,percent,higher_is_better,0,,\n"
        "A1,Re-referrals,Social Care Pathway,percent,lower_is_better,0,,CIN-REREF\n",
    )
    assert staged.counts == {"new": 2, "changed": 0, "unchanged": 0}
    service.apply(staged.batch)
    assert Indicator.objects.get(code="A1").benchmark.code == "CIN-REREF"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("X1,Name,Cat,furlongs,none,0,,", 'Row 2, column unit: "furlongs" is not one of'),
        ("X1,Name,Cat,count,sideways,0,,", 'Row 2, column polarity: "sideways" is not'),
        ("X1,Name,Cat,count,none,many,,", 'Row 2, column decimals: "many" is not a whole number'),
        (",Name,Cat,count,none,0,,", 'Row 2, column code: "" is empty'),
        (
            "CSC/01,Name,Cat,count,none,0,,",
            'Row 2, column code: "CSC/01" holds a character a web address cannot carry',
        ),
    ],
)
def test_bad_definitions_are_named(england, row, expected):
    staged = stage(
        "indicators", "code,name,category,unit,polarity,decimals,description,benchmark\n" + row
    )
    assert any(str(p).startswith(expected) for p in staged.problems), staged.problems
    assert not Indicator.objects.filter(code="X1").exists()


def test_a_national_equivalent_not_loaded_yet_is_said_and_linked_when_it_arrives(
    db, django_capture_on_commit_callbacks
):
    """The documented load order (demo first, DfE's definitions after) dropped every link."""
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("boss", password="x" * 12)
    local = stage(
        "indicators",
        "code,name,category,unit,polarity,decimals,description,benchmark\n"
        "A1,Re-referrals,Social Care Pathway,percent,lower_is_better,0,,CIN-REREF\n",
        user=admin,
    )
    assert local.problems == []
    assert local.notes == [
        "A1's national equivalent CIN-REREF is not in Outturn yet: the link is kept and made "
        "as soon as CIN-REREF's definition is imported."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        service.apply(local.batch)
    a1 = Indicator.objects.get(code="A1")
    assert (a1.benchmark, a1.benchmark_code) == (None, "CIN-REREF")
    national = stage(
        "indicators",
        "code,name,category,unit,polarity\n"
        "CIN-REREF,Re-referrals within 12 months,Children in need,percent,lower_is_better\n",
        user=admin,
    )
    with django_capture_on_commit_callbacks(execute=True):
        service.apply(national.batch)
    assert Indicator.objects.get(code="A1").benchmark.code == "CIN-REREF"


def test_the_demo_loaded_before_the_national_definitions_gets_its_links(
    demo, shared_data, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_indicators", str(shared_data / "indicators.csv"))
    linked = dict(Indicator.objects.exclude(benchmark=None).values_list("code", "benchmark__code"))
    assert linked["A1"] == "CIN-REREF"
    local = {code: benchmark for code, benchmark in linked.items() if not code.endswith("-OWN")}
    assert len(local) == 10, local
    # DfE's definitions bring the council's-own companions child-level returns are filed under
    own = {code: benchmark for code, benchmark in linked.items() if code.endswith("-OWN")}
    assert own["CIN-REREF-OWN"] == "CIN-REREF"
    assert own["CIN-ASSESS45-OWN"] == "CIN-ASSESS45"
    assert len(own) == 12
    assert Indicator.objects.get(code="CLA-COUNT").unit == "count"


def test_dfes_measures_know_what_their_periods_count(england):
    """Issue 29, finding 6: DfE's indicators.csv does not say whether a figure is a year's
    flow, a 31 March snapshot or the 30 September census; Outturn knows it for DfE's codes."""
    timing = dict(Indicator.objects.values_list("code", "timing"))
    assert timing["CIN-REREF"] == timing["CPP-REPEAT"] == "flow"
    assert timing["CPP-2YRS"] == timing["CIN-RATE"] == timing["CLA-RATE"] == "snapshot"
    assert timing["CLA-LTSTAB"] == "snapshot"
    assert timing["SW-AGENCY"] == timing["SW-CASELOAD"] == "census"


def test_a_file_may_say_a_measures_timing_and_an_unknown_one_is_named(england):
    header = "code,name,category,unit,polarity,timing\n"
    staged = stage("indicators", header + "X1,Open cases,Volumetric,count,none,Snapshot\n")
    assert staged.problems == []
    service.apply(staged.batch)
    assert Indicator.objects.get(code="X1").timing == "snapshot"
    staged = stage("indicators", header + "X2,Open cases,Volumetric,count,none,weekly\n")
    assert [str(p) for p in staged.problems] == [
        'Row 2, column timing: "weekly" is not flow, snapshot or census (or empty)'
    ]
    # A change of timing alone is a change.
    staged = stage("indicators", header + "X1,Open cases,Volumetric,count,none,flow\n")
    assert staged.counts == {"new": 0, "changed": 1, "unchanged": 0}


def test_a_related_national_equivalent_needs_its_difference_in_words(england):
    """Issue 28, finding 2: how close a national equivalent is, said once in the
    definitions and read beside every national figure."""
    header = "code,name,category,unit,polarity,benchmark,benchmark_match,benchmark_difference\n"
    staged = stage(
        "indicators", header + "X1,Repeat plans,Pathway,percent,none,CPP-REPEAT,related,\n"
    )
    assert [str(p) for p in staged.problems] == [
        'Row 2, column benchmark_difference: "" is empty: a related national equivalent needs '
        "how it differs, in words"
    ]
    staged = stage("indicators", header + "X1,Repeat plans,Pathway,percent,none,,same,\n")
    assert "the benchmark column names none" in str(staged.problems[0])
    row = "X1,Repeat plans,Pathway,percent,none,CPP-REPEAT,Related,Within 2 years only.\n"
    staged = stage("indicators", header + row)
    assert staged.problems == []
    service.apply(staged.batch)
    x1 = Indicator.objects.get(code="X1")
    assert x1.benchmark_closeness == "CPP-REPEAT, a related measure: Within 2 years only."


def test_a_code_no_address_can_carry_is_never_written(england):
    """The one write path refuses it too, whoever calls it; a form checks it as it takes it."""
    import pandas as pd
    from django.core.exceptions import ValidationError

    from indicators import writes

    row = {"code": "CSC/01", "name": "N", "category": "C", "unit": "count", "polarity": "none"}
    frame = pd.DataFrame([row | {"decimals": 0, "description": ""}])
    with pytest.raises(ValueError, match="CSC/01"):
        writes.save_indicators(frame)
    assert not Indicator.objects.filter(code="CSC/01").exists()
    with pytest.raises(ValidationError, match="web address"):
        Indicator._meta.get_field("code").clean("CSC/01", None)
