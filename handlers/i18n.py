"""Languages: the gettext catalogs of every text a person reads, and picking one.

The catalogs are the ``.po`` files under ``handlers/locales/<lang>/LC_MESSAGES/leakdesk.po``
(managed with Babel's ``pybabel extract/update``). They are read with Babel and compiled in
memory the first time a language is used, so there is no ``.mo`` file that could go stale and
nothing to build for ``pip install -e .`` or a wheel.

English is the source language: its texts are the message ids themselves. The core stays
language-free; handlers return neutral replies and the rendering picks the catalog.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache
from pathlib import Path

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.units import format_unit

DOMAIN = "leakdesk"
LOCALES_DIR = Path(__file__).parent / "locales"
SOURCE = "en"
#: every language leakdesk speaks (Babel locale identifiers)
LANGUAGES: tuple[str, ...] = ("en", "es", "pt_BR", "de", "fr", "ja")
#: a bare language that means one of our regional catalogs
_ALIASES = {"pt": "pt_BR"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translated when rendered)."""
    return message


@lru_cache(maxsize=1_024)
def negotiate(tag: str | None) -> str:
    """The catalog for a platform's language tag (``es-ES``, ``pt-br``, ``ja``, ``fr_CA.UTF-8``);
    English when it is unknown or empty."""
    if not tag:
        return SOURCE
    cleaned = str(tag).split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()
    if not cleaned:
        return SOURCE
    lowered = {lang.lower(): lang for lang in LANGUAGES}
    if cleaned.lower() in lowered:
        return lowered[cleaned.lower()]
    base = cleaned.split("_", 1)[0].lower()
    return _ALIASES.get(base) or lowered.get(base, SOURCE)


def console_language(environ: Mapping[str, str] | None = None) -> str:
    """The console's language from ``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return negotiate(value.split(":", 1)[0])
    return SOURCE


def po_path(lang: str) -> Path:
    """Where the ``.po`` catalog of ``lang`` lives."""
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the message ids themselves)."""
    lang = negotiate(lang)
    path = po_path(lang)
    if lang == SOURCE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_(lang: str, message: str, **params: object) -> str:
    """``message`` in ``lang``, with ``%(name)s`` placeholders filled from ``params``."""
    text = translations(lang).gettext(message)
    return text % params if params else text


def ngettext_(lang: str, singular: str, plural: str, n: int, **params: object) -> str:
    """The right plural form of a message for ``n`` in ``lang`` (``%(n)s`` is ``n``)."""
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"n": number(lang, n), **params}


def number(lang: str, n: float) -> str:
    """``n`` written the way ``lang`` writes numbers (Babel)."""
    return _number(negotiate(lang), n)


def day(lang: str, when: date) -> str:
    """A calendar day the way ``lang`` writes it (Babel's medium date: 29 nov 2026)."""
    return _day(negotiate(lang), when.date() if isinstance(when, datetime) else when)


def moment(lang: str, when: datetime) -> str:
    """A UTC moment the way ``lang`` writes it: its date, then its time (without "UTC")."""
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    lang = negotiate(lang)
    return f"{_day(lang, when.date())} {_clock(lang, when.hour, when.minute)}"


def elapsed(lang: str, seconds: float) -> str | None:
    """A time span in its largest whole unit (days, hours or minutes), the way ``lang`` writes
    it short (Babel: 3 days, 3 d, 3 日); None under a minute."""
    for unit, size in (("duration-day", 86400), ("duration-hour", 3600), ("duration-minute", 60)):
        if abs(seconds) >= size:
            return _span(negotiate(lang), int(seconds // size), unit)
    return None


# Babel parses its locale data on every call (~50-100 µs); a dashboard page writes a hundred
# dates and numbers, mostly the same few, so each written form is kept (small, pure keys).
@lru_cache(maxsize=8_192, typed=True)  # 1 and 1.0 are written apart where Babel would
def _number(lang: str, n: float) -> str:
    return format_decimal(n, locale=lang)


@lru_cache(maxsize=8_192)
def _day(lang: str, when: date) -> str:
    return format_date(when, "medium", locale=lang)


@lru_cache(maxsize=4_096)
def _clock(lang: str, hour: int, minute: int) -> str:
    return format_time(time(hour, minute), "short", locale=lang)


@lru_cache(maxsize=4_096)
def _span(lang: str, amount: int, unit: str) -> str:
    return format_unit(amount, unit, length="short", locale=lang)


class Moment(str):
    """A UTC moment as a message parameter: its English writing as given, and written the
    reader's way (:func:`moment`) when a reply is rendered in another language."""

    when: datetime

    def __new__(cls, when: datetime, english: str) -> Moment:
        """``english``: how the English text writes ``when``."""
        made = super().__new__(cls, english)
        made.when = when
        return made

    def written(self, lang: str) -> str:
        """``when`` in ``lang`` (the English writing for English)."""
        return str(self) if negotiate(lang) == SOURCE else moment(lang, self.when)


class Texts:
    """The texts of one language: ``t = Texts("es"); t("Thank you.")``."""

    def __init__(self, lang: str | None) -> None:
        self.lang = negotiate(lang)

    def __call__(self, message: str, **params: object) -> str:
        """Translate ``message`` and fill its placeholders (a :class:`Moment` is written the
        language's way)."""
        shown = {k: v.written(self.lang) if isinstance(v, Moment) else v for k, v in params.items()}
        return gettext_(self.lang, message, **shown)

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        """The form of a message for ``n``."""
        return ngettext_(self.lang, singular, plural, n, **params)

    def number(self, n: float) -> str:
        """A number in this language's writing."""
        return number(self.lang, n)

    def day(self, when: date) -> str:
        """A calendar day in this language's writing."""
        return day(self.lang, when)

    def moment(self, when: datetime) -> str:
        """A UTC date and time in this language's writing."""
        return moment(self.lang, when)
