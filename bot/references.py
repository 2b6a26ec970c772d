"""Conversation references, stored on every turn so that the bot can message people later."""

from __future__ import annotations

import json

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import ConversationRefRow, utcnow


def user_key(activity: Activity) -> str:
    """The stable id of the sender: the Entra ID (AAD) object id, else the channel's user id."""
    sender = activity.from_property
    return (getattr(sender, "aad_object_id", None) or sender.id) if sender else ""


class ConversationReferences:
    """Read and write the ``conversation_ref`` table; skips writes that would change nothing."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._written: dict[tuple[str, str], str] = {}

    async def remember(self, activity: Activity, upn: str | None = None) -> None:
        """Store the reference of this activity's sender and conversation (if it changed)."""
        if not activity.conversation or not activity.from_property:
            return
        user_id = user_key(activity)
        reference = TurnContext.get_conversation_reference(activity)
        serialized = json.dumps(reference.serialize(), sort_keys=True, ensure_ascii=False)
        key = (user_id, activity.conversation.id)
        if self._written.get(key) == serialized:
            return
        async with self._sessions() as session, session.begin():
            row = await session.get(ConversationRefRow, key)
            if row is None:
                row = ConversationRefRow(user_id=user_id, conversation_id=key[1], reference=serialized)
                session.add(row)
            row.reference = serialized
            row.conversation_type = activity.conversation.conversation_type or "personal"
            row.tenant_id = activity.conversation.tenant_id
            row.upn = upn or row.upn
            row.updated_at = utcnow()
        self._written[key] = serialized

    async def personal(self, user_id: str) -> ConversationReference | None:
        """The user's one-to-one chat with the bot, if they ever opened it."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(ConversationRefRow)
                    .where(
                        ConversationRefRow.user_id == user_id,
                        ConversationRefRow.conversation_type == "personal",
                    )
                    .order_by(ConversationRefRow.updated_at.desc())
                )
            ).scalars().first()
        return ConversationReference().deserialize(json.loads(row.reference)) if row else None
