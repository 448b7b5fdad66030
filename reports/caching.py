"""What pages build from figures is cached against the versions of what they show
(core.versions): every write of figures, targets, indicators, rebases, authorities and
neighbours — and every recompute that changes a status — moves the versions of what it
changed, so a key that carries them is never read once what it was built from has changed,
and a write elsewhere leaves it as it was. Nothing to invalidate by hand, and nothing stale.
Scrutiny text (challenge records, actions) is read fresh, or digested into the key
(challenge_stamp)."""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Model
from django.db.models.base import ModelState

from core import versions

SECONDS = 6 * 60 * 60  # an entry nobody asks for again goes; a changed one is never asked for
T = TypeVar("T")


def version_key(*parts, authority: int | None = None, indicators: Iterable[int] = ()) -> str:
    """A key for these parts as what they show stands now (one query): everything every
    page reads; `authority`'s own figures, targets and statuses; and every authority's
    figures of `indicators`, for what compares them."""
    return key(*parts, versions.stamp(authority, indicators))


def key(*parts) -> str:
    """The one spelling of a cache key: its parts, the last of them a stamp of versions."""
    return ":".join(str(part) for part in parts)


def cached(key: str, build: Callable[[], T], usable: Callable[[T], bool] | None = None) -> T:
    """What is cached under `key`, or `build()` stored there (`pickled`); `usable` says
    whether what was cached can be used as it is (else it is built again)."""
    found = cache.get(key)
    if found is not None:
        value = unpickled(found)
        if usable is None or usable(value):
            return value
    built = build()
    cache.set(key, pickled(built), SECONDS)
    return built


def challenge_stamp(records) -> str:
    """A digest of every field of these challenge records and their actions (prefetched):
    any edit, however made, gives another. Keys what is rendered from them, and from their
    history, which an edit always adds to."""
    parts = []
    for record in sorted(records, key=lambda r: r.pk):
        parts.append([getattr(record, f.attname) for f in record._meta.concrete_fields])
        parts.extend(
            [getattr(action, f.attname) for f in action._meta.concrete_fields]
            for action in sorted(record.actions.all(), key=lambda a: a.pk)
        )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def pickled(value) -> bytes:
    """`value` as cached: pickled with every model object in it packed — its class, its
    attributes, the database it was read from and the related objects it holds — where
    Django's own pickling copies each object's state twice over and stamps it with Django's
    version (four fifths of what caching a quarter's sixty rows of figures and targets
    cost; each key carries the release, config/release.py). An object named twice is
    pickled once, as pickle always does. `unpickled` gives it back."""
    buffer = io.BytesIO()
    _Packing(buffer, pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def unpickled(data: bytes):
    return pickle.loads(data)  # noqa: S301 - our own cache's bytes, written by `pickled`


class _Packing(pickle.Pickler):
    def reducer_override(self, obj):
        if not isinstance(obj, Model):
            return NotImplemented
        attributes = dict(obj.__dict__)
        state = attributes.pop("_state")
        return _unpacked, (type(obj), attributes, state.db, state.fields_cache)


def _unpacked(model: type[Model], attributes: dict, db: str | None, related: dict) -> Model:
    """A model object as `pickled` packed it: as read from its database, not one to add."""
    instance = model.__new__(model)
    instance.__dict__.update(attributes)
    instance._state = ModelState()
    instance._state.db, instance._state.adding = db, False
    instance._state.fields_cache = related
    return instance
