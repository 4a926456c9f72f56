"""The escalations view: each request's state and deadline (overdue in red), and moving them."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, actor_of, check_csrf, current_session
from bots.web.language import page_language
from bots.web.rendering import render
from bots.web.words import MARK_BUTTONS, STATES, reworded
from core.errors import InvalidTransition
from handlers.i18n import N_, Texts

#: the moves a moderator makes from the dashboard
MARKS = ("sent", "acknowledged", "removed")


async def _page(request: Request, status: int = 200, **extra: object) -> Response:
    tracker = request.app.state.leakdesk.tracker
    escalations = await tracker.list(request.state.session.creator)
    now = datetime.now(UTC)
    t = Texts(page_language(request))
    return render(
        request,
        "escalations.html",
        status,
        escalations=list(reversed(escalations)),
        overdue=sum(e.overdue(now) for e in escalations),
        now=now,
        marks={m: t(MARK_BUTTONS[m]) for m in MARKS},
        **extra,
    )


async def escalations(request: Request) -> Response:
    """GET /escalations: the creator's escalations, newest first."""
    await current_session(request)
    return await _page(request)


async def mark(request: Request) -> Response:
    """POST /escalations/mark: move the ticked escalations to sent, acknowledged or removed."""
    session = await current_session(request)
    form = await request.form()
    await check_csrf(request, form.get("csrf"))
    status = str(form.get("status") or "")
    if status not in MARKS:
        raise WebError(400, N_("Unknown state"), N_("Mark them sent, acknowledged or removed."))
    try:
        ids = [int(str(i)) for i in form.getlist("ids")]
    except ValueError:
        raise WebError(
            400, N_("Bad selection"), N_("Reload the page and tick the escalations.")
        ) from None
    if not ids:
        raise WebError(400, N_("Nothing selected"), N_("Tick the escalations to mark."))
    tracker = request.app.state.leakdesk.tracker
    mine = {e.id for e in await tracker.list(session.creator)}
    if not set(ids) <= mine:
        raise WebError(404, N_("No such escalation"), N_("Some of those are not your creator's."))
    note = str(form.get("note") or "").strip()[:500] or None
    try:
        await tracker.mark(ids, status, actor=actor_of(session).label, note=note)
    except InvalidTransition as err:
        return await _page(request, 409, problem=reworded(str(err), page_language(request)))
    t = Texts(page_language(request))
    done = t.plural(
        "%(n)s escalation(s) marked %(state)s.",
        "%(n)s escalation(s) marked %(state)s.",
        len(ids),
        state=t(STATES[status]),
    )
    return await _page(request, done=done)


routes = [
    Route("/escalations", escalations, methods=["GET"]),
    Route("/escalations/mark", mark, methods=["POST"]),
]
