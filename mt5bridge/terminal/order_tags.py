"""Order tags: how a request is recognised again in the terminal's records after its answer was lost.

`MT5Client.order_send(request, tag=...)` writes `mb:<tag>` into the request comment (MT5 keeps at most 31
ASCII characters; the tag is 1-28 of `[A-Za-z0-9_-]`, `new_tag()` makes 8 random hex ones). The comment
is copied to the order, its deals and the position, where `MT5Client.find_by_tag` looks for it. Callers
must use a tag once; a broker that rewrites comments makes reconciliation find nothing (the safe side).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from mt5bridge.terminal import models as M
from mt5bridge.terminal.errors import RETCODE_NAMES, ClientCode, InvalidRequest

TAG_PREFIX = "mb:"
_TAG = re.compile(r"[A-Za-z0-9_-]{1,28}")


def new_tag() -> str:
    """A fresh random 8-character tag for order_send."""
    return secrets.token_hex(4)


MAX_COMMENT = 31
_NOTE = re.compile(r"[A-Za-z0-9 _.-]*")


def tag_comment(tag: str, note: str = "") -> str:
    """The request comment that carries `tag`: `mb:<tag>` then the caller's note, at most 31 characters.

    A note that does not fit, or is not plain ASCII, is refused rather than cut: the trader's words
    are kept whole or not sent.
    """
    if not _TAG.fullmatch(tag):
        raise InvalidRequest(ClientCode.INVALID_ARGUMENT, f"tag must be 1-28 of [A-Za-z0-9_-], got {tag!r}")
    comment = TAG_PREFIX + tag + (" " + note if note else "")
    if not _NOTE.fullmatch(note) or len(comment) > MAX_COMMENT:
        room = MAX_COMMENT - len(TAG_PREFIX + tag) - 1
        raise InvalidRequest(
            ClientCode.INVALID_ARGUMENT, f"comment must be at most {room} characters of [A-Za-z0-9 _.-]"
        )
    return comment


def first_tagged(records: Any, comment: str) -> Any:
    """The first record (deal, order, position) carrying the tag of `comment`, or None.

    Matched on `mb:<tag>` followed by the end or a space, so a note after the tag, or a server that
    shortens the note, still finds it.
    """
    head = comment.split(" ", 1)[0]
    return next((r for r in records if r.comment == head or r.comment.startswith(head + " ")), None)


def found_result(tag: str, retcode: int, deal: int, order: int, volume: float, price: float) -> M.TradeResult:
    """A TradeResult rebuilt from a record found by tag (`reconciled=True`)."""
    return M.TradeResult(
        retcode=retcode, retcode_name=RETCODE_NAMES[retcode], tag=tag, deal=deal, order=order, volume=volume,
        price=price, bid=0.0, ask=0.0, comment="reconciled from terminal records", request_id=0,
        reconciled=True,
    )  # fmt: skip
