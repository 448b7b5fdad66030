"""Two Celery workers on one broker share a national recompute: every authority's series
exactly once, none lost, statuses correct."""

from __future__ import annotations

import time

import pytest

from config.celery import app as celery_app
from indicators.models import Value
from indicators.tasks import recompute_nationally
from tests.factories import AuthorityFactory, IndicatorFactory, TargetFactory, ValueFactory, period
from tests.workers import celery_worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_national_recompute():
    indicators = [IndicatorFactory() for _ in range(3)]
    authorities = [AuthorityFactory() for _ in range(24)]
    for indicator in indicators:
        TargetFactory(indicator=indicator, target=60, tolerance=40)
        for number, authority in enumerate(authorities):
            for code in ["2016-17 Q1", "2016-17 Q2"]:
                ValueFactory(
                    authority=authority, indicator=indicator, period=period(code), value=number * 4
                )
    with (
        celery_worker("--pool=solo", "-n", "share1@%h"),
        celery_worker("--pool=solo", "-n", "share2@%h"),
    ):
        celery_app.conf.task_always_eager = False
        deadline = time.monotonic() + 60
        while len(celery_app.control.ping(timeout=1) or []) < 2:
            assert time.monotonic() < deadline, "two workers did not come up"
        shares = recompute_nationally(chunks=8, timeout=120)
    done = [a for share in shares for a in share["authorities"]]
    assert sorted(done) == sorted(done_set := set(done))  # no authority twice
    assert {a.id for a in authorities} <= done_set  # none missed
    assert sum(share["changed"] for share in shares) == Value.objects.count(), shares
    assert len({share["worker"] for share in shares}) == 2  # both workers took a share
    assert not Value.objects.filter(status="no_value").exists()
