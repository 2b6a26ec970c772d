"""Escalation tickets: tickets, their audit trail, recipients, and FAQ proposals."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_key", sa.String(64), nullable=False, unique=True),
        sa.Column("requester_id", sa.String(256), nullable=False),
        sa.Column("requester_name", sa.String(256), nullable=False),
        sa.Column("requester_upn", sa.String(256)),
        sa.Column("unit_code", sa.String(64)),
        sa.Column("unit_name", sa.String(256)),
        sa.Column("department_code", sa.String(64)),
        sa.Column("department_name", sa.String(256)),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("guesses", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_role", sa.String(32), nullable=False),
        sa.Column("assignee_id", sa.String(256)),
        sa.Column("assignee_name", sa.String(256)),
        sa.Column("answer", sa.Text()),
        sa.Column("followup", sa.Text()),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("requester_card_id", sa.Integer()),
        sa.Column("resolution_note", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("claimed_at"),
        _ts("answered_at"),
        _ts("resolved_at"),
        _ts("updated_at", nullable=False),
    )
    op.create_index("ix_ticket_requester_id", "ticket", ["requester_id"])
    op.create_index("ix_ticket_status", "ticket", ["status"])
    op.create_index("ix_ticket_assignee_id", "ticket", ["assignee_id"])
    op.create_index("ix_ticket_created_at", "ticket", ["created_at"])
    op.create_table(
        "ticket_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), nullable=False),
        _ts("at", nullable=False),
        sa.Column("actor_id", sa.String(256), nullable=False),
        sa.Column("actor_name", sa.String(256), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16)),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_ticket_event_ticket_id", "ticket_event", ["ticket_id"])
    op.create_table(
        "ticket_recipient",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("upn", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("card_message_id", sa.Integer()),
        _ts("created_at", nullable=False),
        sa.UniqueConstraint("ticket_id", "user_id", name="ux_ticket_recipient"),
    )
    op.create_index("ix_ticket_recipient_ticket_id", "ticket_recipient", ["ticket_id"])
    op.create_index("ix_ticket_recipient_user_id", "ticket_recipient", ["user_id"])
    op.create_table(
        "faq_proposal",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id")),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("alternates", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("category", sa.String(128), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposed_by_id", sa.String(256), nullable=False),
        sa.Column("proposed_by_name", sa.String(256), nullable=False),
        _ts("created_at", nullable=False),
        sa.Column("decided_by", sa.String(256)),
        _ts("decided_at"),
        sa.Column("entry_id", sa.String(128)),
    )
    op.create_index("ix_faq_proposal_ticket_id", "faq_proposal", ["ticket_id"])
    op.create_index("ix_faq_proposal_status", "faq_proposal", ["status"])


def downgrade() -> None:
    op.drop_table("faq_proposal")
    op.drop_table("ticket_recipient")
    op.drop_table("ticket_event")
    op.drop_table("ticket")
