"""Typed settings, read once at start-up by an entrypoint and passed in (never read by core)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

from core.trust import TrustPolicy

#: database URL schemes without a driver, and the driver leakdesk uses for each
PLAIN_DATABASE_SCHEMES = {
    "sqlite://": "sqlite+aiosqlite://",
    "postgresql://": "postgresql+asyncpg://",
    "postgres://": "postgresql+asyncpg://",
}


class Settings(BaseSettings):
    """leakdesk's configuration: ``LEAKDESK_*`` environment variables, then ``leakdesk.toml``."""

    model_config = SettingsConfigDict(
        env_prefix="LEAKDESK_", toml_file="leakdesk.toml", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///leakdesk.db"
    default_creator: str = "default"
    platforms_file: str | None = None

    # abuse limits per fan (moderators and the operator's CLI are not limited): reports (one
    # message, however many links it holds) and the links and pictures in them
    report_rate: str = Field(default="10/minute;100/hour", description="limits-style rate string")
    link_rate: str = Field(default="200/hour", description="limits-style rate string")
    # reports (messages) per server or group, per creator and overall, whoever sends them:
    # a flood from many accounts. Sized for a leak wave: 400 fans who all report twice in the
    # same minute in one server pass with room to spare ("" turns a scope off)
    place_rate: str = Field(
        default="1000/minute;10000/hour", description="limits-style rate string"
    )
    creator_rate: str = Field(
        default="2000/minute;30000/hour", description="limits-style rate string"
    )
    global_rate: str = Field(
        default="6000/minute;200000/hour", description="limits-style rate string"
    )
    # where the rate windows live: "memory://" (this process) or "redis://host:6379" (shared
    # by every bot process; reports go through, with a warning, while it is unreachable)
    rate_limit_storage: str = "memory://"

    # media fetching and hashing
    fetch_allow_networks: str = ""  # CIDRs, comma-separated, exempt from the SSRF guard
    fetch_max_bytes: int = 25_000_000
    fetch_timeout: float = 10.0
    fetch_media: bool = True
    max_pixels: int = 50_000_000
    # pictures behind reported links are fetched after the commit by this many tasks at once
    picture_job_concurrency: int = 8
    # worker processes that decode, hash and parse pages; per item a time budget (seconds)
    # and an address-space budget (MB)
    media_workers: int = 2
    media_timeout: float = 20.0
    media_worker_memory_mb: int = 1024
    # fetches at once, in total and per host of the reported link
    fetch_concurrency: int = 16
    fetch_per_host: int = 4

    # links, notes, hashes and reporter ids of dismissed/merged cases are purged after this
    retention_days: int = 90
    # moderators' chat cards of dismissed/merged cases are deleted after this (default:
    # retention_days); reporter ids with no report newer than this are unlinked from their
    # reports, whatever the case's state (default: never, only with the purged evidence)
    retention_posts_days: int | None = Field(default=None, ge=0)
    retention_reporter_days: int | None = Field(default=None, ge=0)

    # reporter trust (core/trust.py): a first-time reporter's report, and one from an account
    # younger than trust_new_account_days (when the platform tells: Discord does, Telegram
    # does not), count for this much; a case with this many weighted ("independent")
    # reporters, or one trusted reporter, is in the trusted part of the queue; a reporter
    # with at least trust_reporter_min_confirmed confirmed cases and at most this share
    # dismissed becomes trusted
    trust_first_report_weight: float = Field(default=0.5, ge=0, le=1)
    trust_new_account_weight: float = Field(default=0.5, ge=0, le=1)
    trust_new_account_days: int = Field(default=30, ge=0)
    trust_case_threshold: float = Field(default=3.0, gt=0)
    trust_reporter_min_confirmed: int = Field(default=3, ge=1)
    trust_reporter_max_dismissed_share: float = Field(default=0.25, ge=0, le=1)
    # suspension of notifiers who abuse the system (DSA Art. 23): a warning after this many
    # cases dismissed as "abusive…"/"false report…", a suspension of suspend_days after
    # suspend_after_abusive (when confirmed cases are at most this share of the two)
    suspend_warn_after_abusive: int = Field(default=2, ge=1)
    suspend_after_abusive: int = Field(default=3, ge=1)
    suspend_max_confirmed_share: float = Field(default=0.25, ge=0, le=1)
    suspend_days: int = Field(default=30, ge=1)

    # sealed reporter ids (db/reporter_key.py): the secrets, oldest first, comma-separated;
    # unset: a key file generated once (next to the SQLite file, or leakdesk-reporter.key)
    reporter_key: str | None = None
    reporter_key_file: str | None = None

    # new moderator channels/groups may see cases only once an operator approves them;
    # true approves every binding at once (a single-community deployment, tests)
    auto_approve_venues: bool = False

    # escalation: your own notice templates (same file names as core/escalation/templates)
    notice_templates_dir: str | None = None
    # notices sent by mail: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465
    smtp_url: str | None = None
    # the From address of notices sent by mail
    smtp_from: str = ""
    # connections the outbox sender keeps open to the mail server (that many mails at once)
    smtp_connections: int = Field(default=4, ge=1, le=32)
    # accepted mails a connection may have waiting to be recorded as sent while it sends on:
    # a crash repeats at most smtp_connections * smtp_unrecorded mails, each with its Message-ID
    smtp_unrecorded: int = Field(default=1, ge=1, le=100)
    # how long a platform has to act on a request other than TAKE IT DOWN's (48 h by law)
    escalation_deadline_hours: float = 168.0
    # 2: every bulk send waits for a second moderator's approval (the audit log names both)
    escalation_approvals: int = 1
    # recheck of escalated links: `leakdesk run` does it every this many hours (0: never)
    recheck_interval_hours: float = 6.0
    # probes at once in total, requests at once to one host, attempts per link (with backoff
    # from recheck_retry_base seconds) before a timeout or dead host counts
    recheck_concurrency: int = 64
    recheck_per_host: int = 4
    recheck_attempts: int = 3
    recheck_retry_base: float = 2.0
    # HEAD first (GET only for a live page's first KB): politer, two requests per live link
    recheck_head_first: bool = False
    # where /escalate in the chat adapters writes its packets: <packets_dir>/<creator>/<time>
    packets_dir: str = "packets"
    # how often a running bot looks for protected pictures added or removed by another
    # process (`leakdesk protect add|import|remove`), seconds (0: only at start)
    protected_refresh_seconds: float = 10.0
    # how often a running bot sends queued chat notices (reporters' "it's down"), seconds
    chat_notice_seconds: float = 30.0
    # how often a running bot checks for overdue escalations and the daily digest, seconds
    moderator_alert_seconds: float = 300.0

    # abuse contacts of hosts without a known channel (RDAP), looked up before escalating
    rdap_lookups: bool = True
    # one RDAP server for every query (an operator's mirror) instead of the IANA bootstrap
    rdap_base_url: str | None = None
    rdap_timeout: float = 10.0
    # hosts looked up at once
    rdap_concurrency: int = 8
    # how long a found contact is kept, and a failed lookup
    rdap_cache_hours: float = 168.0
    rdap_failure_cache_minutes: float = 60.0

    # group-commit writer
    writer_max_batch: int = 256

    # adapters
    discord_token: str | None = None
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    # Telegram user ids (comma-separated) who may act in a bound moderator group besides its admins
    telegram_moderators: str = ""

    def trust_policy(self) -> TrustPolicy:
        """The reporter trust thresholds as :class:`core.trust.TrustPolicy`."""
        return TrustPolicy(
            first_report_weight=self.trust_first_report_weight,
            new_account_weight=self.trust_new_account_weight,
            new_account_days=self.trust_new_account_days,
            case_threshold=self.trust_case_threshold,
            reporter_min_confirmed=self.trust_reporter_min_confirmed,
            reporter_max_dismissed_share=self.trust_reporter_max_dismissed_share,
            warn_after_abusive=self.suspend_warn_after_abusive,
            suspend_after_abusive=self.suspend_after_abusive,
            suspend_max_confirmed_share=self.suspend_max_confirmed_share,
            suspend_days=self.suspend_days,
        )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """``sqlite://…`` and ``postgres(ql)://…``, as other tools write them, get the async
        drivers leakdesk runs on (aiosqlite, asyncpg); an explicit driver is kept."""
        value = value.strip()
        for plain, driver in PLAIN_DATABASE_SCHEMES.items():
            if value.startswith(plain):
                return driver + value[len(plain) :]
        return value

    @field_validator("report_rate", "link_rate", "place_rate", "creator_rate", "global_rate")
    @classmethod
    def _rate_string(cls, value: str) -> str:
        """A ``limits`` rate string (``10/minute;100/hour``), or empty for no limit."""
        value = value.strip()
        if value:
            from limits import parse_many

            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    f"not a rate: {value!r} (write it like 10/minute;100/hour)"
                ) from None
        return value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):  # type: ignore[no-untyped-def]
        """Order: explicit arguments, environment, ``leakdesk.toml``."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))
