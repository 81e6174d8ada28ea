"""What a user may do. The trading core decides with it (`Actor.may_trade`); storage, the API and the
chat layer record and check it, so it lives in this leaf."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do: admin > trader > viewer."""

    ADMIN = "admin"
    TRADER = "trader"
    VIEWER = "viewer"
