"""What every Telegram handler needs: the wired leakdesk App, settings and the announcer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from telegram.ext import Application

from bots.bootstrap import App
from core.settings import Settings

if TYPE_CHECKING:
    from bots.telegram.announcer import Announcer

#: the PTB Application as built by :func:`bots.telegram.create_application`
PTBApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
#: where :func:`bots.telegram.create_application` keeps the :class:`Deps` in ``bot_data``
DEPS_KEY = "leakdesk"


@dataclass(frozen=True)
class Deps:
    """Dependencies handed to each handler group (the PTB Application holds one in bot_data)."""

    app: App
    settings: Settings
    announcer: Announcer


def deps_of(application: PTBApplication) -> Deps:
    """The :class:`Deps` that :func:`bots.telegram.create_application` attached."""
    return cast(Deps, application.bot_data[DEPS_KEY])
