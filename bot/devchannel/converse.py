"""Conversation scripts: YAML files of users and steps, run against a fresh in-process bot.

Each script gets its own temporary SQLite database and a hand-moved clock. A failing step is
reported with what was expected and what came; the exit code is 0 only when all scripts pass.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.config import Settings
from bot.devchannel.client import DevUser
from bot.devchannel.harness import Harness
from bot.devchannel.render import Button
from domain.clock import ManualClock
from knowledge.faq import faq_files
from knowledge.sources import yaml_problem

STEP_KINDS = ("send", "click", "expect", "expect_not", "as", "wait_for", "install")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|d|days?|分|時間|日)$")


class ScriptError(Exception):
    """The script itself is malformed (not a failing expectation)."""


DATA_KEYS = ("faq_dir", "org_dir", "courses_dir", "intents_file")
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class Script:
    path: Path
    name: str
    users: list[DevUser]
    steps: list[dict[str, Any]]
    start: datetime | None = None  # the clock's start (default: now)
    data: dict[str, Path] = field(default_factory=dict)  # data files, relative to the script


@dataclass
class Outcome:
    script: Script
    failures: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_script(path: Path) -> Script:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ScriptError(f"{path}: UTF-8 で保存してください") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ScriptError(f"{where}: YAML の書式エラー: {yaml_problem(exc.problem)}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: 読み込めません: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise ScriptError(f"{path}: 'users' と 'steps' を持つ YAML にしてください")
    if not isinstance(doc.get("users") or [], list):
        raise ScriptError(f"{path}: users は利用者のリストにしてください")
    users = []
    for i, u in enumerate(doc.get("users") or [], start=1):
        if not isinstance(u, dict) or not u.get("key"):
            raise ScriptError(f"{path}: users の {i} 番目に key がありません")
        key = str(u["key"])
        users.append(DevUser(key, str(u.get("name", key)),
                             str(u.get("aadObjectId") or uuid.uuid5(uuid.NAMESPACE_URL, f"dev-user:{key}")),
                             str(u.get("upn", ""))))
    if not users:
        raise ScriptError(f"{path}: users が空です")
    for i, step in enumerate(doc["steps"], start=1):
        if not isinstance(step, dict) or not any(k in step for k in STEP_KINDS):
            raise ScriptError(f"{path}: step {i}: {', '.join(STEP_KINDS)} のどれかを書いてください")
    data = doc.get("data") or {}
    if not isinstance(data, dict) or not set(data) <= set(DATA_KEYS):
        raise ScriptError(f"{path}: data に書けるのは {', '.join(DATA_KEYS)} です")
    start = doc.get("start")
    if start is not None:
        try:
            start = datetime.fromisoformat(str(start))
        except ValueError as exc:
            raise ScriptError(f"{path}: start は 2026-12-01 09:00 の形で書いてください") from exc
        start = start if start.tzinfo else start.replace(tzinfo=TOKYO)
    return Script(path, str(doc.get("name", path.stem)), users, doc["steps"], start,
                  {k: (path.parent / str(v)).resolve() for k, v in data.items()})


_LONGEST = timedelta(days=3650)  # the clock must stay a real date


def parse_duration(value: Any) -> timedelta | None:
    """``{minutes: 30}``, ``"2h"``, ``"3日"``; ``"drain"`` (just run due work) is None."""
    if value in ("drain", None, True):
        return None
    usage = f"期間が読めません: {value!r} (例: 30m, 2h, 1d, {{minutes: 30}}。最長 {_LONGEST.days} 日)"
    try:
        if isinstance(value, dict):
            span = timedelta(**{k: float(v) for k, v in value.items()})
        else:
            match = _DURATION.match(str(value).strip())
            if not match:
                raise ScriptError(usage)
            amount, unit = float(match.group(1)), match.group(2)
            span = (timedelta(minutes=amount) if unit.startswith(("m", "分"))
                    else timedelta(hours=amount) if unit.startswith(("h", "時")) else timedelta(days=amount))
    except (TypeError, ValueError, OverflowError) as exc:
        raise ScriptError(usage) from exc
    if not timedelta(0) <= span <= _LONGEST:
        raise ScriptError(usage)
    return span


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _find_button(found: list[Button], title: str) -> Button | None:
    exact = [b for b in found if b.title == title]
    if exact:
        return exact[0]
    partial = [b for b in found if title in b.title]
    return partial[0] if len(partial) == 1 else None


class Runner:
    """Runs one script's steps against a harness, collecting failures."""

    def __init__(self, script: Script, harness: Harness, clock: ManualClock) -> None:
        self.script, self.h, self.clock = script, harness, clock
        self.actor = script.users[0].key
        self.window: dict[str, str] = {u.key: "" for u in script.users}
        self.outcome = Outcome(script)

    def _collect(self) -> None:
        for key in self.window:
            text = self.h.client.transcript(key)
            if text:
                self.window[key] += text + "\n"
                self.outcome.transcript.append(f"--- {key} received:\n{text}")

    def fail(self, index: int, kind: str, message: str) -> None:
        self.outcome.failures.append(f"step {index} ({kind}, {self.actor}): {message}")

    async def run(self) -> Outcome:
        for index, step in enumerate(self.script.steps, start=1):
            if "as" in step:
                if str(step["as"]) not in self.window:
                    raise ScriptError(f"{self.script.path}: step {index}: users にない利用者です: {step['as']!r}")
                self.actor = str(step["as"])
            await self.step(index, step)
        return self.outcome

    async def step(self, index: int, step: dict[str, Any]) -> None:
        client = self.h.client
        if "install" in step:
            self._collect()
            self.window[self.actor] = ""
            await client.post(client.install(client.users[self.actor]))
        if "send" in step:
            self._collect()
            self.window[self.actor] = ""
            self.outcome.transcript.append(f">>> {self.actor}: {step['send']}")
            status = await client.send(self.actor, str(step["send"]))
            if status != 201:
                self.fail(index, "send", f"HTTP {status}")
        if "click" in step:
            self._collect()
            title = str(step["click"])
            # the newest card with buttons; ``earlier: true``: the newest still showing this one
            shown = client.shown_buttons(self.actor, stale=step.get("stale") is True)
            searched = shown if step.get("earlier") is True else shown[:1]
            on, button = next(((m, b) for m, found in searched if (b := _find_button(found, title))), (None, None))
            if button is None:
                titles = ", ".join(f"「{b.title}」" for b in (shown[0][1] if shown else [])) or "(ボタンなし)"
                self.fail(index, "click", f"ボタン「{title}」がありません。あったボタン: {titles}")
                return
            self.window[self.actor] = ""
            self.outcome.transcript.append(f">>> {self.actor}: [押す] {title}")
            status = await client.press(self.actor, button, on)
            if status != 201:
                self.fail(index, "click", f"HTTP {status}")
        if "wait_for" in step:
            delta = parse_duration(step["wait_for"])
            if delta is not None:
                self.clock.advance(delta)
            await self.h.runtime.drain()
        if "expect" in step or "expect_not" in step:
            self._collect()
            got = self.window[self.actor]
            for want in _as_list(step.get("expect", [])):
                if want not in got:
                    self.fail(index, "expect", f"「{want}」が届いていません。届いた内容:\n{_indent(got)}")
            for unwanted in _as_list(step.get("expect_not", [])) if "expect_not" in step else []:
                if unwanted in got:
                    self.fail(index, "expect_not", f"「{unwanted}」は届かないはずです。届いた内容:\n{_indent(got)}")
            if "expect" in step:
                self.window[self.actor] = ""


def _indent(text: str) -> str:
    return "\n".join(f"      | {line}" for line in (text.strip() or "(何も届いていません)").splitlines())


async def run_script(script: Script, base: Settings, overrides: dict[str, Any]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="converse-") as tmp:
        settings = base.model_copy(update={
            "database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'converse.sqlite3'}",
            "watch_files": False,
            "last_good_dir": Path(tmp) / "last-good",
            **script.data,
            **overrides,
        })
        # An adopted FAQ proposal is written into the FAQ folder: a script writes into a copy,
        # never into the folder a running bot serves.
        settings = settings.model_copy(update={"faq_dir": _scratch_copy(settings.faq_dir, Path(tmp) / "faq")})
        clock = ManualClock(script.start)
        async with Harness(settings, script.users, clock=clock) as harness:
            return await Runner(script, harness, clock).run()


def _scratch_copy(path: Path, target: Path) -> Path:
    """A copy of a data folder (or of the folder holding a data file) under ``target``; the
    path to use instead of ``path``."""
    if path.is_dir():
        shutil.copytree(path, target)
        return target
    if path.is_file():  # the file and the synonym dictionary beside it
        target.mkdir(parents=True)
        for file in (p for group in faq_files(path) for p in group):
            shutil.copy2(file, target / file.name)
        return target / path.name
    return path  # missing: the bot says so, as it would


def script_paths(files: list[str]) -> list[Path]:
    """The scripts named, a directory standing for every ``*.yaml`` in it."""
    return [p for f in files for p in (sorted(Path(f).glob("*.yaml")) if Path(f).is_dir() else [Path(f)])]


async def run_scripts(paths: list[Path], base: Settings, overrides: dict[str, Any], *, verbose: bool = False) -> int:
    """Run every script; print PASS/FAIL with details. Exit code 0 only if all pass."""
    overrides = {k: Path(v) for k, v in overrides.items()}
    failed = 0
    for path in paths:
        try:
            outcome = await run_script(load_script(path), base, overrides)
        except ScriptError as exc:
            failed += 1
            print(f"FAIL {path}\n  {exc}")
            continue
        steps = len(outcome.script.steps)
        if outcome.passed:
            print(f"PASS {path} ({outcome.script.name}, {steps} steps)")
        else:
            failed += 1
            print(f"FAIL {path} ({outcome.script.name})")
            for failure in outcome.failures:
                print(f"  {failure}")
        if verbose:
            print("\n".join(outcome.transcript))
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 0 if failed == 0 and paths else 1
