"""What every benchmark prints first: the machine its figures came from."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """``machine: N cores, <CPU model>, Python X.Y.Z`` (the line each benchmark prints)."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    return f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
