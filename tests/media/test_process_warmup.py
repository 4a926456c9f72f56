"""A bot process prepares once, so that the event loop is not stalled later."""

from __future__ import annotations

import gc
import sys

from bots.warmup import YOUNG_THRESHOLD, settle_heap, warm_fetcher
from core.media.fetcher import tls_context


def test_warming_the_fetcher_imports_its_lazy_modules_and_builds_the_tls_context() -> None:
    warm_fetcher()
    assert {"httpcore", "h11", "sniffio"} <= set(sys.modules)
    assert tls_context.cache_info().currsize == 1  # the first fetch finds it built


def test_settling_the_heap_freezes_start_up_objects_once() -> None:
    settle_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    settle_heap()  # later calls change nothing
    assert gc.get_freeze_count() == frozen
