"""Issue 27, point 4: scrutiny has one write path (scrutiny/writes.py), as figures do. Every
writer calls it; it keeps history; it allows only the workflow's steps; no GET writes."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from scrutiny.models import Action, ChallengeRecord, DigestSetting, Recommendation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MODELS = r"(ChallengeRecord|Action|Publication|Recommendation|DigestSetting)"
WRITES = re.compile(
    MODELS + r"(\.objects)?(\.[a-z_]+\([^)]*\))*\."
    r"(create|bulk_create|bulk_update|update|delete|update_or_create|get_or_create)\("
)
BULK = re.compile(r"bulk_(create|update)_with_history\([^)]*?\b" + MODELS + r"\b")


def as_user(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def test_nothing_else_writes_the_panels_workflow():
    offenders = []
    for app in ["authorities", "core", "demo", "imports", "indicators", "reports", "scrutiny"]:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative == "scrutiny/writes.py" or "/migrations/" in relative:
                continue
            text = path.read_text()
            for pattern in (WRITES, BULK):
                offenders += [f"{relative}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_reading_a_challenge_page_creates_no_record(demo, client):
    as_user(client, "officer")
    before = ChallengeRecord.objects.count()
    response = client.get("/a/doncaster/q/2016-17-q2/m/B8/challenge/")
    assert response.status_code == 200
    assert ChallengeRecord.objects.count() == before
    # Writing it does, with the council's stamp and a history row.
    client.post(
        "/a/doncaster/q/2016-17-q2/m/B8/challenge/",
        {"classification": "concern", "council_comment": "Falling.", "questions": ""},
    )
    record = ChallengeRecord.objects.get(indicator__code="B8", period__code="2016-17 Q2")
    assert record.council_comment == "Falling."
    assert record.council_by.username == "officer"
    assert record.provider_by is None
    assert record.history.count() == 1


def test_reading_the_digest_setting_writes_nothing(demo, client):
    as_user(client, "panel")
    assert client.get("/account/digest/").status_code == 200
    assert not DigestSetting.objects.exists()
    client.post("/account/digest/", {"wanted": "0"})
    assert DigestSetting.objects.get(user__username="panel").wanted is False


def _asked(client) -> Recommendation:
    as_user(client, "panel")
    client.post(
        "/a/doncaster/q/2016-17-q2/panel/new/",
        {"kind": "question", "indicator": "", "addressed_to": "provider", "text": "Why?"},
    )
    return Recommendation.objects.get()


def test_the_chair_cannot_accept_an_unanswered_item_or_reopen_a_closed_one(demo, client):
    item = _asked(client)
    as_user(client, "chair")
    page = unescape(client.get(f"/recommendations/{item.pk}/").content.decode())
    assert ">Accept<" not in page  # nothing to accept yet
    said = unescape(
        client.post(
            f"/recommendations/{item.pk}/decide/", {"status": "accepted"}, follow=True
        ).content.decode()
    )
    assert "cannot be accepted by the panel now" in said
    item.refresh_from_db()
    assert item.status == Recommendation.Status.OPEN
    client.post(f"/recommendations/{item.pk}/decide/", {"status": "closed"})
    client.post(f"/recommendations/{item.pk}/decide/", {"status": "accepted"})
    item.refresh_from_db()
    assert item.status == Recommendation.Status.CLOSED
    assert [h.history_change_reason for h in item.history.order_by("history_date")] == [
        None,
        "Closed",
    ]


def test_the_accept_button_goes_once_accepted(demo, client):
    item = _asked(client)
    as_user(client, "trust")
    client.post(f"/recommendations/{item.pk}/", {"answer": "Because."})
    as_user(client, "chair")
    assert ">Accept<" in client.get(f"/recommendations/{item.pk}/").content.decode()
    client.post(f"/recommendations/{item.pk}/decide/", {"status": "accepted"})
    page = client.get(f"/recommendations/{item.pk}/").content.decode()
    assert ">Accept<" not in page
    assert ">Close<" in page


def test_a_carried_action_cannot_be_reopened_and_carried_again(demo, client):
    as_user(client, "officer")
    action = Action.objects.filter(status=Action.Status.OPEN).first()
    client.post(f"/actions/{action.pk}/", {"carry_over": "1"})
    action.refresh_from_db()
    assert action.status == Action.Status.CARRIED
    data = {"text": action.text, "owner": action.owner, "due_date": "", "status": "open"}
    said = unescape(client.post(f"/actions/{action.pk}/", data, follow=True).content.decode())
    assert "was carried over to the next quarter" in said
    action.refresh_from_db()
    assert action.status == Action.Status.CARRIED
    assert Action.objects.filter(carried_over_from=action).count() == 1


def test_records_an_action_import_makes_are_in_the_history(demo):
    from imports.challenges import apply_actions, check_actions
    from imports.files import read_table

    data = b"authority,indicator,period,action,owner,due_date,status\n"
    data += b"E08000017,A3,2017-18 Q1,Audit the visits,Head of service,2017-06-30,open\n"
    checked = check_actions(read_table(data, "actions.csv"))
    assert checked.ok, checked.problems
    apply_actions(checked, User.objects.get(username="officer"))
    record = ChallengeRecord.objects.get(indicator__code="A3", period__code="2017-18 Q1")
    assert record.history.count() == 1
    assert record.history.get().history_user.username == "officer"
