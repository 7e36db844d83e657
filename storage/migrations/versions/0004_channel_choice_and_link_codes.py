"""channel choice, last channel, link codes, outbox channel

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_choice", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_channel", sa.String(length=16), nullable=True))

    # SQLite takes a REFERENCES clause in a plain ADD COLUMN; a batch copy of the table would
    # leave free pages behind in the file.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE invites ADD COLUMN person_id INTEGER REFERENCES people (id)")
    else:
        op.add_column(
            "invites",
            sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("channel")

    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_column("person_id")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("last_channel")
        batch_op.drop_column("channel_choice")
