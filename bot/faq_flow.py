"""Free text → the FAQ: answer, clarify (「もしかして」) or offer a person; feedback and logging.

Free text first goes through the intents (``content/intents.yaml``, matched with the same
matcher): a confident intent starts its command (研修申込, 担当者に相談 ...).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext

from bot import faq_cards
from bot.identity import IdentityResolver
from bot.references import user_key
from bot.router import Route
from bot.runtime import Runtime
from bot.texts import faq as texts
from dialogs.yesno import parse_yes_no
from domain.faq_log import candidate_ids, latest_answered, log_query, own_row
from domain.models import FaqQueryRow, utcnow
from knowledge.faq_live import FaqKnowledge
from knowledge.matcher import MatchResult

log = logging.getLogger(__name__)
FEEDBACK_WINDOW = timedelta(hours=1)


#: After 「解決しない」, offer other candidates only if the matcher gave them at least this
#: much (below it they are noise, and a person is the better offer).
NEXT_CANDIDATE_FLOOR = 0.1
SHORT_ONLY = frozenset({"greeting", "thanks", "solved", "unsolved"})
SHORT_TEXT = 16
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
        if top.entry.id in SHORT_ONLY and len(result.normalized) > SHORT_TEXT:
            return None  # 「…が解決しない」 is a question, not feedback
        faq_result = match_faq(text)
        if top.entry.id in SHORT_ONLY and faq_result.band == "answer":
            return None  # 「VPNが遅いが解決しない」: short, but the FAQ knows the question
        faq = faq_result.top
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
        if parse_yes_no(route.text) is not None:  # 「はい」 with nothing asked: not a question
            await turn_context.send_activity(texts.NOTHING_ASKED)
            return
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
        entry = knowledge().get(entry_id) if isinstance(entry_id, str) else None
        if entry is None or not entry.enabled:  # e.g. removed by a reload since the card was sent
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
            others = [i for i in candidate_ids(row, NEXT_CANDIDATE_FLOOR) if i not in shown]
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

    async def latest_answer(turn_context: TurnContext) -> FaqQueryRow | None:
        """The person's latest answered question (last hour), the one typed feedback is about."""
        since = utcnow() - FEEDBACK_WINDOW  # the log's own (real) time
        async with runtime.sessions() as session:
            return await latest_answered(session, user_key(turn_context.activity), since)

    async def typed_feedback(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """「解決しました」「解決しません」 typed instead of pressed: rate the latest answer."""
        row = await latest_answer(turn_context)
        value = "solved" if route.name == "solved" else "unsolved"
        if row is None:
            if value == "solved":
                await turn_context.send_activity(texts.THANKS)
            else:
                await turn_context.send_activity(MessageFactory.attachment(
                    faq_cards.offer_person("", texts.OFFER_PERSON)))
            return
        await feedback(turn_context, dc, Route("card", name="faq.feedback", data={
            "log": row.id, "value": value, "id": row.chosen_id}))

    async def greeting(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.GREETING)

    async def thanks(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.THANKS)

    bot.commands.update({"greeting": greeting, "thanks": thanks,
                         "solved": typed_feedback, "unsolved": typed_feedback})

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
