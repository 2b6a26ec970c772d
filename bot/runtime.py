"""Everything a running bot holds, built in one place and closed in reverse order.

Features (FAQ, profile, enrolment, escalation, admin) each expose ``install(runtime)``,
which registers their commands, card actions, dialogs and background work on the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import UserState
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import create_adapter
from bot.config import Settings
from bot.db import create_engine, migrate, schema_status, session_factory
from bot.handler import DxBot
from bot.references import ConversationReferences
from bot.state import DialogState
from bot.storage import SqlStorage
from bot.texts.admin import DATA_NAMES
from bot.worker import Worker
from domain.clock import Clock, SystemClock
from knowledge.catalogue import Catalogue, build_catalogue
from knowledge.directory import Directory, build_directory
from knowledge.faq_live import FaqKnowledge, faq_live
from knowledge.live import LiveData
from knowledge.match_settings import INTENT_MATCHING, MatchSettings

log = logging.getLogger(__name__)


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
    faq: LiveData[FaqKnowledge]
    directory: LiveData[Directory]
    catalogue: LiveData[Catalogue]
    intents: LiveData[FaqKnowledge]
    drains: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    worker: Worker = field(init=False)  # jobs and the outbox; set by start_runtime
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    @property
    def data_sources(self) -> tuple[LiveData[Any], ...]:
        return (self.faq, self.directory, self.catalogue, self.intents)

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
        for source in self.data_sources:
            status = source.status
            if not status.ready:
                first = status.errors[0] if status.errors else "not loaded"
                problems.append(f"{status.name} not loaded: {first}")
        return problems

    def stale(self) -> list[str]:
        """Data files that failed to reload while the last good version keeps serving."""
        return [f"{s.status.name}: {s.status.errors[0]}" for s in self.data_sources
                if s.status.ready and s.status.errors]


def _warning_count(data: Directory | Catalogue) -> int:
    """The warnings of the organisation or course files a version was loaded from."""
    return len(data.warnings)


def _match_settings(settings: Settings) -> MatchSettings:
    overrides = {
        k: v
        for k, v in (
            ("answer_threshold", settings.faq_answer_threshold),
            ("clarify_threshold", settings.faq_clarify_threshold),
        )
        if v is not None
    }
    return MatchSettings(**overrides)


def _installers() -> list[Callable[[Runtime], None]]:
    """Every feature's ``install``; imported here so that each module stays independent."""
    from bot import admin_flow, enrolment_flow, escalation_flow, faq_flow, profile_flow

    return [profile_flow.install, faq_flow.install, admin_flow.install, enrolment_flow.install,
            escalation_flow.install]


@asynccontextmanager
async def start_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Open the database (migrating it), load the data, build the bot; close it all on exit."""
    engine = create_engine(settings.database_url, settings.database_timeout)
    tasks: list[asyncio.Task[None]] = []
    worker: Worker | None = None
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        storage = SqlStorage(sessions)
        conversation_state = DialogState(storage)
        user_state = UserState(storage)
        references = ConversationReferences(sessions)
        debounce = settings.reload_debounce_ms
        faq = faq_live(settings.faq_dir, _match_settings(settings), debounce, DATA_NAMES["faq"])
        directory = LiveData("directory", settings.org_dir, build_directory, debounce_ms=debounce,
                             warning_count=_warning_count, label=DATA_NAMES["directory"])
        catalogue = LiveData("catalogue", settings.courses_dir, build_catalogue, debounce_ms=debounce,
                             warning_count=_warning_count, label=DATA_NAMES["catalogue"])
        intents = faq_live(settings.intents_file, INTENT_MATCHING, debounce, DATA_NAMES["intents"])
        intents.name = "intents"
        for source in (faq, directory, catalogue, intents):
            source.keep = settings.last_good_dir / source.name
            await source.reload()
        bot = DxBot(conversation_state, user_state, references)
        adapter = create_adapter(settings, conversation_state)
        runtime = Runtime(
            settings, engine, sessions, adapter, bot, references, clock or SystemClock(),
            faq, directory, catalogue, intents,
        )
        bot.clock = runtime.clock
        runtime.worker = worker = Worker.for_runtime(runtime)
        runtime.drains.append(worker.drain)
        for install in _installers():
            install(runtime)
        await worker.start()
        if settings.watch_files:
            tasks = [asyncio.create_task(s.watch(), name=f"watch-{s.name}") for s in runtime.data_sources]
        yield runtime
    finally:
        if worker is not None:
            await worker.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await engine.dispose()
