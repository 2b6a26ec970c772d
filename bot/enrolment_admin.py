"""Admin chat commands of the enrolment feature: 「管理 名簿 nh-01」 and 「管理 研修集計」.

They are registered in ``runtime.services["admin_commands"]`` under their first word; the
``admin`` command (bot/admin_flow.py) dispatches on it. Each checks again that the person is
an admin (directory role).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext

from bot import enrolment_cards as cards
from bot.router import Route
from bot.texts import enrolment as t
from dialogs.enrol import fold
from domain import enrolment_reports as reports
from domain.enrolment_match import named_course
from domain.enrolment_rules import Slot, find_slot, slots_of
from knowledge.catalogue import Catalogue, Course

if TYPE_CHECKING:
    from bot.enrolment_flow import EnrolmentFlow
    from bot.runtime import Runtime

ROSTER_WORD = "名簿"
SUMMARY_WORD = "研修集計"
CHAT_ROSTER_LIMIT = 30
_ADMIN_PREFIX = re.compile(r"^\s*(?:管理|admin)\s*", re.IGNORECASE)


def argument(route: Route, word: str) -> str:
    """What follows ``word`` in 「管理 名簿 nh-01」 (from the text, keeping its case)."""
    text = _ADMIN_PREFIX.sub("", unicodedata.normalize("NFKC", route.text or "")).strip()
    if text.startswith(word):
        return text[len(word):].strip()
    arg = unicodedata.normalize("NFKC", route.arg or "").strip()
    return arg[len(word):].strip() if arg.startswith(word) else arg


def _course_named(catalogue: Catalogue, text: str) -> Course | None:
    """The course whose title ``text`` is (spaces and width aside), else the one it names."""
    exact = [c for c in catalogue.courses if fold(c.title) == fold(text)]
    return exact[0] if len(exact) == 1 else named_course(catalogue, text)


def roster_slot(catalogue: Catalogue, text: str) -> tuple[Slot | None, list[Slot]]:
    """The session whose roster ``text`` asks for (its id, or a course with one session), or
    else the sessions of the course it names (empty when it names none)."""
    slot = find_slot(catalogue, text)
    if slot is not None:
        return slot, []
    course = _course_named(catalogue, text)
    sessions = [s for s in slots_of(course) if s.session is not None] if course else []
    return (sessions[0], []) if len(sessions) == 1 else (None, sessions)


class AdminCommands:
    def __init__(self, flow: EnrolmentFlow) -> None:
        self.flow = flow

    async def _admin(self, turn_context: TurnContext) -> bool:
        who = await self.flow.identity(turn_context)
        if who.is_admin:
            return True
        await turn_context.send_activity(who.refusal(t.NOT_ADMIN))
        return False

    async def roster(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if not await self._admin(turn_context):
            return
        slot_id = argument(route, ROSTER_WORD)
        if not slot_id:
            await turn_context.send_activity(t.ROSTER_USAGE)
            return
        slot, sessions = roster_slot(self.flow.catalogue(), slot_id)
        if slot is None and sessions:
            listed = "、".join(t.SESSION_ID.format(id=s.id, when=cards.when(s)) for s in sessions)
            await turn_context.send_activity(t.ROSTER_WHICH.format(course=sessions[0].course.title,
                                                                   sessions=listed))
            return
        if slot is None:
            await turn_context.send_activity(f"{t.ROSTER_UNKNOWN.format(id=slot_id)}{t.ROSTER_USAGE}")
            return
        async with self.flow.runtime.sessions() as db:
            rows = await reports.roster(db, slot)
        counts = Counter(r.status for r in rows)
        title = t.ROSTER_TITLE.format(course=slot.course.title) + f"（{cards.when(slot)}）"
        line = t.ROSTER_COUNTS.format(enrolled=counts["enrolled"], pending=counts["pending"],
                                      waitlisted=counts["waitlisted"], capacity=slot.capacity)
        more = len(rows) - CHAT_ROSTER_LIMIT
        note = t.ROSTER_MORE.format(n=more, id=slot.id) if more > 0 else None
        card = cards.roster(title, line, rows[:CHAT_ROSTER_LIMIT], note)
        await turn_context.send_activity(MessageFactory.attachment(cards.attachment(card)))

    async def summary(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if not await self._admin(turn_context):
            return
        catalogue = self.flow.catalogue()
        async with self.flow.runtime.sessions() as db:
            rows = await reports.summary(db, catalogue)
        sessions = {c.id: slots_of(c) for c in catalogue.courses}
        await turn_context.send_activity(
            MessageFactory.attachment(cards.attachment(cards.summary(rows, sessions)))
        )


def install(runtime: Runtime, flow: EnrolmentFlow) -> None:
    commands = AdminCommands(flow)
    registry = runtime.services.setdefault("admin_commands", {})
    registry[ROSTER_WORD] = commands.roster
    registry[SUMMARY_WORD] = commands.summary
