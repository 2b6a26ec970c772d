"""The SQL botbuilder Storage: round trips and optimistic concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from botbuilder.dialogs import DialogInstance, DialogState
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db import create_engine, migrate, session_factory
from bot.storage import EtagConflict, SqlStorage


@pytest.fixture
async def storage(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    await migrate(engine)
    yield SqlStorage(session_factory(engine))
    await engine.dispose()


async def test_round_trip_with_dialog_objects(storage: SqlStorage) -> None:
    stack = DialogState([DialogInstance(id="ProfileDialog", state={"values": {"unit": "総務課"}})])
    await storage.write({"conv/1": {"DialogState": stack, "n": 1}})
    item = (await storage.read(["conv/1", "missing"]))["conv/1"]
    assert item["n"] == 1
    assert isinstance(item["DialogState"], DialogState)
    assert item["DialogState"].dialog_stack[0].state["values"]["unit"] == "総務課"
    assert item["e_tag"]


async def test_stale_etag_is_refused_and_star_always_writes(storage: SqlStorage) -> None:
    await storage.write({"k": {"v": 1}})
    first = (await storage.read(["k"]))["k"]
    second = (await storage.read(["k"]))["k"]
    first["v"] = 2
    await storage.write({"k": first})  # the first reader wins
    second["v"] = 3
    with pytest.raises(EtagConflict):
        await storage.write({"k": second})
    assert (await storage.read(["k"]))["k"]["v"] == 2
    await storage.write({"k": {"v": 4, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 4


async def test_a_failed_write_changes_nothing(storage: SqlStorage) -> None:
    await storage.write({"a": {"v": 1}, "b": {"v": 1}})
    stale_b = (await storage.read(["b"]))["b"]
    await storage.write({"b": {"v": 2, "e_tag": "*"}})
    with pytest.raises(EtagConflict):
        await storage.write({"a": {"v": 9, "e_tag": "*"}, "b": stale_b})
    assert (await storage.read(["a"]))["a"]["v"] == 1  # the batch rolled back as a whole


async def test_delete_and_empty_calls(storage: SqlStorage) -> None:
    await storage.write({"x": {"v": 1}})
    await storage.delete(["x", "never-there"])
    assert await storage.read(["x"]) == {}
    assert await storage.read([]) == {}
    await storage.write({})
    with pytest.raises(ValueError):
        await storage.write({"y": {"e_tag": ""}})


async def test_migrations_keep_existing_data(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    await SqlStorage(session_factory(engine)).write({"keep": {"v": "残る"}})
    await engine.dispose()
    engine = create_engine(database_url)
    await migrate(engine)  # a second start upgrades in place
    assert (await SqlStorage(session_factory(engine)).read(["keep"]))["keep"]["v"] == "残る"
    await engine.dispose()


async def test_an_enrolment_database_from_before_lapsed_upgrades_with_its_data(database_url: str) -> None:
    # 0006 rebuilds the enrolment table on SQLite, which audit rows refer to (foreign keys)
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from bot.db import _alembic_config

    at = datetime(2030, 1, 1, tzinfo=UTC)
    add = ("INSERT INTO enrolment (session_id, course_id, user_id, name, status, approval_messages,"
           " created_at, updated_at) VALUES (:s, 'c1', :u, 'n', :status, '[]', :t, :t)")
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0005"))
        for user, status in (("user-1", "waitlisted"), ("user-2", "enrolled")):
            await conn.execute(text(add), {"s": "s1", "u": user, "status": status, "t": at})
            await conn.execute(text(
                "INSERT INTO enrolment_audit (at, actor_id, actor_name, action, enrolment_id, session_id, detail)"
                " VALUES (:t, 'a', 'a', 'apply', (SELECT max(id) FROM enrolment), 's1', '{}')"), {"t": at})
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE enrolment SET status = 'lapsed' WHERE user_id = 'user-1'"))
        rows = (await conn.execute(text("SELECT user_id, status FROM enrolment ORDER BY id"))).all()
        audits = (await conn.execute(text("SELECT count(*) FROM enrolment_audit"))).scalar_one()
    assert [tuple(r) for r in rows] == [("user-1", "lapsed"), ("user-2", "enrolled")] and audits == 2
    async with engine.begin() as conn:  # a lapsed place does not count as active
        await conn.execute(text(add), {"s": "s2", "u": "user-1", "status": "pending", "t": at})
    with pytest.raises(IntegrityError, match=r"ux_enrolment_active|UNIQUE"):  # the guard still holds
        async with engine.begin() as conn:
            await conn.execute(text(add), {"s": "s2", "u": "user-2", "status": "pending", "t": at})
    if engine.dialect.name == "sqlite":  # and the foreign keys are checked again
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            async with engine.begin() as conn:
                await conn.execute(text(
                    "INSERT INTO enrolment_audit (at, actor_id, actor_name, action, enrolment_id, session_id,"
                    " detail) VALUES (:t, 'a', 'a', 'x', 999, 's1', '{}')"), {"t": at})
    await engine.dispose()


async def _fails_by_itself(work) -> BaseException:  # type: ignore[no-untyped-def]
    """Run ``work``; it must fail on its own (its timeout), not still be waiting 20 s on."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=20)
    if task not in done:
        task.cancel()
        raise AssertionError("still waiting: no timeout")
    error = task.exception()
    assert error is not None
    return error


async def test_a_database_server_that_never_answers_fails_the_connection_quickly() -> None:
    # accepts the connection (a stalled network or server), then says nothing
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/test", timeout=0.5)

    async def connect() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        error = await _fails_by_itself(connect())
        assert isinstance(error, TimeoutError | OSError | DBAPIError), repr(error)
        assert held  # it did connect: the timeout, not a refusal, ended it
    finally:
        await engine.dispose()
        server.close()
        for writer in held:
            writer.close()


@pytest.mark.postgres
async def test_a_statement_postgresql_does_not_answer_in_time_fails(pg_url: str) -> None:
    engine = create_engine(pg_url, timeout=0.5)

    async def stalled() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(30)"))

    try:
        error = await _fails_by_itself(stalled())
        assert isinstance(error, TimeoutError | DBAPIError), repr(error)
        async with engine.connect() as conn:  # the pool is still usable afterwards
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
