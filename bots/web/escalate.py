"""Escalating selected cases: pick recipients, preview the packets, send or download them.

Every step is the escalation service's own (planning, packets, the outbox, approvals);
this module narrows it to the moderator's selection and shows the result.
"""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
import zipfile
from pathlib import Path

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, actor_of, check_csrf, current_session
from bots.web.language import page_language
from bots.web.rendering import SECURITY_HEADERS, render
from bots.web.words import lacking
from core.codes import normalize_case_code
from core.errors import MissingFields
from core.escalation.fields import form_values
from handlers.i18n import N_

log = logging.getLogger(__name__)

#: at most this many cases per escalation from the dashboard (as the queue's bulk actions)
MAX_SELECTED = 500


async def _selection(request: Request) -> tuple[FormData, list[str], list[str]]:
    """The checked form's (codes, recipients), after the session and CSRF checks."""
    await current_session(request)
    form = await request.form()
    await check_csrf(request, form.get("csrf"))
    codes = [c for c in (normalize_case_code(str(t)) for t in form.getlist("codes")) if c]
    codes = list(dict.fromkeys(codes))
    recipients = list(dict.fromkeys(str(r) for r in form.getlist("recipients")))
    if not codes or len(codes) > MAX_SELECTED:
        raise WebError(
            400, N_("Nothing to escalate"), N_("Select 1 to %(n)s cases."), n=MAX_SELECTED
        )
    if not recipients:
        raise WebError(400, N_("No recipient picked"), N_("Tick at least one recipient."))
    return form, codes, recipients


async def preview_packets(request: Request) -> Response:
    """POST /escalate/preview: the notices (and form values) the selection would send."""
    _form, codes, recipients = await _selection(request)
    service = request.app.state.leakdesk.escalation
    creator = request.state.session.creator
    agent, plan = await service.plan(creator, codes=codes, recipients=recipients)
    packets = []
    if agent is not None and not plan.missing:
        for item in plan.requests:
            notice = service.notice_text(item, agent)
            fields = [] if item.channel.kind == "email" else form_values(
                item.channel.fields, item, notice, agent
            )  # fmt: skip
            packets.append({"request": item, "notice": notice, "fields": fields})
    return render(
        request,
        "escalate_packets.html",
        packets=packets,
        missing=plan.missing,
        codes=codes,
        recipients=recipients,
        emails=sum(p["request"].channel.kind == "email" for p in packets),
    )


async def _escalate(request: Request, *, send: bool) -> tuple[dict[str, object], bytes]:
    """Write (and record) the selection's packets; the summary, and the packets as a zip."""
    _form, codes, recipients = await _selection(request)
    session = request.state.session
    service = request.app.state.leakdesk.escalation
    with tempfile.TemporaryDirectory(prefix="leakdesk-web-") as folder:
        try:
            _plan, summary = await service.escalate(
                session.creator,
                Path(folder),
                send=send,
                actor=actor_of(session).label,
                codes=codes,
                recipients=recipients,
            )
        except MissingFields as err:
            detail = lacking(page_language(request), err)
            raise WebError(400, N_("Cannot escalate yet"), detail) from None
        packed = await asyncio.to_thread(_zip, Path(folder))
    assert summary is not None
    return summary, packed


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


async def send_packets(request: Request) -> Response:
    """POST /escalate/send: record the requests; email channels' mails go to the outbox."""
    summary, _packed = await _escalate(request, send=True)
    log.info(
        "web escalation by %s: batch %s, %s mail(s) held",
        request.state.session.moderator,
        summary["batch"],
        summary["held_for_approval"],
    )
    return render(request, "escalate_sent.html", summary=summary)


async def download_packets(request: Request) -> Response:
    """POST /escalate/zip: record the requests as drafted and download their packets."""
    summary, packed = await _escalate(request, send=False)
    headers = dict(SECURITY_HEADERS)
    headers["Content-Disposition"] = f'attachment; filename="packets-{summary["batch"]}.zip"'
    return Response(packed, media_type="application/zip", headers=headers)


routes = [
    Route("/escalate/preview", preview_packets, methods=["POST"]),
    Route("/escalate/send", send_packets, methods=["POST"]),
    Route("/escalate/zip", download_packets, methods=["POST"]),
]
