"""Every text of the dashboard's templates goes through the catalogs: none is left bare, each is
in the template catalog, and no translation changes a text's markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bots.web.rendering import TEMPLATES
from handlers.i18n import LANGUAGES, LOCALES_DIR, SOURCE, po_path

#: what the templates may show outside ``_()``: the product's name and the status line's "HTTP"
NAMES = re.compile(r"\bleakdesk\b|\bHTTP\b")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: the attributes people read (shown as tooltips, placeholders, read aloud)
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
TAG = re.compile(r"</?\w+>")


class _BareTexts(HTMLParser):
    """The words of a template's HTML once its Jinja parts are taken out."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        self._keep(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._keep(value)

    def _keep(self, text: str) -> None:
        if re.search(r"[^\W\d_]", NAMES.sub("", text)):  # a letter in any script
            self.found.append(text.strip())


def _template_ids() -> dict[str, str | tuple[str, ...]]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    extracted = extract_from_dir(TEMPLATES, [("**.html", "jinja2")], keywords=keywords)
    return {(m if isinstance(m, str) else m[0]): m for _f, _l, m, _c, _ctx in extracted}


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_shows_a_text_outside_the_catalogs(template: str) -> None:
    parser = _BareTexts()
    parser.feed(JINJA.sub(" ", (TEMPLATES / template).read_text(encoding="utf-8")))
    assert not parser.found, f"wrap these in {{{{ _('…') }}}} in {template}: {parser.found}"


def test_every_template_text_is_in_the_template_catalog() -> None:
    ids = _template_ids()
    assert {"Queue", "Sign in to the dashboard", "Possible duplicates"} <= set(ids)
    assert len(ids) > 100
    with (LOCALES_DIR / "leakdesk.pot").open("rb") as handle:
        catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    missing = sorted(set(ids) - catalog)
    assert not missing, f"add them to the catalogs (see README 'Languages'): {missing}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != SOURCE])
def test_translations_of_template_texts_keep_their_markup(lang: str) -> None:
    """Template texts are markup once translated (newstyle gettext): a quote, an ampersand or
    a tag a text does not have would break the page or an attribute."""
    ids = _template_ids()
    with po_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    problems = []
    for key in ids:
        message = catalog.get(key)
        assert message is not None, key
        for form in message.string if isinstance(message.string, tuple) else (message.string,):
            if TAG.findall(form) != TAG.findall(key) or re.search(r'["&]', form):
                problems.append(form)
            if "<" in TAG.sub("", form) and "<" not in TAG.sub("", key):
                problems.append(form)
    assert not problems, problems


def test_the_extraction_map_covers_the_templates() -> None:
    mapping = (Path(__file__).resolve().parents[2] / "babel.cfg").read_text(encoding="utf-8")
    assert "[jinja2: web/templates/**.html]" in mapping
