"""OneBot v11 frames as the spec describes them (github.com/botuniverse/onebot-11, commit d4456ee).

The spec gives events as field tables, segments and responses as JSON examples; these samples take
every field the tables list, with the spec's own example values where it has them (the bot account
10001000 of communication/ws-reverse.md, the reply id "123456" of message/segment.md, the message
"你好" of communication/ws.md).
"""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]

SPEC_BOT = 10001000  # communication/ws-reverse.md: `X-Self-ID: 10001000`
SPEC_USER = 10001  # the fake's BOT_QQ is not used here: a user distinct from the bot
SPEC_GROUP = 123456789
SPEC_REPLY_ID = "123456"  # message/segment.md, 回复: {"type": "reply", "data": {"id": "123456"}}

# event/message.md, 私聊消息: time, self_id, post_type, message_type, sub_type, message_id, user_id,
# message, raw_message, font, sender {user_id, nickname, sex, age}.
PRIVATE_MESSAGE: JsonDict = {
    "time": 1_700_000_000,
    "self_id": SPEC_BOT,
    "post_type": "message",
    "message_type": "private",
    "sub_type": "friend",
    "message_id": 11,
    "user_id": SPEC_USER,
    "message": [{"type": "text", "data": {"text": "你好"}}],
    "raw_message": "你好",
    "font": 0,
    "sender": {"user_id": SPEC_USER, "nickname": "小明", "sex": "unknown", "age": 0},
}

# event/message.md, 群消息: as above plus group_id and anonymous (null when not anonymous); sender
# adds card, area, level, role, title. Segments from message/segment.md: 回复 (reply), 某人 (at), text.
GROUP_MESSAGE_AT_AND_REPLY: JsonDict = {
    "time": 1_700_000_000,
    "self_id": SPEC_BOT,
    "post_type": "message",
    "message_type": "group",
    "sub_type": "normal",
    "message_id": 12,
    "group_id": SPEC_GROUP,
    "user_id": SPEC_USER,
    "anonymous": None,
    "message": [
        {"type": "reply", "data": {"id": SPEC_REPLY_ID}},
        {"type": "at", "data": {"qq": str(SPEC_BOT)}},
        {"type": "text", "data": {"text": " 持仓"}},
    ],
    "raw_message": f"[CQ:reply,id={SPEC_REPLY_ID}][CQ:at,qq={SPEC_BOT}] 持仓",
    "font": 0,
    "sender": {
        "user_id": SPEC_USER,
        "nickname": "小明",
        "card": "",
        "sex": "unknown",
        "age": 0,
        "area": "",
        "level": "1",
        "role": "member",
        "title": "",
    },
}

# The same group message replying to the bot without @: addressed only if get_msg says the bot wrote it.
GROUP_MESSAGE_REPLY_ONLY: JsonDict = {
    **GROUP_MESSAGE_AT_AND_REPLY,
    "message_id": 13,
    "message": [
        {"type": "reply", "data": {"id": SPEC_REPLY_ID}},
        {"type": "text", "data": {"text": "确认"}},
    ],
    "raw_message": f"[CQ:reply,id={SPEC_REPLY_ID}]确认",
}

# event/meta.md, 心跳: time, self_id, post_type, meta_event_type, status (as get_status: online, good;
# api/public.md), interval (ms; heartbeat.interval defaults to 15000).
HEARTBEAT: JsonDict = {
    "time": 1_700_000_000,
    "self_id": SPEC_BOT,
    "post_type": "meta_event",
    "meta_event_type": "heartbeat",
    "status": {"online": True, "good": True},
    "interval": 15000,
}
HEARTBEAT_OFFLINE: JsonDict = {**HEARTBEAT, "status": {"online": False, "good": False}}

# event/meta.md, 生命周期: sub_type enable, disable or connect ("connect" only over WebSocket).
LIFECYCLE_CONNECT: JsonDict = {
    "time": 1_700_000_000,
    "self_id": SPEC_BOT,
    "post_type": "meta_event",
    "meta_event_type": "lifecycle",
    "sub_type": "connect",
}


def get_msg_response(echo: Any, *, sender: int) -> JsonDict:
    """get_msg's answer: the envelope of communication/ws.md with the data fields of api/public.md
    (time, message_type, message_id, real_id, sender, message)."""
    return {
        "status": "ok",
        "retcode": 0,
        "data": {
            "time": 1_700_000_000,
            "message_type": "group",
            "message_id": int(SPEC_REPLY_ID),
            "real_id": int(SPEC_REPLY_ID),
            "sender": {"user_id": sender, "nickname": "bot" if sender == SPEC_BOT else "小明"},
            "message": [{"type": "text", "data": {"text": "XAUUSD 2350.10"}}],
        },
        "echo": echo,
    }


def async_response(echo: Any) -> JsonDict:
    """communication/http.md: `async` = accepted for asynchronous handling, retcode 1, data null."""
    return {"status": "async", "retcode": 1, "data": None, "echo": echo}
