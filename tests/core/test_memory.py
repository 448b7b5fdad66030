"""Issue 30, finding 6: a process gives back what it frees, so its size follows what it
holds (a million-row check ended up to 90 MB above it with the allocators' defaults)."""

from __future__ import annotations

import ctypes

import pyarrow as pa
import pytest

from core.memory import LARGE_BLOCK, M_MMAP_THRESHOLD, give_back_freed_memory


def test_every_process_allocates_arrow_memory_through_malloc():
    give_back_freed_memory()  # as core's ready() does at every start
    assert pa.default_memory_pool().backend_name == "system"


def test_large_blocks_are_mapped_for_themselves(monkeypatch):
    said = []

    class Libc:
        def mallopt(self, option, value):
            said.append((option, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc())
    give_back_freed_memory()
    assert said == [(M_MMAP_THRESHOLD, LARGE_BLOCK)]


def test_a_c_library_without_mallopt_is_left_as_it_is(monkeypatch):
    class Musl:
        pass

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Musl())
    give_back_freed_memory()  # no error: its own defaults stand


def test_fewer_collections_runs_the_collector_less_often_and_puts_it_back():
    import gc

    from core.memory import fewer_collections

    before = gc.get_threshold()
    with fewer_collections(young=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.isenabled()  # cycles are still collected, less often
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before
