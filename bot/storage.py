"""botbuilder ``Storage`` on the SQL database, with optimistic concurrency by e_tag.

Items are flattened with jsonpickle (as botbuilder's own state does) so that dialog stacks
round-trip. A write whose e_tag is ``*`` or absent always wins; a stale e_tag raises.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import jsonpickle
from botbuilder.core import Storage
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import BotStateRow, utcnow


class EtagConflict(KeyError):
    """The item changed since it was read (another turn or instance wrote it first)."""


def _etag_of(item: Any) -> str | None:
    if isinstance(item, dict):
        return item.get("e_tag")
    return getattr(item, "e_tag", None)


def _encode(item: Any) -> str:
    if isinstance(item, dict):
        item = {k: v for k, v in item.items() if k != "e_tag"}
    return json.dumps(jsonpickle.Pickler(keys=True).flatten(item), ensure_ascii=False)


def _decode(data: str, e_tag: str) -> Any:
    item = jsonpickle.Unpickler(keys=True).restore(json.loads(data))
    if isinstance(item, dict):
        item["e_tag"] = e_tag
    elif hasattr(item, "e_tag"):
        item.e_tag = e_tag
    return item


def _upsert(session: AsyncSession, key: str, tag: str, data: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE, in the dialect of the session's database."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(BotStateRow).values(key=key, e_tag=tag, data=data, updated_at=utcnow())
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"e_tag": tag, "data": data, "updated_at": stmt.excluded.updated_at},
    )


class SqlStorage(Storage):
    """Storage rows in the ``bot_state`` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        async with self._sessions() as session:
            rows = (await session.execute(select(BotStateRow).where(BotStateRow.key.in_(keys)))).scalars()
            return {row.key: _decode(row.data, row.e_tag) for row in rows}

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required")
        if not changes:
            return
        async with self._sessions() as session, session.begin():
            for key, item in changes.items():
                await self._write_one(session, key, item)

    async def _write_one(self, session: AsyncSession, key: str, item: Any) -> None:
        expected = _etag_of(item)
        if expected == "":
            raise ValueError(f"empty e_tag for {key}")
        new_tag = uuid.uuid4().hex
        data = _encode(item)
        if expected not in (None, "*"):
            result = await session.execute(
                update(BotStateRow)
                .where(BotStateRow.key == key, BotStateRow.e_tag == expected)
                .values(e_tag=new_tag, data=data, updated_at=utcnow())
            )
            if result.rowcount == 1:
                self._stamp(item, new_tag)
                return
            if await session.get(BotStateRow, key) is not None:
                raise EtagConflict(f"e_tag conflict for {key}")
        await session.execute(_upsert(session, key, new_tag, data))
        self._stamp(item, new_tag)

    @staticmethod
    def _stamp(item: Any, tag: str) -> None:
        if isinstance(item, dict):
            item["e_tag"] = tag
        elif hasattr(item, "e_tag"):
            item.e_tag = tag

    async def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(BotStateRow).where(BotStateRow.key.in_(keys)))
