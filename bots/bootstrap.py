"""One place that builds everything: database, stores, services and handlers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.warmup import settle_heap, warm_fetcher
from core.escalation.channels import load_channels
from core.escalation.notices import NoticeWriter
from core.escalation.outbox import OutboxSender
from core.escalation.service import EscalationService
from core.escalation.smtp import SmtpTransport
from core.events import CaseChanged, EventBus
from core.intake import IntakeService
from core.media import GuardedFetcher, parse_networks, system_resolver
from core.media.fetcher import Resolver
from core.media.workers import MediaWorkers
from core.media_matching import MediaMatcher
from core.model import ReporterRef
from core.moderation import ModerationService
from core.picture_jobs import PictureJobs
from core.ratelimit import ReporterRateLimit
from core.settings import Settings
from core.urls import default_registry
from db import SqlCaseStore, SqlReportStore, SqlVenueStore, create_engine, is_sqlite, upgrade
from db.creators import SqlCreatorDirectory
from db.escalation_tracking import SqlEscalationTracker
from db.escalations import SqlEscalationStore
from db.media import SqlMediaStore, signal_from_payload
from db.media_jobs import SqlPictureJobStore
from db.notify import CASES_CHANNEL, MEDIA_CHANNEL, PgListener, new_sender_token
from db.outbox import SqlOutbox
from db.retention import SqlRetention
from db.user_settings import SqlUserSettingsStore
from handlers import Handlers
from handlers.agent import AgentHandlers
from handlers.escalation import EscalationHandlers


@dataclass
class App:
    """The wired application, shared by every adapter in one process."""

    settings: Settings
    engine: AsyncEngine
    events: EventBus
    reports: SqlReportStore
    cases: SqlCaseStore
    venues: SqlVenueStore
    intake: IntakeService
    moderation: ModerationService
    handlers: Handlers
    media: MediaMatcher
    pictures: PictureJobs
    user_settings: SqlUserSettingsStore
    creators: SqlCreatorDirectory
    escalation: EscalationService
    escalations: SqlEscalationStore
    outbox: SqlOutbox
    tracker: SqlEscalationTracker
    escalation_handlers: EscalationHandlers
    agent_handlers: AgentHandlers
    listener: PgListener | None = None

    def mail_sender(self) -> OutboxSender | None:
        """The sender of notice mails, when ``LEAKDESK_SMTP_URL`` is set."""
        if not self.settings.smtp_url:
            return None
        return OutboxSender(self.outbox, SmtpTransport(self.settings.smtp_url))

    def start_background(self) -> None:
        """Start the long-running work of a bot process: fetching pictures behind links."""
        settle_heap()
        self.pictures.start()

    async def close(self) -> None:
        """Finish pending writes and close the database."""
        await self.pictures.stop()
        if self.listener is not None:
            await self.listener.close()
        await self.reports.close()
        await self.events.drain()
        await self.media.close()
        await self.engine.dispose()


class ForgettingStore:
    """Erasure that also drops the writer's cached id and the person's stored settings."""

    def __init__(
        self,
        retention: SqlRetention,
        reports: SqlReportStore,
        user_settings: SqlUserSettingsStore | None = None,
    ) -> None:
        self._retention = retention
        self._reports = reports
        self._user_settings = user_settings

    async def forget_reporter(self, reporter: ReporterRef) -> int:
        """Unlink ``reporter`` from their reports (see :meth:`SqlRetention.forget_reporter`)."""
        count = await self._retention.forget_reporter(reporter)
        self._reports.forget_cached(reporter)
        if self._user_settings is not None:
            await self._user_settings.forget(reporter)
        return count


async def build_app(
    settings: Settings,
    *,
    migrate: bool = True,
    rate_limited: bool = True,
    resolver: Resolver = system_resolver,
) -> App:
    """Create the engine (upgrading the schema unless ``migrate`` is False) and wire the services.

    ``rate_limited=False`` is for the operator's own CLI (imports), never for chat adapters;
    ``resolver`` replaces DNS for the media fetcher (tests map names to loopback).
    """
    if migrate:
        await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    events = EventBus()
    sender = new_sender_token()  # signs this process's notifications to the others
    reports = SqlReportStore(engine, max_batch=settings.writer_max_batch, sender=sender)
    cases = SqlCaseStore(engine, sender=sender, write_gate=reports.write_gate)
    # links into the allow-listed networks are accepted at intake, as the fetcher reaches them
    registry = default_registry(settings.platforms_file, settings.fetch_allow_networks)
    fetcher = (
        GuardedFetcher(
            allow_networks=parse_networks(settings.fetch_allow_networks),
            max_bytes=settings.fetch_max_bytes,
            timeout=settings.fetch_timeout,
            resolver=resolver,
            concurrency=settings.fetch_concurrency,
            per_host=settings.fetch_per_host,
        )
        if settings.fetch_media
        else None
    )
    if fetcher is not None:  # its first request would import and build this on the loop
        await asyncio.to_thread(warm_fetcher)
    workers = MediaWorkers(
        settings.media_workers,
        timeout=settings.media_timeout,
        memory_mb=settings.media_worker_memory_mb,
    )
    media = MediaMatcher(fetcher, max_pixels=settings.max_pixels, workers=workers)
    media.load(await SqlMediaStore(engine).load())
    listener = None
    if not is_sqlite(settings.database_url):  # other bot processes' new pictures, within a second
        listener = PgListener(settings.database_url, sender)
        listener.on(MEDIA_CHANNEL, lambda data: media.remember(signal_from_payload(data)))
        listener.on(
            CASES_CHANNEL,
            lambda data: events.publish(
                CaseChanged(
                    int(data["case"]),
                    str(data["code"]),
                    str(data["creator"]),
                    bool(data["created"]),
                )
            ),
        )
        await listener.start()
    await reports.start()
    intake = IntakeService(
        reports,
        events=events,
        rate_limit=(
            ReporterRateLimit(
                settings.report_rate, settings.rate_limit_storage, settings.link_rate
            )
            if rate_limited
            else None
        ),
        registry=registry,
        media=media,
    )
    moderation = ModerationService(cases, events=events)
    pictures = PictureJobs(
        SqlPictureJobStore(engine, sender=sender, write_gate=reports.write_gate),
        media,
        cases,
        events=events,
        concurrency=settings.picture_job_concurrency,
        item_timeout=max(30.0, settings.fetch_timeout * 4),
    )
    retention = SqlRetention(engine)
    user_settings = SqlUserSettingsStore(engine)
    escalations = SqlEscalationStore(engine)
    channels = load_channels(settings.platforms_file)
    escalation = EscalationService(
        cases,
        escalations,
        channels,
        NoticeWriter(settings.notice_templates_dir),
        sender=settings.smtp_from,
        approvals=settings.escalation_approvals,
    )
    tracker = SqlEscalationTracker(
        engine, default_deadline_hours=settings.escalation_deadline_hours
    )
    app = App(
        settings=settings,
        engine=engine,
        events=events,
        reports=reports,
        cases=cases,
        venues=SqlVenueStore(engine, auto_approve=settings.auto_approve_venues),
        intake=intake,
        moderation=moderation,
        handlers=Handlers(
            intake, moderation, cases, ForgettingStore(retention, reports, user_settings)
        ),
        media=media,
        pictures=pictures,
        user_settings=user_settings,
        creators=SqlCreatorDirectory(engine),
        escalation=escalation,
        escalations=escalations,
        outbox=SqlOutbox(engine, default_deadline_hours=settings.escalation_deadline_hours),
        tracker=tracker,
        escalation_handlers=EscalationHandlers(
            escalation,
            escalations,
            tracker,
            {c.platform for c in channels},
            packets_dir=settings.packets_dir,
        ),
        agent_handlers=AgentHandlers(escalations),
        listener=listener,
    )
    app.escalation_handlers.use_mail_sender(app.mail_sender)
    return app
