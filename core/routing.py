"""A read replica for pages and papers, when one is configured (DATABASE_REPLICA_URL).

Reads go to the replica only where they are made for a reader: inside a GET or HEAD request
(`ReplicaReadsMiddleware`; a GET never writes) or a paper being drawn
(`reading_from_replica`). Everything else — every write, every POST's reads, the checks of
an import, sign-in and sessions — reads the primary, so what a writer checks against is never
behind. A page reads its figures and the versions it is keyed by (core.versions) from the same
replica, so what it caches always matches the key it caches it under; a replica behind the
primary shows the figures as they stood a moment ago, never a mixture."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"

_reading: ContextVar[bool] = ContextVar("outturn_reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads made inside go to the replica, if there is one."""
    token = _reading.set(replica_configured())
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading.get() and model._meta.app_label in settings.READ_REPLICA_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two connections to it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """GET and HEAD requests read pages' figures from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with reading_from_replica():
            return self.get_response(request)
