"""Durable jobs on a real database (SQLite file and PostgreSQL), driven by a hand-moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import Runtime, start_runtime
from domain import jobs, outbox
from domain.clock import ManualClock
from domain.jobs import Job
from domain.outbox import OutboxMessage
from tests.conftest import make_settings


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def runtime(database_url: str, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with start_runtime(make_settings(database_url), clock) as rt:
        yield rt


class Recorder:
    """A job handler that records its payloads and fails its first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failures = failures

    async def __call__(self, payload: dict[str, Any], session: AsyncSession) -> None:
        self.calls.append(payload)
        if len(self.calls) <= self.failures:
            raise RuntimeError(f"boom {len(self.calls)}")


async def schedule(rt: Runtime, kind: str, delay: timedelta, payload: dict[str, Any],
                   dedupe_key: str | None = None, **options: Any) -> Job:
    async with rt.sessions() as session, session.begin():
        return await jobs.schedule(session, kind, rt.clock.now() + delay, payload, dedupe_key,
                                   **options)


async def job_rows(rt: Runtime) -> list[Job]:
    async with rt.sessions() as session:
        return list((await session.execute(select(Job).order_by(Job.id))).scalars())


async def test_a_job_runs_once_when_its_time_comes(runtime: Runtime, clock: ManualClock) -> None:
    reminder = Recorder()
    runtime.worker.handlers.register("reminder", reminder)
    await schedule(runtime, "reminder", timedelta(hours=1), {"course": "C-101"})

    await runtime.drain()
    clock.advance(timedelta(minutes=59))
    await runtime.drain()
    assert reminder.calls == []

    clock.advance(timedelta(minutes=2))
    await runtime.drain()
    await runtime.drain()
    assert reminder.calls == [{"course": "C-101"}]
    (row,) = await job_rows(runtime)
    assert (row.status, row.attempts, row.finished_at) == ("done", 1, clock.now())


async def test_a_dedupe_key_schedules_the_same_reminder_once(
    runtime: Runtime, clock: ManualClock
) -> None:
    reminder = Recorder()
    runtime.worker.handlers.register("reminder", reminder)
    first = await schedule(runtime, "reminder", timedelta(hours=1), {"n": 1}, "remind:u1:C-101")
    again = await schedule(runtime, "reminder", timedelta(hours=2), {"n": 2}, "remind:u1:C-101")
    assert again.id == first.id and again.payload == {"n": 1}

    moved = await schedule(runtime, "reminder", timedelta(hours=3), {"n": 3}, "remind:u1:C-101",
                           replace=True)
    assert moved.id == first.id and moved.run_at == clock.now() + timedelta(hours=3)

    clock.advance(timedelta(days=1))
    await runtime.drain()
    assert reminder.calls == [{"n": 3}]
    assert len(await job_rows(runtime)) == 1


async def test_a_cancelled_job_does_not_run_and_can_be_scheduled_again(
    runtime: Runtime, clock: ManualClock
) -> None:
    reminder = Recorder()
    runtime.worker.handlers.register("reminder", reminder)
    await schedule(runtime, "reminder", timedelta(hours=1), {"n": 1}, "remind:u2")
    async with runtime.sessions() as session, session.begin():
        assert await jobs.cancel(session, "remind:u2")
        assert not await jobs.cancel(session, "remind:nobody")
    clock.advance(timedelta(hours=2))
    await runtime.drain()
    assert reminder.calls == []

    await schedule(runtime, "reminder", timedelta(hours=1), {"n": 2}, "remind:u2")
    clock.advance(timedelta(hours=2))
    await runtime.drain()
    assert reminder.calls == [{"n": 2}]


async def test_a_failing_handler_is_retried_with_backoff(
    runtime: Runtime, clock: ManualClock
) -> None:
    flaky = Recorder(failures=2)
    runtime.worker.handlers.register("flaky", flaky)
    await schedule(runtime, "flaky", timedelta(0), {"x": 1})

    await runtime.drain()
    assert len(flaky.calls) == 1  # the retry is in the future: not run again at once
    (row,) = await job_rows(runtime)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "RuntimeError: boom 1"
    assert row.run_at > clock.now()

    clock.advance(timedelta(hours=1))
    await runtime.drain()
    clock.advance(timedelta(hours=1))
    await runtime.drain()
    assert len(flaky.calls) == 3
    (row,) = await job_rows(runtime)
    assert (row.status, row.attempts, row.last_error) == ("done", 3, None)


async def test_a_job_fails_for_good_after_its_attempts(runtime: Runtime, clock: ManualClock) -> None:
    broken = Recorder(failures=100)
    runtime.worker.handlers.register("broken", broken)
    await schedule(runtime, "broken", timedelta(0), {}, max_attempts=3)
    for _ in range(5):
        await runtime.drain()
        clock.advance(timedelta(hours=1))
    assert len(broken.calls) == 3
    (row,) = await job_rows(runtime)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "boom 3" in (row.last_error or "")


async def test_a_failed_handler_leaves_no_partial_writes(runtime: Runtime) -> None:
    async def enqueue_then_fail(payload: dict[str, Any], session: AsyncSession) -> None:
        await outbox.enqueue(session, "半分だけ", user_id="someone")
        raise RuntimeError("after the write")

    runtime.worker.handlers.register("half", enqueue_then_fail)
    await schedule(runtime, "half", timedelta(0), {})
    await runtime.drain()
    async with runtime.sessions() as session:
        assert (await session.execute(select(OutboxMessage))).all() == []


async def test_an_unknown_kind_is_retried_not_lost(runtime: Runtime, clock: ManualClock) -> None:
    await schedule(runtime, "from-a-newer-version", timedelta(0), {})
    await runtime.drain()
    (row,) = await job_rows(runtime)
    assert row.status == "pending" and "no handler" in (row.last_error or "")

    later = Recorder()
    runtime.worker.handlers.register("from-a-newer-version", later)
    clock.advance(timedelta(hours=1))
    await runtime.drain()
    assert later.calls == [{}]


async def test_two_instances_run_each_job_exactly_once(database_url: str) -> None:
    clock = ManualClock()
    settings = make_settings(database_url)
    async with start_runtime(settings, clock) as one, start_runtime(settings, clock) as two:
        seen: list[int] = []

        async def count(payload: dict[str, Any], session: AsyncSession) -> None:
            seen.append(payload["n"])

        one.worker.handlers.register("count", count)
        two.worker.handlers.register("count", count)
        async with one.sessions() as session, session.begin():
            for n in range(60):
                await jobs.schedule(session, "count", clock.now() + timedelta(minutes=5), {"n": n})
        clock.advance(timedelta(minutes=5))
        await asyncio.gather(one.drain(), two.drain())
        await asyncio.gather(one.drain(), two.drain())
    assert sorted(seen) == list(range(60))
