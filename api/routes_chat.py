"""The chat core over HTTP: `POST /chat` {text, lang?} and `POST /chat/confirm` {id, accept}.

For tools that want the natural-language interface without a chat platform (and for `mt5bot chat`).
The caller's API token decides the role (the master token is admin, a read-only token a viewer); every
trade still goes through a preview and a confirmation, exactly as in Telegram. A button's `action` is
the text a client sends back to `/chat` to press it.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.jsonio import ok, read_body
from api.routing import Endpoint
from api.security.auth import PRINCIPAL
from bot.core.dialog import confirm_action, is_press
from bot.keys import CHAT_CORE
from bot.messages import Incoming, Reply
from nlu import Command

PLATFORM = "http"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatBody(_Body):
    text: str = Field(min_length=1, max_length=4096)
    lang: str | None = Field(None, pattern="^(zh|en)$")


class ConfirmBody(_Body):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")
    accept: bool


class ButtonOut(_Body):
    text: str
    action: str


class ChatOut(_Body):
    text: str
    buttons: list[ButtonOut]
    confirmation_id: str | None


def _merge(replies: list[Reply]) -> ChatOut:
    buttons = [ButtonOut(text=b.text, action=b.action) for r in replies for row in r.buttons for b in row]
    pending = [r.confirmation_id for r in replies if r.confirmation_id]
    return ChatOut(
        text="\n\n".join(r.text for r in replies),
        buttons=buttons,
        confirmation_id=pending[-1] if pending else None,
    )


async def _ask(request: web.Request, text: str, lang: str | None, *, press: bool) -> web.Response:
    principal = request.get(PRINCIPAL)
    if principal is None:
        raise RuntimeError("no authenticated principal on a chat route")
    core = request.app[CHAT_CORE]
    core.admit(PLATFORM, principal.subject, principal.role, lang)
    msg = Incoming(
        platform=PLATFORM,
        user_id=principal.subject,
        chat_id=principal.subject,
        text=None if press else text,
        action=text if press else None,
        lang=lang,
    )
    replies = await core.handle(msg)
    return ok(_merge(replies).model_dump(mode="json"))


async def chat(request: web.Request) -> web.Response:
    body = await read_body(request, ChatBody)
    # A button's action sent back as text is a press; anything else is a message.
    press = is_press(body.text)
    return await _ask(request, body.text, body.lang, press=press)


class ParseBody(_Body):
    text: str = Field(min_length=1, max_length=4096)


async def parse_text(request: web.Request) -> web.Response:
    """What a message means, without acting on it: the parser's command with `needs` (no LLM)."""
    body = await read_body(request, ParseBody)
    return ok(request.app[CHAT_CORE].understand(body.text).model_dump(mode="json"))


async def chat_confirm(request: web.Request) -> web.Response:
    body = await read_body(request, ConfirmBody)
    return await _ask(request, confirm_action(body.id, body.accept), None, press=True)


ENDPOINTS = (
    Endpoint(
        "POST",
        "/chat",
        chat,
        "Talk to the trading assistant",
        "chat",
        ChatOut,
        body=ChatBody,
        errors=(400, 401, 403),
        description="Natural language in, the reply with buttons out.",
    ),
    Endpoint(
        "POST",
        "/parse",
        parse_text,
        "What a message means (nothing is done)",
        "chat",
        Command,
        body=ParseBody,
        errors=(400, 401),
        description="The offline parser's command for the text, as `mt5bot parse` prints it: `needs` lists "
        "what the chat would ask (side, volume_or_price, symbol, ticket). Read-only; no LLM.",
    ),
    Endpoint(
        "POST",
        "/chat/confirm",
        chat_confirm,
        "Confirm or cancel a pending action",
        "chat",
        ChatOut,
        body=ConfirmBody,
        errors=(400, 401, 403),
    ),
)
