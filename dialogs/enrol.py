"""研修申込: pick a course, then a session, then confirm.

Buttons on the cards are card actions (``enrol.course``, ``enrol.session``, ``enrol.confirm``)
that restart this dialog at the right step, so old cards keep working; typed answers
(a number, a title, はい/いいえ or the button's own label) go through :class:`PickPrompt`.
Text that is no answer but a question the FAQ answers confidently gets that answer, then the
prompt asks to continue; text that asks to stop (「やめたい」) ends the sign-up, and text asking
for another course (「…研修に申し込みたい」) moves to it (:data:`STOP`, :data:`SWITCH`). A course already applied for shows where it stands, with a
「日程を変更する」 button that comes back here with ``change_of`` (the enrolment to move).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
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
from domain.enrolment import Enrolment, Usage
from domain.enrolment_match import applies, asks_to_cancel, named_course
from domain.enrolment_rules import (
    Applicant,
    courses_offered,
    find_slot,
    is_mandatory,
    open_slots,
)
from domain.ids import row_id
from knowledge.catalogue import TOKYO, Catalogue

PICK = "enrol.pick"
_ASKS = re.compile(r"[?？]|とは|って何|ってなに|ですか|ますか|でしょうか|教えて")
BACK = "back"  # a prompt's result when the person typed 「戻る」 where going back is offered
STOP = "stop"  # a prompt's result when the person asked to stop the sign-up (「やめたい」)
SWITCH = "switch:"  # + a course id: the person asked for another course (「…研修に申し込みたい」)


class EnrolPort(Protocol):
    """What the dialogs need from the running bot."""

    def catalogue(self) -> Catalogue: ...
    def now(self) -> datetime: ...
    async def faq_answer(self, turn_context: TurnContext, text: str) -> str | None: ...
    async def applicant(self, turn_context: TurnContext) -> Applicant: ...
    async def usage(self, slot_ids: Iterable[str]) -> Mapping[str, Usage]: ...
    async def active_by_course(self, turn_context: TurnContext) -> Mapping[str, Enrolment]: ...
    async def show_applied(self, turn_context: TurnContext, enrolment: Enrolment) -> None: ...
    async def confirm(self, turn_context: TurnContext, slot_id: str,
                      card_id: str | None = None, waitlist: bool = True) -> None: ...
    async def change(self, turn_context: TurnContext, enrolment_id: int, slot_id: str,
                     card_id: str | None = None, waitlist: bool = True) -> None: ...
    async def abort(self, turn_context: TurnContext, slot_id: str | None,
                    change_of: int | None = None, card_id: str | None = None) -> None: ...
    async def set_aside(self, turn_context: TurnContext, card_id: str | None, slot_id: str,
                        change: bool) -> None: ...


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def pick_options(prompt: Activity | None, choices: Mapping[str, Iterable[str]] | None,
                 resume: str, retry: str = t.RETRY_PICK, *, yes: Iterable[str] = (),
                 no: Iterable[str] = (), several: str = t.PICK_SEVERAL,
                 back: bool = False) -> PromptOptions:
    """Options for :class:`PickPrompt`: ``choices`` maps each value to the texts that pick it
    (None: a yes/no question, where ``yes``/``no`` are the question's own button labels).
    ``prompt`` None when the caller sent the question itself; ``several`` is said when a reply
    fits several choices (``{typed}`` in it is the reply); ``back``: 「戻る」 gives :data:`BACK`."""
    spec: dict[str, Any] = {"resume": resume, "several": several, "back": back}
    if choices is None:
        spec["yes_no"] = {"yes": list(yes), "no": list(no)}
    else:  # a label several choices share (「オンライン」, a room) picks none of them alone
        by_label: dict[str, list[str]] = {}
        for value, labels in choices.items():
            for label in labels:
                found = by_label.setdefault(fold(label), [])
                if value not in found:
                    found.append(value)
        spec["choices"] = by_label
    return PromptOptions(prompt=prompt, retry_prompt=MessageFactory.text(retry), validations=spec)


# How a choice is said around its label: 「1月の回」「6月24日の回でお願いします」「オンラインがいいです」
_SAID_AROUND = re.compile(
    r"(?:の回|の日程|の日|のほう|の方)?(?:で|が|に|を)?(?:よろしく)?"
    r"(?:お願いいたします|お願いします|おねがいします|お願いできますか|お願い|希望します|希望|したいです|したい|します"
    r"|いいです|いい)?"
    r"[。.!！?？]*$"
)
# A reply that rules a choice out (「オンライン以外で」「1月は無理」) picks nothing by naming it.
_RULED_OUT = re.compile(r"以外|じゃな|ではな|でなく|不可|無理|むり|だめ|ダメ|(?<![a-z])ng(?![a-z])|×|✕|除く|除いて|避け")


def named(typed: str, choices: Mapping[str, Any]) -> set[str]:
    """The values a typed reply could mean: those of a label it equals, else those with a
    label that contains the reply (「職場内」, 「1月19日」), else those with a label that makes up
    most of it (「オンラインのほうで」), also once what is said around a choice is left off (「1月の回」).
    A number never matches inside a longer one (「1月」 is not in 「11月」). A question that
    mentions a choice (「オンライン会議のやり方」) or rules one out (「オンライン以外で」) names none."""
    key = fold(typed)
    if key not in choices and _RULED_OUT.search(key):
        return set()
    found = _named(key, choices)
    core = _SAID_AROUND.sub("", key)
    if not found and core != key:
        found = _named(core, choices)
    return found


def _named(key: str, choices: Mapping[str, Any]) -> set[str]:
    if key in choices:
        return set(_values(choices[key]))
    if len(key) < 2 or key.isdigit():
        return set()
    labels = [(label, values) for label, values in choices.items() if len(label) >= 2 and not label.isdigit()]
    return {value for label, values in labels if _within(key, label) for value in _values(values)} or {
        value for label, values in labels if 2 * len(label) > len(key) and _within(label, key)
        for value in _values(values)}  # 「11月9日」 is in one label; 「11月」 in it names two


def _within(part: str, whole: str) -> bool:
    """Whether ``part`` occurs in ``whole`` other than as a piece of a longer number."""
    at = whole.find(part)
    while at >= 0:
        end = at + len(part)
        if not (part[0].isdigit() and whole[at - 1 : at].isdigit()) and not (
            part[-1].isdigit() and whole[end : end + 1].isdigit()
        ):
            return True
        at = whole.find(part, at + 1)
    return False


def pick(typed: str, choices: Mapping[str, Any]) -> str | None:
    """The one value a typed reply names; None when it names none or several."""
    found = named(typed, choices)
    return found.pop() if len(found) == 1 else None


def _values(values: Any) -> list[str]:
    return values if isinstance(values, list) else [values]  # a str: a dialog saved before lists


def _without_dx(title: str) -> str:
    """A title as staff often say it, without 「DX」 (「新規採用職員研修」 for 新規採用職員DX研修)."""
    return fold(title).replace("dx", "")


_BACK = frozenset(fold(w) for w in t.BACK_WORDS)


def _is_back(typed: str) -> bool:
    """「戻る」 and its everyday forms (「いや、戻る」「戻りたいです」), not a sentence with 戻る in it."""
    key = fold(typed).rstrip("。.!！")
    return key in _BACK or (len(key) <= 8 and key.endswith(("戻る", "もどる", "戻りたい", "戻りたいです")))


#: Words that pick a session held on Teams rather than in a room.
ONLINE_WORDS = ("オンライン", "Teams", "リモート", "Web")


def numbered(values: Iterable[str], labels: Callable[[str], Iterable[str]]) -> dict[str, list[str]]:
    """Each value picked by its number (1, １, 1番) or by its labels."""
    return {v: [str(i), f"{i}番", *labels(v)] for i, v in enumerate(values, start=1)}


#: ``faq_answer(turn_context, text)``: the FAQ's answer to a question typed at a choice, or None
FaqAnswer = Callable[[TurnContext, str], Awaitable[str | None]]


class PickPrompt(Prompt):
    """A choice or a yes/no, typed; a question typed instead is answered from the FAQ (when
    ``faq_answer`` is given)."""

    def __init__(self, dialog_id: str, faq_answer: FaqAnswer | None = None,
                 interrupt: Callable[[str], str | None] | None = None) -> None:
        super().__init__(dialog_id)
        self._faq_answer = faq_answer
        self._interrupt = interrupt  # a reply that is no choice but changes course (STOP, SWITCH)

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
        if spec.get("back") and _is_back(typed):
            result.succeeded, result.value = True, BACK
        elif spec.get("yes_no"):
            words = spec["yes_no"] if isinstance(spec["yes_no"], dict) else {}
            answer = parse_yes_no(typed, yes=words.get("yes", ()), no=words.get("no", ()))
            if answer is not None:
                result.succeeded, result.value = True, answer
        elif len(found := named(typed, spec.get("choices", {}))) == 1:
            result.succeeded, result.value = True, found.pop()
        elif len(found) > 1:  # 「オンライン」 when several sessions are online: not the FAQ
            await turn_context.send_activity(str(spec.get("several", t.PICK_SEVERAL)).format(typed=typed))
            return result
        if not result.succeeded and typed and self._interrupt is not None:
            turn = self._interrupt(typed)
            if turn is not None:
                result.succeeded, result.value = True, turn
                return result
        if not result.succeeded and typed and self._faq_answer is not None:
            answer = await self._faq_answer(turn_context, typed)
            if answer:
                await turn_context.send_activity(answer)
                await turn_context.send_activity(spec.get("resume", t.RETRY_PICK))
        return result


class EnrolDialog(ComponentDialog):
    """Options (all optional): ``course_id``, ``session_id`` to start further along."""

    def __init__(self, port: EnrolPort, dialog_id: str = "EnrolDialog") -> None:
        super().__init__(dialog_id)
        self.port = port
        self.add_dialog(PickPrompt(PICK, port.faq_answer, self._interrupt))
        self.add_dialog(WaterfallDialog("steps", [self._course, self._session, self._confirm,
                                                  self._finish]))
        self.initial_dialog_id = "steps"

    def _interrupt(self, typed: str) -> str | None:
        """A reply that leaves the choice: stop (「やめたい」「キャンセルします」) or another course
        asked for (「新任所属長研修に申し込みたい」); a question (「…とは？」) is for the FAQ."""
        if _ASKS.search(typed):
            return None
        if asks_to_cancel(typed):
            return STOP
        named = named_course(self.port.catalogue(), typed)
        return SWITCH + named.id if named is not None and applies(typed) else None

    async def _turned(self, step: WaterfallStepContext, current: str | None = None) -> DialogTurnResult | None:
        """What a STOP or SWITCH reply does at any step (None when the reply was a choice);
        ``current``: the course already chosen."""
        result = step.result
        if result == STOP:
            if step.values.get("card_id") or step.values.get("slot_id"):  # at the confirmation
                await self.port.abort(step.context, step.values.get("slot_id"), step.values.get("change_of"),
                                      step.values.get("card_id"))
            else:
                await step.context.send_activity(t.SIGNUP_STOPPED)
            return await step.end_dialog()
        if isinstance(result, str) and result.startswith(SWITCH):
            course_id = result.removeprefix(SWITCH)
            if step.values.get("card_id"):
                await self.port.set_aside(step.context, step.values.get("card_id"), step.values["slot_id"],
                                          step.values.get("change_of") is not None)
            if course_id == current:  # the course already chosen: its sessions again
                return await step.replace_dialog("steps", self._back(step, course_id))
            return await step.replace_dialog("steps", {"course_id": course_id})
        return None

    @staticmethod
    def _options(step: WaterfallStepContext) -> dict[str, Any]:
        return step.options if isinstance(step.options, dict) else {}

    async def _course(self, step: WaterfallStepContext) -> DialogTurnResult:
        applicant = await self.port.applicant(step.context)
        catalogue = self.port.catalogue()
        offered = courses_offered(catalogue, applicant, self.port.now())
        options = self._options(step)
        wanted = options.get("course_id")
        if not wanted and options.get("text"):
            named = named_course(catalogue, str(options["text"]), {c.id for c in offered})
            wanted = named.id if named else None
        if wanted and any(c.id == wanted for c in offered):
            return await step.next(wanted)
        if not offered:
            await step.context.send_activity(t.NO_COURSES)
            return await step.end_dialog()
        named = catalogue.course(str(wanted)) if wanted else None
        if named is not None:  # named but not offered: say why, then offer the rest
            eligible = Catalogue.is_eligible(named, applicant.tier, applicant.roles)
            template = t.NOT_OFFERED_NAMED if eligible else t.NOT_ELIGIBLE_NAMED
            await step.context.send_activity(template.format(course=named.title))
        applied = set(await self.port.active_by_course(step.context))
        pairs = [(c, is_mandatory(c, applicant)) for c in offered]
        by_id = {c.id: c for c in offered}
        choices = numbered(by_id, lambda cid: (
            by_id[cid].title, cid, cards.course_label(by_id[cid], True),
            cards.course_label(by_id[cid], False, True), _without_dx(by_id[cid].title)))
        prompt = MessageFactory.attachment(cards.attachment(cards.courses(pairs, applied)))
        return await step.prompt(PICK, pick_options(prompt, choices, t.RESUME_COURSE))

    async def _session(self, step: WaterfallStepContext) -> DialogTurnResult:
        turned = await self._turned(step)
        if turned is not None:
            return turned
        catalogue = self.port.catalogue()
        course = catalogue.course(str(step.result))
        if course is None:
            await step.context.send_activity(t.REFUSED["unknown_session"])
            return await step.end_dialog()
        step.values["course_id"] = course.id
        existing = (await self.port.active_by_course(step.context)).get(course.id)
        change_of = row_id(self._options(step).get("change_of"))
        if existing is not None and existing.id != change_of:
            await self.port.show_applied(step.context, existing)
            return await step.end_dialog()
        slots = open_slots(course, self.port.now())
        current = None
        if existing is not None:  # changing the session: every other open one
            step.values["change_of"] = existing.id
            current = find_slot(catalogue, existing.session_id)
            slots = [s for s in slots if s.id != existing.session_id]
        wanted = self._options(step).get("session_id")
        if wanted and any(s.id == wanted for s in slots):
            return await step.next(wanted)
        if not slots:
            text = t.APPLIED_NO_OTHER if existing else t.NO_SESSIONS.format(course=course.title)
            await step.context.send_activity(text)
            return await step.end_dialog()
        if len(slots) == 1 and slots[0].session is None:  # a licence: nothing to choose
            return await step.next(slots[0].id)
        usage = await self.port.usage([s.id for s in slots])
        by_id = {s.id: s for s in slots}

        order = list(by_id)  # in time order

        def labels(sid: str) -> tuple[str, ...]:
            slot = by_id[sid]
            session = slot.session
            where = (*ONLINE_WORDS,) if session and session.online_url else (session.venue,) if session else ()
            local = slot.start.astimezone(TOKYO) if slot.start else None
            when = (t.day_time(local), f"{local.month}/{local.day}", f"{local.month}月",
                    *t.clock_words(local)) if local else ()
            first = t.EARLIEST_WORDS if sid == order[0] else ()
            last = t.LATEST_WORDS if sid == order[-1] else ()
            return (sid, *when, *(w for w in where if w), *first, *last)

        choices = numbered(by_id, labels)
        card = cards.sessions(course, slots, usage, existing, current)
        prompt = MessageFactory.attachment(cards.attachment(card))
        return await step.prompt(PICK, pick_options(prompt, choices, t.RESUME_SESSION,
                                                    t.RETRY_PICK_BACK, back=True))

    def _back(self, step: WaterfallStepContext, course_id: str | None = None) -> dict[str, Any]:
        """The options that start this dialog one step back: the course list, or (with
        ``course_id``) that course's sessions."""
        options = {k: v for k, v in self._options(step).items() if k == "change_of"}
        if course_id is None:
            options.pop("change_of", None)  # the course list: a new choice, not the change
        else:
            options["course_id"] = course_id
        return options

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result == BACK:  # from the sessions to the courses
            return await step.replace_dialog("steps", self._back(step))
        turned = await self._turned(step, step.values.get("course_id"))
        if turned is not None:
            return turned
        catalogue = self.port.catalogue()
        slot = find_slot(catalogue, str(step.result))
        if slot is None:
            await step.context.send_activity(t.REFUSED["unknown_session"])
            return await step.end_dialog()
        step.values["slot_id"] = slot.id
        used = (await self.port.usage([slot.id])).get(slot.id)
        change_of = step.values.get("change_of")
        existing = (await self.port.active_by_course(step.context)).get(slot.course.id)
        old = find_slot(catalogue, existing.session_id) if existing else None
        step.values["waitlist"] = cards.is_full(slot, used)  # else a seat was agreed to
        if change_of is not None and existing is not None and old is not None:
            card = cards.change_confirm(existing, old, slot, used)
            yes, resume = t.BUTTON_CHANGE_YES, t.RESUME_CHANGE
        else:
            step.values.pop("change_of", None)
            card = cards.confirm(slot, used)
            yes, resume = t.BUTTON_APPLY, t.RESUME_CONFIRM
        sent = await step.context.send_activity(MessageFactory.attachment(cards.attachment(card)))
        step.values["card_id"] = sent.id if sent else None  # updated once answered
        return await step.prompt(PICK, pick_options(
            None, None, resume, retry=t.RETRY_YES_NO_BACK, yes=(yes,), no=(t.BUTTON_STOP,),
            back=True))

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        slot_id, card_id = step.values["slot_id"], step.values.get("card_id")
        turned = await self._turned(step, step.values.get("course_id"))
        if turned is not None:
            return turned
        if step.result == BACK:  # from the confirmation to the course's sessions (or courses)
            await self.port.set_aside(step.context, card_id, slot_id, step.values.get("change_of") is not None)
            slot = find_slot(self.port.catalogue(), slot_id)
            one = slot is not None and slot.session is None  # a licence: no session to choose
            return await step.replace_dialog("steps", self._back(step, None if one else step.values["course_id"]))
        change_of = step.values.get("change_of")
        if step.result is True and change_of is not None:
            await self.port.change(step.context, int(change_of), slot_id, card_id,
                                   step.values.get("waitlist", True))
        elif step.result is True:
            await self.port.confirm(step.context, slot_id, card_id, step.values.get("waitlist", True))
        else:
            await self.port.abort(step.context, slot_id, change_of, card_id)
        return await step.end_dialog()


