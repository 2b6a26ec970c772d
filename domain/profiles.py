"""What people told the bot about themselves when the directory did not know them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import utcnow
from knowledge.sources import CODE_MAX


class StaffProfile(SQLModel, table=True):
    """A self-declared unit and tier, keyed by the Teams user's Entra ID object id."""

    __tablename__ = "staff_profile"

    user_id: str = Field(primary_key=True, max_length=256)
    name: str = Field(default="", max_length=256)
    upn: str | None = Field(default=None, max_length=256)
    unit_code: str = Field(max_length=CODE_MAX)
    tier: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


async def get_profile(session: AsyncSession, user_id: str) -> StaffProfile | None:
    return await session.get(StaffProfile, user_id)


async def save_profile(
    session: AsyncSession, user_id: str, unit_code: str, tier: str, name: str = "", upn: str | None = None
) -> StaffProfile:
    """Create or replace the person's profile (in the caller's transaction)."""
    profile = await session.get(StaffProfile, user_id)
    if profile is None:
        profile = StaffProfile(user_id=user_id, unit_code=unit_code, tier=tier, name=name, upn=upn)
        session.add(profile)
    else:
        profile.unit_code, profile.tier, profile.updated_at = unit_code, tier, utcnow()
        profile.name = name or profile.name
        profile.upn = upn or profile.upn
    return profile
