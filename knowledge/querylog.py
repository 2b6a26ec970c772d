"""Read the bot's FAQ query log (table ``faq_query``) for reports and lint.

Plain SQL through SQLAlchemy's async engine, so it works with ``sqlite+aiosqlite:///...`` and
``postgresql+asyncpg://...`` URLs without importing the bot's table models.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import URL, DateTime, bindparam, make_url, text
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

_QUERY = (
    text(
        "SELECT id, created_at, user_id, unit_code, query, normalized, candidates, band, "
        "chosen_id, feedback FROM faq_query "
        "WHERE created_at >= :since AND created_at < :until ORDER BY created_at, id"
    )
    .bindparams(bindparam("since", type_=DateTime()), bindparam("until", type_=DateTime()))
    .columns(created_at=DateTime())
)


class QueryLogError(Exception):
    """The query log cannot be read (for example, the SQLite file does not exist)."""


@dataclass(frozen=True, slots=True)
class QueryLogRow:
    """One FAQ query as the bot logged it (times are naive UTC)."""

    id: int
    created_at: datetime
    user_id: str
    unit_code: str | None
    query: str
    normalized: str
    candidates: tuple[tuple[str, float], ...]
    band: str
    chosen_id: str | None
    feedback: str | None

    @property
    def top_id(self) -> str | None:
        return self.candidates[0][0] if self.candidates else None


def parse_candidates(raw: Any) -> tuple[tuple[str, float], ...]:
    """``[[entry_id, score], ...]`` as JSON text (or already decoded); bad data → ()."""
    if raw is None or raw == "":
        return ()
    try:
        items = json.loads(raw) if isinstance(raw, str | bytes) else raw
        return tuple((str(item[0]), float(item[1])) for item in items)
    except (ValueError, TypeError, IndexError, KeyError):
        return ()


async def missing_sqlite_file(url: URL) -> str | None:
    """The path of a SQLite database that is not there (``""`` for none or in memory), or
    ``None``: opening it would create an empty database that reports zeros."""
    if url.get_backend_name() != "sqlite":
        return None
    path = url.database or ""
    if path in ("", ":memory:") or not await asyncio.to_thread(Path(path).is_file):
        return path
    return None


async def read_query_log(database_url: str, since: datetime, until: datetime) -> list[QueryLogRow]:
    """Rows with ``since <= created_at < until`` (naive UTC), oldest first.

    A SQLite URL must name an existing file (connecting would otherwise create an empty one).
    """
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise QueryLogError(
            f"データベースの URL が読めません: {database_url} (例: sqlite+aiosqlite:///data/dxbot.sqlite3)"
        ) from None
    missing = await missing_sqlite_file(url)
    if missing is not None:
        raise QueryLogError(f"データベースのファイルがありません: {missing or '(なし)'}")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(_QUERY, {"since": since, "until": until})
            rows = result.mappings().all()
    except (OperationalError, ProgrammingError) as exc:  # no faq_query table: not the bot's database
        if "faq_query" not in str(exc):
            raise
        raise QueryLogError("このデータベースにはクエリログの表がありません (ボットのデータベースか、"
                            "ボットを一度起動したかを確認してください)") from None
    finally:
        await engine.dispose()
    return [
        QueryLogRow(
            id=int(r["id"]),
            created_at=r["created_at"],
            user_id=str(r["user_id"] or ""),
            unit_code=r["unit_code"],
            query=str(r["query"] or ""),
            normalized=str(r["normalized"] or ""),
            candidates=parse_candidates(r["candidates"]),
            band=str(r["band"] or ""),
            chosen_id=r["chosen_id"],
            feedback=r["feedback"],
        )
        for r in rows
    ]
