"""Adaptive Cards (version 1.5, the newest Teams renders) built from plain data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.core import CardFactory
from botbuilder.schema import Attachment

from bot import texts

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def content(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The Adaptive Card JSON (plain data, so that the outbox can store it)."""
    result: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        result["actions"] = list(actions)
    return result


def card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] | None = None) -> Attachment:
    """Wrap body elements and actions into an Adaptive Card attachment."""
    return CardFactory.adaptive_card(content(body, actions))


def text(value: str, *, weight: str | None = None, size: str | None = None,
         subtle: bool = False, wrap: bool = True) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": value, "wrap": wrap}
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    if subtle:
        block["isSubtle"] = True
    return block


def facts(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def submit(title: str, action: str, **data: Any) -> dict[str, Any]:
    """A button whose press arrives as a message with ``value = {"action": ..., **data}``."""
    return {"type": "Action.Submit", "title": title, "data": {"action": action, **data}}


def open_url(title: str, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def welcome() -> Attachment:
    """What the bot can do, with buttons: shown on install and for 「ヘルプ」."""
    return card(
        [
            text(texts.WELCOME_TITLE, weight="Bolder", size="Medium"),
            text(texts.WELCOME_BODY),
            facts(texts.WELCOME_FEATURES),
            text(texts.HELP_HINT, subtle=True),
        ],
        [
            submit(texts.BUTTON_FAQ_EXAMPLE, "command", command="faq_examples"),
            submit(texts.BUTTON_ENROL, "command", command="enrol"),
            submit(texts.BUTTON_ESCALATE, "command", command="escalate"),
        ],
    )
