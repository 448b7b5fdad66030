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


SERVED = """
import gc, sys
import config.wsgi
print(gc.get_freeze_count(), "reports.views.quarter" in sys.modules)
"""


def test_a_served_process_sets_its_startup_objects_aside_from_the_collector():
    """config.wsgi, what gunicorn serves, freezes what starting made (core.memory), the
    URLconf's views included, so a full collection no longer walks them (docs/benchmarks.md:
    the 90 ms it took every twenty pages drawn afresh)."""
    from tests.core.test_cache_setting import run_with

    (line,) = run_with(None, SERVED)
    frozen, views_loaded = line.split()
    assert int(frozen) > 50_000
    assert views_loaded == "True"


def test_settling_counts_what_it_set_aside(monkeypatch):
    import gc

    from core import memory

    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect") or 0)
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 123)
    assert memory.settle_startup_objects() == 123
    assert calls == ["collect", "freeze"]  # what is garbage already is not kept for ever
