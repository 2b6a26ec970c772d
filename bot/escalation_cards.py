"""Adaptive Cards of the escalation flow, as plain dicts (the outbox stores them as JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botbuilder.core import CardFactory
from botbuilder.schema import Attachment

from bot import cards
from bot.texts import enrolment as dates
from bot.texts import escalation as texts
from domain.ticket_proposals import FaqProposal
from domain.tickets import ACTIVE, STATUS_LABELS, URGENT, Ticket, TicketEvent

Json = dict[str, Any]


def when(moment: datetime) -> str:
    """``5月11日(月) 10:00`` in Japan time (the format every feature uses)."""
    return dates.day_time(moment)


def attachment(card: Json) -> Attachment:
    return CardFactory.adaptive_card(card)


def _input(id_: str, label: str, *, value: str = "", placeholder: str = "", multiline: bool = True) -> Json:
    element: Json = {"type": "Input.Text", "id": id_, "label": label, "isMultiline": multiline}
    if value:
        element["value"] = value
    if placeholder:
        element["placeholder"] = placeholder
    return element


def _attachments(items: Sequence[dict[str, str]]) -> list[Json]:
    if not items:
        return []
    links = "\n".join(f"- [{a.get('name') or 'file'}]({a['url']})" for a in items if a.get("url"))
    return [cards.text(texts.LABEL_ATTACHMENTS, weight="Bolder"), cards.text(links)]


def requester_label(ticket: Ticket) -> str:
    return texts.REQUESTER_VALUE.format(name=ticket.requester_name,
                                        unit=ticket.unit_name or texts.UNKNOWN_UNIT)


# ------------------------------------------------------------------ the requester's confirmation


def confirm(key: str, question: str, target: str, attachments: Sequence[dict[str, str]],
            details: str = "", owner: str = "", unit_unknown: bool = False, urgency: str = "",
            typed: bool = True) -> Json:
    """The question (editable), details, urgency and who receives it; 「送信する」.

    The button data repeats the question and details (``query``, ``draft_details``) for
    clients that send only the data, not the input boxes, and names the ``owner``: in a
    channel a colleague can see the card, but only its author can send it. ``unit_unknown``:
    the author's unit is not in the directory (it goes to the helpdesk without a profile).
    ``typed``: the 相談 dialog waits, so 「はい」 and 補足 typed in the chat count too."""
    body: list[Json] = [
        cards.text(texts.CONFIRM_TITLE, weight="Bolder", size="Medium"),
        cards.text(texts.CONFIRM_TARGET.format(target=target)),
        _input("question", texts.LABEL_QUESTION, value=question),
        _input("details", texts.LABEL_DETAILS, value=details, placeholder=texts.PLACEHOLDER_DETAILS),
        {
            "type": "Input.ChoiceSet", "id": "urgency", "label": texts.LABEL_URGENCY,
            "style": "expanded", "value": urgency if urgency in texts.URGENCY_LABELS else "normal",
            "choices": [{"title": t, "value": v} for v, t in texts.URGENCY_LABELS.items()],
        },
        *_attachments(attachments),
        cards.text(texts.CONFIRM_HINT if typed else texts.CONFIRM_HINT_BUTTONS, subtle=True),
    ]
    data = {"draft": key, "query": question, "draft_details": details,
            "attachments": list(attachments), "owner": owner, **({"unit_unknown": True} if unit_unknown else {})}
    return cards.content(body, [
        cards.submit(texts.BUTTON_SEND, "ticket.create", **data),
        cards.submit(texts.BUTTON_DISCARD, "ticket.discard", draft=key, query=question),
    ])


def confirm_closed(question: str, note: str) -> Json:
    """The confirmation card once it is used up (sent, discarded, replaced): no buttons."""
    return cards.content([
        cards.text(texts.CONFIRM_TITLE, weight="Bolder", size="Medium"),
        cards.text(question, subtle=True),
        cards.text(note, weight="Bolder"),
    ])


def already_sent(ticket: Ticket) -> Json:
    """「やめる」 on a card that was already sent: what became of it, and what can be done."""
    actions = [cards.submit(texts.BUTTON_MY_TICKETS, "command", command="my_tickets")]
    if ticket.status in ACTIVE:  # still withdrawable: the text names that button
        actions.insert(0, cards.submit(texts.BUTTON_CANCEL, "ticket.cancel", ticket_id=ticket.id))
    said = texts.ALREADY_SENT_DISCARD if ticket.status in ACTIVE else texts.ALREADY_SENT_CLOSED
    text = said.format(id=ticket.id, status=STATUS_LABELS[ticket.status])
    return cards.content([cards.text(text)], actions)


def offer_anew(text: str, followup: str, earlier: str) -> Json:
    """A follow-up to a ticket that was closed meanwhile: send it as a new request, with the
    closed ticket's question and answer (``earlier``) as its details."""
    return cards.content([cards.text(text), cards.text(followup, subtle=True)],
                         [cards.submit(texts.BUTTON_NEW_REQUEST, "command", command="escalate", query=followup,
                                       details=earlier)])


# ------------------------------------------------------------------ the promoter's card


def _request_body(ticket: Ticket) -> list[Json]:
    title = texts.REQUEST_TITLE_URGENT if ticket.urgency == URGENT else texts.REQUEST_TITLE
    body: list[Json] = [
        cards.text(title.format(id=ticket.id), weight="Bolder", size="Medium"),
        cards.facts([
            (texts.FACT_REQUESTER, requester_label(ticket)),
            (texts.FACT_URGENCY, texts.URGENCY_LABELS.get(ticket.urgency, ticket.urgency)),
            (texts.FACT_RECEIVED, when(ticket.created_at)),
        ]),
        cards.text(ticket.question),
    ]
    if ticket.details:
        body += [cards.text(texts.DETAILS_TITLE, weight="Bolder"), cards.text(ticket.details)]
    body += _attachments(ticket.attachments)
    return body


def reminder(ticket: Ticket) -> Json:
    """The deadline passed unclaimed: the reminder, with 「対応します」 and 「チケットを見る」."""
    text = texts.REMINDER.format(id=ticket.id, requester=ticket.requester_name,
                                 urgency=texts.URGENCY_LABELS.get(ticket.urgency, ticket.urgency))
    return cards.content([cards.text(text), cards.text(shortened(ticket.question, 80), subtle=True)], [
        cards.submit(texts.BUTTON_CLAIM, "ticket.claim", ticket_id=ticket.id),
        cards.submit(texts.BUTTON_VIEW, "ticket.show", ticket_id=ticket.id),
    ])


def held_reminder(ticket: Ticket) -> Json:
    """Taken but not answered yet: the reminder to the person who holds it."""
    text = texts.HELD_REMINDER.format(id=ticket.id, requester=ticket.requester_name)
    return cards.content([cards.text(text), cards.text(shortened(ticket.question, 80), subtle=True)], [
        cards.submit(texts.BUTTON_VIEW, "ticket.show", ticket_id=ticket.id),
    ])


def _guesses(ticket: Ticket) -> list[Json]:
    lines = [texts.GUESS_LINE.format(question=g["question"], score=g.get("score", 0))
             for g in ticket.guesses[:3]]
    return [cards.text(texts.GUESSES_TITLE, weight="Bolder"),
            cards.text("\n".join(lines) if lines else texts.NO_GUESSES, subtle=True)]


def answer_input() -> Json:
    """The answer box (an Input.Text whose value arrives with the 「回答する」 submit)."""
    return _input("answer", texts.ANSWER_LABEL, placeholder=texts.ANSWER_PLACEHOLDER)


def answer_preview(ticket_id: int, text: str) -> Json:
    """An answer typed in chat, shown before it goes: the box holds it (editable there), and
    「この内容で送る」 sends what the box holds, as the ticket card's 「回答する」 does."""
    return cards.content(
        [cards.text(texts.ANSWER_PREVIEW.format(id=ticket_id)),
         _input("answer", texts.ANSWER_LABEL, value=text)],
        [cards.submit(texts.BUTTON_SEND_ANSWER, "ticket.answer", ticket_id=ticket_id)],
    )


def reason_preview(ticket_id: int, text: str) -> Json:
    """A reason typed in chat after its hour: the box holds it, and 「他の人に回す」 passes the
    ticket on with what the box holds."""
    return cards.content(
        [cards.text(texts.REASON_PREVIEW.format(id=ticket_id)),
         _input("reason", texts.REASON_LABEL, value=text, multiline=True)],
        [cards.submit(texts.BUTTON_PASS, "ticket.pass", ticket_id=ticket_id)],
    )


def _answer_box(ticket: Ticket) -> list[Json]:
    return [answer_input()]


def _pass_action(ticket: Ticket) -> Json:
    inner = cards.content(
        [_input("reason", texts.REASON_LABEL, placeholder=texts.REASON_PLACEHOLDER, multiline=False)],
        [cards.submit(texts.BUTTON_PASS, "ticket.pass", ticket_id=ticket.id)],
    )
    return {"type": "Action.ShowCard", "title": texts.BUTTON_PASS, "card": inner}


def request(ticket: Ticket, view: str, by: str | None = None) -> Json:
    """The card a promoter sees; ``view``: open, mine, reopened, taken, answered, cancelled,
    passed, resolved (the last five have no buttons)."""
    body = _request_body(ticket)
    if view in ("open", "mine", "reopened") and ticket.followup:
        # answered once and asked again: whoever has it now (also after it was passed on)
        # sees what was said
        body += [cards.text(texts.PREVIOUS_ANSWER, weight="Bolder"), cards.text(ticket.answer or ""),
                 cards.text(texts.FOLLOWUP_TITLE, weight="Bolder"), cards.text(ticket.followup or "")]
    if view in ("open", "mine", "reopened"):
        body += _guesses(ticket)
        if view != "open":
            body.append(cards.text(texts.VIEW_MINE))
        body += _answer_box(ticket)
        actions = [cards.submit(texts.BUTTON_ANSWER, "ticket.answer", ticket_id=ticket.id),
                   _pass_action(ticket)]
        if view == "open":
            actions.insert(0, cards.submit(texts.BUTTON_CLAIM, "ticket.claim", ticket_id=ticket.id))
        return cards.content(body, actions)
    note = {
        "taken": texts.VIEW_TAKEN, "answered": texts.VIEW_ANSWERED, "cancelled": texts.VIEW_CANCELLED,
        "passed": texts.VIEW_PASSED, "resolved": texts.VIEW_RESOLVED,
    }[view].format(name=by or "")
    return cards.content([*body, cards.text(note, weight="Bolder")])


# ------------------------------------------------------------------ the requester's answer


def answer(ticket: Ticket, view: str = "ask") -> Json:
    """The answer in the requester's chat; ``view``: ask (with the buttons), resolved, reopened."""
    body: list[Json] = [
        cards.text(texts.ANSWER_TITLE.format(id=ticket.id), weight="Bolder", size="Medium"),
        cards.text(texts.ANSWER_FROM.format(name=ticket.assignee_name or ""), subtle=True),
        cards.text(ticket.answer or ""),
        cards.text(texts.YOUR_QUESTION, weight="Bolder"),
        cards.text(ticket.question, subtle=True),
    ]
    if view != "ask":
        label = texts.RATED_SOLVED if view == "resolved" else texts.RATED_REOPENED
        return cards.content([*body, cards.text(label, weight="Bolder")])
    body.append(_input("followup", texts.FOLLOWUP_LABEL))
    return cards.content(body, [
        cards.submit(texts.BUTTON_SOLVED, "ticket.resolve", ticket_id=ticket.id),
        cards.submit(texts.BUTTON_NOT_SOLVED, "ticket.reopen", ticket_id=ticket.id),
    ])


def resolved(ticket: Ticket, note: str | None = None) -> Json:
    """To the assignee: solved, thanks; propose it as an FAQ entry (editable)."""
    body = [
        cards.text(texts.RESOLVED_FOR_ASSIGNEE.format(id=ticket.id, requester=ticket.requester_name),
                   weight="Bolder"),
    ]
    if note:
        body.append(cards.text(note, subtle=True))
    body += [
        cards.text(texts.PROPOSE_HINT),
        _input("question", texts.PROPOSE_QUESTION, value=ticket.question, multiline=False),
        _input("answer", texts.PROPOSE_ANSWER, value=ticket.answer or ""),
    ]
    return cards.content(body, [cards.submit(texts.BUTTON_PROPOSE, "ticket.propose", ticket_id=ticket.id)])


# ------------------------------------------------------------------ lists and details


def listing(title: str, tickets: Sequence[Ticket], empty: str) -> Json:
    if not tickets:
        return cards.content([cards.text(title, weight="Bolder"), cards.text(empty)])
    lines = [
        texts.LIST_LINE.format(id=t.id, status=STATUS_LABELS[t.status],
                               question=(texts.LIST_URGENT if t.urgency == URGENT else "")
                               + shortened(t.question))
        for t in tickets
    ]
    actions = [cards.submit(texts.BUTTON_SHOW.format(id=t.id), "ticket.show", ticket_id=t.id)
               for t in tickets[:6]]
    return cards.content([cards.text(title, weight="Bolder"), cards.text("\n\n".join(lines))], actions)


def shortened(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail(ticket: Ticket, history: Sequence[TicketEvent], actions: list[Json],
           inputs: Sequence[Json] = ()) -> Json:
    body = [
        cards.text(texts.DETAIL_TITLE.format(id=ticket.id), weight="Bolder", size="Medium"),
        cards.facts([
            (texts.FACT_STATUS, STATUS_LABELS[ticket.status]),
            (texts.FACT_REQUESTER, requester_label(ticket)),
            (texts.FACT_URGENCY, texts.URGENCY_LABELS.get(ticket.urgency, ticket.urgency)),
            (texts.FACT_RECEIVED, when(ticket.created_at)),
            (texts.FACT_ASSIGNEE, ticket.assignee_name or "-"),
        ]),
        cards.text(ticket.question),
    ]
    if ticket.details:
        body += [cards.text(texts.DETAILS_TITLE, weight="Bolder"), cards.text(ticket.details)]
    body += _attachments(ticket.attachments)
    if ticket.answer:
        body += [cards.text(texts.ANSWER_LABEL, weight="Bolder"), cards.text(ticket.answer)]
    if ticket.followup and ticket.status in ACTIVE:
        body += [cards.text(texts.FOLLOWUP_TITLE, weight="Bolder"), cards.text(ticket.followup)]
    lines = [
        texts.HISTORY_LINE.format(at=when(e.at), action=texts.ACTION_LABELS.get(e.action, e.action),
                                  actor=e.actor_name, note=f": {shortened(e.note, 60)}" if e.note else "")
        for e in history[-8:]
    ]
    body += [cards.text(texts.HISTORY_TITLE, weight="Bolder"), cards.text("\n".join(lines), subtle=True)]
    return cards.content([*body, *inputs], actions)


def proposals(items: Sequence[FaqProposal]) -> Json:
    if not items:
        return cards.content([cards.text(texts.PROPOSALS_TITLE, weight="Bolder"), cards.text(texts.PROPOSALS_NONE)])
    body = [cards.text(texts.PROPOSALS_TITLE, weight="Bolder")]
    actions: list[Json] = []
    for p in items:
        body.append(cards.text(texts.PROPOSAL_LINE.format(
            id=p.id, ticket=p.ticket_id or "-", name=p.proposed_by_name, question=p.question,
            answer=shortened(p.answer, 120))))
        if len(actions) < 6:
            actions += [cards.submit(texts.BUTTON_ACCEPT.format(id=p.id), "ticket.proposal",
                                     proposal_id=p.id, decision="accept"),
                        cards.submit(texts.BUTTON_REJECT.format(id=p.id), "ticket.proposal",
                                     proposal_id=p.id, decision="reject")]
    body.append(cards.text(texts.PROPOSALS_USAGE, subtle=True))
    return cards.content(body, actions)
