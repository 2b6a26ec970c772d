"""「管理」: admins see the state of every data file; others are refused politely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.devchannel.harness import Harness
from bot.texts import admin as texts
from tests.conftest import OTHER, ROOT, STAFF, make_settings


async def test_non_admin_is_refused_and_it_is_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await harness.client.send("other", "管理 状態")
    assert harness.client.transcript("other") == texts.REFUSED
    assert any("admin command refused" in r.getMessage() for r in caplog.records)


async def test_admin_sees_each_data_file(harness: Harness) -> None:
    await harness.client.send("staff", "管理")  # 佐藤 花子 is an admin in the sample directory
    text = harness.client.transcript("staff")
    for name in ("faq", "directory", "catalogue", "intents"):
        assert f"✅ {name}:" in text
    assert "管理 状態" in text


async def test_unknown_admin_word(harness: Harness) -> None:
    await harness.client.send("staff", "管理 ふしぎ")
    assert texts.UNKNOWN.format(word="ふしぎ") in harness.client.transcript("staff")


async def test_a_broken_file_keeps_the_last_good_version_and_is_shown_with_its_line(tmp_path: Path, sqlite_url: str) -> None:
    faq_dir = tmp_path / "faq"
    shutil.copytree(ROOT / "content/faq", faq_dir)
    async with Harness(make_settings(sqlite_url, faq_dir=faq_dir), [STAFF, OTHER]) as h:
        broken = faq_dir / "teams.yaml"
        broken.write_text(broken.read_text(encoding="utf-8") + "\n  - id: [broken\n", encoding="utf-8")
        await h.runtime.faq.reload()
        await h.client.send("staff", "管理 状態")
        text = h.client.transcript("staff")
        assert "⚠️ faq:" in text and "teams.yaml:" in text
        # The bot still answers from the last good FAQ.
        await h.client.send("other", "VPNが遅い")
        assert "VPN" in h.client.transcript("other")
