"""The escalations view: each request's state and deadline (overdue in red), and moving them."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, actor_of, check_csrf, current_session
from bots.web.rendering import render
from core.errors import InvalidTransition

#: the moves a moderator makes from the dashboard
MARKS = ("sent", "acknowledged", "removed")


async def _page(request: Request, status: int = 200, **extra: object) -> Response:
    tracker = request.app.state.leakdesk.tracker
    escalations = await tracker.list(request.state.session.creator)
    now = datetime.now(UTC)
    return render(
        request,
        "escalations.html",
        status,
        escalations=list(reversed(escalations)),
        overdue=sum(e.overdue(now) for e in escalations),
        now=now,
        marks=MARKS,
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
        raise WebError(400, "Unknown state", "Mark them sent, acknowledged or removed.")
    try:
        ids = [int(str(i)) for i in form.getlist("ids")]
    except ValueError:
        raise WebError(400, "Bad selection", "Reload the page and tick the escalations.") from None
    if not ids:
        raise WebError(400, "Nothing selected", "Tick the escalations to mark.")
    tracker = request.app.state.leakdesk.tracker
    mine = {e.id for e in await tracker.list(session.creator)}
    if not set(ids) <= mine:
        raise WebError(404, "No such escalation", "Some of those are not your creator's.")
    note = str(form.get("note") or "").strip()[:500] or None
    try:
        await tracker.mark(ids, status, actor=actor_of(session).label, note=note)
    except InvalidTransition as err:
        return await _page(request, 409, problem=str(err))
    return await _page(request, done=f"{len(ids)} escalation(s) marked {status}.")


routes = [
    Route("/escalations", escalations, methods=["GET"]),
    Route("/escalations/mark", mark, methods=["POST"]),
]
