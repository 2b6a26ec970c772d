"""The background worker: runs due jobs and delivers the outbox, one task per app instance.

It wakes at once when this process commits an enqueue or a schedule, and otherwise polls
(``WORKER_POLL_SECONDS``) for work other instances wrote. Deliveries run concurrently across
conversations (``DELIVERY_CONCURRENCY``) and one at a time within a conversation (the outbox
only hands out the oldest pending message of each). ``drain()`` runs everything due now by
the runtime's clock, for tests and conversation scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import ConversationLimiter, Delivered, Delivery, Permanent, Result
from domain import jobs, outbox
from domain.clock import Clock
from domain.jobs import Backoff, JobHandlers, JobRunner
from domain.outbox import OutboxMessage, OutcomeHooks

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

JOB_BATCH = 20
# One step (due jobs, then claims) taking this long is stuck: /healthz says so. Each database
# statement gives up after DATABASE_TIMEOUT_SECONDS, so only a hung job handler gets here.
STALL_SECONDS = 300.0


# An error that is not the channel's (not HTTP, a timeout or the network) will most likely
# happen again: a few tries, then the message fails, so that it does not hold up the later
# messages to the same person for the day a channel outage is retried.
UNEXPECTED_ATTEMPTS = 8


class DrainDidNotSettle(RuntimeError):
    """``drain()`` kept finding new work (a job that reschedules itself for now?)."""


class Worker:
    """Claims and runs due jobs and outbox messages; ``handlers`` and ``outcomes`` are the
    registries features use (``worker.handlers.register(kind, fn)``,
    ``worker.outcomes.on_outcome(prefix, fn)``)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        delivery: Delivery,
        clock: Clock,
        *,
        concurrency: int = 16,
        poll_seconds: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        backoff: Backoff | None = None,
        limiter: ConversationLimiter | None = None,
        rng: random.Random | None = None,
        name: str | None = None,
    ) -> None:
        self.sessions, self.delivery, self.clock = sessions, delivery, clock
        self.concurrency, self.poll_seconds, self.lease = concurrency, poll_seconds, lease
        self.backoff = backoff or Backoff()
        self.limiter = limiter or ConversationLimiter()
        self.rng = rng or random.Random()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.handlers = JobHandlers()
        self.outcomes = OutcomeHooks()
        self.handlers.register(outbox.OUTCOME_JOB, self.outcomes.run_job)
        self._runner = JobRunner(sessions, self.handlers, self.name, self.backoff, self.rng)
        self._wake = asyncio.Event()
        self._claiming = asyncio.Lock()  # claims (and job runs) vs. drain's "nothing left" check
        self._inflight: set[asyncio.Task[None]] = set()
        self._step_since: float | None = None  # time.monotonic() when the running step began
        self.stall_seconds = STALL_SECONDS
        self._progress = 0  # jobs run + deliveries finished, by the loop or by drain()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> Worker:
        settings = runtime.settings
        timeout = settings.delivery_timeout
        return cls(
            runtime.sessions,
            Delivery(runtime.adapter, settings.app_id, timeout),
            runtime.clock,
            concurrency=settings.delivery_concurrency,
            poll_seconds=settings.worker_poll_seconds,
            lease=timedelta(seconds=max(60.0, 4 * timeout)),
        )

    # ------------------------------------------------------------ lifecycle

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        jobs.add_waker(self.wake)
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name=f"worker {self.name}")
        self._task.add_done_callback(self._loop_ended)

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        """Say why, when the loop ends other than by :meth:`stop` (/healthz then says so)."""
        if self._stopping:
            return
        failure = None if task.cancelled() else task.exception()
        log.error("the worker's loop has ended: notices and scheduled jobs wait until a restart",
                  exc_info=failure)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, let in-flight sends finish (up to ``grace``), give back leases."""
        jobs.remove_waker(self.wake)
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)  # it may have died
            self._task = None
        if self._inflight:
            _, late = await asyncio.wait(self._inflight, timeout=grace or self.delivery.timeout + 5)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        try:
            async with self.sessions() as session, session.begin():
                await outbox.release_claims(session, self.name)
                await jobs.release_claims(session, self.name)
        except Exception:
            log.exception("could not release the worker's leases (they will expire)")

    # ------------------------------------------------------------ the loop

    def problem(self) -> str | None:
        """Why the worker is not doing its work (for /healthz), or None: its loop ended, or
        one step has run longer than ``stall_seconds``."""
        task = self._task
        if task is not None and task.done() and not self._stopping:
            failure = None if task.cancelled() else task.exception()
            return f"worker stopped: {type(failure).__name__ if failure else 'cancelled'}"
        since = self._step_since
        if since is not None and (running := time.monotonic() - since) > self.stall_seconds:
            return f"worker stalled: one step has run for {running:.0f} s"
        return None

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._step_since = time.monotonic()
            try:
                busy = await self._step()
            except Exception:
                log.exception("worker step failed; retrying after the poll interval")
                busy = False
            finally:
                self._step_since = None
            if not busy and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def _step(self) -> bool:
        """Run due jobs and start deliveries for free slots; True if anything was found."""
        ran = await self._run_jobs()
        started = await self._claim_and_start()
        return bool(ran or started)

    async def drain(self, max_rounds: int = 1000) -> None:
        """Run every job and deliver every message that is due now, until nothing is due."""
        for _ in range(max_rounds):
            progress = self._progress
            await self._run_jobs()
            await self._claim_and_start(self.concurrency)
            async with self._claiming:  # not while the loop is between claiming and starting
                pass
            while self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)
            if self._progress == progress:  # nothing ran here or in the loop: all settled
                return
        raise DrainDidNotSettle(f"work was still due after {max_rounds} rounds")

    # ------------------------------------------------------------ jobs

    async def _run_jobs(self) -> int:
        async with self._claiming:
            now = self.clock.now()
            async with self.sessions() as session, session.begin():
                due = await jobs.claim_due(session, now, self.name, self.lease, JOB_BATCH)
            for job in due:
                await self._runner.run(job, self.clock.now())
            self._progress += len(due)
            return len(due)

    # ------------------------------------------------------------ the outbox

    async def _claim_and_start(self, limit: int | None = None) -> int:
        async with self._claiming:
            free = (limit or self.concurrency) - len(self._inflight)
            if free <= 0 or (self._stopping and limit is None):
                return 0
            async with self.sessions() as session, session.begin():
                claimed = await outbox.claim(session, self.clock.now(), self.name, self.lease, free)
            for message in claimed:
                task = asyncio.create_task(self._deliver_safely(message))
                self._inflight.add(task)
                task.add_done_callback(self._finished)
            return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._progress += 1
        self._wake.set()

    async def _deliver_safely(self, message: OutboxMessage) -> None:
        try:
            await self.deliver(message)
        except Exception:
            # The lease stays: the message is retried when it expires (at least once).
            log.exception("delivery of an outbox message failed unexpectedly",
                          extra={"outbox_id": message.id})

    async def deliver(self, message: OutboxMessage) -> None:
        """Send one claimed message (or defer it for the rate limit) and record the result."""
        now = self.clock.now()
        wait = self.limiter.wait(message.ordering_key, now)
        if wait is not None:
            async with self.sessions() as session, session.begin():
                await outbox.defer(session, message, self.name, now + wait)
            return
        self.limiter.record(message.ordering_key, now)
        async with self.sessions() as session:
            reference = await outbox.resolve_reference(session, message)
            update_id = await outbox.activity_to_update(session, message)
        if message.update_of is not None and update_id is None:
            result: Result = Permanent("failed", "the message to update was never delivered")
        else:
            result = await self.delivery.send(reference, message.activity, update_id)
        await self.record(message, result)

    async def record(self, message: OutboxMessage, result: Result) -> None:
        """Commit the outcome of a send (the step after which a crash no longer re-sends)."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            if isinstance(result, Delivered):
                await outbox.mark_sent(session, message, result.activity_id, now)
            elif isinstance(result, Permanent):
                await outbox.mark_final(session, message, result.status, result.error, now)
            elif message.attempts >= (
                min(message.max_attempts, UNEXPECTED_ATTEMPTS) if result.unexpected
                else message.max_attempts):
                await outbox.mark_final(session, message, outbox.FAILED,
                                        f"gave up after {message.attempts} attempts: {result.error}",
                                        now)
            else:
                delay = self.backoff.delay(message.attempts, self.rng, result.retry_after)
                await outbox.mark_retry(session, message, self.name, now + delay, result.error)
        if not isinstance(result, Delivered):
            log.info("outbox message not delivered",
                     extra={"outbox_id": message.id, "attempts": message.attempts,
                            "error": getattr(result, "error", "")})
