"""The enrolment feature through the bot: double taps, forged or stale buttons, approvers,
admin commands, the profile first, reminders and the monthly nudge with a moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.devchannel.client import DevUser
from bot.devchannel.harness import Harness
from domain.clock import ManualClock
from domain.enrolment import Enrolment
from domain.jobs import Job
from knowledge.catalogue import TOKYO
from tests.conftest import ROOT, make_settings

COURSES = ROOT / "tests/data/courses_enrol"
START = datetime(2030, 6, 1, 10, 0, tzinfo=TOKYO)

SATO = DevUser("a", "佐藤 花子", "d1cb8940-7937-5150-b23f-c6407ddb8eb8", "sato.hanako@pref.example.lg.jp")
SATO_PHONE = DevUser("a2", "佐藤 花子", SATO.aad_object_id, SATO.upn)  # same person, 2nd device
TAKAHASHI = DevUser("b", "高橋 翔太", "32717141-2b0b-5c11-8d4c-fd3824733844",
                    "takahashi.shota@pref.example.lg.jp")
NAKAMURA = DevUser("c", "中村 大輔", "9f17a603-fc77-53b7-b362-f168652eb98b",
                   "nakamura.daisuke@pref.example.lg.jp")
STRANGER = DevUser("x", "外部 太郎", "00000000-1111-4222-8333-444444444444", "")
USERS = [SATO, SATO_PHONE, TAKAHASHI, NAKAMURA, STRANGER]


async def _harness(url: str, start: datetime = START) -> Harness:
    return Harness(make_settings(url, courses_dir=COURSES), USERS, clock=ManualClock(start))


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with await _harness(sqlite_url) as harness:
        yield harness


async def enrolments(h: Harness) -> list[Enrolment]:
    async with h.runtime.sessions() as db:
        return list((await db.execute(select(Enrolment).order_by(Enrolment.id))).scalars())


async def to_confirm(h: Harness, key: str, course: str, session: str) -> None:
    """Walk the dialog with buttons up to the confirmation card."""
    c = h.client
    await c.send(key, "研修申込")
    for title in (course, session):
        button = next(b for b in c.last_buttons(key) if title in b.title)
        assert await c.press(key, button) == 201
    assert "申込内容の確認" in c.transcript(key)


def button(h: Harness, key: str, title: str):
    return next(b for b in h.client.last_buttons(key) if b.title == title)


async def test_double_tap_and_a_second_device_give_one_enrolment(h: Harness) -> None:
    await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")
    apply = button(h, "a", "申し込む")
    statuses = await asyncio.gather(
        h.client.press("a", apply), h.client.press("a", apply), h.client.press("a2", apply)
    )
    assert statuses == [201, 201, 201]
    said = h.client.transcript("a") + h.client.transcript("a2")
    assert said.count("申込が完了しました") == 1
    assert said.count("すでに申し込まれています") == 2
    assert [(e.user_id, e.session_id, e.status) for e in await enrolments(h)] == [
        (SATO.aad_object_id, "to-last", "enrolled")]


async def test_forged_and_stale_buttons_get_a_clear_message_and_write_nothing(h: Harness) -> None:
    c = h.client
    await c.send("a", "", {"action": "enrol.confirm", "session_id": "zz-99"})
    assert "その日程は見つかりませんでした" in c.transcript("a")
    await c.send("c", "", {"action": "enrol.confirm", "session_id": "ts-01"})  # 新規採用職員
    assert "あなたの職位・役割ではお申し込みいただけません" in c.transcript("c")
    await c.send("a", "", {"action": "enrol.cancel", "enrolment_id": "abc"})
    assert "見つかりませんでした" in c.transcript("a")
    assert await enrolments(h) == []


async def test_only_approvers_may_decide(h: Harness) -> None:
    await to_confirm(h, "b", "承認テスト研修", "7月3日(水) 09:30")
    await h.client.press("b", button(h, "b", "申し込む"))
    assert "申請中" in h.client.transcript("b")
    (pending,) = await enrolments(h)
    await h.client.send("b", "", {"action": "enrol.approve", "enrolment_id": pending.id})
    assert "承認者だけです" in h.client.transcript("b")
    await h.client.send("c", "", {"action": "enrol.decline", "enrolment_id": pending.id})
    assert "承認者だけです" in h.client.transcript("c")
    assert [e.status for e in await enrolments(h)] == ["pending"]
    await h.client.send("a", "", {"action": "enrol.decline", "enrolment_id": pending.id})  # admin
    assert "「承認しない」としました" in h.client.transcript("a")
    await h.runtime.drain()
    assert "承認されませんでした" in h.client.transcript("b")
    assert [e.status for e in await enrolments(h)] == ["declined"]


async def test_admin_roster_and_summary_in_chat(h: Harness) -> None:
    for key in ("a", "b"):
        await to_confirm(h, key, "全職員テスト研修", "6月17日(月) 15:00")
        await h.client.press(key, button(h, key, "申し込む"))
    h.client.transcript("a")
    await h.client.send("a", "管理 名簿 TO-SMALL")
    roster = h.client.transcript("a")
    assert "名簿: 全職員テスト研修" in roster and "申込済 1 人" in roster
    assert roster.index("佐藤 花子") < roster.index("高橋 翔太（デジタル改革推進課）キャンセル待ち（1番目）")
    await h.client.send("a", "管理 名簿 zz-99")
    assert "日程ID「zz-99」は研修カタログにありません" in h.client.transcript("a")
    await h.client.send("a", "管理 研修集計")
    summary = h.client.transcript("a")
    assert "全職員テスト研修" in summary
    assert "申込済 1 / 申請中 0 / キャンセル待ち 1 / 定員 36" in summary
    await h.client.send("b", "管理 名簿 to-small")
    refused = h.client.transcript("b")
    assert "管理者" in refused and "高橋 翔太（" not in refused


async def test_unknown_people_are_asked_for_their_profile_first(h: Harness) -> None:
    await h.client.send("x", "研修申込")
    said = h.client.transcript("x")
    assert "所属" in said and "申し込む研修を選んでください" not in said


async def test_day_before_reminder_only_for_people_still_enrolled(h: Harness) -> None:
    clock: ManualClock = h.runtime.clock  # type: ignore[assignment]
    await to_confirm(h, "a", "主査級テスト研修", "6月10日(月) 13:30")
    await h.client.press("a", button(h, "a", "申し込む"))
    await to_confirm(h, "b", "全職員テスト研修", "7月1日(月) 15:00")
    await h.client.press("b", button(h, "b", "申し込む"))
    await h.client.send("b", "申込状況")
    await h.client.press("b", button(h, "b", "「全職員テスト研修」を取り消す"))
    await h.client.send("b", "はい")
    async with h.runtime.sessions() as db:
        jobs = {j.dedupe_key: j for j in (await db.execute(select(Job))).scalars()}
    (mine,) = [j for j in jobs.values() if j.status == "pending" and j.kind == "enrol.reminder"]
    # Monday's session: the reminder goes on the last working day before it, Friday 17:00.
    assert mine.run_at == datetime(2030, 6, 7, 17, 0, tzinfo=TOKYO)
    h.client.transcript("a"), h.client.transcript("b")
    clock.set(datetime(2030, 6, 7, 16, 59, tzinfo=TOKYO))
    await h.runtime.drain()
    assert "受講日が近づいています" not in h.client.transcript("a")
    clock.advance(timedelta(minutes=2))
    await h.runtime.drain()
    reminder = h.client.transcript("a")
    assert "受講日が近づいています" in reminder and "主査級テスト研修" in reminder
    clock.set(datetime(2030, 6, 28, 17, 1, tzinfo=TOKYO))
    await h.runtime.drain()
    assert "受講日が近づいています" not in h.client.transcript("b")


async def test_monthly_nudge_is_off_by_default(h: Harness) -> None:
    async with h.runtime.sessions() as db:
        kinds = [j.kind for j in (await db.execute(select(Job))).scalars()]
    assert "enrol.nudge" not in kinds


async def test_monthly_nudge_reaches_only_those_missing_a_mandatory_course(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENROL_NUDGE_ENABLED", "true")
    monkeypatch.setenv("ENROL_NUDGE_DAY", "1")
    monkeypatch.setenv("ENROL_NUDGE_HOUR", "9")
    async with await _harness(sqlite_url, datetime(2030, 5, 20, 12, 0, tzinfo=TOKYO)) as h:
        clock: ManualClock = h.runtime.clock  # type: ignore[assignment]
        await h.runtime.drain()
        await to_confirm(h, "a", "主査級テスト研修", "6月10日(月) 13:30")
        await h.client.press("a", button(h, "a", "申し込む"))
        for key in ("b", "c"):
            await h.client.send(key, "ヘルプ")
            h.client.transcript(key)
        h.client.transcript("a")
        clock.set(datetime(2030, 6, 1, 8, 59, tzinfo=TOKYO))
        await h.runtime.drain()
        assert "必須研修" not in h.client.transcript("c")
        clock.advance(timedelta(minutes=2))
        await h.runtime.drain()
        nudged = h.client.transcript("c")
        assert "必須研修のご案内" in nudged and "新規採用テスト研修" in nudged
        assert "必須研修" not in h.client.transcript("a")  # already applied
        assert "必須研修" not in h.client.transcript("b")  # 主任: no mandatory test course
        async with h.runtime.sessions() as db:
            nudges = {j.dedupe_key: j.status for j in (await db.execute(
                select(Job).where(Job.kind == "enrol.nudge"))).scalars()}
        assert nudges == {"enrol.nudge:2030-06": "done", "enrol.nudge:2030-07": "pending"}
