from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_answers_without_login(client, settings):
    settings.REDIS_URL = ""  # tasks in-process: no broker or worker to ask
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_says_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_says_503_when_no_worker_answers(client, settings, monkeypatch):
    from config.celery import app

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr("core.health._broker", lambda: "ok")
    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "error: RuntimeError"
