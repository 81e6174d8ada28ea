"""OneBot v11 wire format without a socket: frames, CQ codes, message reading and reply drawing."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.messages import Reply
from bot.onebot.adapter import Target
from bot.onebot.connections import OneBotError
from bot.onebot.protocol import (
    ActionResponse,
    MessageEvent,
    MessageType,
    MetaEvent,
    Role,
    Segment,
    StoredMessage,
    cq_to_segments,
    cq_unescape,
    parse_frame,
    read_message,
    replied_id,
    reply_segments,
    to_incoming,
)
from bot.onebot.replies import BotMessages
from bot.onebot.settings import OneBotSettings
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
    private = to_incoming(_event())
    assert private is not None
    assert (private.platform, private.chat_id, private.user_name, private.buttons) == (
        "qq",
        "20002",
        "nick",
        False,
    )
    group = _event(message_type="group", group_id=40004, message="[CQ:reply,id=9]确认")
    chatter = to_incoming(group)
    assert chatter is not None and chatter.chat_id == "g40004" and not chatter.addressed
    replied = to_incoming(group, reply_to_bot=True)
    assert replied is not None and replied.addressed and replied.text == "确认"
    assert to_incoming(_event(user_id=int(BOT))) is None  # our own message echoed back
    assert to_incoming(_event(message="[CQ:image,file=x.png]")) is None  # nothing to read
    assert to_incoming(_event(message="x" * 4097)) is None  # refused, not cut
    assert to_incoming(_event(message_type="group")) is None  # a group without its id


def test_replied_id_only_where_a_reply_can_address_the_bot() -> None:
    assert replied_id(_event(message_type="group", group_id=1, message="[CQ:reply,id=9]确认")) == "9"
    mentioned = f"[CQ:reply,id=9][CQ:at,qq={BOT}]确认"  # the @ already addresses it: no lookup
    assert replied_id(_event(message_type="group", group_id=1, message=mentioned)) is None
    assert replied_id(_event(message="[CQ:reply,id=9]确认")) is None  # private: always addressed
    assert replied_id(_event(message_type="group", group_id=1, message="hi")) is None


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


def test_async_status_is_success_without_data() -> None:
    # communication/http.md: "async" = accepted for asynchronous handling, retcode 1, data null.
    accepted = ActionResponse(status="async", retcode=1, data=None, echo="e")
    assert (accepted.ok, accepted.message_id) == (True, None)
    assert not ActionResponse(status="failed", retcode=1, echo="e").ok


def test_client_roles() -> None:
    assert Role.parse("") is Role.UNIVERSAL  # no header: one socket for both
    assert [Role.parse(v) for v in ("API", "event", "UNIVERSAL")] == [Role.API, Role.EVENT, Role.UNIVERSAL]
    assert Role.parse("Both") is None
    assert [(r.carries_events, r.carries_actions) for r in Role] == [
        (False, True),
        (True, False),
        (True, True),
    ]


def test_meta_events_say_online_or_nothing() -> None:
    def meta(**fields: object) -> MetaEvent:
        frame = parse_frame(json.dumps({"post_type": "meta_event", **fields}))
        assert isinstance(frame, MetaEvent)
        return frame

    assert meta(meta_event_type="heartbeat", status={"online": False, "good": False}).online is False
    assert meta(meta_event_type="heartbeat", status={"online": True, "good": True}).online is True
    assert meta(meta_event_type="heartbeat", status={"online": None, "good": False}).online is None
    assert meta(meta_event_type="heartbeat").online is None
    assert meta(meta_event_type="lifecycle", sub_type="connect").online is True
    assert meta(meta_event_type="lifecycle", sub_type="disable").online is False


def test_stored_message_sender() -> None:
    assert StoredMessage.model_validate({"sender": {"user_id": int(BOT)}}).sent_by(BOT)
    assert StoredMessage.model_validate({"sender": {"user_id": BOT}}).sent_by(BOT)  # as text
    assert not StoredMessage.model_validate({"sender": {"user_id": 20002}}).sent_by(BOT)
    assert not StoredMessage.model_validate({}).sent_by(BOT)


def test_settings_self_ids_and_the_older_self_id() -> None:
    token = "t" * 16
    both = OneBotSettings.model_validate(
        {"access_token": token, "self_ids": [10001, "10002"], "self_id": 10003}
    )
    assert both.allowed_ids == {"10001", "10002", "10003"}
    assert OneBotSettings.model_validate({"self_id": 10001}).allowed_ids == {"10001"}
    assert OneBotSettings.model_validate({"self_ids": "10001"}).self_ids == ("10001",)
    assert OneBotSettings().allowed_ids == frozenset()  # any account with the token
    for bad in ({"self_ids": ["abc"]}, {"self_id": "12"}, {"self_ids": [True]}):
        with pytest.raises(ValidationError):
            OneBotSettings.model_validate(bad)


class ScriptedLookup:
    """get_msg as a hand-written stub: answers from `stored`, raises for ids in `failing`."""

    def __init__(self, stored: dict[int, object], failing: set[int] | None = None) -> None:
        self.stored = stored
        self.failing = failing or set()
        self.asked: list[tuple[str, int]] = []

    async def __call__(self, self_id: str, message_id: int) -> ActionResponse:
        self.asked.append((self_id, message_id))
        if message_id in self.failing:
            raise OneBotError("get_msg: no response in 3 s")
        return ActionResponse(status="ok", retcode=0, data=self.stored.get(message_id))


async def test_bot_messages_ask_once_and_fall_back_to_not_the_bots() -> None:
    lookup = ScriptedLookup({1: {"sender": {"user_id": int(BOT)}}, 2: {"sender": {"user_id": 20002}}}, {3})
    messages = BotMessages(lookup, size=3)
    messages.remember(BOT, "9")
    assert await messages.is_own(BOT, "9") and lookup.asked == []  # sent here: no need to ask
    assert await messages.is_own(BOT, "1")
    assert not await messages.is_own(BOT, "2")
    assert not await messages.is_own(BOT, "3")  # failed: not the bot's, and not cached
    assert not await messages.is_own(BOT, "4")  # data null (e.g. an "async" answer): not the bot's
    assert not await messages.is_own(BOT, "x")  # not a number: never asked
    assert await messages.is_own(BOT, "1") and not await messages.is_own(BOT, "3")
    assert lookup.asked == [(BOT, 1), (BOT, 2), (BOT, 3), (BOT, 4), (BOT, 3)]
    messages.remember(BOT, "10")
    assert messages.known(BOT, "9") is None  # the oldest of four answers was forgotten (size 3)
    assert messages.known(BOT, "10") is True
    assert messages.known("10002", "1") is None  # answers are per account
