"""Whether a request for a person also says what it is about.

「VPNが遅いので担当者に相談したい」 asks for a person and states the problem in one message:
the person should not be asked for their question again. A message is cut into clauses (at
「ので」「けど」「、」「。」 …); when one asks for a person and another says something beyond
politeness, the message itself is the question (the person's own words, as they wrote them).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CUT = re.compile(r"(?<=ので)|(?<=のに)|(?<=けど)|(?<=けれど)|[、,，。！!？?\n]+")


def clauses(text: str) -> list[str]:
    """The message's clauses, stripped, empty ones left out."""
    return [c.strip() for c in _CUT.split(text) if c and c.strip()]


def states_a_problem(text: str, asks_for_person: Callable[[str], bool],
                     says_something: Callable[[str], bool]) -> bool:
    """Whether ``text`` has a clause asking for a person and another that is not politeness."""
    parts = clauses(text)
    asking = [asks_for_person(part) for part in parts]
    return any(asking) and any(not ask and says_something(part) for part, ask in zip(parts, asking, strict=True))
