"""The database check on PostgreSQL (skipped without TEST_DATABASE_URL): it connects, and hides the password."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from mt5bot.doctor.database import database
from mt5bot.doctor.model import Status

URL = os.environ.get("TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_DATABASE_URL is not set (scripts/start-postgres.sh)")


async def test_it_reaches_the_server_and_reads_the_revision() -> None:
    assert URL is not None
    check = await database(URL)
    # The shared test database may or may not be migrated in `public`; either way the revision was read.
    assert "schema at" in check.detail or "not migrated" in check.detail, check.detail
    if make_url(URL).password:
        assert ":***@" in check.detail  # (the test password may equal the user name, so look for the mask)


async def test_a_wrong_password_fails_without_showing_it() -> None:
    assert URL is not None
    wrong = make_url(URL).set(password="Wrong-Pass-4242")
    check = await database(wrong.render_as_string(hide_password=False))
    assert check.status is Status.FAIL
    assert "Wrong-Pass-4242" not in check.detail + check.hint
    assert "server up" in check.hint
