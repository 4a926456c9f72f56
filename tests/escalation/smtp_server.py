"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests."""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Inbox:
    """What the server accepted; ``delay`` slows each DATA, ``refuse`` answers 550."""

    messages: list[Message] = field(default_factory=list)
    delay: float = 0.0
    refuse: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 refused"
        if self.delay:
            time.sleep(self.delay)  # the server's own thread: slows this delivery only
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


class SmtpServer:
    """``with SmtpServer() as server:`` a server at ``server.url``."""

    def __init__(self, inbox: Inbox | None = None, port: int | None = None) -> None:
        self.inbox = inbox or Inbox()
        self.port = port or free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
