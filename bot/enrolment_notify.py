"""What an enrolment change sets in motion, written in the change's own transaction:
proactive notices and approval cards (outbox), day-before reminders and the monthly nudge
(jobs). Also the job handlers and who may approve."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import enrolment_cards as cards
from bot.identity import Identity
from bot.texts import enrolment as t
from domain import enrolment as en
from domain import jobs, outbox
from domain.enrolment import SYSTEM, Change, Enrolment, EnrolmentAudit, audit
from domain.enrolment_reminders import (
    LAPSE_JOB,
    NUDGE_JOB,
    REMINDER_JOB,
    StaffMember,
    lapse_key,
    missing_mandatory,
    next_nudge,
    nudge_key,
    reminder_key,
    reminder_time,
)
from domain.enrolment_rules import ENROLLED, PENDING, Slot, find_slot, has_started
from domain.models import ConversationRefRow
from knowledge.catalogue import HEAD, Course
from knowledge.directory import Person

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

TOPIC_NOTICE = "enrol.notice"
TOPIC_APPROVAL = "enrol.approval"  # + ":<enrolment id>" for each approval request
TOPIC_APPROVAL_ADMIN = "enrol.approval_admin"  # + ":<enrolment id>": the admins' fallback
NO_APPROVER = "no_approver"  # audit action when no approver could be reached


def approval_topic(enrolment_id: int) -> str:
    return f"{TOPIC_APPROVAL}:{enrolment_id}"


@dataclass(frozen=True, slots=True)
class EnrolmentSettings:
    """Reminder settings and the training contact (``ENROL_REMINDER_HOUR=17``,
    ``TRAINING_CONTACT`` ... in :mod:`bot.config`)."""

    reminder_hour: int = 17
    reminder_business_days: bool = True  # Monday's session is announced on Friday
    nudge_enabled: bool = False
    nudge_day: int = 1
    nudge_hour: int = 9
    training_contact: str = ""  # for courses that name no contact of their own

    @classmethod
    def from_settings(cls, settings: Settings) -> EnrolmentSettings:
        return cls(
            settings.enrol_reminder_hour, settings.enrol_reminder_business_days,
            settings.enrol_nudge_enabled, settings.enrol_nudge_day, settings.enrol_nudge_hour,
            settings.training_contact,
        )


class Notifier:
    """Turns :class:`Change` s into outbox messages and jobs, in the caller's session."""

    def __init__(self, runtime: Runtime, settings: EnrolmentSettings) -> None:
        self.runtime = runtime
        self.settings = settings

    # ------------------------------------------------------------ approvers

    def approvers(self, course: Course, unit_code: str | None) -> list[Person]:
        """The people who may approve: roles (admin, helpdesk, the applicant's promoter or
        specialist), the applicant's 所属長, or UPNs named in the catalogue; admins when it
        names none."""
        directory = self.runtime.directory.current
        unit = directory.unit(unit_code) if unit_code else None
        found: dict[str, Person] = {}
        for name in course.approvers or ("admin",):
            people: Iterable[Person]
            if "@" in name:
                person = directory.person_by_upn(name)
                people = [person] if person else []
            elif name == "admin":
                people = directory.admins()
            elif name == "helpdesk":
                people = directory.helpdesk()
            elif name == "promoter":
                people = directory.promoters(unit_code) if unit_code else []
            elif name == "specialist":
                people = directory.specialists(unit.department_code) if unit else []
            elif name == HEAD:
                people = directory.heads(unit_code) if unit_code else []
            else:
                people = []
            for p in people:
                found.setdefault(p.upn, p)
        return list(found.values())

    def may_approve(self, identity: Identity, course: Course, enrolment: Enrolment) -> bool:
        if identity.user_id == enrolment.user_id:  # not even an admin approves their own
            return False
        if identity.is_admin:
            return True
        upns = {p.upn for p in self.approvers(course, enrolment.unit_code)}
        return identity.upn is not None and identity.upn.lower() in upns

    # ------------------------------------------------------------ applying changes

    async def apply(self, db: AsyncSession, changes: Sequence[Change]) -> None:
        for change in changes:
            await self._apply(db, change)

    async def _apply(self, db: AsyncSession, change: Change) -> None:
        e, slot, kind = change.enrolment, change.slot, change.kind
        if kind == "enrolled":
            await self._schedule_reminder(db, e, slot)
        elif kind == "pending":
            await self._ask_approval(db, e, slot)
            await self.schedule_lapse(db, e, slot)
        elif kind == "waitlisted":
            await self.schedule_lapse(db, e, slot)
        elif kind == "promoted":
            if e.status == ENROLLED:
                await self._tell(db, e, slot, t.PROMOTED)
                await self._schedule_reminder(db, e, slot)
            else:
                await self._tell(db, e, slot, t.PROMOTED_PENDING)
                await self._ask_approval(db, e, slot)
        elif kind == "waitlist_lapsed":
            await self._tell(db, e, slot, t.WAITLIST_LAPSED)
        elif kind == "approval_lapsed":
            await self._tell(db, e, slot, t.APPROVAL_LAPSED)
            await self._close_approvals(db, e, slot, t.APPROVAL_EXPIRED)
        elif kind == "approved":
            await self._tell(db, e, slot, t.APPROVED)
            await self._schedule_reminder(db, e, slot)
            await self._close_approvals(db, e, slot, t.DECIDED_BY.format(
                who=e.decided_by, decision=t.DECISION["approved"]))
        elif kind == "declined":
            await self._tell(db, e, slot, t.DECLINED)
            await self._close_approvals(db, e, slot, t.DECIDED_BY.format(
                who=e.decided_by, decision=t.DECISION["declined"]))
        elif kind in ("cancelled", "moved"):
            await jobs.cancel(db, reminder_key(e.id or 0))
            if e.decided_at is None:
                await self._close_approvals(
                    db, e, slot, t.WITHDRAWN if kind == "cancelled" else t.MOVED_AWAY)

    def staff(self, course: Course | None) -> str:
        """Who to ask about the course: its contact, else the configured one, else 「研修担当」."""
        return t.staff((course.contact if course else "") or self.settings.training_contact)

    async def _tell(self, db: AsyncSession, e: Enrolment, slot: Slot, template: str) -> None:
        message = template.format(course=slot.course.title, when=cards.when(slot),
                                  staff=self.staff(slot.course))
        await outbox.enqueue(db, outbox.card_activity(cards.notice(message, slot)),
                             user_id=e.user_id, topic=TOPIC_NOTICE)

    async def user_id_of(self, db: AsyncSession, person: Person) -> str | None:
        """The person's Entra object id (the outbox key): from the directory, else from a chat
        they had with the bot (matched by UPN)."""
        if person.aad_object_id:
            return person.aad_object_id
        row = await db.execute(
            select(ConversationRefRow.user_id)
            .where(ConversationRefRow.upn == person.upn,
                   ConversationRefRow.conversation_type == "personal")
            .limit(1)
        )
        return row.scalar_one_or_none()

    async def _ask_approval(self, db: AsyncSession, e: Enrolment, slot: Slot) -> None:
        ids: list[int] = []
        card = cards.approval(e, slot)
        summary = t.APPROVAL_TEXT.format(name=e.name, course=slot.course.title)
        asked: set[str] = set()
        for person in self.approvers(slot.course, e.unit_code):
            user_id = await self.user_id_of(db, person)
            if not user_id:
                log.warning("approver without an Entra object id", extra={"upn": person.upn})
                continue
            if user_id in asked or user_id == e.user_id:  # nobody approves their own application
                continue
            asked.add(user_id)
            message = await outbox.enqueue(db, outbox.card_activity(card, summary),
                                           user_id=user_id, topic=approval_topic(e.id or 0))
            ids.append(message.id or 0)
        e.approval_messages = ids
        if not ids:
            await self._nobody_reached(db, e, slot, [], set())

    async def _nobody_reached(self, db: AsyncSession, e: Enrolment, slot: Slot,
                              asked: list[int], unreachable: set[str]) -> None:
        """No approver can be reached: tell the applicant, and ask the admins (those not
        already tried) to approve instead; recorded in the audit trail once per request."""
        log.warning("nobody can be asked to approve", extra={"enrolment_id": e.id})
        await audit(db, self.runtime.clock.now(), SYSTEM, NO_APPROVER, e, asked=sorted(asked))
        await self._tell(db, e, slot, t.NO_APPROVER_APPLICANT)
        card = cards.approval(e, slot, note=t.NO_APPROVER_ADMIN)
        summary = t.APPROVAL_TEXT.format(name=e.name, course=slot.course.title)
        ids = list(e.approval_messages or [])
        for admin in self.runtime.directory.current.admins():
            user_id = await self.user_id_of(db, admin)
            if not user_id or user_id in unreachable or user_id == e.user_id:
                continue
            message = await outbox.enqueue(db, outbox.card_activity(card, summary),
                                           user_id=user_id,
                                           topic=f"{TOPIC_APPROVAL_ADMIN}:{e.id}")
            ids.append(message.id or 0)
        e.approval_messages = ids
        if not ids:
            log.error("no admin can be reached about an approval", extra={"enrolment_id": e.id})

    async def on_outcome(self, message: outbox.OutboxMessage, outcome: outbox.Outcome,
                         db: AsyncSession) -> None:
        """Outbox hook for approval requests: when none of them reached anyone, act as if
        nobody could be asked."""
        if outcome.status == outbox.SENT:
            return
        try:
            enrolment_id = int(message.topic.rsplit(":", 1)[1])
        except (IndexError, ValueError):
            return
        e = await db.get(Enrolment, enrolment_id)
        if e is None or e.status != PENDING:
            return
        rows = (await db.execute(
            select(outbox.OutboxMessage).where(
                outbox.OutboxMessage.id.in_(list(e.approval_messages or [])),
                outbox.OutboxMessage.topic == approval_topic(enrolment_id))
        )).scalars().all()
        if message.id not in {r.id for r in rows}:
            return  # an older request, replaced since
        if any(r.status in (outbox.PENDING, outbox.SENT) for r in rows):
            return  # someone got it, or may still get it
        asked = sorted(r.id or 0 for r in rows)
        done = (await db.execute(select(EnrolmentAudit.detail).where(
            EnrolmentAudit.enrolment_id == enrolment_id, EnrolmentAudit.action == NO_APPROVER
        ))).scalars().all()
        if any(sorted(d.get("asked", [])) == asked for d in done):
            return  # already handled
        slot = find_slot(self.runtime.catalogue.current, e.session_id)
        if slot is not None:
            await self._nobody_reached(db, e, slot, asked, {r.user_id or "" for r in rows})

    async def _close_approvals(self, db: AsyncSession, e: Enrolment, slot: Slot,
                               outcome: str) -> None:
        card = cards.approval_closed(e, slot, outcome)
        for message_id in e.approval_messages or []:
            await outbox.enqueue(db, outbox.card_activity(card), update_of=message_id,
                                 topic=TOPIC_APPROVAL + ".closed")

    async def _schedule_reminder(self, db: AsyncSession, e: Enrolment, slot: Slot) -> None:
        if slot.start is None:
            return
        run_at = reminder_time(slot.start, self.settings.reminder_hour,
                               self.settings.reminder_business_days)
        if run_at <= self.runtime.clock.now():
            return  # applied after the reminder would have gone
        await jobs.schedule(db, REMINDER_JOB, run_at, {"enrolment_id": e.id},
                            dedupe_key=reminder_key(e.id or 0))

    async def schedule_lapse(self, db: AsyncSession, e: Enrolment, slot: Slot) -> None:
        """When the session starts, end this enrolment if it is still waiting."""
        if slot.start is not None:
            await jobs.schedule(db, LAPSE_JOB, slot.start, {"enrolment_id": e.id},
                                dedupe_key=lapse_key(e.id or 0, slot.start))

    # ------------------------------------------------------------ job handlers

    async def lapse(self, payload: dict[str, Any], db: AsyncSession) -> None:
        """``enrol.lapse``: the session has started; a place still on its waitlist, or an
        application still undecided, ends and the person is told (a session moved later has
        a job of its own, scheduled when the catalogue changed)."""
        catalogue = self.runtime.catalogue.current
        await self.apply(db, await en.lapse(db, catalogue, int(payload["enrolment_id"]),
                                            self.runtime.clock.now()))

    async def sweep_waiting(self, db: AsyncSession) -> None:
        """At start-up and after each catalogue change: end what waits for a session that has
        begun (its job ran before the session was moved earlier, or the bot was stopped), and
        schedule the end of the rest for their sessions' (maybe new) start times."""
        catalogue, now = self.runtime.catalogue.current, self.runtime.clock.now()
        for e in await en.waiting(db):
            slot = find_slot(catalogue, e.session_id)
            if slot is None or slot.start is None:
                continue  # a removed session or a licence: nothing starts
            if has_started(slot, now):
                await self.apply(db, await en.lapse(db, catalogue, e.id or 0, now))
            else:
                await self.schedule_lapse(db, e, slot)

    async def remind(self, payload: dict[str, Any], db: AsyncSession) -> None:
        """``enrol.reminder``: tell an enrolled person about tomorrow's session."""
        enrolment = await db.get(Enrolment, int(payload["enrolment_id"]))
        if enrolment is None or enrolment.status != ENROLLED:
            return
        slot = find_slot(self.runtime.catalogue.current, enrolment.session_id)
        now = self.runtime.clock.now()
        if slot is None or slot.start is None or has_started(slot, now):
            return
        due = reminder_time(slot.start, self.settings.reminder_hour,
                            self.settings.reminder_business_days)
        if due > now:  # the session was moved later: remind on the new day instead
            await jobs.schedule(db, REMINDER_JOB, due, payload,
                                dedupe_key=f"{reminder_key(enrolment.id or 0)}:{due:%Y%m%d}")
            return
        await outbox.enqueue(db, outbox.card_activity(cards.reminder(slot), t.REMINDER.format(
            course=slot.course.title)), user_id=enrolment.user_id, topic=TOPIC_NOTICE)

    async def nudge(self, payload: dict[str, Any], db: AsyncSession) -> None:
        """``enrol.nudge``: remind staff of mandatory courses they have not applied for,
        then schedule next month's run."""
        if not self.settings.nudge_enabled:
            return
        now = self.runtime.clock.now()
        directory = self.runtime.directory.current
        staff = [
            StaffMember(p.aad_object_id, p.upn, p.name, p.tier)
            for p in directory.people.values() if p.aad_object_id
        ]
        for member, courses in await missing_mandatory(
            db, self.runtime.catalogue.current, staff, now
        ):
            await outbox.enqueue(db, outbox.card_activity(cards.nudge(member.tier, courses)),
                                 user_id=member.user_id, topic=TOPIC_NOTICE)
        await self.schedule_nudge(db)

    async def schedule_nudge(self, db: AsyncSession) -> None:
        """Schedule the next monthly nudge (one per month, whichever instance runs it)."""
        if not self.settings.nudge_enabled:
            return
        run_at = next_nudge(self.runtime.clock.now(), self.settings.nudge_day,
                            self.settings.nudge_hour)
        await jobs.schedule(db, NUDGE_JOB, run_at, {}, dedupe_key=nudge_key(run_at))
