"""Conversation scripts that need a fixed date and a small catalogue (capacity 1, deadlines):
``tests/data/enrol_conversations/*.yaml``, run on ``tests/data/courses_enrol`` at 2030-06-01."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.devchannel.converse import Runner, load_script
from bot.devchannel.harness import Harness
from domain.clock import ManualClock
from knowledge.catalogue import TOKYO
from tests.conftest import ROOT, make_settings

COURSES = ROOT / "tests/data/courses_enrol"
START = datetime(2030, 6, 1, 10, 0, tzinfo=TOKYO)
SCRIPTS = sorted((ROOT / "tests/data/enrol_conversations").glob("*.yaml"))


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
async def test_script_passes(path: Path, sqlite_url: str) -> None:
    script = load_script(path)
    clock = ManualClock(START)
    settings = make_settings(sqlite_url, courses_dir=COURSES)
    async with Harness(settings, script.users, clock=clock) as harness:
        outcome = await Runner(script, harness, clock).run()
    assert outcome.failures == [], "\n".join(outcome.failures + outcome.transcript[-6:])
