"""The outbox table on a real database: transactional enqueue, per-conversation order, leases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import create_engine, migrate, session_factory
from domain import outbox
from domain.clock import ManualClock
from domain.jobs import Job
from domain.outbox import OutboxMessage

LEASE = timedelta(seconds=60)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def put(sessions: async_sessionmaker[AsyncSession], *texts: str, user: str = "u1",
              **options: object) -> list[int]:
    async with sessions() as session, session.begin():
        return [
            (await outbox.enqueue(session, text, user_id=user, **options)).id or 0  # type: ignore[arg-type]
            for text in texts
        ]


async def claim(sessions: async_sessionmaker[AsyncSession], clock: ManualClock,
                worker: str = "w1", limit: int = 10) -> list[OutboxMessage]:
    async with sessions() as session, session.begin():
        return list(await outbox.claim(session, clock.now(), worker, LEASE, limit))


def texts(messages: list[OutboxMessage]) -> list[str]:
    return [m.activity["text"] for m in messages]


async def test_enqueue_commits_with_the_callers_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await outbox.enqueue(session, "取り消される", user_id="u1")
            raise RuntimeError("the feature's own write failed")
    assert await claim(sessions, clock) == []
    await put(sessions, "残る")
    assert texts(await claim(sessions, clock)) == ["残る"]


async def test_enqueue_needs_exactly_one_recipient(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="exactly one"):
            await outbox.enqueue(session, "x")
        with pytest.raises(ValueError, match="exactly one"):
            await outbox.enqueue(session, "x", user_id="u", conversation_id="c")
        with pytest.raises(ValueError, match="update_of"):
            await outbox.enqueue(session, "x", update_of=12345)


async def test_only_the_oldest_pending_message_of_a_conversation_is_claimed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "a1", "a2", "a3", user="a")
    await put(sessions, "b1", "b2", user="b")
    first = await claim(sessions, clock)
    assert texts(first) == ["a1", "b1"]
    assert await claim(sessions, clock, "w2") == []  # a2 and b2 wait behind a1 and b1

    async with sessions() as session, session.begin():
        await outbox.mark_sent(session, first[0], "act-1", clock.now())
    assert texts(await claim(sessions, clock, "w2")) == ["a2"]


async def test_a_retrying_message_holds_back_the_next_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "m1", "m2")
    (m1,) = await claim(sessions, clock)
    async with sessions() as session, session.begin():
        assert await outbox.mark_retry(session, m1, "w1", clock.now() + timedelta(seconds=30),
                                       "HTTP 429")
    assert await claim(sessions, clock) == []  # m2 is due but m1 is still pending

    clock.advance(timedelta(seconds=30))
    (again,) = await claim(sessions, clock)
    assert (again.activity["text"], again.attempts, again.last_error) == ("m1", 2, "HTTP 429")


async def test_a_final_failure_lets_the_conversation_move_on(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "m1", "m2")
    (m1,) = await claim(sessions, clock)
    async with sessions() as session, session.begin():
        assert await outbox.mark_final(session, m1, outbox.UNREACHABLE, "HTTP 403", clock.now())
    assert texts(await claim(sessions, clock)) == ["m2"]


async def test_a_lease_keeps_other_workers_away_until_it_expires(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "m1")
    (mine,) = await claim(sessions, clock, "w1")
    assert mine.claimed_by == "w1"
    clock.advance(LEASE - timedelta(seconds=1))
    assert await claim(sessions, clock, "w2") == []

    clock.advance(timedelta(seconds=1))
    (taken,) = await claim(sessions, clock, "w2")
    assert (taken.id, taken.claimed_by, taken.attempts) == (mine.id, "w2", 2)
    # The first worker lost its lease: it can no longer reschedule the message...
    async with sessions() as session, session.begin():
        assert not await outbox.mark_retry(session, mine, "w1", clock.now(), "late")
    # ...but a send it did complete is still recorded, and only once.
    async with sessions() as session, session.begin():
        assert await outbox.mark_sent(session, mine, "act-1", clock.now())
        assert not await outbox.mark_sent(session, taken, "act-2", clock.now())
        row = await session.get(OutboxMessage, mine.id)
        assert row is not None and (row.status, row.activity_id) == ("sent", "act-1")


async def test_a_rate_limit_deferral_is_not_an_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "m1")
    (m1,) = await claim(sessions, clock)
    async with sessions() as session, session.begin():
        assert await outbox.defer(session, m1, "w1", clock.now() + timedelta(seconds=1))
    assert await claim(sessions, clock) == []
    clock.advance(timedelta(seconds=1))
    (again,) = await claim(sessions, clock)
    assert again.attempts == 1


async def test_not_before_delays_the_first_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "朝に送る", not_before=clock.now() + timedelta(hours=8))
    assert await claim(sessions, clock) == []
    clock.advance(timedelta(hours=8))
    assert texts(await claim(sessions, clock)) == ["朝に送る"]


async def test_an_update_goes_to_the_same_recipient_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    (card_id,) = await put(sessions, "card", user="u9", topic="escalation:1")
    async with sessions() as session, session.begin():
        update = await outbox.enqueue(session, outbox.card_activity({"type": "AdaptiveCard"}),
                                      update_of=card_id)
    assert (update.user_id, update.ordering_key) == ("u9", "user:u9")
    (first,) = await claim(sessions, clock)
    assert first.id == card_id
    async with sessions() as session:
        assert await outbox.activity_to_update(session, update) is None
    async with sessions() as session, session.begin():
        await outbox.mark_sent(session, first, "act-7", clock.now())
    async with sessions() as session:
        assert await outbox.activity_to_update(session, update) == "act-7"


async def test_a_final_outcome_schedules_the_hooks_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "with topic", topic="escalation:12")
    await put(sessions, "no topic", user="u2")
    claimed = await claim(sessions, clock)
    async with sessions() as session, session.begin():
        for message in claimed:
            await outbox.mark_sent(session, message, "act", clock.now())
    async with sessions() as session:
        rows = list((await session.execute(select(Job))).scalars())
    assert [(j.kind, j.payload) for j in rows] == [
        (outbox.OUTCOME_JOB, {"message_id": claimed[0].id})
    ]


async def test_the_backlog_counts_messages_by_status(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    await put(sessions, "a", "b", user="a")
    await put(sessions, "c", user="c")
    a, c = await claim(sessions, clock)
    async with sessions() as session, session.begin():
        await outbox.mark_sent(session, a, "act", clock.now())
        await outbox.mark_final(session, c, outbox.UNREACHABLE, "HTTP 403", clock.now())
    async with sessions() as session:
        summary = await outbox.backlog(session)
        b = (await session.execute(select(OutboxMessage).where(OutboxMessage.status == "pending")))
        (pending,) = b.scalars().all()
    assert summary.by_status == {"sent": 1, "unreachable": 1, "pending": 1}
    assert summary.oldest_pending == pending.created_at
