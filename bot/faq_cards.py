"""Adaptive Cards of the FAQ: an answer, a 「もしかして」 choice, and the offer of a person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.schema import Attachment

from bot import cards
from bot.texts import faq as texts
from knowledge.faq import FaqEntry


def answer(
    entry: FaqEntry, log_id: int, related: Sequence[FaqEntry] = (), seen: Sequence[str] = ()
) -> Attachment:
    """The entry's question as title, its answer, links, follow-ups and feedback buttons.

    ``seen``: entries already rejected for this question, never offered again.
    """
    body: list[dict[str, Any]] = [
        cards.text(entry.question, weight="Bolder", size="Medium"),
        cards.text(entry.answer),
    ]
    if entry.links:
        body.append(cards.text(texts.LINKS, weight="Bolder"))
        body.append({"type": "ActionSet", "actions": [cards.open_url(link.title, link.url) for link in entry.links]})
    if related:
        body.append(cards.text(texts.RELATED, weight="Bolder"))
        body.append({
            "type": "ActionSet",
            "actions": [cards.submit(r.question, "faq.show", id=r.id, log=log_id, related=True)
                        for r in related],
        })
    return cards.card(body, [
        cards.submit(texts.BUTTON_SOLVED, "faq.feedback", log=log_id, value="solved", id=entry.id,
                     seen=list(seen)),
        cards.submit(texts.BUTTON_UNSOLVED, "faq.feedback", log=log_id, value="unsolved",
                     id=entry.id, seen=list(seen)),
    ])


def clarify(
    entries: Sequence[FaqEntry], log_id: int, title: str = texts.CLARIFY, seen: Sequence[str] = ()
) -> Attachment:
    """「もしかして…」 with up to three questions as buttons, plus 「どれでもない」."""
    actions = [cards.submit(e.question, "faq.show", id=e.id, log=log_id, seen=list(seen))
               for e in entries[:3]]
    actions.append(cards.submit(texts.NONE_OF_THESE, "faq.none", log=log_id))
    return cards.card([cards.text(title, weight="Bolder")], actions)


def offer_person(query: str, text: str = texts.NO_MATCH) -> Attachment:
    """Say plainly that the bot does not know, and offer to consult a person."""
    return cards.card(
        [cards.text(text)],
        [
            cards.submit(texts.BUTTON_ESCALATE, "command", command="escalate", query=query),
            cards.submit(texts.BUTTON_HELP, "command", command="help"),
        ],
    )
