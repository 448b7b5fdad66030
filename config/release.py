"""Which release of Outturn is running: what keys its cache entries apart from another
release's. Pages cache pickled objects of this code's classes (a quarter's rows, its
comparisons, a measure's story); a shared cache (Redis) outlives a deploy, and an entry
pickled by the release before could be read back into classes that have since changed. Each
release's keys carry its name, so it never reads another's."""

from __future__ import annotations

import hashlib
from pathlib import Path

# The folders whose Python makes what is cached (templates are drawn into fragments keyed by
# what they show, but a fragment is text: another release's reads back as the text it was).
CODE = ["authorities", "config", "core", "imports", "indicators", "reports", "scrutiny"]


def code_digest(root: Path) -> str:
    """A digest of every Python file of the application's code under `root`, by path and
    content: the same code gives the same name on every machine and process."""
    digest = hashlib.sha256()
    for folder in CODE:
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def name(root: Path, given: str = "") -> str:
    """The release's name: RELEASE where the deploy gives one (a tag or commit), else the
    code's digest."""
    return given.strip() or code_digest(root)
