from __future__ import annotations

import pytest

from indicators.models import Target, Value

pytestmark = pytest.mark.django_db


def test_changing_a_target_in_the_admin_recomputes_the_statuses(
    demo, admin_client, django_capture_on_commit_callbacks
):
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/indicators/target/{target.pk}/change/",
            {
                "indicator": target.indicator_id,
                "authority": target.authority_id,
                "fiscal_year": 2016,
                "target": 80,
                "tolerance": 75,
            },
        )
    assert response.status_code == 302
    a2 = Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    assert a2.status == "on_target"
    assert a2.hard_to_shift is False


def test_the_admin_refuses_a_tolerance_on_the_wrong_side(demo, admin_client):
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    response = admin_client.post(
        f"/admin/indicators/target/{target.pk}/change/",
        {
            "indicator": target.indicator_id,
            "authority": target.authority_id,
            "fiscal_year": 2016,
            "target": 92,
            "tolerance": 95,
        },
    )
    assert response.status_code == 200
    assert "must be at or below the target" in response.content.decode()
    target.refresh_from_db()
    assert target.tolerance == 90
