"""snooze and pending conversation state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:49:21.272816
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", storage.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.JSON(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("pending")

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
