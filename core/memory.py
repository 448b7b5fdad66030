"""Memory given back to the system when it is freed, so a process's size follows what it
holds now, not the most it ever held.

A file is checked a share of rows at a time (imports.files.Table): each share's columns are
made and freed in turn. By default neither allocator hands that memory back: glibc's malloc
raises the size it serves from its own heap each time a large block is freed (its "dynamic
mmap threshold"), and Arrow's mimalloc pool keeps what it freed for reuse; a million-row
check then ended up to 90 MB above what it held (docs/reliability.md, hostile uploads).
Here every block over 128 KB is mapped for itself and unmapped when freed, and Arrow
allocates through the same malloc."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BLOCK = 128 * 1024  # glibc's own starting threshold, kept instead of raised


def give_back_freed_memory() -> None:
    pa.set_memory_pool(pa.system_memory_pool())
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        set_option = libc.mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS): its own defaults
        log.info("mallopt is not available: freed memory is given back as the C library does")
        return
    set_option(M_MMAP_THRESHOLD, LARGE_BLOCK)


def settle_startup_objects() -> int:
    """Set aside from Python's cycle collector every object a served process has made by the
    time it is ready (modules, classes, the URLconf and its views, settings: a couple of
    hundred thousand objects that live as long as the process) — `gc.freeze`, as the Python
    documentation advises for a process about to serve. A full collection walked them all,
    about every twenty pages drawn afresh, and took 90 ms of that page's time on this
    machine (docs/benchmarks.md); it now walks what requests leave behind. Cycles among
    objects made later are collected as before. Returns how many objects were set aside."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view, as the first request would)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


YOUNG_OBJECTS = 10_000  # Python's own: a collection every 700 objects made and not yet freed


@contextmanager
def fewer_collections(young: int = YOUNG_OBJECTS) -> Iterator[None]:
    """Python's collector of reference cycles run less often while a burst of short-lived
    objects is made: a paper's layout makes hundreds of thousands (WeasyPrint's boxes, text
    and drawing), nearly all freed as soon as they are done with, and with the default
    threshold a quarter of a paper's time went on collections that found next to nothing
    (0.88 -> 0.70 s, docs/benchmarks.md). Cycles are still collected, every `young` objects
    rather than every 700, and the thresholds are as they were afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
