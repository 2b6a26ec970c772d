"""Foundation: bot state, conversation references, FAQ query log."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("e_tag", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "conversation_ref",
        sa.Column("user_id", sa.String(256), primary_key=True),
        sa.Column("conversation_id", sa.String(512), primary_key=True),
        sa.Column("conversation_type", sa.String(32), nullable=False),
        sa.Column("upn", sa.String(256)),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversation_ref_conversation_type", "conversation_ref", ["conversation_type"])
    op.create_index("ix_conversation_ref_upn", "conversation_ref", ["upn"])
    op.create_table(
        "faq_query",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("unit_code", sa.String(64)),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("chosen_id", sa.String(128)),
        sa.Column("feedback", sa.String(16)),
    )
    op.create_index("ix_faq_query_created_at", "faq_query", ["created_at"])


def downgrade() -> None:
    op.drop_table("faq_query")
    op.drop_table("conversation_ref")
    op.drop_table("bot_state")
