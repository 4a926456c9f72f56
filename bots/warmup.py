"""One-time preparation of a bot process, so the event loop is not stalled later.

* The media fetcher's HTTP stack imports some modules on its first request (httpcore,
  h11, anyio's backend: ~0.5 s of unmarshalling on a 2-core VM) and builds its TLS
  context on first use (10–300 ms of CPU).  :func:`warm_fetcher` does both up front.
* CPython's cyclic garbage collector walks every tracked object in a full
  (generation-2) collection: with the ~150,000 objects a bot holds after start-up
  (modules, SQLAlchemy's metadata, the media index) those pauses took 150–350 ms
  in the middle of intake.  :func:`settle_heap` moves everything alive at start-up
  out of the collector's sight (``gc.freeze``) and collects the young generation
  less often; reference counting still frees almost everything at once.
"""

from __future__ import annotations

import gc
import importlib

#: modules the HTTP stack would otherwise import lazily during the first fetch
_LAZY_MODULES = ("httpcore", "h11", "anyio", "anyio._backends._asyncio", "sniffio")
#: allocations between young collections (CPython's default is 700)
YOUNG_THRESHOLD = 10_000

_settled = False


def warm_fetcher() -> None:
    """Import what the fetcher's first request would import, and build its TLS context."""
    from core.media.fetcher import default_transport, tls_context

    for name in _LAZY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional backend: the fetcher works without it
            continue
    tls_context()
    default_transport()


def settle_heap() -> None:
    """Collect once, freeze what survives start-up, then collect young objects less often.

    Once per process (what a later call would freeze could not be collected any more).
    """
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


__all__ = ["YOUNG_THRESHOLD", "settle_heap", "warm_fetcher"]
