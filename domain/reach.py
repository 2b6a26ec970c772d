"""Who the bot cannot reach: people it must be able to message but who never opened the bot,
and people whose messages came back as blocked or gone (403/404)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import ConversationRefRow
from domain.outbox import UNREACHABLE, OutboxMessage


@dataclass(frozen=True, slots=True)
class Unreachable:
    user_id: str | None
    upn: str | None
    reason: str  # "never_opened" or the last delivery error


async def unreachable(
    session: AsyncSession, expected: Iterable[tuple[str | None, str]]
) -> list[Unreachable]:
    """``expected`` are (aad object id, upn) of people who must be reachable (support roles).

    Returns those with no personal conversation reference, then everyone whose last message
    was undeliverable for good.
    """
    personal = (
        await session.execute(
            select(ConversationRefRow.user_id, ConversationRefRow.upn).where(
                ConversationRefRow.conversation_type == "personal"
            )
        )
    ).all()
    ids = {row.user_id for row in personal}
    upns = {row.upn.lower() for row in personal if row.upn}
    found = [
        Unreachable(aad, upn, "never_opened")
        for aad, upn in expected
        if (aad is None or aad not in ids) and upn.lower() not in upns
    ]
    blocked = await session.execute(
        select(OutboxMessage.user_id, func.max(OutboxMessage.last_error))
        .where(OutboxMessage.status == UNREACHABLE, OutboxMessage.user_id.is_not(None))
        .group_by(OutboxMessage.user_id)
    )
    found += [Unreachable(user_id, None, error or "unreachable") for user_id, error in blocked.all()]
    return found
