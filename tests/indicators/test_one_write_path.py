"""One write path for values and targets (indicators.writes): every caller leaves the stored
statuses current, and nothing else in the code base writes these models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from imports import service
from indicators import writes
from indicators.models import Indicator, Target, Value

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def a2() -> Value:
    return Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what the write path schedules after the commit, as production does."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_the_demo_is_written_with_current_statuses(demo):
    assert a2().status == "outside_tolerance"
    assert a2().hard_to_shift is True
    # The demo's figures carry history like any other write.
    assert Value.history.filter(indicator__code="A2").exists()


def test_a_target_edited_in_the_indicators_inline_recomputes(demo, admin_client, commits):
    """The defect: the target table inside the indicator's admin page scheduled nothing."""
    indicator = Indicator.objects.get(code="A2")
    targets = list(Target.objects.filter(indicator=indicator).order_by("id"))
    data = {
        "code": indicator.code,
        "name": indicator.name,
        "category": indicator.category_id,
        "unit": indicator.unit,
        "polarity": indicator.polarity,
        "decimals": indicator.decimals,
        "description": indicator.description,
        "benchmark": indicator.benchmark_id or "",
        "targets-TOTAL_FORMS": len(targets),
        "targets-INITIAL_FORMS": len(targets),
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
    }
    for n, target in enumerate(targets):
        data.update(
            {
                f"targets-{n}-id": target.pk,
                f"targets-{n}-indicator": indicator.pk,
                f"targets-{n}-authority": target.authority_id or "",
                f"targets-{n}-fiscal_year": target.fiscal_year,
                f"targets-{n}-target": 80 if target.fiscal_year == 2016 else target.target,
                f"targets-{n}-tolerance": 75 if target.fiscal_year == 2016 else target.tolerance,
            }
        )
    with commits():
        response = admin_client.post(f"/admin/indicators/indicator/{indicator.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Target.objects.get(indicator=indicator, fiscal_year=2016).target == 80
    assert a2().status == "on_target"
    assert a2().hard_to_shift is False


def test_an_indicators_polarity_changed_in_the_admin_recomputes(demo, admin_client, commits):
    indicator = Indicator.objects.get(code="A2")
    assert a2().status == "outside_tolerance"
    data = {
        "code": indicator.code,
        "name": indicator.name,
        "category": indicator.category_id,
        "unit": indicator.unit,
        "polarity": "none",
        "decimals": indicator.decimals,
        "description": indicator.description,
        "benchmark": "",
        "targets-TOTAL_FORMS": 0,
        "targets-INITIAL_FORMS": 0,
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
    }
    with commits():
        response = admin_client.post(f"/admin/indicators/indicator/{indicator.pk}/change/", data)
    assert response.status_code == 302
    assert a2().status == "no_target"  # a volumetric measure has no target to meet


def test_a_value_corrected_in_the_admin_recomputes_with_its_reason(demo, admin_client, commits):
    value = a2()
    with commits():
        response = admin_client.post(
            f"/admin/indicators/value/{value.pk}/change/",
            {
                "authority": value.authority_id,
                "indicator": value.indicator_id,
                "period": value.period_id,
                "value": 95,
                "no_value_reason": "",
                "reported_status": "",
                "numerator": "",
                "denominator": "",
                "note": "",
            },
        )
    assert response.status_code == 302
    assert a2().status == "on_target"
    assert a2().history.first().history_change_reason == "Edited in the admin"


def test_deleting_a_target_in_the_admin_recomputes(demo, admin_client, commits):
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    with commits():
        response = admin_client.post(
            f"/admin/indicators/target/{target.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert a2().status == "no_target"


def test_a_targets_import_recomputes(demo, commits):
    data = b"indicator,year,target,tolerance,authority\nA2,2016-17,80,75,E08000017\n"
    staged = service.stage("targets", data, "t.csv", user=User.objects.get(username="admin"))
    with commits():
        batch = service.apply(staged.batch)
    assert batch.state == "applied"
    assert a2().status == "on_target"
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    assert target.history.first().history_user.username == "admin"


def test_a_definitions_import_that_changes_polarity_recomputes(demo, commits):
    indicator = Indicator.objects.get(code="A2")
    data = (
        "code,name,category,unit,polarity\n"
        f'A2,"{indicator.name}",{indicator.category.name},percent,lower_is_better\n'
    ).encode()
    staged = service.stage("indicators", data, "d.csv", user=User.objects.get(username="admin"))
    assert staged.problems == [], staged.problems
    with commits():
        service.apply(staged.batch)
    # 82 against a lower-is-better target of 92 (tolerance 90 is now on the wrong side, so
    # the target is judged alone): at or below the target is on target.
    assert a2().status == "on_target"


def test_a_returns_import_recomputes(demo, commits):
    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q2,93\n"
    staged = service.stage("returns", data, "r.csv", user=User.objects.get(username="officer"))
    with commits():
        service.apply(staged.batch)
    assert a2().status == "on_target"


def test_the_write_functions_recompute(demo, commits):
    officer = User.objects.get(username="officer")
    value = a2()
    value.value = 91
    with commits():
        writes.save_value(value, user=officer, reason="Corrected after the audit")
    assert a2().status == "within_tolerance"
    entry = a2().history.first()
    assert (entry.history_change_reason, entry.history_user) == (
        "Corrected after the audit",
        officer,
    )
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    target.target, target.tolerance = 95, 93
    with commits():
        writes.save_target(target, user=officer, reason="New contract year")
    assert a2().status == "outside_tolerance"
    assert target.history.first().history_user == officer  # outside a request too


WRITES = re.compile(
    r"\b(Value|Target)\.objects\b[^\n]*\.(bulk_create|bulk_update|update|create|delete|"
    r"update_or_create|get_or_create)\("
)
RAW = re.compile(r"(INSERT INTO|UPDATE)\s+\{?(Value|indicators_value|indicators_target)")
ALLOWED = {"indicators/writes.py", "indicators/recompute.py"}


def test_nothing_else_writes_values_or_targets():
    """Every write of Value or Target outside the tests is in the write path (or the
    recompute, which writes only the derived status columns)."""
    offenders = []
    for app in ["authorities", "core", "demo", "imports", "indicators", "reports", "scrutiny"]:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ALLOWED or "/migrations/" in relative:
                continue
            text = path.read_text()
            for pattern in (WRITES, RAW):
                offenders += [f"{relative}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_deleting_targets_in_bulk_in_the_admin_recomputes_once(demo, admin_client, commits):
    from django.contrib.admin import helpers

    targets = list(Target.objects.filter(indicator__code__in=["A2", "A8"], fiscal_year=2016))
    with commits() as callbacks:
        response = admin_client.post(
            "/admin/indicators/target/",
            {
                "action": "delete_selected",
                helpers.ACTION_CHECKBOX_NAME: [t.pk for t in targets],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # one recompute for the selection, not one per target
    assert a2().status == "no_target"
    assert Target.history.filter(history_type="-").count() == 2
