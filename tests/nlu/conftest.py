"""A local OpenAI-compatible server (aiohttp on 127.0.0.1) with scripted, realistic answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

SLOW_SECONDS = 3.0


@dataclass
class FakeLLM:
    """Scripted answers keyed by the user's message; records every request body it receives."""

    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    command_answers: dict[str, str] = field(default_factory=dict)  # message -> raw JSON arguments
    tool_script: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # message -> tool calls
    release: asyncio.Event = field(default_factory=asyncio.Event)


def _completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _tool_calls(calls: list[tuple[str, str]]) -> dict[str, Any]:
    return _completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": args}}
                for i, (name, args) in enumerate(calls)
            ],
        },
        "tool_calls",
    )


def _text(content: str) -> dict[str, Any]:
    return _completion({"role": "assistant", "content": content}, "stop")


async def _answer(fake: FakeLLM, body: dict[str, Any]) -> web.Response:
    messages = body["messages"]
    user = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    if user == "慢":  # slower than any client timeout in the tests; released at teardown
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.release.wait(), SLOW_SECONDS)
    if user == "坏":
        return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
    if user == "拒绝":
        return web.json_response(_text("Sorry, I can't help with trading."))
    if messages[-1]["role"] == "tool":
        results = [m["content"] for m in messages if m["role"] == "tool"]
        return web.json_response(_text("answer: " + " | ".join(results)))
    if user in fake.tool_script:
        return web.json_response(_tool_calls(fake.tool_script[user]))
    if user in fake.command_answers:
        return web.json_response(_tool_calls([("submit_command", fake.command_answers[user])]))
    return web.json_response(_text("I do not know."))


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    fake = FakeLLM()

    async def completions(request: web.Request) -> web.Response:
        body = await request.json()
        fake.requests.append(body)
        return await _answer(fake, body)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.base_url = f"http://{host}:{port}/v1"
    yield fake
    fake.release.set()
    await runner.cleanup()
