"""The OpenAPI 3.1 document, generated from the route table and the same pydantic models that validate
requests, and a small self-contained HTML page rendering it at /docs (no CDN: the host may be offline).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from api.jsonio import JSON_TYPE, dumps
from api.routing import BASE, Endpoint
from api.schemas_out import ErrorOut
from mt5bridge.common.version import __version__


class ApiDocs:
    """The OpenAPI document and the /docs page, built by the first request for either.

    Generating the schemas takes about 0.2 s of pydantic work, which every start of the service used to
    pay for pages few ever open; it runs on a worker thread, so the loop keeps serving meanwhile.
    """

    def __init__(self, endpoints: tuple[Endpoint, ...]) -> None:
        self._endpoints = endpoints
        self._unrouted: frozenset[str] = frozenset()
        self._built: tuple[bytes, str] | None = None
        self._lock = asyncio.Lock()

    def add(self, endpoints: tuple[Endpoint, ...], *, routed: bool = True) -> None:
        """More operations (before the first request builds the document); `routed=False`: the service's
        own, which take no `account` parameter (e.g. `GET /accounts`)."""
        self._endpoints = (*self._endpoints, *endpoints)
        if not routed:
            self._unrouted |= {ep.path for ep in endpoints}
        self._built = None

    def _build(self) -> tuple[bytes, str]:
        spec = build_spec(self._endpoints, unrouted=self._unrouted)
        return dumps(spec), render_docs(spec)

    async def get(self) -> tuple[bytes, str]:
        """(openapi.json bytes, /docs HTML)."""
        async with self._lock:
            if self._built is None:
                self._built = await asyncio.to_thread(self._build)
        return self._built


API_DOCS = web.AppKey("api_docs", ApiDocs)

_REF = "#/components/schemas/{model}"
_ERROR_TEXT = {
    400: "Bad parameters (validation, unknown symbol, unclear selection); nothing was sent",
    401: "Missing or bad token",
    403: "Address or role not allowed",
    404: "Not found",
    409: "Idempotency-Key reused for another request, or the same request is running",
    413: "Body over the size limit (256 KiB)",
    422: "Refused by a risk rule (`rule`) or by MT5 (`retcode`, `retcode_name`)",
    429: "Rate limited (see Retry-After)",
    502: "The terminal failed, or an order's outcome is unknown (`result`); never re-sent",
    503: "Terminal not connected; nothing was sent",
}
# `?account=NAME` on every operation but the public ones and the service's own (docs/api.md, "REST on the
# front"): which account to act on. A name is what `BridgeSettings.name` allows.
ACCOUNT_PARAMETER: dict[str, Any] = {
    "name": "account",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": r"^[A-Za-z0-9_.-]+$"},
    "description": "the account to act on (GET /api/v1/accounts); default: the first configured; on a "
    "single-account service only its own name",
}
# What naming an account adds: 400 `unknown_account`, 502 a bridge's lost answer or refused token,
# 503 `bridge_unreachable`.
_ACCOUNT_ERRORS = frozenset({400, 502, 503})


class _Components:
    """components/schemas, filled as models are referenced."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def _add(self, name: str, schema: dict[str, Any]) -> None:
        self.schemas.setdefault(name, schema)

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
        for name, sub in schema.pop("$defs", {}).items():
            self._add(name, sub)
        self._add(model.__name__, schema)
        return {"$ref": _REF.format(model=model.__name__)}


def _drop_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter is expressed by `required: false`, never by sending null."""
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [o for o in options if o.get("type") != "null"]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _query_parameters(model: type[BaseModel], comps: _Components) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF, by_alias=True)
    for name, sub in schema.pop("$defs", {}).items():
        comps._add(name, sub)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _drop_null(prop)
        prop.pop("title", None)
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


_PATH_PARAM = {
    "type": "string",
    "minLength": 1,
    "maxLength": 32,
    "pattern": r"^[A-Za-z0-9._#&+\-]+$",
    "examples": ["EURUSD"],
}


def _operation(ep: Endpoint, comps: _Components, *, routed: bool = False) -> dict[str, Any]:
    data = comps.ref(ep.response, "serialization")
    if ep.many:
        data = {"type": "array", "items": data}
    success = {
        "type": "object",
        "required": ["success", "data"],
        "properties": {"success": {"const": True}, "data": data},
    }
    error_ref = comps.ref(ErrorOut, "serialization")
    statuses = (
        set(ep.errors)
        | ({400, 413} if ep.body else set())
        | ({401, 403, 429} if not ep.public else set())
        | (_ACCOUNT_ERRORS if routed else set())
    )
    if ep.media is not None:
        success = {"type": "string", "format": "binary"}
    media = ep.media or JSON_TYPE
    responses: dict[str, Any] = {"200": {"description": "OK", "content": {media: {"schema": success}}}}
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {JSON_TYPE: {"schema": error_ref}},
        }
    params = [
        {"name": name, "in": "path", "required": True, "schema": dict(_PATH_PARAM)}
        for name in re.findall(r"{(\w+)}", ep.path)
    ]
    if ep.query is not None:
        params += _query_parameters(ep.query, comps)
    if routed:
        params.append(dict(ACCOUNT_PARAMETER))
    op: dict[str, Any] = {
        "operationId": ep.handler.__name__,
        "summary": ep.summary,
        "tags": [ep.tag],
        "parameters": params,
        "responses": responses,
    }
    if ep.description:
        op["description"] = ep.description
    if ep.idempotent:
        op["parameters"] = [
            *params,
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:\-]{1,128}$"},
                "description": "Request id: the same key returns the first result instead of sending again",
            },
        ]
    if ep.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {JSON_TYPE: {"schema": comps.ref(ep.body, "validation")}},
        }
    if ep.public:
        op["security"] = []
    return op


def build_spec(endpoints: tuple[Endpoint, ...], *, unrouted: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `endpoints`; every one but the public ones and those whose path is in
    `unrouted` takes the `account` query parameter."""
    comps = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        routed = not ep.public and ep.path not in unrouted
        paths.setdefault(BASE + ep.path, {})[ep.method.lower()] = _operation(ep, comps, routed=routed)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mt5bot REST API",
            "version": __version__,
            "description": "Every answer is {success, data} or {success: false, error, code}; "
            "see docs/api.md.",
        },
        "paths": paths,
        "components": {
            "schemas": comps.schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearerAuth": []}],
    }


def _pre(value: Any) -> str:
    return f"<pre>{html.escape(json.dumps(value, indent=2))}</pre>"


def render_docs(spec: dict[str, Any]) -> str:
    """A plain HTML page: each operation with its parameters, body and answers, then the schemas."""
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>mt5bot API</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}pre{background:#f4f4f4;"
        "padding:.5em;overflow:auto;font-size:85%}h3 code{background:#eef}</style></head><body>",
        f"<h1>{html.escape(spec['info']['title'])} {html.escape(spec['info']['version'])}</h1>",
        f"<p>{html.escape(spec['info']['description'])} Machine-readable: "
        f"<a href='{BASE}/openapi.json'>{BASE}/openapi.json</a>.</p>",
    ]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            out.append(
                f"<h3><code>{method.upper()} {html.escape(path)}</code> {html.escape(op['summary'])}</h3>"
            )
            if op.get("description"):
                out.append(f"<p>{html.escape(op['description'])}</p>")
            if op["parameters"]:
                rows = "".join(
                    f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{p['in']}</td>"
                    f"<td>{'yes' if p['required'] else 'no'}</td>"
                    f"<td>{html.escape(json.dumps(p['schema']))}</td>"
                    f"<td>{html.escape(p.get('description', ''))}</td></tr>"
                    for p in op["parameters"]
                )
                out.append(
                    f"<table border=1 cellpadding=3><tr><th>name</th><th>in</th><th>required</th>"
                    f"<th>schema</th><th></th></tr>{rows}</table>"
                )
            if "requestBody" in op:
                out.append("<p>Body:</p>" + _pre(op["requestBody"]["content"][JSON_TYPE]["schema"]))
            codes = ", ".join(
                f"{code} {html.escape(r['description'])}" for code, r in op["responses"].items()
            )
            out.append(f"<p>Answers: {codes}</p>")
    out.append("<h2>Schemas</h2>")
    for name, schema in spec["components"]["schemas"].items():
        out.append(f"<h3 id='{html.escape(name)}'>{html.escape(name)}</h3>{_pre(schema)}")
    out.append("</body></html>")
    return "".join(out)


async def openapi_json(request: web.Request) -> web.Response:
    """GET /api/v1/openapi.json (no authentication)."""
    body, _ = await request.app[API_DOCS].get()
    return web.Response(body=body, content_type=JSON_TYPE)


async def docs_page(request: web.Request) -> web.Response:
    """GET /docs (no authentication)."""
    _, page = await request.app[API_DOCS].get()
    return web.Response(text=page, content_type="text/html")


def setup_openapi(app: web.Application, endpoints: tuple[Endpoint, ...]) -> None:
    app[API_DOCS] = ApiDocs(endpoints)
    app.router.add_get(BASE + "/openapi.json", openapi_json)
    app.router.add_get("/docs", docs_page)
