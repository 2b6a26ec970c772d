"""Free text → the FAQ: answer, clarify (「もしかして」) or offer a person; feedback and logging.

Free text first goes through the intents (``content/intents.yaml``, matched with the same
matcher): a confident intent starts its command (研修申込, 担当者に相談 ...).
"""

from __future__ import annotations

import logging
import re

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext

from bot import faq_cards
from bot.identity import IdentityResolver
from bot.references import user_key
from bot.router import Route
from bot.runtime import Runtime
from bot.texts import faq as texts
from domain.faq_log import candidate_ids, log_query, own_row
from knowledge.faq_live import FaqKnowledge
from knowledge.matcher import MatchResult

log = logging.getLogger(__name__)


_QUESTION = re.compile(r"(とは|って何|ってなに|[?？]|ですか|ますか|方法|やり方|どうやって|どうすれば|教えて)")


def prefer_faq(text: str, faq_score: float, intent_score: float) -> bool:
    """A question (「推進員とは」) goes to a strong FAQ entry rather than starting a procedure;
    otherwise the FAQ must clearly beat the intent."""
    if _QUESTION.search(text) and faq_score >= 0.8:
        return True
    return faq_score >= intent_score + 0.05


def install(runtime: Runtime) -> None:
    bot = runtime.bot

    def knowledge() -> FaqKnowledge:
        return runtime.faq.current

    def intent_of(text: str) -> str | None:
        """The command a free text asks for, unless the FAQ is the better answer."""
        result = runtime.intents.current.matcher.match(text, limit=1)
        top = result.top
        if result.band != "answer" or top is None or top.entry.id not in bot.commands:
            return None
        faq = match_faq(text).top
        if faq and prefer_faq(text, faq.score, top.score):
            return None
        return top.entry.id

    def match_faq(text: str) -> MatchResult:
        """The FAQ match, computed once per text and FAQ version (intents and answers share it)."""
        matcher = knowledge().matcher
        key = (id(matcher), text)
        if key not in recent:
            recent[key] = matcher.match(text)
            while len(recent) > 64:
                recent.pop(next(iter(recent)))
        return recent[key]

    recent: dict[tuple[int, str], MatchResult] = {}

    async def answer(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        result = match_faq(route.text)
        identity: IdentityResolver = runtime.services["identity"]
        who = await identity.resolve(turn_context)
        top = result.top
        chosen = top.entry.id if result.band == "answer" and top else None
        async with runtime.sessions() as session, session.begin():
            log_id = await log_query(
                session, user_id=who.user_id, unit_code=who.unit_code, query=route.text,
                normalized=result.normalized,
                candidates=[(c.entry.id, c.score) for c in result.candidates], band=result.band,
                chosen_id=chosen,
            )
        log.info("faq", extra={"band": result.band, "entry": chosen, "score": round(top.score, 3) if top else 0})
        if result.band == "answer" and top:
            await send_answer(turn_context, top.entry.id, log_id)
        elif result.band == "clarify":
            entries = [c.entry for c in result.candidates[:3]]
            await turn_context.send_activity(MessageFactory.attachment(faq_cards.clarify(entries, log_id)))
        else:
            await turn_context.send_activity(MessageFactory.attachment(faq_cards.offer_person(route.text)))

    async def send_answer(turn_context: TurnContext, entry_id: str, log_id: int) -> None:
        faq = knowledge()
        entry = faq.get(entry_id)
        if entry is None or not entry.enabled:
            await turn_context.send_activity(texts.NOT_FOUND)
            return
        related = [e for e in (faq.get(i) for i in entry.follow_ups) if e is not None and e.enabled]
        await turn_context.send_activity(MessageFactory.attachment(faq_cards.answer(entry, log_id, related)))

    async def show(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """A clarify choice or a follow-up: answer that entry, and remember the choice."""
        entry_id = route.data.get("id")
        if not isinstance(entry_id, str):
            await turn_context.send_activity(texts.NOT_FOUND)
            return
        async with runtime.sessions() as session, session.begin():
            row = await own_row(session, route.data.get("log"), user_key(turn_context.activity))
            if row is not None:
                row.chosen_id = entry_id
        await send_answer(turn_context, entry_id, row.id if row and row.id else 0)

    async def feedback(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        value = route.data.get("value")
        async with runtime.sessions() as session, session.begin():
            row = await own_row(session, route.data.get("log"), user_key(turn_context.activity))
            if row is None or value not in ("solved", "unsolved"):
                await turn_context.send_activity(texts.STALE_FEEDBACK)
                return
            row.feedback = value
            shown = {str(route.data.get("id")), row.chosen_id}
            others = [i for i in candidate_ids(row) if i not in shown]
            query, log_id = row.query, row.id or 0
        if value == "solved":
            await turn_context.send_activity(texts.SOLVED_THANKS)
            return
        faq = knowledge()
        entries = [e for e in (faq.get(i) for i in others) if e is not None and e.enabled]
        if entries:
            card = faq_cards.clarify(entries, log_id, texts.NEXT_CANDIDATES)
        else:
            card = faq_cards.offer_person(query, texts.OFFER_PERSON)
        await turn_context.send_activity(MessageFactory.attachment(card))

    async def none_of_these(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        async with runtime.sessions() as session, session.begin():
            row = await own_row(session, route.data.get("log"), user_key(turn_context.activity))
            if row is not None:
                row.feedback = "unsolved"
            query = row.query if row else ""
        await turn_context.send_activity(MessageFactory.attachment(faq_cards.offer_person(query)))

    bot.answer_free_text = answer
    bot.intent_of = intent_of
    bot.card_actions.update({"faq.show": show, "faq.feedback": feedback, "faq.none": none_of_these})
