"""/healthz for load balancers and orchestrators: database, broker and worker reachability,
200 when all answer, 503 when any does not. No login needed; nothing sensitive is said."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _broker() -> str:
    if not settings.REDIS_URL:
        return "ok (no broker: tasks run in-process)"
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    return "ok"


def _worker() -> str:
    if not settings.REDIS_URL:
        return "ok (tasks run in-process)"
    from config.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


def healthz(request):
    checks, healthy = {}, True
    for name, check in [("database", _database), ("broker", _broker), ("worker", _worker)]:
        try:
            checks[name] = check()
        except Exception as error:  # any failure is "not healthy", reported, never a 500 page
            checks[name] = f"error: {type(error).__name__}"
            healthy = False
    return JsonResponse(checks, status=200 if healthy else 503)
