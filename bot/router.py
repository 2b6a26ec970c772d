"""Where each message goes: one table of rules, in the order they apply.

1. a card button (``value.action``) goes to the handler of that action;
2. an empty message gets a hint (files alone get a hint of their own);
3. a command (「ヘルプ」, 「キャンセル」, 「研修申込」 ...) wins even inside a dialog;
4. otherwise an active dialog continues;
5. a message without words (emoji, punctuation), only a link, only a number or a single
   character gets a hint;
6. otherwise a free-text intent (from a data file) starts its command;
7. otherwise the FAQ answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

RouteKind = Literal["card", "empty", "command", "dialog", "faq"]

#: Typed commands → command names. Keys are compared after :func:`command_key`.
COMMANDS: dict[str, str] = {
    "ヘルプ": "help", "help": "help", "へるぷ": "help", "使い方": "help", "メニュー": "help",
    "?": "help", "？": "help", "できること": "help", "何ができるの": "help", "何ができますか": "help",
    "なにができるの": "help", "なにができますか": "help",
    "キャンセル": "cancel", "やめる": "cancel", "やめます": "cancel", "中止": "cancel",
    "cancel": "cancel", "quit": "cancel",
    "プロフィール": "profile", "profile": "profile",
    "研修申込": "enrol", "研修申し込み": "enrol", "研修申込み": "enrol",
    "申込状況": "my_enrolments", "申し込み状況": "my_enrolments", "申込み状況": "my_enrolments",
    "enroll": "enrol", "enrol": "enrol", "status": "my_enrolments",
    "担当者に相談": "escalate", "相談": "escalate",
    "相談状況": "my_tickets",
    "対応待ち一覧": "queue", "対応待ち": "queue",
    "管理": "admin", "admin": "admin",
}

_ARG_COMMANDS = (
    (re.compile(r"^(?:チケット|ticket)\s*(?:no\.?|#)?\s*(\d+)$", re.IGNORECASE), "ticket"),
    (re.compile(r"^(?:管理|admin)\s+(.+)$", re.IGNORECASE), "admin"),
)
_URL = re.compile(r"https?://[!-~]+", re.IGNORECASE)  # ASCII only: 「…/kintai/が開けない」 is a question
_STRIP = re.compile(r"[\s。、.,!！「」『』]+")


def has_words(text: str) -> bool:
    """Whether the text has a letter or a digit (「😀」「。。。」「？？」 have none)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def command_key(text: str) -> str:
    """Fold width and case and drop spaces and punctuation: 「 ヘルプ。」 → 「ヘルプ」."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True, slots=True)
class Route:
    kind: RouteKind
    name: str = ""
    text: str = ""
    arg: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def split_word(text: str) -> tuple[str, str]:
    """The first word of a command's argument and the rest (any space, 「　」 too, separates)."""
    parts = text.split(maxsplit=1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


def parse_command(text: str) -> tuple[str, str] | None:
    """The command a message names, with its argument (「チケット 12」 → ("ticket", "12"))."""
    key = command_key(text)
    if not key:
        return None
    if not key.strip("?"):  # 「?」「？？」
        return "help", ""
    if key in _FOLDED_COMMANDS:
        return _FOLDED_COMMANDS[key], ""
    spaced = unicodedata.normalize("NFKC", text).strip()
    for pattern, name in _ARG_COMMANDS:
        match = pattern.match(spaced)
        if match and name == "admin":  # the argument as typed: an FAQ text keeps its 「？」
            return name, split_word(text)[1]
        if match:
            return name, match.group(1).strip()
    return None


_FOLDED_COMMANDS = {command_key(k): v for k, v in COMMANDS.items()}


def decide(
    text: str,
    value: Any,
    *,
    dialog_active: bool,
    has_files: bool = False,
    intent_of: Callable[[str], str | None] | None = None,
) -> Route:
    """Pick the route for one message. Pure: no I/O, no botbuilder."""
    if isinstance(value, dict) and "action" in value:  # a button, maybe forged: by name only
        action = value["action"]
        return Route("card", name=action if isinstance(action, str) else "", text=text, data=value)
    text = text.strip()
    if not text:
        if dialog_active and (value or has_files):
            return Route("dialog")
        return Route("empty", name="files" if has_files else "")
    command = parse_command(text)
    if command:
        return Route("command", name=command[0], arg=command[1], text=text)
    if dialog_active:  # whatever the prompt asked for (a link as the details, say)
        return Route("dialog", text=text)
    if not has_words(text):
        return Route("empty", name="no_words", text=text)
    if not has_words(_URL.sub("", text)):  # a link pasted alone: the bot cannot open it
        return Route("empty", name="url_only", text=text)
    key = command_key(text)
    if len(key) > 1 and key.lstrip("#").isdigit():  # 「12」: a ticket number? not a question
        return Route("empty", name="number_only", text=text)
    if len(key) < 2 and not key.isdigit():  # 「a」「と」: too little to match on (「2」 may
        return Route("empty", name="too_short", text=text)  # choose from 「もしかして」)
    intent = intent_of(text) if intent_of else None
    if intent:
        return Route("command", name=intent, text=text)
    return Route("faq", text=text)
