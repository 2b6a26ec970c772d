"""Escalation end to end through the dev channel: deadlines on a hand-moved clock, forged
card submissions, attachments, auto-resolve, FAQ proposals served by the FAQ, the CLI, a
channel that fails 30% of requests, and a restart before the promoter was notified."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import escalation_cli
from bot.devchannel.client import DevUser
from bot.devchannel.harness import Harness
from bot.devchannel.render import buttons, render
from bot.devchannel.server import Faults, Sent
from domain import jobs, outbox
from domain import tickets as t
from domain.clock import ManualClock
from domain.ticket_hours import JST
from domain.ticket_proposals import ACCEPTED_FILE, FaqProposal
from tests.conftest import ROOT, make_settings

STAFF = DevUser("staff", "林 和夫", "07b5857b-bb94-5f1d-82f9-9fefc48e0cc0", "hayashi.kazuo@pref.example.lg.jp")
PROMOTER = DevUser("promoter", "山崎 亮", "7853343f-e605-5fbc-9cce-b60244cde7c8", "yamazaki.ryo@pref.example.lg.jp")
BACKUP = DevUser("backup", "清水 恵子", "df527e2c-1e71-546d-b5d6-6fa6bea73cd2", "shimizu.keiko@pref.example.lg.jp")
OUTSIDER = DevUser("outsider", "高橋 翔太", "32717141-2b0b-5c11-8d4c-fd3824733844", "takahashi.shota@pref.example.lg.jp")
ADMIN = DevUser("admin", "西村 拓海", "43850bd3-b9bb-51f9-8023-e185b8af3d92", "nishimura.takumi@pref.example.lg.jp")
STRANGER = DevUser("stranger", "外部 太郎", "99999999-0000-4000-8000-000000000001", "gaibu@example.com")
USERS = [STAFF, PROMOTER, BACKUP, OUTSIDER, ADMIN, STRANGER]
MONDAY_10 = datetime(2026, 5, 11, 10, 0, tzinfo=JST)
QUESTION = "共有フォルダの容量を増やしてもらう申請はどこに出せばいいですか"
ANSWER = "総務事務システムの「ファイルサーバ容量変更申請」から申請してください。"


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """A copy of the shipped FAQ (accepting a proposal writes into it)."""
    target = tmp_path / "faq"
    shutil.copytree(ROOT / "content/faq", target)
    return target


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_10.astimezone(UTC))


@pytest.fixture
async def h(sqlite_url: str, faq_dir: Path, clock: ManualClock) -> AsyncIterator[Harness]:
    async with Harness(make_settings(sqlite_url, faq_dir=faq_dir), USERS, clock=clock) as harness:
        for user in (PROMOTER, BACKUP, OUTSIDER, ADMIN):  # they have opened the bot once
            await harness.client.post(harness.client.install(user))
        for user in USERS:
            harness.client.transcript(user.key)
        yield harness


def said(h: Harness, key: str) -> str:
    return h.client.transcript(key)


async def press(h: Harness, key: str, title: str, **inputs: Any) -> int:
    """Press the newest button with this title, with card inputs filled in (as Teams sends them)."""
    for button in reversed(h.client.last_buttons(key)):
        if button.title == title:
            return await h.client.send(key, "", {**button.value, **inputs})
    raise AssertionError(f"no button {title}: {[b.title for b in h.client.last_buttons(key)]}")


async def escalate(h: Harness, question: str = QUESTION, **inputs: Any) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", question)
    await press(h, "staff", "送信する", question=question, **inputs)


async def ticket(h: Harness, ticket_id: int = 1) -> t.Ticket:
    async with h.runtime.sessions() as session:
        found = await t.get(session, ticket_id)
    assert found is not None
    return found


async def answered(h: Harness) -> None:
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "対応します")
    await press(h, "promoter", "回答する", answer=ANSWER)
    await h.runtime.drain()


# ------------------------------------------------------------------ deadlines


async def test_an_urgent_ticket_is_reminded_after_30_business_minutes(h: Harness, clock: ManualClock) -> None:
    clock.set(datetime(2026, 5, 1, 17, 0, tzinfo=JST).astimezone(UTC))  # Friday before Golden Week
    await escalate(h, urgency="urgent", details="会議が 9 時からです")
    assert "5月7日(木) 08:45 ごろまでに" in said(h, "staff")
    await h.runtime.drain()
    card = said(h, "promoter")
    assert "【至急】相談が届きました（チケット 1）" in card and "会議が 9 時からです" in card
    clock.set(datetime(2026, 5, 7, 8, 44, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert said(h, "promoter") == ""
    clock.advance(timedelta(minutes=2))
    await h.runtime.drain()
    assert "チケット 1 の相談は、まだ対応する担当者が決まっていません（林 和夫さん・至急）" in said(h, "promoter")
    assert said(h, "backup") == ""
    clock.advance(timedelta(minutes=31))
    await h.runtime.drain()
    assert "相談が届きました（チケット 1）" in said(h, "backup")
    assert (await ticket(h)).level_role == "promoter"  # the backup level


async def test_an_unrated_answer_is_resolved_after_three_business_days(h: Harness, clock: ManualClock) -> None:
    await answered(h)
    assert "チケット 1 に回答が届きました" in said(h, "staff")
    clock.set(datetime(2026, 5, 14, 9, 59, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert (await ticket(h)).status == t.ANSWERED
    clock.advance(timedelta(minutes=2))
    await h.runtime.drain()
    resolved = await ticket(h)
    assert resolved.status == t.RESOLVED and "3業務日" in (resolved.resolution_note or "")
    assert "回答から3業務日が過ぎたため解決済みにしました" in said(h, "staff")
    assert "FAQに提案する" in said(h, "promoter")


async def test_a_point_for_a_ticket_closed_meanwhile_can_be_sent_as_a_new_request(
    h: Harness, clock: ManualClock
) -> None:
    await answered(h)
    clock.set(datetime(2026, 5, 14, 10, 1, tzinfo=JST).astimezone(UTC))  # 3 business days on
    await h.runtime.drain()
    assert "回答から3業務日が過ぎたため解決済みにしました" in said(h, "staff")
    # the answer card still shows 「まだ解決しない」: the point typed in its box is not dropped
    await press(h, "staff", "まだ解決しない", followup="申請画面に容量の欄がありません")
    reply = said(h, "staff")
    assert "チケット 1 は「解決」になっているため、追記はお送りしていません" in reply
    assert "申請画面に容量の欄がありません" in reply
    assert (await ticket(h)).status == t.RESOLVED
    [anew] = [b for b in h.client.last_buttons("staff") if b.title == "この内容で相談する"]
    assert anew.value["details"].startswith("チケット 1 の回答を読んでの追記です。")
    await h.client.send("staff", "はい")  # typed, as the button would (the same card follows)
    shown = said(h, "staff")  # whoever takes it reads what it follows up on
    assert "[入力欄: 質問] 申請画面に容量の欄がありません" in shown
    assert "[入力欄: 補足（任意）] チケット 1 の回答を読んでの追記です。" in shown
    await h.client.send("staff", "はい")
    details = (await ticket(h, 2)).details
    assert f"前回の質問: {QUESTION[:20]}" in details and f"前回の回答: {ANSWER[:20]}" in details


# ------------------------------------------------------------------ permissions


async def test_forged_submissions_are_refused_logged_and_change_nothing(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await escalate(h)
    await h.runtime.drain()
    said(h, "outsider")
    caplog.set_level(logging.WARNING, logger="bot.escalation_flow")
    for action, extra in (("ticket.claim", {}), ("ticket.answer", {"answer": "偽の回答"}),
                          ("ticket.pass", {"reason": "偽"})):
        await h.client.send("outsider", "", {"action": action, "ticket_id": 1, **extra})
        assert "このチケットは操作できません。担当として依頼を受けた方と管理者だけ" in said(h, "outsider")
    await h.client.send("promoter", "", {"action": "ticket.resolve", "ticket_id": 1})
    assert "評価や取り消しができるのは、相談したご本人だけです" in said(h, "promoter")
    await h.client.send("outsider", "チケット 1")
    assert "チケット 1 は見つからないか、表示する権限がありません" in said(h, "outsider")
    await h.client.send("outsider", "", {"action": "ticket.claim", "ticket_id": "1; drop"})
    assert "このボタンは古いか、正しくありません" in said(h, "outsider")
    refused = [r for r in caplog.records if r.getMessage() == "ticket action refused"]
    assert len(refused) == 4 and {r.action for r in refused} == {"claim", "answer", "pass", "resolve"}  # type: ignore[attr-defined]
    found = await ticket(h)
    assert found.status == t.OPEN and found.answer is None and found.level == 0
    async with h.runtime.sessions() as session:
        assert [e.action for e in await t.events(session, 1)] == ["created", "routed"]
    assert said(h, "staff").count("回答が届きました") == 0


async def test_an_admin_may_take_any_ticket(h: Harness) -> None:
    await escalate(h)
    await h.runtime.drain()
    await h.client.send("admin", "対応待ち一覧")
    assert "1. [対応待ち] 共有フォルダ" in said(h, "admin")
    await press(h, "admin", "チケット 1 を見る")
    await press(h, "admin", "対応します")
    assert "チケット 1 の対応を始めました" in said(h, "admin")
    await h.runtime.drain()
    assert "西村 拓海さんが対応しています" in said(h, "promoter")
    await h.client.send("admin", "管理")
    status = said(h, "admin")
    assert "担当者への相談（未解決）" in status and "対応中 1 件" in status and "管理 相談集計" in status


async def test_someone_the_bot_does_not_know_is_asked_for_their_unit_first(h: Harness) -> None:
    await h.client.send("stranger", "担当者に相談")
    assert "所属" in said(h, "stranger")
    async with h.runtime.sessions() as session:
        assert await t.of_requester(session, STRANGER.aad_object_id) == []


async def test_the_requester_can_change_their_mind_before_sending(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", QUESTION)
    await h.client.send("staff", "うーん")
    assert "「いいえ」と入力してください" in said(h, "staff")
    await h.client.send("staff", "いいえ")
    assert "相談の送信をやめました" in said(h, "staff")
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", QUESTION)
    await press(h, "staff", "やめる")
    assert "相談の送信をやめました" in said(h, "staff")
    await h.client.send("staff", "相談状況")
    assert "まだ相談はありません" in said(h, "staff")


# ------------------------------------------------------------------ attachments and cancelling


async def test_files_and_images_are_kept_with_the_ticket_as_links(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    attachments = [
        {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": "エラー.xlsx",
         "content": {"downloadUrl": "https://contoso.sharepoint.com/x/エラー.xlsx", "fileType": "xlsx"}},
        {"contentType": "image/png", "name": "screen.png", "contentUrl": "https://smba.example/img/1"},
        {"contentType": "text/html", "content": "<p>質問</p>"},
        {"contentType": "image/png", "name": "evil", "contentUrl": "javascript:alert(1)"},
    ]
    await h.client.post(h.client.activity(STAFF, text=QUESTION, attachments=attachments))
    card = said(h, "staff")
    assert "[エラー.xlsx](https://contoso.sharepoint.com/x/エラー.xlsx)" in card and "javascript" not in card
    await h.client.post(h.client.activity(STAFF, text="追加の画像です", attachments=[
        {"contentType": "image/jpeg", "name": "photo.jpg", "contentUrl": "https://smba.example/img/2"}]))
    assert "添付を追加しました" in said(h, "staff")
    await h.client.send("staff", "はい")
    assert "チケット番号: 1" in said(h, "staff")
    found = await ticket(h)
    assert [a["name"] for a in found.attachments] == ["エラー.xlsx", "screen.png", "photo.jpg"]
    await h.runtime.drain()
    assert "[photo.jpg](https://smba.example/img/2)" in said(h, "promoter")


async def test_a_second_press_of_send_does_not_make_a_second_ticket(h: Harness) -> None:
    await escalate(h)
    await press(h, "staff", "送信する")
    assert "この相談はすでに受け付けています。チケット番号: 1" in said(h, "staff")
    async with h.runtime.sessions() as session:
        assert len(await t.of_requester(session, STAFF.aad_object_id)) == 1


# ------------------------------------------------------------------ the knowledge loop


async def test_an_accepted_proposal_is_answered_by_the_faq(h: Harness, faq_dir: Path) -> None:
    await answered(h)
    await press(h, "staff", "解決した")
    await h.runtime.drain()
    await press(h, "promoter", "FAQに提案する", question="共有フォルダの容量を増やしたい", answer=ANSWER)
    assert "FAQ 提案 1 を送りました" in said(h, "promoter")
    await h.runtime.drain()
    assert "提案 1 が届きました（山崎 亮さん）" in said(h, "admin")
    await h.client.send("promoter", "管理 FAQ提案")
    assert "管理者のみ" in said(h, "promoter")
    await h.client.send("admin", "管理 FAQ提案")
    assert "Q: 共有フォルダの容量を増やしたい" in said(h, "admin")
    await h.client.send("admin", "管理　FAQ提案　編集　１　質問　共有フォルダの容量を増やしたい（申請）？")  # 「　」
    edited = said(h, "admin")
    assert "提案 1 を修正しました" in edited and "増やしたい（申請）？" in edited  # as typed, not NFKC
    await h.client.send("admin", "管理 FAQ提案 編集 1 回答 " + ANSWER + "所属長の承認が必要です。")
    assert "提案 1 を修正しました" in said(h, "admin")
    await press(h, "admin", "提案 1 を採用")
    assert "提案 1 を FAQ（proposal-1）として追加しました" in said(h, "admin")
    assert (faq_dir / ACCEPTED_FILE).exists()
    await h.client.send("outsider", "共有フォルダの容量を増やしたい")
    assert "所属長の承認が必要です" in said(h, "outsider")
    await h.client.send("outsider", QUESTION)  # the requester's wording is an alternate
    assert "ファイルサーバ容量変更申請" in said(h, "outsider")
    await h.client.send("admin", "管理 FAQ提案 採用 1")
    assert "提案 1 はすでに処理済みです" in said(h, "admin")


async def test_cli_report_and_proposals(h: Harness, capsys: pytest.CaptureFixture[str], faq_dir: Path) -> None:
    await answered(h)
    await press(h, "staff", "解決した")
    await h.runtime.drain()
    await press(h, "promoter", "FAQに提案する")
    settings = h.settings
    assert await escalation_cli.run(["report", "--format", "csv"], settings) == 0
    out = capsys.readouterr().out
    assert "所属,総務課,1,0,1" in out and "部局,総務部,1" in out
    assert await escalation_cli.run(["report", "--since", "2026-05-12"], settings) == 0
    assert "| 合計 | 0 |" in capsys.readouterr().out
    assert await escalation_cli.run(["proposals", "list"], settings) == 0
    assert f"Q: {QUESTION}" in capsys.readouterr().out
    assert await escalation_cli.run(["proposals", "accept", "1", "--question", "容量を増やしたい"], settings) == 0
    assert "proposal-1" in capsys.readouterr().out
    assert "容量を増やしたい" in (faq_dir / ACCEPTED_FILE).read_text(encoding="utf-8")
    assert await escalation_cli.run(["proposals", "accept", "1"], settings) == 1
    assert await escalation_cli.run(["report", "--since", "yesterday"], settings) == 2
    await h.client.send("admin", "管理 相談集計 2026-05-01 2026-05-31")
    report = said(h, "admin")
    assert "相談の集計（2026年5月1日(金)〜2026年5月31日(日)）" in report and "総務課" in report


# ------------------------------------------------------------------ faults and restarts


async def retry(h: Harness, clock: ManualClock, key: str, action: Any, done: Any, attempts: int = 12) -> None:
    """Do ``action`` until ``done()`` holds, as a person presses again a minute later when
    nothing happened (the minute also lets the outbox's backed-off retries fall due)."""
    for _ in range(attempts):
        if await done():
            return
        await action()
        clock.advance(timedelta(minutes=1))
        await h.runtime.drain()
    assert await done(), f"{key}: gave up"


async def undelivered(h: Harness) -> list[outbox.OutboxMessage]:
    async with h.runtime.sessions() as session:
        query = select(outbox.OutboxMessage).where(outbox.OutboxMessage.status == outbox.PENDING)
        return list((await session.execute(query)).scalars())


async def test_a_channel_failing_30_percent_of_requests_loses_nothing(h: Harness, clock: ManualClock) -> None:
    h.channel.faults = Faults(rate=0.3, statuses=(429, 500), seed=11)

    async def status_is(*statuses: str) -> bool:
        return (await ticket(h)).status in statuses if await exists() else False

    async def exists() -> bool:
        async with h.runtime.sessions() as session:
            return await t.get(session, 1) is not None

    await retry(h, clock, "staff", lambda: escalate(h), exists)
    await retry(h, clock, "promoter", lambda: h.client.send(
        "promoter", "", {"action": "ticket.claim", "ticket_id": 1}), lambda: status_is(t.CLAIMED))
    await retry(h, clock, "promoter", lambda: h.client.send(
        "promoter", "", {"action": "ticket.answer", "ticket_id": 1, "answer": ANSWER}),
        lambda: status_is(t.ANSWERED))
    await retry(h, clock, "staff", lambda: h.client.send(
        "staff", "", {"action": "ticket.resolve", "ticket_id": 1}), lambda: status_is(t.RESOLVED))
    await h.runtime.drain()
    assert h.channel.failures > 0
    async with h.runtime.sessions() as session:
        messages = (await session.execute(select(outbox.OutboxMessage))).scalars().all()
        tickets = await t.of_requester(session, STAFF.aad_object_id)
    assert len(tickets) == 1  # retried presses never made a second ticket
    assert messages and all(m.status == outbox.SENT for m in messages), [
        (m.topic, m.status, m.last_error) for m in messages]
    topics = sorted(m.topic.split(":")[1] for m in messages)
    assert topics == ["answer", "card", "note", "resolved", "update", "update", "update", "update"]
    h.channel.faults = Faults()
    staff_chat = "\n".join(str(s.activity) for s in h.channel.sent
                           if s.conversation_id == STAFF.personal_conversation)
    assert ANSWER in staff_chat and "の対応を山崎 亮さんが始めました" in staff_chat


async def _none(items: Any) -> bool:
    return not await items


async def test_a_restart_after_the_ticket_is_created_still_notifies_the_promoter(h: Harness) -> None:
    await h.runtime.worker.stop()  # the process dies before it could deliver anything
    await escalate(h)
    assert "チケット番号: 1" in said(h, "staff")
    assert said(h, "promoter") == ""
    async with h.runtime.sessions() as session:
        pending = (await session.execute(select(outbox.OutboxMessage))).scalars().all()
        sla = (await session.execute(select(jobs.Job).where(jobs.Job.kind == "escalation.sla"))).scalars().all()
    assert [m.status for m in pending] == [outbox.PENDING] and len(sla) == 1
    await h.restart()
    await h.runtime.drain()
    assert "相談が届きました（チケット 1）" in said(h, "promoter")


async def test_proposals_table_links_the_ticket(h: Harness) -> None:
    await answered(h)
    await press(h, "staff", "まだ解決しない", followup="容量の上限も知りたい")
    assert "もう一度お送りしました" in said(h, "staff")
    await h.runtime.drain()
    assert "容量の上限も知りたい" in said(h, "promoter")
    await press(h, "promoter", "回答する", answer="上限は 50GB です。")
    await h.runtime.drain()
    await press(h, "staff", "解決した")
    await h.runtime.drain()
    await press(h, "promoter", "FAQに提案する")
    await press(h, "promoter", "FAQに提案する")
    assert "すでに FAQ に提案されています" in said(h, "promoter")
    async with h.runtime.sessions() as session:
        [proposal] = (await session.execute(select(FaqProposal))).scalars().all()
    assert proposal.ticket_id == 1 and proposal.answer == "上限は 50GB です。"


@pytest.mark.postgres
async def test_the_whole_flow_on_postgresql(pg_url: str, faq_dir: Path, clock: ManualClock) -> None:
    async with Harness(make_settings(pg_url, faq_dir=faq_dir), USERS, clock=clock) as harness:
        for user in (PROMOTER, BACKUP, ADMIN):
            await harness.client.post(harness.client.install(user))
        await answered(harness)
        await press(harness, "staff", "解決した")
        await harness.runtime.drain()
        await press(harness, "promoter", "FAQに提案する")
        await harness.client.send("admin", "管理 FAQ提案 採用 1")
        assert "提案 1 を FAQ（proposal-1）として追加しました" in said(harness, "admin")
        async with harness.runtime.sessions() as session:
            trail = [e.action for e in await t.events(session, 1)]
        assert trail == ["created", "routed", "claim", "answer", "resolve", "proposed"]


# ------------------------------------------------------------------ review fixes


def card_with(h: Harness, user: DevUser, title: str) -> Sent:
    """The newest message the bot sent this user with a button of this title."""
    for sent in reversed(h.channel.since(0, user.personal_conversation)):
        if sent.method == "send" and any(b.title == title for b in buttons(sent.activity)):
            return sent
    raise AssertionError(f"no card with {title}")


async def press_on(h: Harness, user: DevUser, title: str, **inputs: Any) -> None:
    """Press a button as Teams does: the submit carries the card message's id (replyToId)."""
    card = card_with(h, user, title)
    [button] = [b for b in buttons(card.activity) if b.title == title]
    await h.client.post(h.client.activity(user, text="", value={**button.value, **inputs},
                                          replyToId=card.activity_id))


def updates(h: Harness, user: DevUser) -> list[Sent]:
    return [s for s in h.channel.since(0, user.personal_conversation) if s.method == "update"]


async def test_stop_on_a_card_already_sent_says_it_was_sent_and_the_card_loses_its_buttons(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", QUESTION)
    confirmation = card_with(h, STAFF, "送信する")
    await press_on(h, STAFF, "送信する", question=QUESTION)
    assert "チケット番号: 1" in said(h, "staff")
    [update] = updates(h, STAFF)
    assert update.activity_id == confirmation.activity_id and buttons(update.activity) == []
    assert "送信しました（チケット 1）" in render(update.activity)
    await press_on(h, STAFF, "やめる")  # the same (stale) card
    reply = said(h, "staff")
    assert "この相談はすでに送信済みです（チケット 1・対応待ち）" in reply
    assert "相談の送信をやめました" not in reply
    assert [b.title for b in h.client.last_buttons("staff")] == ["この相談を取り消す", "相談状況"]
    assert (await ticket(h)).status == t.OPEN
    await press(h, "staff", "この相談を取り消す")
    assert "チケット 1 の相談を取り消しました" in said(h, "staff")


async def test_typed_text_at_the_confirmation_goes_into_the_details(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", QUESTION)
    first = card_with(h, STAFF, "送信する")
    await h.client.send("staff", "急ぎです")
    reply = said(h, "staff")
    assert "「補足」に追記しました" in reply and "[入力欄: 補足（任意）] 急ぎです" in reply
    await h.client.send("staff", "明日の会議で使います")
    second = card_with(h, STAFF, "送信する")
    await h.client.send("staff", "送信する")  # the button's label, typed
    assert "チケット番号: 1" in said(h, "staff")
    assert (await ticket(h)).details == "急ぎです\n明日の会議で使います"
    closed = {u.activity_id: render(u.activity) for u in updates(h, STAFF)}
    assert "内容を更新しました" in closed[first.activity_id]
    assert "送信しました（チケット 1）" in closed[second.activity_id]
    await h.runtime.drain()
    assert "明日の会議で使います" in said(h, "promoter")


@pytest.fixture
async def nobody(sqlite_url: str, faq_dir: Path, clock: ManualClock) -> AsyncIterator[Harness]:
    """A fresh database: nobody in the chain has ever opened the bot (one admin has)."""
    async with Harness(make_settings(sqlite_url, faq_dir=faq_dir), USERS, clock=clock) as harness:
        await harness.client.post(harness.client.install(ADMIN))
        harness.client.transcript("admin")
        yield harness


async def test_nobody_reachable_tells_the_requester_once_and_retries_every_business_day(
    nobody: Harness, clock: ManualClock
) -> None:
    h = nobody
    await escalate(h)
    assert "チケット番号: 1" in said(h, "staff")
    await h.runtime.drain()
    told = said(h, "staff")
    assert told.count("チケット 1") == 1 and "に引き継がれました" not in told
    assert "どの担当者にも届いていません" in told and "内線2345" in told
    assert said(h, "admin").count("チケット 1（総務課）を届けられる担当者がいません") == 1
    assert (await ticket(h)).status == t.OPEN
    await h.client.send("admin", "チケット 1")
    history = said(h, "admin")
    assert "ボットがインストールされていないか" in history and "担当者なし" in history
    assert "conversation reference" not in history and "installed" not in history
    # the next business day, nothing changed: tried again, nobody is told again
    clock.advance(timedelta(days=1))
    await h.runtime.drain()
    assert said(h, "staff") == "" and said(h, "admin") == ""
    # the promoter opens the bot; the next daily retry reaches them
    await h.client.post(h.client.install(PROMOTER))
    said(h, "promoter")
    clock.advance(timedelta(days=1))
    await h.runtime.drain()
    assert "相談が届きました（チケット 1）" in said(h, "promoter")
    assert said(h, "staff").count("総務課のデジタル活用推進員に引き継がれました") == 1
    await press(h, "promoter", "対応します")
    assert "チケット 1 の対応を始めました" in said(h, "promoter")
    await h.runtime.drain()
    said(h, "promoter")
    clock.advance(timedelta(days=3))
    await h.runtime.drain()
    chased = said(h, "promoter")  # no more delivery retries once claimed, only the answer chased
    assert "相談が届きました" not in chased and "回答をお待ちしています" in chased


async def test_the_requester_sees_progress_not_routing_or_handlers_notes(h: Harness) -> None:
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "他の人に回す", reason="所管外のため")
    await h.runtime.drain()
    await press(h, "backup", "対応します")
    await press(h, "backup", "回答する", answer=ANSWER)
    await h.runtime.drain()
    await h.client.send("staff", "チケット 1")
    mine = said(h, "staff")
    assert "受付（林 和夫）" in mine and "対応開始（清水 恵子）" in mine and "回答（清水 恵子）" in mine
    for internal in ("所管外のため", "次の担当者へ", "担当者に送信", "（システム）"):
        assert internal not in mine
    await h.client.send("admin", "チケット 1")
    theirs = said(h, "admin")
    assert "次の担当者へ（山崎 亮）: 所管外のため" in theirs and "担当者に送信（システム）" in theirs
    assert "受付 5月11日(月) 10:00" in render_facts(theirs)


def render_facts(text: str) -> str:
    """Fact lines 「・受付: 5月11日(月) 10:00」 as 「受付 5月11日(月) 10:00」."""
    return "\n".join(line.lstrip("・").replace(": ", " ", 1) for line in text.splitlines())


async def test_the_reminder_is_a_card_with_claim_and_view_buttons(h: Harness, clock: ManualClock) -> None:
    await escalate(h)  # Monday 10:00: claim by 12:00
    await h.runtime.drain()
    said(h, "promoter")
    clock.set(datetime(2026, 5, 11, 12, 0, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert "チケット 1 の相談は、まだ対応する担当者が決まっていません" in said(h, "promoter")
    assert [b.title for b in h.client.last_buttons("promoter")] == ["対応します", "チケットを見る"]
    await press(h, "promoter", "チケットを見る")
    assert "状況: 対応待ち" in said(h, "promoter")
    await press_on(h, PROMOTER, "対応します")  # the reminder's button
    assert "チケット 1 の対応を始めました" in said(h, "promoter")


async def test_the_next_deadline_counts_from_when_the_last_one_was_due(h: Harness, clock: ManualClock) -> None:
    await escalate(h)  # Monday 10:00: claim by 12:00, then two more business hours
    await h.runtime.drain()
    clock.set(datetime(2026, 5, 11, 12, 30, tzinfo=JST).astimezone(UTC))  # the worker was late
    await h.runtime.drain()
    assert "まだ対応する担当者が決まっていません" in said(h, "promoter")
    clock.set(datetime(2026, 5, 11, 13, 59, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert said(h, "backup") == ""
    clock.set(datetime(2026, 5, 11, 14, 0, tzinfo=JST).astimezone(UTC))  # 12:00 + 2 hours, not 14:30
    await h.runtime.drain()
    assert "相談が届きました（チケット 1）" in said(h, "backup")


async def test_the_deadline_waits_for_the_card_to_reach_the_promoter(h: Harness, clock: ManualClock) -> None:
    await escalate(h)  # Monday 10:00: claim by 12:00
    h.channel.faults = Faults(rate=1.0, statuses=(503,))  # Teams is down all morning
    await h.runtime.drain()
    clock.set(datetime(2026, 5, 11, 12, 1, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert [m.topic.split(":")[1] for m in await undelivered(h)] == ["card"]  # no reminder queued
    assert (await ticket(h)).level == 0
    h.channel.faults = Faults()  # back at 12:30: the card arrives
    clock.set(datetime(2026, 5, 11, 12, 30, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert "相談が届きました（チケット 1）" in said(h, "promoter")
    clock.set(datetime(2026, 5, 11, 13, 59, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert said(h, "promoter") == ""  # two business hours from 12:01, not from 10:00
    clock.set(datetime(2026, 5, 11, 14, 2, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert "まだ対応する担当者が決まっていません" in said(h, "promoter") and said(h, "backup") == ""


async def test_a_ticket_taken_but_not_answered_is_chased_then_the_admins_hear(h: Harness, clock: ManualClock) -> None:
    await escalate(h)  # Monday 10:00
    await h.runtime.drain()
    await press(h, "promoter", "対応します")
    await h.runtime.drain()
    said(h, "promoter"), said(h, "admin")

    async def at(*when: int) -> None:
        clock.set(datetime(2026, 5, *when, tzinfo=JST).astimezone(UTC))
        await h.runtime.drain()

    await at(11, 13, 59)
    assert said(h, "promoter") == ""
    await at(11, 14, 1)  # twice the claim time (2 business hours) after taking it
    assert "チケット 1（林 和夫さん）の回答をお待ちしています" in said(h, "promoter")
    await at(12, 9, 14)  # 14:00 + 4 business hours = Tuesday 09:15
    assert said(h, "admin") == ""
    await at(12, 9, 16)
    assert "チケット 1（総務課）は 山崎 亮さんが対応中ですが、まだ回答がありません" in said(h, "admin")
    assert "回答をお待ちしています" in said(h, "promoter")
    await at(13, 9, 16)  # and every business day after
    assert "回答をお待ちしています" in said(h, "promoter")
    await press(h, "promoter", "チケットを見る")
    await press(h, "promoter", "回答する", answer=ANSWER)
    await h.runtime.drain()
    said(h, "promoter")
    await at(15, 9, 16)
    assert said(h, "promoter") == "" and said(h, "admin") == ""
    assert said(h, "staff").count(ANSWER) == 1


async def test_a_follow_up_nobody_answers_is_chased_too(h: Harness, clock: ManualClock) -> None:
    await answered(h)  # Monday 10:00
    await press(h, "staff", "まだ解決しない", followup="まだ容量が足りません")
    await h.runtime.drain()
    said(h, "promoter")
    clock.set(datetime(2026, 5, 11, 14, 1, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    assert "チケット 1（林 和夫さん）の回答をお待ちしています" in said(h, "promoter")


async def test_when_some_have_the_card_nobody_is_told_it_reached_no_one(h: Harness, clock: ManualClock) -> None:
    await escalate(h)  # Monday 10:00
    await h.runtime.drain()
    await h.client.send("promoter", "", {"action": "ticket.pass", "ticket_id": 1, "reason": "分かりません"})
    await h.runtime.drain()
    assert "相談が届きました（チケット 1）" in said(h, "backup")
    said(h, "staff"), said(h, "admin")
    for hour in (12, 14, 16):  # the backup is reminded, then it goes up to people who never opened the bot
        clock.set(datetime(2026, 5, 11, hour, 1, tzinfo=JST).astimezone(UTC))
        await h.runtime.drain()
    staff, admin = said(h, "staff"), said(h, "admin")
    assert "担当者に届いていますが、まだ対応する担当者が決まっていません" in staff
    assert "どの担当者にも届いていません" not in staff
    assert "一部の担当者に届いていますが、まだ誰も対応を始めていません" in admin and "受けられる担当者がいません" not in admin
    said(h, "backup")
    clock.set(datetime(2026, 5, 12, 16, 2, tzinfo=JST).astimezone(UTC))  # the next business day
    await h.runtime.drain()
    assert "チケット 1 の相談は、まだ対応する担当者が決まっていません" in said(h, "backup")


async def test_a_follow_up_passed_on_shows_the_earlier_answer_and_the_follow_up(h: Harness) -> None:
    await answered(h)
    await press(h, "staff", "まだ解決しない", followup="まだ容量が足りません")
    await h.runtime.drain()
    await h.client.send("promoter", "", {"action": "ticket.pass", "ticket_id": 1, "reason": "分かりません"})
    await h.runtime.drain()
    card = said(h, "backup")
    assert "相談が届きました（チケット 1）" in card and ANSWER in card and "まだ容量が足りません" in card


async def test_someone_elses_send_button_and_an_emptied_question_are_refused(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", QUESTION)
    send = next(b for b in h.client.last_buttons("staff") if b.title == "送信する")
    discard = next(b for b in h.client.last_buttons("staff") if b.title == "やめる")
    await h.client.send("staff", "", {**send.value, "question": ""})  # the box emptied on purpose
    assert "質問" in said(h, "staff")
    assert not await _exists(h)
    await h.client.send("staff", "", {**send.value, "question": QUESTION})
    assert "チケット番号: 1" in said(h, "staff")
    await h.client.send("outsider", "", {**send.value, "question": "別の質問"})  # a forwarded card
    told = said(h, "outsider")
    assert "古いか、正しくありません" in told and "チケット番号" not in told
    await h.client.send("outsider", "", discard.value)  # its 「やめる」 tells nothing either
    told = said(h, "outsider")
    assert "古いか、正しくありません" in told and "チケット 1" not in told


async def test_in_a_channel_only_the_author_can_send_their_consultation(h: Harness) -> None:
    from bot.devchannel.render import buttons

    channel = "19:dev-channel@thread.tacv2"

    async def post(user: DevUser, text: str = "", value: dict | None = None) -> list:
        activity = h.client.in_channel(user, text)
        if value is not None:
            activity["value"] = value
        seq = h.channel.last_seq
        assert await h.client.post(activity) == 201
        return [s for s in h.channel.since(seq, channel)]

    await post(STAFF, "担当者に相談")
    sent = await post(STAFF, QUESTION)
    send = next(b for s in sent for b in buttons(s.activity) if b.title == "送信する")
    refused = await post(OUTSIDER, value=send.value)  # a colleague presses it first
    assert any("古いか、正しくありません" in str(s.activity) for s in refused)
    assert not await _exists(h)
    await post(STAFF, value=send.value)
    assert (await ticket(h)).requester_name == "林 和夫"


async def test_in_a_channel_the_mention_stays_out_of_the_consultation(h: Harness) -> None:
    # Teams puts <at>bot</at> before every channel message: a reply to the form (はい) must
    # send it, and no tag may reach the promoter
    channel = "19:dev-channel@thread.tacv2"
    for text in ("担当者に相談", QUESTION, "はい"):
        assert await h.client.post(h.client.in_channel(STAFF, text)) == 201
    created = await ticket(h)
    assert created.question == QUESTION and "<at>" not in json.dumps(created.model_dump(mode="json"))
    assert not any("<at>" in json.dumps(s.activity, ensure_ascii=False) for s in h.channel.since(0, channel))


async def _exists(h: Harness) -> bool:
    async with h.runtime.sessions() as session:
        return await t.get(session, 1) is not None


async def test_a_follow_up_that_cannot_reach_the_holder_is_not_chased(h: Harness, clock: ManualClock) -> None:
    await answered(h)  # Monday 10:00
    h.channel.faults = Faults(rate=1.0, statuses=(503,))  # Teams is down: the follow-up card waits
    await press(h, "staff", "まだ解決しない", followup="まだ容量が足りません")
    await h.runtime.drain()
    clock.set(datetime(2026, 5, 11, 14, 1, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    h.channel.faults = Faults()
    clock.set(datetime(2026, 5, 11, 14, 30, tzinfo=JST).astimezone(UTC))
    await h.runtime.drain()
    got = said(h, "promoter")
    assert "まだ容量が足りません" in got and "回答をお待ちしています" not in got


async def test_a_promoter_who_passed_it_on_neither_sees_it_waiting_nor_can_claim_it(h: Harness) -> None:
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "他の人に回す", reason="不在のため")
    assert "チケット 1 を総務課のデジタル活用推進員（代理）に回しました" in said(h, "promoter")
    await h.client.send("promoter", "対応待ち一覧")
    assert "対応待ちの相談はありません" in said(h, "promoter")
    await h.client.send("promoter", "", {"action": "ticket.claim", "ticket_id": 1})
    assert "チケット 1 はあなたが他の人に回したため、操作できません" in said(h, "promoter")
    await h.client.send("promoter", "チケット 1")
    shown = said(h, "promoter")
    assert "状況: 対応待ち" in shown and "対応します" not in shown
    assert (await ticket(h)).status == t.OPEN
    await h.client.send("backup", "対応待ち一覧")
    assert "1. [対応待ち]" in said(h, "backup")


async def test_a_reason_typed_after_its_hour_is_shown_before_the_ticket_is_passed_on(
    h: Harness, clock: ManualClock
) -> None:
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "他の人に回す")  # the reason box left empty: asked in the chat
    assert "チケット 1 を他の人に回す理由を入力してください" in said(h, "promoter")
    clock.advance(timedelta(hours=2))
    await h.client.send("promoter", "明日から出張で不在のため")
    shown = said(h, "promoter")
    assert "他の人に回す理由の入力の受付は終了していました" in shown
    assert "[入力欄: 回す理由] 明日から出張で不在のため" in shown
    assert "もしかして" not in shown and "FAQ が見つかりません" not in shown  # nor taken for a question
    assert "解決した" not in shown
    async with h.runtime.sessions() as session:
        assert [r.status for r in await t.recipients(session, 1)].count(t.PASSED) == 0
    await press(h, "promoter", "他の人に回す")  # the preview's button: what its box holds
    assert "チケット 1 を総務課のデジタル活用推進員（代理）に回しました" in said(h, "promoter")
    async with h.runtime.sessions() as session:
        assert any("明日から出張で不在のため" in e.note for e in await t.events(session, 1))


async def test_a_late_reason_for_a_ticket_cancelled_meanwhile_is_not_taken_for_a_question(
    h: Harness, clock: ManualClock
) -> None:
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "他の人に回す")
    await h.client.send("staff", "", {"action": "ticket.cancel", "ticket_id": 1})
    await h.runtime.drain()
    said(h, "promoter")
    clock.advance(timedelta(hours=2))
    await h.client.send("promoter", "明日から出張で不在のため")
    shown = said(h, "promoter")
    assert "チケットはほかの担当者に回していません" in shown and "状況: 取り消し" in shown, shown
    assert "もしかして" not in shown and "FAQ が見つかりません" not in shown


async def test_passing_a_ticket_with_a_button_ends_the_prompt_for_its_reason(h: Harness) -> None:
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "他の人に回す")  # the box empty: the reason is asked in the chat
    await h.client.send("promoter", "", {"action": "ticket.pass", "ticket_id": 1, "reason": "不在のため"})
    assert "に回しました" in said(h, "promoter")
    await h.client.send("promoter", "VPNが遅い")  # a question now, not a second reason
    shown = said(h, "promoter")
    assert "VPN" in shown and "操作できません" not in shown, shown


async def test_the_queue_command_tells_a_requester_where_their_own_tickets_are(h: Harness) -> None:
    await escalate(h)
    await h.client.send("staff", "対応待ち一覧")  # staff: no promoter role
    got = said(h, "staff")
    assert "推進員・DX推進スペシャリスト・ヘルプデスクの方" in got and "「相談状況」" in got
    await h.client.send("promoter", "対応待ち一覧")
    assert "1. [対応待ち]" in said(h, "promoter")


async def test_the_promoter_card_shows_only_faq_guesses_the_faq_would_offer(h: Harness) -> None:
    matcher = h.runtime.faq.current.matcher
    floor = matcher.settings.clarify_threshold
    dropped = 0
    for number, question in enumerate((QUESTION, "Teams の会議室予約で表示される会議室が足りない"), 1):
        candidates = matcher.match(question, limit=3).candidates
        await escalate(h, question)
        await h.runtime.drain()
        card = said(h, "promoter")
        assert f"相談が届きました（チケット {number}）" in card
        for c in candidates:
            shown = f"- {c.entry.question}（{round(c.score, 3):.0%}）" in card
            assert shown == (c.score >= floor), (c.entry.question, c.score)
            dropped += not shown
        if all(c.score < floor for c in candidates):
            assert "該当しそうな FAQ はありませんでした" in card
    assert dropped >= 2  # the questions do have weak candidates (else this tests nothing)


async def test_the_report_uses_one_set_of_terms_and_shows_the_whole_period(h: Harness) -> None:
    await escalate(h)
    await h.client.send("admin", "管理 相談集計 2026/05/01")
    report = said(h, "admin")
    assert "相談の集計（2026年5月1日(金)〜2026年5月11日(月)）" in report
    assert "1 件（未解決 1・解決 0）" in report and "未解決 1 件（対応待ち 1・対応中 0" in report
    assert "対応中 1" not in report
    await h.client.send("admin", "管理 相談集計 2026/01/05 2026/01/09")  # a week with none
    empty = said(h, "admin")
    assert "この期間の相談はありません。" in empty and "中央値 -" not in empty
    await h.client.send("admin", "管理 相談集計 2026/13/01")
    assert "2026/04/01 も使えます" in said(h, "admin")
    await h.client.send("admin", "管理 相談集計 2026-02-30")
    assert "日付「2026-02-30」は存在しません" in said(h, "admin")
    await h.client.send("admin", "管理 相談集計 2026-01-01 2026-01-02 2026-01-03")
    assert "使い方: 管理 相談集計" in said(h, "admin")
    await h.client.send("admin", "管理 " + "あ" * 5000)
    refused = said(h, "admin")
    assert "管理コマンド「" + "あ" * 20 + "…」はありません" in refused and len(refused) < 200
    await h.client.send("admin", "管理 FAQ提案 ＡＣＣＥＰＴ 99")
    assert "提案 99" in said(h, "admin")  # the verb in any width or case: not the usage text


async def test_when_some_could_not_be_reached_nobody_is_told_everyone_was(
    sqlite_url: str, faq_dir: Path, clock: ManualClock
) -> None:
    async with Harness(make_settings(sqlite_url, faq_dir=faq_dir), USERS, clock=clock) as h:
        for user in (PROMOTER, ADMIN):  # the backup and the rest never opened the bot
            await h.client.post(h.client.install(user))
        await escalate(h)
        await h.runtime.drain()
        for _ in range(6):
            clock.advance(timedelta(hours=8))
            await h.runtime.drain()
        staff, admin = said(h, "staff"), said(h, "admin")
        assert "担当者に届いていますが" in staff  # the promoter has it: true
        assert "どの担当者にも届いていません" not in staff
        assert "担当者全員に届きましたが" not in admin and "一部の担当者に届いていますが" in admin
        said(h, "backup")
        await h.client.post(h.client.install(BACKUP))  # opens the bot later
        for _ in range(3):
            clock.advance(timedelta(days=1))
            await h.runtime.drain()
        assert "相談が届きました" in said(h, "backup")  # the daily retry reaches them


async def test_an_answer_typed_in_chat_is_shown_before_it_goes(h: Harness) -> None:
    # the promoter presses 「回答する」 with the box empty, then asks the bot something: that
    # message must not reach the requester as the answer
    await escalate(h)
    await h.runtime.drain()
    await press(h, "promoter", "対応します")
    await press(h, "promoter", "回答する")
    assert "チケット 1 の回答を入力してください。送る前に内容を確認していただきます。" in said(h, "promoter")
    await h.client.send("promoter", "vpn 遅い")
    shown = said(h, "promoter")
    assert "チケット 1 の相談者に、次の回答を送ります" in shown and "[入力欄: 回答] vpn 遅い" in shown
    assert "お送りしました" not in shown
    await h.runtime.drain()
    assert (await ticket(h)).answer is None and "回答が届きました" not in said(h, "staff")
    # what the box holds when 「この内容で送る」 is pressed is what goes (edited there)
    await press(h, "promoter", "この内容で送る", answer=ANSWER)
    assert "チケット 1 の回答を相談者にお送りしました" in said(h, "promoter")
    await h.runtime.drain()
    assert (await ticket(h)).answer == ANSWER and ANSWER[:20] in said(h, "staff")
    await press(h, "promoter", "この内容で送る", answer="二度目")  # pressed again: one answer
    assert (await ticket(h)).answer == ANSWER


async def test_sent_with_the_question_box_emptied_keeps_the_details_and_urgency(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", "共有フォルダの容量を増やしたい")
    first = card_with(h, STAFF, "送信する")
    await press_on(h, STAFF, "送信する", question="", details="500GBほしい", urgency="urgent")
    reply = said(h, "staff")
    assert "質問欄が空でした。担当者に送る質問を入力してください (補足と緊急度は入力したまま残ります)。" in reply
    await h.client.send("staff", "共有フォルダの容量を増やす申請先を知りたい")
    shown = said(h, "staff")
    assert "[入力欄: 質問] 共有フォルダの容量を増やす申請先を知りたい" in shown
    assert "[入力欄: 補足（任意）] 500GBほしい" in shown and "(至急" in shown, shown
    assert "内容を更新しました" in {u.activity_id: render(u.activity) for u in updates(h, STAFF)}[first.activity_id]
    await h.client.send("staff", "はい")
    found = await ticket(h)
    assert (found.question, found.details, found.urgency) == (
        "共有フォルダの容量を増やす申請先を知りたい", "500GBほしい", t.URGENT)


async def test_a_draft_sent_with_the_question_box_emptied_survives_a_time_out(
    h: Harness, clock: ManualClock
) -> None:
    # asked for the question, the person leaves: the 補足 and urgency they submitted come back
    # on the card, with the question the card showed before, and nothing is sent meanwhile
    await emptied_box(h)
    clock.advance(timedelta(hours=2))
    await h.client.send("staff", "VPNが遅い")
    shown = said(h, "staff")
    assert "相談はまだ送信されていません" in shown
    assert "[入力欄: 質問] 共有フォルダの容量を増やしたい" in shown
    assert "[入力欄: 補足（任意）] 500GBほしい" in shown and "(至急" in shown, shown
    assert await no_ticket(h)
    await press_on(h, STAFF, "送信する")
    found = await ticket(h)
    assert (found.question, found.details, found.urgency) == ("共有フォルダの容量を増やしたい", "500GBほしい", t.URGENT)


async def emptied_box(h: Harness) -> None:
    """A 相談 whose card was sent with the question box emptied (the bot asks for it)."""
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", "共有フォルダの容量を増やしたい")
    await press_on(h, STAFF, "送信する", question="", details="500GBほしい", urgency="urgent")
    assert "質問欄が空でした" in said(h, "staff")


async def no_ticket(h: Harness) -> bool:
    async with h.runtime.sessions() as session:
        return await t.get(session, 1) is None


async def test_a_file_or_a_yes_where_the_question_was_asked_keeps_the_draft(h: Harness) -> None:
    await emptied_box(h)
    await h.client.post(h.client.activity(STAFF, text="", attachments=[
        {"contentType": "image/png", "name": "screen.png", "contentUrl": "https://smba.example/img/1"}]))
    assert "ファイルを受け取りました" in said(h, "staff")
    await h.client.send("staff", "はい")  # no question either: asked again, nothing sent
    assert "担当者に送る質問を文章で入力してください" in said(h, "staff") and await no_ticket(h)
    await h.client.send("staff", "共有フォルダの容量を増やす申請先を知りたい")
    shown = said(h, "staff")
    assert "[入力欄: 補足（任意）] 500GBほしい" in shown and "(至急" in shown and "screen.png" in shown, shown
    await h.client.send("staff", "はい")
    found = await ticket(h)
    assert (found.question, found.details, found.urgency) == ("共有フォルダの容量を増やす申請先を知りたい", "500GBほしい", t.URGENT)
    assert [a["name"] for a in found.attachments] == ["screen.png"]


async def test_a_yes_where_a_new_question_was_asked_is_not_the_question(h: Harness) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", "はい")
    await h.client.send("staff", "はい")
    assert "担当者に送る質問を文章で入力してください" in said(h, "staff") and await no_ticket(h)


async def test_the_question_box_emptied_on_a_draft_already_sent_says_it_was_sent(
    h: Harness, clock: ManualClock
) -> None:
    await h.client.send("staff", "担当者に相談")
    await h.client.send("staff", "共有フォルダの容量を増やしたい")
    await press_on(h, STAFF, "送信する")
    assert "チケット番号: 1" in said(h, "staff")
    await press_on(h, STAFF, "送信する", question="")  # the same card, on a second device
    reply = said(h, "staff")
    assert "質問欄が空でした" not in reply and "チケット 1" in reply, reply
    clock.advance(timedelta(hours=2))
    await h.client.send("staff", "VPNが遅い")
    assert "相談はまだ送信されていません" not in said(h, "staff")


@pytest.mark.parametrize(("typed", "prefilled"), [
    ("VPNが遅いので担当者に相談したい", "VPNが遅いので担当者に相談したい"),
    ("共有フォルダの容量を増やしたい。担当者に相談したい", "共有フォルダの容量を増やしたい。担当者に相談したい"),
    ("担当者に相談したい", None),
    ("人に聞きたいです。よろしくお願いします", None),  # politeness is no question
])
async def test_a_request_for_a_person_that_states_the_problem_is_not_asked_again(
    h: Harness, typed: str, prefilled: str | None
) -> None:
    await h.client.send("staff", typed)
    shown = said(h, "staff")
    if prefilled is None:
        assert "担当者に送る質問を入力してください" in shown and "[入力欄: 質問]" not in shown
    else:
        assert "担当者に送る質問を入力してください" not in shown
        assert f"[入力欄: 質問] {prefilled}" in shown


async def test_solved_or_not_typed_after_a_persons_answer_rates_the_ticket(h: Harness) -> None:
    await answered(h)
    await h.client.send("staff", "まだ解決しません")  # typed, not the button: asked what is left
    assert "どの点がまだ解決していないか教えてください" in said(h, "staff")
    await h.client.send("staff", "申請画面が開きません")
    await h.runtime.drain()
    found = await ticket(h)
    assert found.status == t.REOPENED and found.followup == "申請画面が開きません"
    assert "申請画面が開きません" in said(h, "promoter")
    await press(h, "promoter", "回答する", answer="ブラウザを Edge にしてください。")
    await h.runtime.drain()
    await h.client.send("staff", "解決しました")
    assert "チケット 1 を解決済みにしました" in said(h, "staff")
    assert (await ticket(h)).status == t.RESOLVED
    await h.client.send("staff", "解決しました")  # nothing left to rate: thanked, nothing changes
    reply = said(h, "staff")
    assert "チケット 1 を解決済みにしました" not in reply and "どういたしまして" in reply
    assert (await ticket(h)).status == t.RESOLVED
