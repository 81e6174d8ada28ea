"""Schemathesis against the served OpenAPI document on the real server: no 500s, answers match the spec.

The fuzzer runs as a subprocess (its CLI is synchronous) while this test's event loop serves the API.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.api.conftest import TOKEN, start_api

ST = shutil.which("st", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(ST is None, reason="schemathesis is not installed")


@pytest.mark.timeout(120)
async def test_schemathesis_finds_no_server_errors(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    try:
        assert ST is not None
        proc = await asyncio.create_subprocess_exec(
            ST, "run", f"{api.url}/api/v1/openapi.json",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--max-examples", os.environ.get("ST_MAX_EXAMPLES", "25"),
            "--header", f"Authorization: Bearer {TOKEN}",
            "--request-timeout", "10",
            "--generation-deterministic",
            "--no-color",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=110)
    finally:
        await api.runner.cleanup()
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
