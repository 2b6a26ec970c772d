"""研修申込 in the bot: commands, card actions, dialogs and jobs of the enrolment feature.

``install(runtime)`` registers the commands ``enrol`` and ``my_enrolments``, the card actions
``enrol.*``, the two dialogs, the job handlers and the admin commands 名簿 / 研修集計.
Each state change runs in one transaction together with its notices and jobs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import enrolment_admin
from bot import enrolment_cards as cards
from bot.enrolment_notify import TOPIC_APPROVAL, EnrolmentSettings, Notifier
from bot.faq_answer import answer_for
from bot.identity import Identity, IdentityResolver
from bot.router import Route
from bot.state import is_shared
from bot.texts import enrolment as t
from dialogs.enrol import EnrolDialog
from dialogs.my_enrolments import MyEnrolmentsDialog
from domain import enrolment as en
from domain import outbox
from domain.enrolment import Actor, Enrolment, Usage
from domain.enrolment_match import (
    asks_to_cancel,
    asks_waitlist_place,
    mentions_training,
    named_course,
    withdraws,
)
from domain.enrolment_reminders import LAPSE_JOB, NUDGE_JOB, REMINDER_JOB
from domain.enrolment_rules import (
    ACTIVE,
    CANCELLED,
    DECLINED,
    LAPSED,
    Applicant,
    Refused,
    Slot,
    can_withdraw,
    find_slot,
    has_lapsed,
    has_started,
    open_slots,
    slot_of_enrolment,
)
from domain.ids import row_id
from knowledge.catalogue import Catalogue, Course
from knowledge.live import LiveStatus, NotLoadedError

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

ENROL_DIALOG = "EnrolDialog"
MY_DIALOG = "MyEnrolmentsDialog"
PROFILE_DIALOG = "ProfileDialog"


def refusal(exc: Refused, catalogue: Catalogue, staff: Callable[[Course | None], str]) -> str:
    """The Japanese sentence for a rule that said no (``staff``: who to ask about a course)."""
    context: dict[str, Any] = dict(exc.context)
    closes_at = context.get("closes_at")
    fields: dict[str, Any] = {
        "course": context.get("course", ""),
        "closes_at": t.deadline(closes_at) if isinstance(closes_at, datetime) else "",
        "when": "", "status": "",
        "staff": staff(catalogue.course(str(context.get("course_id", "")))),
    }
    reason = exc.reason
    if reason == "not_active" and context.get("status") == LAPSED:
        reason = "lapsed"
    if context.get("session_id"):
        slot = find_slot(catalogue, str(context["session_id"]))
        fields["when"] = cards.when(slot) if slot else context["session_id"]
        if slot is None and reason == "other_session":  # held in a session no longer offered
            reason = "other_session_removed"
    if context.get("status"):
        fields["status"] = t.status_label(str(context["status"]))
        if context.get("decided_by"):
            fields["status"] += f"、{context['decided_by']}"
    template = t.REFUSED.get(reason, t.REFUSED["unknown_session"])
    return template.format(**fields)


class EnrolmentFlow:
    """The running feature: what the dialogs call, and every command and card action."""

    def __init__(self, runtime: Runtime, settings: EnrolmentSettings) -> None:
        self.runtime = runtime
        self.notifier = Notifier(runtime, settings)
        self.removed_reported: set[str] = set()  # removed sessions the admins were told of

    # ------------------------------------------------------------ what dialogs use

    def catalogue(self) -> Catalogue:
        return self.runtime.catalogue.current

    def now(self) -> datetime:
        return self.runtime.clock.now()

    async def faq_answer(self, turn_context: TurnContext, text: str) -> str | None:
        """The FAQ's answer (as this person reads it), under its question, when the matcher is
        confident, else None."""
        result = self.runtime.faq.current.matcher.match(text)
        top = result.top.entry if result.band == "answer" and result.top else None
        if top is None:
            return None
        answer = await answer_for(top.answer, lambda: self.identity(turn_context), self.runtime.directory,
                                  shared=is_shared(turn_context.activity))
        return f"**{top.question}**\n\n{answer}"

    async def identity(self, turn_context: TurnContext) -> Identity:
        resolver = self.runtime.services.get("identity")
        if resolver is None:
            resolver = IdentityResolver(self.runtime.directory, self.runtime.sessions)
            self.runtime.services["identity"] = resolver
        return await resolver.resolve(turn_context)

    async def applicant(self, turn_context: TurnContext) -> Applicant:
        i = await self.identity(turn_context)
        return Applicant(i.user_id, i.name, i.upn, i.unit_code, i.unit_name, i.tier, i.roles)

    async def usage(self, slot_ids: Iterable[str]) -> Mapping[str, Usage]:
        async with self.runtime.sessions() as db:
            return await en.usage(db, list(slot_ids))

    async def _change(self, work: Callable[[AsyncSession], Awaitable[en.Outcome]]) -> en.Outcome:
        """Run a domain change and its notices in one transaction."""

        async def unit(db: AsyncSession) -> en.Outcome:
            outcome = await work(db)
            await self.notifier.apply(db, outcome.changes)
            return outcome

        return await en.in_transaction(self.runtime.sessions, unit)

    async def replace_card(self, turn_context: TurnContext, card_id: str | None,
                           card: cards.Card) -> None:
        """Replace an answered card (its activity id) so its buttons are gone; best effort."""
        if not card_id:
            return
        activity = MessageFactory.attachment(cards.attachment(card))
        activity.id = card_id
        try:
            await turn_context.update_activity(activity)
        except Exception:
            log.warning("could not update an answered card", exc_info=True)

    async def _say_done(self, turn_context: TurnContext, message: str, slot: Slot) -> None:
        await turn_context.send_activity(
            MessageFactory.attachment(cards.attachment(cards.done(message, slot)))
        )

    async def confirm(self, turn_context: TurnContext, slot_id: str,
                      card_id: str | None = None, waitlist: bool = True) -> None:
        """Apply for a slot and say how it went (a repeat says it is already done);
        ``waitlist`` False when the person was shown a free seat."""
        await self._apply(
            turn_context, slot_id, card_id, t.CONFIRM_TITLE,
            lambda db, catalogue, applicant, now: en.enrol(db, catalogue, applicant, slot_id, now,
                                                           waitlist=waitlist),
            (t.DONE_WAITLISTED, t.DONE_PENDING, t.DONE_ENROLLED),
        )

    async def change(self, turn_context: TurnContext, enrolment_id: int, slot_id: str,
                     card_id: str | None = None, waitlist: bool = True) -> None:
        """Move an enrolment to another session of its course and say how it went;
        ``waitlist`` False when the person was shown a free seat."""
        await self._apply(
            turn_context, slot_id, card_id, t.CHANGE_TITLE,
            lambda db, catalogue, applicant, now: en.change_session(
                db, catalogue, enrolment_id, slot_id, applicant, now, waitlist=waitlist),
            (t.CHANGED_WAITLISTED, t.CHANGED_PENDING, t.CHANGED),
        )

    async def _apply(self, turn_context: TurnContext, slot_id: str, card_id: str | None,
                     title: str, attempt: Callable[..., Awaitable[Any]],
                     outcomes: tuple[str, str, str]) -> None:
        """Run one seat-taking change; tell the person (waitlisted, pending or done) and close
        the card it came from."""
        applicant = await self.applicant(turn_context)
        catalogue, now = self.catalogue(), self.now()
        slot = find_slot(catalogue, slot_id)
        try:
            out = await self._change(lambda db: attempt(db, catalogue, applicant, now))
        except Refused as exc:
            message = refusal(exc, catalogue, self.notifier.staff)
            if exc.reason == "not_active" and slot is not None and title == t.CHANGE_TITLE:
                # a second press (or a second device) after the change went through
                moved = (await self.active_by_course(turn_context)).get(slot.course.id)
                if moved is not None and moved.session_id == slot_id:
                    async with self.runtime.sessions() as db:
                        position = await en.waitlist_position(db, moved)
                    message = t.ALREADY_DONE.format(
                        when=cards.when(slot), status=t.status_label(moved.status, position))
            if exc.reason in ("filled", "filled_change") and slot is not None:
                change_of = row_id(exc.context.get("enrolment_id"))
                await turn_context.send_activity(MessageFactory.attachment(cards.attachment(
                    cards.filled(slot, message, change_of))))
            else:
                await turn_context.send_activity(message)
            await self.replace_card(turn_context, card_id, cards.used(title, slot, message))
            return
        waitlisted, pending, done = outcomes
        fields = {"course": out.slot.course.title, "when": cards.when(out.slot)}
        if not out.created:
            message = t.ALREADY.format(status=t.status_label(out.enrolment.status, out.position))
        elif out.enrolment.status == "waitlisted":
            message = waitlisted.format(position=out.position, **fields)
        elif out.enrolment.status == "pending":
            message = pending.format(**fields)
        else:
            message = done.format(**fields)
        await self._say_done(turn_context, message, out.slot)
        await self.replace_card(turn_context, card_id, cards.used(title, out.slot, message))

    async def set_aside(self, turn_context: TurnContext, card_id: str | None, slot_id: str,
                        change: bool) -> None:
        """「戻る」 from a confirmation: its card loses its buttons (a later tap on it would
        apply for the session the person went back from)."""
        title = t.CHANGE_TITLE if change else t.CONFIRM_TITLE
        await self.replace_card(turn_context, card_id, cards.used(title, find_slot(self.catalogue(), slot_id),
                                                                  t.WENT_BACK))

    async def abort(self, turn_context: TurnContext, slot_id: str | None,
                    change_of: int | None = None, card_id: str | None = None) -> None:
        """「やめる」: truthful even on an old card: if the application (or the change) went
        through meanwhile, say so instead."""
        catalogue = self.catalogue()
        slot = find_slot(catalogue, slot_id) if slot_id else None
        existing = None
        if slot is not None:
            existing = (await self.active_by_course(turn_context)).get(slot.course.id)
        title = t.CHANGE_TITLE if change_of is not None else t.CONFIRM_TITLE
        done = existing is not None and (change_of is None or existing.session_id == slot_id)
        if existing is not None and done:
            current = find_slot(catalogue, existing.session_id) or slot
            assert current is not None
            async with self.runtime.sessions() as db:
                position = await en.waitlist_position(db, existing)
            message = t.ALREADY_DONE.format(when=cards.when(current),
                                            status=t.status_label(existing.status, position))
            await self._say_done(turn_context, message, current)
        elif existing is not None:
            current = find_slot(catalogue, existing.session_id)
            message = t.CHANGE_ABORTED.format(when=cards.when(current) if current else "")
            await turn_context.send_activity(message)
        else:
            message = t.ABORTED
            await turn_context.send_activity(message)
        await self.replace_card(turn_context, card_id, cards.used(title, slot, message))

    async def active_by_course(self, turn_context: TurnContext) -> dict[str, Enrolment]:
        """This person's active enrolments, by course id (not one that waited for a session
        that has begun: it ends when they apply again, if its job has not ended it yet)."""
        identity = await self.identity(turn_context)
        catalogue, now = self.catalogue(), self.now()
        async with self.runtime.sessions() as db:
            return {
                e.course_id: e for e in await en.of_user(db, identity.user_id)
                if not has_lapsed(e.status, slot_of_enrolment(catalogue, e.session_id, e.course_id), now)
            }

    async def show_applied(self, turn_context: TurnContext, enrolment: Enrolment) -> None:
        """A course already applied for: its status, with 日程を変更する when possible."""
        catalogue, now = self.catalogue(), self.now()
        slot = slot_of_enrolment(catalogue, enrolment.session_id, enrolment.course_id)
        async with self.runtime.sessions() as db:
            status = t.status_label(enrolment.status, await en.waitlist_position(db, enrolment))
        if slot.removed:  # withdrawing is the way to another session of the course
            card = cards.applied(enrolment, slot, status, can_change=False, can_cancel=True,
                                 note=t.APPLIED_REMOVED)
            await turn_context.send_activity(MessageFactory.attachment(cards.attachment(card)))
            return
        movable = can_withdraw(enrolment.status, slot, now)
        others = [s for s in open_slots(slot.course, now) if s.id != slot.id]
        note = (None if movable and others else t.APPLIED_NO_OTHER if movable
                else t.APPLIED_PAST if has_started(slot, now) else t.APPLIED_CLOSED)
        note = note and note.format(staff=self.notifier.staff(slot.course))
        card = cards.applied(enrolment, slot, status, can_change=movable and bool(others),
                             can_cancel=movable, note=note)
        await turn_context.send_activity(MessageFactory.attachment(cards.attachment(card)))

    async def show_enrolments(self, turn_context: TurnContext) -> None:
        identity = await self.identity(turn_context)
        catalogue, now = self.catalogue(), self.now()
        items = []
        async with self.runtime.sessions() as db:
            for e in await en.of_user(db, identity.user_id, (*ACTIVE, DECLINED)):
                slot = slot_of_enrolment(catalogue, e.session_id, e.course_id)
                if slot.session is not None and (slot.session.end <= now or has_lapsed(e.status, slot, now)):
                    continue  # finished sessions drop off (a seat stays until the end: its link)
                label = t.status_label(e.status, await en.waitlist_position(db, e))
                items.append((e, slot, label, e.status in ACTIVE and can_withdraw(e.status, slot, now)))
        if not items:
            await turn_context.send_activity(t.MY_NONE)
            return
        await turn_context.send_activity(
            MessageFactory.attachment(cards.attachment(cards.my_enrolments(items)))
        )

    async def cancellable(self, turn_context: TurnContext, enrolment_id: int
                          ) -> tuple[Enrolment, Slot, str] | None:
        """The enrolment if this person may cancel it now; else say why and return None."""
        identity = await self.identity(turn_context)
        catalogue, now = self.catalogue(), self.now()
        async with self.runtime.sessions() as db:
            e = await db.get(Enrolment, enrolment_id)
            position = await en.waitlist_position(db, e) if e else None
        slot = slot_of_enrolment(catalogue, e.session_id, e.course_id) if e else None
        reason: Refused | None = None
        if e is None or slot is None or e.user_id != identity.user_id:
            reason = Refused("not_found")
        elif e.status not in ACTIVE:
            reason = Refused("not_active")
        elif not can_withdraw(e.status, slot, now):
            reason = Refused("cancel_closed", closes_at=slot.closes_at, course=slot.course.title,
                             course_id=slot.course.id)
        if reason is not None or e is None or slot is None:
            await turn_context.send_activity(refusal(reason or Refused("not_found"), catalogue,
                                                              self.notifier.staff))
            return None
        return e, slot, t.status_label(e.status, position)

    async def cancel(self, turn_context: TurnContext, enrolment_id: int,
                     card_id: str | None = None) -> None:
        identity = await self.identity(turn_context)
        actor = Actor(identity.user_id, identity.name)
        catalogue, now = self.catalogue(), self.now()
        try:
            out = await self._change(lambda db: en.cancel(db, catalogue, enrolment_id, actor, now))
        except Refused as exc:
            message = refusal(exc, catalogue, self.notifier.staff)
            await turn_context.send_activity(message)
            await self.replace_card(turn_context, card_id, cards.used(t.CANCEL_TITLE, None,
                                                                      message))
            return
        message = t.CANCEL_DONE.format(course=out.slot.course.title, when=cards.when(out.slot))
        await turn_context.send_activity(message)
        await self.replace_card(turn_context, card_id, cards.used(t.CANCEL_TITLE, out.slot,
                                                                  message))

    async def keep(self, turn_context: TurnContext, enrolment_id: int | None,
                   card_id: str | None = None) -> None:
        """「取り消さない」: truthful even when the enrolment was cancelled meanwhile."""
        identity = await self.identity(turn_context)
        e = None
        if enrolment_id is not None:
            async with self.runtime.sessions() as db:
                e = await db.get(Enrolment, enrolment_id)
        mine = e is not None and e.user_id == identity.user_id
        status = e.status if mine and e is not None else None
        message = {CANCELLED: t.ALREADY_CANCELLED, LAPSED: t.REFUSED["lapsed"]}.get(status or "", t.CANCEL_KEPT)
        await turn_context.send_activity(message)
        slot = find_slot(self.catalogue(), e.session_id) if mine and e is not None else None
        await self.replace_card(turn_context, card_id, cards.used(t.CANCEL_TITLE, slot, message))

    # ------------------------------------------------------------ commands and card actions

    async def _known(self, turn_context: TurnContext, dc: DialogContext, then: str) -> bool:
        """True if the person's unit and tier are known; else start the profile dialog."""
        identity = await self.identity(turn_context)
        if identity.known:
            return True
        if dc.active_dialog is not None:
            await dc.cancel_all_dialogs()
        await dc.begin_dialog(PROFILE_DIALOG, {"then": then})
        return False

    async def _restart(self, dc: DialogContext, dialog_id: str, options: dict[str, Any]) -> None:
        if dc.active_dialog is not None:
            await dc.cancel_all_dialogs()
        await dc.begin_dialog(dialog_id, options)

    async def _end_mine(self, dc: DialogContext, dialog_id: str) -> None:
        if dc.active_dialog is not None and dc.active_dialog.id == dialog_id:
            await dc.cancel_all_dialogs()

    async def on_enrol(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """「研修申込」, the intent, or a course / session button (which carry their ids)."""
        if not await self._known(turn_context, dc, "enrol"):
            return
        keys = ("course_id", "session_id", "change_of")
        options = {k: str(route.data[k]) for k in keys if route.data.get(k)}
        if route.text and "course_id" not in options:  # 「Udemy を使いたい」 names a course
            options["text"] = route.text
        await self._restart(dc, ENROL_DIALOG, options)

    async def on_confirm(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if not await self._known(turn_context, dc, "enrol"):
            return
        await self._end_mine(dc, ENROL_DIALOG)
        await self.confirm(turn_context, str(route.data.get("session_id", "")),
                           turn_context.activity.reply_to_id, route.data.get("waitlist") is not False)

    async def on_change(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        if not await self._known(turn_context, dc, "enrol"):
            return
        await self._end_mine(dc, ENROL_DIALOG)
        enrolment_id = row_id(route.data.get("enrolment_id"))
        if enrolment_id is None:
            await turn_context.send_activity(t.REFUSED["not_found"])
            return
        await self.change(turn_context, enrolment_id, str(route.data.get("session_id", "")),
                          turn_context.activity.reply_to_id, route.data.get("waitlist") is not False)

    async def on_abort(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await self._end_mine(dc, ENROL_DIALOG)
        session_id = route.data.get("session_id")
        await self.abort(turn_context, str(session_id) if session_id else None,
                         row_id(route.data.get("change_of")), turn_context.activity.reply_to_id)

    async def on_my(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """申込状況; a request to withdraw that names a course applied for (「主査級DX研修を
        キャンセルしたい」) goes straight to the question whether to withdraw it."""
        if route.text and asks_to_cancel(route.text):
            mine = await self.active_by_course(turn_context)
            course = named_course(self.catalogue(), route.text, set(mine))
            if course is not None and course.id in mine:
                await self._restart(dc, MY_DIALOG, {"enrolment_id": mine[course.id].id})
                return
            if course is not None:
                await turn_context.send_activity(t.NOT_APPLIED_NAMED.format(course=course.title))
        await self.show_enrolments(turn_context)

    async def on_cancel_ask(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        enrolment_id = row_id(route.data.get("enrolment_id"))
        if enrolment_id is None:
            await turn_context.send_activity(t.REFUSED["not_found"])
            return
        await self._restart(dc, MY_DIALOG, {"enrolment_id": enrolment_id})

    async def on_cancel(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await self._end_mine(dc, MY_DIALOG)
        enrolment_id = row_id(route.data.get("enrolment_id"))
        if enrolment_id is None:
            await turn_context.send_activity(t.REFUSED["not_found"])
            return
        await self.cancel(turn_context, enrolment_id, turn_context.activity.reply_to_id)

    async def on_cancel_keep(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await self._end_mine(dc, MY_DIALOG)
        await self.keep(turn_context, row_id(route.data.get("enrolment_id")),
                        turn_context.activity.reply_to_id)

    async def on_decide(self, turn_context: TurnContext, route: Route, approve: bool) -> None:
        identity = await self.identity(turn_context)
        catalogue, now = self.catalogue(), self.now()
        enrolment_id = row_id(route.data.get("enrolment_id"))
        async with self.runtime.sessions() as db:
            e = await db.get(Enrolment, enrolment_id) if enrolment_id is not None else None
        slot = find_slot(catalogue, e.session_id) if e else None
        if e is None or slot is None or enrolment_id is None:
            await turn_context.send_activity(t.REFUSED["not_found"])
            return
        if not self.notifier.may_approve(identity, slot.course, e):
            await turn_context.send_activity(t.OWN_APPLICATION if identity.user_id == e.user_id else t.NOT_APPROVER)
            return
        actor = Actor(identity.user_id, identity.name)
        try:
            await self._change(lambda db: en.decide(db, catalogue, enrolment_id, approve, actor, now))
        except Refused as exc:
            await turn_context.send_activity(refusal(exc, catalogue, self.notifier.staff))
            return
        await turn_context.send_activity(t.APPROVAL_DONE["approved" if approve else "declined"])

    async def on_approve(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await self.on_decide(turn_context, route, True)

    async def after_catalogue_change(self) -> None:
        """Seats added in the catalogue go to the waitlist, with their notices; what still
        waits for a session that has begun ends; sessions removed while people are enrolled
        are reported to the admins (once per process)."""
        catalogue = self.catalogue()
        reported: set[str] = set()

        async def unit(db: AsyncSession) -> None:
            reported.clear()  # a retried transaction starts over
            changes = await en.fill_grown_sessions(db, catalogue, self.now())
            await self.notifier.apply(db, changes)
            await self.notifier.sweep_waiting(db)
            try:
                admins = self.runtime.directory.current.admins()
            except NotLoadedError:
                return  # nobody to tell yet; the next reload tries again
            for slot, count in await en.removed_sessions(db, catalogue):
                if slot.id in self.removed_reported:
                    continue
                text = t.ADMIN_SESSION_REMOVED.format(id=slot.id, course=slot.course.title, n=count)
                for admin in admins:
                    user_id = await self.notifier.user_id_of(db, admin)
                    if user_id:
                        await outbox.enqueue(db, text, user_id=user_id, topic="enrol.removed")
                reported.add(slot.id)

        await en.in_transaction(self.runtime.sessions, unit)
        self.removed_reported |= reported  # only once the notices are committed

    async def on_decline(self, turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        await self.on_decide(turn_context, route, False)


def install(runtime: Runtime) -> None:
    """Register the enrolment feature on the runtime."""
    flow = EnrolmentFlow(runtime, EnrolmentSettings.from_settings(runtime.settings))
    runtime.services["enrolment"] = flow
    bot = runtime.bot
    bot.dialogs.add(EnrolDialog(flow, ENROL_DIALOG))
    bot.dialogs.add(MyEnrolmentsDialog(flow, MY_DIALOG))
    bot.commands["enrol"] = flow.on_enrol
    bot.commands["my_enrolments"] = flow.on_my
    bot.intent_vetoes["enrol"] = asks_to_cancel  # 「…を辞退したい」 is no sign-up
    bot.stopped_texts[MY_DIALOG] = t.CANCEL_STOPPED

    def withdraws_a_course(text: str) -> str | None:  # 「主査級DX研修をキャンセルしたい」
        named = withdraws(text) and mentions_training(text) and named_course(flow.catalogue(), text)
        return "my_enrolments" if named else None

    def asks_place(text: str) -> str | None:  # 「キャンセル待ちの順番を知りたい」: the status shows it
        return "my_enrolments" if asks_waitlist_place(text) else None

    bot.intent_rules += [withdraws_a_course, asks_place]
    bot.card_actions.update({
        "enrol.course": flow.on_enrol,
        "enrol.session": flow.on_enrol,
        "enrol.confirm": flow.on_confirm,
        "enrol.change": flow.on_change,
        "enrol.abort": flow.on_abort,
        "enrol.cancel_ask": flow.on_cancel_ask,
        "enrol.cancel": flow.on_cancel,
        "enrol.cancel_keep": flow.on_cancel_keep,
        "enrol.approve": flow.on_approve,
        "enrol.decline": flow.on_decline,
    })
    runtime.worker.handlers.register(REMINDER_JOB, flow.notifier.remind)
    runtime.worker.handlers.register(NUDGE_JOB, flow.notifier.nudge)
    runtime.worker.handlers.register(LAPSE_JOB, flow.notifier.lapse)
    _watch_capacities(runtime, flow)
    runtime.worker.outcomes.on_outcome(TOPIC_APPROVAL + ":", flow.notifier.on_outcome)
    enrolment_admin.install(runtime, flow)
    if flow.notifier.settings.nudge_enabled:
        task = asyncio.get_running_loop().create_task(_first_nudge(runtime, flow.notifier))
        runtime.services["enrolment_bootstrap"] = task

        async def bootstrapped() -> None:
            await task

        runtime.drains.insert(0, bootstrapped)


def _watch_capacities(runtime: Runtime, flow: EnrolmentFlow) -> None:
    """After every catalogue (re)load, and once at start-up (it may have changed while the bot
    was stopped, or the process may have stopped mid-way), sessions that gained seats take
    people up from their waitlist."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = runtime.services.setdefault("capacity_tasks", set())

    async def fill() -> None:
        try:
            await flow.after_catalogue_change()
        except Exception:
            log.exception("could not move the waitlist up after a catalogue change")

    def start(status: LiveStatus | None = None) -> None:
        status = status or runtime.catalogue.status
        if status.stale or not status.ready:
            return  # a broken file changed nothing (or no catalogue has loaded yet)
        task = loop.create_task(fill())
        pending.add(task)
        task.add_done_callback(pending.discard)

    runtime.catalogue.add_listener(start)
    start()

    async def filled() -> None:
        await asyncio.gather(*list(pending))

    runtime.drains.insert(0, filled)


async def _first_nudge(runtime: Runtime, notifier: Notifier) -> None:
    try:
        async with runtime.sessions() as db, db.begin():
            await notifier.schedule_nudge(db)
    except Exception:
        log.exception("could not schedule the monthly nudge")
