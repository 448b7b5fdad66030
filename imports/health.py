"""The imports' part of /healthz (config lists it in HEALTH_CHECKS; core.health runs it)."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import connection
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from .models import ImportBatch


@dataclasses.dataclass
class Stalled(HealthCheck):
    """Fails while an import's recompute has not moved for RECOMPUTE_STUCK_AFTER — the moment
    the sweep, which runs each minute, takes it up again, so a recompute that died is said
    within a minute of the sweep's own threshold and clears once the sweep's run moves it —
    or while a confirmed import is not saved after twice IMPORT_STUCK_AFTER (the sweep hands
    it over again after one: a second means no worker is saving it)."""

    def run(self):
        try:
            stuck = ImportBatch.objects.recompute_still_for_over(
                settings.RECOMPUTE_STUCK_AFTER
            ).count()
            unsaved = ImportBatch.objects.saving_for_over(2 * settings.IMPORT_STUCK_AFTER).count()
        finally:
            # The library runs a check on a thread of its own: close that thread's
            # connection, or every probe would leave one open.
            if not connection.in_atomic_block:
                connection.close()
        if stuck:
            raise ServiceUnavailable(
                f"{stuck} import{'s' if stuck != 1 else ''} waiting for a recompute for over "
                f"{settings.RECOMPUTE_STUCK_AFTER // 60} minutes"
            )
        if unsaved:
            raise ServiceUnavailable(
                f"{unsaved} confirmed import{'s' if unsaved != 1 else ''} not saved after "
                f"{2 * settings.IMPORT_STUCK_AFTER // 60} minutes (is a worker running?)"
            )
