"""申込状況: the person's enrolments; with an ``enrolment_id``, confirm and cancel that one."""

from __future__ import annotations

from typing import Any, Protocol

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)

from bot import enrolment_cards as cards
from bot.texts import enrolment as t
from dialogs.enrol import PICK, PickPrompt, pick_options
from domain.enrolment import Enrolment
from domain.enrolment_rules import Slot


class MyEnrolmentsPort(Protocol):
    """What this dialog needs from the running bot."""

    async def faq_answer(self, turn_context: TurnContext, text: str) -> str | None: ...
    async def show_enrolments(self, turn_context: TurnContext) -> None: ...
    async def cancellable(self, turn_context: TurnContext, enrolment_id: int
                          ) -> tuple[Enrolment, Slot, str] | None: ...
    async def cancel(self, turn_context: TurnContext, enrolment_id: int,
                     card_id: str | None = None) -> None: ...
    async def keep(self, turn_context: TurnContext, enrolment_id: int,
                   card_id: str | None = None) -> None: ...


class MyEnrolmentsDialog(ComponentDialog):
    """Without options: list and end. With ``enrolment_id``: ask, then cancel or keep it."""

    def __init__(self, port: MyEnrolmentsPort, dialog_id: str = "MyEnrolmentsDialog") -> None:
        super().__init__(dialog_id)
        self.port = port
        self.add_dialog(PickPrompt(PICK, port.faq_answer))
        self.add_dialog(WaterfallDialog("steps", [self._ask, self._finish]))
        self.initial_dialog_id = "steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = step.options if isinstance(step.options, dict) else {}
        if "enrolment_id" not in options:
            await self.port.show_enrolments(step.context)
            return await step.end_dialog()
        enrolment_id = int(options["enrolment_id"])
        found = await self.port.cancellable(step.context, enrolment_id)
        if found is None:  # the port said why
            return await step.end_dialog()
        enrolment, slot, status = found
        step.values["enrolment_id"] = enrolment_id
        sent = await step.context.send_activity(MessageFactory.attachment(
            cards.attachment(cards.cancel_confirm(enrolment, slot, status))
        ))
        step.values["card_id"] = sent.id if sent else None  # updated once answered
        return await step.prompt(PICK, pick_options(
            None, None, t.RESUME_CANCEL, retry=t.RETRY_CANCEL,  # 「キャンセル」 would stop it
            yes=(t.BUTTON_CANCEL_YES, *t.CANCEL_YES_WORDS),
            no=(t.BUTTON_CANCEL_NO, *t.CANCEL_NO_WORDS),
        ))

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        enrolment_id, card_id = step.values["enrolment_id"], step.values.get("card_id")
        if step.result is True:
            await self.port.cancel(step.context, enrolment_id, card_id)
        else:
            await self.port.keep(step.context, enrolment_id, card_id)
        return await step.end_dialog()
