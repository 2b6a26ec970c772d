"""The enrolment feature through the bot: double taps, forged or stale buttons, approvers,
admin commands, the profile first, reminders and the monthly nudge with a moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.devchannel.client import DevUser
from bot.devchannel.harness import Harness
from bot.devchannel.render import Button, buttons, render
from domain.clock import ManualClock
from domain.enrolment import Enrolment, EnrolmentAudit
from domain.jobs import Job
from domain.models import ConversationRefRow
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


async def test_the_last_seat_taken_while_confirming_asks_before_the_waitlist(h: Harness) -> None:
    # 佐藤 sees 「残り 1 席」 and agrees to a seat; 高橋 takes it first: 佐藤 is asked, not queued
    await to_confirm(h, "a", "全職員テスト研修", "6月17日(月) 15:00")  # to-small: 1 seat
    apply = button(h, "a", "申し込む")
    await to_confirm(h, "b", "全職員テスト研修", "6月17日(月) 15:00")
    await h.client.press("b", button(h, "b", "申し込む"))
    await h.client.press("a", apply)
    said = h.client.transcript("a")
    assert "確認の間に満席になりました（全職員テスト研修、6月17日(月) 15:00" in said
    assert [(e.user_id, e.status) for e in await enrolments(h)] == [(TAKAHASHI.aad_object_id, "enrolled")]
    await h.client.press("a", button(h, "a", "キャンセル待ちで申し込む"))
    assert "キャンセル待ち（1番目）" in h.client.transcript("a")
    assert sorted(e.status for e in await enrolments(h)) == ["enrolled", "waitlisted"]
    await h.client.send("a", "Udemyのキャンセル待ちの順番を知りたい")  # not an FAQ on Udemy: the status says
    said = h.client.transcript("a")
    assert "申込状況" in said and "キャンセル待ち（1番目）" in said


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
    assert "ご自身の申請は承認できません" in h.client.transcript("b")
    await h.client.send("c", "", {"action": "enrol.decline", "enrolment_id": pending.id})
    assert "承認者だけです" in h.client.transcript("c")
    assert [e.status for e in await enrolments(h)] == ["pending"]
    await h.client.send("a", "", {"action": "enrol.decline", "enrolment_id": pending.id})  # admin
    assert "「承認しない」としました" in h.client.transcript("a")
    await h.runtime.drain()
    assert "承認されませんでした" in h.client.transcript("b")
    assert [e.status for e in await enrolments(h)] == ["declined"]


async def test_an_admin_does_not_approve_their_own_application(h: Harness) -> None:
    await to_confirm(h, "a", "承認テスト研修", "7月3日(水) 09:30")
    await h.client.press("a", button(h, "a", "申し込む"))
    await h.runtime.drain()
    said = h.client.transcript("a")
    assert "申請中" in said and "承認依頼" not in said  # no card of her own to approve
    (pending,) = await enrolments(h)
    await h.client.send("a", "", {"action": "enrol.approve", "enrolment_id": pending.id})
    assert "ご自身の申請は承認できません" in h.client.transcript("a")
    assert [e.status for e in await enrolments(h)] == ["pending"]


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
    assert "日程ID（名簿は「管理 名簿 日程ID」）: to-small（6月17日(月) 15:00" in summary  # the ids rosters take
    await h.client.send("a", "管理 名簿 全職員テスト研修")  # a course: its sessions' ids to choose from
    which = h.client.transcript("a")
    assert "「全職員テスト研修」の名簿は日程ごとです" in which and "to-small（6月17日(月) 15:00" in which
    await h.client.send("a", "管理 名簿 承認テスト研修")  # a course with one session: its roster
    assert "名簿: 承認テスト研修" in h.client.transcript("a")
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


# ------------------------------------------------------------------ answered cards


def card_with(h: Harness, key: str, title: str) -> tuple[str, Button]:
    """The newest card sent to ``key`` with a button ``title``: (its activity id, the button)."""
    chat = h.client.users[key].personal_conversation
    for sent in reversed(h.client.channel.since(0, chat)):
        if sent.method != "send":
            continue
        found = [b for b in buttons(sent.activity) if b.title == title]
        if found:
            return sent.activity_id, found[0]
    raise AssertionError(f"no card with {title}")


async def press_on(h: Harness, key: str, card_id: str, pressed: Button) -> None:
    """Press a button the way Teams does: the press replies to the card's activity."""
    user = h.client.users[key]
    assert await h.client.post(h.client.activity(user, text="", value=pressed.value,
                                                 replyToId=card_id)) == 201


def updates_of(h: Harness, key: str, card_id: str) -> list[dict]:
    chat = h.client.users[key].personal_conversation
    return [s.activity for s in h.client.channel.since(0, chat)
            if s.method == "update" and s.activity_id == card_id]


async def test_stop_on_an_already_used_confirmation_tells_the_truth(h: Harness) -> None:
    await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")
    card_id, apply = card_with(h, "a", "申し込む")
    _, stop = card_with(h, "a", "やめる")
    await press_on(h, "a", card_id, apply)
    assert "申込が完了しました" in h.client.transcript("a")
    (closed,) = updates_of(h, "a", card_id)
    assert buttons(closed) == [] and "申込が完了しました" in render(closed)
    await press_on(h, "a", card_id, stop)  # the old card, still on another device
    said = h.client.transcript("a")
    assert "申込をやめました" not in said
    assert "すでに申し込まれています（6月24日(月) 15:00〜16:00、状態: 申込済）" in said
    assert "申込状況を見る" in said
    assert [e.status for e in await enrolments(h)] == ["enrolled"]


async def test_keep_on_an_already_cancelled_enrolment_tells_the_truth(h: Harness) -> None:
    await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")
    await h.client.press("a", button(h, "a", "申し込む"))
    await h.client.send("a", "申込状況")
    await h.client.press("a", button(h, "a", "「全職員テスト研修」を取り消す"))
    card_id, cancel = card_with(h, "a", "取り消す")
    _, keep = card_with(h, "a", "取り消さない")
    await press_on(h, "a", card_id, cancel)
    assert "申込を取り消しました" in h.client.transcript("a")
    assert buttons(updates_of(h, "a", card_id)[0]) == []
    await press_on(h, "a", card_id, keep)
    said = h.client.transcript("a")
    assert "すでに取り消されています" in said and "申込はそのままです" not in said


async def test_a_typed_answer_closes_the_card_it_answers(h: Harness) -> None:
    await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")
    card_id, _ = card_with(h, "a", "申し込む")
    await h.client.send("a", "申し込む")  # the button's own label, typed
    assert "申込が完了しました" in h.client.transcript("a")
    (closed,) = updates_of(h, "a", card_id)
    assert buttons(closed) == []


async def test_choices_and_answers_typed_the_way_people_say_them(h: Harness) -> None:
    # 「全職員」 names one course, 「オンラインのほうで」 the one session on Teams; a question
    # that merely mentions a choice is answered instead, and 「やっぱいいです」 declines
    c = h.client
    await c.send("b", "研修申込")
    await c.send("b", "全職員")
    assert "6月24日(月) 15:00" in c.transcript("b")
    await c.send("b", "オンライン会議のやり方を教えて")
    assert "申込内容の確認" not in c.transcript("b")  # a question: the choice waits
    await c.send("b", "VPNが遅い")  # answered from the FAQ under its question, then back to the choice
    assert "**VPNが遅い・切れるときはどうすればいいですか？**" in c.transcript("b")
    await c.send("b", "オンラインのほうで")
    said = c.transcript("b")
    assert "申込内容の確認" in said and "6月24日(月) 15:00" in said
    await c.send("b", "やっぱいいです")
    assert "申込をやめました。" in c.transcript("b") and not await enrolments(h)
    await c.send("b", "研修申込")
    await c.send("b", "全職員テスト研修")
    await c.send("b", "7/1")
    said = c.transcript("b")
    assert "申込内容の確認" in said and "7月1日(月) 15:00" in said


def test_a_typed_reply_picks_a_choice_only_when_it_names_one() -> None:
    from dialogs.enrol import named, pick, pick_options

    choices = pick_options(None, {
        "a": ["1", "職場内DX研修", "6月24日(月) 15:00", "オンライン"],
        "b": ["2", "新規採用職員研修", "7月1日(月) 15:00", "第2研修室"],
        "c": ["3", "新規採用職員研修", "7月8日(月) 15:00", "第2研修室"]}, "").validations["choices"]
    assert pick("２", choices) == "b" and pick("職場内", choices) == "a" and pick("7月1日", choices) == "b"
    assert pick("オンラインのほうで", choices) == "a" and pick("7/8", choices) is None  # (7/8 is no label)
    assert pick("研修", choices) is None  # all three
    assert pick("オンライン会議のやり方", choices) is None  # a question that mentions one
    assert pick("4", choices) is None and pick("職", choices) is None
    # a room two sessions share picks neither (the last one used to win, unsaid)
    assert pick("第２研修室", choices) is None and named("第２研修室で", choices) == {"b", "c"}
    assert pick("{'a': 1}", {"職場内dx研修": "a"}) is None and pick("職場内", {"職場内dx研修": "a"}) == "a"


def test_a_date_is_picked_as_said_and_never_inside_a_longer_number() -> None:
    from dialogs.enrol import named, pick, pick_options

    choices = pick_options(None, {
        "jan": ["1", "1月19日(月) 10:00", "1/19", "1月"],
        "nov": ["2", "11月9日(月) 10:00", "11/9", "11月"],
        "nov2": ["3", "11月19日(木) 10:00", "11/19", "11月"]}, "").validations["choices"]
    assert pick("1月の回", choices) == "jan" and pick("１月", choices) == "jan"  # not 11月
    assert pick("1月19日の回でお願いします", choices) == "jan" and pick("1/19で", choices) == "jan"
    assert pick("9日", choices) == "nov" and pick("11月9日の日程で", choices) == "nov"  # not 19日
    assert named("11月の回", choices) == {"nov", "nov2"}  # two in November: which one is asked
    assert pick("1/1", choices) is None  # not 1/19 nor 11/19
    assert pick("3でお願いします", choices) == "nov2"
    for said in ("6月24日の回を希望します", "6月24日の回をお願いします", "6月24日でお願いいたします",
                 "6月24日でよろしくお願いします", "6月24日にしたいです", "6月24日がいい",
                 "6月24日でお願いできますか？"):
        assert pick(said, {**choices, "6月24日(月)10:00": ["jun"]}) == "jun", said


def test_a_reply_that_rules_a_choice_out_never_picks_it() -> None:
    from bot.texts.enrolment import clock_words
    from dialogs.enrol import pick, pick_options

    choices = pick_options(None, {
        "a": ["1", "6月24日(月) 09:30", "6/24", "6月", *clock_words(datetime(2030, 6, 24, 0, 30, tzinfo=UTC)),
              "オンライン", "Teams"],
        "b": ["2", "7月1日(月) 13:00", "7/1", "7月", *clock_words(datetime(2030, 7, 1, 4, 0, tzinfo=UTC)),
              "第2研修室"]}, "").validations["choices"]
    for said in ("オンライン以外でお願いします", "オンライン以外を希望します", "Teams以外で", "6月は無理です",
                 "6月24日はだめ", "オンラインじゃないほうで", "オンライン不可"):
        assert pick(said, choices) is None, said
    # the time as people type it (09:30 is 「9:30」「9時半」, not inside 「19:30」)
    assert pick("9:30", choices) == "a" and pick("9時半の回", choices) == "a" and pick("13時で", choices) == "b"


@pytest.mark.parametrize(("shared", "one", "shown"), [
    ("第2研修室", "7/1", "7月1日(月) 15:00"),  # a room two sessions share
    ("6月の回", "6月24日の回でお願いします", "6月24日(月) 15:00"),  # a month with two, said as people do
])
async def test_a_reply_several_sessions_fit_asks_which(h: Harness, shared: str, one: str, shown: str) -> None:
    c = h.client
    await c.send("b", "研修申込")
    await c.send("b", "全職員テスト研修")
    await c.send("b", shared)
    said = c.transcript("b")
    assert f"「{shared}」に当てはまるものが複数あります。番号か日付で選んでください。" in said
    assert "申込内容の確認" not in said
    await c.send("b", one)
    said = c.transcript("b")
    assert "申込内容の確認" in said and shown in said


# ------------------------------------------------------------------ approvers out of reach


APPROVAL_COURSE = """courses:
  - id: appr
    title: 承認テスト研修
    category: DX推進スペシャリスト養成
    approval_required: true
    approvers: [{approver}]
    sessions:
      - {{id: ap-1, start: 2030-07-03 09:30, end: "17:00", venue: 研修室, capacity: 5,
          deadline: 2030-06-26}}
"""
OKADA = DevUser("o", "岡田 結衣", "7d0c0a4e-0000-4000-8000-0000000000aa",
                "okada.yui@pref.example.lg.jp")  # in the directory without an Entra object id
YAMAMOTO = DevUser("h", "山本 健一", "35a10aea-85fa-5f30-b1e1-0bffc872ef18",
                   "yamamoto.kenichi@pref.example.lg.jp")  # 所属長 of 高橋's unit (DIG-01)


async def _approval_harness(sqlite_url: str, tmp_path, approver: str) -> Harness:
    (tmp_path / "courses.yaml").write_text(APPROVAL_COURSE.format(approver=approver),
                                           encoding="utf-8")
    return Harness(make_settings(sqlite_url, courses_dir=tmp_path), [*USERS, OKADA, YAMAMOTO],
                   clock=ManualClock(START))


async def apply_for_approval(h: Harness) -> None:
    await to_confirm(h, "b", "承認テスト研修", "7月3日(水) 09:30")
    await h.client.press("b", button(h, "b", "申し込む"))
    assert "申請中" in h.client.transcript("b")
    await h.runtime.drain()


async def test_an_approver_without_an_entra_id_is_found_through_their_chat(
    sqlite_url: str, tmp_path
) -> None:
    async with await _approval_harness(sqlite_url, tmp_path, OKADA.upn) as h:
        await h.client.send("o", "ヘルプ")
        async with h.runtime.sessions() as db, db.begin():  # the handler keeps the UPN
            ref = (await db.execute(select(ConversationRefRow).where(
                ConversationRefRow.user_id == OKADA.aad_object_id))).scalar_one()
            ref.upn = OKADA.upn
        h.client.transcript("o")
        await apply_for_approval(h)
        assert "研修申込の承認依頼" in h.client.transcript("o")
        assert "連絡がつかない" not in h.client.transcript("b")


async def test_the_applicants_own_head_of_unit_approves(sqlite_url: str, tmp_path) -> None:
    async with await _approval_harness(sqlite_url, tmp_path, "所属長") as h:
        await h.client.send("h", "ヘルプ")  # 山本 has a chat with the bot
        await h.client.send("c", "ヘルプ")  # so has 中村, who is not 高橋's 所属長
        h.client.transcript("h"), h.client.transcript("c")
        await apply_for_approval(h)
        to_head = h.client.transcript("h")
        assert "研修申込の承認依頼" in to_head and "高橋 翔太" in to_head
        assert "承認依頼" not in h.client.transcript("c")
        assert "連絡がつかない" not in h.client.transcript("b")
        await h.client.press("h", button(h, "h", "承認する"))
        await h.runtime.drain()
        assert "承認されました" in h.client.transcript("b")


async def test_nobody_to_ask_tells_the_applicant_and_asks_the_admins(
    sqlite_url: str, tmp_path
) -> None:
    async with await _approval_harness(sqlite_url, tmp_path, OKADA.upn) as h:
        await h.client.send("a", "ヘルプ")  # 佐藤 (admin) has a chat with the bot
        h.client.transcript("a")
        await apply_for_approval(h)
        assert "承認者に連絡がつかないため、管理者に確認しています" in h.client.transcript("b")
        to_admin = h.client.transcript("a")
        assert "承認者に承認依頼を届けられませんでした" in to_admin and "高橋 翔太" in to_admin
        await h.client.press("a", button(h, "a", "承認する"))
        await h.runtime.drain()
        assert "承認されました" in h.client.transcript("b")


async def test_an_approval_card_that_cannot_be_delivered_counts_as_nobody_asked(
    sqlite_url: str, tmp_path
) -> None:
    # 中村 has an Entra id but never opened a chat with the bot: the card ends unreachable.
    async with await _approval_harness(sqlite_url, tmp_path, NAKAMURA.upn) as h:
        await h.client.send("a", "ヘルプ")
        h.client.transcript("a")
        await apply_for_approval(h)
        assert "承認者に連絡がつかないため" in h.client.transcript("b")
        assert "承認者に承認依頼を届けられませんでした" in h.client.transcript("a")
        async with h.runtime.sessions() as db:
            notes = (await db.execute(select(EnrolmentAudit).where(
                EnrolmentAudit.action == "no_approver"))).scalars().all()
        assert len(notes) == 1
        await h.runtime.drain()  # a second run of the hooks does not repeat the notice
        assert "連絡がつかない" not in h.client.transcript("b")


async def test_seats_added_in_the_catalogue_go_to_the_waitlist(sqlite_url: str, tmp_path) -> None:
    catalogue = tmp_path / "courses.yaml"
    catalogue.write_text((COURSES / "courses.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    async with Harness(make_settings(sqlite_url, courses_dir=tmp_path), USERS,
                       clock=ManualClock(START)) as h:
        for key in ("a", "b", "c"):  # one seat: one enrolled, two waiting
            await to_confirm(h, key, "全職員テスト研修", "6月17日(月) 15:00")
            await h.client.press(key, button(h, key, "申し込む"))
        assert [e.status for e in await enrolments(h)] == ["enrolled", "waitlisted", "waitlisted"]
        h.client.transcript("b")
        catalogue.write_text(
            catalogue.read_text(encoding="utf-8").replace("第2研修室, capacity: 1,", "第2研修室, capacity: 2,"),
            encoding="utf-8",
        )
        assert not (await h.runtime.catalogue.reload()).stale
        await h.runtime.drain()
        assert [e.status for e in await enrolments(h)] == ["enrolled", "enrolled", "waitlisted"]
        assert "空きが出たため、申込が確定しました" in h.client.transcript("b")
        assert "申込が確定しました" not in h.client.transcript("c")


async def test_a_second_press_of_change_tells_the_truth(h: Harness) -> None:
    await to_confirm(h, "b", "全職員テスト研修", "6月24日(月) 15:00")
    await h.client.press("b", button(h, "b", "申し込む"))
    (first,) = await enrolments(h)
    change = {"action": "enrol.change", "enrolment_id": first.id, "session_id": "to-late"}
    await h.client.send("b", "", change)
    h.client.transcript("b")
    await h.client.send("b", "", change)  # a double tap, or the card on another device
    again = h.client.transcript("b")
    assert "すでに申し込まれています（7月1日(月) 15:00" in again
    assert "取り消し済み" not in again


async def test_an_enrolment_whose_session_was_removed_can_be_seen_and_withdrawn(
    sqlite_url: str, tmp_path
) -> None:
    catalogue = tmp_path / "courses.yaml"
    original = (COURSES / "courses.yaml").read_text(encoding="utf-8")
    catalogue.write_text(original, encoding="utf-8")
    async with Harness(make_settings(sqlite_url, courses_dir=tmp_path), USERS,
                       clock=ManualClock(START)) as h:
        await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")
        older = button(h, "a", "申し込む")
        await to_confirm(h, "a", "全職員テスト研修", "6月17日(月) 15:00")
        await h.client.press("a", button(h, "a", "申し込む"))
        (enrolment,) = await enrolments(h)
        kept = [ln for ln in original.splitlines() if "id: to-small" not in ln]
        catalogue.write_text("\n".join(kept) + "\n", encoding="utf-8")
        assert not (await h.runtime.catalogue.reload()).stale
        await h.runtime.drain()  # 佐藤 is also an admin: told once that an enrolment remains
        told = h.client.transcript("a")
        assert "日程 to-small（全職員テスト研修）は研修カタログから外れましたが、申込が 1 件残っています" in told
        assert not (await h.runtime.catalogue.reload()).stale
        await h.runtime.drain()
        assert "申込が 1 件残っています" not in h.client.transcript("a")

        await h.client.press("a", older)  # a confirmation card for another session, from before
        refused = h.client.transcript("a")
        assert "研修カタログから外れた日程で申し込み済みです" in refused and "to-small" not in refused
        await h.client.send("a", "申込状況")
        listed = h.client.transcript("a")
        assert "全職員テスト研修" in listed and "日程 to-small（研修カタログから外れました）" in listed
        assert any("取り消す" in b.title for b in h.client.last_buttons("a"))
        await h.client.send("a", "", {"action": "enrol.cancel", "enrolment_id": enrolment.id})
        assert "取り消しました" in h.client.transcript("a")
        assert [e.status for e in await enrolments(h)] == ["cancelled"]
        await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")  # no longer stuck


async def test_a_waitlist_place_and_an_undecided_application_end_when_the_session_begins(
    h: Harness,
) -> None:
    clock: ManualClock = h.runtime.clock  # type: ignore[assignment]
    await h.client.send("a", "申込状況")  # 佐藤 (admin, the approver) has a chat with the bot
    for key in ("c", "b"):  # to-small has one seat: 中村 sits, 高橋 waits
        await to_confirm(h, key, "全職員テスト研修", "6月17日(月) 15:00")
        await h.client.press(key, button(h, key, "申し込む"))
    await to_confirm(h, "b", "承認テスト研修", "7月3日(水) 09:30")
    await h.client.press("b", button(h, "b", "申し込む"))
    await h.runtime.drain()
    approval_id, _ = card_with(h, "a", "承認する")
    h.client.transcript("b")
    clock.set(datetime(2030, 6, 17, 14, 59, tzinfo=TOKYO))
    await h.runtime.drain()
    assert "キャンセル待ちを終了しました" not in h.client.transcript("b")
    clock.set(datetime(2030, 6, 17, 15, 0, tzinfo=TOKYO))
    await h.runtime.drain()
    said = h.client.transcript("b")
    assert "キャンセル待ちのまま研修の開催日になったため、キャンセル待ちを終了しました" in said
    assert "全職員テスト研修" in said and "承認" not in said
    assert "終了しました" not in h.client.transcript("c")  # the seat holder attends
    await h.client.send("c", "研修申込")  # and later sees that session as taken, not as closed
    await h.client.press("c", button(h, "c", "【申込済】全職員テスト研修"))
    said = h.client.transcript("c")
    assert "この日程は終了しました。もう一度受講したいときは、研修担当にご相談ください。" in said
    assert "申込締切を過ぎているため" not in said
    # the course is open to 高橋 again: the sign-up offers its later sessions, not 「申込済」
    await h.client.send("b", "研修申込")
    await h.client.press("b", button(h, "b", "全職員テスト研修"))  # not 【申込済】
    said = h.client.transcript("b")
    assert "すでに申し込まれています" not in said and "7月1日(月) 15:00" in said
    await h.client.press("b", next(b for b in h.client.last_buttons("b") if "7月1日" in b.title))
    await h.client.press("b", button(h, "b", "申し込む"))
    assert "申込が完了しました" in h.client.transcript("b")
    # nobody decided on the approval before 7月3日 09:30: it ends, and the approver's card says so
    clock.set(datetime(2030, 7, 3, 9, 30, tzinfo=TOKYO))
    await h.runtime.drain()
    assert "承認されないまま研修の開催日になったため、この申請を終了しました" in h.client.transcript("b")
    (closed,) = updates_of(h, "a", approval_id)
    assert buttons(closed) == [] and "承認は不要になりました" in render(closed)
    assert [(e.session_id, e.status) for e in await enrolments(h) if e.user_id == TAKAHASHI.aad_object_id] == [
        ("to-small", "lapsed"), ("ta-01", "lapsed"), ("to-late", "enrolled")]


async def test_a_session_moved_earlier_ends_its_waitlist_at_the_new_time(
    sqlite_url: str, tmp_path
) -> None:
    catalogue = tmp_path / "courses.yaml"
    catalogue.write_text((COURSES / "courses.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    async with Harness(make_settings(sqlite_url, courses_dir=tmp_path), USERS,
                       clock=ManualClock(START)) as h:
        for key in ("c", "b"):
            await to_confirm(h, key, "全職員テスト研修", "6月17日(月) 15:00")
            await h.client.press(key, button(h, key, "申し込む"))
        catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(
            "start: 2030-06-17 15:00, end: \"16:00\", venue: 第2研修室, capacity: 1, deadline: 2030-06-14",
            "start: 2030-06-13 15:00, end: \"16:00\", venue: 第2研修室, capacity: 1, deadline: 2030-06-10"),
            encoding="utf-8")
        assert not (await h.runtime.catalogue.reload()).stale
        await h.runtime.drain()
        h.client.transcript("b")
        h.runtime.clock.set(datetime(2030, 6, 13, 15, 0, tzinfo=TOKYO))  # type: ignore[attr-defined]
        await h.runtime.drain()
        assert "キャンセル待ちを終了しました" in h.client.transcript("b")


async def test_what_the_bot_cannot_do_names_whom_to_ask(sqlite_url: str) -> None:
    # the course's contact (承認テスト研修) or else TRAINING_CONTACT (the others)
    settings = make_settings(sqlite_url, courses_dir=COURSES,
                             training_contact="デジタル社会推進局 DX人材育成担当 (内線2310)")
    async with Harness(settings, USERS, clock=ManualClock(START)) as h:
        await h.client.send("a", "申込状況")  # the approver has a chat with the bot
        await to_confirm(h, "b", "全職員テスト研修", "6月17日(月) 15:00")
        await h.client.press("b", button(h, "b", "申し込む"))
        await to_confirm(h, "b", "承認テスト研修", "7月3日(水) 09:30")
        await h.client.press("b", button(h, "b", "申し込む"))
        await h.runtime.drain()
        await h.client.press("a", card_with(h, "a", "承認しない")[1])
        await h.runtime.drain()
        assert ("承認されませんでした。詳しくは人事課 研修係 (内線2201)へお問い合わせください"
                in h.client.transcript("b"))
        h.runtime.clock.set(datetime(2030, 6, 15, tzinfo=TOKYO))  # type: ignore[attr-defined]
        (seat,) = [e for e in await enrolments(h) if e.session_id == "to-small"]
        await h.client.send("b", "", {"action": "enrol.cancel_ask", "enrolment_id": seat.id})
        assert ("欠席する場合はデジタル社会推進局 DX人材育成担当 (内線2310)へご連絡ください"
                in h.client.transcript("b"))


async def test_a_seat_gone_while_confirming_a_change_keeps_the_old_seat_and_asks(h: Harness) -> None:
    # 高橋 holds 6月24日 and is shown 6月17日's last seat; 中村 takes it first
    c = h.client
    await to_confirm(h, "b", "全職員テスト研修", "6月24日(月) 15:00")
    await c.press("b", button(h, "b", "申し込む"))
    await c.send("b", "研修申込")
    await c.press("b", button(h, "b", "【申込済】全職員テスト研修"))
    await c.press("b", button(h, "b", "日程を変更する"))
    await c.press("b", next(b for b in c.last_buttons("b") if "6月17日" in b.title))
    change = button(h, "b", "変更する")
    assert "満席" not in c.transcript("b")
    await to_confirm(h, "c", "全職員テスト研修", "6月17日(月) 15:00")
    await c.press("c", button(h, "c", "申し込む"))
    await c.press("b", change)
    said = c.transcript("b")
    assert "確認の間に新しい日程が満席になりました（全職員テスト研修、6月17日(月) 15:00" in said
    assert "今の申込はそのままです" in said and "日程を変更しました" not in said
    mine = [(e.session_id, e.status) for e in await enrolments(h) if e.user_id == TAKAHASHI.aad_object_id]
    assert mine == [("to-last", "enrolled")]
    assert [b.title for b in c.last_buttons("b")] == ["キャンセル待ちで変更する", "今の日程のままにする"]
    await c.press("b", button(h, "b", "今の日程のままにする"))
    assert "日程の変更をやめました。申込はそのままです（6月24日(月) 15:00" in c.transcript("b")
    await c.press("b", button(h, "b", "キャンセル待ちで変更する"))  # they change their mind
    assert "キャンセル待ち（1番目）" in c.transcript("b")
    mine = [(e.session_id, e.status) for e in await enrolments(h) if e.user_id == TAKAHASHI.aad_object_id]
    assert mine == [("to-last", "cancelled"), ("to-small", "waitlisted")]


async def test_my_enrolments_has_the_meeting_link_of_an_online_seat(h: Harness) -> None:
    await to_confirm(h, "a", "全職員テスト研修", "6月24日(月) 15:00")  # to-last: on Teams
    await h.client.press("a", button(h, "a", "申し込む"))
    await h.client.send("a", "申込状況")
    links = [b for b in h.client.last_buttons("a") if b.kind == "openUrl"]
    assert [(b.title, b.value) for b in links] == [
        ("Teams 会議に参加", "https://teams.microsoft.com/l/meetup-join/to-last")]
    assert button(h, "a", "「全職員テスト研修」を取り消す")
    clock: ManualClock = h.runtime.clock  # type: ignore[assignment]
    clock.set(datetime(2030, 6, 24, 15, 5, tzinfo=TOKYO))  # joining late: the link is still there
    await h.client.send("a", "申込状況")
    assert [b.title for b in h.client.last_buttons("a")] == ["Teams 会議に参加"]
    clock.set(datetime(2030, 6, 24, 16, 0, tzinfo=TOKYO))  # over
    await h.client.send("a", "申込状況")
    assert "現在お申し込み中の研修はありません" in h.client.transcript("a")


async def test_a_withdrawal_asked_before_the_lapse_and_answered_after_it_says_so(h: Harness) -> None:
    for key in ("c", "b"):  # 高橋 waits for to-small
        await to_confirm(h, key, "全職員テスト研修", "6月17日(月) 15:00")
        await h.client.press(key, button(h, key, "申し込む"))
    await h.client.send("b", "申込状況")
    await h.client.press("b", button(h, "b", "「全職員テスト研修」を取り消す"))
    keep, cancel = button(h, "b", "取り消さない"), button(h, "b", "取り消す")
    h.runtime.clock.set(datetime(2030, 6, 17, 15, 0, tzinfo=TOKYO))  # type: ignore[attr-defined]
    await h.runtime.drain()
    h.client.transcript("b")
    for pressed in (keep, cancel):
        await h.client.press("b", pressed)
        said = h.client.transcript("b")
        assert "開催日までに確定しなかったため、すでに終了しています" in said
        assert "申込はそのままです" not in said and "取り消し済みか" not in said


@pytest.mark.parametrize(("course", "typed", "session"), [
    ("全職員テスト研修", "一番最初", "6月17日(月) 15:00〜16:00"),
    ("全職員テスト研修", "いちばんはやいの", "6月17日(月) 15:00〜16:00"),
    ("全職員テスト研修", "一番最後", "7月1日(月) 15:00〜16:00"),
    ("【必須】主査級テスト研修", "最初", "6月10日(月) 13:30〜16:30"),  # one session listed: it, not the FAQ
])
async def test_the_earliest_or_latest_session_as_people_say_it(
    h: Harness, course: str, typed: str, session: str
) -> None:
    await h.client.send("a", "研修申込")
    await h.client.press("a", button(h, "a", course))
    await h.client.send("a", typed)
    said = h.client.transcript("a")
    assert "申込内容の確認" in said and session in said


async def test_back_closes_the_confirmation_and_a_licence_goes_back_to_the_courses(h: Harness) -> None:
    await to_confirm(h, "a", "全職員テスト研修", "6月17日(月) 15:00")
    card_id, _ = card_with(h, "a", "申し込む")
    await h.client.send("a", "いや、戻る")
    assert "日程を選んでください" in h.client.transcript("a")
    (closed,) = updates_of(h, "a", card_id)  # no button left to apply for the session left behind
    assert buttons(closed) == [] and "選び直しました" in render(closed)
    await h.client.send("a", "キャンセル")
    await h.client.send("a", "研修申込")
    await h.client.press("a", button(h, "a", "テスト e-ラーニング"))  # a licence: no sessions
    assert "申込内容の確認" in h.client.transcript("a")
    await h.client.send("a", "戻る")
    assert "申し込む研修を選んでください" in h.client.transcript("a")
    assert "申し込む" not in [b.title for b in h.client.last_buttons("a")]  # not the same card again


async def test_a_bot_started_with_a_broken_catalogue_says_so_quietly_and_fills_once_fixed(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    courses = tmp_path / "courses"
    shutil.copytree(COURSES, courses)
    good = {p: p.read_text(encoding="utf-8") for p in courses.glob("*.yaml")}
    for path, text in good.items():  # no kept copy to fall back on: nothing has loaded yet
        path.write_text(text.replace("capacity: ", "capacity: -", 1), encoding="utf-8")
    caplog.set_level("ERROR")
    settings = make_settings(sqlite_url, courses_dir=courses)
    async with Harness(settings, USERS, clock=ManualClock(START)) as h:
        assert not h.runtime.catalogue.status.ready
        await h.client.send("a", "研修申込")
        assert "Traceback" not in h.client.transcript("a")
        for path, text in good.items():
            path.write_text(text, encoding="utf-8")
        assert (await h.runtime.catalogue.reload()).ready
        await asyncio.gather(*h.runtime.services["capacity_tasks"])  # the fill after the load ran
    # the file's error is logged with its line; no traceback from a fill with nothing loaded
    assert any("定員" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
