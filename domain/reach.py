"""Who the bot cannot reach: people it must be able to message but who never opened the bot,
and people whose messages came back as blocked or gone (403/404)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import ConversationRefRow
from domain.outbox import SENT, UNREACHABLE, OutboxMessage


@dataclass(frozen=True, slots=True)
class Unreachable:
    user_id: str | None
    upn: str | None
    reason: str  # "never_opened" or the last delivery error


async def unreachable(
    session: AsyncSession, expected: Iterable[tuple[str | None, str]]
) -> list[Unreachable]:
    """``expected`` are (aad object id, upn) of people who must be reachable (support roles).

    Returns those with no personal conversation reference, then everyone whose latest
    finished message was undeliverable for good (one later message that arrived clears them:
    they unblocked or reinstalled the bot). Nobody is listed twice.
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
    latest = (
        select(OutboxMessage.user_id, func.max(OutboxMessage.id).label("last"))
        .where(OutboxMessage.status.in_((SENT, UNREACHABLE)), OutboxMessage.user_id.is_not(None))
        .group_by(OutboxMessage.user_id)
        .subquery()
    )
    blocked = await session.execute(
        select(OutboxMessage.user_id, OutboxMessage.last_error)
        .join(latest, OutboxMessage.id == latest.c.last)
        .where(OutboxMessage.status == UNREACHABLE)
    )
    listed = {item.user_id for item in found if item.user_id}
    found += [Unreachable(user_id, None, error or "unreachable")
              for user_id, error in blocked.all() if user_id not in listed]
    return found
