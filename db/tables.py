"""SQLModel tables.  Storage holds URLs, hashes and metadata only: never image bytes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware now (UTC)."""
    return datetime.now(UTC)


class Creator(SQLModel, table=True):
    """A protected person; their moderators act as their agents."""

    __tablename__ = "creators"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    display_name: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    #: the default language of the creator's moderator places (revision 0021); None: English
    language: str | None = Field(default=None, max_length=16)


class Reporter(SQLModel, table=True):
    """A reporter's platform identity; never shown to other users."""

    __tablename__ = "reporters"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    platform_user_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)


class ReporterStanding(SQLModel, table=True):
    """Moderators' decisions about one keyed reporter (trusted, warned, suspended), and the
    account's creation day when the platform tells it (revision 0018).

    Keyed like ``reporters`` by the sealed id (never the account), so a suspension outlives a
    ``/forget`` of the same account; ``reporter-key rotate`` re-keys it.
    """

    __tablename__ = "reporter_standing"
    __table_args__ = (UniqueConstraint("platform", "reporter_key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    reporter_key: str = Field(max_length=128)
    trusted: bool = False
    trusted_by: str | None = Field(default=None, max_length=160)
    warned_at: datetime | None = None
    suspended_until: datetime | None = None
    suspension_reason: str | None = None
    account_created: datetime | None = None
    #: abusive dismissals already answered by a suspension (core.trust.Standing)
    abusive_baseline: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class Case(SQLModel, table=True):
    """One leak, however many times and ways it was reported."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("origin_key", "creator_id"),
        Index("ix_cases_queue", "creator_id", "status", "reporter_count"),
        # the dashboard's queue: keyset pages in each sort order, and host search
        Index("ix_cases_creator_reporters", "creator_id", "reporter_count", "id"),
        Index("ix_cases_creator_first_seen", "creator_id", "first_seen", "id"),
        Index("ix_cases_creator_host", "creator_id", "host"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=16)
    creator_id: int = Field(foreign_key="creators.id")
    origin_key: str = Field(max_length=80)
    status: str = Field(default="open", max_length=16)
    reporter_count: int = 0
    report_count: int = 0
    host: str | None = Field(default=None, max_length=255)
    platform: str | None = Field(default=None, max_length=32)
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=160)
    reason: str | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="cases.id")
    possible_duplicate_of_id: int | None = Field(default=None, foreign_key="cases.id")
    #: a moderator marked the material synthetic (a deepfake): notices word it so
    synthetic: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    #: who decided ``synthetic`` (None: no moderator decided yet; evidence only suggests)
    synthetic_by: str | None = Field(default=None, max_length=160)
    #: a picture of the case matches one of the creator's protected images: how closely
    #: ("exact", "auto" or "possible") and the PDQ distance (the closest match is kept)
    protected_tier: str | None = Field(default=None, max_length=16)
    protected_distance: int | None = None


class Link(SQLModel, table=True):
    """A reported URL exactly as given, with its canonical form and dedupe key."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("key", "creator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    creator_id: int = Field(foreign_key="creators.id")
    url: str
    canonical: str
    key: str = Field(max_length=64)
    key_version: int = 1
    host: str = Field(max_length=255)
    platform: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    """One sighting: a reporter reported one link (or picture) at one time."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_link_reporter", "link_id", "reporter_id"),)
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=160)
    case_id: int = Field(foreign_key="cases.id", index=True)
    link_id: int | None = Field(default=None, foreign_key="links.id")
    reporter_id: int = Field(foreign_key="reporters.id", index=True)
    origin: str = Field(max_length=32)
    note: str = ""
    anonymous: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class CaseReporter(SQLModel, table=True):
    """Distinct reporters of a case (for the corroboration count)."""

    __tablename__ = "case_reporters"
    __table_args__ = (Index("ix_case_reporters_reporter", "reporter_id"),)
    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    reporter_id: int = Field(foreign_key="reporters.id", primary_key=True)


class ModeratorAction(SQLModel, table=True):
    """Append-only audit log of every moderator action."""

    __tablename__ = "moderator_actions"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    moderator: str = Field(max_length=160)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    #: the hash chain (db/audit_hash.py): set by the database's trigger on insert
    seq: int | None = Field(
        default=None, sa_column=Column("seq", BigInteger, index=True, unique=True)
    )
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The audit chain's last link (one row, id 1): its seq and row_hash.

    Appends lock this row (PostgreSQL) or hold SQLite's write lock, so the chain is linear;
    a deleted last row shows as a head that points past the table.
    """

    __tablename__ = "audit_chain_head"
    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_hash: str = Field(max_length=64)


class Escalation(SQLModel, table=True):
    """A removal request for one case to one recipient (a platform's channel).

    drafted -> sent -> acknowledged -> removed / rejected / expired, with timestamps; a
    case is escalated to a recipient once unless a moderator asks again.
    """

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("case_id", "recipient"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    recipient: str = Field(max_length=64)  # a channel id (core/escalation/channels.toml)
    notice_kind: str = Field(max_length=32)
    status: str = Field(default="drafted", max_length=16)
    #: the request (packet) it went out in: stable across retries, the mail's Message-ID
    request_key: str = Field(default="", max_length=40, index=True)
    #: the case's URLs this request listed, one a line (what recheck looks at)
    urls: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    deadline_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    note: str | None = None


class OutboxMessage(SQLModel, table=True):
    """A notice mail committed with its escalation, sent by the outbox sender (never twice
    unless a crash falls between the server's acceptance and the commit that records it)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state", "state", "not_before"),)
    id: int | None = Field(default=None, primary_key=True)
    request_key: str = Field(max_length=40, unique=True)
    recipient: str = Field(max_length=64)
    to_addr: str = Field(max_length=254)
    message: str  # the RFC 5322 message (its Message-ID is kept on a resend)
    #: held (waiting for a second moderator), pending, sending, sent, failed
    state: str = Field(default="pending", max_length=16)
    #: one bulk escalation's mails share a batch; who asked for the send, and who approved it
    batch: str = Field(default="", max_length=40, index=True)
    requested_by: str | None = Field(default=None, max_length=160)
    approved_by: str | None = Field(default=None, max_length=160)
    attempts: int = 0
    not_before: float = 0.0
    lease_until: float = 0.0
    claim: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class AgentOfRecord(SQLModel, table=True):
    """Who signs a creator's removal requests (the creator or an authorised agent)."""

    __tablename__ = "agents"
    creator_id: int = Field(foreign_key="creators.id", primary_key=True)
    signer: str = Field(max_length=200)
    email: str = Field(max_length=254)
    address: str = ""
    phone: str = Field(default="", max_length=64)
    jurisdiction: str = Field(default="", max_length=16)
    agent_of: str = Field(default="", max_length=200)
    authority: str = ""
    owns_content: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class Venue(SQLModel, table=True):
    """A Discord server or Telegram group bound to a creator, with its moderator place."""

    __tablename__ = "venues"
    __table_args__ = (UniqueConstraint("platform", "venue_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    venue_id: str = Field(max_length=64)
    creator_id: int = Field(foreign_key="creators.id")
    mod_channel_id: str | None = Field(default=None, max_length=64)
    mod_role_id: str | None = Field(default=None, max_length=64)
    delete_reported: bool = False
    is_mod_venue: bool = False
    #: an operator confirmed this place may see the creator's cases (links included)
    approved: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class CasePost(SQLModel, table=True):
    """Where a case was announced to moderators, so the message is edited, never re-sent."""

    __tablename__ = "case_posts"
    __table_args__ = (UniqueConstraint("case_id", "platform", "channel_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    platform: str = Field(max_length=32)
    channel_id: str = Field(max_length=64)
    message_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class MediaSignal(SQLModel, table=True):
    """Hashes of one frame of a reported picture (never its bytes); videos have sha256 only."""

    __tablename__ = "media_signals"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    creator_id: int = Field(foreign_key="creators.id")
    sha256: str = Field(max_length=64, index=True)
    frame: int = 0
    #: which view of the frame (core.media.views.View: 0 the frame, 1 its centred 70 %,
    #: 2 the colour channels of a transparent picture)
    view: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    phash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    pdq: str | None = Field(default=None, max_length=64)
    pdq_quality: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class ProtectedPicture(SQLModel, table=True):
    """One of a creator's own pictures, known by its hashes only (never its bytes)."""

    __tablename__ = "protected_pictures"
    __table_args__ = (UniqueConstraint("creator_id", "sha256"),)
    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id")
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ProtectedHash(SQLModel, table=True):
    """pHash and PDQ of one stored view of one frame of a protected picture."""

    __tablename__ = "protected_hashes"
    id: int | None = Field(default=None, primary_key=True)
    picture_id: int = Field(foreign_key="protected_pictures.id", index=True)
    frame: int = 0
    view: int = 0
    phash: int = Field(sa_column=Column(BigInteger, nullable=False))
    pdq: str = Field(max_length=64)
    pdq_quality: int = 0


class CaseProvenance(SQLModel, table=True):
    """One piece of provenance evidence read from a picture of a case (never image data)."""

    __tablename__ = "case_provenance"
    __table_args__ = (UniqueConstraint("case_id", "kind", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=32)
    #: a short, escaped description (at most a short excerpt of a prompt)
    value: str = Field(max_length=200)
    confidence: str = Field(max_length=8)
    validated: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class MediaJob(SQLModel, table=True):
    """The picture behind a newly reported link, to be fetched and hashed after the commit.

    One row per link (so nothing is fetched twice); a link committed without a row is
    pending too, so a crash between the report and its job loses nothing. Times are
    epoch seconds (portable comparisons on SQLite and PostgreSQL).
    """

    __tablename__ = "media_jobs"
    __table_args__ = (Index("ix_media_jobs_state", "state", "not_before"),)
    link_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("links.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    #: pending, running, done, failed or skipped
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    not_before: float = 0.0
    lease_until: float = 0.0
    claim: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, max_length=300)
    #: the case the picture matched (joined or "possible duplicate"), and how far (PDQ bits)
    matched_case_id: int | None = None
    matched_by: str | None = Field(default=None, max_length=16)
    distance: int | None = None
    updated_at: float = 0.0


class UserSetting(SQLModel, table=True):
    """A fan's choices in a chat with one bot (deep-link creator, anonymous), kept over restarts."""

    __tablename__ = "user_settings"
    platform: str = Field(primary_key=True, max_length=32)
    #: the bot the choice was made with (one database may serve several bots)
    scope: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=128)
    creator: str | None = Field(default=None, max_length=64)
    anonymous: bool = False
    updated_at: datetime = Field(default_factory=utcnow)
    #: the language chosen with /language (revision 0021); None: the app's language
    language: str | None = Field(default=None, max_length=16)


# --- removal notices to reporters, moderator alerts and digests (revision 0010) ---


class RemovalWatch(SQLModel, table=True):
    """A reporter asked to be told when a case is down.

    The platform user id is kept only while the request is open (never for an anonymous
    report); closing the request drops it.
    """

    __tablename__ = "removal_watches"
    __table_args__ = (Index("ix_removal_watches_case", "case_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    #: the adapter the reporter used (discord, telegram, console)
    platform: str = Field(max_length=32)
    user_id: str | None = Field(default=None, max_length=128)
    #: open, or closed (told, or the reporter was forgotten)
    state: str = Field(default="open", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    #: the reporter's language when they asked (revision 0023); None: English
    language: str | None = Field(default=None, max_length=16)


class ChatNotice(SQLModel, table=True):
    """A message to one chat user, committed with its cause and sent once by the running
    adapter of its platform (an outbox; the user id is dropped once it is sent)."""

    __tablename__ = "chat_notices"
    __table_args__ = (Index("ix_chat_notices_due", "platform", "state", "not_before"),)
    id: int | None = Field(default=None, primary_key=True)
    #: what it is about, unique: e.g. ``removed:<watch id>`` (queued once)
    key: str = Field(max_length=80, unique=True)
    platform: str = Field(max_length=32)
    user_id: str | None = Field(default=None, max_length=128)
    text: str
    #: pending, sending, sent, failed
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    not_before: float = 0.0
    lease_until: float = 0.0
    claim: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class PeriodicSend(SQLModel, table=True):
    """One digest or overdue alert sent to one place: a row claims it, so several bot
    processes send it once per period."""

    __tablename__ = "periodic_sends"
    id: int | None = Field(default=None, primary_key=True)
    #: e.g. ``digest:discord:<channel>:2026-11-28`` or ``overdue:telegram:<chat>:<escalation>``
    key: str = Field(max_length=160, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class AbuseContactRow(SQLModel, table=True):
    """The abuse contact found for a host without a known channel (RDAP), until it expires.

    Times are epoch seconds (portable comparisons on SQLite and PostgreSQL); ``error`` set
    means the lookup failed, and such a row expires sooner.
    """

    __tablename__ = "abuse_contacts"
    host: str = Field(primary_key=True, max_length=253)
    address: str = Field(default="", max_length=45)
    cdn: str = Field(default="", max_length=64)
    cdn_channel: str = Field(default="", max_length=64)
    registrar: str = Field(default="", max_length=200)
    registrar_email: str = Field(default="", max_length=254)
    network: str = Field(default="", max_length=200)
    network_email: str = Field(default="", max_length=254)
    country: str = Field(default="", max_length=8)
    source: str = Field(default="", max_length=300)
    error: str = Field(default="", max_length=300)
    looked_up_at: float = 0.0
    expires_at: float = Field(default=0.0, index=True)


class WebLink(SQLModel, table=True):
    """A one-time sign-in link for the dashboard: only the token's hash is kept."""

    __tablename__ = "web_links"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    #: the moderator as the chat adapters name them (``platform:user_id``)
    moderator: str = Field(max_length=160)
    creator_id: int = Field(foreign_key="creators.id")
    created_at: datetime = Field(default_factory=utcnow)
    #: epoch seconds (portable comparisons on SQLite and PostgreSQL)
    expires_at: float = 0.0
    used_at: float | None = None


class WebSession(SQLModel, table=True):
    """A dashboard session opened by a one-time link: only the cookie's hash is kept."""

    __tablename__ = "web_sessions"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    moderator: str = Field(max_length=160, index=True)
    creator_id: int = Field(foreign_key="creators.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: float = 0.0
    revoked_at: float | None = None


class PurgedPost(SQLModel, table=True):
    """A moderators' card of a purged case, still to be deleted by its adapter."""

    __tablename__ = "purged_posts"
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32, index=True)
    channel_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class AllowedPage(SQLModel, table=True):
    """One of a creator's own accounts or sites: never reported (issue 11, the allow-list).

    ``canonical``/``key`` are the entry's canonical link and its dedupe key; ``host`` and
    ``path_prefix`` (lower-case, no trailing slash; empty for a whole site) match the pages
    under it.  ``hits`` counts the reports turned away by it (nothing else of them is kept).
    """

    __tablename__ = "allowed_pages"
    __table_args__ = (UniqueConstraint("creator_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id")
    canonical: str = Field(max_length=2048)
    key: str = Field(max_length=64)
    host: str = Field(max_length=255)
    path_prefix: str = Field(max_length=2048)
    hits: int = 0
    created_at: datetime = Field(default_factory=utcnow)


metadata = SQLModel.metadata

# Core tables, for the statements of db/ (SQLAlchemy Core on the hot paths)
creators_t = Creator.__table__
reporters_t = Reporter.__table__
standing_t = ReporterStanding.__table__
cases_t = Case.__table__
links_t = Link.__table__
reports_t = Report.__table__
case_reporters_t = CaseReporter.__table__
actions_t = ModeratorAction.__table__
audit_head_t = AuditChainHead.__table__
escalations_t = Escalation.__table__
agents_t = AgentOfRecord.__table__
outbox_t = OutboxMessage.__table__
venues_t = Venue.__table__
posts_t = CasePost.__table__
media_t = MediaSignal.__table__
protected_pictures_t = ProtectedPicture.__table__
protected_hashes_t = ProtectedHash.__table__
case_provenance_t = CaseProvenance.__table__
media_jobs_t = MediaJob.__table__
user_settings_t = UserSetting.__table__
removal_watches_t = RemovalWatch.__table__
chat_notices_t = ChatNotice.__table__
periodic_sends_t = PeriodicSend.__table__
abuse_contacts_t = AbuseContactRow.__table__
web_links_t = WebLink.__table__
web_sessions_t = WebSession.__table__
purged_posts_t = PurgedPost.__table__
allowed_pages_t = AllowedPage.__table__
