"""Bulk escalation with its stores: plan from the confirmed cases, write packets, record them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Collection, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from core.errors import MissingFields
from core.escalation.agent import AgentOfRecord
from core.escalation.channels import Channel
from core.escalation.contacts import (
    AbuseContactFinder,
    contact_platforms,
    recipients_for,
    unknown_hosts,
)
from core.escalation.notices import NoticeWriter
from core.escalation.outbox import OutgoingMail
from core.escalation.packets import Plan, Request, build_packets, plan_requests
from core.model import CaseStatus
from core.ports import CaseStore

#: cases that may go out to (more) recipients
ESCALATABLE = (CaseStatus.CONFIRMED, CaseStatus.ESCALATED)
#: how many cases one bulk escalation reads at most
MAX_CASES = 100_000
#: what is missing when a creator has no agent of record at all (each adapter says how to set it)
NO_AGENT = "agent of record"


class EscalationStore(Protocol):
    """What escalation keeps: agents of record, synthetic marks, escalations."""

    async def agent(self, creator: str) -> AgentOfRecord | None:
        """The creator's agent of record, if set."""
        ...

    async def synthetic_codes(self, creator: str) -> set[str]:
        """Codes of the creator's cases marked synthetic."""
        ...

    async def escalated(self, creator: str) -> set[tuple[str, str]]:
        """(case code, recipient) pairs already escalated."""
        ...

    async def record_drafted(
        self,
        requests: Sequence[Request],
        mails: Sequence[OutgoingMail] = (),
        *,
        batch: str = "",
        requested_by: str | None = None,
        hold: bool = False,
        before_commit: Awaitable[object] | None = None,
    ) -> int:
        """Record the requests' (case, recipient) pairs as drafted, and their mails to send,
        in one transaction, which commits only after ``before_commit`` completes."""
        ...


class EscalationService:
    """Turns a creator's confirmed cases into removal requests for every recipient."""

    def __init__(
        self,
        cases: CaseStore,
        store: EscalationStore,
        channels: Sequence[Channel],
        writer: NoticeWriter,
        *,
        sender: str = "",
        approvals: int = 1,
        contacts: AbuseContactFinder | None = None,
    ) -> None:
        self._approvals = approvals
        self._contacts = contacts
        self._cases = cases
        self._store = store
        self._channels = channels
        self._writer = writer
        self._sender = sender

    def notice_text(self, request: Request, agent: AgentOfRecord, today: date | None = None) -> str:
        """The notice of ``request`` exactly as the packets hold it (for forms sent in a chat)."""
        return self._writer.render(
            request.notice,
            agent=agent,
            channel=request.channel,
            items=request.items,
            other_copies=request.other_copies,
            synthetic=request.synthetic,
            today=today,
            evidence=request.evidence,
        )

    async def plan(
        self,
        creator: str,
        *,
        platform: str | None = None,
        again: bool = False,
        round: str = "",
        codes: Collection[str] | None = None,
        recipients: Collection[str] | None = None,
    ) -> tuple[AgentOfRecord | None, Plan]:
        """What escalating ``creator``'s confirmed cases would produce (nothing is written).

        ``codes`` narrows it to those cases, ``recipients`` to the requests to those
        channel ids (a moderator's selection on the dashboard).
        """
        agent = await self._store.agent(creator)
        cases = await self._cases.list_cases(creator, ESCALATABLE, limit=MAX_CASES)
        if codes is not None:
            cases = [case for case in cases if case.code in codes]
        synthetic = await self._store.synthetic_codes(creator)
        done = set() if again else await self._store.escalated(creator)
        # --- abuse contacts of unknown hosts: looked up in bulk before planning ---
        routed: dict[str, Channel] = {}
        notes: dict[str, str] = {}
        wanted = platform is None or platform in contact_platforms(self._channels)
        if self._contacts and wanted and (hosts := unknown_hosts(cases, self._channels)):
            routed, notes = recipients_for(await self._contacts.find(hosts), self._channels)
        plan = plan_requests(
            cases,
            self._channels,
            agent or AgentOfRecord(creator),
            synthetic=synthetic,
            platform=platform,
            done=done,
            round=round,
            contacts=routed,
        )
        plan.contact_notes = notes
        if recipients is not None:
            _keep_recipients(plan, agent or AgentOfRecord(creator), recipients)
        if agent is None:
            plan.missing = [NO_AGENT]
        return agent, plan

    async def escalate(
        self,
        creator: str,
        out_dir: Path | None,
        *,
        platform: str | None = None,
        again: bool = False,
        send: bool = False,
        actor: str = "",
        today: date | None = None,
        codes: Collection[str] | None = None,
        recipients: Collection[str] | None = None,
    ) -> tuple[Plan, dict[str, object] | None]:
        """Write the packets under ``out_dir`` (None: a dry run) and record them as drafted;
        with ``send``, the mails of email channels go into the outbox in the same commit
        (held for a second moderator's approval when two approvals are required; the
        summary's ``batch`` names them).

        Raises :class:`MissingFields` before anything is written when the agent of record
        is unset or lacks a field one of the notices needs.  ``codes`` and ``recipients``
        narrow it as in :meth:`plan`.
        """
        agent, plan = await self.plan(
            creator,
            platform=platform,
            again=again,
            round=datetime.now(UTC).isoformat() if again else "",
            codes=codes,
            recipients=recipients,
        )
        if plan.missing or agent is None:
            raise MissingFields(plan.missing)
        if out_dir is None:
            return plan, None
        packets = build_packets(plan, agent, self._writer, sender=self._sender, today=today)
        mails = packets.mails
        batch = uuid.uuid4().hex[:12]
        hold = send and self._approvals >= 2 and bool(mails)
        # the files are written (in a thread) while the database records the requests; the
        # records commit only once the files are there
        writing = asyncio.ensure_future(asyncio.to_thread(packets.write, out_dir))
        try:
            await self._store.record_drafted(
                plan.requests,
                mails if send else (),
                batch=batch,
                requested_by=actor,
                hold=hold,
                before_commit=writing,
            )
        finally:
            await asyncio.wait([writing])
        writing.result()  # a failed write raises even when nothing was recorded
        summary = dict(packets.summary)
        summary["batch"] = batch
        summary["held_for_approval"] = len(mails) if hold else 0
        return plan, summary


def _keep_recipients(plan: Plan, agent: AgentOfRecord, recipients: Collection[str]) -> None:
    """Keep only the requests to ``recipients`` (channel ids), and what they need."""
    plan.requests = [r for r in plan.requests if r.channel.id in recipients]
    plan.cases = len({code for r in plan.requests for code in r.case_codes})
    plan.missing = sorted(
        {f"{name} ({r.notice})" for r in plan.requests for name in agent.missing(r.notice)}
    )
