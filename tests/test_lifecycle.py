"""The real process: the start-up line, and a graceful stop that finishes the turn in flight."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.devchannel.client import DevClient
from bot.devchannel.server import DevChannel
from tests.conftest import ROOT, STAFF


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_app(tmp_path: Path, port: int) -> tuple[asyncio.subprocess.Process, str]:
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WATCH_FILES": "false",
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'life.sqlite3'}", "MicrosoftAppId": ""}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    return proc, line


async def test_start_line_says_where_what_and_whether_auth_is_on(tmp_path: Path) -> None:
    port = free_port()
    proc, line = await start_app(tmp_path, port)
    try:
        assert f"http://127.0.0.1:{port}/api/messages" in line
        assert "life.sqlite3" in line and "faq=" in line and "auth off" in line
    finally:
        proc.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0
    log = errors.decode()  # the log calls each data set by the name admins know it by
    for label in ("FAQ", "組織データ", "研修カタログ", "機能の言い回し"):
        assert re.search(f"] {label}: [0-9]+ 件を読み込みました", log), label


async def test_sigterm_finishes_the_turn_in_flight(tmp_path: Path) -> None:
    port = free_port()
    proc, _ = await start_app(tmp_path, port)
    async with DevChannel() as channel, DevClient(f"http://127.0.0.1:{port}", channel, [STAFF]) as client:
        channel.hold = asyncio.Event()
        turn = asyncio.create_task(client.send("staff", "ヘルプ"))
        await asyncio.wait_for(channel.arrived.wait(), 30)  # the reply is on its way
        proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None
        while b"stopping" not in await asyncio.wait_for(proc.stderr.readline(), 30):
            pass
        channel.hold.set()  # the stop has begun: now let the reply through
        assert await asyncio.wait_for(turn, 30) == 201
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert len(channel.sent) == 1
        # Stopped: no new connections are accepted.
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    raise AssertionError(f"still answering: {r.status}")
            except aiohttp.ClientConnectionError:
                pass
