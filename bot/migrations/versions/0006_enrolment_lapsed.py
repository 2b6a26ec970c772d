"""Enrolment status ``lapsed``: a waitlist place or undecided application whose session began."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

ACTIVE = "status IN ('enrolled', 'pending', 'waitlisted')"
BEFORE = "status IN ('enrolled', 'pending', 'waitlisted', 'cancelled', 'declined')"
AFTER = "status IN ('enrolled', 'pending', 'waitlisted', 'cancelled', 'declined', 'lapsed')"


def _status_check(check: str) -> None:
    # SQLite rebuilds the table to change a CHECK constraint (bot.db.migrate turns its
    # foreign keys off meanwhile); the partial unique index is dropped first and made again
    # after (the rebuild would not keep its WHERE clause).
    op.execute("DROP INDEX IF EXISTS ux_enrolment_active")
    with op.batch_alter_table("enrolment") as batch:
        batch.drop_constraint("ck_enrolment_status", type_="check")
        batch.create_check_constraint("ck_enrolment_status", sa.text(check))
    op.create_index(
        "ux_enrolment_active", "enrolment", ["course_id", "user_id"], unique=True,
        sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE),
    )


def upgrade() -> None:
    _status_check(AFTER)


def downgrade() -> None:
    op.execute("UPDATE enrolment SET status = 'cancelled' WHERE status = 'lapsed'")
    _status_check(BEFORE)
