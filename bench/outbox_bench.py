"""Outbox throughput and delivery latency through the real app, adapter and dev channel.

Usage: .venv/bin/python bench/outbox_bench.py [--conversations 200] [--per-conversation 5]
                                              [--latency-messages 200] [--rate 40] [--no-pg]
For SQLite (a temporary file) and PostgreSQL (a throwaway database on
postgresql+asyncpg://postgres@127.0.0.1:5432/test, or $BENCH_POSTGRES_URL), with one worker
and with two (a second runtime on the same database), prints:

- burst: messages/s from the commit of one transaction holding every message until the
  channel received the last one (Teams' per-conversation limits keep each conversation at
  <= 7 msg/s, so the burst is spread over many conversations);
- latency p50/p99 (ms) from each commit to the channel's receipt, with messages enqueued one
  per transaction at a steady rate.

Both workers run in this one process and are woken by every commit; a worker in another
process would find the work by polling (WORKER_POLL_SECONDS, 1 s by default).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.devchannel.client import DevUser  # noqa: E402
from bot.devchannel.harness import Harness  # noqa: E402
from bot.devchannel.server import DevChannel, Sent  # noqa: E402
from bot.runtime import Runtime, start_runtime  # noqa: E402
from domain import outbox  # noqa: E402

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


class TimedChannel(DevChannel):
    """The dev channel, noting when each message text arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrival: dict[str, float] = {}
        self.all_in = asyncio.Event()
        self.expect = 0

    async def _record(self, sent: Sent) -> None:
        text = sent.activity.get("text", "")
        if text.startswith("bench-"):
            self.arrival.setdefault(text, time.perf_counter())
            if len(self.arrival) >= self.expect:
                self.all_in.set()
        await super()._record(sent)


@asynccontextmanager
async def pg_database() -> AsyncIterator[str]:
    admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    name = f"dxbot_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite+aiosqlite:///{folder}/bench.sqlite3"


async def wait_all(channel: TimedChannel, expect: int) -> None:
    channel.expect = expect
    if len(channel.arrival) < expect:
        channel.all_in.clear()
        await asyncio.wait_for(channel.all_in.wait(), 300)


async def burst(rt: Runtime, channel: TimedChannel, users: list[DevUser], per: int) -> float:
    """Messages per second for one big enqueue."""
    channel.arrival.clear()
    async with rt.sessions() as session, session.begin():
        for n in range(per):
            for user in users:
                await outbox.enqueue(session, f"bench-b-{user.key}-{n}", user_id=user.aad_object_id)
    started = time.perf_counter()
    await wait_all(channel, len(users) * per)
    return len(users) * per / (max(channel.arrival.values()) - started)


async def latency(rt: Runtime, channel: TimedChannel, users: list[DevUser], count: int,
                  rate: float) -> tuple[float, float]:
    """p50 and p99 of commit-to-receipt, in ms, at a steady enqueue rate."""
    channel.arrival.clear()
    committed: dict[str, float] = {}
    for n in range(count):
        user = users[n % len(users)]
        text = f"bench-l-{n}"
        async with rt.sessions() as session, session.begin():
            await outbox.enqueue(session, text, user_id=user.aad_object_id)
        committed[text] = time.perf_counter()
        await asyncio.sleep(1 / rate)
    await wait_all(channel, count)
    times = sorted((channel.arrival[t] - committed[t]) * 1000 for t in committed)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


async def scenario(database: str, url: str, workers: int, args: argparse.Namespace) -> list[str]:
    settings = load_settings(database_url=url, watch_files=False, _env_file=None,
                             faq_dir=ROOT / "content/faq", org_dir=ROOT / "content/org",
                             courses_dir=ROOT / "content/courses")
    users = [DevUser(f"b{i}", f"職員{i}", str(uuid.UUID(int=0xBE00_0000 + i)))
             for i in range(args.conversations)]
    harness = Harness(settings, users)
    harness.channel = channel = TimedChannel()
    async with harness as h, contextlib.AsyncExitStack() as stack:
        for user in users:
            await h.client.post(h.client.install(user))
        for _ in range(workers - 1):
            await stack.enter_async_context(start_runtime(settings))
        rate = await burst(h.runtime, channel, users, args.per_conversation)
        p50, p99 = await latency(h.runtime, channel, users, args.latency_messages, args.rate)
    total = args.conversations * args.per_conversation
    return [database, str(workers), f"{total}", f"{rate:,.0f}", f"{p50:,.0f}", f"{p99:,.0f}"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--per-conversation", type=int, default=5)
    parser.add_argument("--latency-messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=40.0, help="enqueues per second")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    header = ["database", "workers", "burst msgs", "msgs/s", "p50 ms", "p99 ms"]
    rows = []
    databases = [("SQLite", sqlite_database)] + ([] if args.no_pg else [("PostgreSQL", pg_database)])
    for name, make in databases:
        for workers in (1, 2):
            async with make() as url:
                rows.append(await scenario(name, url, workers, args))
            print("  done:", " ".join(rows[-1]), file=sys.stderr, flush=True)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print(f"\nlatency: {args.latency_messages} messages at {args.rate:g}/s across "
          f"{args.conversations} conversations; delivery concurrency per worker 16 (default)")


if __name__ == "__main__":
    asyncio.run(main())
