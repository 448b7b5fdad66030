"""The quarter's open actions and the panel's items are read without joining the measures and
periods they name: those come from the definitions the page holds (indicators.definitions),
in one read whatever their number, and one not held is still read when asked for."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from authorities.models import Authority
from core import versions
from indicators import definitions
from indicators.models import Indicator, Period
from indicators.rules import parse_period
from scrutiny import writes
from scrutiny.challenge import open_actions
from scrutiny.models import Action, Recommendation
from scrutiny.panel import for_quarter

pytestmark = pytest.mark.django_db


def held() -> definitions.Definitions:
    return definitions.held(versions.numbers()[0])


def test_open_actions_in_one_read_with_their_measures_and_periods(demo, django_assert_num_queries):
    doncaster = Authority.objects.get(code="E08000017")
    expected = {
        (a.challenge.indicator.code, a.challenge.period.code, a.text)
        for a in Action.objects.filter(status="open", challenge__authority=doncaster)
    }
    assert len(expected) >= 3
    definitions_now = held()
    with django_assert_num_queries(1):
        found = open_actions(doncaster, date(2017, 1, 1), definitions_now)
        shown = {(a.challenge.indicator.code, a.challenge.period.code, a.text) for a, _ in found}
    assert shown == expected


def test_the_panels_items_in_one_read_with_their_measures_and_periods(
    demo, django_assert_num_queries
):
    doncaster = Authority.objects.get(code="E08000017")
    q2 = Period.objects.get(code="2016-17 Q2")
    panel = User.objects.get(username="panel")
    for code in ["A2", "A3"]:
        item = Recommendation(
            authority=doncaster,
            period=q2,
            indicator=Indicator.objects.get(code=code),
            kind=Recommendation.Kind.DEEP_DIVE,
            text=f"A deep dive into {code}.",
        )
        writes.record_recommendation(item, panel, agenda=parse_period("2016-17 Q2"))
    definitions_now = held()
    with django_assert_num_queries(1):
        items = for_quarter(doncaster, q2, definitions_now)
        dives = [
            (i.indicator.code, i.period.code, i.agenda_period.code) for i in items["deep_dives"]
        ]
    assert dives == [("A2", "2016-17 Q2", "2016-17 Q2"), ("A3", "2016-17 Q2", "2016-17 Q2")]


def test_a_measure_not_held_is_read_when_asked_for(demo):
    doncaster = Authority.objects.get(code="E08000017")
    definitions_then = held()
    action = Action.objects.filter(status="open", challenge__authority=doncaster).first()
    indicator = action.challenge.indicator
    # As if the measure were made after the definitions were read: not among them.
    del definitions_then.indicators[indicator.pk]
    found = open_actions(doncaster, date(2017, 1, 1), definitions_then)
    same = next(a for a, _ in found if a.pk == action.pk)
    assert same.challenge.indicator.code == indicator.code
