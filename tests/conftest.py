"""Shared fixtures: settings on a fresh SQLite file, a PostgreSQL database, the running bot."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.config import Settings, load_settings
from bot.devchannel.client import DevUser
from bot.devchannel.harness import Harness

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"
# The bot keeps a copy of the data files that loaded (LAST_GOOD_DIR): tests keep theirs apart,
# each bot started by make_settings in a folder of its own, bots started as programs in this one.
_KEPT = Path(tempfile.mkdtemp(prefix="dxbot-tests-last-good-"))
atexit.register(shutil.rmtree, _KEPT, ignore_errors=True)
os.environ["LAST_GOOD_DIR"] = str(_KEPT / "programs")

STAFF = DevUser("staff", "佐藤 花子", "d1cb8940-7937-5150-b23f-c6407ddb8eb8", "sato.hanako@pref.example.lg.jp")
OTHER = DevUser("other", "鈴木 一郎", "11111111-2222-4333-8444-555555555555", "suzuki.ichiro@pref.example.lg.jp")


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a test: the shipped data files, no file watching, no .env."""
    values: dict[str, object] = {
        "database_url": database_url,
        "faq_dir": ROOT / "content/faq",
        "org_dir": ROOT / "content/org",
        "courses_dir": ROOT / "content/courses",
        "intents_file": ROOT / "content/intents.yaml",
        "watch_files": False,
        "last_good_dir": _KEPT / uuid.uuid4().hex,
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"


@asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; skips (or fails in CI) without one."""
    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    try:
        admin = await asyncpg.connect(dsn, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (REQUIRE_POSTGRES=1) but unreachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set TEST_POSTGRES_URL")
    name = f"dxbot_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Run the test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture
async def harness(sqlite_url: str) -> AsyncIterator[Harness]:
    """The bot on a fresh SQLite file, the dev channel and a client with two users."""
    async with Harness(make_settings(sqlite_url), [STAFF, OTHER]) as h:
        yield h
