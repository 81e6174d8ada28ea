"""The route table: one `Endpoint` per operation, read both by the router and by the OpenAPI generator."""

from __future__ import annotations

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
    for ep in endpoints:
        app.router.add_route(ep.method, BASE + ep.path, ep.handler)
