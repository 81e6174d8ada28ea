"""Schemathesis against the served OpenAPI document on the real server: no 500s, answers match the spec,
and data the document calls invalid (a price above its maximum, a value outside an enum, a wrong type) is
refused.

The fuzzer runs as a subprocess (its CLI is synchronous) while this test's event loop serves the API. It
stays close to the document; tests/api/test_fuzz_hostile.py generates what the document does not
describe (1e308, far dates, unknown query parameters, compressed and corrupt bodies).
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


# Login's body is optional (`{}` or nothing: an admin JWT), which the document cannot say (every body is
# `required` there), so the one "invalid" request schemathesis sends it, no body, is rightly accepted.
CONFIG = """
[checks]
enabled = false
not_a_server_error.enabled = true
response_schema_conformance.enabled = true
negative_data_rejection.enabled = true

[[operations]]
include-operation-id = "login"
checks.negative_data_rejection.enabled = false
"""


@pytest.mark.timeout(120)
async def test_schemathesis_finds_no_server_errors(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    try:
        assert ST is not None
        proc = await asyncio.create_subprocess_exec(
            ST, "run", f"{api.url}/api/v1/openapi.json",
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
