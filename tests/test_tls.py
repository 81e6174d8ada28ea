"""With server.tls.cert/key the service speaks HTTPS only: a client that trusts the CA gets /health."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import aiohttp
import pytest
import trustme

from mt5bot.config import Settings
from mt5bot.serve import run_service


async def test_https_when_a_certificate_is_configured(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    settings = Settings.model_validate(
        {
            "server": {"host": "127.0.0.1", "port": 0, "tls": {"cert": str(cert_file), "key": str(key_file)}},
            "mt5": {"backend": "simulator", "simulator": {"demo_days": 0, "realtime": False}},
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path}/tls.db"},
            "logging": {"file": None},
        }
    )
    ready: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    service = asyncio.create_task(run_service(settings, ready.set_result))
    try:
        (url,) = await asyncio.wait_for(ready, 30)
        assert url.startswith("https://")
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/api/v1/health", ssl=trusting) as resp:
                assert resp.status == 200
                assert (await resp.json())["success"] is True
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await http.get(f"{url}/api/v1/health")  # a client that does not trust the CA
            with pytest.raises(aiohttp.ClientError):
                await http.get(url.replace("https://", "http://") + "/api/v1/health")  # no plain HTTP
    finally:
        service.cancel()
        with pytest.raises(asyncio.CancelledError):
            await service
