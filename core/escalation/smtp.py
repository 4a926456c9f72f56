"""The SMTP transport for notice mails (aiosmtplib): ``smtp://user:pass@host:587``, STARTTLS."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.escalation.outbox import PermanentFailure

#: reads only a message's headers (the envelope sender is its From)
_HEADERS = BytesHeaderParser()


class SmtpTransport:
    """Sends through one SMTP server over one connection, kept open across a drain.

    STARTTLS whenever the server offers it; ``smtps://`` connects with TLS from the start.
    A broken connection is opened again once before the error is passed on.
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("LEAKDESK_SMTP_URL must look like smtp://user:pass@host:587")
        self._host = parts.hostname
        self._port = parts.port or (465 if parts.scheme == "smtps" else 587)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._tls = parts.scheme == "smtps"
        self._timeout = timeout
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            client = aiosmtplib.SMTP(
                hostname=self._host,
                port=self._port,
                use_tls=self._tls,
                start_tls=None if not self._tls else False,
                timeout=self._timeout,
            )
            await client.connect()
            if self._user is not None:
                await client.login(self._user, self._password or "")
            self._client = client
        return self._client

    async def send(self, to: str, message: bytes) -> None:
        """Deliver ``message`` to ``to``; a 5xx answer is a :class:`PermanentFailure`."""
        sender = parseaddr(_HEADERS.parsebytes(message).get("From", ""))[1]
        for attempt in (1, 2):
            client = await self._connected()
            try:
                await client.sendmail(sender, [to], message)
                return
            except aiosmtplib.SMTPServerDisconnected:
                self._client = None
                if attempt == 2:
                    raise
            except aiosmtplib.SMTPResponseException as err:
                if 500 <= err.code < 600:
                    raise PermanentFailure(f"{err.code} {err.message}") from err
                raise

    async def aclose(self) -> None:
        """Say goodbye to the server (a drain ends)."""
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
