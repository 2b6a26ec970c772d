"""研修申込: pick a course, then a session, then confirm.

Buttons on the cards are card actions (``enrol.course``, ``enrol.session``, ``enrol.confirm``)
that restart this dialog at the right step, so old cards keep working; typed answers
(a number, a title, はい/いいえ) go through :class:`PickPrompt`. Text that is no answer but a
question the FAQ answers confidently gets that answer, then the prompt asks to continue.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import Prompt, PromptOptions, PromptRecognizerResult
from botbuilder.schema import Activity

from bot import enrolment_cards as cards
from bot.texts import enrolment as t
from dialogs.yesno import parse_yes_no
from domain.enrolment import Usage
from domain.enrolment_rules import (
    Applicant,
    courses_offered,
    find_slot,
    is_mandatory,
    open_slots,
)
from knowledge.catalogue import Catalogue

PICK = "enrol.pick"


class EnrolPort(Protocol):
    """What the dialogs need from the running bot."""

    def catalogue(self) -> Catalogue: ...
    def now(self) -> datetime: ...
    def faq_answer(self, text: str) -> str | None: ...
    async def applicant(self, turn_context: TurnContext) -> Applicant: ...
    async def usage(self, slot_ids: Iterable[str]) -> Mapping[str, Usage]: ...
    async def confirm(self, turn_context: TurnContext, slot_id: str) -> None: ...


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def pick_options(prompt: Activity, choices: Mapping[str, Iterable[str]] | None, resume: str,
                 retry: str = t.RETRY_PICK) -> PromptOptions:
    """Options for :class:`PickPrompt`: ``choices`` maps each value to the texts that pick it
    (None: a yes/no question)."""
    spec: dict[str, Any] = {"resume": resume}
    if choices is None:
        spec["yes_no"] = True
    else:
        spec["choices"] = {fold(label): value for value, labels in choices.items()
                           for label in labels}
    return PromptOptions(prompt=prompt, retry_prompt=MessageFactory.text(retry), validations=spec)


def numbered(values: Iterable[str], labels: Callable[[str], Iterable[str]]) -> dict[str, list[str]]:
    """Each value picked by its number (1, １, 1番) or by its labels."""
    return {v: [str(i), f"{i}番", *labels(v)] for i, v in enumerate(values, start=1)}


class PickPrompt(Prompt):
    """A choice or a yes/no, typed; a question typed instead is answered from the FAQ."""

    def __init__(self, dialog_id: str, faq_answer: Callable[[str], str | None]) -> None:
        super().__init__(dialog_id)
        self._faq_answer = faq_answer

    async def on_prompt(self, turn_context: TurnContext, state: dict[str, object],
                        options: PromptOptions, is_retry: bool) -> None:
        message = options.retry_prompt if is_retry and options.retry_prompt else options.prompt
        if message is not None:
            await turn_context.send_activity(message)

    async def on_recognize(self, turn_context: TurnContext, state: dict[str, object],
                           options: PromptOptions) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        spec = options.validations or {}
        typed = (turn_context.activity.text or "").strip()
        if spec.get("yes_no"):
            answer = parse_yes_no(typed)
            if answer is not None:
                result.succeeded, result.value = True, answer
        elif fold(typed) in spec.get("choices", {}):
            result.succeeded, result.value = True, spec["choices"][fold(typed)]
        if not result.succeeded and typed:
            answer = self._faq_answer(typed)
            if answer:
                await turn_context.send_activity(answer)
                await turn_context.send_activity(spec.get("resume", t.RETRY_PICK))
        return result


class EnrolDialog(ComponentDialog):
    """Options (all optional): ``course_id``, ``session_id`` to start further along."""

    def __init__(self, port: EnrolPort, dialog_id: str = "EnrolDialog") -> None:
        super().__init__(dialog_id)
        self.port = port
        self.add_dialog(PickPrompt(PICK, port.faq_answer))
        self.add_dialog(WaterfallDialog("steps", [self._course, self._session, self._confirm,
                                                  self._finish]))
        self.initial_dialog_id = "steps"

    @staticmethod
    def _options(step: WaterfallStepContext) -> dict[str, Any]:
        return step.options if isinstance(step.options, dict) else {}

    async def _course(self, step: WaterfallStepContext) -> DialogTurnResult:
        applicant = await self.port.applicant(step.context)
        offered = courses_offered(self.port.catalogue(), applicant, self.port.now())
        wanted = self._options(step).get("course_id")
        if wanted and any(c.id == wanted for c in offered):
            return await step.next(wanted)
        if not offered:
            await step.context.send_activity(t.NO_COURSES)
            return await step.end_dialog()
        pairs = [(c, is_mandatory(c, applicant)) for c in offered]
        by_id = {c.id: c for c in offered}
        choices = numbered(by_id, lambda cid: (by_id[cid].title, cid,
                                                cards.course_label(by_id[cid], True)))
        prompt = MessageFactory.attachment(cards.attachment(cards.courses(pairs)))
        return await step.prompt(PICK, pick_options(prompt, choices, t.RESUME_COURSE))

    async def _session(self, step: WaterfallStepContext) -> DialogTurnResult:
        course = self.port.catalogue().course(str(step.result))
        if course is None:
            await step.context.send_activity(t.REFUSED["unknown_session"])
            return await step.end_dialog()
        step.values["course_id"] = course.id
        slots = open_slots(course, self.port.now())
        wanted = self._options(step).get("session_id")
        if wanted and any(s.id == wanted for s in slots):
            return await step.next(wanted)
        if not slots:
            await step.context.send_activity(t.NO_SESSIONS.format(course=course.title))
            return await step.end_dialog()
        if len(slots) == 1 and slots[0].session is None:  # a licence: nothing to choose
            return await step.next(slots[0].id)
        usage = await self.port.usage([s.id for s in slots])
        by_id = {s.id: s for s in slots}

        def labels(sid: str) -> tuple[str, ...]:
            start = by_id[sid].start
            return (sid, t.day_time(start)) if start else (sid,)

        choices = numbered(by_id, labels)
        prompt = MessageFactory.attachment(cards.attachment(cards.sessions(course, slots, usage)))
        return await step.prompt(PICK, pick_options(prompt, choices, t.RESUME_SESSION))

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        slot = find_slot(self.port.catalogue(), str(step.result))
        if slot is None:
            await step.context.send_activity(t.REFUSED["unknown_session"])
            return await step.end_dialog()
        step.values["slot_id"] = slot.id
        used = (await self.port.usage([slot.id])).get(slot.id)
        prompt = MessageFactory.attachment(cards.attachment(cards.confirm(slot, used)))
        return await step.prompt(
            PICK, pick_options(prompt, None, t.RESUME_CONFIRM, retry=t.RETRY_YES_NO)
        )

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result is True:
            await self.port.confirm(step.context, step.values["slot_id"])
        else:
            await step.context.send_activity(t.ABORTED)
        return await step.end_dialog()

