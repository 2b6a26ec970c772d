"""The database: one async engine (SQLite or PostgreSQL), sessions, and schema migrations."""

from __future__ import annotations

import errno
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from knowledge.querylog import missing_sqlite_file

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 0x0D7B_0001  # advisory lock id: one instance migrates at a time


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


DATABASE_TIMEOUT = 15.0  # seconds: a connection or statement PostgreSQL does not answer fails


def create_engine(url: str, timeout: float = DATABASE_TIMEOUT) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout, and its folder made.

    PostgreSQL's connections and statements fail after ``timeout`` seconds without an answer
    (asyncpg waits 60 s to connect and for ever for a statement: a stalled network or server
    would hang every turn), and connections are renewed every 30 minutes (a firewall drops
    idle ones without a word)."""
    if is_sqlite(url):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite allows one writer, and concurrent writers on separate
        # connections wait in SQLite's busy handler, whose sleeps (up to 100 ms) made the p99.
        # So no unit of work may open a second session while it holds one.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800, pool_timeout=timeout,
        connect_args={"timeout": timeout, "command_timeout": timeout},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    command.upgrade(_alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest version; an existing database keeps its data."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)
        return
    # SQLite changes a constraint by rebuilding the table (Alembic's batch mode), and with
    # foreign keys on, dropping the old table fails while other rows refer to it (the audit
    # trail's). So they are off while migrating (outside the transaction: the pragma does
    # nothing inside one), the result is checked, and they are on again.
    async with engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(_upgrade)
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"a migration left rows whose references are gone: {broken[:5]}")
        finally:
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            await conn.commit()


def _pending(connection: Connection) -> list[str]:
    current = MigrationContext.configure(connection).get_current_heads()
    script = ScriptDirectory.from_config(_alembic_config(connection))
    heads = set(script.get_heads())
    return [] if set(current) == heads else sorted(heads - set(current))


async def schema_status(engine: AsyncEngine) -> list[str]:
    """Revisions not yet applied (empty when the schema is current). Raises if unreachable."""
    async with engine.connect() as conn:
        return await conn.run_sync(_pending)


@asynccontextmanager
async def open_database(url: str, *, existing: bool = False) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """For commands: the database at ``url``, migrated, as a session factory; closed after.

    ``existing``: a report must read the bot's database, so a SQLite file that is not there
    is an error (FileNotFoundError) rather than a new, empty database reporting zeros.
    """
    if existing:
        missing = await missing_sqlite_file(make_url(url))
        if missing is not None:
            raise FileNotFoundError(
                errno.ENOENT, "データベースのファイルがありません (DATABASE_URL と作業フォルダを確認してください)",
                missing or url)
    engine = create_engine(url)
    try:
        await migrate(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work commits on success and rolls back on error."""
    async with sessions() as session, session.begin():
        yield session
