"""The case page: links as text, the reporter count (never who), duplicates, history."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, current_session
from bots.web.rendering import render
from bots.web.synthetic import synthetic_section
from core.codes import normalize_case_code
from handlers.render import evidence_line, protected_line


async def case_page(request: Request) -> Response:
    """GET /cases/{code}: one case of the session's creator."""
    session = await current_session(request)
    typed = request.path_params["code"]
    code = normalize_case_code(typed)
    app = request.app.state.leakdesk
    view = await app.cases.get_case(code) if code else None
    if view is None:
        raise WebError(404, "No such case", "There is no case with that code.")
    if view.creator != session.creator:
        raise WebError(
            403,
            "Another creator's case",
            f"Your sign-in is for {session.creator}'s moderators; this case is not theirs.",
        )
    reader = request.app.state.queue
    escalations = [e for e in await app.tracker.list(session.creator) if e.case_code == view.code]
    return render(
        request,
        "case.html",
        case=view,
        duplicates=await reader.picture_matches(view.id),
        trail=await reader.audit_trail(view.id),
        protected_text=protected_line(view),
        evidence_text=evidence_line(view.provenance),
        escalations=escalations,
        synthetic=synthetic_section(view, await app.creators.language(session.creator)),
        now=datetime.now(UTC),
    )


routes = [Route("/cases/{code}", case_page, methods=["GET"])]
