"""Enrolment rules in the domain layer and the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import create_engine, migrate, session_factory
from domain import enrolment as en
from domain.enrolment import Actor, Enrolment, EnrolmentAudit, SeatCounter, in_transaction
from domain.enrolment_rules import (
    Applicant,
    Refused,
    courses_offered,
    find_slot,
)
from knowledge.catalogue import TOKYO, Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE: Catalogue = load_catalogue(ROOT / "tests/data/courses_enrol").catalogue
BEFORE = datetime(2030, 6, 1, 10, 0, tzinfo=TOKYO)  # every test session still open


def person(n: int | str, tier: str = "主査", roles: frozenset[str] = frozenset()) -> Applicant:
    return Applicant(f"user-{n}", f"職員 {n}", f"user{n}@pref.example.lg.jp", "DIG-01",
                     "デジタル推進課", tier, roles)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def apply(sessions: async_sessionmaker[AsyncSession], who: Applicant, slot: str,
                now: datetime = BEFORE) -> en.Outcome:
    return await in_transaction(sessions, lambda db: en.enrol(db, CATALOGUE, who, slot, now))


async def statuses(sessions: async_sessionmaker[AsyncSession], slot: str) -> dict[str, int]:
    async with sessions() as db:
        rows = await db.execute(
            select(Enrolment.status, func.count()).where(Enrolment.session_id == slot)
            .group_by(Enrolment.status)
        )
        return {status: int(n) for status, n in rows.all()}


async def taken(sessions: async_sessionmaker[AsyncSession], slot: str) -> int:
    async with sessions() as db:
        seats = await db.get(SeatCounter, slot)
        return seats.taken if seats else 0


# ------------------------------------------------------------------ pure rules


def test_offered_courses_follow_tier_and_role_with_mandatory_first() -> None:
    shusa = [c.id for c in courses_offered(CATALOGUE, person(1, "主査"), BEFORE)]
    assert shusa[0] == "t-shusa"  # mandatory for 主査 comes first
    assert "t-new-hire" not in shusa and "t-promoter" not in shusa
    assert "t-approval" in shusa and "t-licence" in shusa
    promoter = courses_offered(CATALOGUE, person(2, "主事・技師", frozenset({"promoter"})), BEFORE)
    assert "t-promoter" in [c.id for c in promoter]
    assert "t-approval" not in [c.id for c in promoter]


def test_courses_whose_sessions_all_closed_are_not_offered() -> None:
    late = datetime(2030, 6, 22, tzinfo=TOKYO)  # only to-late (no deadline, starts 7/1) is open
    offered = {c.id: c for c in courses_offered(CATALOGUE, person(1), late)}
    assert "t-shusa" not in offered and "t-open" in offered


def test_slot_lookup_accepts_licence_courses_and_any_case() -> None:
    assert find_slot(CATALOGUE, "TS-01").id == "ts-01"
    licence = find_slot(CATALOGUE, "t-licence")
    assert licence is not None and licence.session is None and licence.capacity == 2
    assert find_slot(CATALOGUE, "t-shusa") is None  # a course with sessions is not a slot
    assert find_slot(CATALOGUE, "nope") is None


# ------------------------------------------------------------------ single operations


async def test_enrol_then_repeat_gives_the_same_enrolment(sessions) -> None:
    first = await apply(sessions, person(1), "ts-01")
    again = await apply(sessions, person(1), "ts-01")
    assert first.created and first.enrolment.status == "enrolled"
    assert not again.created and again.enrolment.id == first.enrolment.id
    assert await statuses(sessions, "ts-01") == {"enrolled": 1}
    assert await taken(sessions, "ts-01") == 1


async def test_second_session_of_the_same_course_is_refused(sessions) -> None:
    await apply(sessions, person(1), "to-small")
    with pytest.raises(Refused) as refused:
        await apply(sessions, person(1), "to-last")
    assert refused.value.reason == "other_session"


@pytest.mark.parametrize(
    ("who", "slot", "when", "reason"),
    [
        (person(1, "主任"), "ts-01", BEFORE, "not_eligible"),
        (person(1), "ts-01", datetime(2030, 6, 6, tzinfo=TOKYO), "closed"),
        (person(1), "to-late", datetime(2030, 7, 1, 15, 0, tzinfo=TOKYO), "started"),
        (person(1), "no-such-session", BEFORE, "unknown_session"),
    ],
)
async def test_rules_refuse_and_write_nothing(sessions, who, slot, when, reason) -> None:
    with pytest.raises(Refused) as refused:
        await apply(sessions, who, slot, when)
    assert refused.value.reason == reason
    async with sessions() as db:
        assert (await db.execute(select(func.count()).select_from(Enrolment))).scalar_one() == 0
        assert (await db.execute(select(func.count()).select_from(EnrolmentAudit))).scalar_one() == 0


async def test_deadline_is_the_end_of_the_deadline_day(sessions) -> None:
    last_minute = datetime(2030, 6, 5, 23, 58, tzinfo=TOKYO)
    assert (await apply(sessions, person(1), "ts-01", last_minute)).enrolment.status == "enrolled"


async def test_full_session_waitlists_and_a_cancellation_moves_the_first_up(sessions) -> None:
    a = await apply(sessions, person("a"), "to-small")
    b = await apply(sessions, person("b"), "to-small")
    c = await apply(sessions, person("c"), "to-small")
    assert (a.enrolment.status, b.enrolment.status, c.enrolment.status) == (
        "enrolled", "waitlisted", "waitlisted")
    assert (b.position, c.position) == (1, 2)
    out = await in_transaction(sessions, lambda db: en.cancel(
        db, CATALOGUE, a.enrolment.id, Actor("user-a"), BEFORE))
    assert [(ch.kind, ch.enrolment.user_id) for ch in out.changes] == [
        ("cancelled", "user-a"), ("promoted", "user-b")]
    assert await statuses(sessions, "to-small") == {"cancelled": 1, "enrolled": 1, "waitlisted": 1}
    async with sessions() as db:
        still = await db.get(Enrolment, c.enrolment.id)
        assert await en.waitlist_position(db, still) == 1
    assert await taken(sessions, "to-small") == 1


async def test_cancel_rules(sessions) -> None:
    mine = await apply(sessions, person(1), "ts-01")
    eid = mine.enrolment.id

    async def cancel(actor: str, when: datetime) -> en.Outcome:
        return await in_transaction(sessions, lambda db: en.cancel(
            db, CATALOGUE, eid, Actor(actor), when))

    with pytest.raises(Refused, match="not_owner"):
        await cancel("user-2", BEFORE)
    with pytest.raises(Refused, match="cancel_closed"):
        await cancel("user-1", datetime(2030, 6, 6, tzinfo=TOKYO))
    await cancel("user-1", BEFORE)
    with pytest.raises(Refused, match="not_active"):
        await cancel("user-1", BEFORE)
    # after cancelling, the person may apply again
    assert (await apply(sessions, person(1), "ts-01")).created


async def test_approval_holds_a_seat_and_a_decline_frees_it(sessions) -> None:
    first = await apply(sessions, person(1, "主任"), "ta-01")
    second = await apply(sessions, person(2, "主任"), "ta-01")
    assert (first.enrolment.status, second.enrolment.status) == ("pending", "waitlisted")
    admin = Actor("admin-1", "管理者")
    out = await in_transaction(sessions, lambda db: en.decide(
        db, CATALOGUE, first.enrolment.id, False, admin, BEFORE))
    kinds = [(c.kind, c.enrolment.user_id, c.enrolment.status) for c in out.changes]
    assert kinds == [("declined", "user-1", "declined"), ("promoted", "user-2", "pending")]
    with pytest.raises(Refused, match="already_decided"):
        await in_transaction(sessions, lambda db: en.decide(
            db, CATALOGUE, first.enrolment.id, True, admin, BEFORE))
    out = await in_transaction(sessions, lambda db: en.decide(
        db, CATALOGUE, second.enrolment.id, True, admin, BEFORE))
    assert out.enrolment.status == "enrolled" and out.enrolment.decided_by == "管理者"
    async with sessions() as db:
        actions = (await db.execute(
            select(EnrolmentAudit.action, EnrolmentAudit.actor_id).order_by(EnrolmentAudit.id)
        )).all()
    assert [tuple(a) for a in actions] == [
        ("apply", "user-1"), ("apply", "user-2"), ("decline", "admin-1"), ("promote", "system"),
        ("approve", "admin-1")]


async def test_licence_pool_has_no_deadline(sessions) -> None:
    outs = [await apply(sessions, person(n), "t-licence", datetime(2031, 1, 1, tzinfo=TOKYO))
            for n in range(3)]
    assert [o.enrolment.status for o in outs] == ["enrolled", "enrolled", "waitlisted"]


async def test_the_database_itself_refuses_a_second_active_enrolment(sessions) -> None:
    await apply(sessions, person(1), "to-small")
    with pytest.raises(IntegrityError):
        async with sessions() as db, db.begin():
            db.add(Enrolment(session_id="to-last", course_id="t-open", user_id="user-1",
                             name="x", status="waitlisted", created_at=BEFORE, updated_at=BEFORE))
    # a cancelled one does not count
    async with sessions() as db, db.begin():
        db.add(Enrolment(session_id="to-last", course_id="t-open", user_id="user-1", name="x",
                         status="cancelled", created_at=BEFORE, updated_at=BEFORE))


# ------------------------------------------------------------------ concurrency


async def _concurrently(count: int, work) -> list:
    """Start ``count`` tasks that all wait at a barrier, so they really run together."""
    barrier = asyncio.Barrier(count)
    started = 0

    async def one(i: int):
        nonlocal started
        started += 1
        await barrier.wait()
        return await work(i)

    results = await asyncio.gather(*(one(i) for i in range(count)))
    assert started == count
    return results


async def test_fifty_confirmations_for_the_last_ten_seats(sessions) -> None:
    for n in range(20):  # 20 of the 30 seats are already taken
        await apply(sessions, person(f"early-{n}"), "to-last")
    results = await _concurrently(50, lambda i: apply(sessions, person(f"late-{i}"), "to-last"))
    late = [r.enrolment.status for r in results]
    assert late.count("enrolled") == 10 and late.count("waitlisted") == 40
    assert sorted(r.position for r in results if r.position) == list(range(1, 41))
    assert await statuses(sessions, "to-last") == {"enrolled": 30, "waitlisted": 40}
    assert await taken(sessions, "to-last") == 30


async def test_the_same_person_confirming_many_times_at_once_gets_one_enrolment(sessions) -> None:
    results = await _concurrently(8, lambda i: apply(sessions, person(1), "ts-01"))
    assert len({r.enrolment.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await statuses(sessions, "ts-01") == {"enrolled": 1}


async def test_two_sessions_of_one_course_at_once_give_one_enrolment(sessions) -> None:
    async def attempt(i: int):
        try:
            return await apply(sessions, person(1), "to-small" if i % 2 else "to-last")
        except Refused as exc:
            return exc.reason

    results = await _concurrently(6, attempt)
    enrolled = [r for r in results if isinstance(r, en.Outcome)]
    assert len({r.enrolment.id for r in enrolled}) == 1
    assert all(r == "other_session" for r in results if isinstance(r, str))
    async with sessions() as db:
        active = await db.execute(
            select(func.count()).select_from(Enrolment).where(text(en._ACTIVE_SQL)))
        assert active.scalar_one() == 1


async def test_concurrent_cancellations_and_applications_keep_the_count(sessions) -> None:
    holders = [await apply(sessions, person(f"h{n}"), "to-late") for n in range(5)]
    waiting = [await apply(sessions, person(f"w{n}"), "to-late") for n in range(5)]
    assert all(w.enrolment.status == "waitlisted" for w in waiting)

    async def work(i: int):
        if i < 5:
            h = holders[i].enrolment
            return await in_transaction(sessions, lambda db: en.cancel(
                db, CATALOGUE, h.id, Actor(h.user_id), BEFORE))
        return await apply(sessions, person(f"new{i}"), "to-late")

    await _concurrently(10, work)
    counts = await statuses(sessions, "to-late")
    assert counts["enrolled"] == 5 and counts["cancelled"] == 5 and counts["waitlisted"] == 5
    assert await taken(sessions, "to-late") == 5
    async with sessions() as db:  # the five who waited first were moved up
        promoted = {e.user_id for e in (await db.execute(
            select(Enrolment).where(Enrolment.session_id == "to-late",
                                    Enrolment.status == "enrolled"))).scalars()}
    assert promoted == {f"user-w{n}" for n in range(5)}


# ------------------------------------------------------------------ changing the session


async def move(sessions: async_sessionmaker[AsyncSession], who: Applicant, enrolment_id: int,
               slot: str, now: datetime = BEFORE) -> en.Outcome:
    return await in_transaction(sessions, lambda db: en.change_session(
        db, CATALOGUE, enrolment_id, slot, who, now))


async def test_changing_the_session_moves_the_seat_and_the_waitlist_up(sessions) -> None:
    holder = await apply(sessions, person("a"), "to-small")
    waiting = await apply(sessions, person("b"), "to-small")
    out = await move(sessions, person("a"), holder.enrolment.id, "to-last")
    assert out.created and out.enrolment.session_id == "to-last"
    assert out.enrolment.status == "enrolled" and out.previous is not None
    assert out.previous.id == holder.enrolment.id and out.previous.status == "cancelled"
    kinds = [(c.kind, c.enrolment.user_id, c.enrolment.session_id) for c in out.changes]
    assert kinds == [("enrolled", "user-a", "to-last"), ("moved", "user-a", "to-small"),
                     ("promoted", "user-b", "to-small")]
    assert await statuses(sessions, "to-small") == {"cancelled": 1, "enrolled": 1}
    assert await taken(sessions, "to-small") == 1 and await taken(sessions, "to-last") == 1
    async with sessions() as db:
        audit = (await db.execute(select(EnrolmentAudit).order_by(EnrolmentAudit.id))).scalars()
        rows = [(a.action, a.enrolment_id, a.session_id) for a in audit]
        b = await db.get(Enrolment, waiting.enrolment.id)
    assert b is not None and b.status == "enrolled"
    assert rows[2:] == [("move_out", holder.enrolment.id, "to-small"),
                        ("move_in", out.enrolment.id, "to-last"),
                        ("promote", waiting.enrolment.id, "to-small")]


async def test_changing_to_a_full_session_waitlists_before_releasing_the_old_seat(sessions) -> None:
    await apply(sessions, person("x"), "to-small")  # to-small is now full
    mine = await apply(sessions, person("a"), "to-last")
    out = await move(sessions, person("a"), mine.enrolment.id, "to-small")
    assert (out.enrolment.status, out.position) == ("waitlisted", 1)
    assert await taken(sessions, "to-last") == 0 and await taken(sessions, "to-small") == 1


async def test_changing_the_session_checks_owner_deadline_and_repeat(sessions) -> None:
    mine = await apply(sessions, person("a"), "to-small")
    with pytest.raises(Refused, match="not_found"):
        await move(sessions, person("b"), mine.enrolment.id, "to-last")
    with pytest.raises(Refused, match="unknown_session"):
        await move(sessions, person("a"), mine.enrolment.id, "ts-01")  # another course
    late = datetime(2030, 6, 15, tzinfo=TOKYO)  # to-small's deadline has passed
    with pytest.raises(Refused, match="cancel_closed"):
        await move(sessions, person("a"), mine.enrolment.id, "to-late", late)
    same = await move(sessions, person("a"), mine.enrolment.id, "to-small")
    assert not same.created and same.enrolment.id == mine.enrolment.id
    assert await statuses(sessions, "to-small") == {"enrolled": 1}


async def test_a_seat_agreed_to_but_gone_is_refused_not_queued(sessions) -> None:
    await apply(sessions, person("a"), "to-small")  # its one seat
    with pytest.raises(Refused, match="filled"):
        await in_transaction(sessions, lambda db: en.enrol(db, CATALOGUE, person("b"), "to-small", BEFORE,
                                                           waitlist=False))
    assert await statuses(sessions, "to-small") == {"enrolled": 1}
    queued = await apply(sessions, person("b"), "to-small")  # asked again, they accept the queue
    assert queued.enrolment.status == "waitlisted"


async def test_a_waitlisted_place_moves_or_goes_after_the_deadline(sessions) -> None:
    # the seat holder is bound by the deadline; the person waiting holds nothing and is not
    # locked out of the course: their place moves to a session still open, or is withdrawn
    seated = await apply(sessions, person("a"), "to-small")
    waiting = await apply(sessions, person("b"), "to-small")
    third = await apply(sessions, person("c"), "to-small")
    assert [o.enrolment.status for o in (seated, waiting, third)] == ["enrolled", "waitlisted", "waitlisted"]
    late = datetime(2030, 6, 15, tzinfo=TOKYO)  # to-small's deadline has passed
    with pytest.raises(Refused, match="cancel_closed"):
        await move(sessions, person("a"), seated.enrolment.id, "to-late", late)
    moved = await move(sessions, person("b"), waiting.enrolment.id, "to-late", late)
    assert moved.enrolment.status == "enrolled" and moved.enrolment.session_id == "to-late"
    out = await in_transaction(sessions, lambda db: en.cancel(
        db, CATALOGUE, third.enrolment.id, Actor("user-c"), late))
    assert out.enrolment.status == "cancelled"
    assert await statuses(sessions, "to-small") == {"enrolled": 1, "cancelled": 2}  # b moved, c went


def approval_catalogue(folder: Path, second_capacity: int) -> Catalogue:
    """A course that needs approval, with sessions ap-1 (5 seats) and ap-2."""
    (folder / "courses.yaml").write_text(f"""courses:
  - id: appr
    title: 承認研修
    category: DX推進スペシャリスト養成
    approval_required: true
    sessions:
      - {{id: ap-1, start: 2030-07-03 09:30, end: "17:00", venue: 研修室, capacity: 5,
         deadline: 2030-06-26}}
      - {{id: ap-2, start: 2030-07-10 09:30, end: "17:00", venue: 研修室, capacity: {second_capacity},
         deadline: 2030-07-03}}
""", encoding="utf-8")
    loaded = load_catalogue(folder)
    assert not loaded.errors
    return loaded.catalogue


async def test_a_given_approval_survives_the_move_a_pending_one_stays_pending(
    sessions, tmp_path: Path
) -> None:
    catalogue = approval_catalogue(tmp_path, second_capacity=5)

    async def run(work):
        return await in_transaction(sessions, work)

    one, two = person(1), person(2)
    a = await run(lambda db: en.enrol(db, catalogue, one, "ap-1", BEFORE))
    b = await run(lambda db: en.enrol(db, catalogue, two, "ap-1", BEFORE))
    await run(lambda db: en.decide(db, catalogue, a.enrolment.id, True, Actor("adm", "管理者"),
                                   BEFORE))
    moved_a = await run(lambda db: en.change_session(db, catalogue, a.enrolment.id, "ap-2", one,
                                                     BEFORE))
    moved_b = await run(lambda db: en.change_session(db, catalogue, b.enrolment.id, "ap-2", two,
                                                     BEFORE))
    assert (moved_a.enrolment.status, moved_a.enrolment.decided_by) == ("enrolled", "管理者")
    assert moved_b.enrolment.status == "pending"


async def test_a_given_approval_survives_a_move_to_the_waitlist(sessions, tmp_path: Path) -> None:
    catalogue = approval_catalogue(tmp_path, second_capacity=1)

    async def run(work):
        return await in_transaction(sessions, work)

    one, two = person(1), person(2)
    a = await run(lambda db: en.enrol(db, catalogue, one, "ap-1", BEFORE))
    await run(lambda db: en.decide(db, catalogue, a.enrolment.id, True, Actor("adm", "管理者"), BEFORE))
    b = await run(lambda db: en.enrol(db, catalogue, two, "ap-2", BEFORE))  # the only seat
    moved = await run(lambda db: en.change_session(db, catalogue, a.enrolment.id, "ap-2", one, BEFORE))
    assert moved.enrolment.status == "waitlisted"
    back = await run(lambda db: en.change_session(db, catalogue, moved.enrolment.id, "ap-1", one, BEFORE))
    assert back.enrolment.status == "enrolled"  # and back again: still approved
    again = await run(lambda db: en.change_session(db, catalogue, back.enrolment.id, "ap-2", one, BEFORE))
    await run(lambda db: en.cancel(db, catalogue, b.enrolment.id, Actor(two.user_id, two.name), BEFORE))
    assert again.enrolment.status == "waitlisted"
    assert await statuses(sessions, "ap-2") == {"cancelled": 2, "enrolled": 1}  # not asked again


async def test_concurrent_changes_and_applications_never_oversell(sessions) -> None:
    holders = [await apply(sessions, person(f"h{n}"), "to-late") for n in range(5)]

    async def work(i: int):
        try:
            if i < 5:
                return await move(sessions, person(f"h{i}"), holders[i].enrolment.id, "to-small")
            return await apply(sessions, person(f"new{i}"), "to-late")
        except Refused as exc:
            return exc.reason

    await _concurrently(10, work)
    late, small = await statuses(sessions, "to-late"), await statuses(sessions, "to-small")
    assert late == {"cancelled": 5, "enrolled": 5}
    assert small == {"enrolled": 1, "waitlisted": 4}
    assert await taken(sessions, "to-late") == 5 and await taken(sessions, "to-small") == 1


async def test_cancel_rules_when_the_session_was_removed_from_the_catalogue(sessions) -> None:
    mine = await apply(sessions, person(1), "ts-01")
    eid = mine.enrolment.id
    without = Catalogue([c if c.id != "t-shusa" else _without_sessions(c) for c in CATALOGUE.courses])

    async def cancel(actor: str, when: datetime) -> en.Outcome:
        return await in_transaction(sessions, lambda db: en.cancel(db, without, eid, Actor(actor), when))

    with pytest.raises(Refused, match="not_owner"):
        await cancel("user-2", BEFORE)
    late = datetime(2030, 6, 30, tzinfo=TOKYO)  # past the old deadline: no deadline any more
    out = await cancel("user-1", late)
    assert (out.enrolment.status, out.slot.removed, out.slot.course.title) == (
        "cancelled", True, "主査級テスト研修")
    with pytest.raises(Refused, match="not_active"):
        await cancel("user-1", late)


def _without_sessions(course):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(course, sessions=())


async def test_what_still_waits_when_the_session_begins_lapses(sessions) -> None:
    # to-small starts 2030-06-17 15:00; ta-01 (approval, one seat) 2030-07-03 09:30
    seated = await apply(sessions, person("a"), "to-small")
    waiting = await apply(sessions, person("b"), "to-small")
    asked = await apply(sessions, person("c", "主任"), "ta-01")
    assert (seated.enrolment.status, waiting.enrolment.status, asked.enrolment.status) == (
        "enrolled", "waitlisted", "pending")
    start = datetime(2030, 6, 17, 15, 0, tzinfo=TOKYO)

    async def lapse(eid: int, when: datetime) -> list[en.Change]:
        return await in_transaction(sessions, lambda db: en.lapse(db, CATALOGUE, eid, when))

    assert await lapse(waiting.enrolment.id, datetime(2030, 6, 17, 14, 59, tzinfo=TOKYO)) == []
    assert await lapse(seated.enrolment.id, start) == []  # a seat is kept: the person attends
    (ended,) = await lapse(waiting.enrolment.id, start)
    assert (ended.kind, ended.enrolment.status) == ("waitlist_lapsed", "lapsed")
    assert await lapse(waiting.enrolment.id, start) == []  # once
    assert await lapse(asked.enrolment.id, start) == []  # its session is later
    (ended,) = await lapse(asked.enrolment.id, datetime(2030, 7, 3, 9, 30, tzinfo=TOKYO))
    assert (ended.kind, ended.enrolment.status) == ("approval_lapsed", "lapsed")
    with pytest.raises(Refused, match="already_decided"):  # the approver's card comes too late
        await in_transaction(sessions, lambda db: en.decide(
            db, CATALOGUE, asked.enrolment.id, True, Actor("admin-1"), datetime(2030, 7, 3, tzinfo=TOKYO)))
    assert await statuses(sessions, "to-small") == {"enrolled": 1, "lapsed": 1}
    async with sessions() as db:
        audits = (await db.execute(select(EnrolmentAudit.action, EnrolmentAudit.detail)
                                   .where(EnrolmentAudit.action == "lapse"))).all()
    assert [d["previous_status"] for _, d in audits] == ["waitlisted", "pending"]
    # the course is open to them again: the next session takes them
    again = await apply(sessions, person("b"), "to-late", start)
    assert again.created and again.enrolment.status == "enrolled"


async def test_applying_again_ends_a_waitlist_place_whose_session_began(sessions) -> None:
    # the lapse job has not run (the bot was stopped): the new application ends the old place
    await apply(sessions, person("a"), "to-small")
    waiting = await apply(sessions, person("b"), "to-small")
    after = datetime(2030, 6, 20, tzinfo=TOKYO)
    again = await apply(sessions, person("b"), "to-late", after)
    assert again.created and again.enrolment.session_id == "to-late"
    assert [(c.kind, c.enrolment.id) for c in again.changes] == [
        ("waitlist_lapsed", waiting.enrolment.id), ("enrolled", again.enrolment.id)]
    # a place whose session is still ahead is not ended: one session per course
    await apply(sessions, person("c"), "to-small")
    with pytest.raises(Refused, match="other_session"):
        await apply(sessions, person("c"), "to-late", BEFORE)


async def test_nobody_moves_up_into_a_session_that_has_begun(sessions, tmp_path: Path) -> None:
    await apply(sessions, person("a"), "to-small")
    await apply(sessions, person("b"), "to-small")
    grown = (ROOT / "tests/data/courses_enrol/courses.yaml").read_text(encoding="utf-8").replace(
        "capacity: 1, deadline: 2030-06-14", "capacity: 3, deadline: 2030-06-14")
    (tmp_path / "courses.yaml").write_text(grown, encoding="utf-8")
    bigger = load_catalogue(tmp_path).catalogue
    started = datetime(2030, 6, 17, 15, 30, tzinfo=TOKYO)
    changes = await in_transaction(sessions, lambda db: en.fill_grown_sessions(db, bigger, started))
    assert changes == []
    assert await statuses(sessions, "to-small") == {"enrolled": 1, "waitlisted": 1}


async def test_a_seat_agreed_to_in_a_change_but_gone_keeps_the_old_seat(sessions) -> None:
    mine = await apply(sessions, person("a"), "to-last")
    await apply(sessions, person("b"), "to-small")  # its one seat
    with pytest.raises(Refused, match="filled_change"):
        await in_transaction(sessions, lambda db: en.change_session(
            db, CATALOGUE, mine.enrolment.id, "to-small", person("a"), BEFORE, waitlist=False))
    assert await statuses(sessions, "to-last") == {"enrolled": 1}
    assert await taken(sessions, "to-last") == 1
    moved = await move(sessions, person("a"), mine.enrolment.id, "to-small", BEFORE)  # agreed to wait
    assert moved.enrolment.status == "waitlisted"


async def _waiting_for_a_lock(db: AsyncSession) -> None:
    """Until another transaction of this database waits for a row lock (PostgreSQL)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                 " AND wait_event_type = 'Lock'")
    for _ in range(6000):  # up to 30 s: a loaded machine once took over 10
        if (await db.execute(query)).scalar_one():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("nobody waited for the lock")


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("decision", ["approve", "cancel"])
async def test_a_decision_racing_a_lapse_does_not_undo_it(sessions, decision: str) -> None:
    # the lapse job has ended the place and not yet committed; an approval (or the person's
    # own withdrawal) pressed a moment before the start must not overwrite it
    if decision == "approve":
        eid = (await apply(sessions, person("c", "主任"), "ta-01")).enrolment.id  # pending
        start = datetime(2030, 7, 3, 9, 30, tzinfo=TOKYO)

        def act(db):  # type: ignore[no-untyped-def]
            return en.decide(db, CATALOGUE, eid, True, Actor("admin-1", "管理者"), start.replace(minute=29))
    else:
        await apply(sessions, person("a"), "to-small")
        eid = (await apply(sessions, person("b"), "to-small")).enrolment.id  # waitlisted
        start = datetime(2030, 6, 17, 15, 0, tzinfo=TOKYO)

        def act(db):  # type: ignore[no-untyped-def]
            return en.cancel(db, CATALOGUE, eid, Actor("user-b"), start.replace(minute=59, hour=14))
    async with sessions() as job, sessions() as probe:
        await job.begin()
        assert len(await en.lapse(job, CATALOGUE, eid, start)) == 1
        racing = asyncio.create_task(in_transaction(sessions, act))
        await _waiting_for_a_lock(probe)
        await job.commit()
    with pytest.raises(Refused, match=r"already_decided|not_active"):
        await racing
    async with sessions() as db:
        assert (await db.get(Enrolment, eid)).status == "lapsed"


async def test_a_postponed_session_gets_back_the_seat_of_a_lapsed_application(sessions, tmp_path: Path) -> None:
    asked = await apply(sessions, person("c", "主任"), "ta-01")  # its only seat, pending
    start = datetime(2030, 7, 3, 9, 30, tzinfo=TOKYO)
    await in_transaction(sessions, lambda db: en.lapse(db, CATALOGUE, asked.enrolment.id, start))
    later = (ROOT / "tests/data/courses_enrol/courses.yaml").read_text(encoding="utf-8").replace(
        "start: 2030-07-03 09:30", "start: 2030-07-17 09:30").replace("deadline: 2030-06-26", "deadline: 2030-07-10")
    (tmp_path / "courses.yaml").write_text(later, encoding="utf-8")
    postponed = load_catalogue(tmp_path).catalogue
    assert postponed.session("ta-01").start == datetime(2030, 7, 17, 9, 30, tzinfo=TOKYO)
    now = datetime(2030, 7, 3, 10, 0, tzinfo=TOKYO)
    assert await in_transaction(sessions, lambda db: en.fill_grown_sessions(db, postponed, now)) == []
    assert await taken(sessions, "ta-01") == 0
    again = await in_transaction(sessions, lambda db: en.enrol(db, postponed, person("d", "主任"), "ta-01", now))
    assert again.enrolment.status == "pending"  # the seat, not the waitlist
