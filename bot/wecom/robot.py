"""WeCom group robots (群机器人): a send-only webhook per group, for scheduled reports and alerts.

`POST {base}/cgi-bin/webhook/send?key=<key>` with a text, markdown or image message (developer.work.
weixin.qq.com/document/path/91770): text at most 2,048 bytes, markdown 4,096, an image at most 2 MB
(before base64) sent as base64 with the md5 of its bytes; at most 20 messages a minute per robot.
The key is the robot's only credential, so it never reaches a log line.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import aiohttp

from bot.core.outbox import DeliveryError
from bot.messages import Reply
from bot.text import Unit, split_text
from bot.wecom.errors import delivery_error

log = logging.getLogger(__name__)

PLATFORM = "wecom_robot"
MARKDOWN_MAX_BYTES = 4000  # WeCom: 4,096 bytes
TEXT_MAX_BYTES = 2000  # WeCom: 2,048 bytes
IMAGE_MAX_BYTES = 2 * 1024 * 1024
PER_MINUTE = 20


def markdown_of(text: str) -> str:
    """A report's plain text as robot markdown: the first line in bold, the rest as it is."""
    head, _, rest = text.strip().partition("\n")
    head = head.replace("*", "")
    return f"**{head}**\n{rest}" if head else rest


def image_message(png: bytes) -> dict[str, Any]:
    """An image message: the bytes in base64 and their md5, as the webhook wants them."""
    if len(png) > IMAGE_MAX_BYTES:
        raise ValueError("a robot image may be at most 2 MB")
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},  # noqa: S324
    }


def pieces(reply: Reply, *, markdown: bool = True) -> list[Reply]:
    """The webhook messages one reply becomes, each on its own: the image, then the text in parts
    (markdown: at most 4,000 bytes, already the markdown to post, `.markdown` set; text: 2,000)."""
    out: list[Reply] = []
    if reply.image is not None:
        out.append(Reply(text="", image=reply.image))
    if not reply.text.strip():
        return out
    if markdown:
        parts = split_text(markdown_of(reply.text), MARKDOWN_MAX_BYTES, unit=Unit.BYTES)
        return out + [Reply(text=part, markdown=part) for part in parts]
    return out + [Reply(text=part) for part in split_text(reply.text, TEXT_MAX_BYTES, unit=Unit.BYTES)]


def message_of(piece: Reply) -> dict[str, Any]:
    """The webhook body of one piece: an image, markdown, or text."""
    if piece.image is not None:
        return image_message(piece.image)
    if piece.markdown is not None:
        return {"msgtype": "markdown", "markdown": {"content": piece.markdown}}
    return {"msgtype": "text", "text": {"content": piece.text}}


class RobotClient:
    """Posts to the configured robots by name; `session` is owned by the caller."""

    def __init__(
        self,
        base_url: str,
        keys: dict[str, str],
        session: aiohttp.ClientSession,
        *,
        timeout_sec: float = 10.0,
    ) -> None:
        self._url = base_url.rstrip("/") + "/cgi-bin/webhook/send"
        self._keys = keys
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_sec)

    @property
    def names(self) -> list[str]:
        return sorted(self._keys)

    async def deliver(self, name: str, piece: Reply) -> None:
        """Post one piece to robot `name`; raises DeliveryError (retryable when WeCom is busy/limiting)."""
        key = self._keys.get(name)
        if key is None:
            raise DeliveryError("unknown_robot", f"no robot named {name!r} in wecom.robots")
        await self._post(key, message_of(piece))

    async def _post(self, key: str, message: dict[str, Any]) -> None:
        try:
            async with self._session.post(
                self._url, params={"key": key}, json=message, timeout=self._timeout
            ) as resp:
                if resp.status != 200:
                    raise DeliveryError("http", f"HTTP {resp.status} from the robot webhook", retryable=True)
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # aiohttp's message carries the URL, and the URL carries the key
            raise DeliveryError("transport", type(exc).__name__, retryable=True) from None
        errcode = data.get("errcode", 0) if isinstance(data, dict) else -1
        if errcode != 0:
            errmsg = str(data.get("errmsg", "")).replace(key, "***") if isinstance(data, dict) else ""
            raise delivery_error(int(errcode), errmsg)
