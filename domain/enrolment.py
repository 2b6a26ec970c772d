"""Training enrolment: apply, waitlist, approve, cancel; every rule enforced here.

Concurrency: each change to a slot first locks the slot's seat counter row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the single pooled connection serialises
writers), so seats are never oversold. A partial unique index allows one active enrolment per
person and course, so a second confirmation (double tap, retry, another device) finds the
first instead of adding one. Every change writes an audit row in the same transaction, and
returns the list of :class:`Change` s so the caller can notify people in that transaction too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Index, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enrolment_rules import (
    ACTIVE,
    CANCELLED,
    DECLINED,
    ENROLLED,
    HOLDS_SEAT,
    LAPSED,
    PENDING,
    WAITING,
    WAITLISTED,
    Applicant,
    Refused,
    Slot,
    can_withdraw,
    check_can_apply,
    find_slot,
    has_lapsed,
    has_started,
    slot_of_enrolment,
)
from domain.jobs import UtcDateTime
from knowledge.catalogue import Catalogue
from knowledge.sources import CODE_MAX, ID_MAX

T = TypeVar("T")
_ACTIVE_SQL = "status IN ('enrolled', 'pending', 'waitlisted')"


class SeatCounter(SQLModel, table=True):
    """Seats taken (enrolled + pending) in one slot: the row every change locks first."""

    __tablename__ = "enrolment_seat"

    session_id: str = Field(primary_key=True, max_length=ID_MAX)
    course_id: str = Field(max_length=ID_MAX)
    capacity: int
    taken: int = 0
    updated_at: datetime = Field(sa_type=UtcDateTime)


class Enrolment(SQLModel, table=True):
    """One person's application for one slot and where it stands."""

    __tablename__ = "enrolment"
    __table_args__ = (
        Index("ux_enrolment_active", "course_id", "user_id", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(max_length=ID_MAX)
    course_id: str = Field(max_length=ID_MAX)
    user_id: str = Field(max_length=256)
    upn: str | None = Field(default=None, max_length=256)
    name: str = Field(max_length=256)
    unit_code: str | None = Field(default=None, max_length=CODE_MAX)
    unit_name: str | None = Field(default=None, max_length=256)
    tier: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    approval_messages: list[int] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=256)


class EnrolmentAudit(SQLModel, table=True):
    """Who did what to which enrolment, and when."""

    __tablename__ = "enrolment_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UtcDateTime)
    actor_id: str = Field(max_length=256)
    actor_name: str = Field(max_length=256)
    action: str = Field(max_length=32)
    enrolment_id: int | None = Field(default=None, foreign_key="enrolment.id")
    session_id: str = Field(max_length=ID_MAX)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever makes a change (the applicant, an approver, the system)."""

    user_id: str
    name: str = ""


SYSTEM = Actor("system", "システム")


@dataclass(frozen=True, slots=True)
class Change:
    """One enrolment that changed: ``kind`` is the new situation (enrolled, pending,
    waitlisted, promoted, approved, declined, cancelled, moved, waitlist_lapsed,
    approval_lapsed)."""

    kind: str
    enrolment: Enrolment
    slot: Slot


@dataclass(slots=True)
class Outcome:
    """The enrolment acted on; ``created`` False when it already existed (a repeat)."""

    enrolment: Enrolment
    slot: Slot
    created: bool = True
    position: int | None = None
    changes: list[Change] = field(default_factory=list)
    previous: Enrolment | None = None  # for a change of session: the enrolment it replaced


# ------------------------------------------------------------------ helpers


def _dialect(db: AsyncSession) -> str:
    return db.sync_session.get_bind().dialect.name


async def _lock_seats(db: AsyncSession, slot: Slot, now: datetime) -> SeatCounter:
    """The slot's seat counter, created if new, locked for this transaction."""
    insert = pg_insert if _dialect(db) == "postgresql" else sqlite_insert
    await db.execute(
        insert(SeatCounter.__table__)
        .values(session_id=slot.id, course_id=slot.course.id, capacity=slot.capacity, taken=0,
                updated_at=now)
        .on_conflict_do_nothing(index_elements=["session_id"])
    )
    seats = (
        await db.execute(
            select(SeatCounter).where(SeatCounter.session_id == slot.id)
            .with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()
    if seats.capacity != slot.capacity:  # the admin changed the catalogue
        seats.capacity = slot.capacity
    return seats


def _facts(enrolment: Enrolment) -> dict[str, Any]:
    """Plain values for a refusal (the row itself expires when the transaction rolls back)."""
    return {"session_id": enrolment.session_id, "status": enrolment.status,
            "decided_by": enrolment.decided_by}


async def audit(db: AsyncSession, now: datetime, actor: Actor, action: str,
                 enrolment: Enrolment, **detail: Any) -> None:
    db.add(EnrolmentAudit(
        at=now, actor_id=actor.user_id, actor_name=actor.name, action=action,
        enrolment_id=enrolment.id, session_id=enrolment.session_id,
        detail={"status": enrolment.status, "user_id": enrolment.user_id, **detail},
    ))


async def waitlist_position(db: AsyncSession, enrolment: Enrolment) -> int | None:
    """1 for the first person waiting; None when not on the waitlist."""
    if enrolment.status != WAITLISTED:
        return None
    ahead = await db.execute(
        select(func.count()).select_from(Enrolment).where(
            Enrolment.session_id == enrolment.session_id,
            Enrolment.status == WAITLISTED,
            Enrolment.id <= (enrolment.id or 0),
        )
    )
    return int(ahead.scalar_one())


async def _fill(db: AsyncSession, seats: SeatCounter, slot: Slot, now: datetime) -> list[Change]:
    """Move people up from the waitlist while seats are free (caller holds the lock). Someone
    whose approval was given before they changed to this session is enrolled, not asked again.
    Once the session has begun nobody moves up: the waitlist lapses instead (:func:`lapse`)."""
    changes: list[Change] = []
    while seats.taken < seats.capacity and not has_started(slot, now):
        first = (
            await db.execute(
                select(Enrolment)
                .where(Enrolment.session_id == slot.id, Enrolment.status == WAITLISTED)
                .order_by(Enrolment.id).limit(1)
            )
        ).scalar_one_or_none()
        if first is None:
            break
        approved = first.decided_at is not None  # moved here after an approval: it stands
        first.status = PENDING if slot.course.approval_required and not approved else ENROLLED
        first.updated_at = now
        seats.taken += 1
        await db.flush()
        await audit(db, now, SYSTEM, "promote", first)
        changes.append(Change("promoted", first, slot))
    seats.updated_at = now
    return changes


async def fill_grown_sessions(db: AsyncSession, catalogue: Catalogue, now: datetime) -> list[Change]:
    """After the catalogue changed: every session that now has more seats than its counter
    knew takes people up from its waitlist, first come first served. A session still ahead
    whose counter disagrees with its enrolments is counted again first: an application that
    lapsed at the start keeps its seat counted (see :func:`_lapse`) until the session is
    moved later, as when it is postponed."""
    counters = (await db.execute(select(SeatCounter).order_by(SeatCounter.session_id))).scalars().all()
    held = await usage(db, [c.session_id for c in counters])
    changes: list[Change] = []
    for counter in counters:
        slot = find_slot(catalogue, counter.session_id)
        if slot is None or has_started(slot, now):
            continue
        grown = slot.capacity > counter.capacity
        if not grown and counter.taken == held.get(slot.id, Usage()).taken:
            continue
        seats = await _lock_seats(db, slot, now)  # takes the new capacity
        seats.taken = (await usage(db, [slot.id])).get(slot.id, Usage()).taken  # under the lock
        changes += await _fill(db, seats, slot, now)
    return changes


async def active_for_course(db: AsyncSession, user_id: str, course_id: str) -> Enrolment | None:
    return (
        await db.execute(
            select(Enrolment).where(
                Enrolment.user_id == user_id, Enrolment.course_id == course_id,
                Enrolment.status.in_(ACTIVE),
            ).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


# ------------------------------------------------------------------ the operations


async def enrol(db: AsyncSession, catalogue: Catalogue, applicant: Applicant, slot_id: str,
                now: datetime, *, waitlist: bool = True) -> Outcome:
    """Apply for a slot: enrolled, pending approval (seat held) or waitlisted when full.

    Applying again for the same slot returns the existing enrolment (``created`` False);
    having an active enrolment in another slot of the course raises ``other_session``.
    ``waitlist`` False: the person agreed to a seat, so a slot full by now raises ``filled``.
    """
    slot = find_slot(catalogue, slot_id)
    if slot is None:
        raise Refused("unknown_session", slot_id=slot_id)
    seats = await _lock_seats(db, slot, now)
    existing = await active_for_course(db, applicant.user_id, slot.course.id)
    lapsed: list[Change] = []
    if existing is not None and existing.session_id != slot.id:
        held = slot_of_enrolment(catalogue, existing.session_id, existing.course_id)
        if has_lapsed(existing.status, held, now):  # its job has not run yet: end it now
            await db.refresh(existing, with_for_update=True)  # (unless the job just did)
            if has_lapsed(existing.status, held, now):
                lapsed.append(await _lapse(db, existing, held, now))
            existing = existing if existing.status in ACTIVE else None
    if existing is not None:
        if existing.session_id != slot.id:
            raise Refused("other_session", course=slot.course.title, **_facts(existing))
        return Outcome(existing, slot, created=False,
                       position=await waitlist_position(db, existing))
    check_can_apply(slot, applicant, now)
    changes = lapsed + await _fill(db, seats, slot, now)  # a grown capacity serves the queue first
    if seats.taken < seats.capacity:
        status = PENDING if slot.course.approval_required else ENROLLED
        seats.taken += 1
    elif not waitlist:  # the last seat went while they were confirming: ask, do not queue
        raise Refused("filled", course=slot.course.title, session_id=slot.id)
    else:
        status = WAITLISTED
    enrolment = Enrolment(
        session_id=slot.id, course_id=slot.course.id, user_id=applicant.user_id,
        upn=applicant.upn, name=applicant.name, unit_code=applicant.unit_code,
        unit_name=applicant.unit_name, tier=applicant.tier, status=status,
        created_at=now, updated_at=now,
    )
    db.add(enrolment)
    await db.flush()
    await audit(db, now, Actor(applicant.user_id, applicant.name), "apply", enrolment)
    changes.append(Change(status, enrolment, slot))
    return Outcome(enrolment, slot, True, await waitlist_position(db, enrolment), changes)


async def _locked_enrolment(db: AsyncSession, catalogue: Catalogue, enrolment_id: int,
                            now: datetime) -> tuple[Enrolment, Slot, SeatCounter]:
    found = await db.get(Enrolment, enrolment_id)
    if found is None:
        raise Refused("not_found")
    slot = find_slot(catalogue, found.session_id)
    if slot is None:
        raise Refused("unknown_session", slot_id=found.session_id)
    seats = await _lock_seats(db, slot, now)
    await db.refresh(found, with_for_update=True)  # read again, locked (a lapse locks the row only)
    return found, slot, seats


async def cancel(db: AsyncSession, catalogue: Catalogue, enrolment_id: int, actor: Actor,
                 now: datetime) -> Outcome:
    """Withdraw one's own enrolment until the deadline; the first on the waitlist moves up.
    A place on the waitlist (no seat held), or an enrolment whose session was removed from
    the catalogue, can always be withdrawn."""
    found = await db.get(Enrolment, enrolment_id)
    seats: SeatCounter | None = None
    if found is not None and find_slot(catalogue, found.session_id) is None:
        enrolment = found
        slot = slot_of_enrolment(catalogue, found.session_id, found.course_id)
        await db.refresh(enrolment, with_for_update=True)
    else:
        enrolment, slot, seats = await _locked_enrolment(db, catalogue, enrolment_id, now)
    if enrolment.user_id != actor.user_id:
        raise Refused("not_owner")
    if enrolment.status not in ACTIVE:
        raise Refused("not_active", **_facts(enrolment))
    if not can_withdraw(enrolment.status, slot, now):
        raise Refused("cancel_closed", closes_at=slot.closes_at, course=slot.course.title,
                      course_id=slot.course.id)
    held = enrolment.status in HOLDS_SEAT
    enrolment.status, enrolment.updated_at = CANCELLED, now
    changes = [Change(CANCELLED, enrolment, slot)]
    if held and seats is not None:
        seats.taken -= 1
    await db.flush()
    await audit(db, now, actor, "cancel", enrolment, **({} if seats else {"session_removed": True}))
    if seats is not None:
        changes += await _fill(db, seats, slot, now)
    return Outcome(enrolment, slot, True, None, changes)


async def change_session(db: AsyncSession, catalogue: Catalogue, enrolment_id: int,
                         slot_id: str, applicant: Applicant, now: datetime, *,
                         waitlist: bool = True) -> Outcome:
    """Move one's own active enrolment to another slot of the same course, atomically.

    Both seat counters are locked (in a fixed order). The new seat is taken, or a place on
    its waitlist, before the old seat is released; releasing it moves the old slot's waitlist
    up as a cancellation does. The old enrolment ends ``cancelled``, a new one starts (an
    approval already given stays given). ``created`` is False when the enrolment already is
    in that slot. ``waitlist`` False: the person agreed to a seat, so a slot full by now raises
    ``filled_change`` (and the old seat is kept).
    """
    found = await db.get(Enrolment, enrolment_id)
    if found is None or found.user_id != applicant.user_id:
        raise Refused("not_found")
    old_slot, new_slot = find_slot(catalogue, found.session_id), find_slot(catalogue, slot_id)
    if old_slot is None:
        raise Refused("unknown_session", slot_id=found.session_id)
    if new_slot is None or new_slot.course.id != old_slot.course.id:
        raise Refused("unknown_session", slot_id=slot_id)
    locked = {s.id: await _lock_seats(db, s, now)
              for s in sorted({old_slot.id: old_slot, new_slot.id: new_slot}.values(),
                              key=lambda s: s.id)}
    await db.refresh(found, with_for_update=True)  # read again, locked (as a lapse does)
    old = found
    if old.status not in ACTIVE or old.session_id != old_slot.id:
        raise Refused("not_active", **_facts(old))
    if old_slot.id == new_slot.id:
        return Outcome(old, old_slot, created=False, position=await waitlist_position(db, old))
    if not can_withdraw(old.status, old_slot, now):
        raise Refused("cancel_closed", closes_at=old_slot.closes_at, course=old_slot.course.title,
                      course_id=old_slot.course.id)
    check_can_apply(new_slot, applicant, now)  # a waitlisted place moves to an open session
    old_seats, new_seats = locked[old_slot.id], locked[new_slot.id]
    changes = await _fill(db, new_seats, new_slot, now)  # a grown capacity serves the queue
    approved = old.status in (ENROLLED, WAITLISTED) and old.decided_at is not None
    if new_seats.taken < new_seats.capacity:
        needs_approval = new_slot.course.approval_required and not approved
        status = PENDING if needs_approval else ENROLLED
        new_seats.taken += 1
    elif not waitlist:  # the last seat went while they were confirming: ask, keep the old one
        raise Refused("filled_change", course=new_slot.course.title, session_id=new_slot.id,
                      enrolment_id=old.id)
    else:
        status = WAITLISTED
    held = old.status in HOLDS_SEAT
    previous_status = old.status
    old.status, old.updated_at = CANCELLED, now  # first: one active row per person and course
    await db.flush()
    moved = Enrolment(
        session_id=new_slot.id, course_id=new_slot.course.id, user_id=old.user_id,
        upn=old.upn, name=old.name, unit_code=old.unit_code, unit_name=old.unit_name,
        tier=old.tier, status=status, created_at=now, updated_at=now,
    )
    if status in (ENROLLED, WAITLISTED) and approved:  # kept for when the waitlist moves up
        moved.decided_at, moved.decided_by = old.decided_at, old.decided_by
    db.add(moved)
    await db.flush()
    actor = Actor(applicant.user_id, applicant.name)
    await audit(db, now, actor, "move_out", old, previous_status=previous_status,
                to_session=new_slot.id, to_enrolment=moved.id)
    await audit(db, now, actor, "move_in", moved, from_session=old_slot.id,
                from_enrolment=old.id, previous_status=previous_status)
    changes.append(Change(status, moved, new_slot))
    changes.append(Change("moved", old, old_slot))
    if held:
        old_seats.taken -= 1
    changes += await _fill(db, old_seats, old_slot, now)
    return Outcome(moved, new_slot, True, await waitlist_position(db, moved), changes, old)


async def decide(db: AsyncSession, catalogue: Catalogue, enrolment_id: int, approve: bool,
                 actor: Actor, now: datetime) -> Outcome:
    """An approver's decision on a pending application; declining frees the seat."""
    enrolment, slot, seats = await _locked_enrolment(db, catalogue, enrolment_id, now)
    if enrolment.status != PENDING:
        raise Refused("already_decided", **_facts(enrolment))
    if has_started(slot, now):
        raise Refused("started", course=slot.course.title)
    enrolment.status = ENROLLED if approve else DECLINED
    enrolment.updated_at = enrolment.decided_at = now
    enrolment.decided_by = actor.name or actor.user_id
    changes = [Change("approved" if approve else DECLINED, enrolment, slot)]
    if not approve:
        seats.taken -= 1
    await db.flush()
    await audit(db, now, actor, "approve" if approve else "decline", enrolment)
    if not approve:
        changes += await _fill(db, seats, slot, now)
    return Outcome(enrolment, slot, True, None, changes)


async def _lapse(db: AsyncSession, enrolment: Enrolment, slot: Slot, now: datetime) -> Change:
    """End a waiting enrolment whose session has begun. Its seat counter is left as it is:
    once a session has begun nobody applies, moves in or moves up, so its seats decide
    nothing any more (locking it here could deadlock with a move out of it), and a session
    moved later is counted again when the catalogue changes (:func:`fill_grown_sessions`)."""
    previous = enrolment.status
    enrolment.status, enrolment.updated_at = LAPSED, now
    await db.flush()
    await audit(db, now, SYSTEM, "lapse", enrolment, previous_status=previous)
    kind = "waitlist_lapsed" if previous == WAITLISTED else "approval_lapsed"
    return Change(kind, enrolment, slot)


async def lapse(db: AsyncSession, catalogue: Catalogue, enrolment_id: int, now: datetime
                ) -> list[Change]:
    """End this enrolment if it still waits (on the waitlist, or for an approval) and its
    session has begun (:func:`~domain.enrolment_rules.has_lapsed`); else change nothing."""
    enrolment = await db.get(Enrolment, enrolment_id, with_for_update=True,
                             populate_existing=True)
    if enrolment is None:
        return []
    slot = slot_of_enrolment(catalogue, enrolment.session_id, enrolment.course_id)
    if not has_lapsed(enrolment.status, slot, now):
        return []
    return [await _lapse(db, enrolment, slot, now)]


async def waiting(db: AsyncSession) -> list[Enrolment]:
    """Every enrolment on a waitlist or waiting for an approval, oldest first."""
    rows = await db.execute(
        select(Enrolment).where(Enrolment.status.in_(WAITING)).order_by(Enrolment.id)
    )
    return list(rows.scalars())


# ------------------------------------------------------------------ reading


async def of_user(db: AsyncSession, user_id: str, statuses: Sequence[str] = ACTIVE
                  ) -> list[Enrolment]:
    rows = await db.execute(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.status.in_(statuses))
        .order_by(Enrolment.created_at, Enrolment.id)
    )
    return list(rows.scalars())


@dataclass(frozen=True, slots=True)
class Usage:
    taken: int = 0
    waitlisted: int = 0


async def removed_sessions(db: AsyncSession, catalogue: Catalogue) -> list[tuple[Slot, int]]:
    """Sessions the catalogue no longer has that still hold active enrolments, with how many
    (each as a stand-in slot: see :func:`slot_of_enrolment`)."""
    rows = await db.execute(
        select(Enrolment.session_id, Enrolment.course_id, func.count())
        .where(Enrolment.status.in_(ACTIVE))
        .group_by(Enrolment.session_id, Enrolment.course_id)
        .order_by(Enrolment.session_id)
    )
    slots = [(slot_of_enrolment(catalogue, str(s), str(c)), int(n)) for s, c, n in rows.all()]
    return [(slot, n) for slot, n in slots if slot.removed]


async def usage(db: AsyncSession, slot_ids: Sequence[str]) -> dict[str, Usage]:
    """Seats taken and people waiting per slot (slots nobody applied for are absent)."""
    rows = await db.execute(
        select(Enrolment.session_id, Enrolment.status, func.count())
        .where(Enrolment.session_id.in_(list(slot_ids)), Enrolment.status.in_(ACTIVE))
        .group_by(Enrolment.session_id, Enrolment.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for session_id, status, n in rows.all():
        counts.setdefault(session_id, {})[status] = int(n)
    return {
        sid: Usage(c.get(ENROLLED, 0) + c.get(PENDING, 0), c.get(WAITLISTED, 0))
        for sid, c in counts.items()
    }


# ------------------------------------------------------------------ transactions


async def in_transaction(sessions: async_sessionmaker[AsyncSession],
                         work: Callable[[AsyncSession], Awaitable[T]], attempts: int = 3) -> T:
    """Run ``work`` in one transaction; retried when the unique index refused a concurrent
    duplicate (the retry then finds the row that won)."""
    for attempt in range(1, attempts + 1):
        try:
            async with sessions() as db, db.begin():
                return await work(db)
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
