"""CACHE_URL: the default keeps each process's cache in memory with a bounded size; a shared
Redis cache (for many web processes) is configured so that it works, not just parses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.workers import require_redis

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
print(settings.CACHES["default"]["BACKEND"], settings.CACHES["default"].get("OPTIONS", {}))
cache.set("outturn-cache-setting-test", 41, 5)
print(cache.get("outturn-cache-setting-test") + 1)
cache.delete("outturn-cache-setting-test")
"""


def run_with(cache_url: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    if cache_url:
        env["CACHE_URL"] = cache_url
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()


def test_default_cache_is_bounded_process_memory():
    backend, answer = run_with(None)
    assert backend.startswith("django.core.cache.backends.locmem.LocMemCache")
    assert "'MAX_ENTRIES': 1000" in backend
    assert answer == "42"


def test_a_shared_redis_cache_works():
    url = require_redis().rsplit("/", 1)[0] + "/3"
    backend, answer = run_with(url)
    assert backend.startswith("django.core.cache.backends.redis.RedisCache")
    assert "MAX_ENTRIES" not in backend  # the Redis client would refuse it on first use
    assert answer == "42"
