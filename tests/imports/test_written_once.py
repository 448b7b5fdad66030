"""An import writes each figure once, complete: its status, direction of travel, hard-to-shift
flag and control limits are computed in the import from the stored series overlaid with the
file, so the recompute that follows finds nothing to change. The confirm writes the checked
plan when nothing it depends on has moved, and checks the file again when something has."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from core import versions
from imports import service
from indicators import writes
from indicators.models import DERIVED_FIELDS, Period, Rebase, Value
from indicators.recompute import recompute
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db

HEADER = "authority,indicator,period,value\n"


def derived() -> dict:
    fields = ["authority_id", "indicator_id", "period_id", "value", *DERIVED_FIELDS]
    return {row[:3]: row[3:] for row in Value.objects.values_list(*fields)}


def import_file(text: str, callbacks, user=None):
    """Stage and confirm; what the write path schedules after commit is captured, not run."""
    staged = service.stage("returns", text.encode(), "return.csv", user=user)
    assert not staged.problems, staged.problems
    with callbacks() as scheduled:
        batch = service.apply(staged.batch)
    assert batch.state == "applied", batch.message
    return batch, scheduled


def test_the_recompute_after_an_import_finds_nothing_to_change(
    spc_series, django_capture_on_commit_callbacks
):
    """New quarters, a figure changed in the middle of a rebased control chart (so later
    stored quarters' direction and limits move), a suppressed figure and a month: every
    derived field is written by the import itself."""
    from indicators.models import Indicator

    Rebase.objects.create(
        indicator=Indicator.objects.get(code="SPC1"),
        authority=None,
        starts=Period.objects.get(code="2013-14 Q1"),
        reason="new service model",
    )
    recompute()  # the rebase's own recompute, as the admin's would be
    rows = [
        "E08000017,SPC1,2014-15 Q1,95",  # was 76: moves later quarters' direction and limits
        "E08000017,SPC1,2016-17 Q3,58",  # new: below tolerance
        "E08000017,SPC1,2016-17 Q4,57",  # new: outside again, so hard to shift
        "E08000017,SPC1,2017-18 Q1,c",  # new: suppressed
        "E08000017,SPC1,2016-08,70",
        "E08000017,A2,2016-17 Q3,91.5",
    ]
    batch, scheduled = import_file(
        HEADER + "\n".join(rows) + "\n", django_capture_on_commit_callbacks
    )
    assert batch.counts["new"] == 5
    assert batch.counts["changed"] == 1
    written = derived()

    assert recompute() == 0  # every series, not only the import's
    assert derived() == written
    for callback in scheduled:  # the import's own recompute, as the worker runs it
        callback()
    batch.refresh_from_db()
    assert batch.recompute_state == "done"
    assert batch.recomputed == 0

    q4 = Value.objects.get(indicator__code="SPC1", period__code="2016-17 Q4")
    assert (q4.status, q4.hard_to_shift, q4.direction) == ("outside_tolerance", True, "worse")
    assert q4.variation
    assert q4.spc_mean is not None


def test_a_figure_is_stored_as_given_and_judged_at_its_published_precision(
    demo, django_capture_on_commit_callbacks
):
    """A2 is published to whole numbers: 89.5 is judged as 90 (on the tolerance of 90, so
    within tolerance) and stored as 89.5."""
    import_file(HEADER + "E08000017,A2,2016-17 Q2,89.5\n", django_capture_on_commit_callbacks)
    a2 = Value.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )
    assert a2.value == 89.5
    assert a2.status == "within_tolerance"
    assert recompute() == 0


@pytest.mark.parametrize("share", [1, 30_000])
def test_each_figure_written_has_its_history_new_or_changed(
    demo, django_capture_on_commit_callbacks, monkeypatch, share
):
    """History is what was stored: every kept column of each history row is its figure's,
    with the import's time, reason and who imported it; one authority at a time (share 1) too."""
    from django.contrib.auth.models import User

    from indicators import recompute as module

    monkeypatch.setattr(module, "ROWS_PER_SHARE", share)
    officer = User.objects.get(username="admin")  # a performance admin: every authority
    AuthorityFactory(code="E06000099", name="Another Place", slug="another-place")
    batch, _ = import_file(
        HEADER + "E08000017,A2,2016-17 Q2,85\nE08000017,A2,2016-17 Q3,86\n"
        "E06000099,A2,2016-17 Q3,77\n",
        django_capture_on_commit_callbacks,
        user=officer,
    )
    by_import = Value.history.filter(history_change_reason__startswith=f"Import {batch.pk}:")
    history = by_import.order_by("authority__code", "period__sequence")
    assert [(h.authority.code, h.period.code, h.value, h.history_type) for h in history] == [
        ("E06000099", "2016-17 Q3", 77, "+"),
        ("E08000017", "2016-17 Q2", 85, "~"),
        ("E08000017", "2016-17 Q3", 86, "+"),
    ]
    assert {h.history_change_reason for h in history} == {f"Import {batch.pk}: return.csv"}
    assert {h.history_user for h in history} == {officer}
    kept = [
        f.attname
        for f in Value.history.model._meta.concrete_fields
        if not f.name.startswith("history_")
    ]
    for entry in history:  # the history row's id is the figure's own, and so is the rest
        stored = Value.objects.get(pk=entry.id)
        assert [getattr(entry, c) for c in kept] == [getattr(stored, c) for c in kept]
        assert entry.history_date == stored.updated_at
    assert by_import.count() == 3
    # The import keeps where it wrote: each authority and period once.
    assert sorted(batch.written.values_list("authority__code", "period__code")) == [
        ("E06000099", "2016-17 Q3"),
        ("E08000017", "2016-17 Q2"),
        ("E08000017", "2016-17 Q3"),
    ]


@pytest.fixture
def checks(monkeypatch):
    """How many times a file is checked in full."""
    calls = []
    real = service.check

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "check", counted)
    return calls


def test_the_confirm_writes_the_checked_plan_when_nothing_has_changed(
    demo, checks, django_capture_on_commit_callbacks
):
    staged = service.stage("returns", (HEADER + "E08000017,A2,2016-17 Q2,85\n").encode(), "r.csv")
    with django_capture_on_commit_callbacks(execute=True):
        batch = service.apply(staged.batch)
    assert checks == ["returns"]  # the upload's check only
    assert (
        Value.objects.get(
            authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
        ).value
        == 85
    )
    assert not batch.plan  # forgotten once written


def test_a_write_between_the_check_and_the_confirm_means_the_file_is_checked_again(
    demo, checks, django_capture_on_commit_callbacks
):
    staged = service.stage("returns", (HEADER + "E08000017,A2,2016-17 Q2,85\n").encode(), "r.csv")
    assert staged.counts["changed"] == 1
    # Meanwhile somebody corrects the same figure to what the file says.
    a2 = Value.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )
    a2.value = 85
    with django_capture_on_commit_callbacks(execute=True):
        writes.save_value(a2, reason="Corrected by hand")
    with django_capture_on_commit_callbacks(execute=True):
        batch = service.apply(staged.batch)
    assert checks == ["returns", "returns"]
    assert batch.state == "applied"
    # The confirm's own diff: nothing left to write, so no history from the import.
    assert batch.counts["changed"] == 0
    assert batch.counts["unchanged"] == 1
    assert not Value.history.filter(
        history_change_reason__startswith=f"Import {batch.pk}:"
    ).exists()
    assert not batch.written.exists()


def test_a_kept_file_that_is_not_the_one_checked_is_checked_again(
    demo, checks, django_capture_on_commit_callbacks
):
    staged = service.stage("returns", (HEADER + "E08000017,A2,2016-17 Q2,85\n").encode(), "r.csv")
    with staged.batch.file.open("wb") as stream:
        stream.write((HEADER + "E08000017,A2,2016-17 Q2,abc\n").encode())
    batch = service.apply(staged.batch)
    assert checks == ["returns", "returns"]
    assert batch.state == "failed"
    assert '"abc" is not a number' in batch.message


def test_an_officer_whose_assignment_ended_cannot_confirm_from_the_plan(
    demo, checks, django_capture_on_commit_callbacks
):
    officer = User.objects.get(username="officer")
    staged = service.stage(
        "returns", (HEADER + "E08000017,A2,2016-17 Q2,85\n").encode(), "r.csv", user=officer
    )
    assert not staged.problems
    officer.assignments.all().delete()
    batch = service.apply(staged.batch)
    assert batch.state == "failed"
    assert "not an authority you work for" in batch.message
    assert checks == ["returns", "returns"]


def test_every_write_of_what_figures_are_judged_by_moves_their_versions(
    demo, django_capture_on_commit_callbacks
):
    from indicators.models import Indicator, Target

    a2 = Value.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )
    target = Target.objects.filter(indicator__code="A2").first()
    indicator = Indicator.objects.get(code="A2")
    moves = {
        "a figure": lambda: writes.save_value(a2, reason="x"),
        "a target": lambda: writes.save_target(target, reason="x"),
        "an indicator": lambda: writes.save_indicator(indicator),
        "a rebase": lambda: writes.save_rebase(
            Rebase(indicator=indicator, starts=a2.period, reason="x")
        ),
        "a deleted figure": lambda: writes.delete_values([a2]),
    }
    for what, write in moves.items():
        # What Doncaster's A2 pages are keyed by: its own versions and every A2 figure's.
        before = versions.stamp(a2.authority_id, [a2.indicator_id])
        with django_capture_on_commit_callbacks(execute=True):
            write()
        assert versions.stamp(a2.authority_id, [a2.indicator_id]) != before, what


def test_a_file_of_many_shares_is_judged_share_by_share_and_whole(
    demo, django_capture_on_commit_callbacks, monkeypatch
):
    """A national file is judged a few authorities at a time (indicators.writes): each share
    with its own stored series, so every figure is written with its derived fields as the
    recompute would judge them, and the recompute after commit finds nothing to change."""
    from indicators import recompute as module

    monkeypatch.setattr(module, "ROWS_PER_SHARE", 1)  # one authority a share: several shares
    AuthorityFactory(code="E06000099", name="Another Place", slug="another-place")
    import_file(
        HEADER + "E08000017,A2,2016-17 Q3,86\nE06000099,A2,2016-17 Q3,77\n",
        django_capture_on_commit_callbacks,
        user=User.objects.get(username="admin"),
    )
    stored = Value.objects.filter(indicator__code="A2", period__code="2016-17 Q3")
    assert dict(stored.values_list("authority__code", "value")) == {
        "E08000017": 86,
        "E06000099": 77,
    }
    doncaster = stored.get(authority__code="E08000017")
    assert doncaster.direction  # judged beside its stored Q2 (82%)
    assert recompute() == 0
