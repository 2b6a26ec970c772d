"""Live reload: new files are served after reload, broken ones never are, readers never see a gap."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.faq_live import FaqKnowledge, build_faq, faq_live
from knowledge.live import BuildError, LiveData, LiveStatus, NotLoadedError


def faq_csv(version: int, count: int = 30) -> str:
    """A valid FAQ whose every answer names its version."""
    rows = [f"q{i},質問その{i}について知りたい,版{version}の回答{i}" for i in range(count)]
    return "id,question,answer\n" + "\n".join(rows) + "\n"


BROKEN = "id,question,answer\nq0,質問,回答\nq1,,回答なし\n"


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    (tmp_path / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    return tmp_path


def answer_versions(kb: FaqKnowledge) -> set[str]:
    return {e.answer.split("の回答")[0] for e in kb.entries.values()}


async def test_load_then_reload_serves_the_changed_file(faq_dir: Path) -> None:
    live = faq_live(faq_dir)
    status = live.load()
    assert status.ready and status.version == 1 and status.count == 30
    assert live.current.get("q3").answer == "版1の回答3"

    (faq_dir / "faq.csv").write_text(faq_csv(2, count=31), encoding="utf-8")
    status = await live.reload()
    assert status.version == 2
    assert status.count == 31
    assert not status.stale
    assert live.current.get("q3").answer == "版2の回答3"
    result = live.current.matcher.match("質問その30について知りたい")
    assert result.top is not None and result.top.entry.id == "q30"


async def test_an_emptied_faq_file_keeps_the_last_good_version(faq_dir: Path) -> None:
    live = faq_live(faq_dir)
    live.load()
    (faq_dir / "more.csv").write_text("id,question,answer\nm1,別の質問,別の回答\n", encoding="utf-8")
    assert (await live.reload()).count == 31
    good = live.current
    (faq_dir / "more.csv").write_bytes(b"")  # a save cut short: its entries must not vanish
    status = await live.reload()
    assert live.current is good and status.stale and status.errors == (
        "more.csv: ファイルが空です (0 バイト)。FAQ を書いて保存し直すか、要らないファイルならフォルダから移してください",)
    (faq_dir / "more.csv").unlink()
    (faq_dir / "faq.csv").write_text("id,question,answer\n", encoding="utf-8")  # the header alone
    status = await live.reload()
    assert live.current is good and status.errors == (
        f"{faq_dir.name}: 1 件もなくなるため読み込みません。ファイルを空にしたり、すべてを無効にしたりしていないか確かめてください",)
    (faq_dir / "faq.csv").write_text(faq_csv(2), encoding="utf-8")
    assert (await live.reload()).count == 30 and not live.status.stale
    (faq_dir / "faq.csv").write_text("id,question,answer\n", encoding="utf-8")
    fresh = faq_live(faq_dir)  # at start-up an empty FAQ loads (the bot still enrols and escalates)
    assert fresh.load().ready and fresh.status.count == 0 and fresh.current.warnings


async def test_broken_file_keeps_last_good_version_and_reports_file_line(
    faq_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = faq_live(faq_dir)
    live.load()
    good = live.current
    (faq_dir / "faq.csv").write_text(BROKEN, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="knowledge.live"):
        status = await live.reload()
    assert live.current is good
    assert status.stale and status.ready
    assert status.version == 1 and status.count == 30
    assert status.errors == ("faq.csv:3: 必須項目 質問 が空です",)
    assert "faq.csv:3: 必須項目 質問 が空です" in caplog.text
    assert status.as_dict()["stale"] is True

    (faq_dir / "faq.csv").write_text(faq_csv(3), encoding="utf-8")
    status = await live.reload()
    assert not status.stale and status.errors == () and status.version == 2
    assert answer_versions(live.current) == {"版3"}


async def test_nothing_loaded_yet_is_not_ready(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text(BROKEN, encoding="utf-8")
    live = faq_live(tmp_path)
    status = live.load()
    assert not status.ready and not status.stale
    assert status.errors == ("faq.csv:3: 必須項目 質問 が空です",)
    with pytest.raises(NotLoadedError):
        _ = live.current
    (tmp_path / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    assert (await live.reload()).ready
    assert len(live.current) == 30


def kept_files(keep: Path) -> dict[str, str]:
    """The files of the copy in use, with their text (``keep`` holds one data set's copies)."""
    (copies,) = keep.iterdir()
    folder = copies / (copies / "current").read_text(encoding="utf-8")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.name != ".source"}


def kept_live(path: Path, keep: Path) -> LiveData[FaqKnowledge]:
    live = faq_live(path)
    live.keep = keep
    return live


async def test_a_restart_with_broken_files_serves_the_kept_copy_until_they_are_fixed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    faq, keep = tmp_path / "faq", tmp_path / "kept" / "faq"
    faq.mkdir()
    (faq / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    (faq / "synonyms.yaml").write_text("- [質問, 問い合わせ]\n", encoding="utf-8")
    first = kept_live(faq, keep)
    assert first.load().ready and not first.status.restored
    assert list(kept_files(keep)) == ["faq.csv", "synonyms.yaml"]
    (faq / "faq.csv").write_text(faq_csv(2), encoding="utf-8")
    assert (await first.reload()).version == 2  # every good version is kept
    (faq / "faq.csv").write_text(BROKEN, encoding="utf-8")
    assert (await first.reload()).stale  # a broken one is not
    assert "版2" in kept_files(keep)["faq.csv"] and len(list(keep.glob("*/copy-*"))) == 1  # the last good one

    again = kept_live(faq, keep)  # the bot restarts with the file still broken
    with caplog.at_level(logging.ERROR, logger="knowledge.live"):
        status = await again.reload()
    assert status.ready and status.stale and status.restored and status.count == 30
    assert status.errors == ("faq.csv:3: 必須項目 質問 が空です",) and "控え (30 件) で動きます" in caplog.text
    assert answer_versions(again.current) == {"版2"}
    assert again.current.matcher.match("問い合わせその3について知りたい").top.entry.id == "q3"  # its synonyms
    assert status.loaded_at is not None and status.as_dict()["restored"] is True
    (faq / "faq.csv").write_bytes(b"")  # still broken, otherwise: the copy keeps serving
    assert (await again.reload()).restored and answer_versions(again.current) == {"版2"}
    (faq / "faq.csv").write_text(faq_csv(3), encoding="utf-8")
    status = await again.reload()
    assert status.ready and not status.stale and not status.restored and answer_versions(again.current) == {"版3"}
    assert "版3" in kept_files(keep)["faq.csv"]


async def test_an_faq_emptied_before_a_restart_serves_the_kept_copy_and_keeps_it(tmp_path: Path) -> None:
    faq, keep = tmp_path / "faq", tmp_path / "kept"
    faq.mkdir()
    (faq / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    kept_live(faq, keep).load()
    (faq / "faq.csv").write_text("ID,質問,回答\n", encoding="utf-8")  # saved with its header only
    again = kept_live(faq, keep)
    status = again.load()
    assert status.restored and status.count == 30 and "1 件もなくなるため" in status.errors[0]
    assert "版1" in kept_files(keep)["faq.csv"]  # the good copy stays
    fresh = kept_live(faq, tmp_path / "nothing-kept")  # with no copy, an empty FAQ loads, as before
    assert fresh.load().ready and fresh.status.count == 0 and not list((tmp_path / "nothing-kept").glob("*/current"))


async def test_reloads_keep_one_copy_and_a_broken_copy_does_not_stop_an_empty_start(tmp_path: Path) -> None:
    faq, keep = tmp_path / "faq", tmp_path / "kept"
    faq.mkdir()
    (faq / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    live = kept_live(faq, keep)
    live.load()
    for version in (1, 1, 2, 2, 3):  # a sync client touching the files, and real edits
        (faq / "faq.csv").write_text(faq_csv(version), encoding="utf-8")
        await live.reload()
    assert len(list(keep.glob("*/copy-*"))) == 1 and "版3" in kept_files(keep)["faq.csv"]
    (copy,) = keep.glob("*/copy-*")
    for damaged in (b"copy-\x00", b"copy-\xff"):  # a damaged pointer is no copy, not a crash
        (copy.parent / "current").write_bytes(damaged)
        assert kept_live(faq, keep).load().count == 30  # loads, and keeps a new copy
    (copy,) = (c for c in keep.glob("*/copy-*") if c.name == (c.parent / "current").read_text(encoding="utf-8"))
    (copy / "faq.csv").write_bytes(b"")  # the copy itself damaged, and the FAQ emptied
    (faq / "faq.csv").write_text("ID,質問,回答\n", encoding="utf-8")
    again = kept_live(faq, keep)
    assert again.load().ready and again.status.count == 0 and not again.status.restored  # as before


async def test_a_file_saved_while_it_was_being_read_is_served_but_not_kept(tmp_path: Path) -> None:
    faq, keep = tmp_path / "faq", tmp_path / "kept"
    faq.mkdir()
    (faq / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    kept_live(faq, keep).load()

    def build_then_save(path: Path) -> FaqKnowledge:
        built = build_faq(path)
        (faq / "faq.csv").write_text(BROKEN, encoding="utf-8")  # the admin saves again meanwhile
        return built

    live = LiveData("faq", faq, build_then_save, keep=keep)
    (faq / "faq.csv").write_text(faq_csv(2), encoding="utf-8")
    assert live.load().ready and answer_versions(live.current) == {"版2"}
    assert "版1" in kept_files(keep)["faq.csv"]  # not the files on disk now, which were never checked


async def test_a_kept_copy_of_other_data_or_inside_the_data_folder_is_not_used(tmp_path: Path) -> None:
    ours, theirs, keep = tmp_path / "ours", tmp_path / "theirs", tmp_path / "kept"
    for folder, version in ((ours, 1), (theirs, 2)):
        folder.mkdir()
        (folder / "faq.csv").write_text(faq_csv(version), encoding="utf-8")
    kept_live(theirs, keep).load()  # another bot (staging) keeps its copy in the same folder
    (ours / "faq.csv").write_text(BROKEN, encoding="utf-8")
    status = kept_live(ours, keep).load()
    assert not status.ready and not status.restored  # staging's copy is not ours to serve
    (current,) = keep.glob("*/current")  # and ours did not replace it
    assert "版2" in (current.parent / current.read_text(encoding="utf-8") / "faq.csv").read_text(encoding="utf-8")
    (ours / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    inside = kept_live(ours, ours / "kept")  # LAST_GOOD_DIR set inside the FAQ folder
    assert inside.load().ready and not (ours / "kept").exists()
    around = kept_live(ours, tmp_path)  # or around it: the FAQ folder is never touched
    assert around.load().ready and sorted(p.name for p in ours.iterdir()) == ["faq.csv"]


async def test_a_kept_single_file_brings_its_companions_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    phrases, keep = tmp_path / "content" / "intents.yaml", tmp_path / "kept" / "intents"
    phrases.write_text("entries:\n  - {id: greeting, question: こんにちは, answer: あいさつ}\n", encoding="utf-8")
    (phrases.parent / "同義語.csv").write_text("代表語,言い換え\nこんにちは,ハロー\n", encoding="utf-8")
    (phrases.parent / "faq.csv").write_text(faq_csv(1), encoding="utf-8")  # beside it, but not read with it
    kept_live(phrases, keep).load()
    assert list(kept_files(keep)) == ["intents.yaml", "同義語.csv"]
    phrases.write_text("entries: [\n", encoding="utf-8")
    again = kept_live(phrases, keep)
    assert again.load().restored and again.current.matcher.match("ハロー").top.entry.id == "greeting"


async def test_without_a_kept_copy_broken_files_still_load_nothing(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text(BROKEN, encoding="utf-8")
    live = kept_live(tmp_path, tmp_path.parent / f"{tmp_path.name}-nothing-kept")
    status = live.load()
    assert not status.ready and not status.restored and not list(live.keep.glob("*/copy-*"))


async def test_reload_builds_in_a_worker_thread_and_survives_unexpected_errors(
    tmp_path: Path,
) -> None:
    threads: list[int] = []
    fail = {"now": False}

    def build(path: Path) -> list[str]:
        threads.append(threading.get_ident())
        if fail["now"]:
            raise ValueError("壊れたデータ")
        return path.read_text(encoding="utf-8").split()

    (tmp_path / "words.txt").write_text("a b c", encoding="utf-8")
    live: LiveData[list[str]] = LiveData("words", tmp_path / "words.txt", build)
    await live.reload()
    assert threads[-1] != threading.get_ident()
    assert live.current == ["a", "b", "c"]
    fail["now"] = True
    status = await live.reload()
    assert live.current == ["a", "b", "c"]
    assert status.stale
    assert "ValueError: 壊れたデータ" in status.errors[0]


async def test_build_error_lists_every_problem(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text(
        "id,question,answer\na,質問,回答\na,質問,回答\nb,,\n", encoding="utf-8"
    )
    with pytest.raises(BuildError) as info:
        build_faq(tmp_path)
    assert info.value.errors == [
        "faq.csv:4: 必須項目 質問・回答 が空です",
        "faq.csv:3: ID「a」が重複しています (最初の定義: faq.csv:2)",
    ]


async def test_watch_reloads_when_a_file_changes(faq_dir: Path) -> None:
    live = faq_live(faq_dir, debounce_ms=50)
    live.load()
    reloaded = asyncio.Event()
    seen: list[LiveStatus] = []

    def on_reload(status: LiveStatus) -> None:
        seen.append(status)
        reloaded.set()

    live.add_listener(on_reload)
    watching = asyncio.Event()
    task = asyncio.create_task(live.watch(ready=watching))
    try:
        await asyncio.wait_for(watching.wait(), timeout=10)
        (faq_dir / "faq.csv").write_text(faq_csv(2), encoding="utf-8")
        await asyncio.wait_for(reloaded.wait(), timeout=10)
        assert seen[-1].version == 2
        assert answer_versions(live.current) == {"版2"}

        reloaded.clear()
        (faq_dir / "faq.csv").write_text(BROKEN, encoding="utf-8")
        await asyncio.wait_for(reloaded.wait(), timeout=10)
        assert seen[-1].stale
        assert answer_versions(live.current) == {"版2"}
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()


def writer(path: Path, version: int) -> Callable[[], object]:
    return lambda: path.write_text(faq_csv(version), encoding="utf-8")


async def edit_while_watching(live: LiveData, edit: Callable[[], object]) -> None:
    """Start watching, make the edit, wait for the reload it causes."""
    reloaded = asyncio.Event()
    live.add_listener(lambda status: reloaded.set())
    watching = asyncio.Event()
    task = asyncio.create_task(live.watch(ready=watching))
    try:
        await asyncio.wait_for(watching.wait(), timeout=10)
        edit()
        await asyncio.wait_for(reloaded.wait(), timeout=10)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_watch_a_single_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(faq_csv(1), encoding="utf-8")
    live = faq_live(path, debounce_ms=50)
    live.load()
    await edit_while_watching(live, writer(path, 5))
    assert answer_versions(live.current) == {"版5"}


def test_faq_warnings_are_logged_as_the_other_data_sets_are(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "faq.csv").write_text("id,question,answer,分類2\na,質問,回答,下書き\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="knowledge.live"):
        kb = build_faq(tmp_path)
    assert kb.warnings == ("faq.csv:2: 知らない項目「分類2」は読み飛ばします",)
    assert f"FAQ ({tmp_path.name}): faq.csv:2: 知らない項目「分類2」は読み飛ばします" in caplog.messages


async def test_watch_a_single_file_and_the_synonym_table_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("id,question,answer\npc,パソコンが起動しない,電源を確認\n", encoding="utf-8")
    live = faq_live(path, debounce_ms=50)
    live.load()
    assert live.current.synonyms == ()
    synonyms = tmp_path / "同義語.csv"
    await edit_while_watching(
        live, lambda: synonyms.write_text("代表語,言い換え\nパソコン,マシン\n", encoding="utf-8")
    )
    assert live.current.synonyms == (("パソコン", "マシン"),)
    assert live.current.matcher.match("マシンが起動しない").candidates[0].entry.id == "pc"


async def test_readers_never_see_an_error_or_a_mixed_version(faq_dir: Path) -> None:
    live = faq_live(faq_dir)
    live.load()
    done = threading.Event()
    problems: list[str] = []
    reads = {"thread": 0, "task": 0}

    def check(kb: FaqKnowledge, last: int, match: bool) -> int:
        versions = answer_versions(kb)
        if len(versions) != 1:
            problems.append(f"mixed {versions}")
            return last
        version = int(next(iter(versions))[1:])
        if version < last:
            problems.append(f"went back from {last} to {version}")
        top = kb.matcher.match("質問その7について知りたい").top if match else None
        if match and (top is None or top.entry is not kb.entries[top.entry.id]):
            problems.append("matcher and entries from different versions")
        return version

    def thread_reader() -> None:
        last = 0
        while not done.is_set():
            try:
                last = check(live.current, last, reads["thread"] % 50 == 0)
            except Exception as exc:  # any error here is a failure of the swap
                problems.append(repr(exc))
            reads["thread"] += 1
            time.sleep(0)  # not a wait: lets the GIL go to the build and the event loop

    async def task_reader() -> None:
        last = 0
        while not done.is_set():
            last = check(live.current, last, match=True)
            reads["task"] += 1
            await asyncio.sleep(0)  # yield to the reloads

    thread = threading.Thread(target=thread_reader)
    thread.start()
    reader = asyncio.create_task(task_reader())
    try:
        for version in range(2, 11):
            text = BROKEN if version % 3 == 0 else faq_csv(version)
            (faq_dir / "faq.csv").write_text(text, encoding="utf-8")
            status = await live.reload()
            assert status.stale == (version % 3 == 0)
    finally:
        done.set()
        thread.join()
        await reader
    assert problems == []
    assert reads["thread"] > 0 and reads["task"] > 0
    assert answer_versions(live.current) == {"版10"}


async def test_concurrent_reloads_are_serialised(faq_dir: Path) -> None:
    live = faq_live(faq_dir)
    live.load()
    statuses = await asyncio.gather(*(live.reload() for _ in range(4)))
    assert sorted(s.version for s in statuses) == [2, 3, 4, 5]
    assert live.status.version == 5


def test_status_as_dict_for_readyz(faq_dir: Path) -> None:
    live = faq_live(faq_dir)
    before = live.status.as_dict()
    assert before["ready"] is False and before["loaded_at"] is None
    live.load()
    data = live.status.as_dict()
    assert set(data) == {
        "name", "ready", "stale", "loaded_at", "count", "version", "errors", "failed_at", "warnings",
        "restored",
    }
    assert data["name"] == "faq" and data["count"] == 30 and data["ready"] is True and data["errors"] == 0
    before = data["warnings"]  # the near-duplicate questions of faq_csv
    assert before == len(live.current.warnings) > 0
    (faq_dir / "notes.csv").write_text("id,question,answer,分類2\nz,別件,回答,下書き\n", encoding="utf-8")
    assert live.load().warnings == before + 1  # counted for the admin status
    (faq_dir / "notes.csv").write_text("id,question,answer\nz,,\n", encoding="utf-8")
    assert live.load().warnings == before + 1  # a failed reload keeps the served version's count


async def test_builds_run_with_the_cyclic_collector_paused_and_restored(tmp_path: Path) -> None:
    import gc

    from knowledge.live import paused_gc

    seen: list[bool] = []

    def build(path: Path) -> list[str]:
        seen.append(gc.isenabled())
        with paused_gc():  # a nested pause (two data sets building at once) keeps it off
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        return ["x"]

    (tmp_path / "w.txt").write_text("x", encoding="utf-8")
    live: LiveData[list[str]] = LiveData("words", tmp_path / "w.txt", build)
    assert gc.isenabled()
    await live.reload()
    assert seen == [False, False, False]
    assert gc.isenabled()
    gc.disable()  # a process that turned it off itself keeps it off
    try:
        live.load()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_watch_follows_a_folder_that_is_swapped_or_recreated(tmp_path: Path) -> None:
    # Admins replace the whole FAQ folder with a new copy; the watcher must follow the name
    folder = tmp_path / "faq"
    folder.mkdir()
    (folder / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    live = faq_live(folder, debounce_ms=50)
    live.load()
    changed = asyncio.Queue[LiveStatus]()
    live.add_listener(changed.put_nowait)

    async def version_with(answers: set[str]) -> None:
        while answer_versions(live.current) != answers or live.status.stale:
            await asyncio.wait_for(changed.get(), timeout=10)

    watching = asyncio.Event()
    task = asyncio.create_task(live.watch(ready=watching))
    try:
        await asyncio.wait_for(watching.wait(), timeout=10)
        fresh = tmp_path / "faq.new"
        fresh.mkdir()
        (fresh / "faq.csv").write_text(faq_csv(2), encoding="utf-8")
        folder.rename(tmp_path / "faq.old")
        fresh.rename(folder)
        await version_with({"版2"})
        (folder / "faq.csv").write_text(faq_csv(3), encoding="utf-8")  # edits in the new copy
        await version_with({"版3"})

        for file in folder.iterdir():  # deleted, then put back
            file.unlink()
        folder.rmdir()
        folder.mkdir()
        (folder / "faq.csv").write_text(faq_csv(4), encoding="utf-8")
        await version_with({"版4"})
        (folder / "faq.csv").write_text(faq_csv(5), encoding="utf-8")
        await version_with({"版5"})
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("as_folder", [True, False])
async def test_watch_works_with_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_folder: bool
) -> None:
    # .env.example suggests FAQ_DIR=content/faq: the watcher reports absolute paths
    monkeypatch.chdir(tmp_path)
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "faq.csv").write_text(faq_csv(1), encoding="utf-8")
    live = faq_live(Path("faq") if as_folder else Path("faq/faq.csv"), debounce_ms=50)
    live.load()
    await edit_while_watching(live, writer(tmp_path / "faq" / "faq.csv", 2))
    assert answer_versions(live.current) == {"版2"}
