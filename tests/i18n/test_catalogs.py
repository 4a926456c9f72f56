"""The catalogs: complete, with the source's placeholders, no stale or unused ids, plurals right,
and no reply ever carries the reported link, in any language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import handlers.core_texts as core_texts
from core import reporter_moderation
from core.intake import Rejected
from core.model import PUBLIC_STATUS, ReportOutcome
from core.notify import texts as notify_texts
from handlers import (
    CaseStatusReply,
    HelpText,
    PrivacyNotice,
    Problem,
    Reply,
    ReportReceived,
    render_text,
)
from handlers.i18n import LANGUAGES, LOCALES_DIR, SOURCE, Texts, negotiate, po_path, translations

ROOT = Path(__file__).resolve().parents[2]
OTHERS = [lang for lang in LANGUAGES if lang != SOURCE]
#: the keywords tools/i18n.sh gives pybabel (and the defaults: _, gettext, ngettext…)
KEYWORDS = {
    "N_": None,
    "t": None,
    "plural": (1, 2),
    "_T": None,
    "C_": ((1, "c"), 2),
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LINK = "https://leak.example/albums/private-9f3c/photo.jpg"


def _key(message_id: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    singular = message_id[0] if isinstance(message_id, tuple) else message_id
    return (context, singular)


def _extracted() -> dict[tuple[str | None, str], str | tuple[str, ...]]:
    """Every message id in the code and the dashboard's templates now (what `pybabel extract`
    would write with babel.cfg's map)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        methods, options = parse_mapping_cfg(cfg)
    found: dict[tuple[str | None, str], str | tuple[str, ...]] = {}
    for folder in ("handlers", "bots", "core"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, methods, options, keywords=KEYWORDS
        ):
            found[_key(message, context)] = message
    return found


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {_key(m.id, m.context) for m in catalog if m.id}


def test_the_template_holds_exactly_the_texts_of_the_code() -> None:
    template = _ids(_catalog(LOCALES_DIR / "leakdesk.pot"))
    code = set(_extracted())
    new = sorted(code - template, key=str)
    gone = sorted(template - code, key=str)
    assert not new and not gone, (
        f"handlers/locales/leakdesk.pot is stale; run tools/i18n.sh (extract + update).\n"
        f"in the code but not in the template: {new}\nin the template but unused: {gone}"
    )


@pytest.mark.parametrize("lang", OTHERS)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    template = {_key(m.id, m.context): m for m in _catalog(LOCALES_DIR / "leakdesk.pot") if m.id}
    catalog = _catalog(po_path(lang), lang)
    translated = {_key(m.id, m.context): m for m in catalog if m.id}
    problems: list[str] = []
    for key in sorted(template, key=str):
        message = translated.get(key)
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms, {catalog.num_plurals} needed: {key!r}")
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(set(PLACEHOLDER.findall(s)) for s in sources))
        for form in strings:
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"placeholders {sorted(wanted)} differ in {form!r} of {key!r}")
            if "http://" in form or "https://" in form or "www." in form:
                problems.append(f"a link in the translation of {key!r}")
    unused = sorted(set(translated) - set(template), key=str)
    problems += [f"unused (not in the template): {key!r}" for key in unused]
    assert not problems, f"catalog {lang} ({po_path(lang)}):\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", OTHERS)
def test_the_catalog_loads_and_is_used(lang: str) -> None:
    t = Texts(lang)
    assert t("taken down") != "taken down"
    assert translations(lang) is translations(lang)  # compiled once


def test_the_core_texts_listed_for_the_catalogs_are_the_cores() -> None:
    assert set(PUBLIC_STATUS.values()) == set(core_texts.PUBLIC_STATES)
    assert notify_texts.OFFER == core_texts.OFFER
    assert notify_texts.OFFER_CONSOLE == core_texts.OFFER_CONSOLE
    assert notify_texts.REMOVED == core_texts.REMOVED
    assert core_texts.PSEUDONYM_REFUSALS == (
        reporter_moderation.NOT_A_PSEUDONYM,
        reporter_moderation.SHORT_PSEUDONYM,
        reporter_moderation.AMBIGUOUS_PSEUDONYM,
    )


def test_a_refused_pseudonym_reaches_a_moderator_in_their_language() -> None:
    from core.errors import InvalidLink
    from handlers import problem_for

    for text in core_texts.PSEUDONYM_REFUSALS:
        shown = render_text(problem_for(InvalidLink(text)), "es")
        assert text not in shown and Texts("es")(text) in shown
    assert "leakdesk reporters" not in reporter_moderation.NOT_A_PSEUDONYM  # a chat has no CLI


def test_a_moderators_unknown_case_is_told_in_their_language() -> None:
    from core.errors import CaseNotFound
    from handlers import problem_for

    problem = problem_for(CaseNotFound("LD-7KQ2MX"))
    assert render_text(problem) == "⚠ no case LD-7KQ2MX"
    assert render_text(problem, "es") == "⚠ " + Texts("es")("no case %(code)s", code="LD-7KQ2MX")
    assert "LD-7KQ2MX" in render_text(problem, "ja") and "no case" not in render_text(problem, "ja")


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("es-ES", "es"),
        ("es-419", "es"),
        ("pt-BR", "pt_BR"),
        ("pt", "pt_BR"),
        ("de", "de"),
        ("fr_CA.UTF-8", "fr"),
        ("ja", "ja"),
        ("en-US", "en"),
        ("ko", "en"),
        ("", "en"),
        (None, "en"),
        ("C.UTF-8", "en"),
        ("../../etc", "en"),
    ],
)
def test_a_language_tag_picks_a_catalog_or_english(tag: str | None, lang: str) -> None:
    assert negotiate(tag) == lang


@pytest.mark.parametrize(
    ("lang", "one", "three"),
    [
        ("en", "(1 other person reported it too)", "(3 other people reported it too)"),
        ("es", "(1 persona más también lo reportó)", "(3 personas más también lo reportaron)"),
        ("pt_BR", "(mais 1 pessoa também o denunciou)", "(mais 3 pessoas também o denunciaram)"),
        ("de", "(1 andere Person hat ihn auch gemeldet)", "(3 andere Personen haben ihn auch"),
        ("fr", "(1 autre personne l'a aussi signalé)", "(3 autres personnes l'ont aussi signalé)"),
        ("ja", "（ほかに 1 人も報告しています）", "（ほかに 3 人も報告しています）"),
    ],
)
def test_plurals_for_one_and_three(lang: str, one: str, three: str) -> None:
    def received(reporters: int) -> str:
        outcome = ReportOutcome(1, "LD-7KQ2MX", False, reporters, link=LINK)
        return render_text(ReportReceived([outcome]), lang)

    assert one in received(2) and "LD-7KQ2MX" in received(2)
    assert three in received(4) and "LD-7KQ2MX" in received(4)


def test_plural_forms_of_case_status_in_spanish_and_german() -> None:
    assert render_text(CaseStatusReply("LD-7KQ2MX", "taken down", 1), "es") == (
        "Caso LD-7KQ2MX: retirado (1 persona lo reportó)."
    )
    assert render_text(CaseStatusReply("LD-7KQ2MX", "taken down", 3), "de") == (
        "Fall LD-7KQ2MX: entfernt (3 meldende Personen)."
    )


def test_numbers_are_written_the_languages_way() -> None:
    outcome = ReportOutcome(1, "LD-7KQ2MX", False, 1235, link=LINK)
    assert "1.234 andere Personen" in render_text(ReportReceived([outcome]), "de")
    assert "1,234 other people" in render_text(ReportReceived([outcome]), "en")


def test_english_stays_the_source_text() -> None:
    outcome = ReportOutcome(1, "LD-7KQ2MX", True, 1, link=LINK)
    assert render_text(ReportReceived([outcome], anonymous=True)) == (
        "Received: link recorded as case LD-7KQ2MX (you are the first to report it).\n"
        "Your report is anonymous: moderators will not see who sent it.\n"
        "Thank you. Please don't share the link further. Use /status <code> to follow up."
    )
    assert render_text(Problem.of("no case %(code)s", "not_found", code="LD-7KQ2MX")) == (
        "⚠ no case LD-7KQ2MX"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_reply_contains_the_reported_link_in_any_language(lang: str) -> None:
    outcomes = [
        ReportOutcome(1, "LD-7KQ2MX", True, 1, link=LINK, url=LINK),
        ReportOutcome(2, "LD-7KQ2MX", False, 3, link=LINK, url=LINK, duplicate_of=LINK),
        ReportOutcome(3, "LD-8ABCDE", False, 2, link=LINK, url=LINK, already_reported=True),
        ReportOutcome(
            4,
            "LD-9ABCDE",
            False,
            5,
            link=None,
            matched_by="image",
            reopened=True,
            media_error="the image could not be decoded",
        ),
    ]
    replies = [
        ReportReceived(outcomes, [Rejected(LINK, "the link has no valid host")], anonymous=True),
        CaseStatusReply("LD-7KQ2MX", PUBLIC_STATUS[next(iter(PUBLIC_STATUS))], 3),
        HelpText(True),
        PrivacyNotice(),
        Reply.of(
            "OK: I'll tell you here when %(codes)s is down. "
            "Your account is kept for this only until then.",
            codes="LD-7KQ2MX",
        ),
    ]
    for reply in replies:
        text = render_text(reply, lang)
        assert LINK not in text and "leak.example" not in text, (lang, text)
    received = render_text(replies[0], lang)
    assert "LD-7KQ2MX" in received and "LD-8ABCDE" in received and "LD-9ABCDE" in received
    if lang != SOURCE:
        assert "Received" not in received  # really translated


def test_moderator_cards_and_listings_in_the_creators_language() -> None:
    from datetime import UTC, datetime

    from bots.discord.embeds import case_embed, queue_embed
    from bots.telegram.render import announcement_text
    from core.model import CaseStatus, CaseView, LinkView, NoteView
    from handlers import QueueListing

    seen = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    case = CaseView(
        id=7,
        code="LD-7KQ2MX",
        creator="alice",
        status=CaseStatus.CLAIMED,
        reporters=3,
        reports=4,
        first_seen=seen,
        last_seen=seen,
        host="leak.example",
        platform=None,
        links=(LinkView(LINK, LINK, "leak.example", None),),
        claimed_by="discord:42",
        notes=(NoteView("seen in a group", seen, None),),
    )
    card = case_embed(case, "es")
    assert card.title == "Caso LD-7KQ2MX: claimed"
    assert [f.name for f in card.fields][:3] == ["Plataforma", "Sitio", "Personas que reportan"]
    assert card.fields[2].value == "3 (4 reportes)"
    assert card.footer.text == (
        "Los enlaces solo se muestran en este canal. Nunca los vuelvas a publicar."
    )
    listing = queue_embed(QueueListing([case]), "fr")
    assert listing.title == "File d'attente (open, claimed, confirmed) : 1 dossier"
    assert "3 personnes signalantes" in (listing.description or "")
    post = announcement_text(case, "ja")
    assert "報告者 3 人 · 報告 4 件" in post and f"リンク：{LINK}" in post
    assert "匿名の報告者からのメモ：「seen in a group」" in post
    assert render_text(QueueListing([]), "de") == "Keine Fälle (open, claimed, confirmed)."


def test_no_text_is_translated_where_the_extractor_cannot_see_it() -> None:
    hidden = re.compile(r"Texts\([^()]*(?:\([^()]*\))?[^()]*\)\(\s*[rbf]?[\"']")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("handlers", "bots", "core")
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hidden.search(line)
    ]
    assert not found, f"bind t = Texts(lang) and call t('…') so pybabel extracts it: {found}"
