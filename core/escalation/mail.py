"""Notice mails: the message of an email channel's request, built fast and byte-identical.

:func:`email_message` builds the message with the standard library's :mod:`email` package
(the reference). Its header parsing and folding cost about a millisecond per mail, which
dominates a bulk escalation of thousands of mails, so :func:`notice_mail` writes the bytes
directly whenever nothing needs the library's care: plain ASCII header values on lines
that never fold, bare addresses, and a 7-bit body with short lines. Anything else goes
through :func:`email_message`; tests compare both paths byte for byte.

The body is encoded by the very function ``set_content`` uses (the standard library's
``email.contentmanager._encode_text``), so its transfer encoding and bytes cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import contentmanager
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import TYPE_CHECKING

from core.escalation.notices import split_subject

if TYPE_CHECKING:
    from core.escalation.agent import AgentOfRecord
    from core.escalation.packets import Request

#: the email package's default policy folds header lines longer than this
MAX_LINE = 78
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#: an address the email package leaves exactly as written (a dot-atom local part, a host name)
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
#: printable ASCII words separated by single spaces (no encoded words: see the ``=?`` check)
_PLAIN_TEXT = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_PLAIN_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>")
_CONTENT_TYPE = b'Content-Type: text/plain; charset="utf-8"\n'
_MIME_VERSION = b"MIME-Version: 1.0\n\n"
#: transfer encodings whose payload is plain ASCII the generator writes line by line
_ASCII_ENCODINGS = frozenset({"7bit", "quoted-printable", "base64"})
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: ``set_content``'s own body encoder (None: a Python without it, always the reference path)
_encode_text = getattr(contentmanager, "_encode_text", None)


@dataclass(frozen=True)
class NoticeMail:
    """A request's mail: its recipient, the bytes to send, and what its packet's mbox stores."""

    to: str
    message: bytes = field(repr=False)
    #: for :meth:`mailbox.mbox.add`: the same bytes, or the message where headers fold
    mbox_entry: bytes | EmailMessage = field(repr=False)


def message_id(request: Request) -> str:
    """The request's stable ``Message-ID`` (a resend keeps it)."""
    return f"<escalation-{request.key}@leakdesk.invalid>"


def email_message(request: Request, notice: str, agent: AgentOfRecord, sender: str) -> EmailMessage:
    """The mail for an email channel, with a stable ``Message-ID`` (a resend keeps it)."""
    subject, body = split_subject(notice)
    message = EmailMessage()
    message["From"] = sender or agent.email
    message["To"] = request.channel.address or ""
    message["Reply-To"] = agent.email
    message["Subject"] = subject
    message["Message-ID"] = message_id(request)
    message.set_content(body)
    return message


def notice_mail(request: Request, notice: str, agent: AgentOfRecord, sender: str) -> NoticeMail:
    """The mail of ``request``: exactly ``bytes(email_message(...))``, built directly when plain."""
    subject, body = split_subject(notice)
    headers = (
        ("From", sender or agent.email, _PLAIN_ADDRESS),
        ("To", request.channel.address or "", _PLAIN_ADDRESS),
        ("Reply-To", agent.email, _PLAIN_ADDRESS),
        ("Subject", subject, _PLAIN_TEXT),
        ("Message-ID", message_id(request), _PLAIN_MESSAGE_ID),
    )
    plain = _encode_text is not None and "=?" not in subject
    plain = plain and all(
        len(name) + 2 + len(value) <= MAX_LINE and pattern.fullmatch(value)
        for name, value, pattern in headers
    )
    if plain:
        assert _encode_text is not None
        encoding, payload = _encode_text(body, "utf-8", None, default_policy)
        plain = encoding in _ASCII_ENCODINGS and payload.isascii()
    if not plain:
        message = email_message(request, notice, agent, sender)
        return NoticeMail(str(message["To"]), bytes(message), message)
    head = "".join(f"{name}: {value}\n" for name, value, _ in headers)
    data = b"".join(
        (
            head.encode("ascii"),
            _CONTENT_TYPE,
            f"Content-Transfer-Encoding: {encoding}\n".encode("ascii"),
            _MIME_VERSION,
            _NEWLINE.sub("\n", payload).encode("ascii"),
        )
    )
    return NoticeMail(headers[1][1], data, data)
