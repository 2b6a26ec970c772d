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
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import escalation_cards as cards
from bot.texts import escalation as texts
from domain import jobs, outbox
from domain import ticket_proposals as proposals
from domain import tickets as t
from domain.models import ConversationRefRow
from domain.ticket_hours import BusinessCalendar
from domain.ticket_routing import HELPDESK, Level, plan
from domain.tickets import SYSTEM, Actor, NotAllowed, Ticket, TicketError, TicketRecipient
from knowledge.directory import Directory, Person

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SLA_JOB = "escalation.sla"
AUTORESOLVE_JOB = "escalation.autoresolve"
TOPIC = "escalation:"
REACHABLE = ("notified", "delivered")


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
        """The FAQ's best three entries for the question, and the topic (top category)."""
        result = self.rt.faq.current.matcher.match(question, limit=3)
        found = [{"id": c.entry.id, "question": c.entry.question, "category": c.entry.category,
                  "score": round(c.score, 3)} for c in result.candidates[:3]]
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
            if r.card_message_id is None or r.status == "unreachable":
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
        level = await self.route_next(session, ticket, now)
        return ticket, level, True

    async def route_next(self, session: AsyncSession, ticket: Ticket, now: datetime) -> Level | None:
        """Send the ticket to the next level that has someone reachable; None if nobody is left
        (the admins are told). Unreachable people on the way are skipped and reported."""
        levels = self.levels(ticket)
        known = await t.recipients(session, ticket.id or 0)
        known_ids, known_upns = {r.user_id for r in known}, {r.upn for r in known}
        for index in range(ticket.level + 1, len(levels)):
            level = levels[index]
            reachable: list[tuple[Person, str]] = []
            for person in level.people:
                if person.upn in known_upns:
                    continue
                user_id = await self.user_id_of(session, person)
                if user_id is None:
                    t.record(session, ticket, "unreachable", SYSTEM, now, f"{person.name}: no id")
                    await self.tell_admins(session, texts.ADMIN_UNREACHABLE.format(
                        name=person.name, upn=person.upn, id=ticket.id, reason=texts.ADMIN_NO_ID))
                elif user_id not in known_ids:
                    reachable.append((person, user_id))
            if not reachable:
                continue
            ticket.level, ticket.level_role = index, level.role
            session.add(ticket)
            for person, user_id in reachable:
                r = TicketRecipient(ticket_id=ticket.id or 0, level=index, role=level.role,
                                    user_id=user_id, upn=person.upn, name=person.name, created_at=now)
                session.add(r)
                await session.flush()
                message = await self.tell(
                    session, user_id,
                    outbox.card_activity(cards.request(ticket, "open"),
                                         texts.REQUEST_TITLE.format(id=ticket.id)),
                    topic=f"escalation:card:{ticket.id}:{r.id}",
                )
                r.card_message_id = message.id
            label = target_label(level, ticket.unit_name, ticket.department_name)
            names = "、".join(p.name for p, _ in reachable)
            t.record(session, ticket, "routed", SYSTEM, now, f"{label}: {names}")
            await self.schedule_sla(session, ticket, now, "remind")
            return level
        t.record(session, ticket, "exhausted", SYSTEM, now)
        await self.tell_admins(session, texts.ADMIN_EXHAUSTED.format(
            id=ticket.id, unit=ticket.unit_name or ticket.unit_code or "-"))
        return None

    async def schedule_sla(self, session: AsyncSession, ticket: Ticket, now: datetime, stage: str) -> None:
        run_at = self.calendar.add(now, self.claim_minutes(ticket))
        await jobs.schedule(session, SLA_JOB, run_at,
                            {"ticket_id": ticket.id, "level": ticket.level, "stage": stage},
                            dedupe_key=f"escalation:sla:{ticket.id}:{ticket.level}:{stage}")

    async def escalate(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime,
                       note: str) -> Level | None:
        """Back to ``open`` for the next level; the requester hears who else was asked."""
        t.apply(session, ticket, "escalate", actor, now, note)
        level = await self.route_next(session, ticket, now)
        if level is not None:
            label = target_label(level, ticket.unit_name, ticket.department_name)
            await self.tell(session, ticket.requester_id,
                            texts.REQUESTER_ESCALATED.format(id=ticket.id, target=label))
        return level

    # ------------------------------------------------------------ the people it was routed to

    async def check_handler(self, session: AsyncSession, ticket: Ticket, actor: Actor, action: str) -> None:
        if not await t.may_handle(session, ticket, actor):
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
            mine.status = "passed"
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
        """Unclaimed after the deadline: remind the current level, then go one level up."""
        ticket = await t.get(session, int(payload["ticket_id"]), lock=True)
        if ticket is None or ticket.status != t.OPEN or ticket.level != payload["level"]:
            return
        now = self.now()
        if payload["stage"] == "remind":
            text = texts.REMINDER.format(id=ticket.id, requester=ticket.requester_name,
                                         urgency=texts.URGENCY_LABELS[ticket.urgency])
            for r in await t.recipients(session, ticket.id or 0):
                if r.level == ticket.level and r.status in REACHABLE:
                    await self.tell(session, r.user_id, text, topic="escalation:remind")
            t.apply(session, ticket, "remind", SYSTEM, now)
            await self.schedule_sla(session, ticket, now, "escalate")
        else:
            await self.escalate(session, ticket, SYSTEM, now, texts.NOT_CLAIMED_NOTE)

    async def on_autoresolve(self, payload: dict[str, Any], session: AsyncSession) -> None:
        ticket = await t.get(session, int(payload["ticket_id"]), lock=True)
        if ticket is None or ticket.status != t.ANSWERED or ticket.answers != payload["answers"]:
            return
        await self.resolve(session, ticket, SYSTEM, self.now(), texts.AUTO_RESOLVED_NOTE)
        await self.tell(session, ticket.requester_id, texts.AUTO_RESOLVED.format(id=ticket.id))

    async def on_outcome(self, message: outbox.OutboxMessage, outcome: outbox.Outcome,
                         session: AsyncSession) -> None:
        """A card that could not be delivered: skip that person, tell the admins, and if
        nobody at the current level is left, go up at once."""
        parts = message.topic.split(":")
        if len(parts) != 4 or parts[1] != "card":
            return
        r = await session.get(TicketRecipient, int(parts[3]))
        if r is None:
            return
        if outcome.status == outbox.SENT:
            if r.status == "notified":
                r.status = "delivered"
            return
        if r.status == "unreachable":
            return
        r.status = "unreachable"
        ticket = await t.get(session, r.ticket_id, lock=True)
        if ticket is None:
            return
        now = self.now()
        log.warning("escalation card undeliverable",
                    extra={"ticket": ticket.id, "upn": r.upn, "error": outcome.error or outcome.status})
        t.record(session, ticket, "unreachable", SYSTEM, now, f"{r.name}: {outcome.error or outcome.status}")
        await self.tell_admins(session, texts.ADMIN_UNREACHABLE.format(
            name=r.name, upn=r.upn, id=ticket.id, reason=outcome.error or outcome.status))
        await session.flush()
        if ticket.status != t.OPEN or ticket.level != r.level:
            return
        current = [x for x in await t.recipients(session, ticket.id or 0)
                   if x.level == ticket.level and x.status in REACHABLE]
        if not current:
            await self.escalate(session, ticket, SYSTEM, now, texts.UNREACHABLE_NOTE)
