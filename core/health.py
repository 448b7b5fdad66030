"""/healthz for load balancers and orchestrators, from django-health-check: the database, the
disk under MEDIA_ROOT, and — when tasks go to a worker — the Redis broker and a Celery ping.
200 when all answer, 503 when any does not (the library says 500; a load balancer reads 503
as "take me out of rotation"). No login needed; nothing sensitive is said. `?format=json`
or `Accept: application/json` for machines, HTML for people."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.psutil import Disk
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

TIMEOUT = timedelta(seconds=1)


def _redis_client():
    return RedisClient.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=TIMEOUT.total_seconds(),
        socket_timeout=TIMEOUT.total_seconds(),
    )


@dataclasses.dataclass
class Recomputes(HealthCheck):
    """Fails while an import's recompute has not moved for twice RECOMPUTE_STUCK_AFTER, or a
    confirmed import is not saved after twice IMPORT_STUCK_AFTER: the sweeps run a stuck one
    again after one period, so a second means it is not recovering (no worker, or none that
    finishes). The model is looked up by name: core imports no app."""

    def run(self):
        batches = apps.get_model("imports", "ImportBatch")
        try:
            stuck = batches.objects.recompute_still_for_over(
                2 * settings.RECOMPUTE_STUCK_AFTER
            ).count()
            unsaved = batches.objects.saving_for_over(2 * settings.IMPORT_STUCK_AFTER).count()
        finally:
            # The library runs a check on a thread of its own: close that thread's
            # connection, or every probe would leave one open.
            if not connection.in_atomic_block:
                connection.close()
        if stuck:
            raise ServiceUnavailable(
                f"{stuck} import{'s' if stuck != 1 else ''} waiting for a recompute for over "
                f"{2 * settings.RECOMPUTE_STUCK_AFTER // 60} minutes"
            )
        if unsaved:
            raise ServiceUnavailable(
                f"{unsaved} confirmed import{'s' if unsaved != 1 else ''} not saved after "
                f"{2 * settings.IMPORT_STUCK_AFTER // 60} minutes (is a worker running?)"
            )


class Healthz(HealthCheckView):
    def get_checks(self):
        yield Database()
        yield Recomputes()
        media = Path(settings.MEDIA_ROOT)
        yield Disk(path=media if media.exists() else settings.BASE_DIR)
        if settings.REDIS_URL:  # otherwise tasks run in-process: no broker, no worker
            yield Redis(client_factory=_redis_client)
            yield Ping(timeout=TIMEOUT)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response


healthz = Healthz.as_view()
