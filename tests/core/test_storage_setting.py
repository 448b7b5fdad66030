"""MEDIA_STORAGE: the file system by default; one S3-compatible bucket for several machines
(issue 31), configured so that it works: private, never overwriting, downloads signed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
django.setup()
from django.core.files.storage import storages
media = storages["default"]
print(type(media).__module__ + "." + type(media).__name__)
if hasattr(media, "bucket_name"):
    print(media.bucket_name, media.file_overwrite, media.location)
    print(media.url("papers/q2.pdf"))
"""


def run_with(**variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIA_", "AWS_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_the_file_system_by_default():
    done = run_with()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "django.core.files.storage.filesystem.FileSystemStorage"


def test_a_bucket_is_private_never_overwritten_and_its_links_signed():
    done = run_with(
        MEDIA_STORAGE="s3",
        MEDIA_BUCKET="outturn-papers",
        MEDIA_ENDPOINT_URL="https://objects.example.org",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    backend, settings, url = done.stdout.strip().splitlines()
    assert backend == "storages.backends.s3.S3Storage"
    assert settings == "outturn-papers False outturn"
    assert url.startswith("https://objects.example.org/outturn-papers/outturn/papers/q2.pdf?")
    assert "X-Amz-Signature" in url or "Signature=" in url


def test_an_unknown_storage_is_refused_at_start():
    done = run_with(MEDIA_STORAGE="ftp")
    assert done.returncode != 0
    assert 'MEDIA_STORAGE is "filesystem" (the default) or "s3"' in done.stderr
