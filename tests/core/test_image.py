"""The production image's shape (no Docker engine runs here to build it: CI checks the
compose file parses, and this reads the Dockerfile)."""

from __future__ import annotations

import re
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def stages() -> dict[str, str]:
    parts = re.split(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", DOCKERFILE.read_text(), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_node_builds_the_assets_in_its_own_stage():
    built = stages()
    assert list(built) == ["assets", "runtime"]
    assert "npm ci" in built["assets"]
    assert "COPY --from=assets" in built["runtime"]


def test_the_runtime_image_has_no_node_and_no_test_tools():
    runtime = stages()["runtime"]
    for word in ["npm", "nodejs", "node_modules", "axe"]:
        assert word not in runtime, word
