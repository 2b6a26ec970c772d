"""Who a ticket goes to, level by level, as the organisation directory says.

The chain is the requester's unit's primary デジタル活用推進員, then the unit's other promoters,
then the department's DX推進スペシャリスト, then the central DX office (helpdesk). Levels with
nobody are skipped (a unit without promoters goes straight to the specialists), and the
requester never receives their own question.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.directory import Directory, Person

PROMOTER, SPECIALIST, HELPDESK = "promoter", "specialist", "helpdesk"


@dataclass(frozen=True, slots=True)
class Level:
    """One step of the chain: a role and the people who hold it, primary first."""

    role: str
    people: tuple[Person, ...]
    backup: bool = False


def plan(directory: Directory, unit_code: str | None, requester_upn: str | None = None) -> list[Level]:
    """The escalation levels for a requester of ``unit_code`` (unknown unit: the helpdesk)."""
    me = (requester_upn or "").strip().lower()
    levels: list[Level] = []
    chain = directory.escalation_chain(unit_code) if unit_code else [(HELPDESK, directory.helpdesk())]
    for role, people in chain:
        others = tuple(p for p in people if p.upn != me)
        if not others:
            continue
        if role == PROMOTER:
            levels.append(Level(role, others[:1]))
            if len(others) > 1:
                levels.append(Level(role, others[1:], backup=True))
        else:
            levels.append(Level(role, others))
    return levels
