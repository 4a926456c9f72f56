"""Builders for the Bot API JSON of updates the fake server hands to the bot."""

from __future__ import annotations

import itertools
import time
from typing import Any

_message_ids = itertools.count(100)
_callback_ids = itertools.count(1)


def user(user_id: int, first_name: str = "Fan") -> dict[str, Any]:
    """A (human) Telegram user."""
    return {"id": user_id, "is_bot": False, "first_name": first_name}


def private_chat(user_id: int) -> dict[str, Any]:
    """The private chat between ``user_id`` and the bot."""
    return {"id": user_id, "type": "private", "first_name": "Fan"}


def group_chat(chat_id: int, title: str = "Fan group") -> dict[str, Any]:
    """A supergroup."""
    return {"id": chat_id, "type": "supergroup", "title": title}


def message(chat: dict[str, Any], sender: dict[str, Any], text: str | None = None,
            **extra: Any) -> dict[str, Any]:
    """A message; a leading ``/command`` gets its bot_command entity like Telegram adds."""
    body: dict[str, Any] = {
        "message_id": next(_message_ids), "date": int(time.time()), "chat": chat, "from": sender,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)},
                                *extra.pop("entities", [])]
    body.update(extra)
    return body


def url_entities(text: str, *urls: str) -> list[dict[str, Any]]:
    """``url`` entities for each of ``urls`` as they appear in ``text`` (ASCII only)."""
    return [{"type": "url", "offset": text.index(u), "length": len(u)} for u in urls]


def text_link(text: str, shown: str, url: str) -> dict[str, Any]:
    """A ``text_link`` entity: ``shown`` in ``text`` links to ``url``."""
    return {"type": "text_link", "offset": text.index(shown), "length": len(shown), "url": url}


def photo(file_id: str, size: int) -> list[dict[str, Any]]:
    """Photo sizes of one picture (thumbnail first, largest last, as Telegram sends them)."""
    return [
        {"file_id": f"{file_id}-thumb", "file_unique_id": f"{file_id}t", "width": 90,
         "height": 90, "file_size": 1000},
        {"file_id": file_id, "file_unique_id": f"{file_id}u", "width": 800, "height": 600,
         "file_size": size},
    ]


def update_message(msg: dict[str, Any]) -> dict[str, Any]:
    """An update carrying a new message."""
    return {"message": msg}


def callback(sender: dict[str, Any], msg: dict[str, Any], data: str) -> dict[str, Any]:
    """An update for a button press on ``msg``."""
    return {"callback_query": {"id": str(next(_callback_ids)), "from": sender,
                               "chat_instance": "ci", "message": msg, "data": data}}
