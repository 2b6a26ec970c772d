"""Escalation tickets: a staff member's question for a person, with an audit trail.

Lifecycle (``ACTIONS`` is the whole state machine)::

    open ──claim──▶ claimed ──answer──▶ answered ──resolve──▶ resolved
      │                │                   │
      │                │                   └──reopen──▶ reopened ──answer──▶ answered
      ├──answer (claims and answers at once) ─────▶ answered
      └──escalate / cancel (also from claimed and reopened)

``escalate`` returns the ticket to ``open`` for the next level of the chain. Every action
records an :class:`TicketEvent` (who, when, from which status to which, a note); an action
that the current status does not allow raises :class:`InvalidTransition`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint, select
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.jobs import UtcDateTime
from domain.models import utcnow
from knowledge.sources import CODE_MAX

OPEN, CLAIMED, ANSWERED, REOPENED, RESOLVED, CANCELLED = (
    "open", "claimed", "answered", "reopened", "resolved", "cancelled",
)
STATUSES = (OPEN, CLAIMED, ANSWERED, REOPENED, RESOLVED, CANCELLED)
#: How statuses are shown to people (the domain's vocabulary, like the directory's roles).
STATUS_LABELS = {
    OPEN: "対応待ち", CLAIMED: "対応中", ANSWERED: "回答済み", REOPENED: "再確認中",
    RESOLVED: "解決", CANCELLED: "取り消し",
}
ACTIVE = frozenset({OPEN, CLAIMED, REOPENED})  # someone still has to act
CLOSED = frozenset({RESOLVED, CANCELLED})
NORMAL, URGENT = "normal", "urgent"
#: The events a requester sees in their ticket's history (the rest is for handlers and admins).
REQUESTER_EVENTS = frozenset({"created", "claim", "answer", "reopen", "resolve", "cancel"})
#: A recipient's card: sent, delivered, sent again in a retry round (retried), undeliverable,
#: undeliverable and waiting for their level in a retry round (again), or handed on by them
#: (passed: they may no longer act on the ticket).
NOTIFIED, DELIVERED, RETRIED, UNREACHABLE, AGAIN, PASSED = (
    "notified", "delivered", "retried", "unreachable", "again", "passed",
)

#: action → (statuses it is allowed from, status after it; None = unchanged)
ACTIONS: Mapping[str, tuple[frozenset[str], str | None]] = {
    "claim": (frozenset({OPEN}), CLAIMED),
    "answer": (ACTIVE, ANSWERED),
    "resolve": (frozenset({ANSWERED}), RESOLVED),
    "reopen": (frozenset({ANSWERED}), REOPENED),
    "escalate": (ACTIVE, OPEN),
    "cancel": (ACTIVE, CANCELLED),
    "remind": (frozenset({OPEN, CLAIMED, REOPENED}), None),
}


class TicketError(Exception):
    """A request the ticket rules refuse; ``code`` lets the bot pick the message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class InvalidTransition(TicketError):
    """The action is not allowed in the ticket's current status."""

    def __init__(self, ticket_id: int | None, action: str, status: str) -> None:
        super().__init__("invalid_transition", f"ticket {ticket_id}: cannot {action} when {status}")
        self.action, self.status = action, status


class NotAllowed(TicketError):
    """The person may not do this to this ticket (not routed to them, not theirs)."""

    def __init__(self, ticket_id: int | None, action: str, user_id: str) -> None:
        super().__init__("not_allowed", f"ticket {ticket_id}: {user_id} may not {action}")
        self.action = action


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a person (Entra object id and name) or the system."""

    user_id: str
    name: str
    upn: str | None = None
    is_admin: bool = False


SYSTEM = Actor("system", "システム")


# ------------------------------------------------------------------ tables


class Ticket(SQLModel, table=True):
    """One escalated question."""

    __tablename__ = "ticket"

    id: int | None = Field(default=None, primary_key=True)
    request_key: str = Field(max_length=64, unique=True)  # one ticket per confirmation card
    requester_id: str = Field(max_length=256, index=True)
    requester_name: str = Field(default="", max_length=256)
    requester_upn: str | None = Field(default=None, max_length=256)
    unit_code: str | None = Field(default=None, max_length=CODE_MAX)
    unit_name: str | None = Field(default=None, max_length=256)
    department_code: str | None = Field(default=None, max_length=CODE_MAX)
    department_name: str | None = Field(default=None, max_length=256)
    question: str
    details: str = ""
    urgency: str = Field(default=NORMAL, max_length=16)
    attachments: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    guesses: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    topic: str = Field(default="", max_length=128)
    status: str = Field(default=OPEN, max_length=16, index=True)
    level: int = -1  # index into the routing plan; -1 before the first routing
    level_role: str = Field(default="", max_length=32)
    assignee_id: str | None = Field(default=None, max_length=256)
    assignee_name: str | None = Field(default=None, max_length=256)
    answer: str | None = None
    followup: str | None = None
    answers: int = 0
    requester_card_id: int | None = None  # outbox id of the last answer card sent to them
    resolution_note: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TicketEvent(SQLModel, table=True):
    """The audit trail: every transition and notable step, with who and when."""

    __tablename__ = "ticket_event"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UtcDateTime)
    actor_id: str = Field(max_length=256)
    actor_name: str = Field(default="", max_length=256)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note: str = ""


class TicketRecipient(SQLModel, table=True):
    """A person the ticket was routed to, with the card the bot sent them."""

    __tablename__ = "ticket_recipient"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id", name="ux_ticket_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    level: int
    role: str = Field(max_length=32)
    user_id: str = Field(max_length=256, index=True)
    upn: str = Field(default="", max_length=256)
    name: str = Field(default="", max_length=256)
    status: str = Field(default=NOTIFIED, max_length=16)  # NOTIFIED, DELIVERED, ... PASSED
    card_message_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


# ------------------------------------------------------------------ the state machine


def target_status(ticket: Ticket, action: str) -> str:
    """The status after ``action``, or :class:`InvalidTransition`."""
    allowed, after = ACTIONS[action]
    if ticket.status not in allowed:
        raise InvalidTransition(ticket.id, action, ticket.status)
    return after or ticket.status


def record(session: AsyncSession, ticket: Ticket, action: str, actor: Actor, now: datetime,
           note: str = "", from_status: str | None = None) -> TicketEvent:
    """Add an audit event (without changing the status)."""
    event = TicketEvent(
        ticket_id=ticket.id or 0, at=now, actor_id=actor.user_id, actor_name=actor.name,
        action=action, from_status=from_status or ticket.status, to_status=ticket.status, note=note,
    )
    session.add(event)
    return event


def apply(session: AsyncSession, ticket: Ticket, action: str, actor: Actor, now: datetime,
          note: str = "", *, text: str | None = None) -> TicketEvent:
    """Perform ``action`` on ``ticket`` (``text``: the answer or the follow-up) and record it."""
    before = ticket.status
    after = target_status(ticket, action)
    if action == "answer" and not (text or "").strip():
        raise TicketError("empty_answer", "an answer needs text")
    if action == "claim" or (action == "answer" and before == OPEN):
        ticket.assignee_id, ticket.assignee_name = actor.user_id, actor.name
        ticket.claimed_at = ticket.claimed_at or now
    if action == "answer":
        ticket.answer, ticket.answered_at = text, now
        ticket.answers += 1
    elif action == "reopen":
        ticket.followup = text
    elif action in ("resolve", "cancel"):
        ticket.resolved_at = now
        ticket.resolution_note = note or None
    elif action == "escalate":
        ticket.assignee_id = ticket.assignee_name = None
    ticket.status = after
    ticket.updated_at = now
    session.add(ticket)
    return record(session, ticket, action, actor, now, note or (text or ""), from_status=before)


# ------------------------------------------------------------------ reading and writing


async def get(session: AsyncSession, ticket_id: int, *, lock: bool = False) -> Ticket | None:
    """The ticket; ``lock`` holds its row until the transaction ends (PostgreSQL)."""
    query = select(Ticket).where(Ticket.id == ticket_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def by_request_key(session: AsyncSession, key: str) -> Ticket | None:
    return (await session.execute(select(Ticket).where(Ticket.request_key == key))).scalar_one_or_none()


async def add(session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime) -> Ticket:
    """Store a new ticket and its ``created`` event."""
    ticket.created_at = ticket.updated_at = now
    session.add(ticket)
    await session.flush()
    record(session, ticket, "created", actor, now, from_status="")
    return ticket


async def of_requester(session: AsyncSession, user_id: str, limit: int = 10) -> Sequence[Ticket]:
    query = (select(Ticket).where(Ticket.requester_id == user_id)
             .order_by(Ticket.id.desc()).limit(limit))  # type: ignore[union-attr]
    return list((await session.execute(query)).scalars())


async def queue_of(session: AsyncSession, user_id: str, *, everyone: bool = False) -> Sequence[Ticket]:
    """Tickets waiting for ``user_id``: open ones routed to them (and not passed on by them)
    and active ones they hold (``everyone``: every active ticket, for admins)."""
    query = select(Ticket).where(Ticket.status.in_(ACTIVE))  # type: ignore[attr-defined]
    if not everyone:
        routed = select(TicketRecipient.ticket_id).where(
            TicketRecipient.user_id == user_id, TicketRecipient.status != PASSED)
        query = query.where(
            ((Ticket.status == OPEN) & Ticket.id.in_(routed))  # type: ignore[union-attr]
            | (Ticket.assignee_id == user_id)
        )
    return list((await session.execute(query.order_by(Ticket.id))).scalars())


async def recipients(session: AsyncSession, ticket_id: int) -> Sequence[TicketRecipient]:
    query = select(TicketRecipient).where(TicketRecipient.ticket_id == ticket_id).order_by(TicketRecipient.id)
    return list((await session.execute(query)).scalars())


async def recipient(session: AsyncSession, ticket_id: int, user_id: str) -> TicketRecipient | None:
    query = select(TicketRecipient).where(
        TicketRecipient.ticket_id == ticket_id, TicketRecipient.user_id == user_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def events(session: AsyncSession, ticket_id: int) -> Sequence[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list((await session.execute(query)).scalars())


async def created_between(session: AsyncSession, since: datetime | None,
                          until: datetime | None) -> Sequence[Ticket]:
    query = select(Ticket)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    if until is not None:
        query = query.where(Ticket.created_at < until)
    return list((await session.execute(query.order_by(Ticket.id))).scalars())


async def active(session: AsyncSession) -> Sequence[Ticket]:
    query = select(Ticket).where(Ticket.status.in_(ACTIVE))  # type: ignore[attr-defined]
    return list((await session.execute(query.order_by(Ticket.id))).scalars())


async def may_handle(session: AsyncSession, ticket: Ticket, actor: Actor) -> bool:
    """Only the people the ticket was routed to (who have not passed it on), and admins, may
    claim, answer or pass it."""
    if actor.is_admin:
        return True
    mine = await recipient(session, ticket.id or 0, actor.user_id)
    return mine is not None and mine.status != PASSED


def for_requester(history: Sequence[TicketEvent]) -> list[TicketEvent]:
    """The history as the requester sees it: no routing, reminders or handlers' notes."""
    return [e for e in history if e.action in REQUESTER_EVENTS]
