"""Logs are JSON lines (structlog through django-structlog) with request and task ids."""

from __future__ import annotations

import io
import json
import logging

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the root logger's formatter writes, one parsed JSON object a line."""
    root = logging.getLogger()
    formatter = next(h.formatter for h in root.handlers if h.formatter is not None)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    root.removeHandler(handler)


def test_a_request_logs_json_with_its_request_id_user_code_and_time(
    panel_member, client, log_lines
):
    client.get("/a/doncaster/q/2016-17-q2/")
    finished = [line for line in log_lines() if line["event"] == "request_finished"]
    assert len(finished) == 1
    line = finished[0]
    assert line["code"] == 200
    assert line["user_id"] == panel_member.pk
    assert line["request_id"]
    assert "/a/doncaster/q/2016-17-q2/" in line["request"]
    assert isinstance(line["ms"], int)
    assert line["level"] == "info"
    assert line["timestamp"]


@pytest.fixture
def worker_log_signals():
    """What django-structlog's worker step connects in a real worker (tasks run eagerly
    here); tests/test_reliability.py sees it in the real worker's output."""
    from django_structlog.celery.receivers import CeleryReceiver

    receiver = CeleryReceiver()
    receiver.connect_worker_signals()
    yield
    from celery import signals

    for name in [
        "before_task_publish",
        "after_task_publish",
        "task_prerun",
        "task_retry",
        "task_success",
        "task_failure",
        "task_revoked",
        "task_unknown",
        "task_rejected",
    ]:
        getattr(signals, name).disconnect(getattr(receiver, f"receiver_{name}"))


def test_a_task_logs_json_with_its_task_id(
    demo, log_lines, worker_log_signals, django_capture_on_commit_callbacks
):
    from indicators.tasks import schedule_recompute

    with django_capture_on_commit_callbacks(execute=True):
        schedule_recompute(None, None)
    lines = log_lines()
    succeeded = [line for line in lines if line["event"] == "task_succeeded"]
    assert len(succeeded) == 1
    assert succeeded[0]["task_id"]
    recompute = next(line for line in lines if line.get("logger") == "indicators.recompute")
    assert recompute["task_id"] == succeeded[0]["task_id"]
