"""担当者に相談: ask the question (unless the FAQ passed it on), then show what will be sent.

The confirmation card carries everything needed to create the ticket (the question, the
draft key, the attachments), so its 「送信する」 button works even after a restart; typing
「はい」 here sends it too. :class:`TicketTextDialog` asks for one missing text (an answer, a
reason, a follow-up) when a card's input box arrived empty, then re-submits the card action.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    Dialog,
    DialogContext,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt
from botbuilder.schema import Activity

from bot.texts import escalation as texts
from dialogs.yesno import parse_yes_no

#: ``describe(turn_context) -> "総務課のデジタル活用推進員"``
Describe = Callable[[TurnContext], Awaitable[str]]
#: ``confirm_card(key, question, target, attachments) -> card JSON``
ConfirmCard = Callable[[str, str, str, list[dict[str, str]]], dict[str, Any]]
#: ``submit(turn_context, dc, data)``: create the ticket from the card's data
Submit = Callable[[TurnContext, DialogContext, dict[str, Any]], Awaitable[None]]

_FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
_SKIP_TYPES = ("text/html", "application/vnd.microsoft.card.")


def file_links(activity: Activity) -> list[dict[str, str]]:
    """Files and images a person sent, as ``{"name", "url"}`` (Teams file info or contentUrl)."""
    found: list[dict[str, str]] = []
    for a in activity.attachments or []:
        kind = a.content_type or ""
        if kind.startswith(_SKIP_TYPES):
            continue
        content = a.content if isinstance(a.content, dict) else {}
        url = content.get("downloadUrl") if kind == _FILE_INFO else a.content_url
        if isinstance(url, str) and url.startswith("https://"):
            found.append({"name": str(a.name or content.get("fileType") or "file")[:200], "url": url[:2000]})
    return found


class EscalateDialog(ComponentDialog):
    """Question → confirmation card → (typed) yes / no."""

    def __init__(self, describe: Describe, confirm_card: ConfirmCard, submit: Submit) -> None:
        super().__init__(EscalateDialog.__name__)
        self._describe, self._card, self._submit = describe, confirm_card, submit
        self.add_dialog(TextPrompt("question"))
        self.add_dialog(WaterfallDialog("steps", [self._ask, self._confirm, self._decide]))
        self.initial_dialog_id = "steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        options = step.options if isinstance(step.options, dict) else {}
        draft = options.get("draft")
        if isinstance(draft, dict):  # shown again (an attachment was added, or a hint)
            step.values.update(draft)
            return await step.next(draft["question"])
        step.values["key"] = uuid.uuid4().hex
        step.values["attachments"] = file_links(step.context.activity)
        query = options.get("query")
        if isinstance(query, str) and query.strip():
            return await step.next(query.strip())
        return await step.prompt("question", PromptOptions(prompt=MessageFactory.text(texts.ASK_QUESTION)))

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        question = str(step.result or "").strip()
        if not question:
            await step.context.send_activity(texts.EMPTY_QUESTION)
            return await step.end_dialog()
        step.values["question"] = question
        if not step.values.get("shown"):
            if step.context.activity.text and step.context.activity.text.strip() == question:
                step.values["attachments"] += file_links(step.context.activity)
            step.values["target"] = await self._describe(step.context)
        options = step.options if isinstance(step.options, dict) else {}
        if options.get("hint"):
            await step.context.send_activity(texts.CONFIRM_RETRY)
        else:
            card = self._card(step.values["key"], question, step.values["target"],
                              step.values["attachments"])
            await step.context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
        step.values["shown"] = True
        return Dialog.end_of_turn

    async def _decide(self, step: WaterfallStepContext) -> DialogTurnResult:
        activity = step.context.activity
        draft = {k: step.values[k] for k in ("key", "question", "attachments", "target", "shown")}
        added = file_links(activity)
        if added:
            draft["attachments"] = [*draft["attachments"], *added]
            await step.context.send_activity(texts.ATTACHMENT_ADDED)
            return await step.replace_dialog("steps", {"draft": draft})
        choice = parse_yes_no(activity.text)
        if choice is None:
            return await step.replace_dialog("steps", {"draft": draft, "hint": True})
        if not choice:
            await step.context.send_activity(texts.DRAFT_DISCARDED)
            return await step.end_dialog()
        data = {"draft": draft["key"], "question": draft["question"], "attachments": draft["attachments"]}
        result = await step.end_dialog()
        await self._submit(step.context, step, data)
        return result


#: ``resume(turn_context, dc, data)``: run the card action again with the text filled in
Resume = Callable[[TurnContext, DialogContext, dict[str, Any]], Awaitable[None]]


class TicketTextDialog(ComponentDialog):
    """Ask for the text a card's input box should have held; options: ``data`` (the card's
    submit data), ``field`` (where the text goes) and ``prompt``."""

    def __init__(self, resume: Resume) -> None:
        super().__init__(TicketTextDialog.__name__)
        self._resume = resume
        self.add_dialog(TextPrompt("text"))
        self.add_dialog(WaterfallDialog("steps", [self._ask, self._done]))
        self.initial_dialog_id = "steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.prompt("text", PromptOptions(prompt=MessageFactory.text(step.options["prompt"])))

    async def _done(self, step: WaterfallStepContext) -> DialogTurnResult:
        text = str(step.result or "").strip()
        data = {**step.options["data"], step.options["field"]: text}
        result = await step.end_dialog()
        if text:
            await self._resume(step.context, step, data)
        return result
