"""core.versions: counters per scope, moved by writers inside their transactions, summed by
readers into keys."""

from __future__ import annotations

import pytest
from django.db import transaction

from core import versions
from core.models import Version

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
