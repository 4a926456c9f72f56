"""``leakdesk web`` as a real process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(
    *args: str, db: str, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start ``leakdesk ARGS`` serving the dashboard; yield its base URL and the process.

    ``args`` must make it listen on ``LEAKDESK_WEB_PORT`` (set here) or pass ``--port``.
    """
    port = free_port()
    environment = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": db,
        "LEAKDESK_FETCH_MEDIA": "false",
        "LEAKDESK_WEB_PORT": str(port),
        "LEAKDESK_WEB_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the dashboard did not start in 60 s"
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
