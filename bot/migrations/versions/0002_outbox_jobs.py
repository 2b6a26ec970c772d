"""Outbox (proactive messages) and jobs (durable scheduled work)."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ordering_key", sa.String(600), nullable=False),
        sa.Column("user_id", sa.String(256)),
        sa.Column("conversation_id", sa.String(512)),
        sa.Column("activity", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("update_of", sa.Integer(), sa.ForeignKey("outbox.id")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        sa.Column("claimed_by", sa.String(128)),
        _ts("claimed_until"),
        sa.Column("last_error", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("sent_at"),
        sa.Column("activity_id", sa.String(256)),
    )
    # Claiming: the pending heads of each ordering key; outcome lookups by topic.
    op.create_index("ix_outbox_status_key_id", "outbox", ["status", "ordering_key", "id"])
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_topic", "outbox", ["topic"])
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _ts("run_at", nullable=False),
        sa.Column("dedupe_key", sa.String(256)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("claimed_by", sa.String(128)),
        _ts("claimed_until"),
        _ts("created_at", nullable=False),
        _ts("finished_at"),
    )
    op.create_index("ux_job_dedupe_key", "job", ["dedupe_key"], unique=True)
    op.create_index("ix_job_status_run_at", "job", ["status", "run_at"])


def downgrade() -> None:
    op.drop_table("job")
    op.drop_table("outbox")
