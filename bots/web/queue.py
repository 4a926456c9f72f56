"""The queue page: filters, sort, search, keyset pages, and bulk actions on selected cases."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bots.web.auth import WebError, actor_of, check_csrf, current_session
from bots.web.language import page_language
from bots.web.rendering import render
from bots.web.words import ACTIONS, AGE_NAMES, SORT_NAMES, reworded
from core.codes import normalize_case_code
from core.errors import LeakdeskError
from core.model import CaseStatus
from db.web_queue import QUEUE_STATUSES, SORTS, QueueFilter
from handlers.i18n import N_, Texts

log = logging.getLogger(__name__)

#: actions of the bulk form; "escalate" only previews (nothing is sent from the queue)
BULK_ACTIONS = ("claim", "confirm", "dismiss", "merge", "escalate")
#: at most this many cases per bulk action
MAX_SELECTED = 500
FILTER_KEYS = (
    "status", "platform", "host", "min_reporters", "age", "synthetic", "trusted", "q", "sort",
)  # fmt: skip
AGES = {"1d": (1, None), "7d": (7, None), "30d": (30, None), "older7d": (None, 7),
        "older30d": (None, 30)}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What became of one selected case."""

    code: str
    ok: bool
    message: str


def _int(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value not in (None, "") else None
    except ValueError:
        return None


def parse_filter(params: QueryParams | FormData) -> QueueFilter:
    """The queue filter from query parameters; unknown values fall back to the defaults."""
    status = str(params.get("status") or "queue")
    known = {s.value for s in CaseStatus}
    if status == "all":
        statuses = tuple(sorted(known))
    elif status in known:
        statuses = (status,)
    else:
        statuses = QUEUE_STATUSES
    newer, older = AGES.get(str(params.get("age") or ""), (None, None))
    synthetic = {"yes": True, "no": False}.get(str(params.get("synthetic") or ""))
    trusted = {"yes": True, "no": False}.get(str(params.get("trusted") or ""))
    sort = str(params.get("sort") or "reporters")
    return QueueFilter(
        statuses=statuses,
        platform=str(params.get("platform") or "").strip() or None,
        host=str(params.get("host") or "").strip() or None,
        min_reporters=_int(str(params.get("min_reporters") or "")),
        newer_than_days=newer,
        older_than_days=older,
        synthetic=synthetic,
        search=str(params.get("q") or "").strip()[:200] or None,
        sort=sort if sort in SORTS else "reporters",
        trusted=trusted,
    )


def filter_query(params: QueryParams | FormData) -> str:
    """The filter part of a query string (to page on, or to come back to after an action)."""
    kept = {k: str(params.get(k)) for k in FILTER_KEYS if params.get(k)}
    return urlencode(kept)


async def _queue_page(
    request: Request, params: QueryParams | FormData, **extra: object
) -> Response:
    session = request.state.session
    wanted = parse_filter(params)
    reader = request.app.state.queue
    t = Texts(page_language(request))
    cursor = str(params.get("after") or "") or None
    page = await reader.page(
        session.creator, wanted, cursor=cursor, limit=_int(str(params.get("limit") or "")) or 50
    )
    return render(
        request,
        "queue.html",
        page=page,
        params={k: str(params.get(k) or "") for k in FILTER_KEYS},
        filters=filter_query(params),
        platforms=sorted(p.id for p in request.app.state.leakdesk.intake.registry.platforms),
        statuses=[s.value for s in CaseStatus],
        ages={key: t(name) for key, name in AGE_NAMES.items()},
        sorts={key: t(name) for key, name in SORT_NAMES.items()},
        **extra,
    )


async def queue(request: Request) -> Response:
    """GET /: one page of the queue."""
    await current_session(request)
    return await _queue_page(request, request.query_params)


async def bulk_action(request: Request) -> Response:
    """POST /actions: claim, confirm or dismiss the selected cases, or preview escalating them."""
    session = await current_session(request)
    form = await request.form()
    await check_csrf(request, form.get("csrf"))
    action = str(form.get("action") or "")
    if action not in BULK_ACTIONS:
        raise WebError(
            400, N_("Unknown action"), N_("Choose Claim, Confirm, Dismiss, Merge or Escalate.")
        )
    codes = list(dict.fromkeys(str(c) for c in form.getlist("codes")))
    if len(codes) > MAX_SELECTED:
        raise WebError(
            400, N_("Too many cases"), N_("Select at most %(n)s cases at once."), n=MAX_SELECTED
        )
    if not codes:
        raise WebError(
            400, N_("Nothing selected"), N_("Tick the cases to act on, then choose an action.")
        )
    if action == "escalate":
        from bots.web.escalate_preview import preview

        return await preview(request, codes)
    reason = str(form.get("reason") or "").strip() or None
    actor = actor_of(session)
    moderation = request.app.state.leakdesk.moderation
    target: str | None = None
    lang = page_language(request)
    try:
        if action == "merge":
            target, codes = await merge_target(request, codes, str(form.get("into") or ""))
            results = await moderation.merge_many(actor, codes, target)
        else:
            results = await moderation.act_many(actor, action, codes, reason)
        outcomes = [Outcome(o.code, o.ok, reworded(o.message, lang)) for o in results]
    except LeakdeskError as err:  # refused as a whole (no reason to dismiss, a bad target)
        outcomes = [Outcome(code[:20], False, reworded(str(err), lang)) for code in codes]
    done = sum(o.ok for o in outcomes)
    log.info("web %s by %s: %d of %d case(s)", action, actor.label, done, len(outcomes))
    request.app.state.metrics.actions(action, done, len(outcomes) - done)
    response = await _queue_page(
        request,
        form,
        outcomes=outcomes,
        action=Texts(lang)(ACTIONS[action]),
        done=done,
        merge_target=target,
    )
    filters = filter_query(form)
    response.headers["HX-Push-Url"] = f"/?{filters}" if filters else "/"  # reloads re-read
    return response


async def merge_target(request: Request, codes: list[str], typed: str) -> tuple[str, list[str]]:
    """The case a merge goes into, and the selected cases to fold into it.

    A case code typed in the form wins (it need not be on the page); otherwise the oldest
    selected case (first seen first) is kept and the others are merged into it.
    """
    session = request.state.session
    typed = typed.strip()
    if typed:
        target = normalize_case_code(typed)
        if target is None:
            raise WebError(
                400, N_("Not a case code"), N_("Type the case to merge into as LD-7KQ2MX.")
            )
    else:
        found = await request.app.state.queue.oldest(session.creator, codes)
        if found is None:
            raise WebError(
                400, N_("No case to merge into"), N_("None of the selected cases is yours.")
            )
        target = found
    sources = [c for c in codes if (normalize_case_code(c) or c) != target]
    if not sources:
        raise WebError(
            400,
            N_("Nothing to merge"),
            N_("Select at least two cases, or one case and type the case to merge it into."),
        )
    return target, sources


async def actions_page(request: Request) -> Response:
    """GET /actions (a reload after an action without htmx): back to the queue."""
    return RedirectResponse("/", status_code=303)


routes = [
    Route("/", queue, methods=["GET"]),
    Route("/actions", bulk_action, methods=["POST"]),
    Route("/actions", actions_page, methods=["GET"]),
]
