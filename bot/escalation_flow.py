"""担当者に相談: the chat side of escalation tickets.

Commands ``escalate`` / ``my_tickets`` / ``queue`` / ``ticket``, the card actions
``ticket.*``, the admin commands 「管理 相談集計」 and 「管理 FAQ提案」, and the background
work (claim deadlines, auto-resolve, undeliverable cards) of :mod:`bot.escalation_service`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext, DialogInstance
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import cards as common_cards
from bot import escalation_cards as cards
from bot.escalation_service import (
    AUTORESOLVE_JOB,
    HELD_JOB,
    RETRY_JOB,
    SLA_JOB,
    Draft,
    Escalations,
    Requester,
    target_label,
)
from bot.handler import Followed, awaited
from bot.identity import Identity, IdentityResolver
from bot.references import user_key
from bot.router import Route, command_key, decide, split_word
from bot.runtime import Runtime
from bot.texts import enrolment as dates
from bot.texts import escalation as texts
from dialogs.escalate import EscalateDialog, TicketTextDialog
from dialogs.yesno import parse_yes_no
from domain import ticket_proposals as proposals
from domain import ticket_report
from domain import tickets as t
from domain.ids import row_id
from domain.ticket_hours import JST
from domain.ticket_request import states_a_problem
from domain.tickets import STATUS_LABELS, Actor, InvalidTransition, NotAllowed, Ticket, TicketError
from knowledge.dates import parse_day
from knowledge.normalize import says_something

log = logging.getLogger(__name__)

Handler = Callable[[TurnContext, DialogContext, Route], Awaitable[None]]
Work = Callable[[AsyncSession, Ticket, Actor, datetime], Awaitable[Any]]
_KEY = re.compile(r"^[0-9a-f]{16,64}$")
_REQUESTER_ACTIONS = ("resolve", "reopen", "cancel")
_ANSWERING_ROLES = frozenset({"promoter", "specialist", "helpdesk"})  # whoever tickets go to
_TYPED = "typed_in_chat"  # card data: the text was asked for in chat (not the card's box)
# Whole replies (folded by command_key) to 「どの点がまだ解決していないか」 that are no point
# for the person; anything longer is sent as written (「ありがとうございます。まだです」 is one).
_SOLVED_REPLIES = frozenset(map(command_key, (
    "解決しました", "解決した", "直りました", "直った", "できました", "もう解決しました",
    "解決しました。ありがとうございました", "解決しました。ありがとうございます",
    "ありがとうございました。解決しました", "ありがとうございます。解決しました",
)))
_THANKS_REPLIES = frozenset(map(command_key, (
    "ありがとう", "ありがとうございます", "ありがとうございました", "助かりました", "どうも",
)))
_NEVER_MIND = frozenset(map(command_key, (  # elsewhere 大丈夫 and いいです are a yes
    "大丈夫", "大丈夫です", "もう大丈夫", "もう大丈夫です", "もういい", "もういいです", "いいです",
    "やっぱりいい", "やっぱりいいです", "やっぱいいです", "結構です", "けっこうです", "不要です",
)))
# 「はい」, 「わかりました」 or a greeting first: the point itself is still to come
_NOT_YET = frozenset(map(command_key, (
    "はい", "いいえ", "わかりました", "分かりました", "はいわかりました", "はい分かりました", "了解しました",
    "了解です", "了解", "承知しました", "ok", "お疲れ様です", "お疲れさまです", "こんにちは", "おはようございます",
    "お世話になっております", "お世話になります", "すみません",
)))


def actor_of(who: Identity) -> Actor:
    return Actor(who.user_id, who.name, who.upn, who.is_admin)


def requester_of(who: Identity) -> Requester:
    return Requester(who.user_id, who.name, who.upn, who.unit_code, who.unit_name,
                     who.department_code, who.department_name)


def clean_attachments(value: Any) -> tuple[dict[str, str], ...]:
    """Attachment links from card data: only ``https`` URLs, at most ten."""
    items = value if isinstance(value, list) else []
    found = [
        {"name": str(a.get("name") or "file")[:200], "url": a["url"][:2000]}
        for a in items
        if isinstance(a, dict) and isinstance(a.get("url"), str) and a["url"].startswith("https://")
    ]
    return tuple(found[:10])


def _ticket_id(data: dict[str, Any]) -> int | None:
    return row_id(data.get("ticket_id"))


def _reply(card: dict[str, Any]) -> Any:
    return MessageFactory.attachment(cards.attachment(card))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), JST)


def _day_label(day: date) -> str:
    """「2026年5月1日(金)」"""
    return texts.REPORT_DAY.format(year=day.year, day=dates.day(_start_of(day)))


async def close_card(turn_context: TurnContext, card_id: str | None, question: str, note: str) -> None:
    """Replace a used-up confirmation card (sent, discarded, replaced) with one without
    buttons. Only cosmetic: a channel that refuses the update is logged, not an error."""
    if not card_id:
        return
    activity = _reply(cards.confirm_closed(question, note))
    activity.id = card_id
    try:
        await turn_context.update_activity(activity)
    except Exception:  # the channel's error types vary; the turn itself has succeeded
        log.warning("could not update the confirmation card", exc_info=True)


def install(runtime: Runtime) -> None:
    bot = runtime.bot
    svc = Escalations(runtime)
    runtime.services["escalations"] = svc

    def resolver() -> IdentityResolver:
        return runtime.services["identity"]

    async def identify(turn_context: TurnContext) -> Identity:
        return await resolver().resolve(turn_context)

    # ------------------------------------------------------------ the requester's dialog

    async def describe(turn_context: TurnContext) -> str:
        who = await identify(turn_context)
        return svc.first_target(who.unit_code, who.unit_name, who.department_name, who.upn)

    async def need_profile(dc: DialogContext, data: dict) -> None:
        if dc.active_dialog is not None:
            await dc.cancel_all_dialogs()
        await dc.begin_dialog("ProfileDialog", {"then": "escalate", "then_data": data,
                                                "unit_unknown_ok": True})

    def asks_for_person(text: str) -> bool:
        top = runtime.intents.current.matcher.match(text, limit=1)
        return top.band == "answer" and top.top is not None and top.top.entry.id == "escalate"

    async def escalate(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await identify(turn_context)
        unknown = route.data.get("unit_unknown") is True  # a unit the directory lacks: the helpdesk
        query = route.data.get("query")
        if not query and route.text and states_a_problem(route.text, asks_for_person, says_something):
            query = route.text  # 「VPNが遅いので担当者に相談したい」: not asked again
        details = route.data.get("details")
        if not query:  # 「担当者に相談」 typed right after the bot offered a person: that question
            offered = awaited(turn_context)
            if offered.get("kind") == "offer":
                query, details = offered.get("query"), offered.get("details")
        if not who.known and not unknown:  # the unit first; the question is kept meanwhile
            await need_profile(dc, {**route.data, **({"query": query} if query else {}),
                                    **({"details": details} if details else {})})
            return
        if dc.active_dialog is not None:
            await dc.cancel_all_dialogs()
        await dc.begin_dialog(EscalateDialog.__name__,
                              {"query": query if isinstance(query, str) else None,
                               "details": details if isinstance(details, str) else "",
                               "unit_unknown": unknown and not who.known})

    def card_of(turn_context: TurnContext, data: dict[str, Any]) -> str | None:
        """The confirmation card's activity id: the dialog knows it when 「はい」 was typed;
        a pressed button's message says which message it came from (Teams' ``replyToId``)."""
        given = data.get("card_id")
        return given if isinstance(given, str) and given else turn_context.activity.reply_to_id

    async def submit(turn_context: TurnContext, dc: DialogContext, data: dict[str, Any]) -> None:
        """Create the ticket from the confirmation card (or the typed 「はい」)."""
        who = await identify(turn_context)
        if not who.known and data.get("unit_unknown") is not True:
            await need_profile(dc, {"query": data.get("question")} if data.get("question") else {})
            return
        key = str(data.get("draft") or "")
        owner = data.get("owner")
        if not _KEY.match(key) or (owner and owner != who.user_id):  # a colleague's card, in a channel
            await turn_context.send_activity(texts.BAD_BUTTON)
            return
        # the box as submitted (emptied on purpose means empty); the button's copy only for
        # clients that send the button data alone
        typed = data["question"] if "question" in data else data.get("query")
        question = str(typed or "").strip()[:4000]
        urgency = t.URGENT if data.get("urgency") == t.URGENT else t.NORMAL
        details = str((data["details"] if "details" in data else data.get("draft_details")) or "").strip()[:4000]
        if not question:  # asked for; what else the card held is kept for the card shown next
            async with runtime.sessions() as session:
                sent = await t.by_request_key(session, key)
            if sent is not None:  # sent already (a second device, a card not updated): say so
                await turn_context.send_activity(_reply(cards.already_sent(sent)))
                return
            await close_card(turn_context, card_of(turn_context, data), "", texts.CONFIRM_REPLACED)
            if dc.active_dialog is not None:
                await dc.cancel_all_dialogs()
            await dc.begin_dialog(EscalateDialog.__name__, {"draft": {
                "key": key, "question": "", "details": details, "urgency": urgency,
                "shown_question": str(data.get("query") or "").strip()[:4000],
                "attachments": list(clean_attachments(data.get("attachments"))),
                "target": await describe(turn_context), "shown": True,
                "unit_unknown": data.get("unit_unknown") is True}})
            return
        draft = Draft(key, question, details, urgency,
                      clean_attachments(data.get("attachments")))
        now = runtime.clock.now()
        try:
            async with runtime.sessions() as session, session.begin():
                ticket, level, created = await svc.create(session, requester_of(who), draft, now)
                due = svc.calendar.add(now, svc.claim_minutes(ticket))
        except TicketError:
            await turn_context.send_activity(texts.BAD_BUTTON)
            return
        if dc.active_dialog is not None and dc.active_dialog.id == EscalateDialog.__name__:
            await dc.cancel_all_dialogs()
        await close_card(turn_context, card_of(turn_context, data), ticket.question,
                         texts.CONFIRM_SENT.format(id=ticket.id))
        if not created:
            await turn_context.send_activity(texts.ALREADY_CREATED.format(id=ticket.id))
        elif level is None:
            await turn_context.send_activity(texts.CREATED_NOBODY.format(id=ticket.id))
        else:
            sla = texts.SLA_URGENT if urgency == t.URGENT else texts.SLA_NORMAL
            await turn_context.send_activity(texts.CREATED.format(
                id=ticket.id, target=target_label(level, who.unit_name, who.department_name),
                sla=sla.format(time=cards.when(due))))

    async def create(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await submit(turn_context, dc, {k: v for k, v in route.data.items() if k != "card_id"})

    async def discard(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """「やめる」: unless this card was already sent (then say so, and what can be done)."""
        key = str(route.data.get("draft") or "")
        sent = None
        if _KEY.match(key):
            async with runtime.sessions() as session:
                sent = await t.by_request_key(session, key)
        if sent is not None and sent.requester_id != user_key(turn_context.activity):
            await turn_context.send_activity(texts.BAD_BUTTON)  # someone else's card: say nothing of it
            return
        if sent is not None:
            await turn_context.send_activity(_reply(cards.already_sent(sent)))
            return
        if dc.active_dialog is not None and dc.active_dialog.id == EscalateDialog.__name__:
            await dc.cancel_all_dialogs()
        await close_card(turn_context, turn_context.activity.reply_to_id,
                         str(route.data.get("query") or ""), texts.CONFIRM_DISCARDED)
        await turn_context.send_activity(texts.DRAFT_DISCARDED)

    # ------------------------------------------------------------ acting on a ticket

    async def run(turn_context: TurnContext, ticket_id: int, action: str, work: Work) -> Any:
        """Load and lock the ticket, do ``work``, commit; refusals become clear messages
        (nothing is written). Returns what ``work`` returned, or None when refused."""
        who = await identify(turn_context)
        actor = actor_of(who)
        try:
            async with runtime.sessions() as session, session.begin():
                ticket = await t.get(session, ticket_id, lock=True)
                if ticket is None:  # says nothing about whether it exists for someone else
                    await turn_context.send_activity(texts.NOT_FOUND.format(id=ticket_id))
                    return None
                return await work(session, ticket, actor, runtime.clock.now())
        except NotAllowed:
            log.warning("ticket action refused",
                        extra={"user": actor.user_id, "ticket": ticket_id, "action": action})
            await turn_context.send_activity(
                texts.NOT_REQUESTER if action in _REQUESTER_ACTIONS else texts.NOT_ALLOWED)
        except InvalidTransition as exc:
            await turn_context.send_activity(
                texts.INVALID_STATE.format(id=ticket_id, status=STATUS_LABELS[exc.status]))
        except TicketError as exc:
            message = {
                "taken": texts.TAKEN_BY.format(id=ticket_id, name=str(exc)),
                "passed": texts.YOU_PASSED.format(id=ticket_id),
                "already_yours": texts.ALREADY_YOURS.format(id=ticket_id),
                "already_proposed": texts.ALREADY_PROPOSED,
                "not_resolved": texts.PROPOSE_NOT_RESOLVED,
            }.get(exc.code, texts.BAD_BUTTON)
            await turn_context.send_activity(message)
        return None

    async def ask_text(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int,
                       field: str, prompt: str, check: Work) -> None:
        """The card's input box was empty: after the same permission check, ask in chat."""
        allowed = await run(turn_context, ticket_id, route.name.removeprefix("ticket."), check)
        if allowed:
            if dc.active_dialog is not None:
                await dc.cancel_all_dialogs()
            await dc.begin_dialog(TicketTextDialog.__name__, {
                "data": {**route.data, _TYPED: True}, "field": field, "prompt": prompt.format(id=ticket_id)})

    def action(name: str, handle: Callable[[TurnContext, DialogContext, Route, int], Awaitable[None]]) -> None:
        async def handler(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
            ticket_id = _ticket_id(route.data)
            if ticket_id is None:
                await turn_context.send_activity(texts.BAD_BUTTON)
                return
            await handle(turn_context, dc, route, ticket_id)

        bot.card_actions[f"ticket.{name}"] = handler

    async def may_handle(session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime) -> bool:
        await svc.check_handler(session, ticket, actor, "answer")
        t.target_status(ticket, "answer")
        return True

    async def own_answered(session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime) -> bool:
        svc.check_requester(ticket, actor, "reopen")
        t.target_status(ticket, "reopen")
        return True

    async def claim(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        done = await run(turn_context, ticket_id, "claim",
                         lambda s, tk, a, now: _true(svc.claim(s, tk, a, now)))
        if done:
            await turn_context.send_activity(texts.CLAIMED.format(id=ticket_id))

    async def drop_prompt(dc: DialogContext, ticket_id: int) -> None:
        """A button that acts on the ticket ends a prompt still waiting for text about it (the
        next message is then not taken for that text)."""
        if _ticket_id({"ticket_id": TicketTextDialog.asking_about(dc)}) == ticket_id:
            await dc.cancel_all_dialogs()

    async def answer(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        text = str(route.data.get("answer") or "").strip()[:8000]
        if not text:
            await ask_text(turn_context, dc, route, ticket_id, "answer", texts.ASK_ANSWER, may_handle)
            return
        await drop_prompt(dc, ticket_id)
        if route.data.get(_TYPED):  # the next chat message is not always the answer: shown first
            await turn_context.send_activity(_reply(cards.answer_preview(ticket_id, text)))
            return
        done = await run(turn_context, ticket_id, "answer",
                         lambda s, tk, a, now: _true(svc.answer(s, tk, a, text, now)))
        if done:
            await turn_context.send_activity(texts.ANSWER_SENT.format(id=ticket_id))

    async def pass_on(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        reason = str(route.data.get("reason") or "").strip()[:2000]
        if not reason:
            await ask_text(turn_context, dc, route, ticket_id, "reason", texts.ASK_REASON, may_handle)
            return
        await drop_prompt(dc, ticket_id)

        async def work(s: AsyncSession, tk: Ticket, a: Actor, now: datetime) -> str:
            level = await svc.pass_on(s, tk, a, reason, now)
            if level is None:
                return texts.PASSED_NOBODY.format(id=ticket_id)
            return texts.PASSED.format(id=ticket_id,
                                       target=target_label(level, tk.unit_name, tk.department_name))

        reply = await run(turn_context, ticket_id, "pass", work)
        if reply:
            await turn_context.send_activity(reply)

    async def resolve(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        await drop_prompt(dc, ticket_id)  # 「解決した」 pressed while 「どの点が…」 waits
        done = await run(turn_context, ticket_id, "resolve",
                         lambda s, tk, a, now: _true(svc.resolve(s, tk, a, now)))
        if done:
            await turn_context.send_activity(texts.RESOLVED_THANKS.format(id=ticket_id))

    async def reopen(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        followup = str(route.data.get("followup") or "").strip()[:4000]
        if not followup:
            await ask_text(turn_context, dc, route, ticket_id, "followup", texts.ASK_FOLLOWUP, own_answered)
            return
        key = command_key(followup) if route.data.get(_TYPED) else ""
        if key in _SOLVED_REPLIES or key in _THANKS_REPLIES or key in _NEVER_MIND:
            await changed_mind(turn_context, dc, route, ticket_id, key)
            return

        async def work(s: AsyncSession, tk: Ticket, a: Actor, now: datetime) -> tuple[str, str | None]:
            if tk.requester_id == a.user_id and tk.status in (t.RESOLVED, t.CANCELLED):
                # closed meanwhile (3 business days passed, say): offered as a new 相談, not
                # dropped, with what it follows up on for whoever takes it
                earlier = texts.FOLLOWUP_OF.format(id=ticket_id, question=cards.shortened(tk.question, 200),
                                                   answer=cards.shortened(tk.answer or "-", 500))
                return texts.CLOSED_FOLLOWUP.format(id=ticket_id, status=STATUS_LABELS[tk.status]), earlier
            await svc.reopen(s, tk, a, followup, now)
            return texts.REOPENED.format(id=ticket_id, name=tk.assignee_name or ""), None

        done = await run(turn_context, ticket_id, "reopen", work)
        if done is None:
            return
        reply, earlier = done
        if earlier is None:
            await turn_context.send_activity(reply)
            return
        await turn_context.send_activity(_reply(cards.offer_anew(reply, followup, earlier)))
        await bot.awaiting.set(turn_context, {"kind": "offer", "query": followup, "details": earlier})

    async def changed_mind(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int,
                           key: str) -> None:
        """「解決しました」 (resolve), 「ありがとう」 or 「やっぱりいいです」 (send nothing) typed
        where the point for the person was asked for."""
        async with runtime.sessions() as session:
            ticket = await t.get(session, ticket_id)
        if ticket is None or ticket.status != t.ANSWERED:  # resolved meanwhile (3 business days)
            thanks = key in _THANKS_REPLIES
            await turn_context.send_activity(texts.YOU_ARE_WELCOME if thanks else texts.UNDERSTOOD)
        elif key in _SOLVED_REPLIES:
            await resolve(turn_context, dc, route, ticket_id)
        else:
            lead = texts.YOU_ARE_WELCOME if key in _THANKS_REPLIES else texts.UNDERSTOOD
            await turn_context.send_activity(lead + texts.NOT_REOPENED.format(id=ticket_id))

    async def rate_typed(turn_context: TurnContext, dc: DialogContext, solved: bool) -> bool:
        """「解決しました」 or 「まだ解決しません」 typed after a person's answer (no FAQ reply
        waiting): the newest answered ticket is rated as its buttons would rate it."""
        who = await identify(turn_context)
        async with runtime.sessions() as session:
            mine = await t.of_requester(session, who.user_id)
        waiting = [tk for tk in mine if tk.status == t.ANSWERED]
        if not waiting:
            return False
        newest = max(waiting, key=lambda tk: tk.answered_at or tk.updated_at)
        name = "ticket.resolve" if solved else "ticket.reopen"
        data = {"action": name, "ticket_id": newest.id}  # as the button sends it
        await bot.card_actions[name](turn_context, dc, Route("card", name=name, data=data))
        return True

    bot.rated_elsewhere.append(rate_typed)

    async def cancel(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        done = await run(turn_context, ticket_id, "cancel",
                         lambda s, tk, a, now: _true(svc.cancel(s, tk, a, now)))
        if done:
            await turn_context.send_activity(texts.CANCELLED.format(id=ticket_id))

    async def propose(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        async def work(s: AsyncSession, tk: Ticket, a: Actor, now: datetime) -> int:
            question = str(route.data.get("question") or "").strip() or tk.question
            answer_text = str(route.data.get("answer") or "").strip() or tk.answer or ""
            proposal = await svc.propose(s, tk, a, question[:1000], answer_text[:8000], now)
            return proposal.id or 0

        proposal_id = await run(turn_context, ticket_id, "propose", work)
        if proposal_id:
            await turn_context.send_activity(texts.PROPOSED.format(id=proposal_id))

    async def show(turn_context: TurnContext, dc: DialogContext, route: Route, ticket_id: int) -> None:
        who = await identify(turn_context)
        async with runtime.sessions() as session:
            ticket = await t.get(session, ticket_id)
            mine = await t.recipient(session, ticket_id, who.user_id) if ticket else None
            history = await t.events(session, ticket_id) if ticket else []
        if ticket is None or not (mine or who.is_admin or ticket.requester_id == who.user_id):
            await turn_context.send_activity(texts.NOT_FOUND.format(id=ticket_id))
            return
        if mine is None and not who.is_admin:  # the requester: not the routing and the notes
            history = t.for_requester(history)
        actions, inputs = viewer_actions(ticket, who, mine is not None and mine.status != t.PASSED)
        await turn_context.send_activity(_reply(cards.detail(ticket, history, actions, inputs)))

    for name, handle in (("claim", claim), ("answer", answer), ("pass", pass_on), ("resolve", resolve),
                         ("reopen", reopen), ("cancel", cancel), ("propose", propose), ("show", show)):
        action(name, handle)
    bot.card_actions["ticket.create"] = create
    bot.card_actions["ticket.discard"] = discard

    # ------------------------------------------------------------ lists

    async def ticket_command(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        ticket_id = _ticket_id({"ticket_id": route.arg})
        if ticket_id is None:
            await turn_context.send_activity(texts.BAD_BUTTON)
            return
        await show(turn_context, dc, route, ticket_id)

    async def my_tickets(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await identify(turn_context)
        async with runtime.sessions() as session:
            mine = await t.of_requester(session, who.user_id)
        await turn_context.send_activity(
            _reply(cards.listing(texts.MY_TICKETS_TITLE, mine, texts.MY_TICKETS_NONE)))

    async def queue(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await identify(turn_context)
        async with runtime.sessions() as session:
            waiting = await t.queue_of(session, who.user_id, everyone=who.is_admin)
        if not waiting and not who.is_admin and not who.roles & _ANSWERING_ROLES:
            await turn_context.send_activity(texts.QUEUE_NOT_YOURS)  # a requester: their own list
            return
        title = texts.QUEUE_ALL_TITLE if who.is_admin else texts.QUEUE_TITLE
        await turn_context.send_activity(_reply(cards.listing(title, waiting, texts.QUEUE_NONE)))

    bot.commands.update({"escalate": escalate, "my_tickets": my_tickets, "queue": queue,
                         "ticket": ticket_command})

    # ------------------------------------------------------------ dialogs

    async def resume(turn_context: TurnContext, dc: DialogContext, data: dict[str, Any]) -> None:
        name = str(data.get("action", ""))
        handler = bot.card_actions.get(name)
        if handler is not None and name.startswith("ticket."):
            await handler(turn_context, dc, Route("card", name=name, data=data))

    def confirm_card(turn_context: TurnContext, key: str, question: str, target: str,
                     attachments: list[dict[str, str]], details: str,
                     unit_unknown: bool = False, urgency: str = "", typed: bool = True) -> dict[str, Any]:
        return cards.confirm(key, question, target, attachments, details, owner=user_key(turn_context.activity),
                             unit_unknown=unit_unknown, urgency=urgency, typed=typed)

    def ask_again(field: str, text: str) -> str | None:
        """「はい」「わかりました」 or a greeting where the point itself was asked for: ask again."""
        return texts.ASK_FOLLOWUP_AGAIN if field == "followup" and command_key(text) in _NOT_YET else None

    async def text_expired(turn_context: TurnContext, dc: DialogContext, instance: DialogInstance) -> Followed:
        """The text a card asked for was not typed within the hour. A plain text where an answer
        (or a reason to pass the ticket on) was asked for is shown as that answer (reason), to
        send with one press; otherwise the ticket's card is shown again."""
        about, field = TicketTextDialog.asked(instance)
        ticket_id = _ticket_id({"ticket_id": about})
        if ticket_id is None or field not in texts.TEXT_EXPIRED:
            return None
        activity = turn_context.activity
        if isinstance(activity.value, dict):  # a button: of that ticket's card, the press goes on
            if _ticket_id(activity.value) == ticket_id:
                return "said"
        elif field in ("answer", "reason") and _an_answer(text := (activity.text or "").strip()):
            if not await may_answer(turn_context, ticket_id):  # passed on, cancelled … meanwhile
                await turn_context.send_activity(texts.LATE_TEXT_NOT_SENT[field].format(id=ticket_id))
                await show(turn_context, dc, Route("card", name="ticket.show"), ticket_id)
            elif field == "answer":
                await turn_context.send_activity(texts.LATE_ANSWER.format(id=ticket_id))
                await resume(turn_context, dc, {"action": "ticket.answer", "ticket_id": ticket_id, _TYPED: True,
                                                "answer": text})
            else:  # passing a ticket on is not undone: the reason too is shown first
                await turn_context.send_activity(texts.LATE_REASON.format(id=ticket_id))
                await turn_context.send_activity(_reply(cards.reason_preview(ticket_id, text[:2000])))
            return "taken"  # not also answered as a question: it was most likely not one
        await turn_context.send_activity(texts.TEXT_EXPIRED[field].format(id=ticket_id))
        await show(turn_context, dc, Route("card", name="ticket.show"), ticket_id)
        return "said"

    def _an_answer(text: str) -> bool:
        """Whether a text typed late may be the answer: no typed command, no 「はい」/「いいえ」,
        not a greeting or thanks alone. A request the bot knows (「研修に申し込みたい」) may be
        one: it is only shown for sending, while an answer turned away would be lost."""
        if decide(text, None, dialog_active=False).kind != "faq" or parse_yes_no(text) is not None:
            return False
        return bot.intent_of is None or bot.intent_of(text) not in ("greeting", "thanks")

    async def may_answer(turn_context: TurnContext, ticket_id: int) -> bool:
        """Whether this person may still answer the ticket (it may have been passed on,
        cancelled or resolved meanwhile): checked quietly, as the answer itself will be."""
        actor = actor_of(await identify(turn_context))
        async with runtime.sessions() as session:
            ticket = await t.get(session, ticket_id)
            try:
                return ticket is not None and await may_handle(session, ticket, actor, runtime.clock.now())
            except TicketError:
                return False

    escalate = EscalateDialog(describe, confirm_card, submit, close_card)
    bot.dialogs.add(escalate)
    bot.dialogs.add(TicketTextDialog(resume, ask_again))
    bot.expired[EscalateDialog.__name__] = escalate.expired
    bot.expired[TicketTextDialog.__name__] = text_expired

    # ------------------------------------------------------------ admins

    async def admin_only(turn_context: TurnContext) -> Identity | None:
        who = await identify(turn_context)
        if who.is_admin:
            return who
        log.warning("escalation admin command refused", extra={"user": who.user_id})
        await turn_context.send_activity(who.refusal(texts.ADMIN_ONLY))
        return None

    async def report(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if await admin_only(turn_context) is None:
            return
        words = route.arg.split()
        try:
            days = [parse_day(w) for w in words]
        except ValueError as exc:  # say what is wrong with the date (存在しません, 範囲 ...)
            await turn_context.send_activity(f"{exc}。\n\n{texts.REPORT_USAGE}")
            return
        if len(days) > 2 or (len(days) == 2 and days[0] > days[1]):
            await turn_context.send_activity(texts.REPORT_USAGE)
            return
        since = _start_of(days[0]) if days else None
        until = _start_of(days[1]) + timedelta(days=1) if len(days) > 1 else None
        now = runtime.clock.now()
        async with runtime.sessions() as session:
            found = await t.created_between(session, since, until)
        result = ticket_report.build(found, now, since, until)
        period = texts.REPORT_PERIOD_ALL
        if days:
            last = days[1] if len(days) > 1 else now.astimezone(JST).date()
            period = texts.REPORT_PERIOD.format(since=_day_label(days[0]), until=_day_label(last))
        await turn_context.send_activity(_reply(report_card(result, period)))

    async def faq_proposals(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await admin_only(turn_context)
        if who is None:
            return
        verb, rest = split_word(route.arg)
        verb = unicodedata.normalize("NFKC", verb).casefold()  # 「ACCEPT」「ａｃｃｅｐｔ」
        number, text = split_word(rest)
        if verb in ("", "一覧", "list"):
            async with runtime.sessions() as session:
                pending = await proposals.listing(session)
            await turn_context.send_activity(_reply(cards.proposals(pending)))
            return
        proposal_id = row_id(number)
        if proposal_id is None:
            await turn_context.send_activity(texts.PROPOSALS_USAGE)
            return
        if verb in ("採用", "accept"):
            await decide_proposal(turn_context, who, proposal_id, "accept")
        elif verb in ("却下", "reject"):
            await decide_proposal(turn_context, who, proposal_id, "reject")
        elif verb in ("編集", "edit"):
            await edit_proposal(turn_context, proposal_id, text)
        elif verb in ("作成", "create"):
            await propose(turn_context, dc, Route("card", name="ticket.propose"), proposal_id)
        else:
            await turn_context.send_activity(texts.PROPOSALS_USAGE)

    async def edit_proposal(turn_context: TurnContext, proposal_id: int, text: str) -> None:
        field, value = split_word(text)
        changes = {"質問": "question", "回答": "answer", "カテゴリ": "category"}
        if field not in changes or not value.strip():
            await turn_context.send_activity(texts.PROPOSALS_USAGE)
            return
        async with runtime.sessions() as session, session.begin():
            proposal = await proposals.get(session, proposal_id)
            if proposal is None:
                await turn_context.send_activity(texts.PROPOSAL_NOT_FOUND.format(id=proposal_id))
                return
            try:
                proposals.edit(proposal, **{changes[field]: value})
            except TicketError:
                await turn_context.send_activity(texts.PROPOSAL_DECIDED.format(id=proposal_id))
                return
            question, answer_text = proposal.question, proposal.answer
        await turn_context.send_activity(
            texts.PROPOSAL_EDITED.format(id=proposal_id, question=question, answer=answer_text))

    async def decide_proposal(turn_context: TurnContext, who: Identity, proposal_id: int,
                              decision: str) -> None:
        actor, now = actor_of(who), runtime.clock.now()
        try:
            async with runtime.sessions() as session, session.begin():
                if decision == "accept":
                    proposal, path = await proposals.accept(
                        session, proposal_id, actor, now, runtime.settings.faq_dir,
                        runtime.faq.current.entries)
                    entry = proposal.entry_id
                else:
                    found = await proposals.get(session, proposal_id)
                    if found is None:
                        raise TicketError("proposal_not_found", "")
                    proposals.decide(found, proposals.REJECTED, actor, now)
        except TicketError as exc:
            message = {
                "proposal_not_found": texts.PROPOSAL_NOT_FOUND.format(id=proposal_id),
                "proposal_decided": texts.PROPOSAL_DECIDED.format(id=proposal_id),
                "id_taken": texts.PROPOSAL_ID_TAKEN.format(entry=f"proposal-{proposal_id}", where=str(exc)),
                "proposals_file": texts.PROPOSAL_FILE_UNUSABLE.format(error=str(exc)),
            }.get(exc.code, texts.PROPOSALS_USAGE)
            await turn_context.send_activity(message)
            return
        if decision == "reject":
            await turn_context.send_activity(texts.PROPOSAL_REJECTED.format(id=proposal_id))
            return
        status = await runtime.faq.reload()  # served at once, even without the file watcher
        if status.errors:
            await turn_context.send_activity(texts.PROPOSAL_ACCEPTED_STALE.format(
                id=proposal_id, file=path.name, error=status.errors[0]))
        else:
            await turn_context.send_activity(texts.PROPOSAL_ACCEPTED.format(id=proposal_id, entry=entry))

    async def proposal_button(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await admin_only(turn_context)
        proposal_id = row_id(route.data.get("proposal_id"))
        decision = route.data.get("decision")
        if who is None:
            return
        if proposal_id is None or decision not in ("accept", "reject"):
            await turn_context.send_activity(texts.BAD_BUTTON)
            return
        await decide_proposal(turn_context, who, proposal_id, str(decision))

    bot.card_actions["ticket.proposal"] = proposal_button
    admin_commands: dict[str, Handler] = runtime.services.setdefault("admin_commands", {})
    admin_commands["相談集計"] = report
    admin_commands["FAQ提案"] = faq_proposals

    async def backlog() -> list[dict[str, Any]]:
        async with runtime.sessions() as session:
            waiting = await t.active(session)
        counts = {label: sum(x.status == status for x in waiting)
                  for status, label in STATUS_LABELS.items() if status in t.ACTIVE}
        line = "、".join(f"{label} {n} 件" for label, n in counts.items())
        return [common_cards.text(texts.ADMIN_BACKLOG_TITLE, weight="Bolder"), common_cards.text(line)]

    runtime.services.setdefault("admin_reports", []).append(backlog)

    # ------------------------------------------------------------ background work

    runtime.worker.handlers.register(SLA_JOB, svc.on_sla)
    runtime.worker.handlers.register(AUTORESOLVE_JOB, svc.on_autoresolve)
    runtime.worker.handlers.register(RETRY_JOB, svc.on_retry)
    runtime.worker.handlers.register(HELD_JOB, svc.on_held)
    runtime.worker.outcomes.on_outcome("escalation:", svc.on_outcome)


async def _true(work: Awaitable[Any]) -> bool:
    await work
    return True


def viewer_actions(ticket: Ticket, who: Identity, routed: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The buttons (and input boxes) of a ticket's detail card for this viewer."""
    tid = ticket.id
    handler = routed or who.is_admin
    free = ticket.assignee_id in (None, who.user_id) or who.is_admin
    actions: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    if handler and ticket.status == t.OPEN:
        actions.append(common_cards.submit(texts.BUTTON_CLAIM, "ticket.claim", ticket_id=tid))
    if handler and ticket.status in t.ACTIVE and free:
        inputs.append(cards.answer_input())
        actions.append(common_cards.submit(texts.BUTTON_ANSWER, "ticket.answer", ticket_id=tid))
        actions.append(common_cards.submit(texts.BUTTON_PASS, "ticket.pass", ticket_id=tid))
    mine = ticket.requester_id == who.user_id
    if mine and ticket.status == t.ANSWERED:
        actions.append(common_cards.submit(texts.BUTTON_SOLVED, "ticket.resolve", ticket_id=tid))
        actions.append(common_cards.submit(texts.BUTTON_NOT_SOLVED, "ticket.reopen", ticket_id=tid))
    if mine and ticket.status in t.ACTIVE:
        actions.append(common_cards.submit(texts.BUTTON_CANCEL, "ticket.cancel", ticket_id=tid))
    if handler and ticket.status == t.RESOLVED:
        actions.append(common_cards.submit(texts.BUTTON_PROPOSE, "ticket.propose", ticket_id=tid))
    return actions, inputs


def report_card(result: ticket_report.Report, period: str) -> dict[str, Any]:
    def row(r: ticket_report.Row) -> str:
        f = ticket_report.fmt
        return texts.REPORT_ROW.format(
            tickets=r.tickets, unresolved=r.unresolved, resolved=r.resolved, claim_median=f(r.to_claim.median), claim_p90=f(r.to_claim.p90),
            resolve_median=f(r.to_resolve.median), resolve_p90=f(r.to_resolve.p90))

    text = common_cards.text
    title = text(texts.REPORT_TITLE.format(period=period), weight="Bolder", size="Medium")
    if not result.total.tickets:  # nothing to measure: say so rather than a card of 「-」
        return common_cards.content([title, text(texts.REPORT_EMPTY)])
    oldest = (texts.REPORT_OLDEST.format(minutes=ticket_report.fmt(result.oldest_open_minutes))
              if result.oldest_open_minutes is not None else texts.REPORT_NONE_OPEN)
    body = [
        title,
        text(texts.REPORT_ALL, weight="Bolder"), text(row(result.total)),
        text(texts.REPORT_DEPARTMENTS, weight="Bolder"),
        common_cards.facts([(r.name, row(r)) for r in result.departments] or [(texts.REPORT_NONE, "")]),
        text(texts.REPORT_UNITS, weight="Bolder"),
        common_cards.facts([(r.name, row(r)) for r in result.units[:10]] or [(texts.REPORT_NONE, "")]),
        text(texts.REPORT_BACKLOG, weight="Bolder"),
        text(ticket_report.backlog_line(result) + "\n\n" + oldest),
        text(texts.REPORT_TOPICS, weight="Bolder"),
        text("\n".join(f"{i}. {name}（{n} 件）" for i, (name, n) in enumerate(result.topics, 1))
             or texts.REPORT_NONE),
    ]
    return common_cards.content(body)
