from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client, settings):
    settings.REDIS_URL = ""  # tasks in-process: no broker or worker to ask
    response = client.get("/healthz?format=json")
    assert response.status_code == 200
    checks = response.json()
    assert checks["Database(alias='default')"] == "OK"
    assert checks["Stalled()"] == "OK"
    assert any(name.startswith("Disk(") for name in checks)
    assert not any(name.startswith(("Redis", "Ping")) for name in checks)


def test_healthz_reads_for_people_too(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "Database" in response.content.decode()


def test_healthz_says_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz?format=json")
    assert response.status_code == 503
    redis = next(v for k, v in response.json().items() if k.startswith("Redis"))
    assert redis != "OK"


def test_healthz_says_503_when_no_worker_answers(client, settings, monkeypatch):
    from config.celery import app

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(app.control, "ping", lambda timeout, limit=None: [])
    response = client.get("/healthz?format=json")
    assert response.status_code == 503
    ping = next(v for k, v in response.json().items() if k.startswith("Ping"))
    assert "unavailable" in ping
