"""A fake Telegram Bot API server on 127.0.0.1 for the real python-telegram-bot to talk to.

Requests arrive at `/bot<TOKEN>/<method>` form-encoded or multipart (`reply_markup` a JSON string inside
the form); answers are `{"ok": true, "result": ...}` with real Bot API object shapes. Tests inject user
messages and button presses (served to the long-polling `getUpdates`, or posted to a webhook), read what
the bot sent from `calls`, and can make the server fail (`fail_with = 500`) to play an outage.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.bot.telegram_entities import entity_error

BOT_ID = 777000111
BOT_USERNAME = "mt5_test_bot"
JsonDict = dict[str, Any]


@dataclass
class Call:
    """One Bot API request the bot made: the method and its parameters (JSON strings decoded)."""

    method: str
    params: JsonDict
    files: dict[str, bytes] = field(default_factory=dict)


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _flood(retry_after: int) -> web.Response:
    # Bot API: "Too Many Requests: retry after N", error_code 429, parameters.retry_after = N seconds.
    body = {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
    return web.json_response(body, status=429)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


class FakeTelegram:
    """The server, its update queue, the chats' messages and a record of every call."""

    def __init__(self, token: str = "123456:TEST-token-abcdefghijklmnop") -> None:  # noqa: S107
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], JsonDict] = {}
        self.fail_with: int | None = None  # every method answers this HTTP status while set
        # method -> how many more calls get Telegram's flood answer (429 with parameters.retry_after)
        self.flood: dict[str, int] = {}
        self.flood_retry_after = 1
        self.fail_next: dict[str, int] = {}  # method -> how many more calls get a 502 (a proxy in between)
        self.forbidden: set[int] = set()  # chats whose user blocked the bot: sends answer 403
        self._closing = False
        self.failures = 0  # requests answered with `fail_with`
        self.webhook: JsonDict | None = None
        self.menus: list[JsonDict] = []  # each setMyCommands: its scope, language and command names
        self._updates: list[JsonDict] = []
        self._next_update = 1
        self._next_message = 100
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        app.router.add_get("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)  # URLs hold the token
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        # Release held long polls at once: the server waits for running handlers when it shuts down.
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests inject ---------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, name: str = "Alice", lang: str | None = "zh-hans") -> JsonDict:
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": name, "username": name.lower()}
        if lang:
            user["language_code"] = lang
        return user

    @staticmethod
    def chat(chat_id: int, kind: str = "private") -> JsonDict:
        if kind == "private":
            return {"id": chat_id, "type": "private", "first_name": "Alice"}
        return {"id": chat_id, "type": kind, "title": "Traders"}

    async def send_text(
        self,
        text: str,
        *,
        user_id: int = 42,
        chat_id: int | None = None,
        chat_type: str = "private",
        entities: list[JsonDict] | None = None,
        reply_to: int | None = None,
        lang: str | None = "zh-hans",
    ) -> JsonDict:
        """A user writes `text`; returns the queued update."""
        chat = self.chat(chat_id if chat_id is not None else user_id, chat_type)
        message = self._message(chat, text, sender=self.user(user_id, lang=lang))
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self.messages[(chat["id"], reply_to)]
        return await self._queue({"message": message})

    async def press(self, chat_id: int, message_id: int, data: str, *, user_id: int = 42) -> JsonDict:
        """A user taps the button carrying `data` under the bot's message."""
        query = {
            "id": f"cb{self._next_update}",
            "from": self.user(user_id),
            "message": self.messages[(chat_id, message_id)],
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return await self._queue({"callback_query": query})

    async def _queue(self, body: JsonDict) -> JsonDict:
        update = {"update_id": self._next_update, **body}
        self._next_update += 1
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    # -- what tests read -----------------------------------------------------------------------

    def sent(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Wait until the bot has called `method` at least `count` times."""

        def enough() -> bool:
            return len(self.sent(method)) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(enough), within)
        return self.sent(method)

    async def wait_failures(self, count: int, within: float = 10.0) -> None:
        """Wait until `count` requests have been answered with `fail_with`."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.failures >= count), within)

    async def wait_polling(self, within: float = 10.0) -> None:
        await self.wait_for("getUpdates", 1, within)

    # -- the Bot API ---------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await self._params(request)
        if self.fail_with is not None:
            async with self._changed:
                self.failures += 1
                self._changed.notify_all()
            return _error(self.fail_with, "Internal Server Error")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if method != "getUpdates":
            await self._record(Call(method, params, files))
        if self.flood.get(method, 0) > 0:
            self.flood[method] -= 1
            return _flood(self.flood_retry_after)
        if self.fail_next.get(method, 0) > 0:
            self.fail_next[method] -= 1
            return _error(502, "Bad Gateway")
        if method.startswith("send") and _int(params.get("chat_id")) in self.forbidden:
            return _error(403, "Forbidden: bot was blocked by the user")
        problem = entity_error(str(params.get("text", params.get("caption", ""))), params.get("parse_mode"))
        if problem:
            return _error(400, problem)
        response: web.StreamResponse = await handler(params, files)
        return response

    @staticmethod
    async def _params(request: web.Request) -> tuple[JsonDict, dict[str, bytes]]:
        if request.content_type == "application/json":
            return dict(await request.json()), {}
        form = await request.post()
        params: JsonDict = {}
        files: dict[str, bytes] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = value.file.read()
            else:
                params[key] = _decode(str(value))
        return params, files

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _message(self, chat: JsonDict, text: str | None, *, sender: JsonDict) -> JsonDict:
        self._next_message += 1
        message: JsonDict = {"message_id": self._next_message, "date": int(time.time()), "chat": chat}
        message["from"] = sender
        if text is not None:
            message["text"] = text
        self.messages[(chat["id"], self._next_message)] = message
        return message

    def _bot_message(self, params: JsonDict, text: str | None) -> JsonDict:
        chat_id = int(params["chat_id"])
        chat = self.chat(chat_id, "private" if chat_id > 0 else "supergroup")
        message = self._message(chat, text, sender=self.me())
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    @staticmethod
    def me() -> JsonDict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "MT5 Bot", "username": BOT_USERNAME}

    async def _m_getMe(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        return _ok(
            {
                **self.me(),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _m_deleteWebhook(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _m_setMyCommands(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        # Bot API: commands is a JSON array of BotCommand (command 1-32 chars of a-z 0-9 _, description
        # 1-256 characters); language_code optional. Anything else is a 400, as Telegram answers.
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            return _error(400, "Bad Request: commands must be non-empty")
        for item in commands:
            name, text = str(item.get("command", "")), str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(text) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat" and not isinstance(scope.get("chat_id"), int | str):
            return _error(400, "Bad Request: chat_id is empty")
        self.menus.append({"scope": scope, "language_code": params.get("language_code", ""),
                           "commands": [item["command"] for item in commands]})  # fmt: skip
        return _ok(True)

    async def _m_setWebhook(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        self.webhook = params
        return _ok(True)

    async def _m_getUpdates(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        offset = int(params.get("offset", 0))
        timeout = float(params.get("timeout", 0))
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.calls.append(Call("getUpdates", params))
            self._changed.notify_all()
            if not self._updates and timeout > 0:
                # Long poll: hold the request until an update arrives or the timeout passes.
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing), timeout
                    )
                except TimeoutError:
                    pass
            return _ok(list(self._updates))

    async def _m_sendMessage(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        return _ok(self._bot_message(params, str(params["text"])))

    async def _m_sendPhoto(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        if "photo" not in files:
            return _error(400, "Bad Request: there is no photo in the request")
        message = self._bot_message(params, None)
        size = len(files["photo"])
        message["photo"] = [
            {
                "file_id": f"ph{message['message_id']}",
                "file_unique_id": f"u{message['message_id']}",
                "width": 800,
                "height": 600,
                "file_size": size,
            }
        ]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return _ok(message)

    def _target(self, params: JsonDict) -> JsonDict | None:
        return self.messages.get((int(params["chat_id"]), int(params["message_id"])))

    async def _m_editMessageText(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        message = self._target(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if "text" not in message:
            return _error(400, "Bad Request: there is no text in the message to edit")
        markup = params.get("reply_markup")
        if message["text"] == params["text"] and message.get("reply_markup") == markup:
            return _error(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        # Like Telegram: an edit without reply_markup drops the inline keyboard.
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return _ok(message)

    async def _m_editMessageReplyMarkup(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        message = self._target(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup:
            return _error(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _ok(message)

    async def _m_answerCallbackQuery(self, params: JsonDict, files: dict[str, bytes]) -> web.Response:
        return _ok(True)


# -- helpers for tests -------------------------------------------------------------------------


def markup_of(call: Call) -> list[list[JsonDict]] | None:
    """The inline keyboard rows a call carried, if any."""
    markup = call.params.get("reply_markup")
    if not markup:
        return None
    rows: list[list[JsonDict]] = markup["inline_keyboard"]
    return rows


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
