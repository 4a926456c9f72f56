"""Wall time from starting ``leakdesk`` to its exit, for commands that must start fast.

Target: ``leakdesk --help`` <= 0.3 s on a 2-core machine. Each command runs ``--runs`` times in a
fresh process (after one warm-up run that fills the OS page cache and ``__pycache__``); the
median is the figure to compare, min and max show the noise of a shared machine.

    python bench/cli_start.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.3
COMMANDS = (
    ["--help"],
    ["url", "https://x.com/leaker/status/1234567890?s=20", "--json"],
    ["cases", "--help"],
)


def leakdesk_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m bots.cli``."""
    script = Path(sys.executable).with_name("leakdesk")
    if script.exists():
        return [str(script)]
    found = shutil.which("leakdesk")
    return [found] if found else [sys.executable, "-m", "bots.cli"]


def time_once(command: list[str], cwd: str) -> tuple[float, float]:
    """Wall seconds from spawning ``command`` to its exit, and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Time each command and print min / median / max."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    base = leakdesk_command()
    load = os.getloadavg()[0]
    print(f"{' '.join(Path(part).name for part in base)}: {runs} runs each, load {load:.2f}")
    with tempfile.TemporaryDirectory() as cwd:  # no leakdesk.toml, no database
        for args in COMMANDS:
            time_once(base + args, cwd)
            samples = [time_once(base + args, cwd) for _ in range(runs)]
            walls = sorted(wall for wall, _ in samples)
            median = statistics.median(walls)
            cpu = statistics.median(cpu for _, cpu in samples)
            verdict = "ok" if median <= TARGET_SECONDS else "over target"
            label = " ".join(args)[:24]
            print(
                f"  leakdesk {label:<26} wall min {walls[0]:.3f} s  median {median:.3f} s  "
                f"max {walls[-1]:.3f} s  cpu median {cpu:.3f} s  ({verdict}: {TARGET_SECONDS} s)"
            )
        bare = sorted(time_once([sys.executable, "-c", "pass"], cwd)[0] for _ in range(runs))
        print(f"  (python -c pass: wall median {statistics.median(bare):.3f} s)")


if __name__ == "__main__":
    main()
