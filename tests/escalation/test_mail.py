"""Notice mails: the direct builder gives exactly the email package's bytes, mbox included."""

from __future__ import annotations

import mailbox
import random
from dataclasses import replace
from pathlib import Path

import pytest

from core.escalation.agent import AgentOfRecord
from core.escalation.channels import load_channels
from core.escalation.mail import email_message, notice_mail
from core.escalation.notices import NoticeItem
from core.escalation.packets import Request

GOLDEN = Path(__file__).parent / "golden"
CHANNEL = next(c for c in load_channels() if c.id == "telegram-abuse")
AGENT = AgentOfRecord("ava", signer="Ava Example", email="ava@example.org", jurisdiction="US")
BODY = "To Telegram:\n\nPlease remove:\n  1. https://t.me/chan/5   (reference LD-7KQ2MX)\n"

SUBJECTS = [
    "TAKE IT DOWN Act removal request - 1 item(s)",
    "S" * 69,  # "Subject: " + 69 = 78 characters: the longest line that never folds
    "S" * 70,
    "word " * 20,
    "two  spaces",
    " leading space",
    "trailing space ",
    "=?utf-8?q?encoded?=",
    "Entfernung für Ava",
    "tab\there",
    "",
]
BODIES = [
    BODY,
    "",
    "\n",
    "x" * 78 + "\n",
    "x" * 79 + "\n",
    "From here on\nFrom the start\n>From quoted\n",
    "windows\r\nline\rends\n",
    "form feed\x0cand vertical tab\x0b\n",
    "no final newline",
    "Zoë wrote this\n",
    "\U0001f600\n",
    ("y" * 100 + "\n") * 3,  # long lines: quoted-printable, sniffed from the first ten
    ("y" * 100 + " \n") * 12,  # beyond ten lines, with trailing spaces to quote
    "From " + "z" * 90 + "\nFrom the quoted-printable body\n",
    ("é" * 60 + "\n") * 12,  # mostly non-ASCII with long lines: base64
    "=" * 80 + "\n",
    *(path.read_text("utf-8") for path in sorted(GOLDEN.glob("*.txt"))),
]
ADDRESSES = [
    "abuse@telegram.org",
    "Abuse Desk <abuse@telegram.org>",
    "first.last+tag@sub.example.org",
    '"quoted"@example.org',
    "a..b@example.org",
    "dash-@example.org",
    "x@-bad-.example",
    "user@[127.0.0.1]",
    "",
    "ab" * 40 + "@example.org",
]


def _request(address: str) -> Request:
    channel = replace(CHANNEL, address=address)
    return Request(
        channel, "take_it_down", (NoticeItem("https://t.me/chan/5", "LD-7KQ2MX"),), False
    )


def _mbox_bytes(path: Path, entry: object) -> bytes:
    box = mailbox.mbox(path)
    box.add(entry)  # type: ignore[arg-type]
    box.flush()
    box.close()
    data = path.read_bytes()
    return data.split(b"\n", 1)[1]  # without the "From MAILER-DAEMON <time>" line


def _check(
    tmp_path: Path, request: Request, notice: str, agent: AgentOfRecord, sender: str
) -> None:
    reference = email_message(request, notice, agent, sender)
    mail = notice_mail(request, notice, agent, sender)
    assert mail.message == bytes(reference)
    assert mail.to == str(reference["To"])
    fast = _mbox_bytes(tmp_path / "fast.mbox", mail.mbox_entry)
    slow = _mbox_bytes(tmp_path / "slow.mbox", reference)
    assert fast == slow
    (tmp_path / "fast.mbox").unlink()
    (tmp_path / "slow.mbox").unlink()


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subjects_give_the_email_packages_bytes(tmp_path: Path, subject: str) -> None:
    _check(tmp_path, _request("abuse@telegram.org"), f"Subject: {subject}\n\n{BODY}", AGENT, "")


@pytest.mark.parametrize("body", BODIES)
def test_bodies_give_the_email_packages_bytes(tmp_path: Path, body: str) -> None:
    notice = f"Subject: Removal\n\n{body}"
    _check(tmp_path, _request("abuse@telegram.org"), notice, AGENT, "desk@leakdesk.example")


@pytest.mark.parametrize("address", ADDRESSES)
def test_addresses_give_the_email_packages_bytes(tmp_path: Path, address: str) -> None:
    notice = f"Subject: Removal\n\n{BODY}"
    _check(tmp_path, _request(address), notice, AGENT, "")
    if address:
        agent = replace(AGENT, email=address)
        _check(tmp_path, _request("abuse@telegram.org"), notice, agent, address)


def test_a_notice_without_a_subject_line_gets_the_default_subject(tmp_path: Path) -> None:
    _check(tmp_path, _request("abuse@telegram.org"), BODY, AGENT, "")
    assert (
        b"Subject: Removal request\n"
        in notice_mail(_request("abuse@telegram.org"), BODY, AGENT, "").message
    )


def test_the_message_id_is_stable_and_names_the_request() -> None:
    request = _request("abuse@telegram.org")
    first = notice_mail(request, BODY, AGENT, "").message
    again = notice_mail(_request("abuse@telegram.org"), BODY, AGENT, "").message
    assert first == again
    assert f"Message-ID: <escalation-{request.key}@leakdesk.invalid>".encode() in first


def test_plain_mails_skip_the_email_package_and_random_ones_match_it(tmp_path: Path) -> None:
    plain = notice_mail(_request("abuse@telegram.org"), f"Subject: Removal\n\n{BODY}", AGENT, "")
    assert isinstance(plain.mbox_entry, bytes)  # the direct path was taken
    rng = random.Random(20261128)
    alphabet = 'abcXYZ019 .-_@<>"=?()\n\t:;,é'
    for _ in range(300):
        subject = "".join(rng.choice(alphabet[:-1]) for _ in range(rng.randint(0, 90)))
        subject = subject.replace("\n", " ")
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        local = "".join(rng.choice("ab.-_+") for _ in range(rng.randint(1, 8)))
        _check(tmp_path, _request(f"{local}@x.example"), f"Subject: {subject}\n\n{body}", AGENT, "")
