"""Durable scheduled work: the ``job`` table, handlers by kind, leases and retries.

A job is claimed with a lease (``claimed_until``) so a worker that dies lets another take
it over later; its handler runs in the transaction that marks it done, so the handler's own
database writes and the completion commit together (or not at all). Time always comes from
the caller's clock (``now``), never from the database, so a hand-moved clock drives it.
Indexes live in migration ``0002_outbox_jobs``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import utcnow

log = logging.getLogger(__name__)

PENDING, DONE, FAILED, CANCELLED = "pending", "done", "failed", "cancelled"


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, a floor, and the server's Retry-After honoured."""

    base: float = 2.0
    cap: float = 900.0
    floor: float = 0.5

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> timedelta:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        seconds = max(self.floor, rng.uniform(0, ceiling), retry_after or 0.0)
        return timedelta(seconds=seconds)


# ------------------------------------------------------------------ in-process wake-up

_WAKE = "dxbot.wake"
_wakers: set[Callable[[], None]] = set()


def add_waker(wake: Callable[[], None]) -> None:
    """Call ``wake`` after every commit that enqueued or scheduled something (this process)."""
    _wakers.add(wake)


def remove_waker(wake: Callable[[], None]) -> None:
    _wakers.discard(wake)


def wake_after_commit(session: AsyncSession) -> None:
    """Mark the session: when it commits, wake the workers of this process."""
    session.sync_session.info[_WAKE] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_WAKE, False):
        for wake in list(_wakers):
            wake()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WAKE, None)


# ------------------------------------------------------------------ the table


class Job(SQLModel, table=True):
    """One piece of scheduled work: run handler ``kind`` with ``payload`` at ``run_at``."""

    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    run_at: datetime = Field(sa_type=UtcDateTime)
    dedupe_key: str | None = Field(default=None, max_length=256, unique=True)
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    max_attempts: int = 5
    last_error: str | None = None
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


def _dialect(session: AsyncSession) -> str:
    return session.sync_session.get_bind().dialect.name


async def schedule(
    session: AsyncSession,
    kind: str,
    run_at: datetime,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    *,
    replace: bool = False,
    max_attempts: int = 5,
) -> Job:
    """Add a job in the caller's transaction.

    With a ``dedupe_key`` that already exists the existing job is returned unchanged, except
    that a cancelled one is revived and, with ``replace``, a pending one gets the new time and
    payload. Safe against concurrent scheduling of the same key (INSERT ... ON CONFLICT).
    """
    values: dict[str, Any] = {
        "kind": kind, "payload": payload or {}, "run_at": run_at, "dedupe_key": dedupe_key,
        "status": PENDING, "attempts": 0, "max_attempts": max_attempts, "created_at": utcnow(),
    }
    wake_after_commit(session)
    if dedupe_key is None:
        job = Job(**values)
        session.add(job)
        await session.flush()
        return job
    insert = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
    statement = (
        insert(Job.__table__).values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Job.__table__.c.id)
    )
    new_id = (await session.execute(statement)).scalar_one_or_none()
    found = (
        await session.execute(
            select(Job).where(Job.dedupe_key == dedupe_key)
            .with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()
    if new_id is None and (found.status == CANCELLED or (replace and found.status == PENDING)):
        found.kind, found.payload, found.run_at = kind, payload or {}, run_at
        found.status, found.attempts, found.max_attempts = PENDING, 0, max_attempts
        found.last_error = found.claimed_by = found.claimed_until = found.finished_at = None
        await session.flush()
    return found


async def cancel(session: AsyncSession, dedupe_key: str) -> bool:
    """Cancel the pending job with this key; False when there is none."""
    result = await session.execute(
        update(Job)
        .where(Job.dedupe_key == dedupe_key, Job.status == PENDING)
        .values(status=CANCELLED, claimed_by=None, claimed_until=None)
    )
    return bool(result.rowcount)


async def claim_due(
    session: AsyncSession, now: datetime, worker: str, lease: timedelta, limit: int
) -> Sequence[Job]:
    """Lease up to ``limit`` due jobs to ``worker`` (SKIP LOCKED on PostgreSQL; SQLite's
    single writer makes the one UPDATE atomic). Counts the attempt."""
    due = (
        select(Job.id)
        .where(
            Job.status == PENDING,
            Job.run_at <= now,
            or_(Job.claimed_until.is_(None), Job.claimed_until <= now),
        )
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    jobs = await lease_rows(session, Job, due, worker, now + lease)
    return sorted(jobs, key=lambda job: (job.run_at, job.id or 0))


async def release_claims(session: AsyncSession, worker: str) -> int:
    """Give back every lease ``worker`` holds (graceful stop)."""
    return await release_rows(session, Job, worker)


# Leases, shared by jobs and the outbox: a row with ``id``, ``status``, ``claimed_by``,
# ``claimed_until`` and ``attempts`` belongs to one worker until its lease runs out.


async def lease_rows(
    session: AsyncSession, model: Any, due: Any, worker: str, until: datetime
) -> list[Any]:
    """Lease the rows whose ids ``due`` selects (``SELECT ... FOR UPDATE SKIP LOCKED``) to
    ``worker`` and count the attempt, in one UPDATE: atomic on PostgreSQL and SQLite."""
    statement = (
        update(model)
        .where(model.id.in_(due))
        .values(claimed_by=worker, claimed_until=until, attempts=model.attempts + 1)
        .returning(model)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return list((await session.execute(statement)).scalars())


async def release_rows(session: AsyncSession, model: Any, worker: str) -> int:
    """Give back every pending row ``worker`` has leased; the number released."""
    result = await session.execute(
        update(model)
        .where(model.claimed_by == worker, model.status == PENDING)
        .values(claimed_by=None, claimed_until=None)
    )
    return result.rowcount or 0


# ------------------------------------------------------------------ handlers and running

Handler = Callable[[dict[str, Any], AsyncSession], Awaitable[None]]


class JobHandlers:
    """Handlers by job kind: ``register("reminder", handler)``; ``handler(payload, session)``.

    A handler does its database work in the session it is given (its writes commit with the
    job's completion) and opens no other session meanwhile: on SQLite the engine has one
    connection, so a second session would wait for the first.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        if kind in self._handlers and self._handlers[kind] is not handler:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = handler

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)


class LostLease(Exception):
    """The job was changed (cancelled, rescheduled, taken over) while its handler ran."""


@dataclass
class JobRunner:
    """Runs claimed jobs: handler and completion in one transaction; errors back off."""

    sessions: async_sessionmaker[AsyncSession]
    handlers: JobHandlers
    worker: str
    backoff: Backoff = Backoff()
    rng: random.Random = field(default_factory=random.Random)

    ERROR_LIMIT: ClassVar[int] = 2000

    async def run(self, job: Job, now: datetime) -> str:
        """Run one claimed job; returns its new status (``pending`` when it will retry)."""
        handler = self.handlers.get(job.kind)
        try:
            async with self.sessions() as session, session.begin():
                if handler is None:
                    raise LookupError(f"no handler registered for job kind {job.kind!r}")
                await handler(dict(job.payload), session)
                done = await session.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.claimed_by == self.worker, Job.status == PENDING)
                    .values(status=DONE, finished_at=now, claimed_by=None, claimed_until=None,
                            last_error=None)
                )
                if not done.rowcount:
                    raise LostLease(f"job {job.id} changed while it ran")
            return DONE
        except LostLease:
            log.warning("job changed while it ran; its work was rolled back",
                        extra={"job_id": job.id, "kind": job.kind})
            return PENDING
        except Exception as exc:
            return await self._failed(job, now, exc)

    async def _failed(self, job: Job, now: datetime, exc: Exception) -> str:
        error = f"{type(exc).__name__}: {exc}"[: self.ERROR_LIMIT]
        final = job.attempts >= job.max_attempts
        values: dict[str, Any] = {"last_error": error, "claimed_by": None, "claimed_until": None}
        if final:
            values.update(status=FAILED, finished_at=now)
        else:
            values["run_at"] = now + self.backoff.delay(job.attempts, self.rng)
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Job)
                .where(Job.id == job.id, Job.claimed_by == self.worker, Job.status == PENDING)
                .values(**values)
            )
        log.warning("job failed" + (" for good" if final else "; will retry"),
                    extra={"job_id": job.id, "kind": job.kind, "attempts": job.attempts,
                           "error": error}, exc_info=exc)
        return FAILED if final else PENDING

