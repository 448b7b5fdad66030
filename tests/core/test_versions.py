"""core.versions: counters per scope, moved by writers inside their transactions, summed by
readers into keys."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import versions
from core.models import Version
from core.routing import reading_from_replica

pytestmark = pytest.mark.django_db

A, B = 11, 12  # authorities
X, Y = 21, 22  # indicators


def take(**scope) -> int:
    with transaction.atomic():
        return versions.take(**scope)


def test_a_figure_moves_its_authority_and_its_indicators_comparisons_and_nothing_else():
    before = {
        "A": versions.stamp(A),
        "B": versions.stamp(B),
        "X": versions.stamp(indicators=[X]),
        "Y": versions.stamp(indicators=[Y]),
        "B with X": versions.stamp(B, [X]),
    }
    take(figures=[(A, X)])
    after = {
        "A": versions.stamp(A),
        "B": versions.stamp(B),
        "X": versions.stamp(indicators=[X]),
        "Y": versions.stamp(indicators=[Y]),
        "B with X": versions.stamp(B, [X]),
    }
    moved = {name for name in before if before[name] != after[name]}
    assert moved == {"A", "X", "B with X"}


def test_a_target_moves_its_authority_alone_and_a_default_everything():
    def stamps():
        return versions.stamp(A), versions.stamp(B), versions.stamp(indicators=[X])

    first = stamps()
    take(authorities=[A])
    second = stamps()
    assert (second[0] != first[0], second[1:]) == (True, first[1:])
    take(everything=True)
    third = stamps()
    assert all(t != s for t, s in zip(third, second, strict=True))


def test_every_write_in_a_key_moves_it_whichever_commits_first():
    """Sums of counters that only grow: two writers' rows both count, in any order."""
    key = versions.stamp(A, [X, Y])
    seen = {key}
    for scope in [{"figures": [(B, X)]}, {"figures": [(A, Y)]}, {"authorities": [A]}]:
        take(**scope)
        key = versions.stamp(A, [X, Y])
        assert key not in seen
        seen.add(key)


def test_many_rows_are_taken_in_statements_of_a_few_thousand():
    pairs = [(a, i) for a in range(1, 161) for i in range(1, 81)]  # 12,800: three statements
    take(figures=pairs)
    assert Version.objects.count() == len(pairs) + 160
    assert versions.stamp(indicators=[1]) == "0.160"
    take(figures=pairs)
    assert versions.stamp(indicators=[1]) == "0.320"


def test_a_checked_scope_is_unchanged_until_a_write_in_it():
    take(authorities=[A, B], everything=True)
    scope = versions.Scope(authorities=frozenset([A]))
    seen = versions.seen(versions.snapshot(), scope)
    take(figures=[(B, X)])  # another authority's
    with transaction.atomic():
        assert versions.take_scope(scope) == seen
    # The confirm's own take moved it: a second confirm would check again.
    seen = versions.seen(versions.snapshot(), scope)
    take(figures=[(A, X)])
    with transaction.atomic():
        assert versions.take_scope(scope) != seen
    everything = versions.Scope(everything=True)
    seen = versions.seen(versions.snapshot(), everything)
    with transaction.atomic():
        assert versions.take_scope(everything) == seen
    seen = versions.seen(versions.snapshot(), everything)
    take(authorities=[B])  # any authority's: a definitions import reads every one
    with transaction.atomic():
        assert versions.take_scope(everything) != seen


def test_a_scope_goes_to_json_and_back():
    scope = versions.Scope(authorities=frozenset([3, 1]))
    assert scope.as_json() == {"everything": False, "authorities": [1, 3]}
    assert versions.Scope.from_json(scope.as_json()) == scope
    assert versions.Scope.from_json({}) == versions.Scope(everything=True)


def test_each_measures_versions_in_one_query_are_its_own_stamp(django_assert_num_queries):
    def each():
        with django_assert_num_queries(1):
            found = versions.each_measure([X, Y, 23])
        assert {i: found.of(i) for i in (X, Y, 23)} == {
            i: versions.stamp(indicators=[i]) for i in (X, Y, 23)
        }
        return {i: found.of(i) for i in (X, Y, 23)}

    before = each()
    take(figures=[(A, X), (B, X)])
    moved = each()
    assert moved[X] != before[X]
    assert (moved[Y], moved[23]) == (before[Y], before[23])
    take(everything=True)
    assert all(each()[i] != moved[i] for i in (X, Y, 23))


def test_many_measures_versions_together_are_their_stamp():
    for write in [{}, {"figures": [(A, X), (B, Y)]}, {"figures": [(A, 23)]}, {"everything": True}]:
        if write:
            take(**write)
        for measures in ([X, Y], [X], []):
            together = versions.each_measure(measures).together()
            assert together == versions.stamp(indicators=measures)
    assert versions.each_measure([X]).covers([X])
    assert not versions.each_measure([X]).covers([X, Y])
    assert versions.numbers(A)[0] == versions.numbers()[0]  # everything's always comes first


SCOPE_KEYS = st.integers(min_value=0, max_value=4)  # 0: everything's, or an indicator's "whole"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.dictionaries(st.tuples(SCOPE_KEYS, SCOPE_KEYS), st.integers(1, 10**12), max_size=12),
    authority=st.none() | SCOPE_KEYS.filter(bool),
    indicators=st.lists(st.integers(min_value=0, max_value=5), max_size=4),
)
def test_the_written_statements_sum_what_the_orm_would(rows, authority, indicators):
    """`numbers` and `each_measure` are statements written by hand (every page asks for one):
    they sum exactly the rows an aggregate the ORM composes sums, scope by scope, whatever
    rows there are."""
    Version.objects.all().delete()
    Version.objects.bulk_create(
        Version(authority_key=a, indicator_key=i, number=n) for (a, i), n in rows.items()
    )
    sums = {"every": Sum("number", filter=Q(authority_key=0, indicator_key=0))}
    if authority is not None:
        sums["own"] = Sum("number", filter=Q(authority_key=authority, indicator_key=0))
    if any(indicators):
        sums["figures"] = Sum("number", filter=Q(indicator_key__in=[i for i in indicators if i]))
    expected = Version.objects.aggregate(**sums)
    assert versions.numbers(authority, indicators) == tuple(expected[name] or 0 for name in sums)
    each = versions.each_measure(indicators)
    assert each.every == (expected["every"] or 0)
    for indicator in {i for i in indicators if i}:
        theirs = Version.objects.filter(indicator_key=indicator).aggregate(n=Sum("number"))
        assert each.figures[indicator] == (theirs["n"] or 0)


@override_settings(READ_REPLICA_APPS=["core"], DATABASE_ROUTERS=["core.routing.ReplicaRouter"])
def test_the_statement_reads_where_the_pages_figures_are_read(monkeypatch):
    """Inside a page (core.routing), from the replica its figures come from: a key never
    carries the primary's versions over the replica's older figures."""
    monkeypatch.setattr("core.routing.replica_configured", lambda: True)
    asked = []
    monkeypatch.setattr(
        versions, "connections", {"replica": _Refusing(asked, "replica"), "default": connection}
    )
    assert versions.numbers(A) == (0, 0)  # outside a page: the primary
    with reading_from_replica(), pytest.raises(LookupError):
        versions.numbers(A)
    assert asked == ["replica"]


class _Refusing:
    """A connection that records being asked for a cursor, and gives none."""

    def __init__(self, asked: list, name: str):
        self.asked, self.name = asked, name

    def cursor(self):
        self.asked.append(self.name)
        raise LookupError(self.name)
