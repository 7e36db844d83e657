"""next reminder moment per assignment, outbox by assignment, schedule rules fingerprint

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# storage.models.AT_ONCE as stored: every open assignment is looked at by the first sweep.
AT_ONCE_STORED = "2000-01-01 00:00:00.000000"


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "next_remind_at",
                storage.types.UTCDateTime(),
                nullable=True,
                server_default=AT_ONCE_STORED,
            )
        )
    assignments = sa.table(
        "assignments",
        sa.column("status", sa.String()),
        sa.column("cancelled_at", storage.types.UTCDateTime()),
        sa.column("next_remind_at", storage.types.UTCDateTime()),
    )
    closed = sa.or_(assignments.c.status == "done", assignments.c.cancelled_at.is_not(None))
    op.execute(assignments.update().where(closed).values(next_remind_at=None))
    op.create_index(
        "ix_assignments_next_remind_at", "assignments", ["next_remind_at", "id"], unique=False
    )
    op.create_index("ix_outbox_assignment_id", "outbox", ["assignment_id"], unique=False)
    op.create_table(
        "schedule_rules",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("schedule_rules")
    op.drop_index("ix_outbox_assignment_id", table_name="outbox")
    op.drop_index("ix_assignments_next_remind_at", table_name="assignments")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("next_remind_at")
