"""Are `server.port` and `server.ws_port` free? If not, is it our own service holding them?

doctor is often run beside the running service, so a taken port is only a failure when something else
holds it: a `/api/v1/health` that answers like mt5bot turns it into a warning that says so.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl

import aiohttp

from api.settings import ServerSettings
from mt5bot.doctor.model import Check, fail, ok, skip, warn

PROBE_TIMEOUT_SEC = 5.0


def port_free(host: str, port: int) -> OSError | None:
    """Try to bind `host:port` the way aiohttp does (SO_REUSEADDR on POSIX); the error, or None if free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if os.name == "posix":  # as aiohttp: a port in TIME_WAIT after a restart is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc
    return None


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - a wildcard: ask loopback


async def service_version(host: str, port: int, tls: bool) -> str | None:
    """The mt5bot version answering `/api/v1/health` on that port, or None if it is not mt5bot."""
    scheme = "https" if tls else "http"
    url = f"{scheme}://{_local(host)}:{port}/api/v1/health"
    # Our own certificate may be self-signed or name another host: we only ask who is there.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_SEC)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.get(url, ssl=context) as resp:
                body = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and "mt5_connected" in data:
        return str(data.get("version", "?"))
    return None


async def port_check(name: str, host: str, port: int, tls: bool) -> Check:
    """One listening port: free, held by a running mt5bot (warn), or held by something else (fail)."""
    if port == 0:
        return skip(name, f"{host}:0 picks a free port at start")
    error = port_free(host, port)
    if error is None:
        return ok(name, f"{host}:{port} is free")
    if error.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
        version = await service_version(host, port, tls)
        if version is not None:
            return warn(
                name,
                f"{host}:{port} is in use by a running mt5bot {version} (/api/v1/health answered)",
                "expected while the service runs; stop it before starting another on this port",
            )
        return fail(
            name,
            f"{host}:{port} is in use by another program",
            "free the port or set server.port (netstat -ano | findstr :PORT on Windows, ss -ltnp on Linux)",
        )
    return fail(
        name,
        f"cannot listen on {host}:{port}: {error.strerror or error}",
        "check server.host is an address of this machine; ports below 1024 need privileges on Linux",
    )


async def ports(server: ServerSettings) -> list[Check]:
    """`server.port`, and `server.ws_port` when it is a second port."""
    tls = bool(server.tls.cert and server.tls.key)
    found = [await port_check("port", server.host, server.port, tls)]
    if server.ws_port is not None and server.ws_port != server.port:
        found.append(await port_check("ws port", server.host, server.ws_port, tls))
    return found
