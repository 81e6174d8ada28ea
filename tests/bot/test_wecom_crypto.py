"""WXBizMsgCrypt against the official sample values, round trips and refusals; the pure helpers."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages import Button, Reply
from bot.text import Unit, split_text
from bot.wecom.api import TEXT_MAX_BYTES
from bot.wecom.callback import XmlError, parse_event, parse_xml
from bot.wecom.crypto import (
    CryptoError,
    DecryptError,
    ReceiveIdError,
    SignatureError,
    WeComCrypto,
    aes_key,
    signature,
)
from bot.wecom.draw import BUTTON_TEXT_MAX, TITLE_MAX, card_of, pieces

# The official example of WeCom's 加解密方案 (the same values in Tencent's WXBizMsgCrypt samples).
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_CORP_ID = "wx5823bf96d3bd56c7"
VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "encrypted": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
}
MESSAGE = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
    "encrypted": (
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/s"
        "YYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZ"
        "fJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3L"
        "AVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn2"
        "8H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
    ),
}


@pytest.fixture
def sample() -> WeComCrypto:
    return WeComCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID)


def test_official_url_verification_sample(sample: WeComCrypto) -> None:
    assert sample.open(**VERIFY) == "1616140317555161061"


def test_official_message_sample(sample: WeComCrypto) -> None:
    fields = parse_xml(sample.open(**MESSAGE))
    assert fields["ToUserName"] == SAMPLE_CORP_ID
    assert fields["FromUserName"] == "mycreate"
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "hello"
    event = parse_event(fields, agent_id=218)
    assert event is not None
    assert (event.user, event.text, event.msg_id) == ("mycreate", "hello", "4561255354251345929")


def test_official_signature_sample() -> None:
    args = (MESSAGE["timestamp"], MESSAGE["nonce"], MESSAGE["encrypted"])
    assert signature(SAMPLE_TOKEN, *args) == MESSAGE["msg_signature"]


def test_other_corp_id_refused_on_the_official_sample() -> None:
    other = WeComCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, "ww_someone_else")
    with pytest.raises(ReceiveIdError):
        other.open(**VERIFY)


def test_other_token_refused_on_the_official_sample() -> None:
    other = WeComCrypto("another", SAMPLE_AES_KEY, SAMPLE_CORP_ID)
    with pytest.raises(SignatureError):
        other.open(**VERIFY)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_round_trip(message: str) -> None:
    crypto = WeComCrypto("tok", SAMPLE_AES_KEY, "ww123")
    encrypted, sig = crypto.seal(message, "1700000000", "nonce1")
    assert len(base64.b64decode(encrypted)) % 32 == 0  # padded to WeCom's 32-byte block
    assert crypto.open(sig, "1700000000", "nonce1", encrypted) == message


def test_fixed_random_prefix_is_deterministic(sample: WeComCrypto) -> None:
    one = sample.encrypt("x", random16=b"a" * 16)
    assert one == sample.encrypt("x", random16=b"a" * 16)
    assert one != sample.encrypt("x")


def test_tampered_signature_refused(sample: WeComCrypto) -> None:
    bad = dict(MESSAGE, msg_signature="0" + MESSAGE["msg_signature"][1:])
    with pytest.raises(SignatureError):
        sample.open(**bad)


def test_tampered_ciphertext_refused_even_when_resigned(sample: WeComCrypto) -> None:
    data = bytearray(base64.b64decode(MESSAGE["encrypted"]))
    data[0] ^= 0x80  # CBC: flips the high byte of the length field in the next block
    tampered = base64.b64encode(bytes(data)).decode()
    with pytest.raises(SignatureError):  # as sent: the signature no longer matches
        sample.open(MESSAGE["msg_signature"], MESSAGE["timestamp"], MESSAGE["nonce"], tampered)
    resigned = sample.sign(MESSAGE["timestamp"], MESSAGE["nonce"], tampered)
    with pytest.raises(DecryptError):  # even signed with our token, it does not decrypt
        sample.open(resigned, MESSAGE["timestamp"], MESSAGE["nonce"], tampered)


@pytest.mark.parametrize("encrypted", ["not base64!", "", base64.b64encode(b"short").decode()])
def test_malformed_ciphertext_refused(sample: WeComCrypto, encrypted: str) -> None:
    with pytest.raises(CryptoError):
        sample.decrypt(encrypted)


def test_repr_hides_token_and_key(sample: WeComCrypto) -> None:
    assert SAMPLE_TOKEN not in repr(sample)
    assert SAMPLE_AES_KEY not in repr(sample)


@pytest.mark.parametrize("key", ["short", "!" * 43])
def test_bad_aes_key_refused(key: str) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        aes_key(key)


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><xml><a>&lol;</a></xml>',
        b"<!doctype x><xml/>",
        b"<xml><a>unclosed</xml>",
    ],
)
def test_parse_xml_refuses_dtds_and_garbage(doc: bytes) -> None:
    with pytest.raises(XmlError):
        parse_xml(doc)


def test_split_text_respects_bytes_and_lines() -> None:
    lines = [f"第{i}行 XAUUSD 0.01手 盈亏 +12.34" for i in range(200)]
    parts = split_text("\n".join(lines), TEXT_MAX_BYTES, unit=Unit.BYTES)
    assert len(parts) > 1
    assert all(len(p.encode()) <= TEXT_MAX_BYTES for p in parts)
    assert "\n".join(parts).split("\n") == lines  # cut only between lines, nothing lost


def test_split_text_cuts_an_overlong_line_between_characters() -> None:
    text = "黄" * 1500  # 4500 bytes in one line
    parts = split_text(text, TEXT_MAX_BYTES, unit=Unit.BYTES)
    assert "".join(parts) == text
    assert all(len(p.encode()) <= TEXT_MAX_BYTES for p in parts)
    assert split_text("short", TEXT_MAX_BYTES, unit=Unit.BYTES) == ["short"]


def _buttons(*texts: str) -> list[list[Button]]:
    return [[Button(text=t, action=f"a:{i}") for i, t in enumerate(texts)]]


def test_pieces_small_reply_is_its_text_then_one_card() -> None:
    reply = Reply(text="平仓预览\nXAUUSD 0.01手", buttons=_buttons("✅ 确认", "❌ 取消"))
    text, card_piece = pieces(reply)
    assert text == Reply(text="平仓预览\nXAUUSD 0.01手")
    card = card_of(card_piece)
    assert (card.title, card.body) == ("平仓预览", "")
    assert [(b.text, b.key) for b in card.buttons] == [("✅ 确认", "a:0"), ("❌ 取消", "a:1")]
    assert pieces(reply, cards=False) == [text]  # a WeChat user: the numbered text only


def test_pieces_image_first_and_long_text_split() -> None:
    text = "持仓报告\n" + "\n".join(
        f"#{i} XAUUSD buy 0.01 +1.00 止损 2600.00 止盈 2700.00" for i in range(60)
    )
    image, *parts, card = pieces(Reply(text=text, image=b"png", buttons=_buttons("刷新")))
    assert image == Reply(text="", image=b"png")
    assert len(parts) > 1 and all(len(p.text.encode()) <= TEXT_MAX_BYTES for p in parts)
    assert "\n".join(p.text for p in parts) == text
    assert card.buttons and len(card.text) <= TITLE_MAX


def test_cards_of_many_buttons_and_alike_labels() -> None:
    texts = [f"平仓 #100{i} XAUUSD 0.01手" for i in range(8)]
    _, *card_pieces = pieces(Reply(text="选择要平仓的订单", buttons=_buttons(*texts)))
    cards = [card_of(p) for p in card_pieces]
    assert [len(c.buttons) for c in cards] == [6, 2]
    assert [c.title for c in cards] == ["(1/2) 选择要平仓的订单", "(2/2) 选择要平仓的订单"]
    labels = [b.text for c in cards for b in c.buttons]
    assert len(set(labels[:6])) == 6  # cut labels would look alike: numbered instead
    assert all(len(label) <= BUTTON_TEXT_MAX for label in labels)
    assert len({c.task_id for c in cards}) == 2
