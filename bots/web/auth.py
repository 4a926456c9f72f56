"""Who is asking: the session cookie, the moderator it names, and the CSRF token of forms."""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from core.model import Actor, ReporterRef
from db.web_auth import WebSession
from handlers.i18n import N_

COOKIE = "leakdesk_session"


class WebError(Exception):
    """A refusal shown as a clear page: HTTP ``status``, a title and one sentence.

    Both are catalog message ids (``detail`` with its ``%(name)s`` ``params``), or a sentence
    of the core; the error page writes them in the page's language.
    """

    def __init__(self, status: int, title: str, detail: str, **params: object) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.params = params


def parse_moderator(moderator: str) -> ReporterRef:
    """``platform:user_id`` as the chat adapters name moderators; a bare name is ``cli:name``."""
    platform, sep, user_id = moderator.strip().partition(":")
    if not sep:
        return ReporterRef("cli", platform)
    return ReporterRef(platform, user_id)


def moderator_label(moderator: str) -> str:
    """The canonical ``platform:user_id`` spelling of a moderator id."""
    return str(parse_moderator(moderator))


def actor_of(session: WebSession) -> Actor:
    """The moderator of a session as the core sees them: the same Actor as from chat."""
    return Actor(parse_moderator(session.moderator), True, session.creator)


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session's forms (derived from its cookie, never stored)."""
    return hmac.new(session_token.encode(), b"leakdesk-csrf", hashlib.sha256).hexdigest()[:40]


async def current_session(request: Request) -> WebSession:
    """The live session of the request's cookie, or a 401 page."""
    token = request.cookies.get(COOKIE)
    session = await request.app.state.auth.session(token) if token else None
    if session is None:
        raise WebError(
            401,
            N_("Please sign in"),
            N_(
                "Your session is missing, expired or revoked. Ask the bot for a new sign-in link "
                "(/dashboard in your moderator chat, or `leakdesk web-link` on the server)."
            ),
        )
    request.state.session = session
    request.state.creator_language = await request.app.state.leakdesk.creators.language(
        session.creator
    )
    request.state.csrf = csrf_token(token or "")
    return session


async def check_csrf(request: Request, form_token: object) -> None:
    """Refuse a form whose CSRF token is not this session's (a stale or forged form)."""
    expected = getattr(request.state, "csrf", "")
    if not isinstance(form_token, str) or not hmac.compare_digest(form_token, expected):
        raise WebError(
            403,
            N_("This form is out of date"),
            N_("The page was opened in another session. Reload it and try again."),
        )
