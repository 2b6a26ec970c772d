"""Tables of the runtime foundation: bot state, conversation references, the FAQ query log.

Times are timezone-aware UTC (sqlmodel stores them as UTC on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

from knowledge.sources import CODE_MAX, ID_MAX


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware: the form every timestamp column uses."""
    return datetime.now(UTC)


class BotStateRow(SQLModel, table=True):
    """One botbuilder storage item (conversation state, user state, dialog stacks)."""

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=512)
    e_tag: str = Field(max_length=64)
    data: str
    updated_at: datetime = Field(default_factory=utcnow)


class ConversationRefRow(SQLModel, table=True):
    """The latest conversation reference of a user in a conversation (for proactive messages)."""

    __tablename__ = "conversation_ref"

    user_id: str = Field(primary_key=True, max_length=256)
    conversation_id: str = Field(primary_key=True, max_length=512)
    conversation_type: str = Field(default="personal", max_length=32, index=True)
    upn: str | None = Field(default=None, max_length=256, index=True)
    tenant_id: str | None = Field(default=None, max_length=64)
    reference: str
    updated_at: datetime = Field(default_factory=utcnow)


class FaqQueryRow(SQLModel, table=True):
    """One FAQ query: what was asked, what the matcher offered, what the person chose and said."""

    __tablename__ = "faq_query"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_id: str = Field(max_length=256)
    unit_code: str | None = Field(default=None, max_length=CODE_MAX)
    query: str
    normalized: str
    candidates: str = "[]"
    band: str = Field(max_length=16)
    chosen_id: str | None = Field(default=None, max_length=ID_MAX)
    feedback: str | None = Field(default=None, max_length=16)
