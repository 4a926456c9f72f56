"""The dashboard in the moderator's language: the creator's, else the browser's, unless the reader
picked one (``?lang=``, kept in a cookie); English stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots.web.language import COOKIE, accepted, known
from bots.web.words import reworded
from core.escalation.agent import AgentOfRecord
from handlers.i18n import day
from tests.web.conftest import Dashboard, csrf_of, seed

URLS = ["https://mega.nz/file/es1#k1", "https://example.com/es/2"]


async def test_a_spanish_creators_moderator_works_in_spanish(dashboard: Dashboard) -> None:
    app = dashboard.app
    await app.creators.set_language("alice", "es")
    codes = await seed(app, "alice", URLS, reporters=2)
    csrf = await dashboard.sign_in()

    queue = (await dashboard.client.get("/")).text
    assert '<html lang="es">' in queue
    for text in ("Cola", "Escalados", "Gráficos", "Salir", "modera a <b>alice</b>", "Aplicar",
                 "Asignarme", "Confirmar", "Descartar", "Personas que reportan", "abierto",
                 "cola (abierto, asignado, confirmado)", "últimos 7 días", "más recientes",
                 'placeholder="necesario para descartar"'):  # fmt: skip
        assert text in queue, text
    for english in ("Sign out", ">Queue<", ">Apply<", ">open<", "last 7 days"):
        assert english not in queue, english

    done = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes[:1]}
    )
    assert "<b>Confirmar</b>: 1 de 1 caso hecho." in done.text
    assert f'data-code="{codes[0]}">{codes[0]}: confirmado<' in done.text
    mixed = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "claim", "codes": codes}
    )
    assert "1 de 2 casos hechos." in mixed.text
    assert "el caso está confirmado; no se puede «Asignarme»" in mixed.text
    refused = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "dismiss", "codes": codes[1:]}
    )
    assert "para descartar hace falta un motivo" in refused.text

    page = (await dashboard.client.get(f"/cases/{codes[0]}")).text
    for text in ("Enlaces", "Posibles duplicados", "Registro de auditoría", "Visto por primera vez",
                 "Solo se muestran como texto", "2 (de 2 reportes; aquí no se muestra quién",
                 "aún sin decidir", "← Cola", ">confirmado<", "Moderación",
                 day("es", datetime.now(UTC))):  # fmt: skip
        assert text in page, text
    assert "Audit trail" not in page and "Possible duplicates" not in page

    await app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    preview = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "escalate", "codes": codes[:1]}
    )
    for text in ("Escalar: elige destinatarios", "Todavía no se ha escrito ni enviado nada.",
                 "Destinatario", "Canal", "Ver los paquetes"):  # fmt: skip
        assert text in preview.text, text
    assert "Pick recipients" not in preview.text and "Preview packets" not in preview.text

    nothing = await dashboard.client.post("/actions", data={"csrf": csrf, "action": "claim"})
    assert nothing.status_code == 400
    assert "Nada seleccionado" in nothing.text and "Marca los casos" in nothing.text


async def test_a_japanese_creators_escalations_and_charts(dashboard: Dashboard) -> None:
    app = dashboard.app
    await app.creators.set_language("alice", "ja")
    await dashboard.sign_in()
    page = (await dashboard.client.get("/escalations")).text
    assert '<html lang="ja">' in page
    for text in ("エスカレーション 0 件", "エスカレーションはまだありません。", "送信済みにする",
                 "受領済みにする", "削除済みにする", "メモ", "送付先", "期限", "キュー",
                 "ログアウト"):  # fmt: skip
        assert text in page, text
    assert "No escalations yet" not in page and "Mark sent" not in page
    charts = (await dashboard.client.get("/charts")).text
    assert 'alt="1 日あたりの報告と新規ケース"' in charts
    svg = (await dashboard.client.get("/charts/open-by-age.svg")).text
    assert "未処理の作業（経過期間別）" in svg and "1 日未満" in svg


async def test_the_browser_language_when_the_creator_has_none(dashboard: Dashboard) -> None:
    await seed(dashboard.app, "alice", URLS[:1])
    await dashboard.sign_in()
    french = await dashboard.client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text and "File d'attente" in french.text
    german = await dashboard.client.get("/", headers={"Accept-Language": "ko, de;q=0.5, es;q=0.4"})
    assert '<html lang="de">' in german.text and "Warteschlange" in german.text
    unknown = await dashboard.client.get("/", headers={"Accept-Language": "ko, zh;q=0.5"})
    assert '<html lang="en">' in unknown.text and ">Queue<" in unknown.text
    await dashboard.app.creators.set_language("alice", "es")  # the creator's language wins
    spanish = await dashboard.client.get("/", headers={"Accept-Language": "de"})
    assert '<html lang="es">' in spanish.text and "Cola" in spanish.text


async def test_an_explicit_choice_wins_and_is_kept_until_auto(dashboard: Dashboard) -> None:
    await dashboard.app.creators.set_language("alice", "es")
    await seed(dashboard.app, "alice", URLS[:1])
    await dashboard.sign_in()
    chosen = await dashboard.client.get("/", params={"lang": "pt-BR", "status": "all"})
    assert '<html lang="pt-BR">' in chosen.text and "Fila" in chosen.text
    assert chosen.cookies.get(COOKIE) == "pt_BR"
    assert 'href="/?status=all&amp;lang=ja"' in chosen.text  # the switcher keeps the filters
    kept = await dashboard.client.get("/", headers={"Accept-Language": "de"})
    assert '<html lang="pt-BR">' in kept.text
    bogus = await dashboard.client.get("/", params={"lang": "xx"})
    assert '<html lang="pt-BR">' in bogus.text  # an unknown choice changes nothing
    auto = await dashboard.client.get("/", params={"lang": "auto"})
    assert '<html lang="es">' in auto.text and not dashboard.client.cookies.get(COOKIE)


async def test_pages_before_sign_in_follow_the_browser_or_the_links_creator(
    dashboard: Dashboard,
) -> None:
    nobody = await dashboard.client.get("/", headers={"Accept-Language": "pt-BR"})
    assert nobody.status_code == 401
    assert "Entre, por favor" in nobody.text and "Peça ao bot um novo link" in nobody.text
    await dashboard.app.creators.set_language("alice", "de")
    token = await dashboard.auth.mint_link("discord:4242", "alice")
    page = await dashboard.client.get("/signin", params={"token": token})
    assert "Beim Dashboard anmelden" in page.text and 'id="signin">Anmelden<' in page.text
    assert "Er öffnet die Warteschlange von <b>alice</b> als <b>discord:4242</b>." in page.text
    missing = await dashboard.client.get("/nowhere", headers={"Accept-Language": "ja"})
    assert missing.status_code == 404 and "ここにはページがありません。" in missing.text


async def test_an_english_creator_sees_the_english_dashboard(dashboard: Dashboard) -> None:
    await dashboard.app.creators.set_language("alice", "en")
    [code] = await seed(dashboard.app, "alice", URLS[:1])
    await dashboard.sign_in()
    queue = await dashboard.client.get("/", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in queue.text
    for text in (">Queue<", "Sign out", "moderating <b>alice</b>", ">Apply<", ">open<",
                 "queue (open, claimed, confirmed)", "last 7 days"):  # fmt: skip
        assert text in queue.text, text
    page = await dashboard.client.get(f"/cases/{code}", headers={"Accept-Language": "es"})
    assert "Possible duplicates" in page.text and "Audit trail" in page.text
    assert " UTC" in page.text and csrf_of(page.text)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("es-MX,es;q=0.9", "es"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("ko;q=1, ja;q=0.2, de;q=0.3", "de"),
        ("de;q=0, fr;q=0.1", "fr"),
        ("*", None),
        ("ko, zh-TW", None),
        ("fr;q=x, ja", "ja"),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_picks_the_heaviest_language_we_have(
    header: str | None, lang: str | None
) -> None:
    assert accepted(header) == lang


def test_a_tag_is_known_only_when_a_catalog_has_it() -> None:
    assert [known(t) for t in ("pt", "EN-gb", "ja_JP", "ko", "", None, "../en")] == [
        "pt_BR",
        "en",
        "ja",
        None,
        None,
        None,
        None,
    ]


def test_the_cores_sentences_are_reworded_and_others_kept() -> None:
    assert reworded("case is dismissed; cannot claim", "de") == (
        "der Fall ist verworfen; „Übernehmen“ nicht möglich"
    )
    assert reworded("no case LD-7KQ2MX", "fr") == "aucun dossier LD-7KQ2MX"
    assert reworded("merged into LD-7KQ2MX", "ja") == "LD-7KQ2MX に統合済み"
    assert reworded("removed", "pt_BR") == "removido"
    assert reworded("something new from the core", "es") == "something new from the core"
    assert reworded("case is dismissed; cannot claim", "en") == "case is dismissed; cannot claim"
