"""Module-level tasks the worker-pool tests send to worker processes (they must be importable)."""

from __future__ import annotations

import os
import time

from core.errors import NotAnImage


def sleep(seconds: float) -> str:
    """Sleep, then answer (a stand-in for a decode that hangs)."""
    time.sleep(seconds)
    return "slept"


def allocate(megabytes: int) -> int:
    """Touch ``megabytes`` of memory (a stand-in for a decode that balloons)."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def die(code: int) -> None:
    """Exit the worker process abruptly (a crash in a native decoder)."""
    os._exit(code)


def refuse() -> None:
    """Raise a media error, as a decoder does on bad input."""
    raise NotAnImage("the file is not an image")


def pid() -> int:
    """The worker's process id."""
    return os.getpid()
