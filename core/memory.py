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
import logging

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
