"""Self-declared profiles of people the directory does not know."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "staff_profile",
        sa.Column("user_id", sa.String(256), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("upn", sa.String(256)),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_profile")
