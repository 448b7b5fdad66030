"""The definitions every page reads are held once a process for each version of everything
(indicators.definitions): read again when, and only when, a write of a definition, a place
or the neighbours moves that version; a write of figures leaves them held."""

from __future__ import annotations

import gzip
import pickle

import pytest
from django.db import transaction

from authorities.loading import load_neighbours
from authorities.models import Authority, StatisticalNeighbour
from core import versions
from indicators import definitions, writes
from indicators.models import Indicator
from reports.quarter import MeasureRow, _attached
from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

pytestmark = pytest.mark.django_db


def everything() -> int:
    return versions.numbers()[0]


def test_held_at_one_version_is_read_once(django_assert_num_queries):
    indicator = IndicatorFactory(code="A2")
    version = everything()
    # the indicators, the neighbours, England, the periods, the places
    with django_assert_num_queries(5):
        first = definitions.held(version)
    with django_assert_num_queries(0):
        assert definitions.held(version) is first
    held = first.indicators[indicator.pk]
    assert held.code == "A2"
    assert held.category.name == indicator.category.name  # read with it, no query later


def test_a_definitions_write_is_read_again_and_a_figures_write_is_not(
    django_assert_num_queries,
):
    indicator = IndicatorFactory(code="A2", name="Assessments in time")
    value = ValueFactory(indicator=indicator, value=50)
    first = definitions.held(everything())
    value.value = 51
    writes.save_value(value, reason="Corrected")
    version = everything()
    with django_assert_num_queries(0):
        assert definitions.held(version) is first
    indicator = Indicator.objects.get(pk=indicator.pk)
    indicator.name = "Assessments in time, renamed"
    writes.save_indicator(indicator)
    again = definitions.held(everything())
    assert again is not first
    assert again.indicators[indicator.pk].name == "Assessments in time, renamed"
    assert first.indicators[indicator.pk].name == "Assessments in time"  # as it was read


def test_england_and_the_neighbours_closest_first(tmp_path):
    england = AuthorityFactory(kind="nation", code="E92000001")
    near, far, place = AuthorityFactory(), AuthorityFactory(), AuthorityFactory()
    StatisticalNeighbour.objects.create(authority=place, neighbour=far, rank=2)
    StatisticalNeighbour.objects.create(authority=place, neighbour=near, rank=1)
    with transaction.atomic():
        versions.take(everything=True)  # as the neighbours' loader does
    held = definitions.held(everything())
    assert held.england_id == england.pk
    assert held.neighbours_of(place.pk) == [near.pk, far.pk]
    assert held.neighbours_of(near.pk) == []
    # New neighbours through their loader: read again.
    path = tmp_path / "neighbours.csv.gz"
    path.write_bytes(
        gzip.compress(f"authority,rank,neighbour\n{place.code},1,{far.code}\n".encode())
    )
    load_neighbours(path)
    assert definitions.held(everything()).neighbours_of(place.pk) == [far.pk]


def test_forget_holds_nothing(django_assert_num_queries):
    version = everything()
    definitions.held(version)
    definitions.forget()
    with django_assert_num_queries(5):
        definitions.held(version)


def test_a_cached_row_names_its_measure_and_is_given_it_back_as_held():
    indicator = IndicatorFactory(code="A2")
    row = MeasureRow(indicator=indicator, value=None, previous=None, target=None)
    cached = pickle.loads(pickle.dumps(row))
    assert cached.indicator == indicator.pk  # the id, not the model object

    class Quarter:
        measures, volumetric = [cached], []

    held = definitions.held(everything())
    assert _attached(Quarter, held)
    assert cached.indicator is held.indicators[indicator.pk]
    # A measure no longer held (deleted since the quarter was cached): made again.
    gone = pickle.loads(pickle.dumps(row))
    Quarter.measures = [gone]
    Indicator.objects.filter(pk=indicator.pk).delete()
    with transaction.atomic():
        versions.take(everything=True)
    assert not _attached(Quarter, definitions.held(everything()))


def test_the_councils_in_being_are_read_once_a_version(django_assert_num_queries):
    quarter = period("2016-17 Q2")
    council = AuthorityFactory(name="Doncaster")
    version = everything()
    held = definitions.held(version)
    with django_assert_num_queries(1):
        assert [c.name for c in held.in_being(quarter.start, quarter.end)] == ["Doncaster"]
    with django_assert_num_queries(0):
        assert [c.slug for c in held.in_being(quarter.start, quarter.end)] == [council.slug]
    # A council renamed, everything moved with it (as the admin writes it): read again.
    Authority.objects.filter(pk=council.pk).update(name="Doncaster (renamed)")
    with transaction.atomic():
        versions.take(everything=True)
    again = definitions.held(everything())
    assert [c.name for c in again.in_being(quarter.start, quarter.end)] == ["Doncaster (renamed)"]


def test_a_new_period_is_found_at_the_next_version():
    q2 = period("2016-17 Q2")
    held = definitions.held(everything())
    assert held.period("quarter", sequence=q2.sequence) == q2
    assert held.period("quarter", end=q2.end) == q2
    assert held.period("quarter", sequence=q2.sequence + 1) is None
    q3 = period("2016-17 Q3")  # made as an import makes it (Period.ensure)
    assert held.period("quarter", sequence=q2.sequence + 1) is None  # as it was read
    again = definitions.held(everything())
    assert again.period("quarter", sequence=q2.sequence + 1) == q3
    assert again.period("quarter", end=q3.end) == q3
    assert again.period("year", end=q3.end) is None
