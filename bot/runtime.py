"""Everything a running bot holds, built in one place and closed in reverse order."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from botbuilder.core import ConversationState, UserState
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import create_adapter
from bot.config import Settings
from bot.db import create_engine, migrate, schema_status, session_factory
from bot.handler import DxBot
from bot.references import ConversationReferences
from bot.storage import SqlStorage
from dialogs.profile import ProfileDialog
from domain.clock import Clock, SystemClock

log = logging.getLogger(__name__)

TIERS = ("新規採用職員", "主事・技師", "主任", "主査", "課長補佐・班長", "所属長")


@dataclass
class Runtime:
    """The started bot: settings, database, botbuilder adapter and handler, data sources."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    adapter: CloudAdapter
    bot: DxBot
    references: ConversationReferences
    clock: Clock
    drains: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    def turn_lock(self, conversation: str) -> asyncio.Lock:
        """One turn at a time per conversation in this process (double taps queue, not clash)."""
        lock = self._locks.get(conversation)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation] = lock
        return lock

    async def drain(self) -> None:
        """Run every piece of background work that is due now (scripts and tests wait on this)."""
        for drain in self.drains:
            await drain()

    async def problems(self) -> list[str]:
        """Why the bot is not ready (empty when it is)."""
        problems: list[str] = []
        try:
            pending = await asyncio.wait_for(schema_status(self.engine), timeout=5)
            if pending:
                problems.append(f"database schema not current: {', '.join(pending)}")
        except Exception as exc:
            problems.append(f"database unreachable: {type(exc).__name__}")
        return problems


@asynccontextmanager
async def start_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Open the database (migrating it), build the bot, and close it all on exit."""
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        storage = SqlStorage(sessions)
        conversation_state = ConversationState(storage)
        user_state = UserState(storage)
        references = ConversationReferences(sessions)
        profile = user_state.create_property("Profile")
        bot = DxBot(
            conversation_state,
            user_state,
            references,
            dialogs=[ProfileDialog(profile, TIERS)],
        )
        bot.commands["profile"] = bot.begin(ProfileDialog.__name__)
        adapter = create_adapter(settings, conversation_state)
        yield Runtime(settings, engine, sessions, adapter, bot, references, clock or SystemClock())
    finally:
        await engine.dispose()
