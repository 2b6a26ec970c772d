"""The SQL botbuilder Storage: round trips and optimistic concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from botbuilder.dialogs import DialogInstance, DialogState

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
