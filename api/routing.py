"""The route table: one `Endpoint` per operation, read both by the router and by the OpenAPI generator."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

from api.envelope import ApiError

BASE = "/api/v1"
Q = TypeVar("Q", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An operation: where it lives, what it takes (query/body models) and what it answers."""

    method: str
    path: str  # below BASE, aiohttp syntax: /symbol/{name}
    handler: Handler
    summary: str
    tag: str
    response: type[BaseModel]
    many: bool = False  # `data` is a list of `response`
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = (400, 503)
    public: bool = False
    open_query: bool = False  # accepts extra query parameters (the indicator's own)
    description: str = ""
    idempotent: bool = False  # takes an Idempotency-Key header
    media: str | None = None  # a non-JSON success body (e.g. image/png); `response` is then unused


_NAMES_SHOWN = 10


def query_names(model: type[BaseModel] | None) -> frozenset[str]:
    """The query parameters a model reads: each field's alias (`from`, `to`, `date`) or its name."""
    if model is None:
        return frozenset()
    return frozenset(field.alias or name for name, field in model.model_fields.items())


def unknown_query(request: web.BaseRequest, allowed: frozenset[str]) -> str | None:
    """The refusal message for query parameters outside `allowed`, naming them; None if there are none."""
    unknown = sorted({key for key in request.query if key not in allowed})
    if not unknown:
        return None
    names = ", ".join(repr(name[:32]) for name in unknown[:_NAMES_SHOWN])
    more = f" and {len(unknown) - _NAMES_SHOWN} more" if len(unknown) > _NAMES_SHOWN else ""
    known = f" (this route takes {', '.join(sorted(allowed))})" if allowed else " (this route takes none)"
    return f"unknown query parameter{'s' if len(unknown) > 1 else ''} {names}{more}{known}"


def _checked(ep: Endpoint) -> Handler:
    """`ep.handler` behind the query check: unknown or repeated parameters are a 400 on every route."""
    if ep.open_query:
        return ep.handler  # the handler names the parameters it does not know (the indicator's own)
    allowed = query_names(ep.query)
    handler = ep.handler

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        message = unknown_query(request, allowed)
        if message is not None:
            raise ApiError(400, "invalid_request", message)
        query_dict(request)
        return await handler(request)

    return checked


def query_dict(request: web.Request) -> dict[str, str]:
    """The query string as a dict; a parameter given twice is refused rather than one of them picked."""
    seen: dict[str, str] = {}
    for key, value in request.query.items():
        if key in seen:
            raise ApiError(400, "invalid_request", f"query parameter {key!r} given more than once")
        seen[key] = value
    return seen


def parse_query(request: web.Request, model: type[Q]) -> Q:
    """The query string validated as `model` (unknown parameters refused)."""
    return model.model_validate(query_dict(request))


def add_routes(app: web.Application, endpoints: tuple[Endpoint, ...]) -> None:
    """Mount each endpoint; its query string is checked against its query model before the handler."""
    for ep in endpoints:
        app.router.add_route(ep.method, BASE + ep.path, _checked(ep))
