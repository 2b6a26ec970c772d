"""The FAQ query log: every free-text question, what the matcher offered, what helped."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ids import row_id
from domain.models import FaqQueryRow

FEEDBACK = ("solved", "unsolved")


async def log_query(
    session: AsyncSession,
    *,
    user_id: str,
    unit_code: str | None,
    query: str,
    normalized: str,
    candidates: Sequence[tuple[str, float]],
    band: str,
    chosen_id: str | None,
) -> int:
    row = FaqQueryRow(
        user_id=user_id, unit_code=unit_code, query=query, normalized=normalized,
        candidates=json.dumps([[i, round(s, 4)] for i, s in candidates]), band=band,
        chosen_id=chosen_id,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def own_row(session: AsyncSession, log_id: object, user_id: str) -> FaqQueryRow | None:
    """The log row, only if it exists and belongs to this user (card data can be forged)."""
    found = row_id(log_id)
    if found is None:
        return None
    row = await session.get(FaqQueryRow, found)
    return row if row is not None and row.user_id == user_id else None


def candidate_ids(row: FaqQueryRow, min_score: float = 0.0) -> list[str]:
    """The ids the matcher offered for this query, best first, scoring at least ``min_score``."""
    try:
        return [str(i) for i, score in json.loads(row.candidates) if float(score) >= min_score]
    except (ValueError, TypeError):
        return []
