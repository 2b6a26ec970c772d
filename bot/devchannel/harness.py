"""The bot and a dev channel running together on 127.0.0.1: one piece used by tests, chat,
conversation scripts and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.devchannel.client import DevClient, DevUser
from bot.devchannel.server import DevChannel
from bot.http import RUNTIME, create_app
from bot.runtime import Runtime


class BotServer:
    """The real aiohttp app on a free port of 127.0.0.1."""

    def __init__(self, settings: Settings, **runtime_options: Any) -> None:
        self.settings = settings
        self.app = create_app(settings, **runtime_options)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> BotServer:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    @property
    def runtime(self) -> Runtime:
        return self.app[RUNTIME]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None


class Harness:
    """``async with Harness(settings, users) as h``: a started bot, dev channel and client."""

    def __init__(self, settings: Settings, users: Sequence[DevUser], bot_url: str | None = None,
                 **runtime_options: Any) -> None:
        self.settings = settings
        self.users = list(users)
        self.channel = DevChannel()
        self.server: BotServer | None = None if bot_url else BotServer(settings, **runtime_options)
        self._bot_url = bot_url
        self.client: DevClient

    @property
    def runtime(self) -> Runtime:
        assert self.server is not None, "no in-process bot"
        return self.server.runtime

    async def __aenter__(self) -> Harness:
        await self.channel.start()
        try:
            if self.server is not None:
                await self.server.start()
            self.client = DevClient(self._bot_url or self.server.url, self.channel, self.users)  # type: ignore[union-attr]
            await self.client.__aenter__()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if getattr(self, "client", None) is not None:
            await self.client.__aexit__(None, None, None)
        if self.server is not None:
            await self.server.stop()
        await self.channel.stop()

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same settings (and database)."""
        assert self.server is not None
        await self.server.stop()
        self.server = BotServer(self.settings)
        await self.server.start()
        self.client.bot_url = self.server.url
