"""Users and roles, and the runtime settings store."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from storage import Database, Role
from tests.storage.builders import user


async def test_upsert_inserts_then_replaces(db: Database) -> None:
    assert await db.users.get("telegram", "1001") is None
    await db.users.upsert(user())
    assert await db.users.get("telegram", "1001") == user()
    changed = user(role=Role.VIEWER, lang="en", subscribed=False, allowed_symbols=[], name=None)
    await db.users.upsert(changed)
    assert await db.users.get("telegram", "1001") == changed
    assert await db.users.all() == [changed]


async def test_same_id_on_two_platforms_is_two_users(db: Database) -> None:
    await db.users.upsert(user("7", platform="qq", role=Role.ADMIN))
    await db.users.upsert(user("7"))
    await db.users.upsert(user("10"))
    assert [(u.platform, u.user_id, u.role) for u in await db.users.all()] == [
        ("qq", "7", Role.ADMIN),
        ("telegram", "10", Role.TRADER),
        ("telegram", "7", Role.TRADER),
    ]
    assert (await db.users.get("qq", "7")) == user("7", platform="qq", role=Role.ADMIN)


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValidationError):
        user(role="owner")


async def test_settings_get_set_replace_delete(db: Database) -> None:
    assert await db.settings.get("trading_paused") is None
    await db.settings.set("trading_paused", True)
    await db.settings.set("limits", {"max_volume": 2.5, "symbols": ["XAUUSD"]})
    assert await db.settings.get("trading_paused") is True
    await db.settings.set("trading_paused", False)
    assert await db.settings.get("trading_paused") is False
    assert await db.settings.get("limits") == {"max_volume": 2.5, "symbols": ["XAUUSD"]}
    assert await db.settings.delete("limits") is True
    assert await db.settings.delete("limits") is False
    assert await db.settings.get("limits") is None


async def test_settings_key_is_checked(db: Database) -> None:
    with pytest.raises(ValueError, match="key"):
        await db.settings.set("", 1)
