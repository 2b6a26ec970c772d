"""Ticket work together with what people are told: routing, cards, reminders, outcomes.

Every method runs in the caller's session and transaction: the state change, its audit
events, the outbox messages and the scheduled jobs commit together or not at all (a restart
after the commit still delivers everything). Used by the chat handlers, the job handlers and
the outbox outcome hooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import escalation_cards as cards
from bot.texts import escalation as texts
from domain import jobs, outbox
from domain import ticket_proposals as proposals
from domain import tickets as t
from domain.models import ConversationRefRow
from domain.ticket_hours import BusinessCalendar
from domain.ticket_routing import HELPDESK, Level, plan
from domain.tickets import (
    AGAIN,
    DELIVERED,
    NOTIFIED,
    PASSED,
    RETRIED,
    SYSTEM,
    UNREACHABLE,
    Actor,
    NotAllowed,
    Ticket,
    TicketError,
    TicketRecipient,
)
from knowledge.directory import Directory, Person

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SLA_JOB = "escalation.sla"
AUTORESOLVE_JOB = "escalation.autoresolve"
RETRY_JOB = "escalation.retry"
HELD_JOB = "escalation.held"
HELD_FACTOR = 2  # taken but unanswered: remind after twice the claim time, then the admins
TOPIC = "escalation:"
REACHABLE = (NOTIFIED, DELIVERED, RETRIED)
UNREACHED = (UNREACHABLE, AGAIN)  # could not be reached (yet): the daily retry tries again
#: The card's outbox topic ends with this when the requester is to hear of its delivery
#: (a level the ticket was passed up to, or a retry; not the first routing).
ANNOUNCE = "announce"


@dataclass(frozen=True, slots=True)
class Draft:
    """What the requester confirmed."""

    key: str
    question: str
    details: str = ""
    urgency: str = t.NORMAL
    attachments: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Requester:
    user_id: str
    name: str
    upn: str | None
    unit_code: str | None
    unit_name: str | None
    department_code: str | None
    department_name: str | None


def target_label(level: Level | None, unit_name: str | None, department_name: str | None) -> str:
    """「総務課のデジタル活用推進員」: who receives a ticket, by role and unit."""
    role = level.role if level else HELPDESK
    label = texts.ROLE_TARGETS[role].format(unit=unit_name or texts.UNKNOWN_UNIT,
                                            department=department_name or "")
    return label + (texts.BACKUP_SUFFIX if level and level.backup else "")


class Escalations:
    """The escalation service of one running bot."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        s = runtime.settings
        self.calendar = BusinessCalendar.from_text(s.business_hours, s.business_days,
                                                   s.business_closed_days)

    # ------------------------------------------------------------ helpers

    @property
    def directory(self) -> Directory:
        return self.rt.directory.current

    def now(self) -> datetime:
        return self.rt.clock.now()

    def levels(self, ticket: Ticket) -> list[Level]:
        return plan(self.directory, ticket.unit_code, ticket.requester_upn)

    def first_target(self, unit_code: str | None, unit_name: str | None,
                     department_name: str | None, upn: str | None) -> str:
        levels = plan(self.directory, unit_code, upn)
        return target_label(levels[0] if levels else None, unit_name, department_name)

    def claim_minutes(self, ticket: Ticket) -> int:
        s = self.rt.settings
        return s.escalation_urgent_minutes if ticket.urgency == t.URGENT else s.escalation_claim_minutes

    def guesses(self, question: str) -> tuple[list[dict[str, Any]], str]:
        """The FAQ's best three entries for the question, and the topic (top category); only
        entries the FAQ itself would offer (at or above its clarify threshold)."""
        matcher = self.rt.faq.current.matcher
        result = matcher.match(question, limit=3)
        floor = matcher.settings.clarify_threshold
        found = [{"id": c.entry.id, "question": c.entry.question, "category": c.entry.category,
                  "score": round(c.score, 3)} for c in result.candidates[:3] if c.score >= floor]
        topic = found[0]["category"] if found and result.band != "none" else ""
        return found, topic

    async def user_id_of(self, session: AsyncSession, person: Person) -> str | None:
        """The person's Entra object id (the outbox key), from the directory or their chats."""
        if person.aad_object_id:
            return person.aad_object_id
        row = await session.execute(
            select(ConversationRefRow.user_id)
            .where(ConversationRefRow.upn == person.upn, ConversationRefRow.conversation_type == "personal")
            .limit(1)
        )
        return row.scalar_one_or_none()

    async def tell(self, session: AsyncSession, user_id: str, activity: dict[str, Any] | str,
                   topic: str = "escalation:note") -> outbox.OutboxMessage:
        return await outbox.enqueue(session, activity, user_id=user_id, topic=topic)

    async def tell_admins(self, session: AsyncSession, text: str) -> None:
        log.info("escalation: telling the admins")
        log.debug("escalation: admin note", extra={"text": text})
        for admin in self.directory.admins():
            user_id = await self.user_id_of(session, admin)
            if user_id:
                await self.tell(session, user_id, text, topic="escalation:admin")

    async def _update_cards(self, session: AsyncSession, ticket: Ticket, view_of: Any) -> None:
        """Replace each recipient's card with ``view_of(recipient) -> (view, by) | None``."""
        for r in await t.recipients(session, ticket.id or 0):
            if r.card_message_id is None or r.status in UNREACHED:
                continue
            chosen = view_of(r)
            if chosen is None:
                continue
            view, by = chosen
            await outbox.enqueue(session, outbox.card_activity(cards.request(ticket, view, by)),
                                 update_of=r.card_message_id, topic="escalation:update")

    # ------------------------------------------------------------ creating and routing

    async def create(self, session: AsyncSession, who: Requester, draft: Draft,
                     now: datetime) -> tuple[Ticket, Level | None, bool]:
        """The ticket for ``draft`` (the existing one if this card was already sent)."""
        existing = await t.by_request_key(session, draft.key)
        if existing is not None:
            if existing.requester_id != who.user_id:  # someone else's card, forwarded or forged
                raise TicketError("foreign_draft", f"draft of ticket {existing.id}")
            return existing, None, False
        guesses, topic = self.guesses(draft.question)
        ticket = Ticket(
            request_key=draft.key, requester_id=who.user_id, requester_name=who.name,
            requester_upn=who.upn, unit_code=who.unit_code, unit_name=who.unit_name,
            department_code=who.department_code, department_name=who.department_name,
            question=draft.question, details=draft.details, urgency=draft.urgency,
            attachments=list(draft.attachments), guesses=guesses, topic=topic,
        )
        actor = Actor(who.user_id, who.name, who.upn)
        await t.add(session, ticket, actor, now)
        level = await self.route_next(session, ticket, now, announce=False)
        return ticket, level, True

    async def route_next(self, session: AsyncSession, ticket: Ticket, now: datetime, *,
                         since: datetime | None = None, from_top: bool = False,
                         announce: bool = True) -> Level | None:
        """Send the ticket to the next level that has someone reachable; None if nobody is left
        (see :meth:`exhausted`). Unreachable people on the way are skipped and reported.

        ``since``: when the claim deadline starts (the due time of the step that moved it on;
        default ``now``). ``from_top``: a new round from the first level, in which those who
        could not be reached get the card again, level by level (never those who passed it
        on). ``announce``: tell the requester once a card of the new level is delivered."""
        levels = self.levels(ticket)
        rows = await t.recipients(session, ticket.id or 0)
        if from_top:
            for row in rows:
                if row.status == UNREACHABLE:
                    row.status = AGAIN
        known = {r.upn: r for r in rows}
        known_ids = {r.user_id for r in rows}
        first_round: bool | None = None
        for index in range(0 if from_top else ticket.level + 1, len(levels)):
            level = levels[index]
            chosen: list[tuple[Person, str, TicketRecipient | None]] = []
            for person in level.people:
                row = known.get(person.upn)
                if row is not None:
                    if row.status == AGAIN:
                        chosen.append((person, row.user_id, row))
                    continue
                user_id = await self.user_id_of(session, person)
                if user_id is None:
                    if first_round is None:
                        first_round = not await self.was_exhausted(session, ticket)
                    if first_round:  # reported once, not on every daily retry
                        await self.unreachable(session, ticket, person.name, person.upn,
                                               texts.REASON_NO_ID, now)
                elif user_id not in known_ids:
                    chosen.append((person, user_id, None))
            if not chosen:
                continue
            ticket.level, ticket.level_role = index, level.role
            session.add(ticket)
            for person, user_id, row in chosen:
                if row is None:
                    row = TicketRecipient(ticket_id=ticket.id or 0, level=index, role=level.role,
                                          user_id=user_id, upn=person.upn, name=person.name,
                                          created_at=now)
                    session.add(row)
                    await session.flush()
                else:
                    row.level, row.role, row.status, row.created_at = index, level.role, RETRIED, now
                topic = f"escalation:card:{ticket.id}:{row.id}" + (f":{ANNOUNCE}" if announce else "")
                message = await self.tell(
                    session, user_id,
                    outbox.card_activity(cards.request(ticket, "open"),
                                         texts.REQUEST_TITLE.format(id=ticket.id)),
                    topic=topic,
                )
                row.card_message_id = message.id
            label = target_label(level, ticket.unit_name, ticket.department_name)
            names = "、".join(p.name for p, *_ in chosen)
            t.record(session, ticket, "routed", SYSTEM, now, f"{label}: {names}")
            await self.schedule_sla(session, ticket, since or now, "remind")
            return level
        await self.exhausted(session, ticket, now)
        return None

    async def was_exhausted(self, session: AsyncSession, ticket: Ticket) -> bool:
        return any(e.action == "exhausted" for e in await t.events(session, ticket.id or 0))

    async def reach(self, session: AsyncSession, ticket: Ticket) -> str:
        """Who has the card: ``all`` (delivered, nobody left unreachable), ``some`` (delivered
        to someone, others unreachable) or ``none``. With a card delivered, "nobody has taken
        it" is the truth, not "it could not be delivered"."""
        rows = await t.recipients(session, ticket.id or 0)
        if not any(r.status == DELIVERED for r in rows):
            return "none"
        return "some" if any(r.status in UNREACHED for r in rows) else "all"

    async def exhausted(self, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
        """Nobody left to send it to: the ticket stays open; the admins hear of it the first
        time; every business day the routing starts again from the top (so a promoter who
        has since opened the bot receives it)."""
        first = not await self.was_exhausted(session, ticket)
        t.record(session, ticket, "exhausted", SYSTEM, now)
        if first:
            told = {"all": texts.ADMIN_UNCLAIMED, "some": texts.ADMIN_UNCLAIMED_SOME}.get(
                await self.reach(session, ticket), texts.ADMIN_EXHAUSTED)
            await self.tell_admins(session, told.format(
                id=ticket.id, unit=ticket.unit_name or ticket.unit_code or "-"))
        await self.schedule_retry(session, ticket, now)

    async def unreachable(self, session: AsyncSession, ticket: Ticket, name: str, upn: str,
                          reason: str, now: datetime) -> None:
        """Record that a person cannot be reached, and tell the admins."""
        t.record(session, ticket, "unreachable", SYSTEM, now,
                 texts.UNREACHABLE_EVENT.format(name=name, reason=reason))
        await self.tell_admins(session, texts.ADMIN_UNREACHABLE.format(
            name=name, upn=upn, id=ticket.id, reason=reason))

    async def schedule_sla(self, session: AsyncSession, ticket: Ticket, since: datetime, stage: str) -> None:
        """The claim deadline counted from ``since``; the job carries its own due time, so the
        next stage counts from when this one was due, not from when the worker ran it."""
        run_at = self.calendar.add(since, self.claim_minutes(ticket))
        await jobs.schedule(session, SLA_JOB, run_at,
                            {"ticket_id": ticket.id, "level": ticket.level, "stage": stage,
                             "due": run_at.isoformat()},
                            dedupe_key=f"escalation:sla:{ticket.id}:{ticket.level}:{stage}:{run_at:%Y%m%d%H%M}")

    async def escalate(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime,
                       note: str, since: datetime | None = None) -> Level | None:
        """Back to ``open`` for the next level. The requester hears who else was asked once
        their card is delivered (:meth:`on_outcome`), or, the first time nobody is left, that
        it could not be delivered yet."""
        before = await self.was_exhausted(session, ticket)
        t.apply(session, ticket, "escalate", actor, now, note)
        level = await self.route_next(session, ticket, now, since=since)
        if level is None and not before:
            told = texts.REQUESTER_NOBODY if await self.reach(session, ticket) == "none" else (
                texts.REQUESTER_UNCLAIMED)
            await self.tell(session, ticket.requester_id, told.format(id=ticket.id))
        return level

    # ------------------------------------------------------------ the people it was routed to

    async def check_handler(self, session: AsyncSession, ticket: Ticket, actor: Actor, action: str) -> None:
        if not await t.may_handle(session, ticket, actor):
            mine = await t.recipient(session, ticket.id or 0, actor.user_id)
            if mine is not None and mine.status == PASSED:
                raise TicketError("passed", "")
            raise NotAllowed(ticket.id, action, actor.user_id)
        held = ticket.status in (t.CLAIMED, t.REOPENED)
        if held and ticket.assignee_id != actor.user_id and not (actor.is_admin and action != "claim"):
            raise TicketError("taken", ticket.assignee_name or "")

    async def claim(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime) -> None:
        await self.check_handler(session, ticket, actor, "claim")
        if ticket.status in (t.CLAIMED, t.REOPENED):
            raise TicketError("already_yours", "")
        t.apply(session, ticket, "claim", actor, now)
        await self._update_cards(session, ticket, lambda r: (
            ("mine", None) if r.user_id == actor.user_id else ("taken", actor.name)))
        await self.tell(session, ticket.requester_id,
                        texts.REQUESTER_CLAIMED.format(id=ticket.id, name=actor.name))
        await self.schedule_held(session, ticket, now, "remind")

    async def answer(self, session: AsyncSession, ticket: Ticket, actor: Actor, text: str,
                     now: datetime) -> None:
        await self.check_handler(session, ticket, actor, "answer")
        t.apply(session, ticket, "answer", actor, now, text=text.strip())
        await self._update_cards(session, ticket, lambda r: ("answered", actor.name))
        message = await self.tell(session, ticket.requester_id,
                                  outbox.card_activity(cards.answer(ticket),
                                                       texts.ANSWER_TITLE.format(id=ticket.id)),
                                  topic="escalation:answer")
        ticket.requester_card_id = message.id
        days = self.rt.settings.escalation_autoresolve_days
        await jobs.schedule(session, AUTORESOLVE_JOB, self.calendar.add_days(now, days),
                            {"ticket_id": ticket.id, "answers": ticket.answers},
                            dedupe_key=f"escalation:autoresolve:{ticket.id}:{ticket.answers}")

    async def pass_on(self, session: AsyncSession, ticket: Ticket, actor: Actor, reason: str,
                      now: datetime) -> Level | None:
        await self.check_handler(session, ticket, actor, "pass")
        mine = await t.recipient(session, ticket.id or 0, actor.user_id)
        if mine is not None:
            mine.status = PASSED
            if mine.card_message_id is not None:
                await outbox.enqueue(session, outbox.card_activity(cards.request(ticket, "passed")),
                                     update_of=mine.card_message_id, topic="escalation:update")
        return await self.escalate(session, ticket, actor, now, reason)

    # ------------------------------------------------------------ the requester

    def check_requester(self, ticket: Ticket, actor: Actor, action: str) -> None:
        if ticket.requester_id != actor.user_id:
            raise NotAllowed(ticket.id, action, actor.user_id)

    async def _rated(self, session: AsyncSession, ticket: Ticket, view: str) -> None:
        if ticket.requester_card_id is not None:
            await outbox.enqueue(session, outbox.card_activity(cards.answer(ticket, view)),
                                 update_of=ticket.requester_card_id, topic="escalation:update")

    async def resolve(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime,
                      note: str = "") -> None:
        if actor is not SYSTEM:
            self.check_requester(ticket, actor, "resolve")
        t.apply(session, ticket, "resolve", actor, now, note)
        await self._rated(session, ticket, "resolved")
        await self._update_cards(session, ticket, lambda r: (
            ("resolved", None) if r.user_id == ticket.assignee_id else None))
        if ticket.assignee_id:
            await self.tell(session, ticket.assignee_id,
                            outbox.card_activity(cards.resolved(ticket, note or None)),
                            topic="escalation:resolved")

    async def reopen(self, session: AsyncSession, ticket: Ticket, actor: Actor, followup: str,
                     now: datetime) -> None:
        self.check_requester(ticket, actor, "reopen")
        t.apply(session, ticket, "reopen", actor, now, text=followup.strip())
        await self._rated(session, ticket, "reopened")
        await jobs.cancel(session, f"escalation:autoresolve:{ticket.id}:{ticket.answers}")
        if ticket.assignee_id:
            message = await self.tell(
                session, ticket.assignee_id,
                outbox.card_activity(cards.request(ticket, "reopened"),
                                     texts.FOLLOWUP_TITLE), topic="escalation:reopened")
            mine = await t.recipient(session, ticket.id or 0, ticket.assignee_id)
            if mine is not None:
                mine.card_message_id = message.id
            await self.schedule_held(session, ticket, now, "remind")

    async def propose(self, session: AsyncSession, ticket: Ticket, actor: Actor, question: str,
                      answer: str, now: datetime) -> proposals.FaqProposal:
        """Propose a resolved ticket as an FAQ entry (its handlers and admins); admins are told."""
        if not (actor.is_admin or actor.user_id == ticket.assignee_id
                or await t.recipient(session, ticket.id or 0, actor.user_id) is not None):
            raise NotAllowed(ticket.id, "propose", actor.user_id)
        if ticket.status != t.RESOLVED:
            raise TicketError("not_resolved", "")
        category = ticket.topic if ticket.topic else ""
        proposal = await proposals.propose(session, question=question, answer=answer, actor=actor,
                                           now=now, ticket_id=ticket.id, original=ticket.question,
                                           category=category)
        t.record(session, ticket, "proposed", actor, now, f"FAQ 提案 {proposal.id}")
        await self.tell_admins(session, texts.ADMIN_PROPOSAL.format(id=proposal.id, name=actor.name))
        return proposal

    async def cancel(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime) -> None:
        if not actor.is_admin:
            self.check_requester(ticket, actor, "cancel")
        t.apply(session, ticket, "cancel", actor, now)
        await self._update_cards(session, ticket, lambda r: ("cancelled", None))

    # ------------------------------------------------------------ jobs and outcomes

    async def on_sla(self, payload: dict[str, Any], session: AsyncSession) -> None:
        """Unclaimed after the deadline: remind the current level, then go one level up.
        Deadlines count from when this stage was due (``payload["due"]``), not from now; while
        Teams refuses every card of the level, the deadline starts again."""
        ticket = await t.get(session, int(payload["ticket_id"]), lock=True)
        if ticket is None or ticket.status != t.OPEN or ticket.level != payload["level"]:
            return
        now = self.now()
        due = datetime.fromisoformat(payload["due"]) if payload.get("due") else now
        current = [r for r in await t.recipients(session, ticket.id or 0)
                   if r.level == ticket.level and r.status in REACHABLE]
        if not current:  # nobody holds it (nobody reachable): the daily retry takes over
            return
        if await self.cards_held_up(session, current):
            # Teams is refusing the cards: nobody could have claimed it, so the deadline
            # starts again rather than reminding or going up unseen
            log.info("claim deadline restarted: cards not delivered", extra={"ticket": ticket.id})
            await self.schedule_sla(session, ticket, now, payload["stage"])
            return
        if payload["stage"] == "remind":
            await self.remind(session, ticket, current, now)
            await self.schedule_sla(session, ticket, due, "escalate")
        else:
            await self.escalate(session, ticket, SYSTEM, now, texts.NOT_CLAIMED_NOTE, since=due)

    async def schedule_held(self, session: AsyncSession, ticket: Ticket, since: datetime, stage: str) -> None:
        """The next check on a ticket someone took and has not answered: ``remind`` and
        ``admins`` after twice the claim time each, then ``daily`` every business day."""
        if stage == "daily":
            run_at = self.calendar.add_days(since, 1)
        else:
            run_at = self.calendar.add(since, self.claim_minutes(ticket) * HELD_FACTOR)
        await jobs.schedule(session, HELD_JOB, run_at,
                            {"ticket_id": ticket.id, "assignee": ticket.assignee_id,
                             "answers": ticket.answers, "stage": stage, "due": run_at.isoformat()},
                            dedupe_key=f"escalation:held:{ticket.id}:{ticket.answers}:{stage}:{run_at:%Y%m%d%H%M}")

    async def on_held(self, payload: dict[str, Any], session: AsyncSession) -> None:
        """Taken but still unanswered: remind the person who holds it; at the second check
        the admins hear of it too; then a reminder every business day until it is answered,
        passed on or cancelled."""
        ticket = await t.get(session, int(payload["ticket_id"]), lock=True)
        if (ticket is None or ticket.status not in (t.CLAIMED, t.REOPENED)
                or ticket.assignee_id != payload.get("assignee") or ticket.answers != payload.get("answers")):
            return  # answered, passed on or cancelled since: nothing is waiting on this person
        now = self.now()
        due = datetime.fromisoformat(payload["due"]) if payload.get("due") else now
        mine = await t.recipient(session, ticket.id or 0, ticket.assignee_id or "")
        if mine is not None and mine.card_message_id is not None and await self.delivery_failing(
                session, [mine.card_message_id]):  # the follow-up has not reached them (Teams down)
            await self.schedule_held(session, ticket, now, str(payload.get("stage")))
            return
        await self.tell(session, ticket.assignee_id or "",
                        outbox.card_activity(cards.held_reminder(ticket),
                                             texts.HELD_REMINDER_TITLE.format(id=ticket.id)),
                        topic="escalation:remind")
        t.apply(session, ticket, "remind", SYSTEM, now, texts.HELD_NOTE)
        if payload.get("stage") == "remind":
            await self.schedule_held(session, ticket, due, "admins")
            return
        if payload.get("stage") == "admins":
            await self.tell_admins(session, texts.ADMIN_HELD.format(
                id=ticket.id, unit=ticket.unit_name or ticket.unit_code or "-",
                name=ticket.assignee_name or "-"))
        await self.schedule_held(session, ticket, due, "daily")

    async def cards_held_up(self, session: AsyncSession, people: list[TicketRecipient]) -> bool:
        """Nobody of ``people`` has the card yet and delivery has been failing. (A card not
        yet tried, as after a restart, counts as on its way: the deadlines catch up.)"""
        if any(r.status == DELIVERED for r in people):
            return False
        return await self.delivery_failing(
            session, [r.card_message_id for r in people if r.card_message_id is not None])

    async def delivery_failing(self, session: AsyncSession, message_ids: list[int]) -> bool:
        """Whether any of these outbox messages is still waiting after a failed attempt."""
        if not message_ids:
            return False
        query = select(outbox.OutboxMessage).where(col(outbox.OutboxMessage.id).in_(message_ids))
        messages = (await session.execute(query)).scalars().all()
        return any(m.status == outbox.PENDING and m.last_error for m in messages)

    async def remind(self, session: AsyncSession, ticket: Ticket, people: list[TicketRecipient],
                     now: datetime) -> None:
        """The reminder card to each of ``people``, recorded on the ticket."""
        for r in people:
            await self.tell(session, r.user_id,
                            outbox.card_activity(cards.reminder(ticket),
                                                 texts.REMINDER_TITLE.format(id=ticket.id)),
                            topic="escalation:remind")
        t.apply(session, ticket, "remind", SYSTEM, now)

    async def schedule_retry(self, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
        """:meth:`on_retry` on the next business day (once per day)."""
        run_at = self.calendar.add_days(now, 1)
        await jobs.schedule(session, RETRY_JOB, run_at, {"ticket_id": ticket.id},
                            dedupe_key=f"escalation:retry:{ticket.id}:{run_at:%Y%m%d}")

    async def on_retry(self, payload: dict[str, Any], session: AsyncSession) -> None:
        """A business day after the ticket ran out of levels: remind those who hold it, and
        route again from the first level to those who could not be reached."""
        ticket = await t.get(session, int(payload["ticket_id"]), lock=True)
        if ticket is None or ticket.status != t.OPEN:
            return
        now = self.now()
        rows = await t.recipients(session, ticket.id or 0)
        holders = [r for r in rows if r.status in REACHABLE]
        if holders:  # those who have it and did not take it: reminded each business day
            await self.remind(session, ticket, holders, now)
        if holders and not any(r.status in UNREACHED for r in rows):
            await self.schedule_retry(session, ticket, now)
            return
        t.record(session, ticket, "retry", SYSTEM, now, texts.RETRY_NOTE)
        await self.route_next(session, ticket, now, from_top=True)

    async def on_autoresolve(self, payload: dict[str, Any], session: AsyncSession) -> None:
        ticket = await t.get(session, int(payload["ticket_id"]), lock=True)
        if ticket is None or ticket.status != t.ANSWERED or ticket.answers != payload["answers"]:
            return
        await self.resolve(session, ticket, SYSTEM, self.now(), texts.AUTO_RESOLVED_NOTE)
        await self.tell(session, ticket.requester_id, texts.AUTO_RESOLVED.format(id=ticket.id))

    async def on_outcome(self, message: outbox.OutboxMessage, outcome: outbox.Outcome,
                         session: AsyncSession) -> None:
        """A card delivered: the requester hears where their ticket went (once per level, and
        not for the first routing, which they were told about). A card that could not be
        delivered: skip that person, tell the admins (not again on a retry), and if nobody at
        the current level is left, go up at once."""
        parts = message.topic.split(":")
        if len(parts) not in (4, 5) or parts[1] != "card":
            return
        r = await session.get(TicketRecipient, int(parts[3]))
        if r is None or r.card_message_id != message.id:
            return  # a card from an earlier round
        if outcome.status == outbox.SENT:
            if r.status in (NOTIFIED, RETRIED):
                await self._delivered(session, r, announce=parts[-1] == ANNOUNCE)
            return
        if r.status not in REACHABLE:
            return
        retried, r.status = r.status == RETRIED, UNREACHABLE
        ticket = await t.get(session, r.ticket_id, lock=True)
        if ticket is None:
            return
        now = self.now()
        log.warning("escalation card undeliverable",
                    extra={"ticket": ticket.id, "upn": r.upn, "error": outcome.error or outcome.status})
        if not retried:
            reason = texts.REASON_NOT_INSTALLED if outcome.status == outbox.UNREACHABLE else texts.REASON_FAILED
            await self.unreachable(session, ticket, r.name, r.upn, reason, now)
        await session.flush()
        if ticket.status != t.OPEN or ticket.level != r.level:
            return
        current = [x for x in await t.recipients(session, ticket.id or 0)
                   if x.level == ticket.level and x.status in REACHABLE]
        if not current:
            await self.escalate(session, ticket, SYSTEM, now, texts.UNREACHABLE_NOTE)

    async def _delivered(self, session: AsyncSession, r: TicketRecipient, *, announce: bool) -> None:
        ticket = await t.get(session, r.ticket_id, lock=True)
        level_told = any(x.level == r.level and x.status == DELIVERED and x.id != r.id
                         for x in await t.recipients(session, r.ticket_id))
        r.status = DELIVERED
        if (not announce or level_told or ticket is None or ticket.status != t.OPEN
                or ticket.level != r.level):
            return
        levels = self.levels(ticket)
        level = levels[r.level] if r.level < len(levels) else None
        label = target_label(level, ticket.unit_name, ticket.department_name)
        await self.tell(session, ticket.requester_id,
                        texts.REQUESTER_ESCALATED.format(id=ticket.id, target=label))
