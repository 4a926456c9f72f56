"""Jinja2 templates of the dashboard (autoescaped: links and notes are shown as text), written
in the page's language (:mod:`bots.web.language`) through the gettext catalogs."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bots.web.language import NAMES, keep_choice, page_language
from bots.web.words import (
    CHANNEL_KINDS,
    CONFIDENCE_NAMES,
    NOTICE_NAMES,
    SIGNAL_NAMES,
    missing_field,
    named,
    state_name,
    trail_action,
)
from handlers.i18n import N_, Texts, elapsed, moment, number, translations

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
#: how long ago something under a minute old happened
NOW = N_("now")


def _ago(lang: str, value: datetime | None) -> str:
    if value is None:
        return ""
    shown = elapsed(lang, (datetime.now(UTC) - value).total_seconds())
    return shown if shown is not None else Texts(lang)(NOW)


def _when(lang: str, value: datetime | None) -> str:
    return f"{moment(lang, value)} UTC" if value else ""


@cache
def environment(lang: str) -> Environment:
    """The templates with ``_``/``ngettext`` and the date, number and name filters of ``lang``."""
    made = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        enable_async=False,
        extensions=["jinja2.ext.i18n"],
    )
    made.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    made.filters["ago"] = partial(_ago, lang)
    made.filters["when"] = partial(_when, lang)
    made.filters["number"] = partial(number, lang)
    made.filters["state"] = partial(state_name, lang)
    made.filters["action"] = partial(trail_action, lang)
    made.filters["notice"] = partial(named, lang, NOTICE_NAMES)
    made.filters["channel"] = partial(named, lang, CHANNEL_KINDS)
    made.filters["signal"] = partial(named, lang, SIGNAL_NAMES)
    made.filters["confidence"] = partial(named, lang, CONFIDENCE_NAMES)
    made.filters["missing"] = partial(missing_field, lang)
    made.globals["lang"] = lang
    made.globals["html_lang"] = lang.replace("_", "-")
    made.globals["languages"] = NAMES
    return made


#: sent with every page: no third-party anything, no framing, no referrer, no caching
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def switch_url(request: Request, lang: str) -> str:
    """This page's address (its own query kept) with the language ``lang`` picked; the queue's
    for the answer to a form (a POST cannot be opened again)."""
    if request.method != "GET":
        return f"/?{urlencode({'lang': lang})}"
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` in the page's language, with the session and CSRF token."""
    context.setdefault("session", getattr(request.state, "session", None))
    context.setdefault("csrf", getattr(request.state, "csrf", ""))
    lang = page_language(request)
    template = environment(lang).get_template(name)
    html = template.render(request=request, switch_url=partial(switch_url, request), **context)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    keep_choice(request, response)
    return response
