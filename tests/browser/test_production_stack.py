"""The production shape, run natively (no Docker engine here): gunicorn with two workers, a
Celery worker and beat, on PostgreSQL and Redis. A person signs in, reads a page, imports a
return whose statuses the real worker recomputes, and downloads a briefing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from playwright.sync_api import expect

from tests.browser.pages import Outturn
from tests.workers import database_url, require_redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from stack import running_stack  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_native_production_stack_serves_imports_and_briefs(demo, page, tmp_path):
    redis_url = require_redis()
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the production stack on PostgreSQL")
        pytest.skip("the production stack runs on PostgreSQL")
    # The suite hashes passwords with MD5 for speed; the stack's settings accept PBKDF2 only.
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(username="officer").update(
        password=hasher.encode("outturn-officer-2016", hasher.salt())
    )
    env = {
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "stack-test-" + "k" * 50,
        "WHITENOISE_USE_FINDERS": "true",
    }
    with running_stack(env) as base:
        outturn = Outturn(page, base)
        outturn.sign_in("officer", "outturn-officer-2016")
        expect(page.get_by_role("heading", level=1)).to_have_text("Quarter 2 2016/17")

        health = page.request.get(f"{base}/healthz?format=json")
        assert health.status == 200
        assert next(v for k, v in health.json().items() if k.startswith("Ping")) == "OK"

        upload = tmp_path / "q3.csv"
        upload.write_text("authority,indicator,period,value\nDoncaster,A2,2016-17 Q3,91\n")
        page.goto(f"{base}/imports/upload/")
        page.get_by_label("File (CSV or XLSX)").set_input_files(str(upload))
        page.get_by_role("button", name="Check the file").click()
        page.get_by_role("button", name="Confirm and import").click()
        expect(page.locator("#recompute-status")).to_contain_text(
            "Statuses are up to date", timeout=30_000
        )

        page.goto(f"{base}/a/doncaster/q/2016-17-q3/")
        expect(page.locator("tr[data-indicator=A2]")).to_contain_text("Within tolerance")

        # The paper is the worker's to build: asked for, followed, then downloaded.
        page.goto(f"{base}/a/doncaster/q/2016-17-q2/briefing.pdf")
        page.get_by_role("button", name="Prepare the briefing").click()
        expect(page.locator("#briefing-status")).to_contain_text("Ready", timeout=60_000)
        href = page.get_by_role("link", name="Download the PDF").get_attribute("href")
        pdf = page.request.get(f"{base}{href}")
        assert pdf.status == 200
        assert pdf.body().startswith(b"%PDF")
