"""``/reporters`` (simcord): moderators list a case's reporters (pseudonyms, ephemeral) and
suspend or trust them; fans and another creator's moderators are refused; the suspended
fan's next report is refused; the command and its options are localised."""

from __future__ import annotations

import re

import simcord

from bots.bootstrap import App
from tests.discord_adapter.conftest import server
from tests.discord_adapter.test_languages import _registered
from tests.discord_adapter.test_moderation import report

PSEUDONYM = re.compile(r"discord:[0-9a-f]{10}")


def said(result: simcord.InteractionResult) -> str:
    """The private answer of an interaction."""
    assert result.ephemeral and result.response is not None
    return result.response.content


async def test_moderators_list_suspend_and_trust_a_cases_reporters(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    code = await report(s)

    refused = said(await s.fan.slash(s.general, "reporters", case=code))
    assert "only this server's leakdesk moderators" in refused and not PSEUDONYM.search(refused)
    listing = said(await s.mod.slash(s.general, "reporters", case=code))
    assert listing.startswith(f"Reporters of {code} (pseudonyms only):")
    (name,) = PSEUDONYM.findall(listing)
    assert str(s.fan.id) not in listing
    assert "usage: /suspend" in said(await s.mod.slash(s.general, "reporters", action="suspend"))

    done = said(
        await s.mod.slash(
            s.general, "reporters", case=code, action="suspend", reporter="all", reason="flood"
        )
    )
    assert done.startswith(f"{name} suspended until ")
    log = await app.cases.audit_log(code)
    assert (f"discord:{s.mod.id}", "suspend_reporter") in [(m, a) for m, a, _ in log]
    again = await s.fan.slash(s.general, "report", link="https://x.com/other/status/99")
    assert "your reports are suspended until" in said(again)

    lifted = await s.mod.slash(s.general, "reporters", action="unsuspend", reporter=name)
    assert said(lifted) == f"{name}: suspension lifted"
    trusted = await s.mod.slash(s.general, "reporters", action="trust", reporter=name)
    assert said(trusted) == f"{name}: trusted by a moderator"
    view = await app.cases.get_case(code)
    assert view is not None
    assert (await app.trust.annotate([view]))[0].trusted is True  # type: ignore[union-attr]


async def test_another_creators_moderators_never_reach_these_reporters(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    code = await report(s)
    name = PSEUDONYM.findall(said(await s.mod.slash(s.general, "reporters", case=code)))[0]
    await app.creators.create("bob")
    bob = await server(env, "Bob fans", creator="bob")

    listing = said(await bob.mod.slash(bob.general, "reporters", case=code))
    assert listing == f"⚠ no case {code}"
    untrusted = said(await bob.mod.slash(bob.general, "reporters", action="untrust", reporter=name))
    assert untrusted == f"⚠ no reporter {name} among the named reporters of this creator's cases"
    decided = [a for _, a, _ in await app.cases.audit_log(code) if a.endswith("_reporter")]
    assert decided == []


async def test_the_command_and_its_options_are_localised(env: simcord.Env, app: App) -> None:
    command = _registered(env)["reporters"]
    assert command["name_localizations"]["es-ES"] == "reportantes"
    assert command["name_localizations"]["ja"] == "報告者"
    options = {option["name"]: option for option in command["options"]}
    assert set(options) == {"case", "action", "reporter", "reason"}
    assert options["reporter"]["name_localizations"]["de"] == "meldende_person"
    choices = {c["value"]: c for c in options["action"]["choices"]}
    assert choices["suspend"]["name_localizations"]["fr"] == "suspendre"
    for item in (command, *command["options"]):
        for localized in (item.get("name_localizations") or {}).values():
            assert re.fullmatch(r"[-_\w]{1,32}", localized) and localized == localized.lower()
