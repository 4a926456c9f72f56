"""A fake Telegram Bot API on loopback, spoken to by PTB's real HTTPXRequest.

It is a small HTTP/1.1 server (``asyncio.start_server``, keep-alive) that serves
``/bot<token>/<method>`` and ``/file/bot<token>/<path>``: getMe, long-polling getUpdates
with scripted updates, getChatMember/getChatAdministrators, getFile and file downloads, and
records every call (sendMessage, editMessageText, deleteMessage, answerCallbackQuery, …).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN = "123456:TEST-token"
BOT_ID = 123456
BOT_USERNAME = "leakdesk_test_bot"
#: parameters PTB sends as plain strings (everything else is JSON-encoded)
STRING_PARAMS = frozenset({
    "text", "caption", "callback_query_id", "file_id", "url", "secret_token",
    "input_field_placeholder", "description",
})
ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
}


@dataclass
class Call:
    """One Bot API request as the fake received it."""

    method: str
    params: dict[str, Any]
    #: what the fake answered (e.g. the sent Message), None for errors
    result: Any = None

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        """A parameter, or ``default``."""
        return self.params.get(key, default)


@dataclass
class FakeBotApi:
    """Scripted updates in, recorded calls out."""

    token: str = TOKEN
    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list, repr=False)
    #: (chat_id, user_id) -> "creator" | "administrator" | "member" | "left"
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    #: users who never started the bot: private messages to them are Forbidden
    forbidden: set[int] = field(default_factory=set)
    #: file_id -> bytes served by getFile and the file download path
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    #: method -> error responses (status, body) returned before the next success
    errors: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(5000)
        self._changed = asyncio.Condition()
        self._connections: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the server and every open connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before the colon of its token, as on Telegram."""
        return int(self.token.split(":", 1)[0])

    @property
    def api_url(self) -> str:
        """What leakdesk's ``telegram_api_url`` setting should be."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- scripting -------------------------------------------------------------------------
    async def push(self, update: dict[str, Any]) -> int:
        """Queue ``update`` for getUpdates; its update_id (given or assigned)."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return int(update["update_id"])

    def fail(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Make the next ``method`` call fail like Telegram would."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.errors.setdefault(method, []).append((status, body))

    def calls_to(self, method: str, **where: Any) -> list[Call]:
        """Recorded calls of ``method`` whose parameters include ``where``."""
        return [c for c in self.calls if c.method == method
                and all(c.params.get(k) == v for k, v in where.items())]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll until ``predicate()`` is truthy and return its value (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.01)

    async def wait_call(self, method: str, count: int = 1, timeout: float = 5.0,
                        **where: Any) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (matching ``where``)."""
        return await self.wait_for(  # type: ignore[no-any-return]
            lambda: (found := self.calls_to(method, **where)) and len(found) >= count and found,
            timeout,
        )

    # --- HTTP ------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                verb, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, value = line.decode("latin-1").split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, content_type, payload = await self._route(verb, target, headers, body)
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _route(self, verb: str, target: str, headers: dict[str, str],
                     body: bytes) -> tuple[int, str, bytes]:
        path = unquote(urlsplit(target).path)
        file_prefix = f"/file/bot{self.token}/"
        if verb == "GET" and path.startswith(file_prefix):
            file_id = path[len(file_prefix):].rsplit("/", 1)[-1]
            self.downloads.append(file_id)
            if file_id not in self.files:
                return 404, "text/plain", b"not found"
            return 200, "application/octet-stream", self.files[file_id]
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = path[len(prefix):]
        call = Call(method, _parse(headers.get("content-type", ""), body))
        if method != "getUpdates":
            self.calls.append(call)
        if self.errors.get(method):
            return _json(*self.errors[method].pop(0))
        handler = getattr(self, f"_api_{method}", None)
        result = await handler(call.params) if handler else True
        if isinstance(result, tuple):
            return _json(*result)
        call.result = result
        return _json(200, {"ok": True, "result": result})

    # --- Bot API methods -------------------------------------------------------------------
    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {"id": self.bot_id, "is_bot": True, "first_name": "leakdesk",
                "username": self.username, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._changed:
            if not pending() and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(pending), timeout)
            self._updates = pending()
            return list(self._updates)

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "leakdesk",
                     "username": self.username},
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        if int(params["chat_id"]) in self.forbidden:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot can't initiate conversation with a user"}
        return self._message(params)

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        return self._message(params, int(params["message_id"]))

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        status = self.members.get((chat_id, user_id), "member")
        member: dict[str, Any] = {
            "status": status, "user": {"id": user_id, "is_bot": False, "first_name": "U"},
        }
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        if status == "creator":
            member["is_anonymous"] = False
        return member

    async def _api_getChatMember(self, params: dict[str, Any]) -> Any:
        return self._member(int(params["chat_id"]), int(params["user_id"]))

    async def _api_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        return [self._member(chat_id, user_id) for (chat, user_id), status in self.members.items()
                if chat == chat_id and status in ("administrator", "creator")]

    async def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: invalid file_id"}
        return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                "file_size": len(self.files[file_id]), "file_path": f"photos/{file_id}"}


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        if key in STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()
