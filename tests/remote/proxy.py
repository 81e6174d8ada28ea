"""A tiny TCP proxy on 127.0.0.1 that can lose answers: the request reaches the bridge, the reply does not
(the connection is cut, or it stays open and silent until the client gives up)."""

from __future__ import annotations

import asyncio
import contextlib


class _Link:
    """One proxied connection: whether it became a WebSocket."""

    websocket = False


class LossyProxy:
    """Forwards connections to `target_port`; while `drop_answers` is set, a connection is cut as soon as
    the bridge's first answer bytes arrive (they are thrown away), so the client never sees its reply;
    while `hold_answers` is set, answers are thrown away and the connection stays open (a timeout)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.drop_answers = False
        self.hold_answers = False
        self.dropped = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def _mode(self) -> str:
        return "drop" if self.drop_answers else "hold" if self.hold_answers else ""

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        link = _Link()
        pumps = [
            self._pump(client_r, up_w, link, upstream=True),
            self._pump(up_r, client_w, link, upstream=False),
        ]
        tasks = [asyncio.ensure_future(p) for p in pumps]
        self._tasks.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            self._tasks.difference_update(tasks)
            for writer in (client_w, up_w):
                writer.transport.abort()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link, *, upstream: bool
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if upstream and b"upgrade: websocket" in data.lower():
                    link.websocket = True  # an event feed through the proxy is never cut: answers only
                # decided per answer, so a kept-alive connection opened before the switch loses it too
                mode = "" if upstream or link.websocket else self._mode()
                if mode:
                    self.dropped += 1
                    if mode == "drop":
                        return  # the answer is lost: cut both sides
                    continue  # held: thrown away, the connection stays open
                writer.write(data)
                await writer.drain()
