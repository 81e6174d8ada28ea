"""A local OpenAI-compatible `/v1/models` endpoint: the one call doctor makes to the LLM."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

KEY = "sk-doctor-test-Key-9x8w7v6u"


@dataclass
class FakeModels:
    """Answers `GET /v1/models` to `KEY` (401 otherwise) with `models`; records the keys it was given."""

    models: tuple[str, ...] = ("test-model", "other-model")
    keys_seen: list[str] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    async def _list(self, request: web.Request) -> web.Response:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.keys_seen.append(key)
        if key != KEY:
            error = {"message": f"Incorrect API key provided: {key}", "type": "invalid_request_error"}
            return web.json_response({"error": error}, status=401)
        data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "test"} for m in self.models]
        return web.json_response({"object": "list", "data": data})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/models", self._list)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/v1"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
