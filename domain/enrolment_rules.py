"""Who may apply for what, and until when: pure rules over the course catalogue.

A *slot* is what a person applies for: a session of a course, or, for an e-learning course
without sessions, its licence pool (the slot id is then the course id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from knowledge.catalogue import Catalogue, Course, Session

ENROLLED, PENDING, WAITLISTED, CANCELLED, DECLINED, LAPSED = (
    "enrolled", "pending", "waitlisted", "cancelled", "declined", "lapsed",
)
ACTIVE: tuple[str, ...] = (ENROLLED, PENDING, WAITLISTED)
HOLDS_SEAT: tuple[str, ...] = (ENROLLED, PENDING)
WAITING: tuple[str, ...] = (PENDING, WAITLISTED)  # not yet a confirmed seat


@dataclass(frozen=True, slots=True)
class Applicant:
    """The person applying, as the bot resolved them (``user_id`` is the Entra object id)."""

    user_id: str
    name: str
    upn: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    tier: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Slot:
    """A session of a course, or a course's licence pool (``session`` None)."""

    id: str
    course: Course
    session: Session | None
    capacity: int
    removed: bool = False  # a session the catalogue no longer has (see slot_of_enrolment)

    @property
    def start(self) -> datetime | None:
        return self.session.start if self.session else None

    @property
    def closes_at(self) -> datetime | None:
        """When applications (and cancellations) close; None for a licence pool."""
        return self.session.closes_at if self.session else None


class Refused(Exception):
    """A rule said no. ``reason`` is a stable code the bot turns into a message."""

    def __init__(self, reason: str, **context: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.context = context


def slots_of(course: Course) -> list[Slot]:
    """The course's sessions in time order, or its licence pool."""
    if course.sessions:
        return [Slot(s.id, course, s, s.capacity) for s in course.sessions]
    if course.licence_pool:
        return [Slot(course.id, course, None, course.licence_pool)]
    return []


def find_slot(catalogue: Catalogue, slot_id: str) -> Slot | None:
    """The slot with this id (a session id, or a licence course id); case-insensitive."""
    session = catalogue.session(slot_id)
    if session is None:
        folded = slot_id.casefold()
        session = next(
            (s for c in catalogue.courses for s in c.sessions if s.id.casefold() == folded), None
        )
    if session is not None:
        course = catalogue.course(session.course_id)
        return Slot(session.id, course, session, session.capacity) if course else None
    course = catalogue.course(slot_id) or next(
        (c for c in catalogue.courses if c.id.casefold() == slot_id.casefold()), None
    )
    if course is not None and not course.sessions and course.licence_pool:
        return slots_of(course)[0]
    return None


def slot_of_enrolment(catalogue: Catalogue, session_id: str, course_id: str) -> Slot:
    """The slot an enrolment holds, also when an admin has since removed its session (or its
    course) from the catalogue: then a stand-in marked ``removed``, with no seats and no
    deadline, so that the person can still see and withdraw the enrolment."""
    found = find_slot(catalogue, session_id)
    if found is not None:
        return found
    course = catalogue.course(course_id) or Course(id=course_id, title=course_id, category="")
    return Slot(session_id, course, None, 0, removed=True)


def is_open(slot: Slot, now: datetime) -> bool:
    """Whether applications are still accepted (before the deadline, or the start)."""
    return slot.closes_at is None or now < slot.closes_at


def has_started(slot: Slot, now: datetime) -> bool:
    """Whether the slot's session has begun (a licence pool never does)."""
    return slot.start is not None and now >= slot.start


def has_lapsed(status: str, slot: Slot, now: datetime) -> bool:
    """Whether a place on the waitlist, or an application nobody decided, can no longer become
    a seat: its session has begun. It then ends as ``lapsed``, so that the person may apply
    for another session of the course (one active enrolment per course)."""
    return status in WAITING and has_started(slot, now)


def can_withdraw(status: str, slot: Slot, now: datetime) -> bool:
    """Whether an enrolment may still be withdrawn or moved: a seat until the deadline, a
    place on the waitlist (no seat held) any time."""
    return status not in HOLDS_SEAT or is_open(slot, now)


def is_eligible(course: Course, applicant: Applicant) -> bool:
    return Catalogue.is_eligible(course, applicant.tier, applicant.roles)


def is_mandatory(course: Course, applicant: Applicant) -> bool:
    return Catalogue.is_mandatory(course, applicant.tier)


def open_slots(course: Course, now: datetime) -> list[Slot]:
    return [s for s in slots_of(course) if is_open(s, now)]


def courses_offered(catalogue: Catalogue, applicant: Applicant, now: datetime) -> list[Course]:
    """Courses this person may take that still have an open slot; mandatory ones first."""
    return [
        c for c in catalogue.courses_for(applicant.tier, applicant.roles) if open_slots(c, now)
    ]


def check_can_apply(slot: Slot, applicant: Applicant, now: datetime) -> None:
    """Raise :class:`Refused` unless ``applicant`` may apply for ``slot`` now."""
    if not is_eligible(slot.course, applicant):
        raise Refused("not_eligible", course=slot.course.title)
    if has_started(slot, now):
        raise Refused("started", course=slot.course.title)
    if not is_open(slot, now):
        raise Refused("closed", course=slot.course.title, closes_at=slot.closes_at)
