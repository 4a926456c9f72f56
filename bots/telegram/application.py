"""Build, start and run the PTB Application: long polling by default, a webhook when configured."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
)
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, Defaults

from bots.bootstrap import App, build_app
from bots.logsafe import quiet_http_logs, redact_handlers
from bots.telegram.announcer import Announcer
from bots.telegram.buttons import ButtonHandlers
from bots.telegram.deps import DEPS_KEY, Deps, PTBApplication, deps_of
from bots.telegram.errors import on_error
from bots.telegram.escalation import EscalationButtons
from bots.telegram.fan_handlers import FanHandlers
from bots.telegram.group_handlers import GroupHandlers
from bots.telegram.moderator_alerts import ModeratorAlertLoop
from bots.telegram.moderator_handlers import ModeratorHandlers
from bots.telegram.watch import NoticeDelivery, WatchButtons
from core.settings import Settings
from handlers.i18n import LANGUAGES, N_, SOURCE, Texts

log = logging.getLogger(__name__)

#: where the removal-notice delivery (issue 10) is kept in ``bot_data``
NOTICES_KEY = "leakdesk_notices"
#: where the overdue / digest loop (issue 10) is kept in ``bot_data``
ALERTS_KEY = "leakdesk_alerts"

PRIVATE_COMMANDS = [
    BotCommand("start", N_("how to report")),
    BotCommand("status", N_("where a case stands")),
    BotCommand("privacy", N_("what is kept and who sees it")),
    BotCommand("anonymous", N_("hide your account from moderators (on|off)")),
    BotCommand("forget", N_("delete what ties you to your reports")),
    BotCommand("language", N_("choose the language I answer in")),
    BotCommand("help", N_("how to use the bot")),
]
GROUP_COMMANDS = [
    BotCommand("report", N_("reply to a message to report it")),
    BotCommand("help", N_("how to use the bot")),
]
#: the menu of group admins (in a moderator group they are its moderators): theirs and the fans'
MODERATOR_COMMANDS = [
    *GROUP_COMMANDS,
    BotCommand("queue", N_("moderators: the case queue")),
    BotCommand("show", N_("moderators: one case with its links and notes")),
    BotCommand("claim", N_("moderators: take a case")),
    BotCommand("confirm", N_("moderators: confirm a case")),
    BotCommand("dismiss", N_("moderators: dismiss a case, with a reason")),
    BotCommand("reopen", N_("moderators: reopen a dismissed case")),
    BotCommand("merge", N_("moderators: merge a case into another")),
    BotCommand("synthetic", N_("moderators: is a case's material AI-generated? (yes|no)")),
    BotCommand("reporters", N_("moderators: who reported a case (pseudonyms only)")),
    BotCommand("suspend", N_("moderators: suspend a case's reporter (pseudonym or all)")),
    BotCommand("unsuspend", N_("moderators: lift a reporter's suspension")),
    BotCommand("trust", N_("moderators: mark a reporter trusted")),
    BotCommand("untrust", N_("moderators: take back a reporter's trust")),
    BotCommand("escalate", N_("moderators: send removal requests")),
    BotCommand("agent", N_("moderators: who signs the notices")),
    BotCommand("dashboard", N_("moderators: a private sign-in link to the dashboard")),
    BotCommand("bind", N_("make this group a creator's moderator group")),
]
#: each menu and where Telegram shows it
MENUS = (
    (PRIVATE_COMMANDS, BotCommandScopeAllPrivateChats()),
    (GROUP_COMMANDS, BotCommandScopeAllGroupChats()),
    (MODERATOR_COMMANDS, BotCommandScopeAllChatAdministrators()),
)


def language_code(lang: str) -> str:
    """Telegram's two-letter ``language_code`` for one of our catalogs (``pt_BR`` → ``pt``)."""
    return lang.split("_", 1)[0]


def localized_commands(commands: list[BotCommand], lang: str) -> list[BotCommand]:
    """``commands`` with their descriptions in ``lang`` (command names stay as they are:
    Telegram allows only a-z, 0-9 and _ in them)."""
    t = Texts(lang)
    return [BotCommand(c.command, t(c.description)) for c in commands]


def file_url_for(api_url: str) -> str:
    """The file download URL that matches a Bot API URL (``…/bot`` → ``…/file/bot``)."""
    head, sep, tail = api_url.rpartition("/bot")
    if not sep:
        return api_url.rstrip("/") + "/file/bot"
    return f"{head}/file/bot{tail}"


def webhook_secret(token: str) -> str:
    """A secret Telegram sends with each webhook call; derived from the token so every
    process of one bot agrees on it."""
    return hashlib.sha256(f"leakdesk-webhook:{token}".encode()).hexdigest()


def create_application(settings: Settings, app: App) -> PTBApplication:
    """The PTB Application with every leakdesk handler; built, not started."""
    if not settings.telegram_token:
        raise ValueError("settings.telegram_token is not set")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url or file_url_for(settings.telegram_api_url))
        .rate_limiter(AIORateLimiter(max_retries=2))
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(True)
        .build()
    )
    announcer = Announcer(app, application.bot)
    deps = Deps(app=app, settings=settings, announcer=announcer)
    application.bot_data[DEPS_KEY] = deps
    app.events.subscribe(announcer.on_case_changed)
    fans = FanHandlers(deps)
    for group in (
        fans,
        GroupHandlers(deps),
        ModeratorHandlers(deps),
        ButtonHandlers(deps),
        EscalationButtons(deps),
        WatchButtons(deps),
    ):
        application.add_handlers(group.handlers())
    application.add_handler(fans.fallback())
    application.add_error_handler(on_error)
    application.bot_data[NOTICES_KEY] = NoticeDelivery(deps, application.bot)
    application.bot_data[ALERTS_KEY] = ModeratorAlertLoop(deps, application.bot)
    return application


async def _set_commands(application: PTBApplication) -> None:
    try:
        bot = application.bot
        for commands, scope in MENUS:
            await bot.set_my_commands(commands, scope=scope)
        for lang in LANGUAGES:  # one menu per app language (the default above is English)
            if lang == SOURCE:
                continue
            for commands, scope in MENUS:
                await bot.set_my_commands(
                    localized_commands(commands, lang),
                    scope=scope,
                    language_code=language_code(lang),
                )
    except TelegramError as err:
        log.warning("could not set the command menu: %s", type(err).__name__)


@contextlib.asynccontextmanager
async def started(
    application: PTBApplication,
    *,
    poll_timeout: float = 10.0,
) -> AsyncIterator[PTBApplication]:
    """Initialize (getMe), start, and receive updates until the block exits; then stop,
    letting pending case announcements finish while the bot can still send them.

    Raises :class:`telegram.error.InvalidToken` when Telegram rejects the token.
    """
    deps = deps_of(application)
    settings = deps.settings
    updater = application.updater
    assert updater is not None
    notices: NoticeDelivery = application.bot_data[NOTICES_KEY]
    alerts: ModeratorAlertLoop = application.bot_data[ALERTS_KEY]
    async with application:
        await application.start()
        deps.announcer.active = True
        try:
            if settings.telegram_webhook_url:
                await updater.start_webhook(
                    listen=settings.telegram_webhook_listen,
                    port=settings.telegram_webhook_port,
                    url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
                    webhook_url=settings.telegram_webhook_url,
                    secret_token=webhook_secret(settings.telegram_token or ""),
                )
            else:
                await updater.start_polling(timeout=timedelta(seconds=poll_timeout))
            await _set_commands(application)
            notices.start()
            alerts.start()
            yield application
        finally:
            await alerts.stop()
            await notices.stop()
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
            await deps.app.events.drain()
            deps.announcer.active = False


def _fail(line: str) -> None:
    print(f"leakdesk telegram: {line}", file=sys.stderr)


async def serve(
    settings: Settings, app: App | None = None, *, stop: asyncio.Event | None = None
) -> int:
    """Run the bot until ``stop`` is set; the exit status (2: missing or rejected token)."""
    if not settings.telegram_token:
        _fail("no bot token; set LEAKDESK_TELEGRAM_TOKEN (from @BotFather)")
        return 2
    own_app = app is None
    wired = app if app is not None else await build_app(settings)
    wired.start_background()
    stop = stop or asyncio.Event()
    try:
        application = create_application(settings, wired)
        mode = "webhook" if settings.telegram_webhook_url else "long polling"
        async with started(application):
            log.info("telegram bot @%s running (%s)", application.bot.username, mode)
            await stop.wait()
    except InvalidToken:
        _fail(
            "the bot token was rejected by the Telegram Bot API (getMe); check "
            "LEAKDESK_TELEGRAM_TOKEN"
        )
        return 2
    except NetworkError as err:
        _fail(
            f"cannot reach the Telegram Bot API at {urlsplit(settings.telegram_api_url).netloc}"
            f" ({type(err).__name__})"
        )
        return 1
    except OSError as err:
        _fail(
            f"cannot listen for the webhook on {settings.telegram_webhook_listen}:"
            f"{settings.telegram_webhook_port} ({err.strerror or type(err).__name__})"
        )
        return 1
    finally:
        if own_app:
            await wired.close()
    return 0


def run(settings: Settings) -> int:
    """Run the Telegram bot until SIGINT/SIGTERM (blocking); the process exit status."""
    # httpx logs every request URL at INFO: Bot API URLs contain the token, fetches leak links
    quiet_http_logs()
    redact_handlers()
    if not settings.telegram_token:
        _fail("no bot token; set LEAKDESK_TELEGRAM_TOKEN (from @BotFather)")
        return 2

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        return await serve(settings, stop=stop)

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 0
