from __future__ import annotations

import os
from pathlib import Path

import pytest

from config.celery import app as celery_app

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dfe"


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    """Quick hashing, plain static storage, and Celery in-process unless a test says not."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def shared_data() -> Path:
    """The published DfE data beside the repository (never copied into it)."""
    if not SHARED_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DATA} is missing: CI must run with shared/ beside the repo")
        pytest.skip("../shared/data/dfe is not beside this checkout")
    return SHARED_DATA


@pytest.fixture
def demo(db):
    from indicators.demo.load import load_demo

    load_demo()


@pytest.fixture
def panel_member(demo, client):
    from django.contrib.auth.models import User

    user = User.objects.get(username="panel")
    client.force_login(user)
    return user
