"""/healthz for load balancers and orchestrators, from django-health-check: the database, the
disk under MEDIA_ROOT, and — when tasks go to a worker — the Redis broker and a Celery ping.
200 when all answer, 503 when any does not (the library says 500; a load balancer reads 503
as "take me out of rotation"). No login needed; nothing sensitive is said. `?format=json`
or `Accept: application/json` for machines, HTML for people."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from health_check.checks import Database, Storage
from health_check.contrib.celery import Ping
from health_check.contrib.psutil import Disk
from health_check.contrib.redis import Redis
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

TIMEOUT = timedelta(seconds=1)


def _redis_client():
    return RedisClient.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=TIMEOUT.total_seconds(),
        socket_timeout=TIMEOUT.total_seconds(),
    )


class Healthz(HealthCheckView):
    def get_checks(self):
        yield Database()
        for path in settings.HEALTH_CHECKS:  # the apps' own checks, as config lists them
            yield import_string(path)()
        if settings.MEDIA_STORAGE == "s3":  # a bucket: write, read and delete a file in it
            yield Storage()
        else:
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
