"""The case page: links as text, the reporter count (never who), duplicates, history."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, current_session
from bots.web.language import page_language
from bots.web.rendering import render
from bots.web.synthetic import NO_CASE, NO_CASE_DETAIL, synthetic_section
from core.codes import normalize_case_code
from handlers.i18n import N_
from handlers.render import evidence_line, protected_line


async def case_page(request: Request) -> Response:
    """GET /cases/{code}: one case of the session's creator."""
    session = await current_session(request)
    typed = request.path_params["code"]
    code = normalize_case_code(typed)
    app = request.app.state.leakdesk
    view = await app.cases.get_case(code) if code else None
    if view is None:
        raise WebError(404, NO_CASE, NO_CASE_DETAIL)
    if view.creator != session.creator:
        raise WebError(
            403,
            N_("Another creator's case"),
            N_("Your sign-in is for %(creator)s's moderators; this case is not theirs."),
            creator=session.creator,
        )
    lang = page_language(request)
    reader = request.app.state.queue
    escalations = [e for e in await app.tracker.list(session.creator) if e.case_code == view.code]
    return render(
        request,
        "case.html",
        case=view,
        duplicates=await reader.picture_matches(view.id),
        trail=await reader.audit_trail(view.id),
        protected_text=protected_line(view, lang),
        evidence_text=evidence_line(view.provenance, lang),
        escalations=escalations,
        synthetic=synthetic_section(view, lang),
        now=datetime.now(UTC),
    )


routes = [Route("/cases/{code}", case_page, methods=["GET"])]
