"""The moderator group in the creator's language (issue 14): Spanish posts with Spanish buttons
that work, a dismissal prompt recognised whatever its language, the "AI-generated: yes / no"
buttons (issue 13), and the moderators' command menu per language."""

from __future__ import annotations

import json
from typing import Any

from bots.telegram.escalation import approval_keyboard, confirm_keyboard, mark_sent_keyboard
from core.model import CaseStatus
from handlers.escalation import FormRequest
from tests.cli.test_case_provenance import generated_png
from tests.telegram_adapter.conftest import ADMIN, FAN, MOD, OUTSIDER, bind_mod_group, codes_in
from tests.telegram_adapter.fake_bot_api import Call, FakeBotApi
from tests.telegram_adapter.test_moderators import buttons, in_mod_group, report_and_get_post
from tests.telegram_adapter.updates import (
    callback,
    message,
    photo,
    private_chat,
    update_message,
    user,
)


async def _answer(fake: FakeBotApi, count: int) -> Call:
    return (await fake.wait_call("answerCallbackQuery", count=count))[-1]


async def test_a_spanish_creators_post_has_spanish_buttons_that_work(fake, bot, sqlite_app):
    await sqlite_app.creators.set_language("default", "es")
    await bind_mod_group(sqlite_app, fake)
    code, post = await report_and_get_post(fake)
    assert "dónde: " in post["text"]
    assert set(buttons(post)) == {"Asignarme", "Confirmar", "Descartar", "Escalar"}

    await fake.push(callback(user(ADMIN), post.result, buttons(post)["Confirmar"]))

    answered = await _answer(fake, 1)
    assert answered["text"] == f"{code} confirmado"
    edit = (await fake.wait_call("editMessageText", chat_id=MOD))[-1]
    assert set(buttons(edit)) == {"Escalar", "Descartar"}
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.CONFIRMED

    await fake.push(callback(user(OUTSIDER), post.result, buttons(edit)["Descartar"]))
    refused = await _answer(fake, 2)
    assert refused["show_alert"] is True
    assert refused["text"].startswith("Solo los administradores de este grupo")


async def test_the_dismissal_prompt_is_spanish_and_a_reply_dismisses(fake, bot, sqlite_app):
    await sqlite_app.creators.set_language("default", "es")
    await bind_mod_group(sqlite_app, fake)
    code, post = await report_and_get_post(fake)

    await fake.push(callback(user(ADMIN), post.result, buttons(post)["Descartar"]))

    [prompt] = await fake.wait_for(
        lambda: [
            c
            for c in fake.calls_to("sendMessage", chat_id=MOD)
            if code in c["text"] and "Descartar:" in c["text"]
        ]
    )
    assert prompt["text"] == (
        f"✏️ {code} · Descartar: responde a este mensaje con el motivo (solo lo ven los "
        "moderadores)."
    )
    assert prompt["reply_markup"]["input_field_placeholder"] == "motivo del descarte"
    assert (await _answer(fake, 1))["text"] == "Responde a mi mensaje con el motivo."

    await fake.push(in_mod_group(ADMIN, "no es ella", reply_to_message=prompt.result))

    edit = (await fake.wait_call("editMessageText", chat_id=MOD))[-1]
    assert "motivo: no es ella" in edit["text"]
    assert set(buttons(edit)) == {"Reabrir"}
    assert await sqlite_app.cases.audit_log(code) == [
        (f"telegram:{ADMIN}", "dismiss", "no es ella")
    ]


async def test_a_reply_to_the_case_post_itself_dismisses_nothing(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    code, post = await report_and_get_post(fake)

    await fake.push(in_mod_group(ADMIN, "looks fake to me", reply_to_message=post.result))
    await fake.push(in_mod_group(ADMIN, f"/show {code}"))
    await fake.wait_for(
        lambda: [
            c for c in fake.calls_to("sendMessage", chat_id=MOD) if c["text"].startswith("case: ")
        ]
    )

    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.OPEN


async def _generated_picture_post(fake: FakeBotApi) -> tuple[str, Call]:
    data = generated_png()
    fake.files["gen1"] = data
    await fake.push(
        update_message(message(private_chat(FAN), user(FAN), None, photo=photo("gen1", len(data))))
    )
    reply = (await fake.wait_call("sendMessage", chat_id=FAN))[-1]
    [code] = codes_in(reply["text"])
    posts = await fake.wait_for(
        lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD) if code in c["text"]]
    )
    return code, posts[0]


async def test_ai_generated_buttons_record_the_moderators_decision(fake, bot, sqlite_app):
    await sqlite_app.creators.set_language("default", "fr")
    await bind_mod_group(sqlite_app, fake)
    code, post = await _generated_picture_post(fake)
    keys = buttons(post)
    assert {"Généré par IA : oui", "Généré par IA : non"} <= set(keys)
    assert all(len(data.encode()) <= 64 and code in data for data in keys.values())

    await fake.push(callback(user(ADMIN), post.result, keys["Généré par IA : oui"]))

    assert (await _answer(fake, 1))["text"] == f"{code} marqué comme généré par IA"
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.synthetic and case.synthetic_by == f"telegram:{ADMIN}"
    assert await sqlite_app.escalations.synthetic_codes("default") == {code}

    await fake.push(callback(user(ADMIN), post.result, keys["Généré par IA : non"]))

    assert (await _answer(fake, 2))["text"] == f"{code} marqué comme non généré par IA"
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and not case.synthetic
    log = [action for _, action, _ in await sqlite_app.cases.audit_log(code)]
    assert log == ["synthetic", "not_synthetic"]


async def test_an_outsider_cannot_decide_ai_generated(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    code, post = await _generated_picture_post(fake)

    await fake.push(callback(user(OUTSIDER), post.result, buttons(post)["AI-generated: yes"]))

    assert (await _answer(fake, 1))["show_alert"] is True
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and not case.synthetic and case.synthetic_by is None


async def test_a_case_without_evidence_has_no_ai_generated_buttons(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    _code, post = await report_and_get_post(fake)
    assert set(buttons(post)) == {"Claim", "Confirm", "Dismiss", "Escalate"}


def _menus(fake: FakeBotApi) -> dict[tuple[str | None, str], dict[str, str]]:
    found: dict[tuple[str | None, str], dict[str, str]] = {}
    for call in fake.calls_to("setMyCommands"):
        scope = call["scope"]
        scope = json.loads(scope) if isinstance(scope, str) else scope
        listed: Any = call["commands"]
        listed = json.loads(listed) if isinstance(listed, str) else listed
        found[(call.get("language_code"), scope["type"])] = {
            c["command"]: c["description"] for c in listed
        }
    return found


async def test_group_admins_get_the_moderator_menu_in_every_language(fake, bot):
    await fake.wait_call("setMyCommands", count=18)
    menus = _menus(fake)

    admins = menus[(None, "all_chat_administrators")]
    assert admins["queue"] == "moderators: the case queue"
    assert {"report", "help", "claim", "dismiss", "synthetic", "escalate"} <= set(admins)
    assert menus[("es", "all_chat_administrators")]["queue"] == "moderadores: la cola de casos"
    assert menus[("ja", "all_chat_administrators")]["claim"] == "モデレーター：ケースを担当する"
    assert set(menus[("de", "all_chat_administrators")]) == set(admins)
    assert "queue" not in menus[(None, "all_group_chats")]  # fans never see moderators' menu


def _labels(markup: Any) -> list[str]:
    return [button.text for row in markup.inline_keyboard for button in row]


def test_escalation_buttons_are_labelled_in_the_groups_language() -> None:
    form = FormRequest("ab12cd34", "x", "https://help.x.com/form", (), ("LD-7KQ2MX",))
    assert _labels(confirm_keyboard("x", "es")) == ["Confirmar", "Cancelar"]
    assert _labels(mark_sent_keyboard(form, MOD, "pt_BR")) == ["Marcar como enviado"]
    assert _labels(approval_keyboard("ab12cd34", "de")) == ["Freigeben"]
    assert _labels(confirm_keyboard(None)) == ["Confirm", "Cancel"]


async def test_bind_answers_in_the_creators_language(fake, bot, sqlite_app):
    await sqlite_app.creators.set_language("alice", "pt_BR")
    fake.members[(MOD, ADMIN)] = "administrator"

    await fake.push(in_mod_group(ADMIN, "/bind alice"))

    bound = (await fake.wait_call("sendMessage", chat_id=MOD))[-1]["text"]
    assert bound.startswith("Este grupo agora é o grupo de moderadores de alice.")
    assert "t.me/leakdesk_test_bot?start=alice" in bound
    venue = await sqlite_app.venues.get("telegram", str(MOD))
    assert venue is not None and venue.creator == "alice" and venue.is_mod_venue
