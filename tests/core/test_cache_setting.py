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


def run_with(cache_url: str | None, script: str = SCRIPT, *args, **settings) -> list[str]:
    """`script`'s lines of output, run in a fresh process with this CACHE_URL (and these
    other settings from the environment)."""
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(settings)
    if cache_url:
        env["CACHE_URL"] = cache_url
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
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
    # Nothing of it outlives the process, so no release is worked out to key it by.
    assert run_with(None, PREFIX) == ["None"]


PREFIX = """
import django
django.setup()
from django.conf import settings
print(settings.CACHES["default"].get("KEY_PREFIX"))
"""


def test_a_shared_redis_cache_works():
    url = require_redis().rsplit("/", 1)[0] + "/3"
    backend, answer = run_with(url)
    assert backend.startswith("django.core.cache.backends.redis.RedisCache")
    assert "MAX_ENTRIES" not in backend  # the Redis client would refuse it on first use
    assert answer == "42"


def test_a_release_reads_only_its_own_entries(tmp_path):
    """What pages cache is pickled objects of the running code's classes, and a shared cache
    outlives a deploy: each release's keys carry its name (RELEASE, else a digest of its
    Python), so the next release never reads an entry the last one pickled."""
    from config import release

    for folder in release.CODE:
        (tmp_path / folder).mkdir()
    (tmp_path / "reports" / "quarter.py").write_text("ROWS = 1\n")
    first = release.name(tmp_path)
    assert first == release.code_digest(tmp_path)  # the same code, the same name
    (tmp_path / "reports" / "quarter.py").write_text("ROWS = 2\n")
    second = release.name(tmp_path)
    assert second != first  # a changed class, another name
    (tmp_path / "reports" / "quarter.py").rename(tmp_path / "reports" / "moved.py")
    assert release.name(tmp_path) not in {first, second}  # the same code moved, another
    assert release.name(tmp_path, " v1.4.2 ") == "v1.4.2"  # as the deploy names it


def test_two_releases_sharing_a_redis_cache_never_read_each_others_entries():
    url = require_redis().rsplit("/", 1)[0] + "/3"
    script = (
        "import django; django.setup()\n"
        "from django.core.cache import cache\n"
        "import sys\n"
        "if sys.argv[1] == 'write': cache.set('outturn-release-test', 'old', 30)\n"
        "else: print(cache.get('outturn-release-test', 'none'))\n"
    )

    def run(release_name: str, what: str) -> str:
        return "".join(run_with(url, script, what, RELEASE=release_name))

    assert run_with(url, PREFIX, RELEASE="v2") == ["outturn-v2"]
    run("release-1", "write")
    assert run("release-1", "read") == "old"
    assert run("release-2", "read") == "none"
