"""Turn latency and throughput over HTTP, the bot side by side with a bare botbuilder echo bot.

    .venv/bin/python bench/turns_bench.py [--turns 300] [--database-url URL]

Simulated users (1, 10, 50 at once) each send messages and wait for the reply, through the
same dev channel and client for both bots. Prints a table; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devchannel.client import DevClient, DevUser  # noqa: E402
from bot.devchannel.server import DevChannel  # noqa: E402
from bot.logs import configure_logging  # noqa: E402


class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(turn_context.activity.text or "")


def serve_echo(port: int) -> None:
    """Run the bare echo bot in this process (the benchmark starts it as a child)."""

    class Config:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    bot = Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", lambda request: web.Response(text="ok"))
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_child(args: list[str], env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    """Start a bot in its own process (its own core) and wait until /healthz answers."""
    proc = await asyncio.create_subprocess_exec(sys.executable, *args, env=env, cwd=ROOT,
                                                stdout=asyncio.subprocess.DEVNULL)
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)  # waiting for a child process to listen
    raise RuntimeError(f"{args} did not start")


def queries() -> list[str]:
    path = ROOT / "tests/data/faq_eval.csv"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            return [row["query"] for row in csv.DictReader(f)]
    return ["ヘルプ", "VPN 遅い", "パスワード忘れた"]


async def load(url: str, channel: DevChannel, users: int, turns: int, texts: list[str],
               pace: float | None = None) -> tuple[list[float], float]:
    """Each user sends ``turns // users`` messages: back to back (closed loop), or one every
    ``pace`` seconds (people typing), and the time to each reply is recorded."""
    people = [DevUser(f"u{i}", f"利用者{i}", f"00000000-0000-4000-8000-{i:012d}") for i in range(users)]
    latencies: list[float] = []
    async with DevClient(url, channel, people) as client:
        for person in people:  # warm up: first turn creates state rows
            await client.send(person.key, "ヘルプ")
        per_user = max(1, turns // users)

        async def run(person: DevUser, offset: int) -> None:
            loop = asyncio.get_running_loop()
            first = loop.time() + (offset % 97) / 97 * (pace or 0)
            for i in range(per_user):
                if pace:
                    await asyncio.sleep(max(0.0, first + i * pace - loop.time()))
                text = texts[(offset + i) % len(texts)]
                started = time.perf_counter()
                status = await client.send(person.key, text)
                latencies.append((time.perf_counter() - started) * 1000)
                assert status == 201, status

        started = time.perf_counter()
        await asyncio.gather(*(run(p, n * 7) for n, p in enumerate(people)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--concurrency", default="1,10,50")
    parser.add_argument("--pace", type=float, default=1.0,
                        help="seconds between one user's messages in the paced rows")
    args = parser.parse_args()
    configure_logging("WARNING")
    texts = queries()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        bot_port, echo_port = free_port(), free_port()
        env = {**os.environ, "DATABASE_URL": url, "PORT": str(bot_port), "HOST": "127.0.0.1",
               "WATCH_FILES": "false", "LOG_LEVEL": "WARNING", "MicrosoftAppId": ""}
        bot = await start_child(["app.py"], env, bot_port)
        echo = await start_child([__file__, "--serve-echo", str(echo_port)], env, echo_port)
        targets = (("echo bot", f"http://127.0.0.1:{echo_port}"),
                   ("DX Support Bot", f"http://127.0.0.1:{bot_port}"))
        try:
            async with DevChannel() as channel:
                for users in (int(c) for c in args.concurrency.split(",")):
                    for name, target in targets:
                        lat, elapsed = await load(target, channel, users, args.turns, texts)
                        rows.append((users, "back to back", name, len(lat), statistics.median(lat),
                                     pct(lat, 99), len(lat) / elapsed))
                for users in (10, 50):
                    for name, target in targets:
                        turns = users * 10
                        lat, elapsed = await load(target, channel, users, turns, texts, args.pace)
                        rows.append((users, f"1 msg / {args.pace:g} s each", name, len(lat),
                                     statistics.median(lat), pct(lat, 99), len(lat) / elapsed))
        finally:
            for proc in (bot, echo):
                proc.terminate()
                await proc.wait()
    db = "PostgreSQL" if (args.database_url or "").startswith("postgresql") else "SQLite"
    print(f"\nTurn latency over HTTP through the dev channel ({db}, {args.turns} turns per row)\n")
    print("| users | sending | bot | turns | p50 ms | p99 ms | turns/s | vs echo |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    echo_tps: dict[tuple[int, str], float] = {}
    for users, mode, name, n, p50, p99, tps in rows:
        if name == "echo bot":
            echo_tps[(users, mode)] = tps
        ratio = f"{tps / echo_tps[(users, mode)]:.0%}" if name != "echo bot" else ""
        print(f"| {users} | {mode} | {name} | {n} | {p50:.1f} | {p99:.1f} | {tps:.0f} | {ratio} |")


if __name__ == "__main__":
    if "--serve-echo" in sys.argv:
        serve_echo(int(sys.argv[sys.argv.index("--serve-echo") + 1]))
    else:
        asyncio.run(main())
