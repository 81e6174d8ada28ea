"""Large answers: read in pieces, encoded off the event loop, streamed as each piece is ready.

A bar range may hold 100,000 M1 bars, about 16 MB of JSON. Built as one list of dicts and encoded on the
event loop, a 46,000-bar answer held the loop for about 0.1 s, so 16 of them at once stalled /health for
up to 1.26 s, and each held its dicts and its whole body at the same time. Here a long range is:

- read from the terminal PIECE_BARS bars at a time, so the terminal's single worker thread answers other
  calls (/health's among them) between the pieces;
- encoded piece by piece on ENCODER, a one-thread pool shared by every request: encoding is pure Python
  and holds the GIL, so more threads would not be faster, only take the GIL from the loop more often;
- written to the socket as each piece is ready, with chunked transfer encoding; the socket's back-pressure
  paces the rest, so a request holds one piece at a time, whatever the range.

Answers that fit in one piece are encoded on the loop as before (at most ~2 ms).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from aiohttp import web

from api.barcache import bars_json
from api.jsonio import JSON_TYPE, dumps
from mt5bridge.terminal.errors import MT5Error

log = logging.getLogger(__name__)

PIECE_BARS = 1000
"""Bars per terminal read and per encoded piece: ~170 KB of JSON, ~2 ms of encoding."""
ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-encode")
"""The thread that encodes large answers (process-wide: it only ever runs pure functions)."""

Fetch = Callable[[int, int], Awaitable[np.ndarray]]


def encode_rows(rates: np.ndarray, offset: int) -> bytes:
    """Bars as the JSON rows of a rates answer, comma-separated, without the list's brackets."""
    return dumps(bars_json(rates, offset))[1:-1]


async def off_loop(fn: Callable[..., bytes], *args: Any) -> bytes:
    """`fn(*args)` on the encoder thread."""
    return await asyncio.get_running_loop().run_in_executor(ENCODER, fn, *args)


def pieces(lo: int, hi: int, span: int) -> list[tuple[int, int]]:
    """[lo, hi] (inclusive, seconds) cut into consecutive inclusive pieces of `span` seconds."""
    return [(start, min(hi, start + span - 1)) for start in range(lo, hi + 1, span)]


async def stream_rates(
    request: web.Request,
    head: dict[str, Any],
    fetch: Fetch,
    parts: list[tuple[int, int]],
    offset: int,
) -> web.StreamResponse:
    """The success envelope `{"success": true, "data": {**head, "rates": [...], "count": n}}`, streamed.

    The first piece is read before anything is sent, so an unknown symbol or a terminal that is down is
    still an error envelope. A failure after that cannot change the status any more: the connection is
    aborted, so the client sees a broken chunked body, never a complete-looking short answer.
    """
    first = await fetch(*parts[0])
    response = web.StreamResponse(headers={"Content-Type": JSON_TYPE})
    response.enable_chunked_encoding()
    await response.prepare(request)
    count = 0
    try:
        await response.write(b'{"success":true,"data":' + dumps(head)[:-1] + b',"rates":[')
        for i, (lo, hi) in enumerate(parts):
            bars = first if i == 0 else await fetch(lo, hi)
            if len(bars):
                rows = await off_loop(encode_rows, bars, offset)
                await response.write(b"," + rows if count else rows)
                count += len(bars)
        await response.write(b'],"count":%d}}' % count)
        await response.write_eof()
    except ConnectionError:
        pass  # the client went away; nothing to tell it
    except MT5Error as exc:
        log.warning("%s cut short after %d bars: %s", request.path, count, exc)
        if request.transport is not None:
            request.transport.abort()
    return response
