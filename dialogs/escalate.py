"""担当者に相談: ask the question (unless the FAQ passed it on), then show what will be sent.

The confirmation card carries everything needed to create the ticket (the question, the
draft key, the attachments), so its 「送信する」 button works even after a restart; typing
「はい」 (or 「送信する」) here sends it too, 「いいえ」/「やめる」 drops it, and any other text is
added to the 補足 and the card shown again. :class:`TicketTextDialog` asks for one missing
text (an answer, a reason, a follow-up) when a card's input box arrived empty, then
re-submits the card action.
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
    DialogInstance,
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
#: ``confirm_card(turn_context, key, question, target, attachments, details, unit_unknown,``
#: ``urgency, typed) -> card JSON`` (the turn names the person the card is for; ``typed``: the
#: dialog is open, so 「はい」 and 補足 may be typed in the chat too)
ConfirmCard = Callable[[TurnContext, str, str, str, list[dict[str, str]], str, bool, str, bool], dict[str, Any]]
#: ``submit(turn_context, dc, data)``: create the ticket from the card's data (``card_id``:
#: the confirmation card's activity id, to mark it sent)
Submit = Callable[[TurnContext, DialogContext, dict[str, Any]], Awaitable[None]]
#: ``close_card(turn_context, card_id, question, note)``: replace a used-up card (no buttons)
CloseCard = Callable[[TurnContext, str | None, str, str], Awaitable[None]]

_FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
_DRAFT = "draft"  # EscalateDialog's state: the draft its confirmation card shows
_DRAFT_KEYS = ("key", "question", "details", "attachments", "target", "shown", "card_id", "unit_unknown",
               "urgency", "shown_question")
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

    def __init__(self, describe: Describe, confirm_card: ConfirmCard, submit: Submit,
                 close_card: CloseCard) -> None:
        super().__init__(EscalateDialog.__name__)
        self._describe, self._card, self._submit = describe, confirm_card, submit
        self._close = close_card
        self.add_dialog(TextPrompt("question"))
        self.add_dialog(WaterfallDialog("steps", [self._ask, self._confirm, self._decide]))
        self.initial_dialog_id = "steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        options = step.options if isinstance(step.options, dict) else {}
        draft = options.get("draft")
        if isinstance(draft, dict) and not draft.get("question"):  # sent with the question box
            step.values.update(draft)  # emptied, or no question in the reply: asked (again)
            if draft.get("shown_question") or draft.get("details") or draft.get("attachments"):
                # kept for a time-out: the card comes back with the question it showed before
                step.parent.active_dialog.state[_DRAFT] = {
                    **draft, "question": draft.get("shown_question") or "", "card_id": None}
            prompt = options.get("prompt") or texts.EMPTY_QUESTION_BOX
            return await step.prompt("question", PromptOptions(prompt=MessageFactory.text(prompt)))
        if isinstance(draft, dict):  # shown again (an attachment or details were added)
            step.values.update(draft)
            return await step.next(draft["question"])
        step.values["key"] = uuid.uuid4().hex
        step.values["unit_unknown"] = options.get("unit_unknown") is True
        step.values["details"] = str(options.get("details") or "")[:4000]  # what a follow-up follows
        step.values["attachments"] = file_links(step.context.activity)
        query = options.get("query")
        if isinstance(query, str) and query.strip():
            return await step.next(query.strip())
        return await step.prompt("question", PromptOptions(prompt=MessageFactory.text(texts.ASK_QUESTION)))

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        question = str(step.result or "").strip()
        if not question or parse_yes_no(question) is not None:  # a file alone, 「はい」
            return await self._ask_again(step)
        step.values["question"] = question
        if not step.values.get("shown"):
            if step.context.activity.text and step.context.activity.text.strip() == question:
                step.values["attachments"] += file_links(step.context.activity)
            step.values["target"] = await self._describe(step.context)
        step.values["card_id"] = await self._show(step.context, step.values)
        step.values["shown"] = True
        # kept where the dialog's own instance holds it: read back if the dialog times out
        step.parent.active_dialog.state[_DRAFT] = dict(step.values)
        return Dialog.end_of_turn

    async def _ask_again(self, step: WaterfallStepContext) -> DialogTurnResult:
        """The reply held no question (a file alone, 「はい」): asked again, keeping what the
        draft holds (補足, urgency, files) and the files of this reply."""
        files = file_links(step.context.activity)
        draft = {k: step.values.get(k) for k in _DRAFT_KEYS} | {"question": ""}
        draft["attachments"] = [*(draft["attachments"] or []), *files]
        if not draft["target"]:
            draft["target"] = await self._describe(step.context)
        prompt = texts.FILE_KEPT if files else texts.EMPTY_QUESTION
        return await step.replace_dialog("steps", {"draft": draft, "prompt": prompt})

    async def _show(self, turn_context: TurnContext, draft: dict[str, Any], typed: bool = True) -> str | None:
        """Send the confirmation card of ``draft``; its activity id."""
        card = self._card(turn_context, draft["key"], draft["question"], draft["target"], draft["attachments"],
                          draft.get("details") or "", bool(draft.get("unit_unknown")), draft.get("urgency") or "",
                          typed)
        sent = await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
        return sent.id if sent is not None else None

    async def expired(self, turn_context: TurnContext, dc: DialogContext, instance: DialogInstance) -> str | None:
        """Timed out: a draft not yet sent is shown again (its buttons work without the dialog),
        so that the question typed is not lost and a later message is not taken as its 補足."""
        draft = instance.state.get(_DRAFT)
        if not isinstance(draft, dict):
            return None  # still asking for the question: nothing typed yet
        pressed = turn_context.activity.value
        if isinstance(pressed, dict) and pressed.get("draft") == draft["key"]:
            return "said"  # 「送信する」 or 「やめる」 on the draft's own card: that press decides
        await turn_context.send_activity(texts.DRAFT_EXPIRED)
        await self._close(turn_context, draft.get("card_id"), draft["question"], texts.CONFIRM_REPLACED)
        await self._show(turn_context, draft, typed=False)
        return "said"

    async def _decide(self, step: WaterfallStepContext) -> DialogTurnResult:
        activity = step.context.activity
        draft = {k: step.values.get(k) for k in _DRAFT_KEYS}
        draft["details"] = draft["details"] or ""
        added = file_links(activity)
        text = (activity.text or "").strip()
        choice = parse_yes_no(text, yes=(texts.BUTTON_SEND,), no=(texts.BUTTON_DISCARD,))
        if added or (text and choice is None):
            if added:
                draft["attachments"] = [*draft["attachments"], *added]
            else:
                draft["details"] = f"{draft['details']}\n{text}".strip()[:4000]
            await step.context.send_activity(texts.ATTACHMENT_ADDED if added else texts.DETAILS_ADDED)
            await self._close(step.context, draft["card_id"], draft["question"], texts.CONFIRM_REPLACED)
            return await step.replace_dialog("steps", {"draft": draft})
        if choice is None:  # nothing typed (e.g. an empty message): show the card again
            return await step.replace_dialog("steps", {"draft": draft})
        if not choice:
            await self._close(step.context, draft["card_id"], draft["question"], texts.CONFIRM_DISCARDED)
            await step.context.send_activity(texts.DRAFT_DISCARDED)
            return await step.end_dialog()
        data = {"draft": draft["key"], "question": draft["question"], "details": draft["details"],
                "attachments": draft["attachments"], "card_id": draft["card_id"],
                "unit_unknown": draft.get("unit_unknown") is True, "urgency": draft.get("urgency")}
        result = await step.end_dialog()
        await self._submit(step.context, step, data)
        return result


#: ``resume(turn_context, dc, data)``: run the card action again with the text filled in
Resume = Callable[[TurnContext, DialogContext, dict[str, Any]], Awaitable[None]]
#: ``again(field, text)``: the prompt to ask with once more if the text is no answer (「はい」)
Again = Callable[[str, str], str | None]


_ABOUT = "ticket"  # dialog state: the ticket the text is for
_FIELD = "field"  # dialog state: which text (answer, reason, followup)


class TicketTextDialog(ComponentDialog):
    """Ask for the text a card's input box should have held; options: ``data`` (the card's
    submit data), ``field`` (where the text goes) and ``prompt``."""

    def __init__(self, resume: Resume, again: Again | None = None) -> None:
        super().__init__(TicketTextDialog.__name__)
        self._resume = resume
        self._again = again
        self.add_dialog(TextPrompt("text"))
        self.add_dialog(WaterfallDialog("steps", [self._ask, self._done]))
        self.initial_dialog_id = "steps"

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        data = options.get("data") if isinstance(options, dict) else None
        dialog_context.active_dialog.state[_ABOUT] = data.get("ticket_id") if isinstance(data, dict) else None
        dialog_context.active_dialog.state[_FIELD] = options.get("field") if isinstance(options, dict) else None
        return await super().begin_dialog(dialog_context, options)

    @staticmethod
    def asking_about(dc: DialogContext) -> object:
        """The ticket id (as the card gave it) this dialog waits for text about, if it is active."""
        active = dc.active_dialog
        return active.state.get(_ABOUT) if active is not None and active.id == TicketTextDialog.__name__ else None

    @staticmethod
    def asked(instance: DialogInstance) -> tuple[object, object]:
        """The ticket id (as the card gave it) and the field a dialog instance asked for."""
        return instance.state.get(_ABOUT), instance.state.get(_FIELD)

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.prompt("text", PromptOptions(prompt=MessageFactory.text(step.options["prompt"])))

    async def _done(self, step: WaterfallStepContext) -> DialogTurnResult:
        text = str(step.result or "").strip()
        retry = self._again(step.options["field"], text) if self._again and text else None
        if retry:
            return await step.replace_dialog("steps", {**step.options, "prompt": retry})
        data = {**step.options["data"], step.options["field"]: text}
        result = await step.end_dialog()
        if text:
            await self._resume(step.context, step, data)
        return result
