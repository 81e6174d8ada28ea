"""Request ids keep the plan they were claimed for, so a claim a crash left open can be settled.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.coltypes import json_type

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add `request_ids.plan` (the preview a claim was taken to send) and index open claims."""
    with op.batch_alter_table("request_ids") as batch:
        batch.add_column(sa.Column("plan", json_type()))
    op.create_index("ix_request_ids_state", "request_ids", ["state"])


def downgrade() -> None:
    op.drop_index("ix_request_ids_state", table_name="request_ids")
    with op.batch_alter_table("request_ids") as batch:
        batch.drop_column("plan")
