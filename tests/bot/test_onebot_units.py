"""OneBot v11 wire format without a socket: frames, CQ codes, message reading and reply drawing."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.messages import Reply
from bot.onebot.adapter import RecentIds, Target
from bot.onebot.protocol import (
    ActionResponse,
    MessageEvent,
    MessageType,
    MetaEvent,
    Segment,
    cq_to_segments,
    cq_unescape,
    parse_frame,
    read_message,
    reply_segments,
    to_incoming,
)
from bot.text import split_text

BOT = "10001"


def _event(**overrides: object) -> MessageEvent:
    data: dict[str, object] = {
        "post_type": "message",
        "message_type": "private",
        "message_id": 7,
        "user_id": 20002,
        "self_id": int(BOT),
        "message": [{"type": "text", "data": {"text": "hi"}}],
        "sender": {"nickname": "nick", "card": "card"},
    }
    data.update(overrides)
    return MessageEvent.model_validate(data)


def test_cq_unescape_order_and_commas() -> None:
    assert cq_unescape("&amp;#91;") == "&#91;"  # &amp; last, so an escaped escape survives
    assert cq_unescape("&#91;a&#93;&#44;") == "[a]&#44;"
    assert cq_unescape("a&#44;b", in_param=True) == "a,b"


def test_cq_string_to_segments() -> None:
    segments = cq_to_segments(
        "[CQ:reply,id=-12]前&#91;x&#93;[CQ:at,qq=10001][CQ:image,file=a&#44;b.png,url=u]后"
    )
    assert [(s.type, s.data) for s in segments] == [
        ("reply", {"id": "-12"}),
        ("text", {"text": "前[x]"}),
        ("at", {"qq": "10001"}),
        ("image", {"file": "a,b.png", "url": "u"}),
        ("text", {"text": "后"}),
    ]
    assert cq_to_segments("") == []
    assert [s.type for s in cq_to_segments("[CQ:shake]")] == ["shake"]


def test_read_message_strips_the_bots_at_and_keeps_others() -> None:
    segments = [
        Segment(type="reply", data={"id": 55}),
        Segment(type="at", data={"qq": int(BOT)}),
        Segment(type="text", data={"text": "  平仓  "}),
        Segment(type="at", data={"qq": "30003"}),
        Segment(type="face", data={"id": "1"}),
    ]
    parsed = read_message(segments, BOT)
    assert parsed.text == "平仓 @30003"
    assert parsed.mentions == (BOT, "30003")
    assert parsed.reply_to == "55"
    assert read_message("[CQ:at,qq=10001] 持仓", BOT).text == "持仓"
    assert read_message("line1\nline2", BOT).text == "line1\nline2"


def test_parse_frame_kinds() -> None:
    assert isinstance(parse_frame(json.dumps(_event().model_dump(mode="json"))), MessageEvent)
    assert isinstance(parse_frame('{"post_type":"meta_event","meta_event_type":"lifecycle"}'), MetaEvent)
    response = parse_frame('{"status":"failed","retcode":100,"data":null,"echo":"e1","wording":"no"}')
    assert isinstance(response, ActionResponse)
    assert (response.ok, response.reason, response.message_id) == (False, "no", None)
    ok = ActionResponse(status="ok", retcode=0, data={"message_id": 12}, echo="e2")
    assert (ok.ok, ok.message_id) == (True, "12")
    for junk in ("[]", "nope", '{"post_type":"notice"}', '{"post_type":"message"}', '{"echo":"x"}'):
        assert parse_frame(junk) is None


def test_to_incoming_private_group_and_refusals() -> None:
    private = to_incoming(_event(), set())
    assert private is not None
    assert (private.platform, private.chat_id, private.user_name, private.buttons) == (
        "qq",
        "20002",
        "nick",
        False,
    )
    group = _event(message_type="group", group_id=40004, message="[CQ:reply,id=9]确认")
    chatter = to_incoming(group, set())
    assert chatter is not None and chatter.chat_id == "g40004" and not chatter.addressed
    replied = to_incoming(group, {"9"})
    assert replied is not None and replied.addressed and replied.text == "确认"
    assert to_incoming(_event(user_id=int(BOT)), set()) is None  # our own message echoed back
    assert to_incoming(_event(message="[CQ:image,file=x.png]"), set()) is None  # nothing to read
    assert to_incoming(_event(message="x" * 4097), set()) is None  # refused, not cut
    assert to_incoming(_event(message_type="group"), set()) is None  # a group without its id


def test_reply_segments_text_image_and_quote() -> None:
    [message] = reply_segments(Reply(text="t", image=b"\x89PNG"), quote="77")
    assert [s.type for s in message] == ["reply", "text", "image"]
    assert message[0].data == {"id": "77"}
    assert base64.b64decode(message[2].data["file"].removeprefix("base64://")) == b"\x89PNG"
    [image_only] = reply_segments(Reply(text="", image=b"x"))
    assert [s.type for s in image_only] == ["image"]
    assert reply_segments(Reply(text="")) == []
    parts = reply_segments(Reply(text="aaa\nbbb\nccc", image=b"x"), quote="1", limit=7)
    assert [[s.type for s in p] for p in parts] == [["reply", "text", "image"], ["text"]]


@given(st.lists(st.text(alphabet="ab仓 ", max_size=30), min_size=1, max_size=40), st.integers(8, 60))
def test_split_text_keeps_lines_and_limits(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    chunks = split_text(text, limit)
    assert all(len(chunk) <= limit for chunk in chunks)
    if all(len(line) <= limit for line in lines):
        assert "\n".join(chunks) == text
    else:
        assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_target_of_chat_ids() -> None:
    assert Target.of("20002") == Target(MessageType.PRIVATE, 20002)
    assert Target.of("g40004") == Target(MessageType.GROUP, 40004)
    for bad in ("g", "abc", "-5", "g-1"):
        with pytest.raises(ValueError, match="QQ chat id"):
            Target.of(bad)


def test_recent_ids_forget_the_oldest() -> None:
    ids = RecentIds(size=3)
    for item in "abcd":
        ids.add(item)
    assert "a" not in ids
    assert all(item in ids for item in "bcd")
