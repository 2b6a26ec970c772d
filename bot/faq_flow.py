"""Free text → the FAQ: answer, clarify (「もしかして」) or offer a person; feedback and logging.

Free text first goes through the intents (``content/intents.yaml``, matched with the same
matcher): a confident intent starts its command (研修申込, 担当者に相談 ...).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext

from bot import faq_cards
from bot import texts as common_texts
from bot.faq_answer import answer_for
from bot.handler import awaited
from bot.identity import IdentityResolver
from bot.references import user_key
from bot.router import Route, command_key
from bot.runtime import Runtime
from bot.state import is_shared
from bot.texts import faq as texts
from dialogs.yesno import parse_yes_no
from domain.faq_log import candidate_ids, log_query, own_row
from knowledge.faq import FaqEntry
from knowledge.faq_live import FaqKnowledge
from knowledge.matcher import MatchResult

log = logging.getLogger(__name__)


#: After 「解決しない」, offer other candidates only if the matcher gave them at least this
#: much (below it a person is the better offer). Beside a confident answer its close siblings
#: score 0.05-0.1 (Udemy のログイン → ライセンス, スマートフォン), as some unrelated entries do
#: (about a third of those in that range on the dev set): 「どれでもない」 then offers a person.
NEXT_CANDIDATE_FLOOR = 0.05
#: 「もしかして」 lists the best entry and those after it that score at least this: below it an
#: entry is filler (「デジタル活用推進員に指名されました」 for a question on recording). On the five
#: evaluation sets this leaves out 469 of the 1,360 second and third choices, 7 of the 71 right.
CLARIFY_FLOOR = 0.01
_CHOICE = re.compile(r"(\d)(?:番目?|つ目|個目|こめ)?")  # after command_key: 「２」「②」「2番」「２つ目」
NONE_OF_THESE_WORDS = frozenset({"どれでもない", "どれでもありません", "どれも違う", "どれもちがう", "該当なし"})
# said right after an answer: it was not the answer (「やっぱいいです」 and other ways of leaving are not)
NOT_IT_WORDS = frozenset({"いいえ", "違います", "違う", "ちがう", "ちがいます", "いいえ違います", "違いました"})
SHORT_ONLY = frozenset({"greeting", "thanks", "solved", "unsolved"})
# Small talk said exactly so (width, case and punctuation aside): a reply, not FAQ guesses.
# Kept out of the intents file on purpose: entries there change every intent's scores.
SMALL_TALK = {command_key(k): v for k, v in {
    "すみません": "greeting", "すいません": "greeting",  # calling for attention first
    "もういい": "dismiss", "もういいです": "dismiss", "やっぱりいいです": "dismiss",
    "なんでもないです": "dismiss", "なんでもない": "dismiss", "結構です": "dismiss",
}.items()}
SHORT_TEXT = 16
_QUESTION = re.compile(r"(とは|って何|ってなに|[?？]|ですか|ますか|方法|やり方|どうやって|どうすれば|教えて)")


def seen_ids(data: dict) -> list[str]:
    """The entries a card says were already turned down (card data: checked, not trusted)."""
    seen = data.get("seen")
    return [i for i in seen[:20] if isinstance(i, str)] if isinstance(seen, list) else []


def prefer_faq(text: str, faq_score: float, intent_score: float) -> bool:
    """A question (「推進員とは」) goes to a strong FAQ entry rather than starting a procedure;
    otherwise the FAQ must clearly beat the intent."""
    if _QUESTION.search(text) and faq_score >= 0.8:
        return True
    return faq_score >= intent_score + 0.05


def install(runtime: Runtime) -> None:
    bot = runtime.bot
    awaiting = bot.awaiting

    def knowledge() -> FaqKnowledge:
        return runtime.faq.current

    def intent_of(text: str) -> str | None:
        """The command a free text asks for, unless the FAQ is the better answer."""
        for rule in bot.intent_rules:  # what a feature reads plainly in the text
            command = rule(text)
            if command is not None and command in bot.commands:
                return command
        intents = runtime.intents.current.matcher
        result = intents.match(text, limit=1)
        top = result.top
        if result.band != "answer" or top is None or top.entry.id not in bot.commands:
            return None
        veto = bot.intent_vetoes.get(top.entry.id)
        if veto is not None and veto(text):
            return None
        if top.entry.id in SHORT_ONLY and len(result.normalized) > SHORT_TEXT:
            return None  # 「…が解決しない」 is a question, not feedback
        faq_result = match_faq(text)
        faq = faq_result.top
        if top.entry.id in SHORT_ONLY and faq_result.band == "answer" and faq is not None:
            # 「VPNが遅いが解決しない」: short, but the FAQ knows the question; yet the phrase
            # itself (「お疲れ様です」) is not a question because an FAQ's answer quotes it
            phrase = top.field != "answer" and intents.normalize(top.matched) == result.normalized
            if not (phrase and faq.field == "answer"):
                return None
        if faq and prefer_faq(text, faq.score, top.score):
            return None
        return top.entry.id

    def match_faq(text: str) -> MatchResult:
        """The FAQ match, computed once per text and FAQ version (intents and answers share it)."""
        matcher = knowledge().matcher
        if matcher is not cached_for[0]:  # a reload: forget the old FAQ's results
            recent.clear()
            cached_for[0] = matcher
        if text not in recent:
            recent[text] = matcher.match(text)
            while len(recent) > 64:
                recent.pop(next(iter(recent)))
        return recent[text]

    recent: dict[str, MatchResult] = {}
    cached_for: list[object] = [None]

    async def answer(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if await typed_choice(turn_context, dc, route.text):
            return
        yes = parse_yes_no(route.text)
        if yes is not None:  # 「はい」 is not a question: is it about the offer of a person?
            await answer_offer(turn_context, dc, yes)
            return
        if command_key(route.text).isdigit():  # a number, but no 「もしかして」 waiting for it
            await turn_context.send_activity(common_texts.NUMBER_ONLY)
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
            best, *rest = result.candidates[:3]
            await send_choices(turn_context, [best.entry, *(c.entry for c in rest if c.score >= CLARIFY_FLOOR)],
                               log_id)
        else:
            await offer_person(turn_context, route.text)

    async def send_answer(
        turn_context: TurnContext, entry_id: str, log_id: int, seen: list[str] | None = None
    ) -> None:
        faq = knowledge()
        entry = faq.get(entry_id)
        if entry is None or not entry.enabled:
            await turn_context.send_activity(texts.NOT_FOUND)
            return
        answer = await answer_for(entry.answer, lambda: runtime.services["identity"].resolve(turn_context),
                                  runtime.directory, shared=is_shared(turn_context.activity))  # their own people
        if answer != entry.answer:
            entry = replace(entry, answer=answer)
        related = [e for e in (faq.get(i) for i in entry.follow_ups) if e is not None and e.enabled]
        await turn_context.send_activity(
            MessageFactory.attachment(faq_cards.answer(entry, log_id, related, seen or ())))
        await awaiting.set(turn_context, {"kind": "answer", "log": log_id, "id": entry.id, "seen": seen or []})

    async def send_choices(turn_context: TurnContext, entries: list[FaqEntry], log_id: int,
                           title: str = texts.CLARIFY, seen: list[str] | None = None) -> None:
        """「もしかして」 (or the next candidates): buttons, or their number typed."""
        await turn_context.send_activity(
            MessageFactory.attachment(faq_cards.clarify(entries, log_id, title, seen or ())))
        await awaiting.set(turn_context, {"kind": "choices", "log": log_id, "ids": [e.id for e in entries[:3]],
                                          "seen": seen or []})

    async def offer_person(turn_context: TurnContext, query: str, text: str = texts.NO_MATCH) -> None:
        """Say the bot cannot help and offer a person; a typed 「はい」 accepts."""
        await turn_context.send_activity(MessageFactory.attachment(faq_cards.offer_person(query, text)))
        await awaiting.set(turn_context, {"kind": "offer", "query": query})

    async def show(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """A clarify choice answers that entry for the question asked; once the question has a
        verdict (a next candidate, after 「解決しない」), the log keeps it with the entry it was
        given for until the new one is rated. A follow-up, or a colleague's card pressed in a
        channel, is a question of its own: logged for the person who pressed, so that their
        feedback counts for the entry they saw."""
        entry_id = route.data.get("id")
        entry = knowledge().get(entry_id) if isinstance(entry_id, str) else None
        if entry is None or not entry.enabled:  # e.g. removed by a reload since the card was sent
            await turn_context.send_activity(texts.NOT_FOUND)
            return
        who = await runtime.services["identity"].resolve(turn_context)
        async with runtime.sessions() as session, session.begin():
            row = await own_row(session, route.data.get("log"), who.user_id)
            if row is not None and route.data.get("related") is not True:
                if row.feedback is None:
                    row.chosen_id = entry.id
                log_id = row.id or 0
            else:
                log_id = await log_query(
                    session, user_id=who.user_id, unit_code=who.unit_code, query=entry.question,
                    normalized=knowledge().matcher.normalize(entry.question),
                    candidates=[(entry.id, 1.0)], band="answer", chosen_id=entry.id)
        seen = seen_ids(route.data) if row is not None else []
        await send_answer(turn_context, entry.id, log_id, seen)

    async def feedback(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """Rate the entry the card showed; after 「解決しない」, the question's other
        candidates (never one already turned down), then a person."""
        value, rated = route.data.get("value"), route.data.get("id")
        async with runtime.sessions() as session, session.begin():
            row = await own_row(session, route.data.get("log"), user_key(turn_context.activity))
            if row is None or value not in ("solved", "unsolved"):
                await turn_context.send_activity(texts.STALE_FEEDBACK)
                return
            row.feedback = value
            if value == "solved" and isinstance(rated, str) and knowledge().get(rated) is not None:
                row.chosen_id = rated  # the entry that helped, even from an older card
            seen = sorted({*seen_ids(route.data), *(i for i in (rated, row.chosen_id) if isinstance(i, str))})
            others = [i for i in candidate_ids(row, NEXT_CANDIDATE_FLOOR) if i not in seen]
            query, log_id = row.query, row.id or 0
        if value == "solved":
            await turn_context.send_activity(texts.SOLVED_THANKS)
            return
        faq = knowledge()
        entries = [e for e in (faq.get(i) for i in others) if e is not None and e.enabled]
        if entries:
            await send_choices(turn_context, entries, log_id, texts.NEXT_CANDIDATES, seen)
        else:
            await offer_person(turn_context, query, texts.OFFER_PERSON)

    async def typed_feedback(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """「解決しました」「解決しません」 typed instead of pressed, about the bot's last reply:
        an answer is rated; after 「もしかして」, the next candidates or a no-match, 「解決しません」
        offers a person and 「解決しました」 is thanked (nothing was rated: nothing changes).
        With no FAQ reply waiting, a feature may take it (a ticket's answer: DxBot.rated_elsewhere)."""
        last = awaited(turn_context)
        value = "solved" if route.name == "solved" else "unsolved"
        if last.get("kind") not in ("answer", "choices", "offer"):  # e.g. a person's answer
            for rate in bot.rated_elsewhere:
                if await rate(turn_context, dc, value == "solved"):
                    return
        if last.get("kind") == "answer":
            await rate_answer(turn_context, dc, last, value)
        elif value == "solved":
            await turn_context.send_activity(texts.THANKS)
        elif last.get("kind") == "choices":
            await reject_choices(turn_context, last.get("log"), texts.OFFER_PERSON)
        else:
            await offer_person(turn_context, str(last.get("query") or ""), texts.OFFER_PERSON)

    async def rate_answer(turn_context: TurnContext, dc: DialogContext, last: dict, value: str) -> None:
        """The answer card the bot last sent, rated as its button would."""
        await feedback(turn_context, dc, Route("card", name="faq.feedback", data={
            "log": last.get("log"), "value": value, "id": last.get("id"), "seen": last.get("seen")}))

    async def typed_choice(turn_context: TurnContext, dc: DialogContext, text: str) -> bool:
        """「2」 (「2番」, 「2つ目」) or 「どれでもない」 typed under a 「もしかして」 or
        next-candidates card; a number not on the card asks again, the choices still waiting.
        Under an answer, 「違います」 or (for the answer to a choice) 「どれでもない」: it did not help."""
        last = awaited(turn_context)
        key = command_key(text)
        if last.get("kind") == "answer" and (key in NOT_IT_WORDS or key in NONE_OF_THESE_WORDS):
            await rate_answer(turn_context, dc, last, "unsolved")
            return True
        choice = _CHOICE.fullmatch(key)
        if last.get("kind") != "choices" or not (choice or key in NONE_OF_THESE_WORDS):
            return False
        if key in NONE_OF_THESE_WORDS:
            await none_of_these(turn_context, dc, Route("card", name="faq.none", data={"log": last.get("log")}))
            return True
        offered = [i for i in last.get("ids") or [] if isinstance(i, str)]
        number = int(choice.group(1)) if choice else 0
        if not 1 <= number <= len(offered):
            await turn_context.send_activity(texts.choose_number(len(offered)))
            await awaiting.set(turn_context, last)
            return True
        await show(turn_context, dc, Route("card", name="faq.show", data={
            "id": offered[number - 1], "log": last.get("log"), "seen": last.get("seen")}))
        return True

    async def answer_offer(turn_context: TurnContext, dc: DialogContext, yes: bool) -> None:
        """「はい」 or 「いいえ」 typed right after the offer of a person (or 「いいえ」 to
        「もしかして」; 「はい」 to an answer is only acknowledged)."""
        last = awaited(turn_context)
        if last.get("kind") == "choices" and not yes:  # 「いいえ」 to 「もしかして」: none of them
            await reject_choices(turn_context, last.get("log"), texts.OFFER_PERSON)
        elif last.get("kind") == "answer" and yes:  # 「はい」: taken note of, no verdict
            await turn_context.send_activity(texts.DISMISSED)
        elif last.get("kind") != "offer":
            await turn_context.send_activity(texts.NOTHING_ASKED)
        elif yes and "escalate" in bot.commands:
            await bot.commands["escalate"](turn_context, dc, Route(
                "command", name="escalate", data={"query": str(last.get("query") or ""),
                                                  "details": str(last.get("details") or "")}))
        else:
            await turn_context.send_activity(texts.PERSON_DECLINED)

    async def greeting(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.greeting(route.text))

    async def thanks(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.THANKS)

    async def dismiss(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await turn_context.send_activity(texts.DISMISSED)  # 「もういいです」: no FAQ guesses

    bot.intent_rules.append(lambda text: SMALL_TALK.get(command_key(text)))
    bot.commands.update({"greeting": greeting, "thanks": thanks, "dismiss": dismiss,
                         "solved": typed_feedback, "unsolved": typed_feedback})

    async def none_of_these(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await reject_choices(turn_context, route.data.get("log"), texts.OFFER_PERSON)

    async def reject_choices(turn_context: TurnContext, log_id: object, text: str) -> None:
        """None of the offered entries: the question is marked unsolved and a person offered."""
        async with runtime.sessions() as session, session.begin():
            row = await own_row(session, log_id, user_key(turn_context.activity))
            if row is not None:
                row.feedback = "unsolved"
            query = row.query if row else ""
        await offer_person(turn_context, query, text)

    bot.answer_free_text = answer
    bot.intent_of = intent_of
    bot.card_actions.update({"faq.show": show, "faq.feedback": feedback, "faq.none": none_of_these})
