"""The language a dashboard page is written in.

The rule, first match wins:

1. an explicit choice: ``?lang=es`` on any page (kept in a cookie; ``?lang=auto`` drops it);
2. the signed-in creator's language (``leakdesk creator set C --language es``), the one their
   cards, posts and previews already use in chat, so the team sees the same words everywhere;
3. the browser's ``Accept-Language``, when it names a language the catalogs have (a creator
   without a language, or a page before sign-in);
4. English.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from handlers.i18n import LANGUAGES, SOURCE, negotiate

COOKIE = "leakdesk_lang"
#: ``?lang=auto``: forget the explicit choice
AUTO = "auto"
#: the names of the languages in the switcher, each in its own language
NAMES = {
    "en": "English",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "de": "Deutsch",
    "fr": "Français",
    "ja": "日本語",
}
_YEAR = 365 * 24 * 3600


def known(tag: str | None) -> str | None:
    """The catalog ``tag`` names (``es-MX`` is ``es``), or None when there is none for it."""
    if not tag or tag.strip() == "*":
        return None
    lang = negotiate(tag)
    if lang == SOURCE and tag.strip().replace("_", "-").split("-", 1)[0].lower() != SOURCE:
        return None
    return lang


def accepted(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header the catalogs have, by weight."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if weight > 0 and tag:
            weighted.append((-weight, position, tag))
    for _weight, _position, tag in sorted(weighted):
        lang = known(tag)
        if lang:
            return lang
    return None


def explicit(request: Request) -> str | None:
    """The language the reader picked: this request's ``?lang=`` (an unknown one is ignored),
    else their cookie; None after ``?lang=auto``."""
    asked = request.query_params.get("lang")
    if asked == AUTO:
        return None
    return known(asked) or known(request.cookies.get(COOKIE))


def page_language(request: Request) -> str:
    """The language to write ``request``'s page in (see the module's rule)."""
    creator = getattr(request.state, "creator_language", None)
    return (
        explicit(request)
        or (negotiate(creator) if creator else None)
        or accepted(request.headers.get("accept-language"))
        or SOURCE
    )


def keep_choice(request: Request, response: Response) -> None:
    """Remember (or forget, ``?lang=auto``) the reader's explicit choice in a cookie."""
    asked = request.query_params.get("lang")
    if asked == AUTO:
        response.delete_cookie(COOKIE, path="/")
    elif (chosen := known(asked)) in LANGUAGES:
        response.set_cookie(
            COOKIE, str(chosen), max_age=_YEAR, httponly=True, samesite="strict", path="/"
        )
