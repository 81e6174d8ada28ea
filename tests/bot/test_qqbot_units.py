"""Plain functions of the QQ bot adapter: key derivation and signatures (the platform's published
vectors), payload parsing, the reply plan, the reply book and the settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.messages import Reply
from bot.qqbot.adapter import chat_id, target_of, to_incoming
from bot.qqbot.api import ErrCode, PassiveRef, Scene, Target, _code_of, _expires_in
from bot.qqbot.callback import check_age
from bot.qqbot.events import Ignored, MessageEvent, PayloadError, Validation, clean_content, load, parse
from bot.qqbot.plan import CUT_NOTE, ImagePart, TextPart, fit, plan
from bot.qqbot.settings import QQBotSettings
from bot.qqbot.signing import SignatureError, Signer, seed_of
from bot.qqbot.window import MARGIN_SEC, NoReplyWindow, ReplyBook
from tests.bot.core_stand import FakeClock

# sign.md (tencent-connect/bot-docs): the seed and public key of this secret.
DOC_SECRET = "naOC0ocQE3shWLAfffVLB1rhYPG7"
DOC_PUBLIC = bytes([215, 195, 98, 254, 120, 174, 248, 31, 242, 50, 135, 180, 147, 98, 139, 93,
                    176, 42, 60, 79, 227, 11, 33, 94, 77, 25, 96, 155, 93, 118, 103, 58])  # fmt: skip
# event-emit.md: the op 13 example (secret, plain_token, event_ts -> signature).
OP13_SECRET = "DG5g3B4j9X2KOErG"
OP13_SIGNATURE = (
    "87befc99c42c651b3aac0278e71ada338433ae26fcb24307bdc5ad38c1adc2d0"
    "1bcfcadc0842edac85e85205028a1132afe09280305f13aa6909ffc2d652c706"
)


def test_seed_and_public_key_match_the_platform_docs() -> None:
    assert seed_of(DOC_SECRET) == b"naOC0ocQE3shWLAfffVLB1rhYPG7naOC"
    assert Signer(DOC_SECRET).public_key == DOC_PUBLIC
    assert seed_of("abc") == b"abc" * 10 + b"ab"
    assert seed_of("x" * 40) == b"x" * 32
    with pytest.raises(ValueError, match="empty"):
        seed_of("")


def test_validation_answer_matches_the_platform_example() -> None:
    assert Signer(OP13_SECRET).answer_validation("1725442341", "Arq0D5A61EgUu4OxUvOp") == OP13_SIGNATURE


def test_verify_accepts_its_own_signature_and_refuses_the_rest() -> None:
    signer = Signer("a-bot-secret-for-tests")
    body = b'{"op":0,"d":{},"t":"GATEWAY_EVENT_NAME"}'
    good = signer.sign_callback("1725442341", body)
    signer.verify(good, "1725442341", body)
    bad = {
        "other key": (Signer("another-secret-0000").sign_callback("1725442341", body), "1725442341", body),
        "other timestamp": (good, "1725442342", body),
        "other body": (good, "1725442341", body + b" "),
        "empty": ("", "1725442341", body),
        "no timestamp": (good, "", body),
        "not hex": ("xy" * 64, "1725442341", body),
        "short": (good[:-2], "1725442341", body),
        "high bits": (good[:-2] + "ff", "1725442341", body),
    }
    for signature, timestamp, payload in bad.values():
        with pytest.raises(SignatureError):
            signer.verify(signature, timestamp, payload)


def test_check_age() -> None:
    check_age("1000", 3900, 1000 + 3900)
    check_age("1000", 0, 10**9)  # check off
    for ts, now in (("1000", 1000 + 3901), ("2000", 2000 - 301)):
        with pytest.raises(SignatureError):
            check_age(ts, 3900, now)
    with pytest.raises(SignatureError, match="Unix time"):
        check_age("12a", 3900, 1000)


def test_parse_validation_dispatches_and_the_rest() -> None:
    assert parse(load(b'{"d":{"plain_token":"Arq0","event_ts":"1725442341"},"op":13}')) == Validation(
        "Arq0", "1725442341"
    )
    assert parse({"op": 13, "d": {"plain_token": "t", "event_ts": 1654503849680}}) == Validation(
        "t", "1654503849680"
    )
    for d in ({"plain_token": '{"op":0}', "event_ts": "1"}, {"plain_token": "t", "event_ts": "x"}, None):
        with pytest.raises(PayloadError):
            parse({"op": 13, "d": d})
    c2c = {"op": 0, "id": "e1", "t": "C2C_MESSAGE_CREATE",
           "d": {"id": "m1", "author": {"user_openid": "U1"}, "content": " hi "}}  # fmt: skip
    assert parse(c2c) == MessageEvent("e1", "m1", "U1", "hi")
    group = {"op": 0, "id": "e2", "t": "GROUP_AT_MESSAGE_CREATE",
             "d": {"id": "m2", "author": {"member_openid": "M1"}, "content": " 持仓", "group_openid": "G1"}}  # fmt: skip
    assert parse(group) == MessageEvent("e2", "m2", "M1", "持仓", "G1")
    assert parse({"op": 0, "t": "GROUP_ADD_ROBOT", "d": {}}) == Ignored(0, "GROUP_ADD_ROBOT")
    assert parse({"op": 0, "t": "C2C_MESSAGE_CREATE", "d": {"id": "m", "author": {}}}) == Ignored(
        0, "C2C_MESSAGE_CREATE"
    )
    for raw in (b"not json", b"[]", b'{"op":"0"}', b'{"op":true}'):
        with pytest.raises(PayloadError):
            load(raw)


def test_clean_content() -> None:
    assert clean_content(" <@!123456> 平仓 &lt;50&amp;gt") == "平仓 <50&gt"
    assert clean_content("  买 0.01 手 ") == "买 0.01 手"
    assert clean_content(None) == ""
    assert len(clean_content("x" * 5000)) == 4096


def test_dedup_keys_and_chat_ids() -> None:
    private = MessageEvent("e1", "m1", "U1", "hi")
    group = MessageEvent("", "m2", "M1", "hi", "G1")
    assert private.dedup_keys == ("event:e1", "msg:m1")
    assert group.dedup_keys == ("msg:m2",)
    assert (chat_id(private), chat_id(group)) == ("U1", "gG1")
    assert target_of("gG1") == Target(Scene.GROUP, "G1")
    assert target_of("U1").path == "/v2/users/U1"
    incoming = to_incoming(group)
    assert incoming is not None
    assert (incoming.platform, incoming.user_id, incoming.chat_id) == ("qqbot", "M1", "gG1")
    assert incoming.is_group and incoming.addressed and not incoming.buttons


def test_plan_fits_the_budget() -> None:
    replies = [Reply(text=f"第{i}条") for i in range(7)]
    parts = plan(replies, 5)
    assert len(parts) == 5
    assert "\n".join(p.text for p in parts if isinstance(p, TextPart)).count("条") == 7
    assert plan(replies, 0) == []
    with_images = [Reply(text="a", image=b"png1"), Reply(text="b", image=b"png2")]
    assert plan(with_images, 5) == [ImagePart(b"png1"), TextPart("a"), ImagePart(b"png2"), TextPart("b")]
    assert plan(with_images, 5, images=False) == [TextPart("a"), TextPart("b")]
    assert plan(with_images, 2) == [TextPart("a"), TextPart("b")]  # texts win over images
    long = fit([TextPart("x" * 2000)] * 3, 2)
    assert len(long) == 2 and long[-1].text.endswith(CUT_NOTE)  # type: ignore[union-attr]
    assert all(len(p.text) <= 2000 for p in long if isinstance(p, TextPart))


def test_reply_book_counts_and_expires() -> None:
    clock = FakeClock()
    book = ReplyBook(3, clock=clock)
    anchor = book.received("U1", "m1", 300)
    assert [book.take(anchor) for _ in range(3)] == [PassiveRef("m1", n) for n in (1, 2, 3)]
    with pytest.raises(NoReplyWindow, match="already has its 3 replies"):
        book.take(anchor)
    book.received("U1", "m2", 300)
    assert book.take_latest("U1") == PassiveRef("m2", 1)
    clock.now += 300 - MARGIN_SEC
    with pytest.raises(NoReplyWindow, match="has not written recently") as err:
        book.take_latest("U1")
    assert err.value.code == ErrCode.NO_REPLY_WINDOW
    with pytest.raises(NoReplyWindow, match="has not written since"):
        book.take_latest("nobody")


def test_token_lifetime_is_a_string_of_seconds() -> None:
    assert _expires_in("7200") == 7200
    assert _expires_in(7200) == 7200
    assert _expires_in("soon") is None and _expires_in(None) is None and _expires_in("0") is None


def test_settings() -> None:
    off = QQBotSettings()
    assert not off.configured
    on = QQBotSettings.model_validate({"app_id": 102000042, "secret": "a-real-secret"})
    assert on.configured and on.app_id == "102000042"
    assert (on.callback_path, on.api_base_url) == ("/qqbot/callback", "https://api.sgroup.qq.com")
    assert on.token_url == "https://bots.qq.com/app/getAppAccessToken"
    assert "a-real-secret" not in repr(on)
    bad = [
        {"app_id": "102000042"},  # no secret
        {"app_id": "102000042", "secret": "short"},
        {"app_id": "not-digits", "secret": "a-real-secret"},
        {"app_id": "1", "secret": "a-real-secret", "replies_per_message": 6},
        {"app_id": "1", "secret": "a-real-secret", "unknown": 1},
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            QQBotSettings.model_validate(values)


def test_error_codes_as_numbers_or_strings() -> None:
    assert _code_of({"code": "11243", "message": "x"}) == 11243
    assert _code_of({"code": 22009}) == 22009
    assert _code_of({"code": ""}) == 0 and _code_of({"id": "m"}) == 0 and _code_of([]) == 0
    assert _code_of({"code": "oops"}) == ErrCode.TRANSPORT
