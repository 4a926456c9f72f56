"""``leakdesk doctor``'s checks: settings, tokens, database and schema, SMTP, moderator channels.

Each check says in plain words what it found and, when something is wrong, what to do.
Tokens are checked by their shape here; :mod:`bots.doctor_channels` signs in with them to
check the bot's rights in the moderator channels (skipped with ``--offline``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from core.settings import Settings

#: a bot token: three base64url parts (the bot's id, a timestamp, an HMAC)
DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
#: BotFather's tokens: the bot's numeric id, a colon, 35 characters
TELEGRAM_TOKEN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
SMTP_TIMEOUT = 10.0
#: how a database finding starts when the database answered (its tables can be read)
REACHABLE = "reachable"


@dataclass(frozen=True)
class Finding:
    """One check's result: ``level`` is ok, warn (works, but look at it) or fail."""

    name: str
    level: str
    text: str
    fix: str = ""


def check_tokens(settings: Settings) -> list[Finding]:
    """The chat tokens' shapes (no network call)."""
    found = []
    for name, token, pattern, variable in (
        ("Discord token", settings.discord_token, DISCORD_TOKEN, "LEAKDESK_DISCORD_TOKEN"),
        ("Telegram token", settings.telegram_token, TELEGRAM_TOKEN, "LEAKDESK_TELEGRAM_TOKEN"),
    ):
        if not token:
            continue
        if pattern.match(token.strip()):
            found.append(Finding(name, "ok", "looks like a bot token"))
        else:
            found.append(
                Finding(
                    name,
                    "fail",
                    "does not look like a bot token",
                    f"copy {variable} again from the developer portal or BotFather, whole",
                )
            )
    if not found:
        found.append(
            Finding(
                "Chat adapters",
                "warn",
                "no Discord or Telegram token is set: only the CLI and the dashboard will run",
                "set LEAKDESK_DISCORD_TOKEN and/or LEAKDESK_TELEGRAM_TOKEN",
            )
        )
    return found


async def check_database(settings: Settings) -> Finding:
    """The database answers, and its schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from db.engine import DatabaseUnavailable, create_engine, describe_database_error
    from db.migrate import alembic_config

    url = settings.database_url
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    missing = _missing_sqlite_file(url)
    if missing:
        return Finding(
            "Database", "fail", f"no database file at {missing}",
            "run: leakdesk db upgrade (or fix LEAKDESK_DATABASE_URL)",
        )  # fmt: skip
    try:
        engine = create_engine(url)
    except DatabaseUnavailable as err:
        return Finding("Database", "fail", str(err), "fix LEAKDESK_DATABASE_URL")

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    try:
        async with engine.connect() as conn:
            revision = await conn.run_sync(current)
    except Exception as err:
        message = describe_database_error(err, url) or f"{type(err).__name__}: {err}"
        return Finding(
            "Database", "fail", f"cannot be reached: {message}",
            "start the database, or fix LEAKDESK_DATABASE_URL",
        )  # fmt: skip
    finally:
        await engine.dispose()
    if revision is None:
        return Finding(
            "Database", "fail", "answers, but is empty (no tables yet)", "run: leakdesk db upgrade"
        )
    if revision != head:
        return Finding(
            "Database", "fail", f"{REACHABLE}, schema at {revision}, not at {head}",
            "run: leakdesk db upgrade",
        )  # fmt: skip
    return Finding("Database", "ok", f"reachable, schema at head ({head})")


async def check_link_keys(settings: Settings) -> Finding:
    """Links stored under older link rules (``links.key_version``): a new report of one may
    open a second case until ``leakdesk db rekey-links`` gives them their current key."""
    from sqlalchemy import func, select

    from core.urls import CANONICAL_VERSION
    from db.engine import create_engine
    from db.tables import links_t

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            old = (
                await conn.execute(
                    select(func.count()).where(links_t.c.key_version < CANONICAL_VERSION)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    if not old:
        return Finding(
            "Links", "ok", f"all keyed under the current link rules ({CANONICAL_VERSION})"
        )
    return Finding(
        "Links", "warn",
        f"{old} link(s) keyed under older link rules: a new report of one of them may open a"
        " second case",
        "run: leakdesk db rekey-links (safe beside running bots; it lists links it cannot re-key)",
    )  # fmt: skip


async def check_smtp(settings: Settings) -> Finding:
    """The mail server answers (and takes the login) when LEAKDESK_SMTP_URL is set."""
    import aiosmtplib

    if not settings.smtp_url:
        return Finding(
            "SMTP", "warn", "not set: notices to email channels stay in their packets",
            "set LEAKDESK_SMTP_URL=smtp://user:pass@host:587 to send them",
        )  # fmt: skip
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return Finding(
            "SMTP", "fail", "LEAKDESK_SMTP_URL is not an smtp:// or smtps:// URL",
            "write it as smtp://user:pass@host:587",
        )  # fmt: skip
    tls = parts.scheme == "smtps"
    port = parts.port or (465 if tls else 587)
    where = f"{parts.hostname}:{port}"
    client = aiosmtplib.SMTP(
        hostname=parts.hostname, port=port, use_tls=tls, start_tls=None if not tls else False,
        timeout=SMTP_TIMEOUT,
    )  # fmt: skip
    try:
        await client.connect()
        if parts.username:
            await client.login(unquote(parts.username), unquote(parts.password or ""))
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError:
        client.close()
        return Finding(
            "SMTP", "fail", f"{where} refused the user name or password",
            "fix the user and password in LEAKDESK_SMTP_URL",
        )  # fmt: skip
    except (aiosmtplib.SMTPException, OSError) as err:
        client.close()
        return Finding(
            "SMTP", "fail", f"cannot talk to {where}: {type(err).__name__}",
            "check the host and port in LEAKDESK_SMTP_URL, and that the server is up",
        )  # fmt: skip
    if not settings.smtp_from:
        return Finding(
            "SMTP", "warn", f"{where} answers, but LEAKDESK_SMTP_FROM is empty",
            "set LEAKDESK_SMTP_FROM to the address notices come from",
        )  # fmt: skip
    return Finding(
        "SMTP", "ok", f"{where} answers" + (" and took the login" if parts.username else "")
    )


async def check_moderator_channels(settings: Settings) -> list[Finding]:
    """Every creator has an approved moderator channel on a configured chat platform."""
    from sqlalchemy import select

    from db.engine import create_engine
    from db.tables import creators_t
    from db.venues import SqlVenueStore

    tokens = (("discord", settings.discord_token), ("telegram", settings.telegram_token))
    platforms = [platform for platform, token in tokens if token]
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            creators = list((await conn.execute(select(creators_t.c.slug))).scalars())
        venues = await SqlVenueStore(engine).all()
    except Exception:
        return [Finding("Moderator channels", "fail", "cannot be read (see Database above)")]
    finally:
        await engine.dispose()
    if not creators:
        return [Finding(
            "Moderator channels", "warn", "no creator yet",
            "add one: leakdesk creator set SLUG --signer … --email …",
        )]  # fmt: skip
    found = []
    for creator in sorted(creators):
        mine = [v for v in venues if v.creator == creator and v.mod_channel_id]
        approved = [v for v in mine if v.approved and v.platform in platforms]
        if approved:
            where = ", ".join(sorted(f"{v.platform} {v.mod_channel_id}" for v in approved))
            found.append(Finding(f"Moderators of {creator}", "ok", f"channel(s): {where}"))
        elif mine:
            found.append(Finding(
                f"Moderators of {creator}", "fail",
                "their channel is not approved, or its platform has no token",
                "run: leakdesk venues approve PLATFORM VENUE_ID (and set that platform's token)",
            ))  # fmt: skip
        else:
            found.append(Finding(
                f"Moderators of {creator}", "fail", "no moderator channel is bound",
                "run /leakdesk setup in the Discord server, or /bind in the Telegram moderator"
                " group, then `leakdesk venues approve`",
            ))  # fmt: skip
    return found


async def run_checks(settings: Settings, *, online: bool = True) -> list[Finding]:
    """Every check, in the order they are printed.

    ``online``: also sign in to Discord and Telegram with the tokens (those that look right)
    to check the bot's rights in every bound moderator channel (:mod:`bots.doctor_channels`).
    """
    findings = [Finding("Settings", "ok", f"loaded (database {_redacted(settings.database_url)})")]
    tokens = check_tokens(settings)
    findings += tokens
    database = await check_database(settings)
    findings.append(database)
    if database.level == "ok":
        findings.append(await check_link_keys(settings))
    findings.append(await check_smtp(settings))
    if database.level == "ok" or database.text.startswith(REACHABLE):
        findings += await check_moderator_channels(settings)
        if online:
            from bots.doctor_channels import check_channel_permissions

            bad = {f.name for f in tokens if f.level == "fail"}
            usable = settings.model_copy(
                update={
                    "discord_token": None if "Discord token" in bad else settings.discord_token,
                    "telegram_token": None if "Telegram token" in bad else settings.telegram_token,
                }
            )
            findings += await check_channel_permissions(usable)
    return findings


def _missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite database file that does not exist (connecting would create it)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return None
    path = parsed.database
    if not parsed.drivername.startswith("sqlite") or not path or path == ":memory:":
        return None
    return None if Path(path).exists() else path


def _redacted(url: str) -> str:
    """A database URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
