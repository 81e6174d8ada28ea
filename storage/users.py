"""Users and roles (runtime state: role changes, subscriptions, language) and runtime settings."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from pydantic import JsonValue

from storage.engine import Connector
from storage.models import UserRecord
from storage.tables import settings, users


class UserStore:
    """One row per (platform, user_id)."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self.changes = 0  # writes through this store: readers that keep a copy compare it

    async def upsert(self, user: UserRecord) -> None:
        """Insert the user or replace every field of the existing row."""
        values = user.model_dump()
        values["role"] = user.role.value
        values["updated_at"] = datetime.now(UTC)
        insert = self._db.upsert(users).values(**values)
        changed = {k: insert.excluded[k] for k in values if k not in ("platform", "user_id")}
        async with self._db.write() as conn:
            await conn.execute(
                insert.on_conflict_do_update(index_elements=["platform", "user_id"], set_=changed)
            )
        self.changes += 1

    async def get(self, platform: str, user_id: str) -> UserRecord | None:
        """The user, or None when unknown."""
        query = sa.select(users).where(users.c.platform == platform, users.c.user_id == user_id)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _user(row)

    async def all(self) -> list[UserRecord]:
        """Every user, ordered by platform then user id."""
        async with self._db.read() as conn:
            query = sa.select(users).order_by(users.c.platform, users.c.user_id)
            rows = (await conn.execute(query)).mappings().all()
        return [_user(row) for row in rows]


def _user(row: sa.RowMapping) -> UserRecord:
    return UserRecord.model_validate({k: v for k, v in row.items() if k != "updated_at"})


class KeyValueStore:
    """Runtime settings changed by admins (e.g. trading paused); values are JSON.

    Each service's own (`Connector.scope`, revision 0005): services sharing a database keep their keys apart.
    """

    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def get(self, key: str) -> JsonValue:
        """The value, or None when the key was never set."""
        async with self._db.read() as conn:
            return await conn.scalar(sa.select(settings.c.value).where(self._key(key)))

    async def set(self, key: str, value: JsonValue) -> None:
        """Set or replace the value."""
        if not key or len(key) > 128:
            raise ValueError("key must be 1..128 characters")
        insert = self._db.upsert(settings).values(
            account=self._db.scope, key=key, value=value, updated_at=datetime.now(UTC)
        )
        update = {"value": insert.excluded.value, "updated_at": insert.excluded.updated_at}
        async with self._db.write() as conn:
            await conn.execute(insert.on_conflict_do_update(index_elements=["account", "key"], set_=update))

    async def delete(self, key: str) -> bool:
        """Remove the key; True if it existed."""
        async with self._db.write() as conn:
            return (await conn.execute(sa.delete(settings).where(self._key(key)))).rowcount == 1

    def _key(self, key: str) -> sa.ColumnElement[bool]:
        return (settings.c.account == self._db.scope) & (settings.c.key == key)
