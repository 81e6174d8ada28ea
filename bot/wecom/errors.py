"""WeCom error codes as outbox outcomes: which refusals are worth another try.

From the error-code page (developer.work.weixin.qq.com/document/path/90313): -1 is "system busy",
45009 "API call frequency exceeded" and 45033 "concurrent calls exceeded" — all pass with time.
Anything else (bad user, bad message, no permission) would fail the same way again.
"""

from __future__ import annotations

from bot.core.outbox import DeliveryError

SYSTEM_BUSY = -1
FREQUENCY_LIMIT = 45009
CONCURRENCY_LIMIT = 45033
RETRYABLE = frozenset({SYSTEM_BUSY, FREQUENCY_LIMIT, CONCURRENCY_LIMIT})


def delivery_error(errcode: int, errmsg: str, *, transport: bool = False) -> DeliveryError:
    """The outbox's view of a WeCom failure (`transport`: no usable answer at all — also retried)."""
    return DeliveryError(
        "transport" if transport else f"wecom_{errcode}",
        errmsg,
        retryable=transport or errcode in RETRYABLE,
    )
