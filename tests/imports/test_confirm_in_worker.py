"""Confirming an import from the web hands it to the worker (imports.tasks.apply_import): no
web process and no browser waits on half a minute of writing. Until it is saved the officer
sees it being saved, nothing of it shows on any page, it cannot be cancelled, and a second
confirm sends nothing more; a lost hand-over is swept and sent again, and the health check
says when none is recovering."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from imports import service, tasks
from imports.models import ImportBatch
from indicators.models import Value

pytestmark = pytest.mark.django_db

Q3 = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,91\n"


def q3_stored() -> bool:
    return Value.objects.filter(indicator__code="A2", period__code="2016-17 Q3").exists()


@pytest.fixture
def handed_over(monkeypatch):
    """The tasks handed to the worker, kept instead of run (a worker that has not started)."""
    sent = []
    for module in (service, tasks):
        monkeypatch.setattr(module, "send_or_run", lambda task, *args: sent.append((task, args)))
    return sent


def staged(officer) -> ImportBatch:
    batch = service.stage("returns", Q3, "q3.csv", user=officer).batch
    assert batch.state == ImportBatch.State.CHECKED
    return batch


def page(client, batch) -> str:
    return " ".join(unescape(client.get(f"/imports/{batch.pk}/").content.decode()).split())


def test_confirming_hands_the_import_to_the_worker(
    officer, client, handed_over, django_capture_on_commit_callbacks
):
    batch = staged(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert handed_over == [(tasks.apply_import, (batch.pk,))]
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLYING
    assert not q3_stored()  # nothing shows until every row is saved
    html = " ".join(unescape(response.content.decode()).split())
    assert "Confirmed: q3.csv is being saved." in html
    assert "and being saved. Nothing shows on any page until every row is saved." in html
    assert 'id="save-status" data-progress>' in html  # it updates itself (static/js/outturn.js)
    assert "What will change" in html
    assert "Confirm and import" not in html

    # A second confirm (another tab) sends nothing more; a cancel no longer applies.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/")
    client.post(f"/imports/{batch.pk}/cancel/")
    assert len(handed_over) == 1
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLYING

    # The worker runs it: saved, once.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.apply_import(batch.pk) == "applied"
    assert q3_stored()
    assert tasks.apply_import(batch.pk) == "applied"  # delivered twice: nothing more
    assert Value.objects.filter(indicator__code="A2", period__code="2016-17 Q3").count() == 1
    html = page(client, batch)
    assert "Imported" in html
    assert "1 new" in html
    assert "being saved" not in html


@pytest.mark.django_db(transaction=True)  # commits as a real request does
def test_where_tasks_run_in_process_the_confirm_saves_at_once(officer, client):
    batch = staged(officer)
    response = client.post(f"/imports/{batch.pk}/confirm/")
    assert q3_stored()
    html = " ".join(unescape(client.get(response.url).content.decode()).split())
    assert "Saved: q3.csv is imported." in html
    assert "Imported" in html


def test_with_the_broker_down_the_confirm_saves_in_the_request(
    officer, client, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.apply_import.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.apply_import, "apply_async", unreachable)
    batch = staged(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert q3_stored()


def test_a_lost_hand_over_is_swept_and_saved(officer, client, handed_over, settings):
    settings.IMPORT_STUCK_AFTER = 900
    batch = staged(officer)
    service.confirm(batch)  # (inside the test's transaction: the hand-over is never sent)
    assert tasks.sweep_stuck_imports() == 0  # just confirmed: not stuck
    assert "This page updates itself" in page(client, batch)

    long_ago = timezone.now() - timedelta(seconds=901)
    ImportBatch.objects.filter(pk=batch.pk).update(apply_sent_at=long_ago)
    html = page(client, batch)
    assert "Saving is taking longer than it should. Nothing is half-saved" in html
    assert "data-progress" not in html  # it stops asking and says why

    assert tasks.sweep_stuck_imports() == 1
    assert handed_over == [(tasks.apply_import, (batch.pk,))]
    batch.refresh_from_db()
    assert batch.apply_sent_at > long_ago  # its clock starts again: the next sweep waits
    assert tasks.sweep_stuck_imports() == 0
    assert tasks.apply_import(batch.pk) == "applied"
    assert q3_stored()


def test_a_stalled_recompute_stops_the_page_asking_and_says_why(officer, client, settings):
    settings.RECOMPUTE_STUCK_AFTER = 300
    batch = service.apply(staged(officer))
    ImportBatch.objects.filter(pk=batch.pk).update(
        recompute_state="queued", recompute_changed_at=timezone.now()
    )
    html = page(client, batch)
    assert 'id="recompute-status" data-progress>' in html
    assert "Statuses are being recomputed" in html
    ImportBatch.objects.filter(pk=batch.pk).update(
        recompute_changed_at=timezone.now() - timedelta(seconds=301)
    )
    html = page(client, batch)
    assert "data-progress" not in html
    assert "Recomputing statuses is taking longer than it should. The figures are saved" in html


def test_a_failed_save_says_why_and_keeps_nothing(officer, client, handed_over):
    batch = staged(officer)
    service.confirm(batch)
    Value.objects.filter(indicator__code="A2").delete()  # the data moved since the check...
    batch.file.delete(save=True)  # ...and the kept file is gone: it cannot be checked again
    assert tasks.apply_import(batch.pk) == "failed"
    assert not q3_stored()
    assert "Nothing was saved" in page(client, batch)


def test_a_save_stopped_by_the_worker_s_time_limit_says_so(
    officer, client, handed_over, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    def too_long(*args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(service, "_write", too_long)
    batch = staged(officer)
    service.confirm(batch)
    assert tasks.apply_import(batch.pk) == "failed"
    assert not q3_stored()
    html = page(client, batch)
    assert "Nothing was saved: saving took longer than the 10 minutes a save may take." in html


def test_an_import_gone_before_the_worker_reaches_it(officer):
    assert tasks.apply_import(987_654) == "gone"


def test_the_health_check_fails_when_no_confirmed_import_is_being_saved(
    officer, handed_over, settings
):
    from health_check.exceptions import ServiceUnavailable

    from imports.health import Stalled

    settings.IMPORT_STUCK_AFTER = 900
    batch = staged(officer)
    service.confirm(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(
        apply_sent_at=timezone.now() - timedelta(seconds=1000)
    )
    Stalled().run()  # one period: the sweep's to fix
    ImportBatch.objects.filter(pk=batch.pk).update(
        apply_sent_at=timezone.now() - timedelta(seconds=1900)
    )
    with pytest.raises(ServiceUnavailable, match="1 confirmed import not saved after 30 minutes"):
        Stalled().run()
