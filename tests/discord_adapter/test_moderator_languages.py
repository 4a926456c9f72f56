"""The moderator side in the creator's language (issue 14): a Spanish creator's case card has
Spanish buttons that work, the dismiss dialog is Spanish, the "AI-generated: yes / no" buttons
(issue 13) record the moderator's decision, and the moderators' commands carry localisations."""

from __future__ import annotations

import re
from typing import Any

import simcord

from bots.bootstrap import App
from bots.discord.approval import ApproveButton
from bots.discord.escalation import MarkSentButton, confirm_view
from core.model import CaseStatus
from handlers.i18n import Texts
from tests.cli.test_case_provenance import generated_png
from tests.discord_adapter.conftest import CREATOR, Server, case_posts, field, server
from tests.discord_adapter.test_moderation import CODE, report


def labels(message: Any) -> dict[str, bool]:
    """Button label → disabled, for every button of a message."""
    return {
        c["label"]: c.get("disabled", False)
        for row in message.components
        for c in row.to_dict()["components"]
    }


async def test_a_spanish_creators_card_has_spanish_buttons_that_work(
    env: simcord.Env, app: App
) -> None:
    await app.creators.set_language(CREATOR, "es")
    s = await server(env)
    code = await report(s)
    [card] = case_posts(s, env, code)
    assert labels(card) == {
        "Asignarme": False,
        "Confirmar": False,
        "Descartar": False,
        "Escalar": True,
    }

    await s.mod.click(card, label="Asignarme")

    [claimed] = case_posts(s, env, code)
    assert claimed.id == card.id
    assert (await app.cases.get_case(code)).status is CaseStatus.CLAIMED  # type: ignore[union-attr]
    assert labels(claimed)["Asignarme"] is True and labels(claimed)["Confirmar"] is False

    shown = await s.mod.click(claimed, label="Descartar")

    assert shown.modal is not None
    assert shown.modal["title"] == f"Descartar el caso {code}"
    assert "Motivo" in str(shown.modal)
    await s.mod.submit_modal(shown, {"reason": "no es ella"})
    case = await app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.DISMISSED
    assert [a for _, a, _ in await app.cases.audit_log(code)] == ["claim", "dismiss"]


async def test_an_english_creator_keeps_english_buttons_and_no_synthetic_row(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    code = await report(s)
    [card] = case_posts(s, env, code)
    assert set(labels(card)) == {"Claim", "Confirm", "Dismiss", "Escalate"}


async def _generated_picture_case(s: Server) -> str:
    """A fan reports a picture whose metadata names the generator: a case with provenance."""
    result = await s.fan.slash(s.general, "report", image=("leak.png", generated_png()))
    assert result.response is not None
    found = CODE.search(result.response.content)
    assert found, result.response.content
    return found.group(0)


async def test_ai_generated_buttons_record_the_moderators_decision(
    env: simcord.Env, app: App
) -> None:
    await app.creators.set_language(CREATOR, "de")
    s = await server(env)
    code = await _generated_picture_case(s)
    [card] = case_posts(s, env, code)
    assert labels(card) == {
        "Übernehmen": False,
        "Bestätigen": False,
        "Verwerfen": False,
        "Eskalieren": True,
        "KI-generiert: ja": False,
        "KI-generiert: nein": False,
    }

    await s.mod.click(card, label="KI-generiert: ja")

    case = await app.cases.get_case(code)
    assert case is not None and case.synthetic and case.synthetic_by == f"discord:{s.mod.id}"
    assert await app.escalations.synthetic_codes(CREATOR) == {code}
    [after] = case_posts(s, env, code)
    assert after.id == card.id
    de = Texts("de")
    decided = de("marked synthetic (deepfake) by %(who)s", who=f"discord:{s.mod.id}")
    assert field(after.embeds[0], de("Synthetic?")) == decided

    await s.mod.click(after, label="KI-generiert: nein")

    case = await app.cases.get_case(code)
    assert case is not None and not case.synthetic
    assert await app.escalations.synthetic_codes(CREATOR) == set()
    log = [action for _, action, _ in await app.cases.audit_log(code)]
    assert log[-2:] == ["synthetic", "not_synthetic"]


async def test_only_moderators_may_decide_ai_generated(env: simcord.Env, app: App) -> None:
    s = await server(env)
    code = await _generated_picture_case(s)
    [card] = case_posts(s, env, code)

    refused = await s.helper.click(card, label="AI-generated: yes")

    assert refused.response is not None and refused.ephemeral
    assert "only this server's leakdesk moderators" in refused.response.content
    case = await app.cases.get_case(code)
    assert case is not None and not case.synthetic and case.synthetic_by is None


def _registered(env: simcord.Env) -> dict[str, dict[str, Any]]:
    return {command["name"]: command for command in env.backend.commands[None].values()}


async def test_moderator_commands_carry_localisations(env: simcord.Env, app: App) -> None:
    commands = _registered(env)

    queue = commands["queue"]
    assert queue["name_localizations"]["es-ES"] == "cola"
    assert (
        queue["description_localizations"]["de"] == "Moderatoren: die Fallliste (nur du siehst sie)"
    )
    [status] = queue["options"]
    assert status["name_localizations"]["fr"] == "statut"
    choices = {c["value"]: c for c in status["choices"]}
    assert choices["open"]["name_localizations"]["pt-BR"] == "aberto"
    assert choices["all"]["name_localizations"]["ja"] == "すべて"
    synthetic = commands["synthetic"]
    assert synthetic["name_localizations"]["es-419"] == "sintético"
    options = {o["name"]: o for o in synthetic["options"]}
    assert options["decision"]["name_localizations"]["pt-BR"] == "decisão"
    yes = next(c for c in options["decision"]["choices"] if c["value"] == "yes")
    assert yes["name_localizations"]["de"] == "ja"
    agent = {o["name"]: o for o in commands["agent"]["options"]}
    assert agent["address"]["description_localizations"]["fr"] == (
        "Adresse postale (requise par le DMCA)"
    )
    for name in ("escalate", "dashboard"):
        assert commands[name]["description_localizations"]["ja"].startswith("モデレーター")
    for command in commands.values():  # every localised name is one Discord accepts
        if command.get("type", 1) != 1:
            continue
        names = [command, *command.get("options", [])]
        for item in names:
            for localized in (item.get("name_localizations") or {}).values():
                assert re.fullmatch(r"[-_\w]{1,32}", localized), localized
                assert localized == localized.lower()


def test_escalation_buttons_are_labelled_in_the_moderators_language() -> None:
    preview = confirm_view("x", "ja")
    assert [item.item.label for item in preview.children] == ["確認", "キャンセル"]  # type: ignore[attr-defined]
    assert MarkSentButton("ab12cd34", "fr").item.label == "Marquer envoyé"
    assert ApproveButton("ab12cd34", "es").item.label == "Aprobar"
    assert ApproveButton("ab12cd34").item.label == "Approve"
