"""Who is this Teams user? The directory first (by Entra ID object id, then by UPN from
``TeamsInfo.get_member``), then the profile they gave the bot, else unknown."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.references import user_key
from domain.profiles import get_profile
from knowledge.directory import Directory
from knowledge.live import LiveData, NotLoadedError

log = logging.getLogger(__name__)
_EMPTY = Directory((), (), ())  # while the organisation files have never loaded


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as the bot knows them; ``unit_code``/``tier`` are None when unknown."""

    user_id: str
    name: str
    upn: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    department_code: str | None = None
    department_name: str | None = None
    tier: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    source: Literal["directory", "profile", "unknown"] = "unknown"
    unit_gone: bool = False  # their saved unit is no longer in the directory: ask again
    directory_loaded: bool = True  # False while the organisation files have never loaded

    def refusal(self, not_admin: str) -> str:
        """What to say to someone refused an admin command: without a directory nobody can
        be known as an admin, and that is what an admin needs to hear."""
        return texts.ADMIN_UNVERIFIED if not self.directory_loaded else not_admin

    @property
    def known(self) -> bool:
        return self.unit_code is not None and self.tier is not None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


class IdentityResolver:
    """Resolves and caches identities; the UPN lookup hits the channel at most once per user."""

    def __init__(self, directory: LiveData[Directory], sessions: async_sessionmaker[AsyncSession]) -> None:
        self._directory = directory
        self._sessions = sessions
        self._upns: dict[str, str | None] = {}

    async def _upn(self, turn_context: TurnContext, user_id: str) -> str | None:
        if user_id in self._upns:
            return self._upns[user_id]
        sender = turn_context.activity.from_property
        try:
            member = await TeamsInfo.get_member(turn_context, sender.id)
        except Exception as exc:  # not in Teams, or the channel failed: ask again next turn
            log.info("member lookup failed", extra={"error": type(exc).__name__})
            return None
        upn = (member.user_principal_name or member.email or None) if member else None
        self._upns[user_id] = upn.lower() if upn else None
        return self._upns[user_id]

    async def resolve(self, turn_context: TurnContext) -> Identity:
        activity = turn_context.activity
        user_id = user_key(activity)
        name = (activity.from_property.name if activity.from_property else None) or ""
        directory = self._known()
        aad = getattr(activity.from_property, "aad_object_id", None)
        person = directory.person_by_aad(aad)
        upn = person.upn if person else None
        if person is None and activity.channel_id == "msteams":
            upn = await self._upn(turn_context, user_id)
            person = directory.person_by_upn(upn)
        if person is not None:
            unit = directory.unit(person.unit_code)
            return Identity(
                user_id, person.name, person.upn, person.unit_code, unit.name if unit else None,
                unit.department_code if unit else None, unit.department_name if unit else None,
                person.tier, frozenset(directory.roles_of(person.upn)), "directory",
            )
        async with self._sessions() as session:
            profile = await get_profile(session, user_id)
        if profile is not None:
            unit = directory.unit(profile.unit_code)
            if unit is None and directory.units:  # the unit was removed or renumbered
                log.info("profile unit not in directory", extra={"unit": profile.unit_code})
                return Identity(user_id, profile.name or name, upn, unit_gone=True)
            return Identity(
                user_id, profile.name or name, upn, unit.code if unit else profile.unit_code,
                unit.name if unit else None,
                unit.department_code if unit else None, unit.department_name if unit else None,
                profile.tier, frozenset(), "profile", directory_loaded=directory is not _EMPTY,
            )
        return Identity(user_id, name, upn, directory_loaded=directory is not _EMPTY)

    async def upn(self, turn_context: TurnContext) -> str | None:
        """The sender's UPN (directory by object id, else Teams' member record, cached)."""
        activity = turn_context.activity
        person = self._known().person_by_aad(getattr(activity.from_property, "aad_object_id", None))
        if person is not None:
            return person.upn
        if activity.channel_id != "msteams":
            return None
        return await self._upn(turn_context, user_key(activity))

    def _known(self) -> Directory:
        """The directory; an empty one while it has never loaded (a broken file at start-up):
        people are then known by their profile only, and every other feature still works."""
        try:
            return self._directory.current
        except NotLoadedError:
            return _EMPTY

    def forget(self, user_id: str) -> None:
        """Drop the cached UPN (after a profile change, or for tests)."""
        self._upns.pop(user_id, None)
