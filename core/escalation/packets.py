"""Bulk escalation: confirmed cases grouped per recipient, split where a recipient caps URLs.

:func:`plan_requests` decides who gets what (pure: no files, no database);
:func:`write_packets` turns the plan into files a moderator can send or paste.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import mailbox
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

from core.escalation.agent import AgentOfRecord
from core.escalation.channels import Channel
from core.escalation.evidence import case_sentences, owned
from core.escalation.fields import form_values
from core.escalation.mail import notice_mail
from core.escalation.notices import (
    DSA,
    TITLES,
    NoticeItem,
    NoticeWriter,
    applicable,
)
from core.escalation.outbox import OutgoingMail
from core.model import CaseView

#: jurisdictions whose creators' notices prefer the DSA where a channel takes it
EU = frozenset(
    {
        "EU", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
        "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    """One request to one recipient: a notice kind and the URLs it lists."""

    channel: Channel
    notice: str
    items: tuple[NoticeItem, ...]
    synthetic: bool
    #: copies of the same cases on other hosts (every notice lists them)
    other_copies: tuple[str, ...] = ()
    #: set when a moderator asks again: a deliberate resend is a new message
    round: str = ""
    #: what the notice cites per case: (case code, plain sentences), cases with evidence only
    evidence: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @cached_property
    def case_codes(self) -> tuple[str, ...]:
        """The cases this request covers, in order."""
        return tuple(dict.fromkeys(item.case_code for item in self.items))

    @cached_property
    def key(self) -> str:
        """A stable id of this request (its ``Message-ID`` and folder are built on it)."""
        text = "\n".join([self.channel.id, self.notice, self.round, *(i.url for i in self.items)])
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def urls_by_case(self) -> dict[str, list[str]]:
        """``{case code: its URLs in this request}``, in order."""
        urls: dict[str, list[str]] = {}
        for item in self.items:
            urls.setdefault(item.case_code, []).append(item.url)
        return urls


@dataclass
class Plan:
    """What a bulk escalation would produce."""

    requests: list[Request] = field(default_factory=list)
    cases: int = 0
    skipped: int = 0  # cases already escalated to every recipient they route to
    #: links on hosts without a known channel: (case code, host)
    unrouted: list[tuple[str, str]] = field(default_factory=list)
    #: what the agent of record lacks for the notices planned
    missing: list[str] = field(default_factory=list)
    #: host -> why no abuse contact was found for it (RDAP; shown beside ``unrouted``)
    contact_notes: dict[str, str] = field(default_factory=dict)

    def urls_per_recipient(self) -> dict[str, int]:
        """``{channel id: URLs}`` over every request."""
        counts: dict[str, int] = {}
        for request in self.requests:
            counts[request.channel.id] = counts.get(request.channel.id, 0) + len(request.items)
        return counts


def notice_for(
    channel: Channel, agent: AgentOfRecord, *, synthetic: bool, owned: bool = False
) -> str | None:
    """The notice kind to send through ``channel`` (the DSA first for EU creators);
    ``owned``: the material matches the creator's own protected original."""
    kinds = [k for k in channel.notices if applicable(k, agent, synthetic=synthetic, owned=owned)]
    if agent.jurisdiction.upper() in EU and DSA in kinds:
        return DSA
    return kinds[0] if kinds else None


def _in_jurisdiction(jurisdiction: str, allowed: Sequence[str]) -> bool:
    code = jurisdiction.upper()
    return code in allowed or ("EU" in allowed and code in EU)


def _usable(channel: Channel, agent: AgentOfRecord, synthetic: bool, owned: bool = False) -> bool:
    if channel.synthetic is not None and channel.synthetic != synthetic:
        return False
    if channel.jurisdictions and not _in_jurisdiction(agent.jurisdiction, channel.jurisdictions):
        return False
    return notice_for(channel, agent, synthetic=synthetic, owned=owned) is not None


def route(
    platform: str | None,
    channels: Sequence[Channel],
    agent: AgentOfRecord,
    *,
    synthetic: bool,
    owned: bool = False,
) -> list[Channel]:
    """Where a link on ``platform`` goes: its platform's best channel, plus every search engine."""
    own = [
        c
        for c in channels
        if c.scope == "platform" and c.platform == platform and _usable(c, agent, synthetic, owned)
    ]
    own.sort(key=lambda c: not c.jurisdictions)  # a channel for the agent's jurisdiction first
    every = [c for c in channels if c.scope == "every" and _usable(c, agent, synthetic, owned)]
    return own[:1] + every


def plan_requests(
    cases: Iterable[CaseView],
    channels: Sequence[Channel],
    agent: AgentOfRecord,
    *,
    synthetic: Collection[str] = (),
    platform: str | None = None,
    done: Collection[tuple[str, str]] = (),
    round: str = "",
    contacts: Mapping[str, Channel] | None = None,
) -> Plan:
    """Group the links of ``cases`` per recipient and split them into requests.

    ``synthetic`` holds the codes of cases marked as deepfakes (their notices use the
    deepfake wording and forms and cite the cases' provenance evidence); a case whose
    picture matches the creator's own protected original may go out as a content owner's
    notice (DMCA) and its notice says so (:mod:`core.escalation.evidence`); ``platform`` keeps only
    recipients of that platform; ``done`` holds (case code, channel id) pairs already
    escalated, which are skipped; ``round`` tells a deliberate resend from the first;
    ``contacts`` maps hosts without a channel of their own to the recipient found for
    them (an abuse address from RDAP, or their CDN's channel).
    """
    plan = Plan()
    contacts = contacts or {}
    grouped: dict[tuple[str, str, bool], dict[str, NoticeItem]] = {}
    copies: dict[tuple[str, str, bool], set[str]] = {}
    by_id = {c.id: c for c in channels}
    for contact in contacts.values():
        by_id.setdefault(contact.id, contact)
    routes: dict[tuple[str | None, bool, bool], list[Channel]] = {}
    notices: dict[tuple[str, bool, bool], str | None] = {}
    evidence: dict[str, tuple[str, ...]] = {}
    for case in cases:
        is_synthetic = case.code in synthetic
        is_owned = owned(case)
        sentences = case_sentences(case, synthetic=is_synthetic)
        if sentences:
            evidence[case.code] = sentences
        routed = skipped_all = False
        for link in case.links:
            targets = routes.get((link.platform, is_synthetic, is_owned))
            if targets is None:
                targets = route(
                    link.platform, channels, agent, synthetic=is_synthetic, owned=is_owned
                )
                routes[(link.platform, is_synthetic, is_owned)] = targets
            if not any(t.scope == "platform" for t in targets):
                # --- abuse contacts of unknown hosts (core/escalation/contacts) ---
                contact = contacts.get(link.host)
                if contact is not None and _usable(contact, agent, is_synthetic, is_owned):
                    targets = [by_id[contact.id], *targets]
                else:
                    plan.unrouted.append((case.code, link.host))
            for channel in targets:
                if platform is not None and channel.platform != platform:
                    continue
                if (case.code, channel.id) in done:
                    skipped_all = True
                    continue
                if (channel.id, is_synthetic, is_owned) not in notices:
                    notices[(channel.id, is_synthetic, is_owned)] = notice_for(
                        channel, agent, synthetic=is_synthetic, owned=is_owned
                    )
                notice = notices[(channel.id, is_synthetic, is_owned)]
                assert notice is not None
                group = (channel.id, notice, is_synthetic)
                grouped.setdefault(group, {}).setdefault(link.url, NoticeItem(link.url, case.code))
                copies.setdefault(group, set()).update(
                    other.url for other in case.links if other.url != link.url
                )
                routed = True
        plan.cases += routed
        plan.skipped += skipped_all and not routed
    for (channel_id, notice, is_synthetic), by_url in grouped.items():
        items = list(by_url.values())
        channel = by_id[channel_id]
        size = channel.per_request or len(items)
        listed = {item.url for item in items}
        others = tuple(sorted(copies[(channel_id, notice, is_synthetic)] - listed))
        for start in range(0, len(items), size):
            chunk = tuple(items[start : start + size])
            cited = tuple(
                (code, evidence[code])
                for code in dict.fromkeys(item.case_code for item in chunk)
                if code in evidence
            )
            plan.requests.append(
                Request(channel, notice, chunk, is_synthetic, others, round, cited)
            )
    missing = {f"{name} ({r.notice})" for r in plan.requests for name in agent.missing(r.notice)}
    plan.missing = sorted(missing)
    return plan


def _form_text(request: Request, notice: str, agent: AgentOfRecord) -> str:
    lines = [
        f"{request.channel.name}",
        f"Open: {request.channel.url}",
        "" if request.channel.verified else "(unverified channel: check the page before use)",
        "",
        "Paste these values in the form's order:",
        "",
    ]
    for label, value in form_values(request.channel.fields, request, notice, agent):
        lines.append(f"--- {label} ---")
        lines.append(value)
        lines.append("")
    if request.channel.note:
        lines += [f"Note: {request.channel.note}", ""]
    return "\n".join(line for n, line in enumerate(lines) if line or n > 3)


@dataclass
class PacketFolder:
    """One recipient's folder: its text files (in writing order) and its mbox entries."""

    name: str
    texts: dict[str, str]
    mbox: list[bytes | EmailMessage] | None = None


@dataclass
class Packets:
    """A plan's packets rendered in memory: the folders, the summary and the mails."""

    folders: list[PacketFolder]
    summary: dict[str, object]
    mails: list[OutgoingMail]

    def write(self, out_dir: Path) -> None:
        """Write every folder under ``out_dir``, then ``summary.json`` and ``summary.txt``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder in self.folders:
            path = out_dir / folder.name
            path.mkdir(exist_ok=True)
            for name, text in folder.texts.items():
                (path / name).write_text(text, "utf-8")
            if folder.mbox is not None:
                box = mailbox.mbox(path / "messages.mbox")
                for entry in folder.mbox:
                    box.add(entry)
                box.flush()
                box.close()
        (out_dir / "summary.json").write_text(json.dumps(self.summary) + "\n", "utf-8")
        (out_dir / "summary.txt").write_text(_summary_text(self.summary), "utf-8")


def build_packets(
    plan: Plan,
    agent: AgentOfRecord,
    writer: NoticeWriter,
    *,
    sender: str = "",
    today: date | None = None,
) -> Packets:
    """Render every recipient's packet in memory (nothing is written; see :func:`write_packets`)."""
    if plan.missing:
        raise ValueError("the agent of record lacks: " + ", ".join(plan.missing))
    by_recipient: dict[str, list[Request]] = {}
    for request in plan.requests:
        by_recipient.setdefault(request.channel.id, []).append(request)
    index = []
    folders: list[PacketFolder] = []
    mails: list[OutgoingMail] = []
    for recipient, requests in by_recipient.items():
        channel = requests[0].channel
        notices, forms, rows = [], [], [["request", "case_code", "url"]]
        box: list[bytes | EmailMessage] | None = [] if channel.kind == "email" else None
        for number, request in enumerate(requests, start=1):
            notice = writer.render(
                request.notice,
                agent=agent,
                channel=channel,
                items=request.items,
                other_copies=request.other_copies,
                synthetic=request.synthetic,
                today=today,
                evidence=request.evidence,
            )
            heading = _heading(number, len(requests), request)
            notices.append(heading + notice)
            rows += [[str(number), item.case_code, item.url] for item in request.items]
            if box is not None:
                mail = notice_mail(request, notice, agent, sender)
                box.append(mail.mbox_entry)
                mails.append(OutgoingMail(request.key, recipient, mail.to, mail.message))
            else:
                forms.append(heading + _form_text(request, notice, agent))
            index.append(
                {
                    "folder": recipient,
                    "request": number,
                    "recipient": recipient,
                    "notice": request.notice,
                    "urls": len(request.items),
                    "cases": list(request.case_codes),
                }
            )
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        texts = {"notice.txt": "\n".join(notices), "urls.csv": out.getvalue()}
        if box is None:
            texts["form.txt"] = "\n".join(forms)
        folders.append(PacketFolder(recipient, texts, box))
    summary: dict[str, object] = {
        "recipients": plan.urls_per_recipient(),
        "channels": {
            recipient: {
                "kind": requests[0].channel.kind,
                "to": requests[0].channel.address or requests[0].channel.url,
                "title": TITLES[requests[0].notice],
                "requests": len(requests),
                "verified_channel": requests[0].channel.verified,
            }
            for recipient, requests in by_recipient.items()
        },
        "requests": index,
        "cases": plan.cases,
        "skipped": plan.skipped,
        "unrouted": [
            {"case_code": c, "host": h, "reason": plan.contact_notes.get(h, "")}
            for c, h in plan.unrouted
        ],
    }
    return Packets(folders, summary, mails)


def write_packets(
    plan: Plan,
    out_dir: Path,
    agent: AgentOfRecord,
    writer: NoticeWriter,
    *,
    sender: str = "",
    today: date | None = None,
    mails: list[OutgoingMail] | None = None,
) -> dict[str, object]:
    """Write one folder per recipient under ``out_dir`` and a summary; returns the summary.

    Each recipient's folder holds ``notice.txt`` (its requests' notices, in order),
    ``urls.csv`` (request, case, URL), and ``messages.mbox`` for an email channel (one
    mail per request, ready to send or import) or ``form.txt`` for a form (the form's URL
    and, per request, the values in the form's order). The mails are also appended to
    ``mails`` when given (for the outbox).
    """
    packets = build_packets(plan, agent, writer, sender=sender, today=today)
    packets.write(out_dir)
    if mails is not None:
        mails.extend(packets.mails)
    return packets.summary


def _heading(number: int, total: int, request: Request) -> str:
    if total == 1:
        return ""
    return f"===== request {number} of {total}: {', '.join(request.case_codes)} =====\n\n"


def _summary_text(summary: dict[str, object]) -> str:
    lines = []
    urls = summary["recipients"]
    for recipient, channel in summary["channels"].items():  # type: ignore[attr-defined]
        flag = "" if channel["verified_channel"] else "  [unverified channel]"
        lines.append(
            f"{recipient}/: {channel['requests']} {channel['title']}(s) to {channel['to']}, "
            f"{urls[recipient]} URL(s){flag}"  # type: ignore[index]
        )
    for entry in summary["unrouted"]:  # type: ignore[attr-defined]
        why = entry["reason"] or f"no channel known for {entry['host']}"
        lines.append(f"{why} (case {entry['case_code']})")
    return "\n".join(lines) + "\n"
