"""Escalate (preview): which removal requests the selected cases would go out in.

Nothing is written or sent from here: the plan is the escalation service's own, narrowed to
the selected cases.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response

from bots.web.rendering import render
from core.codes import normalize_case_code


async def preview(request: Request, typed_codes: Sequence[str]) -> Response:
    """The preview page for ``typed_codes`` of the session's creator."""
    session = request.state.session
    codes = {c for c in (normalize_case_code(t) for t in typed_codes) if c}
    _agent, plan = await request.app.state.leakdesk.escalation.plan(session.creator)
    requests = []
    planned: set[str] = set()
    for item in plan.requests:
        mine = [i for i in item.items if i.case_code in codes]
        if mine:
            planned.update(i.case_code for i in mine)
            requests.append(
                {
                    "recipient": item.channel.name,
                    "channel": item.channel.id,
                    "kind": item.channel.kind,
                    "notice": item.notice,
                    "urls": len(mine),
                    "cases": sorted({i.case_code for i in mine}),
                }
            )
    response = render(
        request,
        "escalate_preview.html",
        requests=requests,
        missing=plan.missing,
        not_planned=sorted(codes - planned),
        unrouted=[(c, h) for c, h in plan.unrouted if c in codes],
        codes=sorted(codes),
    )
    response.headers["HX-Push-Url"] = "false"
    return response
