"""Training enrolment: enrolments, per-session seat counters, and the audit trail."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

ACTIVE = "status IN ('enrolled', 'pending', 'waitlisted')"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "enrolment_seat",
        sa.Column("session_id", sa.String(128), primary_key=True),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        _ts("updated_at", nullable=False),
        sa.CheckConstraint("taken >= 0", name="ck_enrolment_seat_taken"),
    )
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("upn", sa.String(256)),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("unit_code", sa.String(64)),
        sa.Column("unit_name", sa.String(256)),
        sa.Column("tier", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("approval_messages", sa.JSON(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        _ts("decided_at"),
        sa.Column("decided_by", sa.String(256)),
        sa.CheckConstraint(
            "status IN ('enrolled', 'pending', 'waitlisted', 'cancelled', 'declined')",
            name="ck_enrolment_status",
        ),
    )
    # One active enrolment per person and course: the database refuses a second one.
    op.create_index(
        "ux_enrolment_active", "enrolment", ["course_id", "user_id"], unique=True,
        sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE),
    )
    op.create_index("ix_enrolment_session_status", "enrolment", ["session_id", "status", "id"])
    op.create_index("ix_enrolment_user", "enrolment", ["user_id"])
    op.create_table(
        "enrolment_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _ts("at", nullable=False),
        sa.Column("actor_id", sa.String(256), nullable=False),
        sa.Column("actor_name", sa.String(256), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("enrolment.id")),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_enrolment_audit_enrolment", "enrolment_audit", ["enrolment_id"])


def downgrade() -> None:
    op.drop_table("enrolment_audit")
    op.drop_table("enrolment")
    op.drop_table("enrolment_seat")
