"""Run Outturn's production processes natively on loopback: gunicorn (2 workers), a Celery
worker and Celery beat, against a PostgreSQL database and Redis. Used by the load run and by
the CI smoke test of the production shape (no Docker engine runs on these machines)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer")
        time.sleep(0.3)


def _celery(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *arguments, "--loglevel", "INFO"]


@contextmanager
def running_stack(env: dict, web_workers: int = 2, beat: bool = True, log_dir: Path | None = None):
    """Yields the base URL. Every process is stopped on exit, whatever happened."""
    port = free_port()
    env = {**os.environ, **env, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    log_dir = Path(log_dir or ROOT / "test-artifacts" / "stack")
    log_dir.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [
            str(bin_dir / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(web_workers),
            "--timeout",
            "120",
            "--access-logfile",
            "-",
        ],
        # As docker-compose runs them: recomputes and imports on one worker, papers on another.
        "worker": _celery("worker", "--queues", "celery", "--concurrency", "2"),
        "briefings": _celery(
            "worker", "--queues", "briefings", "--concurrency", "1", "-n", "briefings@%h"
        ),
    }
    if beat:
        commands["beat"] = _celery("beat", "--schedule", str(log_dir / "beat-schedule"))
    logs = {name: (log_dir / f"{name}.log").open("w") for name in commands}
    processes = {
        name: subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=logs[name],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, command in commands.items()
    }
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        yield base
    finally:
        for process in processes.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
        for log in logs.values():
            log.close()
