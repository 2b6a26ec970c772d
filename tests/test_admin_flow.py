"""「管理」: admins see the state of every data file; others are refused politely."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.devchannel.harness import Harness
from bot.texts import admin as texts
from bot.texts.enrolment import ROSTER_USAGE
from tests.conftest import OTHER, ROOT, STAFF, make_settings


async def test_non_admin_is_refused_and_it_is_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await harness.client.send("other", "管理 状態")
    assert harness.client.transcript("other") == texts.REFUSED
    assert any("admin command refused" in r.getMessage() for r in caplog.records)


async def test_admin_sees_each_data_file(harness: Harness) -> None:
    await harness.client.send("staff", "管理")  # 佐藤 花子 is an admin in the sample directory
    text = harness.client.transcript("staff")
    for name in ("FAQ", "組織データ", "研修カタログ", "機能の言い回し"):  # not faq, directory …
        assert f"✅ {name}:" in text
    assert "管理 状態" in text
    loaded = harness.runtime.faq.status.loaded_at
    assert loaded.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%m/%d %H:%M") in text  # Japan time


async def test_an_admin_command_typed_without_its_space(harness: Harness) -> None:
    await harness.client.send("staff", "管理状態")
    assert "✅ FAQ:" in harness.client.transcript("staff")
    await harness.client.send("staff", "管理名簿")  # 名簿 without a course: it says how to ask
    assert harness.client.transcript("staff") == ROSTER_USAGE
    await harness.client.send("other", "管理状態")  # still an admin's command
    assert harness.client.transcript("other") == texts.REFUSED
    await harness.client.send("other", "管理職の研修はありますか")  # 管理 + a word that is no command
    assert texts.REFUSED not in harness.client.transcript("other")


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
        assert "⚠️ FAQ:" in text and "teams.yaml:" in text
        # The bot still answers from the last good FAQ.
        await h.client.send("other", "VPNが遅い")
        assert "VPN" in h.client.transcript("other")


async def test_status_counts_the_faq_warnings_and_says_where_to_see_them(tmp_path: Path, sqlite_url: str) -> None:
    faq_dir = tmp_path / "faq"
    shutil.copytree(ROOT / "content/faq", faq_dir)
    (faq_dir / "追加.csv").write_text("id,question,answer,分類2\nextra,追加の質問,追加の回答,下書き\n", encoding="utf-8")
    async with Harness(make_settings(sqlite_url, faq_dir=faq_dir), [STAFF]) as h:
        await h.client.send("staff", "管理 状態")
        assert "警告 1 件 (python -m knowledge check で確認できます)" in h.client.transcript("staff")


async def test_admin_help_shows_the_status_and_the_commands(harness: Harness) -> None:
    await harness.client.send("staff", "管理 ヘルプ")
    text = harness.client.transcript("staff")
    assert "管理コマンド「ヘルプ」はありません" not in text
    assert "✅ FAQ:" in text and "管理 名簿" in text


async def test_status_counts_the_organisation_and_course_warnings_too(harness: Harness) -> None:
    await harness.client.send("staff", "管理 状態")
    lines = [line for line in harness.client.transcript("staff").splitlines() if line.strip()]
    org = next(i for i, line in enumerate(lines) if "組織データ:" in line)
    # the sample organisation has one unit without a promoter; the courses have no warning
    assert lines[org + 1].strip() == "- 警告 1 件 (python -m knowledge check で確認できます)"
    courses = next(i for i, line in enumerate(lines) if "研修カタログ:" in line)
    assert "警告" not in lines[courses + 1]
    assert harness.runtime.directory.status.warnings == 1


async def test_status_shows_the_outbox_and_people_the_bot_cannot_reach(harness: Harness) -> None:
    from domain import outbox

    await harness.client.send("staff", "ヘルプ")  # 佐藤 花子 has opened the bot
    harness.channel.faults.blocked_conversations.add(OTHER.personal_conversation)
    await harness.client.send("other", "ヘルプ")
    async with harness.runtime.sessions() as session, session.begin():
        await outbox.enqueue(session, "お知らせ", user_id=OTHER.aad_object_id, topic="test")
    await harness.runtime.drain()  # the channel answers 403: the person blocked the bot
    harness.client.received("staff")
    await harness.client.send("staff", "管理 状態")
    text = harness.client.transcript("staff")
    assert "届け先なし: 1 件" in text
    assert f"{OTHER.upn}: {texts.BLOCKED}" in text or f"{OTHER.aad_object_id}: {texts.BLOCKED}" in text
    assert f"高橋 翔太: {texts.NEVER_OPENED}" in text  # a promoter who never opened the bot
    assert "佐藤 花子: " not in text
    # they unblock the bot: the next message arrives, and they are no longer listed
    harness.channel.faults.blocked_conversations.discard(OTHER.personal_conversation)
    async with harness.runtime.sessions() as session, session.begin():
        await outbox.enqueue(session, "もう一度お知らせ", user_id=OTHER.aad_object_id, topic="test")
        # and a notice to 高橋, who never opened the bot: listed once, as never opened
        await outbox.enqueue(session, "お知らせ", user_id="32717141-2b0b-5c11-8d4c-fd3824733844", topic="test")
    await harness.runtime.drain()
    harness.client.received("staff")
    await harness.client.send("staff", "管理 状態")
    text = harness.client.transcript("staff")
    assert texts.BLOCKED not in text and text.count("高橋 翔太") == 1


async def test_admin_words_ignore_case_and_width(harness: Harness) -> None:
    await harness.client.send("staff", "ADMIN ＳＴＡＴＵＳ")
    assert "✅ FAQ:" in harness.client.transcript("staff")
    await harness.client.send("staff", "管理 faq提案")
    assert texts.UNKNOWN.format(word="faq提案") not in harness.client.transcript("staff")
