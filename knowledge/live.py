"""Admin-maintained data that is reloaded while the bot runs, without ever serving a broken copy.

:class:`LiveData` wraps a ``build(path) -> T`` function (the FAQ, the organisation directory,
the course catalogue). ``current`` is the last value that built without errors; a reload builds
in a worker thread and replaces it with one reference assignment, so readers see either the old
or the new value, never a half-built one. A build that fails keeps the old value, logs every
error with its file and line, and shows up in :attr:`LiveData.status` as "stale". With a
``keep`` folder, the files of every good version are copied there, so that a bot restarted
while its files are broken starts from that copy (still "stale") rather than with nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import filecmp
import gc
import hashlib
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from watchfiles import Change, awatch

from knowledge.sources import TABLE_SUFFIXES

log = logging.getLogger(__name__)

T = TypeVar("T")


class BuildError(Exception):
    """A build found problems in the data; ``errors`` name file and line."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def check_build(errors: Sequence[str], warnings: Sequence[str], label: str) -> None:
    """Raise :class:`BuildError` if a load found errors; log its warnings otherwise."""
    if errors:
        raise BuildError(errors)
    for warning in warnings:
        log.warning("%s: %s", label, warning)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while a build runs (nested pauses count).

    A build makes hundreds of thousands of small containers, none of them garbage yet, and
    the collector would walk them again and again: measured, about 10 % of a 10,000-entry
    reload. Cycles made meanwhile by other threads wait the second or two until it ends.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


class NotLoadedError(RuntimeError):
    """No version of the data has ever loaded successfully."""


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """What ``/readyz`` and the admin status command show for one data set."""

    name: str
    path: Path
    loaded_at: datetime | None = None
    count: int = 0
    version: int = 0
    errors: tuple[str, ...] = ()
    failed_at: datetime | None = None
    build_seconds: float | None = None
    warnings: int = 0  # of the files the served version was loaded from
    restored: bool = False  # serving the kept copy of the last good files (since a restart)

    @property
    def ready(self) -> bool:
        return self.version > 0

    @property
    def stale(self) -> bool:
        """Serving an older version because the files on disk are broken."""
        return self.ready and bool(self.errors)

    def as_dict(self) -> dict[str, Any]:
        """For ``/readyz``, which anyone who reaches the bot can read: counts, not the errors'
        text (names and UPNs) or the server's folders."""
        return {
            "name": self.name,
            "ready": self.ready,
            "stale": self.stale,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "count": self.count,
            "version": self.version,
            "errors": len(self.errors),
            "failed_at": self.failed_at.isoformat() if self.failed_at else None,
            "warnings": self.warnings,
            "restored": self.restored,
        }


def _default_count(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 1


# Copies of one data set live in ``keep/<hash of its path>/``: each a folder
# ``copy-<ns>-<process>`` with the files and a ``.source`` naming the data (its path, then the
# file's name for a single-file source); ``current`` names the copy in use and is replaced in
# one step after the copy is on disk, so that a crash or another bot writing beside this one
# never leaves a half-written copy in use.
_SOURCE_MARK = ".source"
_CURRENT = "current"
_STALE_COPY_SECONDS = 600  # older copies not in use are deleted (younger ones may be another bot's)
_INSTANCE = uuid.uuid4().hex[:12]  # names this process's copies (containers may share a PID)


def _emptied(path: Path) -> str:
    return (f"{path.name}: 1 件もなくなるため読み込みません。ファイルを空にしたり、"
            "すべてを無効にしたりしていないか確かめてください")


def _flush(path: Path) -> None:
    """Write a file through to the disk (a kept copy must survive a power cut whole)."""
    with contextlib.suppress(OSError), path.open("rb+") as f:
        os.fsync(f.fileno())


def _copied(files: Sequence[Path], folder: Path) -> bool:
    """Whether ``folder`` (a copy) holds exactly these files, byte for byte."""
    names = {p.name for p in folder.iterdir()} - {_SOURCE_MARK}
    return names == {f.name for f in files} and all(filecmp.cmp(f, folder / f.name, shallow=False) for f in files)


def _data_filter(change: Change, path: str) -> bool:
    name = Path(path).name
    return Path(path).suffix.lower() in TABLE_SUFFIXES and not name.startswith((".", "~$"))


@dataclass
class LiveData(Generic[T]):
    """A value built from files, reloaded on demand or when the files change."""

    name: str  # the data's key (in /readyz, the kept copies' folder)
    path: Path
    build: Callable[[Path], T]
    count: Callable[[T], int] = _default_count
    warning_count: Callable[[T], int] = field(default=lambda _: 0, repr=False)
    debounce_ms: int = 500
    reappear_poll_seconds: float = 2.0  # how often to look for a deleted parent folder
    # For a single file: other files beside it that the build reads too (a synonym dictionary)
    companions: Callable[[Path], bool] = field(default=lambda _: False, repr=False)
    # Data never emptied on purpose (the FAQ): a version with nothing in it does not replace
    # one with something (a file saved empty by mistake); at start-up the kept copy serves
    # instead, or, without one, the empty version loads with a warning.
    keep_when_emptied: bool = False
    # Where the files of the last good version are copied (None: nowhere), to start from them
    # when the files are broken at start-up.
    keep: Path | None = None
    label: str = ""  # what the log calls the data (「組織データ」); the name when empty
    _warned_overlap: bool = field(default=False, init=False, repr=False)
    _current: T | None = field(default=None, init=False, repr=False)
    _status: LiveStatus = field(init=False, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _listeners: list[Callable[[LiveStatus], None]] = field(
        default_factory=list, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self._status = LiveStatus(self.name, self.path)
        self.label = self.label or self.name

    # ------------------------------------------------------------ reading

    @property
    def current(self) -> T:
        """The last good value (raises :class:`NotLoadedError` before the first success)."""
        value = self._current
        if value is None:
            raise NotLoadedError(f"{self.label} はまだ読み込まれていません: {self.path}")
        return value

    @property
    def status(self) -> LiveStatus:
        return self._status

    def add_listener(self, callback: Callable[[LiveStatus], None]) -> None:
        """Call ``callback(status)`` after every load attempt (success or failure)."""
        self._listeners.append(callback)

    # ------------------------------------------------------------ loading

    def _build(self) -> tuple[T | None, list[str], float, datetime | None]:
        """The new value (None if it failed), its errors, the seconds it took, and when the
        kept copy was made if the value is that copy's (the files broken since start-up)."""
        staged = self._stage()  # the files as they are before the build reads them
        started = time.perf_counter()
        value, errors = self._build_from(self.path)
        seconds = time.perf_counter() - started
        emptied = value is not None and self.keep_when_emptied and not self.count(value)
        if value is not None and staged is not None and not emptied and self._unchanged(staged):
            self._promote(staged)  # exactly the files this version was built from
        elif staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        if emptied and self._status.count:  # while running, an emptied FAQ is a mistake
            value, errors = None, [_emptied(self.path)]
        if value is not None and not (emptied and not self._status.ready):
            return value, [], seconds, None
        kept = self._kept() if not self._status.ready else None
        if kept is not None:
            restored, kept_errors = self._build_from(kept[0])
            if restored is not None:
                return restored, errors or [_emptied(self.path)], seconds, kept[1]
            log.error("%s: 正しく読めたファイルの控え (%s) も読み込めません: %s", self.label, kept[0],
                      "; ".join(kept_errors[:3]))
        return value, errors, seconds, None  # at start-up an empty FAQ still loads (with a warning)

    def _build_from(self, path: Path) -> tuple[T | None, list[str]]:
        try:
            with paused_gc():
                return self.build(path), []
        except BuildError as exc:
            return None, exc.errors
        except Exception as exc:  # a bug or an unreadable file must not stop the bot
            log.exception("%s: 読み込み中に予期しないエラー", self.label)
            return None, [f"{path}: 読み込めません ({type(exc).__name__}: {exc})"]

    # ------------------------------------------------------------ the kept copy

    def _source_files(self) -> list[Path]:
        """The data files a build reads: a folder's, or one file and its companions."""
        if self.path.is_dir():
            return sorted(p for p in self.path.iterdir() if p.is_file() and _data_filter(Change.added, str(p)))
        beside = [p for p in self.path.parent.iterdir()
                  if p != self.path and p.is_file() and _data_filter(Change.added, str(p)) and self.companions(p)]
        return [self.path, *sorted(beside)]

    def _keep_folder(self) -> Path | None:
        """Where copies of this data are kept: a folder of ``keep`` named for the data's path
        (two bots sharing ``keep`` keep their copies apart); None without ``keep``, or when
        ``keep`` lies inside a data folder (the copies would sit among the admin's files)."""
        if self.keep is None:
            return None
        keep, source = Path(os.path.abspath(self.keep)), Path(os.path.abspath(self.path))
        if self.path.suffix.lower() not in TABLE_SUFFIXES and keep.is_relative_to(source):
            if not self._warned_overlap:
                log.warning("%s: 控えの場所 %s がデータのフォルダ %s の中にあるため、控えを作りません",
                            self.label, self.keep, self.path)
                self._warned_overlap = True
            return None
        return keep / hashlib.blake2b(os.fsencode(str(source)), digest_size=8).hexdigest()

    def _stage(self) -> Path | None:
        """Copy the data files into a new copy folder (not yet in use)."""
        keep = self._keep_folder()
        if keep is None:
            return None
        if not os.path.exists(self.path):  # never raises (a folder the bot may not enter)
            return None  # nothing to copy: the build says what is missing
        staged = keep / f"copy-{time.time_ns()}-{_INSTANCE}"
        try:
            staged.mkdir(parents=True)
            for file in self._source_files():
                shutil.copy2(file, staged / file.name)
                _flush(staged / file.name)
            name = b"" if self.path.is_dir() else os.fsencode(self.path.name)
            (staged / _SOURCE_MARK).write_bytes(os.fsencode(os.path.abspath(self.path)) + b"\n" + name)
            _flush(staged / _SOURCE_MARK)
        except OSError as exc:  # a read-only or full disk: the bot works on, without a copy
            log.warning("%s: 正しく読めたファイルの控えを %s に保存できません: %s", self.label, keep, exc)
            shutil.rmtree(staged, ignore_errors=True)
            return None
        return staged

    def _unchanged(self, staged: Path) -> bool:
        """Whether the data files are still those copied before the build (no save meanwhile)."""
        try:
            return _copied(self._source_files(), staged)
        except OSError:
            return False

    def _promote(self, staged: Path) -> None:
        """Put the staged copy in use (unless the copy in use has the same files), then delete
        the copies nobody uses any more."""
        keep = staged.parent
        kept = self._kept(quiet=True)
        files = [p for p in staged.iterdir() if p.name != _SOURCE_MARK]
        if kept is not None and _copied(files, kept[0] if kept[0].is_dir() else kept[0].parent):
            shutil.rmtree(staged, ignore_errors=True)  # nothing changed: keep the copy in use
            return
        pointer = keep / f"{_CURRENT}.{staged.name}.tmp"
        try:
            pointer.write_text(staged.name, encoding="utf-8")
            _flush(pointer)
            os.replace(pointer, keep / _CURRENT)
        except OSError as exc:
            log.warning("%s: 正しく読めたファイルの控えを %s に保存できません: %s", self.label, keep, exc)
            pointer.unlink(missing_ok=True)
            shutil.rmtree(staged, ignore_errors=True)
            return
        ours = f"-{_INSTANCE}"
        cutoff = time.time() - _STALE_COPY_SECONDS
        for old in [*keep.glob("copy-*"), *keep.glob(f"{_CURRENT}.*.tmp")]:
            with contextlib.suppress(OSError):
                if old != staged and (ours in old.name or old.stat().st_mtime < cutoff):
                    shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()

    def _kept(self, *, quiet: bool = False) -> tuple[Path, datetime] | None:
        """The kept copy of this data to build from (a folder, or the file in it) and when it
        was made; None if there is none (said in the log unless ``quiet``)."""
        keep = self._keep_folder()
        if keep is None:
            return None
        current = keep / _CURRENT
        try:
            folder = keep / current.read_text(encoding="utf-8").strip()
            mark = folder / _SOURCE_MARK
            source, _, name = mark.read_bytes().partition(b"\n")
            made = mark.stat().st_mtime
        except (OSError, ValueError) as exc:  # ValueError: a damaged pointer (a null byte, bad UTF-8)
            if not quiet and current.exists():
                log.warning("%s: 正しく読めたファイルの控え (%s) を読めません: %s", self.label, keep, exc)
            return None
        if os.fsdecode(source) != os.path.abspath(self.path):  # cannot be, unless edited by hand
            return None
        return (folder / os.fsdecode(name) if name else folder), datetime.fromtimestamp(made, UTC)

    def _apply(
        self, value: T | None, errors: list[str], seconds: float, kept_at: datetime | None = None
    ) -> LiveStatus:
        now = datetime.now(UTC)
        old = self._status
        if value is not None:
            self._current = value  # the single atomic swap readers rely on
        if value is not None and kept_at is not None:  # broken since start-up: the kept copy serves
            status = LiveStatus(self.name, self.path, kept_at, self.count(value), 1, tuple(errors), now,
                                seconds, self.warning_count(value), restored=True)
            log.error("%s: 読み込みに失敗しました。前回正しく読めたファイルの控え (%d 件) で動きます",
                      self.label, status.count)
        elif value is not None:
            status = LiveStatus(
                self.name, self.path, now, self.count(value), old.version + 1, (), None, seconds,
                self.warning_count(value),
            )
            log.info("%s: %d 件を読み込みました (%.2f 秒)", self.label, status.count, seconds)
        else:
            status = LiveStatus(
                self.name, self.path, old.loaded_at, old.count, old.version, tuple(errors), now,
                old.build_seconds, old.warnings, old.restored,
            )
            kept = "前回の内容を使い続けます" if old.ready else "まだ何も読み込めていません"
            log.error("%s: 読み込みに失敗しました (%s)", self.label, kept)
        for error in errors:
            log.error("%s: %s", self.label, error)
        return self._announce(status)

    def _announce(self, status: LiveStatus) -> LiveStatus:
        self._status = status
        for callback in list(self._listeners):
            callback(status)
        return status

    def load(self) -> LiveStatus:
        """Build synchronously (at start-up). Failure is reported in the status, not raised."""
        return self._apply(*self._build())

    async def reload(self) -> LiveStatus:
        """Build in a worker thread; swap in the result only if it has no errors."""
        async with self._lock:
            return self._apply(*await asyncio.to_thread(self._build))

    # ------------------------------------------------------------ watching

    async def watch(self, *, ready: asyncio.Event | None = None) -> None:
        """Reload whenever the data files change; run as a task and cancel it to stop.

        ``ready`` is set once the file watcher is in place (changes after that are seen). A data
        folder that is deleted, or replaced by another (an admin swaps in a new copy), is
        followed: the watcher is set up again on whatever now has that name, then the bot
        reloads, so nothing that changed in between is missed.
        """
        catch_up = False
        while await self._watch_until_replaced(ready, catch_up):
            ready, catch_up = None, True

    async def _watch_until_replaced(self, ready: asyncio.Event | None, catch_up: bool) -> bool:
        """Watch until the data folder itself is replaced (True) or the task is cancelled."""
        path = self.path.absolute()  # the watcher reports absolute paths
        while not path.parent.exists():  # the whole parent folder is gone for now
            await asyncio.sleep(self.reappear_poll_seconds)
            catch_up = True
        folder = path.is_dir()
        # A folder is watched itself (its files) and from its parent (the folder as a whole);
        # a file, or a folder that is missing for now, from its parent.
        places = [path, path.parent] if folder else [path.parent]

        def wanted(change: Change, changed_path: str) -> bool:
            changed = Path(changed_path)
            if changed == path:
                return True
            if not folder and changed.parent == path.parent:
                return _data_filter(change, changed_path) and self.companions(changed)
            return folder and changed.parent == path and _data_filter(change, changed_path)

        watcher = awatch(*places, watch_filter=wanted, debounce=self.debounce_ms, recursive=False)
        pending: asyncio.Task[LiveStatus] | None = None
        try:
            if ready is not None:
                # awatch starts its OS watcher before its first await, so when a waiter on
                # ``ready`` runs, changes are already being recorded.
                ready.set()
            if catch_up:  # runs once the new watcher is in place (the reload lock orders it)
                pending = asyncio.get_running_loop().create_task(self.reload())
            async for changes in watcher:
                names = sorted({Path(p).name for _, p in changes})
                log.info("%s: ファイルの変更を検知しました: %s", self.label, ", ".join(names))
                if (folder or path.is_dir()) and any(Path(p) == path for _, p in changes):
                    return True  # the folder was replaced, removed or created: watch it anew
                await self.reload()
        finally:
            await watcher.aclose()
            if pending is not None:
                if pending.done():
                    pending.result()
                else:
                    pending.cancel()
        return False
