"""The outbox: proactive messages written in the sender's transaction, delivered later.

A message goes to a person (their Entra object id; delivered to their personal chat) or to
a conversation (by its stored reference). Messages with the same ``ordering_key`` (one per
person or conversation) are delivered strictly in id order: only the oldest pending message
of a key can be claimed, so message N+1 waits while N is in flight or waiting to retry.
Claims carry a lease (``claimed_until``): a worker that dies mid-send lets another worker
reclaim the message after the lease (at least once). Terminal outcomes schedule a job that
calls the ``on_outcome`` hooks registered for the message's topic, durably and with retries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, exists, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import jobs
from domain.jobs import UtcDateTime
from domain.models import ConversationRefRow, utcnow

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, UNREACHABLE = "pending", "sent", "failed", "unreachable"
# Tries before a message that keeps failing for a passing reason (5xx, 429, timeouts) is given
# up. The worker's backoff grows to 15 minutes with full jitter, so 200 tries last about a day:
# a Teams outage of hours delays a notice but does not lose it, nor count as "unreachable".
MAX_ATTEMPTS = 200
TERMINAL = (SENT, FAILED, UNREACHABLE)
OUTCOME_JOB = "outbox.outcome"
ERROR_LIMIT = 2000


class OutboxMessage(SQLModel, table=True):
    """One proactive message (or an update of an earlier one) and its delivery state."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    ordering_key: str = Field(max_length=600)
    user_id: str | None = Field(default=None, max_length=256)
    conversation_id: str | None = Field(default=None, max_length=512)
    activity: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    topic: str = Field(default="", max_length=128)
    update_of: int | None = Field(default=None, foreign_key="outbox.id")
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    max_attempts: int = MAX_ATTEMPTS
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    activity_id: str | None = Field(default=None, max_length=256)


@dataclass(frozen=True)
class Outcome:
    """How a message ended: ``sent`` (with the channel's activity id), ``failed``, ``unreachable``."""

    status: str
    activity_id: str | None = None
    error: str | None = None


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


def card_activity(card: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """A message carrying one Adaptive Card (and optional text, shown in notifications)."""
    activity: dict[str, Any] = {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                         "content": card}],
    }
    if text:
        activity["text"] = text
    return activity


def ordering_key(user_id: str | None, conversation_id: str | None) -> str:
    return f"user:{user_id}" if user_id else f"conv:{conversation_id}"


async def enqueue(
    session: AsyncSession,
    activity: dict[str, Any] | str,
    *,
    user_id: str | None = None,
    conversation_id: str | None = None,
    topic: str = "",
    update_of: int | None = None,
    not_before: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> OutboxMessage:
    """Add a message in the caller's transaction (it is sent only if that commits).

    Give exactly one of ``user_id`` / ``conversation_id``, or ``update_of`` (the id of an
    earlier outbox message whose delivered card this one replaces; same recipient and order).
    """
    if isinstance(activity, str):
        activity = text_activity(activity)
    activity = {"type": "message", **activity}
    key: str
    if update_of is not None:
        original = await session.get(OutboxMessage, update_of)
        if original is None:
            raise ValueError(f"update_of: no outbox message {update_of}")
        user_id, conversation_id = original.user_id, original.conversation_id
        key = original.ordering_key
    elif bool(user_id) == bool(conversation_id):
        raise ValueError("give exactly one of user_id and conversation_id")
    else:
        key = ordering_key(user_id, conversation_id)
    message = OutboxMessage(
        ordering_key=key, user_id=user_id, conversation_id=conversation_id, activity=activity,
        topic=topic, update_of=update_of, next_attempt_at=not_before, max_attempts=max_attempts,
    )
    session.add(message)
    await session.flush()
    jobs.wake_after_commit(session)
    return message


# ------------------------------------------------------------------ claiming


def _due(now: datetime) -> Any:
    """Pending, due, not leased, and the oldest pending message of its ordering key."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.ordering_key == OutboxMessage.ordering_key,
        earlier.status == PENDING,
        earlier.id < OutboxMessage.id,
    )
    return (
        (OutboxMessage.status == PENDING)
        & or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)
        & ~blocked
    )


async def claim(
    session: AsyncSession, now: datetime, worker: str, lease: timedelta, limit: int
) -> Sequence[OutboxMessage]:
    """Lease up to ``limit`` deliverable messages (at most one per ordering key) to ``worker``.

    PostgreSQL: ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)``, so concurrent
    workers never claim the same row. SQLite: the same single UPDATE, atomic under its one
    writer. Counts the attempt.
    """
    due = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    claimed = await jobs.lease_rows(session, OutboxMessage, due, worker, now + lease)
    return sorted(claimed, key=lambda m: m.id or 0)


@dataclass(frozen=True)
class Backlog:
    """The outbox at a glance (for the admins' status card and monitoring)."""

    by_status: dict[str, int]
    oldest_pending: datetime | None


async def backlog(session: AsyncSession) -> Backlog:
    counts = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    oldest = await session.execute(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == PENDING)
    )
    return Backlog({status: n for status, n in counts.all()}, oldest.scalar_one_or_none())


async def resolve_reference(session: AsyncSession, message: OutboxMessage) -> dict[str, Any] | None:
    """The stored conversation reference (JSON) to deliver to, or None if there is none."""
    query = select(ConversationRefRow.reference)
    if message.user_id:
        query = query.where(ConversationRefRow.user_id == message.user_id,
                            ConversationRefRow.conversation_type == "personal")
    else:
        query = query.where(ConversationRefRow.conversation_id == message.conversation_id)
    reference = (
        await session.execute(query.order_by(ConversationRefRow.updated_at.desc()).limit(1))
    ).scalar_one_or_none()
    return json.loads(reference) if reference else None


async def activity_to_update(session: AsyncSession, message: OutboxMessage) -> str | None:
    """For an update: the channel activity id of the delivered original (None if undelivered)."""
    if message.update_of is None:
        return None
    original = await session.get(OutboxMessage, message.update_of)
    return original.activity_id if original and original.status == SENT else None


# ------------------------------------------------------------------ recording what happened


def _pending_and(message_id: int, worker: str | None = None) -> Any:
    condition = (OutboxMessage.id == message_id) & (OutboxMessage.status == PENDING)
    if worker is not None:
        condition &= OutboxMessage.claimed_by == worker
    return condition


async def _finish(session: AsyncSession, message: OutboxMessage, now: datetime,
                  **values: Any) -> bool:
    """Move a pending message to a final state; schedules the outcome hooks. False if it was
    already final (another worker recorded it)."""
    result = await session.execute(
        update(OutboxMessage).where(_pending_and(message.id or 0))
        .values(claimed_by=None, claimed_until=None, **values)
    )
    if not result.rowcount:
        return False
    if message.topic:
        await jobs.schedule(session, OUTCOME_JOB, now, {"message_id": message.id},
                            dedupe_key=f"outbox-outcome:{message.id}")
    return True


async def mark_sent(session: AsyncSession, message: OutboxMessage, activity_id: str | None,
                    now: datetime) -> bool:
    """Delivered: even a worker whose lease ran out records it (the send happened)."""
    return await _finish(session, message, now, status=SENT, sent_at=now,
                         activity_id=activity_id, last_error=None)


async def mark_final(session: AsyncSession, message: OutboxMessage, status: str, error: str,
                     now: datetime) -> bool:
    """Failed for good (``failed``) or the recipient cannot be reached (``unreachable``)."""
    if status not in (FAILED, UNREACHABLE):
        raise ValueError(f"not a final failure status: {status}")
    return await _finish(session, message, now, status=status, last_error=error[:ERROR_LIMIT])


async def mark_retry(session: AsyncSession, message: OutboxMessage, worker: str,
                     next_attempt_at: datetime, error: str) -> bool:
    """Try again at ``next_attempt_at`` (only if this worker still holds the lease)."""
    result = await session.execute(
        update(OutboxMessage).where(_pending_and(message.id or 0, worker))
        .values(claimed_by=None, claimed_until=None, next_attempt_at=next_attempt_at,
                last_error=error[:ERROR_LIMIT])
    )
    return bool(result.rowcount)


async def defer(session: AsyncSession, message: OutboxMessage, worker: str,
                next_attempt_at: datetime) -> bool:
    """Give the message back unsent until ``next_attempt_at`` (rate limit); not an attempt."""
    result = await session.execute(
        update(OutboxMessage).where(_pending_and(message.id or 0, worker))
        .values(claimed_by=None, claimed_until=None, next_attempt_at=next_attempt_at,
                attempts=OutboxMessage.attempts - 1)
    )
    return bool(result.rowcount)


async def release_claims(session: AsyncSession, worker: str) -> int:
    """Give back every lease ``worker`` holds (graceful stop)."""
    return await jobs.release_rows(session, OutboxMessage, worker)


# ------------------------------------------------------------------ outcome hooks

OutcomeHook = Callable[[OutboxMessage, Outcome, AsyncSession], Awaitable[None]]


class OutcomeHooks:
    """``on_outcome("escalation:", hook)``: ``hook(message, outcome, session)`` is called once a
    message whose topic starts with the prefix is sent, failed or unreachable.

    Hooks run in a job (kind ``outbox.outcome``) scheduled in the transaction that records the
    outcome: they survive a restart, and a hook that raises is retried with backoff, its
    database writes rolled back and committed only together with the job's completion.
    """

    def __init__(self) -> None:
        self._hooks: list[tuple[str, OutcomeHook]] = []

    def on_outcome(self, topic_prefix: str, hook: OutcomeHook) -> None:
        self._hooks.append((topic_prefix, hook))

    async def run_job(self, payload: dict[str, Any], session: AsyncSession) -> None:
        """The ``outbox.outcome`` job handler."""
        message = await session.get(OutboxMessage, payload["message_id"])
        if message is None or message.status not in TERMINAL:
            return
        outcome = Outcome(message.status, message.activity_id, message.last_error)
        for prefix, hook in list(self._hooks):
            if message.topic.startswith(prefix):
                await hook(message, outcome, session)
