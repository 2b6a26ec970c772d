"""When reminders go out, and who still has a mandatory course to apply for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enrolment import Enrolment
from domain.enrolment_rules import ACTIVE, open_slots
from knowledge.catalogue import TOKYO, Catalogue, Course

REMINDER_JOB = "enrol.reminder"
NUDGE_JOB = "enrol.nudge"
LAPSE_JOB = "enrol.lapse"  # at a session's start: end its waitlist and undecided applications

_JP_HOLIDAYS = holidays.country_holidays("JP")


def is_business_day(day: date) -> bool:
    """Weekdays that are not Japanese public holidays nor the New Year break (12/29–1/3)."""
    new_year = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return day.weekday() < 5 and day not in _JP_HOLIDAYS and not new_year


def reminder_time(start: datetime, hour: int, business_days: bool = True) -> datetime:
    """The day before ``start`` at ``hour`` (Japan time); with ``business_days``, the last
    working day before it (a Monday session is announced on Friday)."""
    day = start.astimezone(TOKYO).date() - timedelta(days=1)
    while business_days and not is_business_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(hour), TOKYO)


def reminder_key(enrolment_id: int) -> str:
    return f"{REMINDER_JOB}:{enrolment_id}"


def lapse_key(enrolment_id: int, start: datetime) -> str:
    """One job per enrolment and start time: a session moved to another time gets its own."""
    return f"{LAPSE_JOB}:{enrolment_id}:{start.astimezone(TOKYO):%Y%m%d%H%M}"


def next_nudge(now: datetime, day_of_month: int, hour: int) -> datetime:
    """The next ``day_of_month`` at ``hour`` (Japan time) after ``now``."""
    local = now.astimezone(TOKYO)
    candidate = datetime(local.year, local.month, day_of_month, hour, tzinfo=TOKYO)
    if candidate <= local:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        candidate = datetime(year, month, day_of_month, hour, tzinfo=TOKYO)
    return candidate


def nudge_key(moment: datetime) -> str:
    return f"{NUDGE_JOB}:{moment.astimezone(TOKYO):%Y-%m}"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Who might be nudged (from the directory): ``user_id`` is the Entra object id."""

    user_id: str
    upn: str
    name: str
    tier: str


async def missing_mandatory(
    db: AsyncSession, catalogue: Catalogue, staff: Iterable[StaffMember], now: datetime
) -> list[tuple[StaffMember, list[Course]]]:
    """Staff with a mandatory course for their tier (with an open session) that they have not
    applied for (an active enrolment of any status counts as applied)."""
    courses = [c for c in catalogue.courses if c.mandatory_for and open_slots(c, now)]
    if not courses:
        return []
    rows = await db.execute(
        select(Enrolment.user_id, Enrolment.upn, Enrolment.course_id).where(
            Enrolment.course_id.in_([c.id for c in courses]), Enrolment.status.in_(ACTIVE)
        )
    )
    applied = set()
    for user_id, upn, course_id in rows.all():
        applied.add((user_id, course_id))
        if upn:
            applied.add((upn.lower(), course_id))
    result = []
    for member in staff:
        missing = [
            c for c in courses
            if member.tier in c.mandatory_for
            and (member.user_id, c.id) not in applied and (member.upn.lower(), c.id) not in applied
        ]
        if missing:
            result.append((member, missing))
    return result
