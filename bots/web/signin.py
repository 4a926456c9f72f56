"""Signing in with a one-time link (GET shows a button, POST uses the link) and signing out.

Opening the link does not use it: chat apps fetch links to preview them, and a preview must
not burn the moderator's link.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bots.web.auth import COOKIE, WebError, check_csrf, current_session
from bots.web.language import page_language
from bots.web.rendering import SECURITY_HEADERS, render
from db.web_auth import SESSION_SECONDS, SignInRefused
from handlers.i18n import N_, Texts

REFUSALS = {
    "unknown": N_("This sign-in link is not valid. Ask for a new one."),
    "used": N_("This sign-in link was already used; each link works once. Ask for a new one."),
    "expired": N_("This sign-in link has expired (links work for ten minutes). Ask for a new one."),
}


def _refused(reason: str) -> WebError:
    status = 404 if reason == "unknown" else 410
    return WebError(status, N_("Sign-in link refused"), REFUSALS[reason])


async def signin_page(request: Request) -> Response:
    """The sign-in button of a one-time link (the link is not used yet)."""
    token = request.query_params.get("token", "")
    try:
        moderator, creator = await request.app.state.auth.peek_link(token)
    except SignInRefused as err:
        raise _refused(err.reason) from None
    request.state.creator_language = await request.app.state.leakdesk.creators.language(creator)
    return render(request, "signin.html", token=token, moderator=moderator, creator=creator)


async def signin(request: Request) -> Response:
    """Use the link once and open a session cookie."""
    form = await request.form()
    token = form.get("token")
    try:
        session_token, _session = await request.app.state.auth.redeem_link(
            token if isinstance(token, str) else ""
        )
    except SignInRefused as err:
        raise _refused(err.reason) from None
    response = RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(
        COOKIE,
        session_token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.app.state.web.secure or request.url.scheme == "https",
        path="/",
    )
    return response


async def signout(request: Request) -> Response:
    """Revoke this session and drop its cookie."""
    session = await current_session(request)
    form = await request.form()
    await check_csrf(request, form.get("csrf"))
    await request.app.state.auth.revoke(session_id=session.id)
    t = Texts(page_language(request))
    response = render(
        request,
        "error.html",
        session=None,
        code=200,
        title=t("Signed out"),
        detail=t("Your session is closed."),
    )
    response.delete_cookie(COOKIE, path="/")
    return response


routes = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
