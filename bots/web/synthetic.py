"""The case page's "AI-generated?" decision: a moderator's yes or no, like ``/synthetic``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bots.web.auth import WebError, actor_of, check_csrf, current_session
from core.codes import normalize_case_code
from core.errors import CaseNotFound, LeakdeskError
from core.model import CaseView
from handlers.i18n import N_, Texts
from handlers.moderator_buttons import case_label
from handlers.render import synthetic_line

log = logging.getLogger(__name__)

#: the form's answers, as the buttons send them
ANSWERS = {"yes": True, "no": False}
HEADING = N_("Synthetic?")
UNDECIDED = N_("not decided yet")
NO_CASE = N_("No such case")
NO_CASE_DETAIL = N_("There is no case with that code.")


@dataclass(frozen=True)
class SyntheticSection:
    """The texts of the case page's decision, in the creator's language."""

    heading: str
    state: str
    yes: str
    no: str


def synthetic_section(case: CaseView, language: str | None) -> SyntheticSection:
    """What the case page shows about the decision, and its two buttons."""
    t = Texts(language)
    decided = case.synthetic or case.synthetic_by
    state = synthetic_line(case, t.lang) if decided else t(UNDECIDED)
    yes, no = (case_label(action, t.lang) for action in ("synthetic_yes", "synthetic_no"))
    return SyntheticSection(t(HEADING), state, yes, no)


async def decide_synthetic(request: Request) -> Response:
    """POST /cases/{code}/synthetic: the moderator's answer (``yes`` or ``no``), audit-logged."""
    session = await current_session(request)
    form = await request.form()
    await check_csrf(request, form.get("csrf"))
    decision = ANSWERS.get(str(form.get("answer") or ""))
    if decision is None:
        raise WebError(400, N_("Unknown answer"), N_("Choose AI-generated: yes or no."))
    code = normalize_case_code(request.path_params["code"])
    if code is None:
        raise WebError(404, NO_CASE, NO_CASE_DETAIL)
    actor = actor_of(session)
    try:
        await request.app.state.leakdesk.moderation.mark_synthetic(actor, code, decision)
    except CaseNotFound:
        raise WebError(404, NO_CASE, NO_CASE_DETAIL) from None
    except LeakdeskError as err:
        raise WebError(400, N_("Not possible"), str(err)) from None
    log.info("web synthetic=%s on %s by %s", decision, code, actor.label)
    return RedirectResponse(f"/cases/{code}", status_code=303)


routes = [Route("/cases/{code}/synthetic", decide_synthetic, methods=["POST"])]
