"""Ticket domain rules without botbuilder: the state machine and its audit trail, business
time, routing by the directory, FAQ proposals and the report."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError
from bot.db import create_engine, migrate, session_factory
from domain import ticket_proposals as proposals
from domain import ticket_report
from domain import tickets as t
from domain.ticket_hours import JST, BusinessCalendar, parse_closed, parse_days, parse_hours
from domain.ticket_routing import plan
from domain.tickets import ACTIONS, Actor, InvalidTransition, Ticket, TicketError
from knowledge.dates import parse_day
from knowledge.directory import build_directory
from knowledge.faq import load_faq
from tests.conftest import ROOT, make_settings

NOW = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)  # Monday 10:00 in Japan
PROMOTER = Actor("p-1", "山崎 亮")
REQUESTER = Actor("r-1", "林 和夫")


class Recorder:
    """Stands in for a session: ``apply`` only adds objects."""

    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, obj: Any) -> None:
        self.added.append(obj)

    @property
    def events(self) -> list[t.TicketEvent]:
        return [o for o in self.added if isinstance(o, t.TicketEvent)]


def ticket(status: str = t.OPEN) -> Ticket:
    return Ticket(id=7, request_key="k" * 32, requester_id=REQUESTER.user_id, question="VPN が遅い",
                  status=status, created_at=NOW)


# ------------------------------------------------------------------ the state machine


def test_the_whole_lifecycle_records_who_did_what_and_when() -> None:
    s, tk = Recorder(), ticket()
    steps = [
        ("claim", PROMOTER, None, t.CLAIMED),
        ("answer", PROMOTER, "再起動してください", t.ANSWERED),
        ("reopen", REQUESTER, "まだ遅いです", t.REOPENED),
        ("answer", PROMOTER, "回線を変えてください", t.ANSWERED),
        ("resolve", REQUESTER, None, t.RESOLVED),
    ]
    for minute, (action, actor, text, after) in enumerate(steps):
        t.apply(s, tk, action, actor, NOW + timedelta(minutes=minute), text=text)  # type: ignore[arg-type]
        assert tk.status == after
    trail = [(e.action, e.actor_name, e.from_status, e.to_status, e.at) for e in s.events]
    assert trail == [
        ("claim", "山崎 亮", "open", "claimed", NOW),
        ("answer", "山崎 亮", "claimed", "answered", NOW + timedelta(minutes=1)),
        ("reopen", "林 和夫", "answered", "reopened", NOW + timedelta(minutes=2)),
        ("answer", "山崎 亮", "reopened", "answered", NOW + timedelta(minutes=3)),
        ("resolve", "林 和夫", "answered", "resolved", NOW + timedelta(minutes=4)),
    ]
    assert tk.assignee_id == PROMOTER.user_id and tk.answers == 2
    assert tk.claimed_at == NOW and tk.resolved_at == NOW + timedelta(minutes=4)
    assert tk.followup == "まだ遅いです" and tk.answer == "回線を変えてください"


_ALL = [(status, action) for status, action in itertools.product(t.STATUSES, ACTIONS)
        if status not in ACTIONS[action][0]]


@pytest.mark.parametrize(("status", "action"), _ALL)
def test_every_transition_the_table_does_not_allow_is_refused(status: str, action: str) -> None:
    s, tk = Recorder(), ticket(status)
    with pytest.raises(InvalidTransition):
        t.apply(s, tk, action, PROMOTER, NOW, text="x")
    assert tk.status == status and s.added == []


def test_answering_an_open_ticket_claims_it_and_an_empty_answer_changes_nothing() -> None:
    s, tk = Recorder(), ticket()
    with pytest.raises(TicketError):
        t.apply(s, tk, "answer", PROMOTER, NOW, text="  ")
    assert tk.status == t.OPEN and tk.assignee_id is None and s.added == []
    t.apply(s, tk, "answer", PROMOTER, NOW, text="こうします")
    assert (tk.status, tk.assignee_name, tk.claimed_at) == (t.ANSWERED, "山崎 亮", NOW)


def test_escalating_releases_the_claim_and_cancel_closes() -> None:
    s, tk = Recorder(), ticket()
    t.apply(s, tk, "claim", PROMOTER, NOW)
    t.apply(s, tk, "escalate", PROMOTER, NOW, "所管外のため")
    assert tk.status == t.OPEN and tk.assignee_id is None
    assert s.events[-1].note == "所管外のため"
    t.apply(s, tk, "cancel", REQUESTER, NOW)
    assert tk.status == t.CANCELLED and tk.resolved_at == NOW


# ------------------------------------------------------------------ business time


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


CAL = BusinessCalendar()


@pytest.mark.parametrize(("start", "minutes", "due"), [
    (jst(2026, 5, 11, 10, 0), 120, jst(2026, 5, 11, 12, 0)),        # within the day
    (jst(2026, 5, 11, 16, 45), 120, jst(2026, 5, 12, 10, 0)),       # 30 min today, 90 tomorrow
    (jst(2026, 5, 11, 7, 0), 30, jst(2026, 5, 11, 9, 0)),           # before opening
    (jst(2026, 5, 8, 17, 0), 30, jst(2026, 5, 11, 8, 45)),          # Friday → Monday
    (jst(2026, 5, 1, 17, 0), 30, jst(2026, 5, 7, 8, 45)),           # Golden Week (5/3–5/6)
    (jst(2026, 12, 28, 17, 0), 30, jst(2027, 1, 4, 8, 45)),         # 年末年始 12/29–1/3
    (jst(2026, 7, 17, 17, 0), 60, jst(2026, 7, 21, 9, 15)),         # 海の日 (7/20)
])
def test_business_minutes_skip_nights_weekends_holidays_and_year_end(
    start: datetime, minutes: int, due: datetime
) -> None:
    assert CAL.add(start, minutes) == due


def test_business_days_and_custom_hours() -> None:
    assert CAL.add_days(jst(2026, 5, 11, 10, 0), 3) == jst(2026, 5, 14, 10, 0)
    assert CAL.add_days(jst(2026, 5, 1, 10, 0), 3) == jst(2026, 5, 11, 10, 0)
    six_days = BusinessCalendar.from_text("9:00-18:00", "月-土", "")
    assert six_days.add(jst(2026, 5, 9, 17, 30), 60) == jst(2026, 5, 11, 9, 30)  # Sat → Mon
    assert not six_days.is_business_day(jst(2026, 5, 4).date())  # みどりの日


def test_parsing_business_settings() -> None:
    assert parse_days("mon-fri") == parse_days("月-金") == parse_days("月火水木金") == frozenset(range(5))
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_closed("12-29, 01-03") == {(12, 29), (1, 3)}
    assert parse_hours("０８:３０〜１７:１５")[1].hour == 17
    for bad, parse in (("17:00-08:00", parse_hours), ("8時から", parse_hours), ("funday", parse_days),
                       ("13-01", parse_closed)):
        with pytest.raises(ValueError):
            parse(bad)


def test_bad_business_hours_stop_start_up_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", business_hours="17:00-9:00")
    assert "BUSINESS_HOURS" in str(caught.value) and "開始が終了より前" in str(caught.value)


# ------------------------------------------------------------------ routing


@pytest.fixture(scope="module")
def directory():  # type: ignore[no-untyped-def]
    return build_directory(ROOT / "content/org")


def names(levels) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    return [(lv.role + ("*" if lv.backup else ""), [p.name for p in lv.people]) for lv in levels]


def test_the_chain_primary_then_backups_then_specialists_then_the_central_office(directory) -> None:  # type: ignore[no-untyped-def]
    assert names(plan(directory, "SOM-01", "hayashi.kazuo@pref.example.lg.jp")) == [
        ("promoter", ["山崎 亮"]),
        ("promoter*", ["清水 恵子"]),
        ("specialist", ["阿部 誠", "清水 恵子"]),
        ("helpdesk", ["佐藤 花子", "青木 智也", "藤井 舞"]),
    ]


def test_a_unit_without_promoters_goes_straight_up_and_nobody_gets_their_own_question(directory) -> None:  # type: ignore[no-untyped-def]
    assert names(plan(directory, "DOB-02"))[0] == ("specialist", ["近藤 勇"])
    own = names(plan(directory, "SOM-01", "YAMAZAKI.RYO@pref.example.lg.jp"))
    assert own[0] == ("promoter", ["清水 恵子"]) and own[1][0] == "specialist"
    assert names(plan(directory, None)) == [("helpdesk", ["佐藤 花子", "青木 智也", "藤井 舞"])]


# ------------------------------------------------------------------ FAQ proposals


def test_an_accepted_entry_is_a_valid_faq_file_and_accepting_again_replaces_it(tmp_path: Path) -> None:
    proposal = proposals.FaqProposal(
        id=3, question="共有フォルダの容量を増やしたい", alternates=["フォルダがいっぱいで保存できない"],
        answer="総務事務システムから申請します。\n所属長の承認が必要です。", category="PC・機器",
        proposed_by_id="p", created_at=NOW,
    )
    path = proposals.write_entry(tmp_path, proposals.as_entry(proposal))
    proposal.answer = "新しい回答"
    proposals.write_entry(tmp_path, proposals.as_entry(proposal))
    load = load_faq(tmp_path)
    assert load.errors == []
    [entry] = load.entries
    assert (entry.id, entry.answer, entry.alternates) == ("proposal-3", "新しい回答", ("フォルダがいっぱいで保存できない",))
    first = proposals.as_entry(proposal) | {"id": "proposal-4", "answer": "一行目\n二行目"}
    proposals.write_entry(tmp_path, first)
    assert "answer: |" in path.read_text(encoding="utf-8")
    assert [e["id"] for e in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]] == [
        "proposal-3", "proposal-4"]


@pytest.mark.parametrize("layout", [
    "entries:\n  - {id: hand-1, question: 退庁時刻は, answer: 17:15, tags: [yes, 0101]}\n",
    "faq:\n  - {id: hand-1, question: 退庁時刻は, answer: 17:15, tags: [yes, 0101]}\n",
    "- {id: hand-1, question: 退庁時刻は, answer: 17:15, tags: [yes, 0101]}\n",
])
def test_accepting_keeps_hand_written_entries_as_written_in_any_layout(tmp_path: Path, layout: str) -> None:
    (tmp_path / proposals.ACCEPTED_FILE).write_text(layout, encoding="utf-8")
    proposal = proposals.FaqProposal(id=5, question="新しい質問", answer="新しい回答", proposed_by_id="p",
                                     created_at=NOW)
    proposals.write_entry(tmp_path, proposals.as_entry(proposal))
    load = load_faq(tmp_path)
    assert load.errors == []
    by_id = {e.id: e for e in load.entries}
    assert set(by_id) == {"hand-1", "proposal-5"}
    assert (by_id["hand-1"].answer, by_id["hand-1"].tags) == ("17:15", ("yes", "0101"))


def test_accepting_into_a_file_it_cannot_read_refuses_and_keeps_the_file(tmp_path: Path) -> None:
    broken = "entries:\n  - {id: hand-1, question: [\n"
    (tmp_path / proposals.ACCEPTED_FILE).write_text(broken, encoding="utf-8")
    proposal = proposals.FaqProposal(id=6, question="q", answer="a", proposed_by_id="p", created_at=NOW)
    with pytest.raises(TicketError) as caught:
        proposals.write_entry(tmp_path, proposals.as_entry(proposal))
    assert caught.value.code == "proposals_file"
    assert (tmp_path / proposals.ACCEPTED_FILE).read_text(encoding="utf-8") == broken


@pytest.fixture
async def sessions(database_url: str):  # type: ignore[no-untyped-def]
    """The migrated schema on SQLite and on PostgreSQL (skipped when there is none)."""
    engine = create_engine(database_url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_proposals_keep_the_requesters_wording_and_are_decided_once(sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        p = await proposals.propose(s, question="共有フォルダの容量を増やしたい", answer="申請します",
                                    actor=PROMOTER, now=NOW, original="フォルダが満杯です")
        same = await proposals.propose(s, question="同じ文", answer="a", actor=PROMOTER, now=NOW,
                                       original="同じ文")
        assert p.alternates == ["フォルダが満杯です"] and same.alternates == []
        with pytest.raises(TicketError):
            await proposals.propose(s, question=" ", answer="a", actor=PROMOTER, now=NOW)
    async with sessions() as s, s.begin():
        accepted, _path = await proposals.accept(s, p.id, REQUESTER, NOW, tmp_path, answer="申請してください")
        assert accepted.status == proposals.ACCEPTED and accepted.entry_id == "proposal-1"
    async with sessions() as s, s.begin():
        with pytest.raises(TicketError) as caught:
            await proposals.accept(s, p.id, REQUESTER, NOW, tmp_path)
        assert caught.value.code == "proposal_decided"
        assert [x.id for x in await proposals.listing(s)] == [same.id]
    assert load_faq(tmp_path).entries[0].answer == "申請してください"


async def test_who_may_handle_and_whose_queue(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        tk = await t.add(s, ticket(), REQUESTER, NOW)
        s.add(t.TicketRecipient(ticket_id=tk.id, level=0, role="promoter", user_id=PROMOTER.user_id))
    stranger, admin = Actor("x", "他人"), Actor("a", "管理者", is_admin=True)
    async with sessions() as s, s.begin():
        tk = await t.get(s, 7, lock=True)
        assert await t.may_handle(s, tk, PROMOTER) and await t.may_handle(s, tk, admin)
        assert not await t.may_handle(s, tk, stranger)
        assert [x.id for x in await t.queue_of(s, PROMOTER.user_id)] == [7]
        assert await t.queue_of(s, stranger.user_id) == []
        assert [x.id for x in await t.queue_of(s, stranger.user_id, everyone=True)] == [7]
        t.apply(s, tk, "claim", PROMOTER, NOW)
        t.apply(s, tk, "answer", PROMOTER, NOW, text="a")
    async with sessions() as s:
        assert await t.queue_of(s, PROMOTER.user_id) == []  # answered: no longer waiting
        assert [e.action for e in await t.events(s, 7)] == ["created", "claim", "answer"]
        assert [x.id for x in await t.of_requester(s, REQUESTER.user_id)] == [7]


async def test_someone_who_passed_a_ticket_on_may_not_handle_it(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as s, s.begin():
        tk = await t.add(s, ticket(), REQUESTER, NOW)
        s.add(t.TicketRecipient(ticket_id=tk.id, level=0, role="promoter", user_id=PROMOTER.user_id,
                                status=t.PASSED))
    async with sessions() as s:
        tk = await t.get(s, 7)
        assert not await t.may_handle(s, tk, PROMOTER)
        assert await t.queue_of(s, PROMOTER.user_id) == []


def test_only_progress_events_are_shown_to_the_requester() -> None:
    s, tk = Recorder(), ticket()
    for action, note in (("created", ""), ("routed", "総務課: 山崎 亮"), ("remind", ""),
                         ("unreachable", "山崎 亮さん（…）"), ("exhausted", ""), ("claim", "")):
        t.record(s, tk, action, PROMOTER, NOW, note)
    assert [e.action for e in t.for_requester(s.events)] == ["created", "claim"]


@pytest.mark.parametrize("text", ["2026-11-01", "2026/11/01", "2026/11/1", "２０２６／１１／０１", "2026年11月1日"])
def test_report_dates_in_the_usual_spellings(text: str) -> None:
    assert parse_day(text) == datetime(2026, 11, 1).date()


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "11/01", "2026-11-01x", "0001-01-01", "9999-12-31"])
def test_report_dates_that_are_not_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_day(text)


# ------------------------------------------------------------------ the report


def test_report_medians_percentiles_backlog_and_topics() -> None:
    def made(i: int, unit: str, dept: str, claim: int | None, resolve: int | None, topic: str) -> Ticket:
        tk = Ticket(id=i, request_key=str(i), requester_id="r", question="q", unit_name=unit,
                    department_name=dept, created_at=NOW, topic=topic,
                    status=t.RESOLVED if resolve is not None else (t.CLAIMED if claim else t.OPEN))
        tk.claimed_at = NOW + timedelta(minutes=claim) if claim is not None else None
        tk.resolved_at = NOW + timedelta(minutes=resolve) if resolve is not None else None
        return tk

    rows = [made(i, "総務課", "総務部", 10 * i, 100 * i, "VPN") for i in range(1, 11)]
    rows += [made(11, "河川課", "県土整備部", None, None, ""), made(12, "河川課", "県土整備部", 5, None, "VPN")]
    report = ticket_report.build(rows, NOW + timedelta(minutes=60))
    assert report.total.tickets == 12 and report.total.unresolved == 2 and report.total.resolved == 10
    soumu = report.units[0]
    assert (soumu.name, soumu.to_claim.median, soumu.to_claim.p90) == ("総務課", 55, 91)
    assert soumu.to_resolve.median == 550
    assert report.backlog == {"open": 1, "claimed": 1, "answered": 0, "reopened": 0}
    assert report.oldest_open_minutes == 60
    assert report.topics == [("VPN", 11), (ticket_report.NO_TOPIC, 1)]
    assert ticket_report.Durations.of([7]).p90 == 7 and ticket_report.Durations.of([]).median is None
    csv_text = ticket_report.to_csv(report)
    assert "所属,総務課,10,0,10,55,91,550,910" in csv_text and "未解決,対応待ち,1" in csv_text
    assert "| 総務部 | 10 |" in ticket_report.to_markdown(report, "全期間")
    assert "- 最も古い未対応: 60 分" in ticket_report.to_markdown(report, "全期間")
    empty = ticket_report.to_markdown(ticket_report.build([], NOW), "全期間")
    assert "- 最も古い未対応: なし" in empty and "- 分" not in empty
