"""One place that builds everything: database, stores, services and handlers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.logsafe import quiet_http_logs
from bots.warmup import settle_heap, warm_fetcher
from core.allowlist import AllowList
from core.escalation.channels import load_channels
from core.escalation.contacts import AbuseContactFinder, RdapClient
from core.escalation.notices import NoticeWriter
from core.escalation.outbox import OutboxSender
from core.escalation.recheck import RecheckService
from core.escalation.recheck_schedule import RecheckSchedule
from core.escalation.removal_markers import RemovalMarkers
from core.escalation.service import EscalationService
from core.escalation.smtp import SmtpTransport
from core.events import CaseChanged, EventBus
from core.intake import IntakeService
from core.media import GuardedFetcher, parse_networks, system_resolver
from core.media.fetcher import Resolver
from core.media.probe import LinkProbe
from core.media.workers import MediaWorkers
from core.media_matching import MediaMatcher
from core.model import ReporterRef
from core.moderation import ModerationService
from core.notify.moderator_alerts import ModeratorAlerts
from core.picture_jobs import PictureJobs
from core.protected_refresh import ProtectedRefresh
from core.ratelimit import ReporterRateLimit
from core.reporter_moderation import ReporterModeration
from core.settings import Settings
from core.urls import default_registry
from db import SqlCaseStore, SqlReportStore, SqlVenueStore, create_engine, is_sqlite, upgrade
from db.abuse_contacts import SqlAbuseContactStore
from db.allowlist import SqlAllowListStore
from db.approvals import SqlBatches
from db.chat_notices import SqlChatNotices
from db.creators import SqlCreatorDirectory
from db.engine import DatabaseUnavailable, describe_database_error
from db.escalation_tracking import SqlEscalationTracker
from db.escalations import SqlEscalationStore
from db.media import SqlMediaStore, signal_from_payload
from db.media_jobs import SqlPictureJobStore
from db.notify import CASES_CHANNEL, MEDIA_CHANNEL, PgListener, new_sender_token
from db.outbox import SqlOutbox
from db.periodic_sends import SqlPeriodicSends
from db.protected import SqlProtectedStore
from db.purged_posts import SqlPurgedPosts
from db.removal_watches import SqlRemovalWatches
from db.reporter_key import ReporterKey, load_reporter_key
from db.retention import SqlRetention
from db.trust import SqlTrustStore
from db.user_settings import SqlUserSettingsStore
from db.web_auth import SqlWebAuth
from handlers import Handlers
from handlers.agent import AgentHandlers
from handlers.alerts import AlertTexts
from handlers.approval import ApprovalHandlers
from handlers.dashboard import DashboardLinks
from handlers.escalation import EscalationHandlers
from handlers.reporters import ReporterHandlers
from handlers.watch import WatchHandlers, removed_notice


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
    dashboard_links: DashboardLinks
    # reporters' removal notices (issue 10): requests, the chat outbox, the opt-in
    watches: SqlRemovalWatches
    chat_notices: SqlChatNotices
    watch_handlers: WatchHandlers
    # overdue escalations and the daily digest for moderator places, sent once per period
    moderator_alerts: ModeratorAlerts
    # a second moderator approves a held bulk send from a chat
    approval_handlers: ApprovalHandlers
    recheck: RecheckService
    recheck_schedule: RecheckSchedule
    listener: PgListener | None = None
    rdap: RdapClient | None = None
    #: the creators' own pictures, as hashes (``leakdesk protect``)
    protected: SqlProtectedStore | None = None
    #: seals reporter ids (db.reporter_key)
    reporter_key: ReporterKey | None = None
    #: purged cases' chat cards, deleted by their adapters
    purged_posts: SqlPurgedPosts | None = None
    #: reporter trust, reputation and suspension (db.trust)
    trust: SqlTrustStore | None = None
    #: the creators' own accounts and sites, never reported (``leakdesk creator allow``)
    allowlist: AllowList | None = None
    allowlist_store: SqlAllowListStore | None = None
    #: learns protected pictures other processes add or remove (``leakdesk protect``)
    protected_refresh: ProtectedRefresh | None = None

    async def drop_purged_media(self) -> int:
        """Drop purged cases' pictures from this process's matcher (adapters call this on
        their periodic pass: a purge may run in another process); how many cases."""
        return self.media.drop_cases(await SqlMediaStore(self.engine).purged_case_ids())

    def mail_sender(self) -> OutboxSender | None:
        """The sender of notice mails, when ``LEAKDESK_SMTP_URL`` is set."""
        if not self.settings.smtp_url:
            return None
        url, settings = self.settings.smtp_url, self.settings
        return OutboxSender(
            self.outbox,
            [SmtpTransport(url) for _ in range(settings.smtp_connections)],
            unrecorded=settings.smtp_unrecorded,
        )

    def start_background(self, *, recheck: bool = True) -> None:
        """Start the long-running work of a bot process: fetching pictures behind links,
        following other processes' protected pictures and (unless ``recheck`` is False)
        rechecking escalated links on a schedule; idempotent."""
        settle_heap()
        self.pictures.start()
        if self.protected_refresh is not None:
            self.protected_refresh.start()
        if recheck:
            self.recheck_schedule.start()

    async def close(self) -> None:
        """Finish pending writes and close the database."""
        if self.allowlist is not None:
            await self.allowlist.flush()  # the counters of turned-away reports
        await self.pictures.stop()
        await self.recheck_schedule.stop()
        if self.protected_refresh is not None:
            await self.protected_refresh.stop()
        if self.listener is not None:
            await self.listener.close()
        await self.reports.close()
        await self.events.drain()
        await self.media.close()
        if self.rdap is not None:
            await self.rdap.aclose()
        await self.engine.dispose()


class ForgettingStore:
    """Erasure that also drops the writer's cached id and the person's stored settings."""

    def __init__(
        self,
        retention: SqlRetention,
        reports: SqlReportStore,
        user_settings: SqlUserSettingsStore | None = None,
        watches: SqlRemovalWatches | None = None,
        rate_limit: ReporterRateLimit | None = None,
        trust: SqlTrustStore | None = None,
    ) -> None:
        self._retention = retention
        self._trust = trust
        self._reports = reports
        self._user_settings = user_settings
        self._watches = watches
        self._rate_limit = rate_limit

    async def forget_reporter(self, reporter: ReporterRef) -> int:
        """Delete everything of ``reporter``: their reporter row (see
        :meth:`SqlRetention.forget_reporter`), settings, open requests and queued notices,
        rate windows; then checkpoint SQLite's write-ahead log. Returns their report count."""
        count = await self._retention.forget_reporter(reporter)
        self._reports.forget_cached(reporter)
        if self._user_settings is not None:
            await self._user_settings.forget(reporter)
        if self._watches is not None:
            await self._watches.forget(reporter)
        if self._rate_limit is not None:
            await self._rate_limit.forget(str(reporter))
        if self._trust is not None:  # a running suspension stays (db.trust)
            await self._trust.forget(reporter)
        await self._retention.checkpoint()
        return count


def _dashboard_base_url() -> str | None:
    """The dashboard's public URL, read when a moderator asks (the web stack loads lazily)."""
    from bots.web.settings import configured_base_url

    return configured_base_url()


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
    quiet_http_logs()  # whatever the entrypoint: request URLs carry leak links
    try:
        reporter_key = await asyncio.to_thread(
            load_reporter_key,
            settings.database_url,
            settings.reporter_key,
            settings.reporter_key_file,
        )
    except Exception as err:  # an unusable database URL: the same one line as upgrade's
        message = describe_database_error(err, settings.database_url)
        if message is None:
            raise
        raise DatabaseUnavailable(message) from None
    if migrate:
        await upgrade(settings.database_url, reporter_key=reporter_key)
    engine = create_engine(settings.database_url)
    events = EventBus()
    sender = new_sender_token()  # signs this process's notifications to the others
    reports = SqlReportStore(
        engine, max_batch=settings.writer_max_batch, sender=sender, reporter_key=reporter_key
    )
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
    protected = SqlProtectedStore(engine)
    protected_refresh = ProtectedRefresh(
        protected, media.protected, settings.protected_refresh_seconds
    )
    await protected_refresh.prime()  # before loading: a change meanwhile is seen next poll
    media.protected.load(await protected.load())
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
    rate_limit = (
        ReporterRateLimit(
            settings.report_rate,
            settings.rate_limit_storage,
            settings.link_rate,
            {
                "place": settings.place_rate,
                "creator": settings.creator_rate,
                "global": settings.global_rate,
            },
        )
        if rate_limited
        else None
    )
    trust = SqlTrustStore(
        engine, settings.trust_policy(), reporter_key, write_gate=reports.write_gate
    )
    creators = SqlCreatorDirectory(engine)
    allowlist_store = SqlAllowListStore(engine)
    allowlist = AllowList(allowlist_store)
    await allowlist.refresh()
    intake = IntakeService(
        reports,
        events=events,
        rate_limit=rate_limit,
        registry=registry,
        media=media,
        protected=cases,
        gate=trust,
        allowlist=allowlist,
    )
    escalations = SqlEscalationStore(engine)
    moderation = ModerationService(cases, events=events, trust=trust, marks=escalations)
    pictures = PictureJobs(
        SqlPictureJobStore(engine, sender=sender, write_gate=reports.write_gate),
        media,
        cases,
        events=events,
        concurrency=settings.picture_job_concurrency,
        item_timeout=max(30.0, settings.fetch_timeout * 4),
        protected=cases,
    )
    retention = SqlRetention(engine, reporter_key)
    user_settings = SqlUserSettingsStore(engine, reporter_key)
    watches = SqlRemovalWatches(engine, reporter_key)
    channels = load_channels(settings.platforms_file)
    rdap = contacts = None
    if settings.rdap_lookups:
        rdap = RdapClient(settings.rdap_base_url, timeout=settings.rdap_timeout)
        contacts = AbuseContactFinder(
            rdap,
            SqlAbuseContactStore(engine),
            resolver=resolver,
            allow_networks=parse_networks(settings.fetch_allow_networks),
            concurrency=settings.rdap_concurrency,
            timeout=settings.rdap_timeout,
            ttl=settings.rdap_cache_hours * 3600,
            failure_ttl=settings.rdap_failure_cache_minutes * 60,
        )
    escalation = EscalationService(
        cases,
        escalations,
        channels,
        NoticeWriter(settings.notice_templates_dir),
        sender=settings.smtp_from,
        approvals=settings.escalation_approvals,
        contacts=contacts,
    )
    tracker = SqlEscalationTracker(
        engine,
        default_deadline_hours=settings.escalation_deadline_hours,
        removed_wording=removed_notice,
    )
    # the link status probe has its own guard instance: it works with picture fetching off
    probe = LinkProbe(
        GuardedFetcher(
            allow_networks=parse_networks(settings.fetch_allow_networks),
            timeout=settings.fetch_timeout,
            resolver=resolver,
        ),
        concurrency=settings.recheck_concurrency,
        per_host=settings.recheck_per_host,
        head_first=settings.recheck_head_first,
    )
    recheck = RecheckService(
        tracker,
        probe,
        RemovalMarkers.load(settings.platforms_file),
        registry,
        cases=cases,
        events=events,
        attempts=settings.recheck_attempts,
        retry_base=settings.recheck_retry_base,
    )
    app = App(
        settings=settings,
        engine=engine,
        events=events,
        reports=reports,
        cases=cases,
        # the configured default creator is the operator's own: venues may bind to it
        venues=SqlVenueStore(
            engine,
            auto_approve=settings.auto_approve_venues,
            operator_creators=(settings.default_creator,),
        ),
        intake=intake,
        moderation=moderation,
        handlers=Handlers(
            intake,
            moderation,
            cases,
            ForgettingStore(retention, reports, user_settings, watches, rate_limit, trust),
            ReporterHandlers(ReporterModeration(trust)),
        ),
        media=media,
        pictures=pictures,
        user_settings=user_settings,
        creators=creators,
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
            languages=creators,
        ),
        agent_handlers=AgentHandlers(escalations, creators),
        dashboard_links=DashboardLinks(SqlWebAuth(engine).mint_link, _dashboard_base_url),
        watches=watches,
        chat_notices=SqlChatNotices(engine),
        watch_handlers=WatchHandlers(watches),
        moderator_alerts=ModeratorAlerts(
            tracker, SqlPeriodicSends(engine), AlertTexts(), languages=creators
        ),
        approval_handlers=ApprovalHandlers(escalations, SqlBatches(engine), languages=creators),
        recheck=recheck,
        recheck_schedule=RecheckSchedule(recheck, settings.recheck_interval_hours),
        listener=listener,
        rdap=rdap,
        protected=protected,
        reporter_key=reporter_key,
        purged_posts=SqlPurgedPosts(engine),
        trust=trust,
        allowlist=allowlist,
        allowlist_store=allowlist_store,
        protected_refresh=protected_refresh,
    )
    app.escalation_handlers.use_mail_sender(app.mail_sender)
    app.approval_handlers.use_mail_sender(app.mail_sender)
    return app
