"""Issue 14: the daily digest — one message a person with the right items, none twice a day,
none to a person who switched it off; and delivered by the real beat and worker."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from indicators.models import Period
from scrutiny.digest import send_digests
from scrutiny.models import Recommendation, ReturnDeadline
from tests.factories import period

TODAY = date(2017, 1, 10)


@pytest.fixture
def waiting(demo):
    doncaster_q2 = Period.objects.get(code="2016-17 Q2")
    from authorities.models import Authority

    doncaster = Authority.objects.get(slug="doncaster")
    Recommendation.objects.create(
        authority=doncaster,
        period=doncaster_q2,
        addressed_to="provider",
        text="How many assessments await sign-off?",
        due_date=date(2016, 12, 31),
    )
    Recommendation.objects.create(
        authority=doncaster,
        period=doncaster_q2,
        addressed_to="council",
        text="Report timeliness by team.",
        status="answered",
        answer="We will, from January.",
    )
    ReturnDeadline.objects.create(
        authority=doncaster, period=period("2016-17 Q3"), due_date=TODAY + timedelta(days=3)
    )
    return doncaster


def by_person():
    return {message.to[0].split("@")[0]: message for message in mail.outbox}


@pytest.mark.django_db
def test_one_digest_a_person_with_what_waits_on_them(waiting):
    assert send_digests(TODAY, "https://outturn.example") == 5
    sent = by_person()
    assert set(sent) == {"panel", "chair", "officer", "trust", "admin"}
    trust = sent["trust"].body
    assert "The panel is waiting for your answer" in trust
    assert "How many assessments await sign-off?" in trust
    assert (
        "Doncaster, Quarter 3 2016/17: due 13 January 2017, and no figures have arrived." in trust
    )
    officer = sent["officer"].body
    assert "Actions past their due date" in officer  # the demo's actions were due in 2016
    assert "How many assessments await sign-off?" not in officer  # addressed to the provider
    panel = sent["panel"].body
    assert "Answers for the panel to consider" in panel
    assert "Past their answer-by date without an answer" in panel
    assert "Returns due" not in panel
    assert "https://outturn.example/account/digest/" in panel

    assert send_digests(TODAY) == 0  # not twice a day
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_none_to_a_person_who_switched_it_off(waiting, client):
    client.force_login(User.objects.get(username="trust"))
    page = client.post("/account/digest/", {"wanted": "0"}, follow=True).content.decode()
    assert "Saved: no more daily digests." in page
    send_digests(TODAY)
    assert "trust" not in by_person()
    assert "officer" in by_person()


@pytest.mark.django_db
def test_nothing_waiting_means_no_email(demo):
    from scrutiny.models import Action

    Action.objects.update(status="done")
    assert send_digests(TODAY) == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_real_beat_and_worker_deliver_the_digest(waiting, tmp_path):
    """Celery beat schedules the task every 2 s here; a real worker sends through Django's
    file-based backend, whose files this test reads."""
    import subprocess
    import sys

    from tests.workers import celery_worker, database_url, purge_broker, require_redis

    ReturnDeadline.objects.update(due_date=timezone.localdate() + timedelta(days=3))
    outbox = tmp_path / "mail"
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "TEST_DIGEST_EVERY_SECONDS": "2",
    }
    beat = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.celery_app",
            "beat",
            "--loglevel=WARNING",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={
            **__import__("os").environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": require_redis(),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with celery_worker("--pool=solo", env=env):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                files = list(outbox.glob("*.log")) if outbox.exists() else []
                text = "".join(f.read_text() for f in files)
                if text.count("Subject: Outturn: what is waiting for you") >= 5:
                    break
                time.sleep(0.5)
            time.sleep(3)  # another beat or two: still one each
    finally:
        beat.terminate()
        beat.wait(timeout=20)
        purge_broker()  # what beat sent after the worker stopped
    text = "".join(f.read_text() for f in outbox.glob("*.log"))
    recipients = sorted(
        line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("To: ")
    )
    assert recipients == sorted(
        f"{name}@outturn.example" for name in ["admin", "chair", "officer", "panel", "trust"]
    )


@pytest.mark.django_db
def test_the_run_reads_the_same_for_any_number_of_people(waiting, django_assert_max_num_queries):
    """Set-based: what waits is read once; per person only the claim on their day."""
    from django.contrib.auth.models import Group

    from authorities.models import OfficerAssignment

    send_digests(TODAY - timedelta(days=1))  # settings exist, as on every day but the first
    baseline = len(mail.outbox)
    officers = Group.objects.get(name="Officers")
    for number in range(20):
        user = User.objects.create(username=f"extra{number}", email=f"extra{number}@x.example")
        user.groups.add(officers)
        OfficerAssignment.objects.create(user=user, authority=waiting, side="provider")
    send_digests(TODAY - timedelta(days=2))
    # people, assignments, groups, settings, bulk create, four reads of what waits, and for
    # each of the 25 people sent to: a savepoint, the claim, its release
    with django_assert_max_num_queries(10 + 3 * 25):
        assert send_digests(TODAY) == 25
    assert len(mail.outbox) == baseline + 25 * 2
