"""An FAQ answer as one person reads it: its placeholders ({推進員} …) filled in for them from
the organisation data (see :mod:`knowledge.placeholders`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.identity import Identity
from bot.texts import faq as texts
from knowledge import placeholders
from knowledge.directory import Directory, Person
from knowledge.live import LiveData


async def answer_for(answer: str, who: Callable[[], Awaitable[Identity]], directory: LiveData[Directory],
                     *, shared: bool = False) -> str:
    """``answer`` as the person reads it; ``who`` is asked for them only if it has placeholders.
    ``shared``: a channel or group chat, where others read along and 「あなたの所属」 needs
    saying whose it is."""
    if not placeholders.names_in(answer):
        return answer
    person = await who()
    filled = placeholders.fill(answer, own_people(person, directory))
    if shared and person.name:
        return f"{texts.FILLED_FOR.format(name=person.name)}\n\n{filled}"
    return filled


def own_people(who: Identity, directory: LiveData[Directory]) -> dict[str, str]:
    """The values of the placeholders for this person: their unit and department, and the
    people to ask there (primary first)."""
    if not directory.status.ready:  # nothing the person could do about it: said as it is
        people, place = texts.DIRECTORY_NOT_LOADED, texts.UNKNOWN
    elif who.unit_code is None:
        people, place = texts.UNKNOWN_PEOPLE, texts.UNKNOWN_UNIT
    else:
        current = directory.current
        return {
            "所属": who.unit_name or texts.UNKNOWN,
            "部局": who.department_name or texts.UNKNOWN,
            "推進員": _names(current.promoters(who.unit_code)),
            "スペシャリスト": _names(current.specialists(who.department_code)) if who.department_code
            else texts.NOBODY_REGISTERED,
        }
    return {"所属": who.unit_name or place, "部局": who.department_name or place,
            "推進員": people, "スペシャリスト": people}


def _names(people: list[Person]) -> str:
    return texts.NAME_SEPARATOR.join(texts.PERSON_NAME.format(name=p.name) for p in people) or texts.NOBODY_REGISTERED
