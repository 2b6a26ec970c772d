"""Adaptive Cards of the enrolment feature, as plain JSON (so the outbox can store them).

Every button is an ``Action.Submit`` whose data names its action and carries all it needs
(course, session or enrolment id): a press works even from an old card or another device.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import Any

from botbuilder.core import CardFactory
from botbuilder.schema import Attachment

from bot.cards import content, facts, open_url, submit, text
from bot.texts import enrolment as t
from domain.enrolment import Enrolment, Usage
from domain.enrolment_reports import CourseSummary, RosterRow
from domain.enrolment_rules import ENROLLED, Slot
from knowledge.catalogue import Course

Card = dict[str, Any]


def attachment(card: Card) -> Attachment:
    return CardFactory.adaptive_card(card)


def _buttons(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": list(actions)}


def when(slot: Slot) -> str:
    if slot.removed:
        return t.REMOVED_SESSION.format(id=slot.id)
    if slot.session is None:
        return t.LICENCE
    return t.period(slot.session.start, slot.session.end)


def place(slot: Slot) -> str:
    if slot.removed:
        return "-"
    if slot.session is None:
        return "Udemy Business"
    return slot.session.venue or t.ONLINE


def seats(slot: Slot, used: Usage | None) -> str:
    used = used or Usage()
    free = slot.capacity - used.taken
    if free > 0:
        return (t.LICENCES_LEFT if slot.session is None else t.SEATS_LEFT).format(n=free)
    return t.SEATS_FULL.format(n=used.waitlisted)


def course_label(course: Course, mandatory: bool, applied: bool = False) -> str:
    marks = (t.APPLIED_MARK,) if applied else (t.MANDATORY,) if mandatory else ()
    return "".join(f"【{m}】" for m in marks) + course.title


# ---------------------------------------------------------------- applying


def courses(offered: Sequence[tuple[Course, bool]], applied: Set[str] = frozenset()) -> Card:
    """The courses this person may take, mandatory ones first, one button each; those in
    ``applied`` (course ids) are marked 【申込済】."""
    body: list[dict[str, Any]] = [
        text(t.COURSES_TITLE, weight="Bolder", size="Medium"), text(t.PICK_COURSE),
    ]
    for number, (course, mandatory) in enumerate(offered, start=1):
        label = course_label(course, mandatory, course.id in applied)
        body.append(text(f"{number}. {label}", weight="Bolder"))
        summary = course.description.strip().splitlines()[0] if course.description else ""
        body.append(text(f"{course.category}　{summary}".strip(), subtle=True))
        body.append(_buttons(submit(label, "enrol.course", course_id=course.id)))
    return content(body)


def sessions(course: Course, slots: Sequence[Slot], usage: Mapping[str, Usage],
             change_of: Enrolment | None = None, current: Slot | None = None) -> Card:
    """The open sessions, one button each; for a change of session (``change_of``) the
    buttons carry the enrolment being moved."""
    heading = (t.PICK_NEW_SESSION.format(course=course.title, current=when(current))
               if change_of is not None and current is not None
               else t.PICK_SESSION.format(course=course.title))
    extra = {"change_of": change_of.id} if change_of is not None else {}
    body: list[dict[str, Any]] = [text(heading, weight="Bolder")]
    for number, slot in enumerate(slots, start=1):
        body.append(text(f"{number}. {when(slot)}", weight="Bolder"))
        body.append(text(f"{place(slot)}　{seats(slot, usage.get(slot.id))}", subtle=True))
        label = t.day_time(slot.session.start) if slot.session else course.title
        body.append(_buttons(submit(label, "enrol.session", course_id=course.id,
                                    session_id=slot.id, **extra)))
    return content(body)


def applied(enrolment: Enrolment, slot: Slot, status: str, *, can_change: bool,
            can_cancel: bool, note: str | None) -> Card:
    """A course the person already applied for: where it stands, and what they can do."""
    body = [
        text(t.APPLIED_TITLE, weight="Bolder", size="Medium"),
        text(t.APPLIED_BODY.format(course=slot.course.title)),
        facts([(t.FACT_WHEN, when(slot)), (t.FACT_PLACE, place(slot)), (t.FACT_STATUS, status)]),
    ]
    if note:
        body.append(text(note, subtle=True))
    actions = []
    if can_change:
        actions.append(submit(t.BUTTON_CHANGE, "enrol.course", course_id=slot.course.id,
                              change_of=enrolment.id))
    if can_cancel:
        actions.append(submit(t.BUTTON_CANCEL.format(course=slot.course.title),
                              "enrol.cancel_ask", enrolment_id=enrolment.id))
    actions.append(submit(t.BUTTON_MY, "command", command="my_enrolments"))
    return content(body, actions)


def confirm(slot: Slot, used: Usage | None) -> Card:
    rows = [(t.FACT_COURSE, slot.course.title), (t.FACT_WHEN, when(slot)),
            (t.FACT_PLACE, place(slot))]
    if slot.closes_at is not None:
        rows.append((t.FACT_DEADLINE, t.deadline(slot.closes_at)))
    rows.append((t.FACT_SEATS, seats(slot, used)))
    body = [text(t.CONFIRM_TITLE, weight="Bolder", size="Medium"), facts(rows)]
    if is_full(slot, used):
        body.append(text(t.WILL_WAITLIST, weight="Bolder"))
    if slot.course.approval_required:
        body.append(text(t.NEEDS_APPROVAL))
    body.append(text(t.CONFIRM_ASK))
    return content(body, [  # waitlist: the card said it would be (else a seat was agreed to)
        submit(t.BUTTON_APPLY, "enrol.confirm", session_id=slot.id, waitlist=is_full(slot, used)),
        submit(t.BUTTON_STOP, "enrol.abort", session_id=slot.id),
    ])


def is_full(slot: Slot, used: Usage | None) -> bool:
    """Whether the slot has no free seat (what the confirmation card says)."""
    return slot.capacity - (used or Usage()).taken <= 0


def filled(slot: Slot, message: str, change_of: int | None = None) -> Card:
    """The last seat went while the person was confirming: the waitlist, or another session
    (for a change of session: the waitlist, or keeping the session they have)."""
    if change_of is not None:
        return content([text(message)], [
            submit(t.BUTTON_WAITLIST_CHANGE, "enrol.change", enrolment_id=change_of,
                   session_id=slot.id, waitlist=True),
            submit(t.BUTTON_KEEP_SESSION, "enrol.abort", session_id=slot.id, change_of=change_of),
        ])
    return content([text(message)], [
        submit(t.BUTTON_WAITLIST, "enrol.confirm", session_id=slot.id, waitlist=True),
        submit(t.BUTTON_OTHER_SESSION, "enrol.course", course_id=slot.course.id),
    ])


def change_confirm(enrolment: Enrolment, old: Slot, new: Slot, used: Usage | None) -> Card:
    rows = [(t.FACT_COURSE, new.course.title), (t.FACT_CURRENT, when(old)),
            (t.FACT_NEW, when(new)), (t.FACT_PLACE, place(new)),
            (t.FACT_SEATS, seats(new, used))]
    body = [text(t.CHANGE_TITLE, weight="Bolder", size="Medium"), facts(rows)]
    if is_full(new, used):
        body.append(text(t.CHANGE_WILL_WAITLIST, weight="Bolder"))
    body.append(text(t.CHANGE_ASK))
    return content(body, [  # waitlist: as on the confirmation card
        submit(t.BUTTON_CHANGE_YES, "enrol.change", enrolment_id=enrolment.id,
               session_id=new.id, waitlist=is_full(new, used)),
        submit(t.BUTTON_STOP, "enrol.abort", session_id=new.id, change_of=enrolment.id),
    ])


def used(title: str, slot: Slot | None, outcome: str) -> Card:
    """A confirmation card once answered: what it was about and how it ended, no buttons."""
    body: list[dict[str, Any]] = [text(title, weight="Bolder", size="Medium")]
    if slot is not None:
        body.append(facts([(t.FACT_COURSE, slot.course.title), (t.FACT_WHEN, when(slot))]))
    body.append(text(t.CARD_USED.format(outcome=outcome.split("\n")[0]), weight="Bolder"))
    return content(body)


def done(message: str, slot: Slot) -> Card:
    body = [text(message)]
    actions = [submit(t.BUTTON_MY, "command", command="my_enrolments")]
    if slot.session is not None and slot.session.online_url:
        actions.insert(0, open_url(t.BUTTON_JOIN, slot.session.online_url))
    return content(body, actions)


# ---------------------------------------------------------------- my enrolments


def my_enrolments(items: Sequence[tuple[Enrolment, Slot | None, str, bool]]) -> Card:
    """Each enrolment with its status; ``True`` in the tuple means it may still be cancelled."""
    body: list[dict[str, Any]] = [text(t.MY_TITLE, weight="Bolder", size="Medium")]
    cancellable = False
    for enrolment, slot, status, can_cancel in items:
        title = slot.course.title if slot else enrolment.course_id
        body.append(text(title, weight="Bolder"))
        rows = [(t.FACT_STATUS, status)]
        if slot is not None:
            rows[:0] = [(t.FACT_WHEN, when(slot)), (t.FACT_PLACE, place(slot))]
        body.append(facts(rows))
        buttons = []
        if enrolment.status == ENROLLED and slot is not None and slot.session is not None \
                and slot.session.online_url:  # a seat: the meeting's link is at hand
            buttons.append(open_url(t.BUTTON_JOIN, slot.session.online_url))
        if can_cancel:
            cancellable = True
            buttons.append(submit(t.BUTTON_CANCEL.format(course=title), "enrol.cancel_ask",
                                  enrolment_id=enrolment.id))
        if buttons:
            body.append(_buttons(*buttons))
    if cancellable:
        body.append(text(t.MY_CANCEL_HINT, subtle=True))
    return content(body)


def cancel_confirm(enrolment: Enrolment, slot: Slot, status: str) -> Card:
    body = [
        text(t.CANCEL_TITLE, weight="Bolder", size="Medium"),
        facts([(t.FACT_COURSE, slot.course.title), (t.FACT_WHEN, when(slot)),
               (t.FACT_STATUS, status)]),
        text(t.CANCEL_ASK),
    ]
    return content(body, [
        submit(t.BUTTON_CANCEL_YES, "enrol.cancel", enrolment_id=enrolment.id),
        submit(t.BUTTON_CANCEL_NO, "enrol.cancel_keep", enrolment_id=enrolment.id),
    ])


# ---------------------------------------------------------------- notices and approval


def notice(message: str, slot: Slot | None, *, enrol_button: bool = False) -> Card:
    body = [text(message)]
    actions: list[dict[str, Any]] = []
    if slot is not None and slot.session is not None and slot.session.online_url:
        actions.append(open_url(t.BUTTON_JOIN, slot.session.online_url))
    if enrol_button:
        actions.append(submit(t.BUTTON_ENROL, "command", command="enrol"))
    return content(body, actions)


def reminder(slot: Slot) -> Card:
    body = [
        text(t.REMINDER_TITLE, weight="Bolder", size="Medium"),
        text(t.REMINDER.format(course=slot.course.title)),
        facts([(t.FACT_COURSE, slot.course.title), (t.FACT_WHEN, when(slot)),
               (t.FACT_PLACE, place(slot))]),
    ]
    actions = []
    if slot.session is not None and slot.session.online_url:
        actions.append(open_url(t.BUTTON_JOIN, slot.session.online_url))
    return content(body, actions)


def nudge(tier: str, courses: Sequence[Course]) -> Card:
    body = [text(t.NUDGE_TITLE, weight="Bolder", size="Medium"), text(t.NUDGE.format(tier=tier))]
    body += [text(f"・{c.title}") for c in courses]
    return content(body, [submit(t.BUTTON_ENROL, "command", command="enrol")])


def _application_facts(enrolment: Enrolment, slot: Slot) -> dict[str, Any]:
    return facts([
        (t.FACT_APPLICANT, enrolment.name), (t.FACT_UNIT, enrolment.unit_name or "―"),
        (t.FACT_TIER, enrolment.tier or "―"), (t.FACT_COURSE, slot.course.title),
        (t.FACT_WHEN, when(slot)), (t.FACT_APPLIED, t.day_time(enrolment.created_at)),
    ])


def approval(enrolment: Enrolment, slot: Slot, note: str | None = None) -> Card:
    body = [
        text(t.APPROVAL_TITLE, weight="Bolder", size="Medium"),
        text(t.APPROVAL_BODY.format(name=enrolment.name)),
        _application_facts(enrolment, slot),
    ]
    if note:
        body.insert(1, text(note, weight="Bolder"))
    return content(body, [
        submit(t.BUTTON_APPROVE, "enrol.approve", enrolment_id=enrolment.id),
        submit(t.BUTTON_DECLINE, "enrol.decline", enrolment_id=enrolment.id),
    ])


def approval_closed(enrolment: Enrolment, slot: Slot, outcome: str) -> Card:
    """The approval card once handled (replaces the one with buttons)."""
    body = [
        text(t.APPROVAL_TITLE, weight="Bolder", size="Medium"),
        _application_facts(enrolment, slot),
        text(outcome, weight="Bolder"),
    ]
    return content(body)


# ---------------------------------------------------------------- admin


def roster(title: str, counts: str, rows: Sequence[RosterRow], more: str | None) -> Card:
    body = [text(title, weight="Bolder", size="Medium"), text(counts)]
    if not rows:
        body.append(text(t.ROSTER_EMPTY))
    for number, r in enumerate(rows, start=1):
        status = t.status_label(r.status, r.position)
        body.append(text(f"{number}. {r.name}（{r.unit}）{status}　{t.day_time(r.applied_at)}"))
    if more:
        body.append(text(more, subtle=True))
    return content(body)


def summary(rows: Sequence[CourseSummary], sessions: Mapping[str, Sequence[Slot]] | None = None) -> Card:
    """Each course's counts, and its sessions with the ids 「管理 名簿」 takes."""
    body = [text(t.SUMMARY_TITLE, weight="Bolder", size="Medium")]
    if not rows:
        body.append(text(t.SUMMARY_EMPTY))
    for r in rows:
        body.append(text(r.title, weight="Bolder"))
        body.append(text(t.SUMMARY_LINE.format(enrolled=r.enrolled, pending=r.pending,
                                               waitlisted=r.waitlisted, capacity=r.capacity)))
        listed = [s for s in (sessions or {}).get(r.course_id, ()) if s.session is not None]
        if listed:
            body.append(text(t.SUMMARY_SESSIONS.format(
                sessions="、".join(t.SESSION_ID.format(id=s.id, when=when(s)) for s in listed)), subtle=True))
    return content(body)
