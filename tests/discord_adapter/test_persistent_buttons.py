"""The persistent buttons' ids: pinned byte for byte (buttons already posted in Discord must keep
working after an upgrade), rebuilt from their ids, and the shared base's rules."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bots.discord.approval import ApproveButton
from bots.discord.escalation import CancelButton, ConfirmButton, MarkSentButton
from bots.discord.persistent_button import PersistentButton, id_format
from bots.discord.replies import NOT_MODERATOR
from bots.discord.views import CaseButton
from bots.discord.watch import WatchButton
from handlers.i18n import Texts

#: each button, built for a sample value, and the id it has always had
PINNED: list[tuple[PersistentButton, str]] = [
    (ApproveButton("0123abcd"), "ld:esc:ok:0123abcd"),
    (ConfirmButton("x"), "ld:esc:go:x"),
    (ConfirmButton(None), "ld:esc:go:*"),
    (CancelButton(), "ld:esc:no"),
    (MarkSentButton("deadbeef42"), "ld:esc:sent:deadbeef42"),
    (WatchButton(1234567890123), "ld:watch:1234567890123"),
    (CaseButton("confirm", 42), "ld:case:confirm:42"),
    (CaseButton("synthetic_no", 7), "ld:case:synthetic_no:7"),
]


def rebuilt(button: PersistentButton) -> Any:
    """What discord.py makes of a press on ``button`` (as after a restart)."""
    match = button.template.fullmatch(button.custom_id)
    assert match is not None, button.custom_id
    return asyncio.run(type(button).from_custom_id(None, button.item, match))  # type: ignore[arg-type]


@pytest.mark.parametrize(("button", "pinned"), PINNED, ids=[pinned for _, pinned in PINNED])
def test_every_button_keeps_its_id(button: PersistentButton, pinned: str) -> None:
    assert button.custom_id == pinned
    assert button.item.custom_id == pinned


@pytest.mark.parametrize(("button", "pinned"), PINNED, ids=[pinned for _, pinned in PINNED])
def test_a_press_rebuilds_the_same_button(button: PersistentButton, pinned: str) -> None:
    again = rebuilt(button)

    assert type(again) is type(button)
    assert again.custom_id == pinned


def test_rebuilt_buttons_carry_their_values() -> None:
    assert rebuilt(ApproveButton("0123abcd")).batch == "0123abcd"
    assert rebuilt(ConfirmButton(None)).platform is None
    assert rebuilt(ConfirmButton("reddit")).platform == "reddit"
    assert rebuilt(MarkSentButton("deadbeef42")).request_key == "deadbeef42"
    assert rebuilt(WatchButton(99)).report_id == 99
    case = rebuilt(CaseButton("claim", 5))
    assert (case.action, case.case_id) == ("claim", 5)


def test_labels_styles_and_rows_are_the_buttons_own() -> None:
    case = CaseButton("synthetic_yes", 3, disabled=True, lang="es")

    assert case.item.disabled is True
    assert case.item.row == 1
    assert case.item.style is discord.ButtonStyle.secondary
    assert CaseButton("dismiss", 3).item.style is discord.ButtonStyle.danger
    assert CaseButton("dismiss", 3).item.row == 0
    assert ConfirmButton("x").item.style is discord.ButtonStyle.danger
    assert WatchButton(1).item.label == "Tell me when it's down"


def test_an_id_format_comes_from_the_template() -> None:
    assert id_format(r"ld:a:(?P<x>[0-9]{1,3}):(?P<y>a|b)") == "ld:a:{x}:{y}"
    with pytest.raises(TypeError):
        id_format(r"ld:a:[0-9]+")


def test_a_value_outside_the_template_is_refused() -> None:
    with pytest.raises(ValueError):
        ApproveButton("not-hex")


def test_the_base_has_no_id() -> None:
    with pytest.raises(TypeError):
        PersistentButton("label", discord.ButtonStyle.primary)


def test_every_button_refuses_in_the_moderator_language() -> None:
    spanish = SimpleNamespace(lang="es")
    in_spanish = Texts("es")(NOT_MODERATOR)
    assert in_spanish != NOT_MODERATOR
    buttons = (
        CaseButton("claim", 1),
        ApproveButton("0123abcd"),
        ConfirmButton(None),
        MarkSentButton("0123abcd"),
    )
    for button in buttons:
        assert button.worded(NOT_MODERATOR, spanish, None) == in_spanish  # type: ignore[arg-type]
