"""Logging for every entrypoint: no reported link's path or query in the logs at INFO.

httpx and httpcore log every request URL at INFO (a fetched leak link with its path and query,
or a Bot API URL with the token); :func:`quiet_http_logs` raises them to WARNING.  Every
handler :func:`configure_logging` installs also cuts any link in any record down to its scheme
and host (``https://example.com/…``), whoever logged it.
"""

from __future__ import annotations

import logging

from core.redact import redact_links

#: loggers that write request URLs at INFO or DEBUG
HTTP_LOGGERS = ("httpx", "httpcore", "hpack")
__all__ = ["HTTP_LOGGERS", "LinkRedactingFilter", "redact_links"]


class LinkRedactingFilter(logging.Filter):
    """Rewrites each record's message so that links keep only their scheme and host."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record, with its links redacted (arguments formatted first)."""
        message = record.getMessage()
        redacted = redact_links(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def quiet_http_logs() -> None:
    """HTTP client libraries log at WARNING and above only."""
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def redact_handlers(logger: logging.Logger | None = None) -> None:
    """Add the link-redacting filter to every handler of ``logger`` (the root by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, LinkRedactingFilter) for f in handler.filters):
            handler.addFilter(LinkRedactingFilter())


def configure_logging(level: int = logging.INFO) -> None:
    """An entrypoint's logging: ``level`` to stderr (unless configured), HTTP quiet, links cut."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_http_logs()
    redact_handlers()
